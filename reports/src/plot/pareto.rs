//! Pareto chart: every design point faint, each group's front (per model or mapping) drawn
//! solid and connected in front order, each knee ringed (and labelled with its coordinates
//! when there are few groups). Reads a sweep's `results.csv` or takes points directly.

use super::axis::{axis_title, title_unit};
use super::{
    axis_chart, color, draw_callouts, layout, metric_label, write_chart, Axis, Callout, Chart,
    LegendEntry, Marker, PlotError,
};
use crate::pareto::{metric_direction, pareto_fronts_by_group, Direction};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// One design point of a Pareto chart.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotPoint {
    /// Series the point belongs to (a model or mapping name).
    pub group: String,
    pub x: f64,
    pub y: f64,
    /// False for a point that broke a constraint or failed: drawn faint grey, never on a front.
    pub feasible: bool,
}

/// What to plot: metric keys (CSV column names, `RunRecord` names) for the axes, the grouping
/// column, and an optional title. The direction of each objective follows from its name
/// ([`metric_direction`]): `decode_tokens_per_s` is maximised, latencies and energies minimised.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoChartOptions {
    pub x: String,
    pub y: String,
    /// Column to group by; `None` groups by `model` when the CSV has it, else one group.
    pub by: Option<String>,
    pub title: Option<String>,
}

impl Default for ParetoChartOptions {
    fn default() -> Self {
        ParetoChartOptions {
            x: "decode_s_per_token".into(),
            y: "decode_j_per_token".into(),
            by: None,
            title: None,
        }
    }
}

/// One group's front as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFront {
    pub group: String,
    /// Finite points of the group.
    pub points: usize,
    /// Front points in front order, as (x, y).
    pub front: Vec<(f64, f64)>,
    pub knee: Option<(f64, f64)>,
}

/// What a chart showed, for the caller to report.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoChartSummary {
    pub points: usize,
    /// Rows marked infeasible or failed (not on any front).
    pub infeasible: usize,
    /// Feasible rows left out for a NaN, infinite or empty value.
    pub excluded_non_finite: usize,
    pub groups: Vec<GroupFront>,
}

fn column(path: &Path, headers: &csv::StringRecord, name: &str) -> Result<usize, PlotError> {
    headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| PlotError::UnknownColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
            available: headers.iter().collect::<Vec<_>>().join(", "),
        })
}

/// Reads (group, x, y) from a CSV with a header row. An empty cell reads as NaN (a failed point:
/// excluded from the front and counted); any other non-number is an error naming line and
/// column. When the CSV has the sweep's `feasible` and `error` columns, a row with
/// `feasible = false` or a non-empty `error` is infeasible.
pub fn read_plot_points(
    path: &Path,
    x: &str,
    y: &str,
    by: Option<&str>,
) -> Result<Vec<PlotPoint>, PlotError> {
    let csv_err = |e: csv::Error| PlotError::Csv {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(|source| PlotError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
    let headers = reader.headers().map_err(csv_err)?.clone();
    if headers.is_empty() {
        return Err(PlotError::EmptyCsv {
            path: path.to_path_buf(),
        });
    }
    let xi = column(path, &headers, x)?;
    let yi = column(path, &headers, y)?;
    let gi = match by {
        Some(b) => Some(column(path, &headers, b)?),
        None => headers.iter().position(|h| h == "model"),
    };
    let feasible_col = headers.iter().position(|h| h == "feasible");
    let error_col = headers.iter().position(|h| h == "error");
    let mut points = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_err)?;
        let line = record.position().map_or(0, |p| p.line());
        let num = |i: usize, name: &str| -> Result<f64, PlotError> {
            let cell = record.get(i).unwrap_or("").trim();
            if cell.is_empty() {
                return Ok(f64::NAN);
            }
            cell.parse::<f64>().map_err(|_| PlotError::NonNumeric {
                path: path.to_path_buf(),
                line,
                column: name.to_string(),
                value: cell.to_string(),
            })
        };
        let cell = |c: Option<usize>| c.and_then(|i| record.get(i)).map(str::trim);
        let marked_infeasible =
            cell(feasible_col).is_some_and(|v| v.eq_ignore_ascii_case("false") || v == "0");
        let failed = cell(error_col).is_some_and(|v| !v.is_empty());
        points.push(PlotPoint {
            group: gi.and_then(|g| record.get(g)).unwrap_or("all").to_string(),
            x: num(xi, x)?,
            y: num(yi, y)?,
            feasible: !(marked_infeasible || failed),
        });
    }
    if points.is_empty() {
        return Err(PlotError::EmptyCsv {
            path: path.to_path_buf(),
        });
    }
    Ok(points)
}

/// Reads `csv_path` (a sweep's `results.csv` or `pareto.csv`) and writes its Pareto chart to
/// `out_path` (`.png` or `.svg`, written atomically). This is what a sweep calls at its end.
pub fn pareto_chart(
    csv_path: &Path,
    options: &ParetoChartOptions,
    out_path: &Path,
) -> Result<ParetoChartSummary, PlotError> {
    let points = read_plot_points(csv_path, &options.x, &options.y, options.by.as_deref())?;
    pareto_chart_points(&points, options, out_path)
}

/// Writes the Pareto chart of `points` to `out_path` (`.png` or `.svg`, written atomically).
pub fn pareto_chart_points(
    points: &[PlotPoint],
    options: &ParetoChartOptions,
    out_path: &Path,
) -> Result<ParetoChartSummary, PlotError> {
    super::ImageFormat::from_path(out_path)?;
    let chart = ParetoChart::new(points, options)?;
    write_chart(&chart, out_path)?;
    Ok(chart.summary)
}

const INFEASIBLE: RGBColor = RGBColor(170, 170, 170);

struct ParetoChart<'a> {
    points: &'a [PlotPoint],
    /// Group name -> colour index, in name order.
    group_index: BTreeMap<&'a str, usize>,
    options: &'a ParetoChartOptions,
    directions: [Direction; 2],
    summary: ParetoChartSummary,
}

impl<'a> ParetoChart<'a> {
    fn new(points: &'a [PlotPoint], options: &'a ParetoChartOptions) -> Result<Self, PlotError> {
        let directions = [metric_direction(&options.x), metric_direction(&options.y)];
        // Fronts over the feasible points only; `eligible[k]` is the k-th one's index.
        let eligible: Vec<usize> = (0..points.len()).filter(|&i| points[i].feasible).collect();
        let groups: Vec<&str> = eligible.iter().map(|&i| points[i].group.as_str()).collect();
        let values: Vec<[f64; 2]> = eligible
            .iter()
            .map(|&i| [points[i].x, points[i].y])
            .collect();
        let fronts = pareto_fronts_by_group(&groups, &values, &directions)?;
        let mut summary = ParetoChartSummary {
            points: points.len(),
            infeasible: points.len() - eligible.len(),
            excluded_non_finite: 0,
            groups: Vec::new(),
        };
        let mut group_index = BTreeMap::new();
        let at = |k: usize| (points[eligible[k]].x, points[eligible[k]].y);
        for (i, (g, f)) in fronts.iter().enumerate() {
            group_index.insert(*g, i);
            summary.excluded_non_finite += f.excluded_non_finite;
            let finite = groups.iter().filter(|x| *x == g).count() - f.excluded_non_finite;
            summary.groups.push(GroupFront {
                group: g.to_string(),
                points: finite,
                front: f.indices.iter().map(|&k| at(k)).collect(),
                knee: f.knee.map(at),
            });
        }
        if summary.groups.iter().all(|g| g.front.is_empty()) {
            return Err(PlotError::NoData(format!(
                "no feasible row has finite `{}` and `{}` ({} rows: {} infeasible, {} NaN, infinite or empty)",
                options.x, options.y, summary.points, summary.infeasible, summary.excluded_non_finite
            )));
        }
        Ok(ParetoChart {
            points,
            group_index,
            options,
            directions,
            summary,
        })
    }

    /// Arrow pointing to the better corner.
    fn better_arrow(&self) -> &'static str {
        match self.directions {
            [Direction::Minimize, Direction::Minimize] => "↙",
            [Direction::Minimize, Direction::Maximize] => "↖",
            [Direction::Maximize, Direction::Minimize] => "↘",
            [Direction::Maximize, Direction::Maximize] => "↗",
        }
    }
}

impl Chart for ParetoChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let finite = |p: &&PlotPoint| p.x.is_finite() && p.y.is_finite();
        let mut x_axis = Axis::fit(self.points.iter().filter(finite).map(|p| p.x), true);
        let mut y_axis = Axis::fit(self.points.iter().filter(finite).map(|p| p.y), true);
        let (x_label, y_label) = (metric_label(&self.options.x), metric_label(&self.options.y));
        let (x_title, xs) = axis_title(&x_label, &self.options.x, x_axis.magnitude());
        let (y_title, ys) = axis_title(&y_label, &self.options.y, y_axis.magnitude());
        x_axis = x_axis.with_scale(xs);
        y_axis = y_axis.with_scale(ys);
        let title = self
            .options
            .title
            .clone()
            .unwrap_or_else(|| format!("Pareto front: {y_label} vs {x_label}"));

        let mut legend: Vec<LegendEntry> = self
            .summary
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| LegendEntry {
                label: format!("{} (front {} of {})", g.group, g.front.len(), g.points),
                color: color(i),
                marker: Marker::Line,
            })
            .collect();
        legend.push(LegendEntry {
            label: "all design points".into(),
            color: RGBColor(90, 90, 90),
            marker: Marker::FaintDot,
        });
        if self.summary.infeasible > 0 {
            legend.push(LegendEntry {
                label: format!("infeasible ({})", self.summary.infeasible),
                color: INFEASIBLE,
                marker: Marker::Cross,
            });
        }
        legend.push(LegendEntry {
            label: "knee (closest to ideal)".into(),
            color: BLACK,
            marker: Marker::Ring,
        });
        // The direction of "better" goes in the legend: in the plot's corner it would sit on
        // the front, which runs along that corner.
        legend.push(LegendEntry {
            label: format!("{} better", self.better_arrow()),
            color: RGBColor(90, 90, 90),
            marker: Marker::None,
        });
        let plot_area = layout(root, &title, &legend)?;
        let mut chart = axis_chart(&plot_area, &x_axis, &y_axis, &x_title, &y_title)?;

        // Faint points first so fronts draw over them.
        chart.draw_series(
            self.points
                .iter()
                .filter(|p| finite(p) && !p.feasible)
                .map(|p| Cross::new((p.x, p.y), 4, INFEASIBLE.stroke_width(1))),
        )?;
        chart.draw_series(
            self.points
                .iter()
                .filter(|p| finite(p) && p.feasible)
                .map(|p| {
                    let c = color(self.group_index.get(p.group.as_str()).copied().unwrap_or(0));
                    Circle::new((p.x, p.y), 4, c.mix(0.3).filled())
                }),
        )?;
        for (i, g) in self.summary.groups.iter().enumerate() {
            let c = color(i);
            chart.draw_series(LineSeries::new(g.front.iter().copied(), c.stroke_width(3)))?;
            chart.draw_series(
                g.front
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 6, c.filled())),
            )?;
        }
        let mut callouts = Vec::new();
        for (i, g) in self.summary.groups.iter().enumerate() {
            let Some((kx, ky)) = g.knee else { continue };
            chart.draw_series(std::iter::once(Circle::new(
                (kx, ky),
                12,
                BLACK.stroke_width(3),
            )))?;
            // Coordinates on the knee labels while they stay few enough to read.
            if self.summary.groups.len() <= 6 {
                callouts.push(Callout {
                    at: chart.backend_coord(&(kx, ky)),
                    text: format!(
                        "knee: {} {}, {} {}",
                        x_axis.format(kx),
                        title_unit(&x_title),
                        y_axis.format(ky),
                        title_unit(&y_title)
                    ),
                    color: color(i),
                });
            }
        }
        let (px, py) = chart.plotting_area().get_pixel_range();
        draw_callouts(root, (px.start, py.start, px.end, py.end), &callouts)?;
        Ok(())
    }
}
