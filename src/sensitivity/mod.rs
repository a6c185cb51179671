//! Sensitivity analysis: how much each configuration key moves a design's headline figures.
//!
//! The method (one key at a time, about the given design):
//! - every settable key of the configuration is tried at the values [`perturb`] chooses: a
//!   number ×0.5 and ×2 (the factor is an option), clamped to what validation allows on this
//!   configuration; a key at 0 one step up; a boolean or a choice at each alternative;
//! - each tried value is a full run (analytic by default) of the same model and workload;
//! - the figures are decode tokens/s, decode J/token (system energy), chip area and average
//!   power (system), as the metric set defines them (`reports::metrics`);
//! - for a scaled number, the elasticity of each figure is the slope in log–log space:
//!   `e = ln(m_hi / m_lo) / ln(x_hi / x_lo)` over the two steps (one step and the base when the
//!   other is not valid). `e = 0.5` means +0.5% of the figure per +1% of the key, near the
//!   design. Keys at 0 and categorical keys have no elasticity; their change `m / m0 - 1` is
//!   reported;
//! - keys are sorted by impact: the largest `|ln(m / m0)|` over their steps and the figures
//!   (or one figure, when asked), so numeric and categorical keys rank on one scale.
//!
//! A tried value that is not a valid design (it breaks a limit set by another key, or the model
//! no longer fits) is reported with the reason, not dropped. Keys whose steps change nothing are
//! flagged with their scope (`sim::config::key_scope`: conditional keys say when they act), so
//! the report is also the proof that the knobs are live.

pub mod perturb;
pub mod tornado;

use crate::run::{simulate, RunError, RunOptions};
use perturb::{steps_for, Steps, Value};
use rayon::prelude::*;
use reports::RunRecord;
use serde::{Deserialize, Serialize};
use sim::config::{key_info, key_scope, parse_config, preset_names, preset_text, HardwareConfig};
use sim::config::{Accepts, KeyScope};
use workloads::ModelCard;

/// The figures a sensitivity report covers, in order: their `reports::metrics` keys.
pub const FIGURES: [&str; 4] = [
    "decode_tokens_per_s",
    "decode_j_per_token",
    "area_mm2",
    "power_w",
];

/// One value per figure (a figure, a change or an elasticity).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerFigure<T> {
    pub decode_tokens_per_s: T,
    pub decode_j_per_token: T,
    pub area_mm2: T,
    pub power_w: T,
}

impl<T: Copy> PerFigure<T> {
    /// In [`FIGURES`] order.
    pub fn values(&self) -> [T; 4] {
        [
            self.decode_tokens_per_s,
            self.decode_j_per_token,
            self.area_mm2,
            self.power_w,
        ]
    }

    fn from_fn(f: impl Fn(usize) -> T) -> Self {
        PerFigure {
            decode_tokens_per_s: f(0),
            decode_j_per_token: f(1),
            area_mm2: f(2),
            power_w: f(3),
        }
    }

    /// The value of figure `key` (one of [`FIGURES`]).
    pub fn get(&self, key: &str) -> Option<T> {
        FIGURES
            .iter()
            .position(|f| *f == key)
            .map(|i| self.values()[i])
    }
}

/// A run's figures.
pub type Figures = PerFigure<f64>;

fn figures_of(rec: &RunRecord) -> Result<Figures, String> {
    let (Some(tps), Some(jpt)) = (rec.decode_tokens_per_s, rec.decode_j_per_token) else {
        return Err("the run has no decode step (generate at least 2 tokens)".into());
    };
    Ok(PerFigure {
        decode_tokens_per_s: tps,
        decode_j_per_token: jpt,
        area_mm2: rec.area_mm2,
        power_w: rec.power_w,
    })
}

/// How a key was perturbed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Scaled down and up; has an elasticity.
    Scaled,
    /// Stepped up from 0.
    FromZero,
    /// Each alternative of a boolean or a choice.
    Alternatives,
}

/// One tried value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    pub value: String,
    /// The run's figures; absent when the value is not a valid design.
    pub figures: Option<Figures>,
    /// `m / m0 - 1` per figure; absent with `figures`.
    pub change: Option<Figures>,
    /// Why the value is not a valid design.
    pub error: Option<String>,
}

/// One key's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyResult {
    pub key: String,
    /// The design's value.
    pub value: String,
    pub kind: StepKind,
    pub steps: Vec<StepResult>,
    /// Log–log slope per figure (scaled keys with at least one valid step).
    pub elasticity: Option<PerFigure<Option<f64>>>,
    /// Largest `|ln(m / m0)|` over the steps and the sorting figures.
    pub impact: f64,
    /// Whether any valid step moved any figure.
    pub moved: bool,
    /// When the key acts, for keys that act only in some designs (and limits).
    pub note: Option<String>,
}

/// A key that was not tried, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub key: String,
    pub reason: String,
}

/// The whole analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityReport {
    pub model: String,
    pub config: String,
    pub weights: String,
    pub mapping: String,
    pub fidelity: String,
    pub prompt_tokens: u64,
    pub generated_tokens: u64,
    pub batch: u64,
    pub factor: f64,
    /// The figure keys are sorted by; absent: all four.
    pub sorted_by: Option<String>,
    pub base: Figures,
    /// Runs made, the base included.
    pub runs: usize,
    pub keys: Vec<KeyResult>,
    pub skipped: Vec<Skipped>,
}

/// What to perturb by and how to sort.
#[derive(Debug, Clone)]
pub struct SensitivityOptions {
    pub run: RunOptions,
    /// Numbers are tried at `x / factor` and `x × factor` (> 1; 2 by default).
    pub factor: f64,
    /// Sort by this figure's impact alone (one of [`FIGURES`]).
    pub sort_by: Option<String>,
}

/// Relative changes against the base, per figure.
fn change_of(base: &Figures, m: &Figures) -> Figures {
    let (b, v) = (base.values(), m.values());
    PerFigure::from_fn(|i| if b[i] != 0.0 { v[i] / b[i] - 1.0 } else { 0.0 })
}

/// The log–log slope between `(x0, m0)` and `(x1, m1)`; `None` when a value is not positive.
pub fn elasticity(x0: f64, m0: f64, x1: f64, m1: f64) -> Option<f64> {
    let ok = |v: f64| v > 0.0 && v.is_finite();
    if !(ok(x0) && ok(x1) && ok(m0) && ok(m1)) || x0 == x1 {
        return None;
    }
    Some((m1 / m0).ln() / (x1 / x0).ln())
}

/// A figure counts as moved when it changes by more than this relative amount (well above
/// floating-point noise, far below any figure a user reads).
const MOVED: f64 = 1e-9;

/// The current value at a dotted key path of a TOML tree.
fn value_at<'a>(tree: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut v = tree.get(first)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(v)
}

/// The smallest positive value of `key` in any shipped preset: the step up from 0 of a number.
fn smallest_preset_value(key: &str) -> Option<f64> {
    preset_names()
        .iter()
        .filter_map(|n| preset_text(n)?.parse::<toml::Table>().ok())
        .filter_map(|t| value_at(&t, key).and_then(|v| Value::from_toml(v)?.as_f64()))
        .filter(|x| *x > 0.0)
        .min_by(f64::total_cmp)
}

/// Runs the analysis of `card` on `cfg` (already loaded, the user's overrides applied).
pub fn sensitivity(
    card: &ModelCard,
    cfg: &HardwareConfig,
    config_label: &str,
    opts: &SensitivityOptions,
) -> Result<SensitivityReport, RunError> {
    if !(opts.factor.is_finite() && opts.factor > 1.0) {
        return Err(RunError::BadInput(format!(
            "--factor {} : the factor must be a number greater than 1 (keys are tried at x / \
             factor and x * factor)",
            opts.factor
        )));
    }
    if let Some(s) = &opts.sort_by {
        if !FIGURES.contains(&s.as_str()) {
            return Err(RunError::BadInput(format!(
                "--sort {s}: not a figure of the analysis; one of {}",
                FIGURES.join(", ")
            )));
        }
    }
    let base_run = simulate(card, cfg, config_label, &opts.run)?;
    let base = figures_of(&base_run.record).map_err(RunError::BadInput)?;
    let base_toml = cfg.to_toml_string();
    let tree: toml::Table = base_toml
        .parse()
        .map_err(|e| RunError::Internal(format!("the configuration does not re-parse: {e}")))?;

    let mut plans: Vec<(String, Value, StepKind, Vec<Value>)> = Vec::new();
    let mut skipped = Vec::new();
    for info in key_info(Some(cfg)) {
        let skip = |reason: String| Skipped {
            key: info.key.clone(),
            reason,
        };
        if info.key == "macro.weight_bits" && opts.run.weight_bits.is_some() {
            skipped.push(skip("fixed by --weights for this analysis".into()));
            continue;
        }
        if key_scope(&info.key) == KeyScope::Descriptive {
            skipped.push(skip("descriptive: it names the design".into()));
            continue;
        }
        let Some(current) = value_at(&tree, &info.key).and_then(Value::from_toml) else {
            skipped.push(skip(
                "not set in this configuration (the derived or default value is used); set \
                 it with --set to study it"
                    .into(),
            ));
            continue;
        };
        let zero_step = match info.accepts {
            // Only a key at 0 needs the step up from it (parsing every preset per key is waste).
            Accepts::Float { .. } if current.as_f64() == Some(0.0) => {
                smallest_preset_value(&info.key)
            }
            Accepts::Float { .. }
            | Accepts::Int { .. }
            | Accepts::Bool
            | Accepts::OneOf(_)
            | Accepts::Name
            | Accepts::Text => None,
        };
        match steps_for(&current, &info.accepts, opts.factor, zero_step) {
            Some(Steps::Scaled(v)) => plans.push((info.key, current, StepKind::Scaled, v)),
            Some(Steps::FromZero(v)) => {
                plans.push((info.key, current, StepKind::FromZero, vec![v]))
            }
            Some(Steps::Alternatives(v)) => {
                plans.push((info.key, current, StepKind::Alternatives, v))
            }
            None => skipped.push(skip("no other valid value".into())),
        }
    }

    let tasks: Vec<(usize, Value)> = plans
        .iter()
        .enumerate()
        .flat_map(|(i, (_, _, _, values))| values.iter().map(move |v| (i, v.clone())))
        .collect();
    let outcomes: Vec<Result<Figures, String>> = tasks
        .par_iter()
        .map(|(i, v)| {
            let key = &plans[*i].0;
            let set = format!("{key}={}", v.set_text());
            let cfg = parse_config(&base_toml, config_label, std::slice::from_ref(&set))
                .map_err(|e| e.to_string())?;
            let out = simulate(card, &cfg, config_label, &opts.run).map_err(|e| match e {
                RunError::BadInput(m) | RunError::Internal(m) => m,
            })?;
            figures_of(&out.record)
        })
        .collect();

    let sort_index = opts
        .sort_by
        .as_deref()
        .and_then(|s| FIGURES.iter().position(|f| *f == s));
    let runs = 1 + tasks.len();
    let mut outcomes = outcomes.into_iter();
    let mut keys = Vec::with_capacity(plans.len());
    for (key, current, kind, values) in plans {
        let steps: Vec<StepResult> = values
            .iter()
            .map(|v| match outcomes.next() {
                Some(Ok(f)) => StepResult {
                    value: v.display(),
                    figures: Some(f),
                    change: Some(change_of(&base, &f)),
                    error: None,
                },
                Some(Err(e)) => StepResult {
                    value: v.display(),
                    figures: None,
                    change: None,
                    error: Some(e),
                },
                None => StepResult {
                    value: v.display(),
                    figures: None,
                    change: None,
                    error: Some("internal: no outcome".into()),
                },
            })
            .collect();
        let elasticity = match kind {
            StepKind::Scaled => scaled_elasticity(&current, &values, &steps, &base),
            StepKind::FromZero | StepKind::Alternatives => None,
        };
        let mut impact = 0.0f64;
        let mut moved = false;
        for f in steps.iter().filter_map(|s| s.figures.as_ref()) {
            for (i, (m, m0)) in f.values().iter().zip(base.values()).enumerate() {
                let log_change = if *m > 0.0 && m0 > 0.0 {
                    (m / m0).ln().abs()
                } else {
                    0.0
                };
                if (m - m0).abs() > MOVED * m0.abs().max(f64::MIN_POSITIVE) {
                    moved = true;
                }
                if sort_index.is_none_or(|s| s == i) {
                    impact = impact.max(log_change);
                }
            }
        }
        let note = match key_scope(&key) {
            KeyScope::Conditional(when) => Some(format!("acts only {when}")),
            KeyScope::Limit(why) => Some(format!("a limit: {why}")),
            KeyScope::Live | KeyScope::Descriptive => None,
        };
        keys.push(KeyResult {
            key,
            value: current.display(),
            kind,
            steps,
            elasticity,
            impact,
            moved,
            note,
        });
    }
    keys.sort_by(|a, b| b.impact.total_cmp(&a.impact).then(a.key.cmp(&b.key)));

    let rec = &base_run.record;
    Ok(SensitivityReport {
        model: rec.model.clone(),
        config: rec.config.clone(),
        weights: rec.weights.clone(),
        mapping: rec.mapping.clone(),
        fidelity: rec.fidelity.clone(),
        prompt_tokens: rec.prompt_tokens,
        generated_tokens: rec.generated_tokens,
        batch: rec.batch,
        factor: opts.factor,
        sorted_by: opts.sort_by.clone(),
        base,
        runs,
        keys,
        skipped,
    })
}

/// Elasticities of a scaled key: across the two steps when both are valid designs, else
/// between the base and the one that is.
fn scaled_elasticity(
    current: &Value,
    values: &[Value],
    steps: &[StepResult],
    base: &Figures,
) -> Option<PerFigure<Option<f64>>> {
    let x0 = current.as_f64()?;
    let valid: Vec<(f64, Figures)> = values
        .iter()
        .zip(steps)
        .filter_map(|(v, s)| Some((v.as_f64()?, s.figures?)))
        .collect();
    let (xa, ma, xb, mb) = match valid.as_slice() {
        [] => return None,
        [(x, m)] => (x0, *base, *x, *m),
        [(xl, ml), (xh, mh), ..] => (*xl, *ml, *xh, *mh),
    };
    let (a, b) = (ma.values(), mb.values());
    Some(PerFigure::from_fn(|i| elasticity(xa, a[i], xb, b[i])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elasticity_is_the_log_log_slope() {
        // m = x: e = 1; m = x^2 across x0.5 and x2: e = 2; m = 1/x: e = -1.
        assert!((elasticity(1.0, 1.0, 2.0, 2.0).unwrap() - 1.0).abs() < 1e-12);
        assert!((elasticity(0.5, 0.25, 2.0, 4.0).unwrap() - 2.0).abs() < 1e-12);
        assert!((elasticity(100.0, 0.01, 200.0, 0.005).unwrap() + 1.0).abs() < 1e-12);
        // A constant figure: 0.
        assert_eq!(elasticity(1.0, 3.0, 2.0, 3.0), Some(0.0));
        assert_eq!(elasticity(1.0, 0.0, 2.0, 3.0), None);
        assert_eq!(elasticity(1.0, 1.0, 1.0, 3.0), None);
    }

    #[test]
    fn changes_are_relative_to_the_base() {
        let base = PerFigure {
            decode_tokens_per_s: 100.0,
            decode_j_per_token: 0.02,
            area_mm2: 40.0,
            power_w: 2.0,
        };
        let m = PerFigure {
            decode_tokens_per_s: 150.0,
            decode_j_per_token: 0.01,
            area_mm2: 40.0,
            power_w: 3.0,
        };
        let c = change_of(&base, &m).values();
        assert!((c[0] - 0.5).abs() < 1e-12 && (c[1] + 0.5).abs() < 1e-12);
        assert_eq!(c[2], 0.0);
        assert!((c[3] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn paths_resolve_in_the_tree() {
        let t: toml::Table = "a = 1\n[b]\nc = 2.5\n[b.d]\ne = true\n".parse().unwrap();
        assert_eq!(value_at(&t, "a").and_then(|v| v.as_integer()), Some(1));
        assert_eq!(value_at(&t, "b.c").and_then(|v| v.as_float()), Some(2.5));
        assert_eq!(value_at(&t, "b.d.e").and_then(|v| v.as_bool()), Some(true));
        assert!(value_at(&t, "b.x").is_none() && value_at(&t, "a.b").is_none());
    }
}
