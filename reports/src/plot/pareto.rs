//! Pareto chart: every design point faint, each group's front (per model or mapping) drawn
//! solid and connected in front order with its own colour and marker shape, each knee ringed
//! (and labelled with its coordinates when there are few groups, always in panels). Options:
//! log axes per axis, a series filter, one panel per series (small multiples, each with its
//! own axes), and normalised axes (each series divided by its own best). Reads a sweep's
//! `results.csv` or takes points directly.

use super::axis::{axis_title, title_unit};
use super::markers::draw_shape;
use super::{
    axis_chart_sized, bold_style, color, draw_callouts, layout, metric_label, write_chart, Axis,
    Callout, Chart, LegendEntry, Marker, PlotError, AXIS_LABEL_PX, TICK_PX, TITLE_PX,
};
use crate::pareto::{metric_direction, pareto_fronts_by_group, Direction};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
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
    /// Which axes are logarithmic.
    pub log: LogAxes,
    /// Only these series (empty: all); a name that is not a series is an error.
    pub only: Vec<String>,
    /// One panel per series, each with its own axes (small multiples), instead of one chart.
    pub panels: bool,
    /// Divide each series' values by the best value on its own front, per axis, so fronts of
    /// models of very different sizes share one scale (1 = that model's best).
    pub normalise: bool,
}

impl Default for ParetoChartOptions {
    fn default() -> Self {
        ParetoChartOptions {
            x: "decode_s_per_token".into(),
            y: "decode_j_per_token".into(),
            by: None,
            title: None,
            log: LogAxes::Auto,
            only: Vec::new(),
            panels: false,
            normalise: false,
        }
    }
}

/// Which axes of a Pareto chart are logarithmic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAxes {
    /// An axis is logarithmic when its values are positive and span more than two decades.
    Auto,
    /// Both linear.
    None,
    X,
    Y,
    Both,
}

impl LogAxes {
    /// `auto`, `none`, `x`, `y` or `xy`.
    pub fn parse(s: &str) -> Option<LogAxes> {
        match s {
            "auto" => Some(LogAxes::Auto),
            "none" => Some(LogAxes::None),
            "x" => Some(LogAxes::X),
            "y" => Some(LogAxes::Y),
            "xy" | "both" => Some(LogAxes::Both),
            _ => None,
        }
    }

    /// (x, y): `Some(true/false)` forced, `None` automatic.
    fn forced(self) -> (Option<bool>, Option<bool>) {
        match self {
            LogAxes::Auto => (None, None),
            LogAxes::None => (Some(false), Some(false)),
            LogAxes::X => (Some(true), Some(false)),
            LogAxes::Y => (Some(false), Some(true)),
            LogAxes::Both => (Some(true), Some(true)),
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
    let points = select(points, &options.only)?;
    let points = if options.normalise {
        normalised(&points, options)?
    } else {
        points
    };
    let chart = ParetoChart::new(&points, options)?;
    write_chart(&chart, out_path)?;
    Ok(chart.summary)
}

/// The points of the series in `only` (all when empty); a name that is no series is an error
/// listing the series there are.
fn select(points: &[PlotPoint], only: &[String]) -> Result<Vec<PlotPoint>, PlotError> {
    if only.is_empty() {
        return Ok(points.to_vec());
    }
    let groups: std::collections::BTreeSet<&str> =
        points.iter().map(|p| p.group.as_str()).collect();
    if let Some(missing) = only.iter().find(|o| !groups.contains(o.as_str())) {
        return Err(PlotError::Invalid(format!(
            "--only {missing}: no such series; the series are {}",
            groups.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(points
        .iter()
        .filter(|p| only.contains(&p.group))
        .cloned()
        .collect())
}

/// Each series divided, per axis, by the best value on its own front (the smallest of a
/// minimised metric, the largest of a maximised one). Scaling a series by positive constants
/// keeps its front, so only the axes change.
fn normalised(
    points: &[PlotPoint],
    options: &ParetoChartOptions,
) -> Result<Vec<PlotPoint>, PlotError> {
    let directions = [metric_direction(&options.x), metric_direction(&options.y)];
    let mut best: BTreeMap<&str, [f64; 2]> = BTreeMap::new();
    for p in points
        .iter()
        .filter(|p| p.feasible && p.x.is_finite() && p.y.is_finite())
    {
        let b = best.entry(p.group.as_str()).or_insert([f64::NAN; 2]);
        for (k, v) in [p.x, p.y].into_iter().enumerate() {
            // The first value of a series is its best so far (`b[k]` starts as NaN).
            let better = b[k].is_nan()
                || match directions[k] {
                    Direction::Minimize => v < b[k],
                    Direction::Maximize => v > b[k],
                };
            if better {
                b[k] = v;
            }
        }
    }
    if let Some((g, _)) = best.iter().find(|(_, b)| !(b[0] > 0.0 && b[1] > 0.0)) {
        return Err(PlotError::Invalid(format!(
            "--normalise: series `{g}` has a best value <= 0, so its values cannot be divided \
             by it"
        )));
    }
    Ok(points
        .iter()
        .map(|p| {
            let mut q = p.clone();
            if let Some(b) = best.get(p.group.as_str()) {
                q.x /= b[0];
                q.y /= b[1];
            }
            q
        })
        .collect())
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

/// Fits an axis to `values`, logarithmic as `forced` says or automatically.
fn fit_axis(values: Vec<f64>, forced: Option<bool>, key: &str) -> Result<Axis, PlotError> {
    match forced {
        None => Ok(Axis::fit(values, true)),
        Some(false) => Ok(Axis::fit(values, false)),
        Some(true) => {
            let finite: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
            if finite.iter().any(|v| *v <= 0.0) {
                return Err(PlotError::Invalid(format!(
                    "a logarithmic axis needs positive values, and `{key}` has values <= 0"
                )));
            }
            let (lo, hi) = finite
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(*v), b.max(*v))
                });
            if lo > hi {
                return Ok(Axis::fit(finite, false));
            }
            let pad = (hi / lo).max(1.5).powf(0.05);
            Ok(Axis {
                lo: lo / pad,
                hi: hi * pad,
                log: true,
                scale: 1.0,
            })
        }
    }
}

impl ParetoChart<'_> {
    /// Axis titles and scaled axes for the points of `groups` (all when `None`).
    fn axes(&self, groups: Option<&[usize]>) -> Result<(Axis, Axis, String, String), PlotError> {
        let in_groups = |p: &&PlotPoint| {
            groups.is_none_or(|gs| {
                self.group_index
                    .get(p.group.as_str())
                    .is_some_and(|i| gs.contains(i))
            })
        };
        let finite = |p: &&PlotPoint| p.x.is_finite() && p.y.is_finite();
        let pts: Vec<&PlotPoint> = self
            .points
            .iter()
            .filter(finite)
            .filter(in_groups)
            .collect();
        let (fx, fy) = self.options.log.forced();
        let x_axis = fit_axis(pts.iter().map(|p| p.x).collect(), fx, &self.options.x)?;
        let y_axis = fit_axis(pts.iter().map(|p| p.y).collect(), fy, &self.options.y)?;
        let (x_label, y_label) = (metric_label(&self.options.x), metric_label(&self.options.y));
        if self.options.normalise {
            // Ratios: no unit, no prefix.
            return Ok((
                x_axis,
                y_axis,
                format!("{x_label} (x each series' best)"),
                format!("{y_label} (x each series' best)"),
            ));
        }
        let (x_title, xs) = axis_title(&x_label, &self.options.x, x_axis.magnitude());
        let (y_title, ys) = axis_title(&y_label, &self.options.y, y_axis.magnitude());
        Ok((
            x_axis.with_scale(xs),
            y_axis.with_scale(ys),
            x_title,
            y_title,
        ))
    }

    /// One plot of the series in `groups` on `area`; knees labelled when `label_knees`.
    fn draw_plot<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        groups: &[usize],
        label_knees: bool,
    ) -> Result<(), PlotError> {
        let (x_axis, y_axis, x_title, y_title) = self.axes(Some(groups))?;
        let sizes = if self.options.panels {
            (AXIS_LABEL_PX * 2 / 3, TICK_PX * 3 / 4)
        } else {
            (AXIS_LABEL_PX, TICK_PX)
        };
        let mut chart = axis_chart_sized(area, &x_axis, &y_axis, &x_title, &y_title, sizes)?;
        let finite = |p: &&PlotPoint| p.x.is_finite() && p.y.is_finite();
        let index = |p: &PlotPoint| self.group_index.get(p.group.as_str()).copied();
        let shown = |p: &&PlotPoint| index(p).is_some_and(|i| groups.contains(&i));
        // Faint points first so fronts draw over them.
        chart.draw_series(
            self.points
                .iter()
                .filter(finite)
                .filter(shown)
                .filter(|p| !p.feasible)
                .map(|p| Cross::new((p.x, p.y), 4, INFEASIBLE.stroke_width(1))),
        )?;
        chart.draw_series(
            self.points
                .iter()
                .filter(finite)
                .filter(shown)
                .filter(|p| p.feasible)
                .map(|p| {
                    Circle::new(
                        (p.x, p.y),
                        4,
                        color(index(p).unwrap_or(0)).mix(0.3).filled(),
                    )
                }),
        )?;
        for &i in groups {
            let g = &self.summary.groups[i];
            let c = color(i);
            chart.draw_series(LineSeries::new(g.front.iter().copied(), c.stroke_width(3)))?;
            for &(x, y) in &g.front {
                draw_shape(root, chart.backend_coord(&(x, y)), i, 6, c)?;
            }
        }
        let mut callouts = Vec::new();
        for &i in groups {
            let g = &self.summary.groups[i];
            let Some((kx, ky)) = g.knee else { continue };
            chart.draw_series(std::iter::once(Circle::new(
                (kx, ky),
                12,
                BLACK.stroke_width(3),
            )))?;
            if label_knees {
                let name = if groups.len() > 1 {
                    format!("{}: ", g.group)
                } else {
                    "knee: ".to_string()
                };
                callouts.push(Callout {
                    at: chart.backend_coord(&(kx, ky)),
                    text: format!(
                        "{name}{} {}, {} {}",
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

    /// Grid shape (columns, rows) for `n` panels: as square as possible, wider than tall.
    fn grid(n: usize) -> (usize, usize) {
        let cols = (n as f64).sqrt().ceil().max(1.0) as usize;
        (cols, n.div_ceil(cols))
    }
}

impl Chart for ParetoChart<'_> {
    fn size_px(&self) -> (u32, u32) {
        if !self.options.panels {
            return super::SIZE_PX;
        }
        let (cols, rows) = Self::grid(self.summary.groups.len());
        (
            (500 * cols as u32 + 450).max(super::SIZE_PX.0),
            (420 * rows as u32 + 120).max(super::SIZE_PX.1),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (x_label, y_label) = (metric_label(&self.options.x), metric_label(&self.options.y));
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
                marker: Marker::LineShape(i),
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
        let all: Vec<usize> = (0..self.summary.groups.len()).collect();
        if !self.options.panels {
            // Knee coordinates while they stay few enough to read.
            return self.draw_plot(root, &plot_area, &all, all.len() <= 6);
        }
        let (cols, rows) = Self::grid(all.len());
        let cells = plot_area.split_evenly((rows, cols));
        for (i, cell) in all.iter().zip(&cells) {
            let g = &self.summary.groups[*i];
            let (w, _) = cell.dim_in_pixel();
            let head = (TITLE_PX * 3 / 2) as i32;
            let (top, body) = cell.split_vertically(head);
            top.draw(&Text::new(
                g.group.clone(),
                (w as i32 / 2, head / 2),
                bold_style(AXIS_LABEL_PX)
                    .color(&color(*i))
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))?;
            self.draw_plot(root, &body, &[*i], true)?;
        }
        Ok(())
    }
}
