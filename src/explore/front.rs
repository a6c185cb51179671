//! Fronts of a finished results file, read in one streaming pass (memory: the fronts, not the
//! rows): the Pareto front per model with its knee (`reports::pareto`), written as `pareto.csv`,
//! and the screening rule that picks the points worth a cycle-level run.
//!
//! Screening rule: a feasible point is refined when no point of its model's analytic front is
//! better than it by more than the margin `m` in every objective, i.e. there is no front point
//! `f` with `f_k * (1 + m) < p_k` for every minimised objective `k` and `f_k > p_k * (1 + m)` for
//! every maximised one. With `m = 0` that is the weakly non-dominated set (the front and points
//! tied with it in one objective); `m = 0.05` also refines every point the analytic model could
//! have misordered against the front by up to 5 % in each objective.

use super::csvio::{for_each_line, parse_line, CsvError, Layout};
use super::eval::{Evaluator, RowInfo};
use reports::pareto::{Direction, FrontMember, IncrementalFront};
use std::path::Path;

/// One model's front, in front order, and the knee's position in it.
pub struct ModelFront {
    pub model: usize,
    pub members: Vec<FrontMember<String>>,
    pub knee: Option<usize>,
}

/// Reads every row of `path` (sorted by id) and builds each model's front over the feasible,
/// error-free rows.
pub fn fronts(ev: &Evaluator, path: &Path) -> Result<Vec<ModelFront>, CsvError> {
    let mut per_model: Vec<IncrementalFront<String>> = Vec::new();
    for _ in &ev.spec.models {
        per_model.push(
            IncrementalFront::new(ev.directions().to_vec())
                .map_err(|e| bad(path, e.to_string()))?,
        );
    }
    for_each_row(ev, path, |info, line| {
        if info.eligible() {
            per_model[info.model]
                .insert(info.values.clone(), line.to_string())
                .map_err(|e| bad(path, e.to_string()))?;
        }
        Ok(())
    })?;
    Ok(per_model
        .into_iter()
        .enumerate()
        .map(|(model, f)| {
            let (members, knee) = f.into_sorted();
            ModelFront {
                model,
                members,
                knee,
            }
        })
        .collect())
}

/// The ids of `path` that the screening rule sends to the cycle fidelity, in id order.
pub fn screen_candidates(
    ev: &Evaluator,
    path: &Path,
    fronts: &[ModelFront],
    margin: f64,
) -> Result<Vec<u64>, CsvError> {
    let mut out = Vec::new();
    for_each_row(ev, path, |info, _| {
        if info.eligible()
            && !beaten_by_margin(&info.values, &fronts[info.model], ev.directions(), margin)
        {
            out.push(info.id);
        }
        Ok(())
    })?;
    Ok(out)
}

fn beaten_by_margin(p: &[f64], front: &ModelFront, directions: &[Direction], margin: f64) -> bool {
    let scale = 1.0 + margin;
    front.members.iter().any(|f| {
        f.values
            .iter()
            .zip(p)
            .zip(directions)
            .all(|((fv, pv), d)| match d {
                Direction::Minimize => fv * scale < *pv,
                Direction::Maximize => *fv > pv * scale,
            })
    })
}

/// Writes `pareto.csv`: the results columns plus `knee`, each model's front in front order.
pub fn write_pareto(
    layout: &Layout,
    fronts: &[ModelFront],
    path: &Path,
) -> Result<usize, CsvError> {
    let mut text = layout.header_line().trim_end_matches('\n').to_string();
    text.push_str(",knee\n");
    let mut rows = 0;
    for f in fronts {
        for (pos, m) in f.members.iter().enumerate() {
            text.push_str(&m.payload);
            text.push(',');
            text.push_str(if f.knee == Some(pos) { "true" } else { "false" });
            text.push('\n');
            rows += 1;
        }
    }
    crate::explore::write_atomic(path, text.as_bytes()).map_err(|source| CsvError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(rows)
}

/// Calls `f` for each row of a results file with the row read back and its line.
pub fn for_each_row(
    ev: &Evaluator,
    path: &Path,
    mut f: impl FnMut(&RowInfo, &str) -> Result<(), CsvError>,
) -> Result<(), CsvError> {
    for_each_line(path, |line| {
        let fields = parse_line(line).unwrap_or_default();
        let info = ev.read_row(&fields).ok_or_else(|| {
            bad(
                path,
                format!(
                    "a row that does not fit this sweep's columns: `{}`",
                    line.chars().take(80).collect::<String>()
                ),
            )
        })?;
        f(&info, line)
    })
}

fn bad(path: &Path, message: String) -> CsvError {
    CsvError::Bad {
        path: path.display().to_string(),
        message,
    }
}
