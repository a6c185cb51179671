//! Breakdown chart of one or more runs (`cimsim simulate --json` outputs): energy per component
//! as stacked horizontal bars (energies add up to the total), and busy time per component as
//! grouped bars with the run's total time marked (busy times overlap, so they are not stacked).

use super::axis::axis_title;
use super::{
    bold_style, color, layout, text_style, write_chart, Axis, Chart, LegendEntry, Marker,
    PlotError, AXIS_LABEL_PX, TICK_PX,
};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One run's breakdowns.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakdownRun {
    pub label: String,
    pub energy_j: BTreeMap<String, f64>,
    pub time_s: BTreeMap<String, f64>,
    /// Wall time of the run (prefill + decode).
    pub simulated_s: f64,
}

fn json_err(path: &Path, message: impl Into<String>) -> PlotError {
    PlotError::Json {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn number_map(
    path: &Path,
    obj: &serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Result<BTreeMap<String, f64>, PlotError> {
    let inner = obj.get(key).and_then(|v| v.as_object()).ok_or_else(|| {
        json_err(
            path,
            format!("missing object `{key}` (a `simulate --json` output has it)"),
        )
    })?;
    let mut out = BTreeMap::new();
    for (k, v) in inner {
        let x = v
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| {
                json_err(
                    path,
                    format!("`{key}.{k}` is {v}, expected a finite number >= 0"),
                )
            })?;
        out.insert(k.clone(), x);
    }
    Ok(out)
}

fn run_from_json(
    path: &Path,
    value: &serde_json::Value,
) -> Result<(BreakdownRun, String), PlotError> {
    let obj = value.as_object().ok_or_else(|| {
        json_err(
            path,
            "expected a JSON object (or an array of objects) from `cimsim simulate --json`",
        )
    })?;
    let text = |k: &str| {
        obj.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("?")
            .to_string()
    };
    let simulated_s = obj
        .get("simulated_s")
        .and_then(|v| v.as_f64())
        .filter(|x| x.is_finite() && *x >= 0.0)
        .ok_or_else(|| json_err(path, "missing or invalid `simulated_s` (seconds, >= 0)"))?;
    let run = BreakdownRun {
        label: format!("{} @ {}", text("model"), text("config")),
        energy_j: number_map(path, obj, "energy_breakdown_j")?,
        time_s: number_map(path, obj, "time_breakdown_s")?,
        simulated_s,
    };
    Ok((run, text("mapping")))
}

/// Reads runs from `simulate --json` outputs (each file one object or an array of them).
/// Labels are `model @ config`, with the mapping and then the file name added where needed to
/// tell runs apart.
pub fn read_breakdown_runs(paths: &[PathBuf]) -> Result<Vec<BreakdownRun>, PlotError> {
    let mut runs = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|source| PlotError::Read {
            path: path.clone(),
            source,
        })?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| json_err(path, e.to_string()))?;
        let items = match &value {
            serde_json::Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        for item in items {
            let (run, mapping) = run_from_json(path, item)?;
            let stem = path.file_stem().map(|s| s.to_string_lossy().to_string());
            runs.push((run, mapping, stem.unwrap_or_default()));
        }
    }
    if runs.is_empty() {
        return Err(PlotError::NoData("no runs in the given files".into()));
    }
    let count = |runs: &[(BreakdownRun, String, String)], l: &str| {
        runs.iter().filter(|(r, _, _)| r.label == l).count()
    };
    for step in 0..2 {
        let duplicated: Vec<bool> = runs
            .iter()
            .map(|(r, _, _)| count(&runs, &r.label) > 1)
            .collect();
        for (run, dup) in runs.iter_mut().zip(duplicated) {
            if dup {
                let extra = if step == 0 { &run.1 } else { &run.2 };
                run.0.label = format!("{} ({extra})", run.0.label);
            }
        }
    }
    Ok(runs.into_iter().map(|(r, _, _)| r).collect())
}

/// Writes the breakdown chart of `runs` to `out_path` (`.png` or `.svg`, atomically).
pub fn breakdown_chart(
    runs: &[BreakdownRun],
    title: Option<&str>,
    out_path: &Path,
) -> Result<(), PlotError> {
    super::ImageFormat::from_path(out_path)?;
    if runs.is_empty() {
        return Err(PlotError::NoData("no runs to plot".into()));
    }
    let chart = BreakdownChart {
        runs,
        title: title.map_or_else(
            || {
                if runs.len() == 1 {
                    format!("Where energy and time go: {}", runs[0].label)
                } else {
                    "Where energy and time go".to_string()
                }
            },
            str::to_string,
        ),
    };
    write_chart(&chart, out_path)
}

/// Rows as horizontal bands: row 0 at the top (runs here, keys in the tornado chart).
#[derive(Clone)]
pub(crate) struct Bands {
    pub(crate) labels: Vec<String>,
}

impl Bands {
    pub(crate) fn position(&self, run: usize) -> f64 {
        (self.labels.len() - 1 - run) as f64
    }

    /// The label of the band at axis position `v` (the inverse of [`Bands::position`]); empty
    /// between or beyond the bands.
    pub(crate) fn label_at(&self, v: f64) -> String {
        let i = v.round() as usize;
        self.labels
            .get(self.labels.len().wrapping_sub(1).wrapping_sub(i))
            .cloned()
            .unwrap_or_default()
    }
}

impl Ranged for Bands {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = (value + 0.5) / self.labels.len() as f64;
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        (0..self.labels.len()).map(|i| i as f64).collect()
    }

    fn range(&self) -> Range<f64> {
        -0.5..self.labels.len() as f64 - 0.5
    }
}

struct BreakdownChart<'a> {
    runs: &'a [BreakdownRun],
    title: String,
}

impl BreakdownChart<'_> {
    fn components(&self) -> Vec<String> {
        let mut set = BTreeSet::new();
        for r in self.runs {
            set.extend(r.energy_j.keys().cloned());
            set.extend(r.time_s.keys().cloned());
        }
        set.into_iter().collect()
    }

    /// One panel: bars per run on `area`. `stacked` piles the components; otherwise each
    /// component gets its own thin bar in the run's band and the total is marked.
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel_title: &str,
        key: &str,
        components: &[String],
        stacked: bool,
    ) -> Result<(), PlotError> {
        let bands = Bands {
            labels: self.runs.iter().map(|r| r.label.clone()).collect(),
        };
        let values = |r: &BreakdownRun| {
            if stacked {
                r.energy_j.clone()
            } else {
                r.time_s.clone()
            }
        };
        let max = self
            .runs
            .iter()
            .map(|r| {
                let v = values(r);
                if stacked {
                    v.values().sum::<f64>()
                } else {
                    v.values().fold(r.simulated_s, |a, b| a.max(*b))
                }
            })
            .fold(0.0, f64::max);
        let axis = Axis::linear(0.0, if max > 0.0 { max * 1.05 } else { 1.0 });
        let (x_title, scale) = axis_title(panel_title, key, axis.magnitude());
        let axis = axis.with_scale(scale);
        let tick = text_style(TICK_PX);
        let mut widest = 0;
        for l in &bands.labels {
            widest = widest.max(area.estimate_text_size(l, &tick)?.0);
        }
        let mut chart = ChartBuilder::on(area)
            .margin(20)
            .x_label_area_size(TICK_PX * 2 + AXIS_LABEL_PX * 2)
            .y_label_area_size(widest + 24)
            .build_cartesian_2d(axis.clone(), bands.clone())?;
        let (xf, yb) = (axis.clone(), bands.clone());
        chart
            .configure_mesh()
            .x_desc(x_title)
            .axis_desc_style(bold_style(AXIS_LABEL_PX))
            .label_style(tick)
            .x_labels(8)
            .x_label_formatter(&move |v| xf.format(*v))
            .y_label_formatter(&move |v| yb.label_at(*v))
            .disable_y_mesh()
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .axis_style(BLACK.stroke_width(2))
            .draw()?;
        for (i, r) in self.runs.iter().enumerate() {
            let y = bands.position(i);
            let v = values(r);
            if stacked {
                let mut start = 0.0;
                for (ci, c) in components.iter().enumerate() {
                    let Some(&e) = v.get(c) else { continue };
                    let bar = [(start, y - 0.35), (start + e, y + 0.35)];
                    chart.draw_series(std::iter::once(Rectangle::new(bar, color(ci).filled())))?;
                    start += e;
                }
            } else {
                let present: Vec<(usize, f64)> = components
                    .iter()
                    .enumerate()
                    .filter_map(|(ci, c)| v.get(c).map(|t| (ci, *t)))
                    .collect();
                let slot = 0.8 / present.len().max(1) as f64;
                for (k, (ci, t)) in present.iter().enumerate() {
                    let top = y + 0.4 - k as f64 * slot;
                    let bar = [(0.0, top - slot * 0.9), (*t, top)];
                    chart.draw_series(std::iter::once(Rectangle::new(bar, color(*ci).filled())))?;
                }
                let total = [(r.simulated_s, y - 0.45), (r.simulated_s, y + 0.45)];
                chart.draw_series(std::iter::once(PathElement::new(
                    total.to_vec(),
                    BLACK.stroke_width(4),
                )))?;
            }
        }
        Ok(())
    }
}

impl Chart for BreakdownChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let components = self.components();
        let mut legend: Vec<LegendEntry> = components
            .iter()
            .enumerate()
            .map(|(i, c)| LegendEntry {
                label: c.replace('_', " "),
                color: color(i),
                marker: Marker::Swatch,
            })
            .collect();
        legend.push(LegendEntry {
            label: "total run time".into(),
            color: BLACK,
            marker: Marker::Bar,
        });
        let area = layout(root, &self.title, &legend)?;
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 / 2);
        self.panel(
            &top,
            "Energy, stacked by component",
            "energy_j",
            &components,
            true,
        )?;
        self.panel(
            &bottom,
            "Busy time per component (they overlap)",
            "time_s",
            &components,
            false,
        )?;
        Ok(())
    }
}
