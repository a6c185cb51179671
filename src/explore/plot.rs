//! The Pareto chart a sweep or merge writes at its end (`pareto.png` and `pareto.svg`), drawn by
//! `reports::plot` from the rows of the final results (the cycle-refined rows for `screen`), one
//! series per model, over the first two objectives; rows that break a constraint or failed are
//! marked so and never on a front. Very large sweeps are thinned to about [`MAX_PLOT_POINTS`]
//! points (every k-th row, the front rows always kept) in a small temporary CSV, so drawing never
//! holds the whole sweep.

use super::csvio::csv_line;
use super::csvio::{for_each_line, line_id};
use super::eval::Evaluator;
use super::front::for_each_row;
use super::meta::{read_meta, PARETO_FILE, REFINED_FILE, RESULTS_FILE};
use reports::plot::{pareto_chart, ParetoChartOptions};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// At most this many points are drawn.
pub const MAX_PLOT_POINTS: u64 = 200_000;

/// Writes `DIR/pareto.png` and `DIR/pareto.svg`; returns their paths. An error says why no
/// chart was drawn (one objective only, no feasible row, ...).
pub fn write_pareto_plots(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let meta = read_meta(dir)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{}: not a sweep directory", dir.display()))?;
    let spec = &meta.checked_spec;
    if spec.objectives.len() < 2 {
        return Err("a Pareto chart needs two objectives".into());
    }
    let ev = Evaluator::for_reading(spec)?;
    let source = if meta.fidelity == "screen" {
        REFINED_FILE
    } else {
        RESULTS_FILE
    };
    let source = dir.join(source);
    let mut front_ids: HashSet<u64> = HashSet::new();
    for_each_line(&dir.join(PARETO_FILE), |line| {
        front_ids.extend(line_id(line));
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    let mut rows = 0u64;
    for_each_line(&source, |_| {
        rows += 1;
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    let stride = rows.div_ceil(MAX_PLOT_POINTS).max(1);
    let (x, y) = (&spec.objectives[0], &spec.objectives[1]);
    let mut text = csv_line(["model", x.as_str(), y.as_str(), "feasible", "error"]);
    let mut seen = 0u64;
    let mut drawn = 0u64;
    for_each_row(&ev, &source, |info, _| {
        seen += 1;
        if front_ids.contains(&info.id) || seen.is_multiple_of(stride) {
            let show = |v: f64| {
                if v.is_finite() {
                    super::metrics::format_f64(v)
                } else {
                    String::new()
                }
            };
            let feasible = if info.eligible() { "true" } else { "false" };
            let error = if info.is_error { "failed" } else { "" };
            let (xs, ys) = (show(info.values[0]), show(info.values[1]));
            text.push_str(&csv_line([
                spec.models[info.model].as_str(),
                &xs,
                &ys,
                feasible,
                error,
            ]));
            drawn += 1;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    let tmp = dir.join(format!(".plot-points.{}.csv", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let options = ParetoChartOptions {
        x: spec.objectives[0].clone(),
        y: spec.objectives[1].clone(),
        by: None,
        title: Some(format!(
            "Pareto front per model ({} fidelity, {drawn} points)",
            meta.fidelity
        )),
        // More than six fronts on one chart are unreadable: one panel per model instead.
        panels: spec.models.len() > 6,
        ..ParetoChartOptions::default()
    };
    let mut written = Vec::new();
    let mut result = Ok(());
    for ext in ["png", "svg"] {
        let path = dir.join(format!("pareto.{ext}"));
        match pareto_chart(&tmp, &options, &path) {
            Ok(_) => written.push(path),
            Err(e) => {
                result = Err(e.to_string());
                break;
            }
        }
    }
    let _ = std::fs::remove_file(&tmp);
    result.map(|()| written)
}
