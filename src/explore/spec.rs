//! The sweep spec: a TOML file naming the base configuration, the models, the workload, the
//! parameters to vary, the constraints, the objectives and the search. Everything is checked
//! here, before any point runs: each error names the spec file, the line and the key, and for an
//! unknown name suggests the nearest valid one.

use super::metrics::{is_metric, metric_names};
pub use super::names::{did_you_mean, line_of};
use super::space::{expand_values, Param, ParamValue, MAX_VALUES_PER_PARAM};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// Pseudo-keys of the space that are not configuration keys: they set the run options.
pub const PSEUDO_KEYS: &[&str] = &["mapping", "weights"];

/// Default margin of the `screen` fidelity (see [`SweepSpec::screen_margin`]).
pub const DEFAULT_SCREEN_MARGIN: f64 = 0.05;

/// Default cycle-level runs per model of the `screen` fidelity (see
/// [`SweepSpec::screen_budget`]). A cycle run of a sub-billion-parameter model at the default
/// workload costs ~0.3 core-seconds, so 128 of them take ~20 s on 2 cores: a 10,000-point
/// `screen` sweep of qwen3-0.6b then fits in a minute with the analytic pass. A count, not a
/// share of the points, so the refinement cost does not grow with the sweep; the analytic
/// fronts of these spaces hold 2-10 points, so 128 covers the front and an order of magnitude
/// more of the points nearest to it.
pub const DEFAULT_SCREEN_BUDGET: u64 = 128;

/// Largest `screen_budget` (the selection keeps this many entries per model in memory).
pub const MAX_SCREEN_BUDGET: u64 = 1_000_000;

fn default_screen_budget() -> u64 {
    DEFAULT_SCREEN_BUDGET
}

/// A bad sweep spec: where (file and line, when known) and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct SpecError {
    pub origin: String,
    pub line: Option<usize>,
    pub message: String,
}

/// The workload every point runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct WorkloadSpec {
    pub prompt_tokens: u64,
    pub generate_tokens: u64,
    pub batch: u64,
    /// 4 or 8; `None` runs each point's configuration's `macro.weight_bits`.
    pub weight_bits: Option<u32>,
    pub mapping: String,
}

/// One constraint `metric OP bound`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Constraint {
    pub metric: String,
    pub op: CmpOp,
    pub bound: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
pub enum CmpOp {
    Le,
    Lt,
    Ge,
    Gt,
}

impl Constraint {
    /// True when `value` satisfies the constraint (NaN never does).
    pub fn holds(&self, value: f64) -> bool {
        match self.op {
            CmpOp::Le => value <= self.bound,
            CmpOp::Lt => value < self.bound,
            CmpOp::Ge => value >= self.bound,
            CmpOp::Gt => value > self.bound,
        }
    }

    /// How far `value` is outside the bound, relative to the bound (0 when it holds).
    pub fn violation(&self, value: f64) -> f64 {
        if self.holds(value) {
            return 0.0;
        }
        if !value.is_finite() {
            return f64::INFINITY;
        }
        (value - self.bound).abs() / self.bound.abs().max(1e-30)
    }
}

/// How the points are chosen.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub enum Search {
    /// Every point of the space.
    Grid,
    /// `n` distinct points drawn uniformly with `seed`.
    Random { n: u64, seed: u64 },
    /// NSGA-II per model.
    Nsga2 {
        population: usize,
        generations: usize,
        seed: u64,
    },
}

/// A checked sweep spec.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct SweepSpec {
    /// Base preset name or configuration file, as written in the spec (a file is resolved
    /// against the spec's directory; its text is `base_text`).
    pub base: String,
    /// The base configuration's TOML text.
    pub base_text: String,
    pub models: Vec<String>,
    pub workload: WorkloadSpec,
    /// Varied parameters, in spec order.
    pub params: Vec<Param>,
    pub constraints: Vec<Constraint>,
    pub objectives: Vec<String>,
    pub search: Search,
    /// `screen` refines with the cycle fidelity the points that no analytic front point beats
    /// by more than this fraction in every objective...
    pub screen_margin: f64,
    /// ...at most this many per model, the closest to the analytic front first (see
    /// `explore::front`).
    #[serde(default = "default_screen_budget")]
    pub screen_budget: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    base: Option<Spanned<String>>,
    models: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    workload: Option<RawWorkload>,
    #[serde(default)]
    space: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    constraints: Vec<Spanned<String>>,
    objectives: Option<Spanned<Vec<Spanned<String>>>>,
    search: Option<Spanned<RawSearch>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkload {
    prompt: Option<Spanned<u64>>,
    generate: Option<Spanned<u64>>,
    batch: Option<Spanned<u64>>,
    weights: Option<Spanned<String>>,
    mapping: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSearch {
    kind: Spanned<String>,
    n: Option<Spanned<u64>>,
    seed: Option<Spanned<u64>>,
    population: Option<Spanned<u64>>,
    generations: Option<Spanned<u64>>,
    screen_margin: Option<Spanned<f64>>,
    screen_budget: Option<Spanned<toml::Value>>,
}

/// Reads and checks a spec file. `base` files are resolved against the spec's directory.
pub fn load_spec(path: &Path) -> Result<SweepSpec, SpecError> {
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| SpecError {
        origin: origin.clone(),
        line: None,
        message: format!("cannot read the sweep spec: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| SpecError {
        origin: origin.clone(),
        line: None,
        message: "not a text file (the sweep spec must be UTF-8 TOML)".into(),
    })?;
    parse_spec(&text, &origin, path.parent().unwrap_or(Path::new(".")))
}

/// Checks spec `text`; `origin` names it in errors; `dir` resolves a relative `base` file.
pub fn parse_spec(text: &str, origin: &str, dir: &Path) -> Result<SweepSpec, SpecError> {
    let err = |span: Option<std::ops::Range<usize>>, message: String| SpecError {
        origin: origin.to_string(),
        line: span.map(|s| line_of(text, s.start)),
        message,
    };
    if text.trim().is_empty() {
        return Err(err(
            None,
            "the sweep spec is empty: it needs at least `models = [...]`".into(),
        ));
    }
    let raw: RawSpec = toml::from_str(text).map_err(|e| {
        let message = super::names::with_unknown_field_hint(e.message().trim_end());
        err(e.span(), message)
    })?;

    // Base configuration.
    let (base, base_text) = match &raw.base {
        None => {
            let name = sim::config::DEFAULT_PRESET.to_string();
            let text = sim::config::preset_text(&name)
                .unwrap_or_default()
                .to_string();
            (name, text)
        }
        Some(b) => resolve_base(b.get_ref(), dir).map_err(|m| err(Some(b.span()), m))?,
    };
    if let Err(e) = sim::config::parse_config(&base_text, &base, &[]) {
        let span = raw.base.as_ref().map(|b| b.span());
        return Err(err(span, format!("`base`: {e}")));
    }

    // Models.
    if raw.models.get_ref().is_empty() {
        return Err(err(
            Some(raw.models.span()),
            "`models` is empty: name at least one model".into(),
        ));
    }
    let mut models = Vec::new();
    for m in raw.models.get_ref() {
        let name = m.get_ref();
        if workloads::load_model(name).is_err() && !Path::new(name).is_file() {
            return Err(err(
                Some(m.span()),
                format!(
                    "`models`: unknown model `{name}`{}; shipped models: {}",
                    did_you_mean(name, workloads::shipped_names().iter().copied()),
                    workloads::shipped_names().join(", ")
                ),
            ));
        }
        if let Err(e) = workloads::load_model(name) {
            return Err(err(Some(m.span()), format!("`models`: {e}")));
        }
        if models.contains(name) {
            return Err(err(
                Some(m.span()),
                format!("`models`: `{name}` is listed twice"),
            ));
        }
        models.push(name.clone());
    }

    let workload = check_workload(raw.workload.as_ref(), &err)?;

    // The space: key paths in spec order (by position in the file).
    let mut entries: Vec<_> = raw.space.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let key_paths = sim::config::key_paths();
    let mut params = Vec::new();
    for (key, value) in entries {
        let name = key.get_ref().as_str();
        let key_err = |m: String| err(Some(key.span()), format!("[space] `{name}`: {m}"));
        let is_pseudo = PSEUDO_KEYS.contains(&name);
        if !is_pseudo && !key_paths.iter().any(|k| k == name) {
            let candidates = key_paths
                .iter()
                .map(String::as_str)
                .chain(PSEUDO_KEYS.iter().copied());
            return Err(key_err(format!(
                "not a configuration key path{} (`cimsim config keys` lists them)",
                did_you_mean(name, candidates)
            )));
        }
        let values = expand_values(value.get_ref())
            .map_err(|m| err(Some(value.span()), format!("[space] `{name}`: {m}")))?;
        if values.len() > MAX_VALUES_PER_PARAM {
            return Err(key_err(format!(
                "{} values, at most {MAX_VALUES_PER_PARAM} per parameter",
                values.len()
            )));
        }
        for v in &values {
            check_value(name, v, &base, &base_text)
                .map_err(|m| err(Some(value.span()), format!("[space] `{name}`: {m}")))?;
        }
        params.push(Param {
            key: name.to_string(),
            values,
        });
    }

    // Constraints and objectives.
    let mut constraints = Vec::new();
    for c in &raw.constraints {
        constraints.push(parse_constraint(c.get_ref()).map_err(|m| err(Some(c.span()), m))?);
    }
    let objectives = match &raw.objectives {
        None => vec![
            "decode_s_per_token".to_string(),
            "decode_j_per_token".to_string(),
        ],
        Some(list) => {
            if list.get_ref().is_empty() {
                return Err(err(
                    Some(list.span()),
                    "`objectives` is empty: name one to three metrics".into(),
                ));
            }
            if list.get_ref().len() > 3 {
                return Err(err(
                    Some(list.span()),
                    "`objectives`: at most three objectives".into(),
                ));
            }
            let mut out: Vec<String> = Vec::new();
            for o in list.get_ref() {
                let name = o.get_ref();
                if !is_metric(name) {
                    return Err(err(
                        Some(o.span()),
                        format!(
                            "`objectives`: unknown metric `{name}`{}; allowed: any numeric column of `cimsim simulate --json`, e.g. decode_s_per_token, decode_j_per_token, decode_tokens_per_s, e2e_tokens_per_j, area_mm2, power_w",
                            unknown_metric_hint(name)
                        ),
                    ));
                }
                if out.contains(name) {
                    return Err(err(
                        Some(o.span()),
                        format!("`objectives`: `{name}` is listed twice"),
                    ));
                }
                out.push(name.clone());
            }
            out
        }
    };

    let (search, screen_margin, screen_budget) = check_search(raw.search.as_ref(), &err)?;
    Ok(SweepSpec {
        base,
        base_text,
        models,
        workload,
        params,
        constraints,
        objectives,
        search,
        screen_margin,
        screen_budget,
    })
}

type ErrFn<'a> = dyn Fn(Option<std::ops::Range<usize>>, String) -> SpecError + 'a;

fn check_workload(raw: Option<&RawWorkload>, err: &ErrFn) -> Result<WorkloadSpec, SpecError> {
    let mut w = WorkloadSpec {
        prompt_tokens: 128,
        generate_tokens: 128,
        batch: 1,
        weight_bits: None,
        mapping: mappings::DEFAULT_STRATEGY.to_string(),
    };
    let Some(raw) = raw else { return Ok(w) };
    let positive = |v: &Option<Spanned<u64>>, key: &str, default: u64| match v {
        Some(s) if *s.get_ref() == 0 => Err(err(
            Some(s.span()),
            format!("[workload] `{key}` must be at least 1"),
        )),
        Some(s) => Ok(*s.get_ref()),
        None => Ok(default),
    };
    w.prompt_tokens = positive(&raw.prompt, "prompt", w.prompt_tokens)?;
    w.generate_tokens = positive(&raw.generate, "generate", w.generate_tokens)?;
    w.batch = positive(&raw.batch, "batch", w.batch)?;
    if let Some(s) = &raw.weights {
        w.weight_bits = Some(weight_bits(s.get_ref()).ok_or_else(|| {
            err(
                Some(s.span()),
                format!(
                    "[workload] `weights` = \"{}\": allowed \"int4\" or \"int8\"",
                    s.get_ref()
                ),
            )
        })?);
    }
    if let Some(s) = &raw.mapping {
        check_mapping(s.get_ref())
            .map_err(|m| err(Some(s.span()), format!("[workload] `mapping`: {m}")))?;
        w.mapping = s.get_ref().clone();
    }
    Ok(w)
}

fn check_search(
    raw: Option<&Spanned<RawSearch>>,
    err: &ErrFn,
) -> Result<(Search, f64, u64), SpecError> {
    let Some(raw) = raw else {
        return Ok((Search::Grid, DEFAULT_SCREEN_MARGIN, DEFAULT_SCREEN_BUDGET));
    };
    let r = raw.get_ref();
    let margin = match &r.screen_margin {
        Some(m) if !(m.get_ref().is_finite() && *m.get_ref() >= 0.0 && *m.get_ref() <= 10.0) => {
            return Err(err(
                Some(m.span()),
                format!(
                    "[search] `screen_margin` = {}: allowed 0..=10 (a fraction, 0.05 = 5 %)",
                    m.get_ref()
                ),
            ));
        }
        Some(m) => *m.get_ref(),
        None => DEFAULT_SCREEN_MARGIN,
    };
    let budget = match &r.screen_budget {
        None => DEFAULT_SCREEN_BUDGET,
        Some(b) => match b.get_ref().as_integer() {
            Some(n) if (1..=MAX_SCREEN_BUDGET as i64).contains(&n) => n as u64,
            _ => {
                return Err(err(
                    Some(b.span()),
                    format!(
                        "[search] `screen_budget` = {}: allowed an integer 1..={MAX_SCREEN_BUDGET} (cycle-level runs per model)",
                        b.get_ref()
                    ),
                ))
            }
        },
    };
    let not_for = |field: &Option<Spanned<u64>>, name: &str, kind: &str| match field {
        Some(s) => Err(err(
            Some(s.span()),
            format!("[search] `{name}` does not apply to kind = \"{kind}\""),
        )),
        None => Ok(()),
    };
    let at_least = |field: &Option<Spanned<u64>>, name: &str, min: u64| match field {
        None => Err(err(
            Some(raw.span()),
            format!(
                "[search] `{name}` is required for kind = \"{}\"",
                r.kind.get_ref()
            ),
        )),
        Some(s) if *s.get_ref() < min => Err(err(
            Some(s.span()),
            format!("[search] `{name}` must be at least {min}"),
        )),
        Some(s) => Ok(*s.get_ref()),
    };
    let seed = r.seed.as_ref().map(|s| *s.get_ref()).unwrap_or(1);
    let search = match r.kind.get_ref().as_str() {
        "grid" => {
            not_for(&r.n, "n", "grid")?;
            not_for(&r.seed, "seed", "grid")?;
            not_for(&r.population, "population", "grid")?;
            not_for(&r.generations, "generations", "grid")?;
            Search::Grid
        }
        "random" => {
            not_for(&r.population, "population", "random")?;
            not_for(&r.generations, "generations", "random")?;
            Search::Random {
                n: at_least(&r.n, "n", 1)?,
                seed,
            }
        }
        "nsga2" => {
            not_for(&r.n, "n", "nsga2")?;
            let population = at_least(&r.population, "population", 4)?;
            let generations = at_least(&r.generations, "generations", 1)?;
            if population > 100_000 || generations > 100_000 {
                return Err(err(
                    Some(raw.span()),
                    "[search] `population` and `generations` are at most 100000 each".into(),
                ));
            }
            Search::Nsga2 {
                population: population as usize,
                generations: generations as usize,
                seed,
            }
        }
        other => {
            return Err(err(
                Some(r.kind.span()),
                format!(
                    "[search] unknown kind `{other}`{}; allowed \"grid\", \"random\", \"nsga2\"",
                    did_you_mean(other, ["grid", "random", "nsga2"])
                ),
            ))
        }
    };
    Ok((search, margin, budget))
}

/// `int4` / `int8` (also `4` / `8`) as bits.
pub fn weight_bits(s: &str) -> Option<u32> {
    match s.trim().to_ascii_lowercase().as_str() {
        "int4" | "4" => Some(4),
        "int8" | "8" => Some(8),
        _ => None,
    }
}

fn check_mapping(name: &str) -> Result<(), String> {
    if mappings::strategy_names().contains(&name) {
        return Ok(());
    }
    Err(format!(
        "unknown mapping `{name}`{}; allowed: {}",
        did_you_mean(name, mappings::strategy_names().iter().copied()),
        mappings::strategy_names().join(", ")
    ))
}

/// A value is rejected here only when it is wrong on its own (type, the key's own range); a value
/// that is wrong only together with other keys becomes an error row of the points that have it.
fn check_value(key: &str, v: &ParamValue, base: &str, base_text: &str) -> Result<(), String> {
    match key {
        "mapping" => match v {
            ParamValue::Text(s) => check_mapping(s),
            other => Err(format!("expected a mapping name (a string), found {other}")),
        },
        "weights" => match v {
            ParamValue::Text(s) if weight_bits(s).is_some() => Ok(()),
            ParamValue::Int(4 | 8) => Ok(()),
            other => Err(format!("`{other}`: allowed \"int4\" or \"int8\"")),
        },
        _ => {
            let over = format!("{key}={}", v.override_text());
            match sim::config::parse_config(base_text, base, &[over]) {
                Ok(_) => Ok(()),
                Err(e @ sim::config::ConfigError::OverrideType { .. }) => Err(e.to_string()),
                Err(sim::config::ConfigError::OutOfRange {
                    key: k,
                    value,
                    allowed,
                    ..
                }) if k == key && own_range(key, &allowed) => {
                    Err(format!("{value} is out of range: allowed {allowed}"))
                }
                Err(_) => Ok(()),
            }
        }
    }
}

/// True when `allowed` is the key's own range (from `key_help`), not a cross-key rule.
fn own_range(key: &str, allowed: &str) -> bool {
    sim::config::key_help()
        .iter()
        .any(|(k, help)| k == key && help.contains(&format!("allowed {allowed}")))
}

fn resolve_base(name: &str, dir: &Path) -> Result<(String, String), String> {
    if let Some(text) = sim::config::preset_text(name) {
        return Ok((name.to_string(), text.to_string()));
    }
    let path = if Path::new(name).is_absolute() {
        Path::new(name).to_path_buf()
    } else {
        dir.join(name)
    };
    if !path.is_file() {
        return Err(format!(
            "`base` = \"{name}\" is neither a preset{} nor a file ({} does not exist); presets: {}",
            did_you_mean(name, sim::config::preset_names().iter().copied()),
            path.display(),
            sim::config::preset_names().join(", ")
        ));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("`base`: cannot read {}: {e}", path.display()))?;
    // The name as written, not the resolved path: rows and the spec hash must not depend on the
    // directory the sweep was started from (the text itself is hashed).
    Ok((name.to_string(), text))
}

/// `metric OP number` with OP one of `<=`, `<`, `>=`, `>`.
fn parse_constraint(s: &str) -> Result<Constraint, String> {
    let ops = [
        ("<=", CmpOp::Le),
        (">=", CmpOp::Ge),
        ("<", CmpOp::Lt),
        (">", CmpOp::Gt),
    ];
    let Some((pos, text, op)) = ops
        .iter()
        .filter_map(|(t, op)| s.find(t).map(|p| (p, *t, *op)))
        .min_by_key(|(p, t, _)| (*p, std::cmp::Reverse(t.len())))
    else {
        return Err(format!(
            "constraint `{s}`: expected `METRIC <= NUMBER` (or <, >=, >), e.g. \"area_mm2 <= 50\""
        ));
    };
    let metric = s[..pos].trim();
    let bound_text = s[pos + text.len()..].trim();
    if !is_metric(metric) {
        return Err(format!(
            "constraint `{s}`: unknown metric `{metric}`{}; allowed: any numeric column of `cimsim simulate --json`, e.g. area_mm2, power_w, decode_s_per_token",
            unknown_metric_hint(metric)
        ));
    }
    let bound: f64 = bound_text
        .replace('_', "")
        .parse()
        .ok()
        .filter(|b: &f64| b.is_finite())
        .ok_or_else(|| format!("constraint `{s}`: `{bound_text}` is not a finite number"))?;
    Ok(Constraint {
        metric: metric.to_string(),
        op,
        bound,
    })
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;

/// A renamed key's replacement, else the nearest metric name.
fn unknown_metric_hint(name: &str) -> String {
    let renamed = reports::metrics::renamed_hint(name);
    if renamed.is_empty() {
        did_you_mean(name, metric_names().iter().map(String::as_str))
    } else {
        renamed
    }
}
