//! Evaluating one design point: the base configuration with the point's values as `--set`
//! overrides, one whole run (`cimsim::run::simulate`), and the CSV row. A point that cannot run
//! (a combination validation rejects, a mapping that does not fit) becomes a row with the
//! reason in the `error` column, not a failed sweep. Also reads rows back (objectives,
//! constraints) for fronts, screening and resumed searches.

use super::csvio::{csv_line, Layout};
use super::metrics::record_values;
use super::nsga2::Fitness;
use super::space::{Point, Space};
use super::spec::{weight_bits, SweepSpec};
use crate::run::{simulate, RunError, RunFidelity, RunOptions};
use reports::pareto::{metric_direction, Direction};
use std::collections::HashMap;
use workloads::ModelCard;

/// Everything needed to evaluate any point of one sweep; shared by the worker threads.
pub struct Evaluator<'a> {
    pub spec: &'a SweepSpec,
    pub space: Space,
    pub layout: Layout,
    cards: Vec<ModelCard>,
    directions: Vec<Direction>,
    /// Column position of each column name (the layout's, looked up per row).
    col_index: HashMap<String, usize>,
    /// The base configuration as each point parses it: comment lines blanked (see
    /// [`without_comment_lines`]).
    base_text: String,
    /// Runs shared by points whose mappings plan the same (see [`PlanMemo`]).
    plan_memo: PlanMemo,
}

type RunValues = Result<Vec<(String, String)>, String>;

/// When `mapping` is swept, points that differ only in mapping names which plan the design
/// identically (on a design where `double-buffered` sizes its stages as `balanced-pipeline`
/// does, say) are one run: the first point evaluates it and the others reuse its figures (each
/// row keeps its own mapping name). A bounded window of recent designs (the mapping is usually
/// the fastest-varying key, so such points are neighbours); a point racing another for the same
/// design waits for it instead of running again.
#[derive(Default)]
struct PlanMemo {
    recent: std::sync::Mutex<
        std::collections::VecDeque<(String, std::sync::Arc<std::sync::OnceLock<RunValues>>)>,
    >,
    reused: std::sync::atomic::AtomicU64,
}

/// Designs the memo remembers.
const PLAN_MEMO_WINDOW: usize = 256;

impl PlanMemo {
    fn slot(&self, key: String) -> (std::sync::Arc<std::sync::OnceLock<RunValues>>, bool) {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, slot)) = recent.iter().find(|(k, _)| *k == key) {
            return (slot.clone(), true);
        }
        let slot = std::sync::Arc::new(std::sync::OnceLock::new());
        recent.push_back((key, slot.clone()));
        if recent.len() > PLAN_MEMO_WINDOW {
            recent.pop_front();
        }
        (slot, false)
    }
}

/// A finished point: its CSV line and what a search needs to know of it.
pub struct Evaluated {
    pub id: u64,
    pub line: String,
    pub fitness: Fitness,
    pub is_error: bool,
}

impl<'a> Evaluator<'a> {
    pub fn new(spec: &'a SweepSpec) -> Result<Evaluator<'a>, String> {
        let mut ev = Evaluator::for_reading(spec)?;
        for m in &spec.models {
            ev.cards
                .push(workloads::load_model(m).map_err(|e| format!("model `{m}`: {e}"))?);
        }
        Ok(ev)
    }

    /// An evaluator that only reads rows back (fronts, merges): it loads no model.
    pub fn for_reading(spec: &'a SweepSpec) -> Result<Evaluator<'a>, String> {
        let space = Space::new(spec.models.len(), &spec.params).ok_or_else(|| {
            "the design space has more points than a 64-bit count holds".to_string()
        })?;
        let layout = Layout::new(&spec.params);
        let col_index = layout
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i))
            .collect();
        Ok(Evaluator {
            spec,
            space,
            layout,
            col_index,
            base_text: without_comment_lines(&spec.base_text),
            plan_memo: PlanMemo::default(),
            cards: Vec::new(),
            directions: spec
                .objectives
                .iter()
                .map(|o| metric_direction(o))
                .collect(),
        })
    }

    /// Objective directions (minimise / maximise), in objective order.
    pub fn directions(&self) -> &[Direction] {
        &self.directions
    }

    /// Runs point `id` at `fidelity` and formats its row.
    pub fn evaluate(&self, id: u64, fidelity: RunFidelity) -> Evaluated {
        let point = self.space.decode(id);
        let values: Vec<String> = self
            .spec
            .params
            .iter()
            .zip(&point.values)
            .map(|(p, &i)| p.values[i].to_string())
            .collect();
        let model = &self.spec.models[point.model];
        // One cell per column, by position: the id, the model and the parameters first, so a
        // metric of the same name (`mapping`) does not replace the point's own value.
        let mut cells: Vec<Option<String>> = vec![None; self.layout.columns.len()];
        cells[0] = Some(id.to_string());
        cells[1] = Some(model.clone());
        for (cell, v) in cells[2..].iter_mut().zip(&values) {
            *cell = Some(v.clone());
        }
        let outcome = self.run_point(&point, &values, fidelity);
        let feasible = self.col("feasible");
        let (fitness, is_error) = match outcome {
            Ok(metrics) => {
                for (k, v) in metrics {
                    if let Some(c) = self.col(&k) {
                        cells[c].get_or_insert(v);
                    }
                }
                let fitness = self.fitness_of(|name| {
                    self.col(name)
                        .and_then(|c| cells[c].as_deref())
                        .and_then(|v| v.parse().ok())
                });
                if let Some(c) = feasible {
                    cells[c] = Some((fitness.violation == 0.0).to_string());
                }
                (fitness, false)
            }
            Err(message) => {
                if let Some(c) = feasible {
                    cells[c] = Some("false".into());
                }
                if let Some(c) = self.col("error") {
                    cells[c] = Some(message);
                }
                (self.error_fitness(), true)
            }
        };
        let line = csv_line(cells.iter().map(|c| c.as_deref().unwrap_or("")));
        Evaluated {
            id,
            line,
            fitness,
            is_error,
        }
    }

    /// The position of column `name`.
    fn col(&self, name: &str) -> Option<usize> {
        self.col_index.get(name).copied()
    }

    fn run_point(
        &self,
        point: &Point,
        values: &[String],
        fidelity: RunFidelity,
    ) -> Result<Vec<(String, String)>, String> {
        let w = &self.spec.workload;
        let mut opts = RunOptions {
            prompt_tokens: w.prompt_tokens,
            generate_tokens: w.generate_tokens,
            batch: w.batch,
            weight_bits: w.weight_bits,
            mapping: w.mapping.clone(),
            fidelity,
            exact: false,
            record_timeline: false,
        };
        let mut overrides = Vec::new();
        for (key, value) in self.layout.params.iter().zip(values) {
            match key.as_str() {
                "mapping" => opts.mapping = value.clone(),
                "weights" => {
                    opts.weight_bits = Some(
                        weight_bits(value)
                            .ok_or_else(|| format!("weights `{value}`: allowed int4 or int8"))?,
                    )
                }
                _ => overrides.push(format!("{key}={value}")),
            }
        }
        let cfg = sim::config::parse_config(&self.base_text, &self.spec.base, &overrides)
            .map_err(|e| format!("invalid configuration: {e}"))?;
        let card = self
            .cards
            .get(point.model)
            .ok_or("internal: the model was not loaded")?;
        let run = |opts: &RunOptions| -> RunValues {
            let out = simulate(card, &cfg, &self.spec.base, opts).map_err(|e| match e {
                RunError::BadInput(m) => m,
                RunError::Internal(m) => format!("internal: {m}"),
            })?;
            record_values(&out.record)
        };
        if !self.layout.params.iter().any(|p| p == "mapping") {
            return run(&opts);
        }
        // The mappings that plan this design as the point's own do form one group; the group's
        // first name in the registry's order runs it.
        let mut resolved = cfg.clone();
        resolved.cim_macro.weight_bits = crate::run::resolved_weight_bits(&cfg, &opts);
        let workload = workloads::Workload {
            prompt_tokens: opts.prompt_tokens,
            generate_tokens: opts.generate_tokens,
            batch: opts.batch,
        };
        let Ok(same) = crate::run::equivalent_mappings(card, &resolved, &workload, &opts.mapping)
        else {
            return run(&opts);
        };
        let mut group: Vec<String> = same;
        group.push(opts.mapping.clone());
        let rank = |n: &String| {
            mappings::strategy_names()
                .iter()
                .position(|s| s == n)
                .unwrap_or(usize::MAX)
        };
        group.sort_by_key(rank);
        let own = opts.mapping.clone();
        let canonical = group[0].clone();
        let key = format!(
            "{}\u{1f}{}\u{1f}{:?}\u{1f}{}\u{1f}{canonical}",
            point.model,
            fidelity.name(),
            opts.weight_bits,
            overrides.join("\u{1f}")
        );
        let (slot, seen) = self.plan_memo.slot(key);
        if seen {
            self.plan_memo
                .reused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let mut shared = opts.clone();
        shared.mapping = canonical;
        let mut values = slot.get_or_init(|| run(&shared)).clone()?;
        // This row's own name and the others that plan as it does.
        let others: Vec<&String> = group.iter().filter(|n| **n != own).collect();
        for (k, v) in values.iter_mut() {
            match k.as_str() {
                "mapping" => v.clone_from(&own),
                "same_plan_as" => {
                    *v = serde_json::to_string(&others).unwrap_or_default();
                }
                _ => {}
            }
        }
        Ok(values)
    }

    /// Points whose run was shared with an earlier point of the same design (mappings that plan
    /// it identically), so far.
    pub fn reused_runs(&self) -> u64 {
        self.plan_memo
            .reused
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Fitness from metric values (by column name): objectives oriented so smaller is better,
    /// violation summed over the constraints.
    pub fn fitness_of(&self, metric: impl Fn(&str) -> Option<f64>) -> Fitness {
        let objectives = self
            .spec
            .objectives
            .iter()
            .zip(&self.directions)
            .map(|(o, d)| {
                let v = metric(o).unwrap_or(f64::NAN);
                let v = if v.is_finite() { v } else { f64::INFINITY };
                match d {
                    Direction::Minimize => v,
                    Direction::Maximize => -v,
                }
            })
            .collect::<Vec<f64>>();
        let mut violation: f64 = self
            .spec
            .constraints
            .iter()
            .map(|c| c.violation(metric(&c.metric).unwrap_or(f64::NAN)))
            .sum();
        if objectives.iter().any(|v| !v.is_finite()) {
            violation = f64::INFINITY;
        }
        Fitness {
            objectives,
            violation,
        }
    }

    fn error_fitness(&self) -> Fitness {
        Fitness {
            objectives: vec![f64::INFINITY; self.spec.objectives.len()],
            violation: f64::INFINITY,
        }
    }

    /// Reads a row back: its id, model index, fitness, and whether it is an error row.
    pub fn read_row<S: AsRef<str>>(&self, fields: &[S]) -> Option<RowInfo> {
        let col = |name: &str| {
            self.col(name)
                .and_then(|c| fields.get(c))
                .map(AsRef::as_ref)
        };
        let id: u64 = col("point_id")?.parse().ok()?;
        if fields.len() != self.layout.columns.len() || id >= self.space.size() {
            return None;
        }
        let model = self.space.decode(id).model;
        let is_error = col("error").is_some_and(|e| !e.is_empty());
        let mut fitness = if is_error {
            self.error_fitness()
        } else {
            self.fitness_of(|name| col(name).and_then(|v| v.parse().ok()))
        };
        // The row's own verdict wins: it was decided with the exact constraint bounds.
        match col("feasible") {
            Some("true") => fitness.violation = 0.0,
            _ if fitness.violation == 0.0 => fitness.violation = f64::MIN_POSITIVE,
            _ => {}
        }
        let values = self
            .spec
            .objectives
            .iter()
            .map(|o| col(o).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN))
            .collect();
        Some(RowInfo {
            id,
            model,
            fitness,
            values,
            is_error,
        })
    }
}

/// A row read back from a results file.
#[derive(Debug, Clone)]
pub struct RowInfo {
    pub id: u64,
    pub model: usize,
    pub fitness: Fitness,
    /// Objective values as written (not oriented).
    pub values: Vec<f64>,
    pub is_error: bool,
}

impl RowInfo {
    /// Feasible and ran: may be on a front.
    pub fn eligible(&self) -> bool {
        !self.is_error && self.fitness.violation == 0.0
    }
}

/// `text` with its full-line comments blanked: every point parses the base configuration again
/// (with its own overrides), and in the shipped presets comments are three quarters of the text.
/// Lines stay where they were, so anything that names a line still names the same one. A text
/// with multi-line strings, where a `#` line may be string content, is left as it is.
pub fn without_comment_lines(text: &str) -> String {
    if text.contains("\"\"\"") || text.contains("'''") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            if line.ends_with("\r\n") {
                out.push_str("\r\n");
            } else if line.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(line);
        }
    }
    out
}

/// FNV-1a, 64 bits: a stable hash (the same on every platform and Rust version) for spec ids.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_without_comment_lines_are_the_same_configurations() {
        for name in sim::config::preset_names() {
            let text = sim::config::preset_text(name).unwrap();
            let stripped = without_comment_lines(text);
            assert!(stripped.len() < text.len(), "{name} has comment lines");
            assert_eq!(stripped.lines().count(), text.lines().count(), "{name}");
            let sets = ["chip.tiles=8".to_string()];
            assert_eq!(
                sim::config::parse_config(&stripped, name, &sets).unwrap(),
                sim::config::parse_config(text, name, &sets).unwrap(),
                "{name}"
            );
        }
        let multi = "a = \"\"\"\n# not a comment\n\"\"\"\n";
        assert_eq!(without_comment_lines(multi), multi);
        assert_eq!(
            without_comment_lines("# c\r\nx = 1 # kept\n  # c"),
            "\r\nx = 1 # kept\n"
        );
    }
}
