//! Per-token decode latency against context length (the KV length a decode step attends to),
//! or time to first token against prompt length, one line per hardware configuration: how much
//! a long context costs on each design.

use super::axis::axis_title;
use super::{axis_chart, color, layout, write_chart, Axis, Chart, LegendEntry, Marker, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// One configuration's curve: (context length in tokens, decode seconds per token), in
/// increasing context order.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextSeries {
    pub label: String,
    pub points: Vec<(u64, f64)>,
}

/// What a context chart's y axis shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextMetric {
    /// Decode seconds per token against the tokens a decode step attends to.
    DecodeLatency,
    /// Time to first token against the prompt length.
    Ttft,
}

impl ContextMetric {
    /// (metric key for units, y label, x label).
    fn labels(self) -> (&'static str, &'static str, &'static str) {
        match self {
            ContextMetric::DecodeLatency => (
                "decode_s_per_token",
                "Decode latency",
                "Context length (tokens attended)",
            ),
            ContextMetric::Ttft => ("ttft_s", "Time to first token", "Prompt length (tokens)"),
        }
    }
}

/// Writes the decode-latency chart to `out_path` (`.png` or `.svg`, atomically). Non-finite or
/// negative latencies are left out; an error when none is left.
pub fn context_chart(
    series: &[ContextSeries],
    title: &str,
    out_path: &Path,
) -> Result<(), PlotError> {
    context_chart_of(series, ContextMetric::DecodeLatency, title, out_path)
}

/// [`context_chart`] for either metric.
pub fn context_chart_of(
    series: &[ContextSeries],
    metric: ContextMetric,
    title: &str,
    out_path: &Path,
) -> Result<(), PlotError> {
    super::ImageFormat::from_path(out_path)?;
    let finite = series
        .iter()
        .flat_map(|s| &s.points)
        .filter(|(_, t)| t.is_finite() && *t >= 0.0)
        .count();
    if finite == 0 {
        return Err(PlotError::NoData(
            "no finite per-token latency to plot".into(),
        ));
    }
    write_chart(
        &ContextChart {
            series,
            metric,
            title,
        },
        out_path,
    )
}

struct ContextChart<'a> {
    series: &'a [ContextSeries],
    metric: ContextMetric,
    title: &'a str,
}

impl Chart for ContextChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let pts = || {
            self.series
                .iter()
                .flat_map(|s| s.points.iter())
                .filter(|(_, t)| t.is_finite() && *t >= 0.0)
        };
        let x_axis = Axis::fit(pts().map(|(l, _)| *l as f64), true);
        // Latency from zero on a linear axis, so slopes compare honestly between designs.
        let y_max = pts().map(|(_, t)| *t).fold(0.0, f64::max);
        let y_axis = Axis::fit([0.0, y_max], false);
        let (key, y_label, x_label) = self.metric.labels();
        let (y_title, ys) = axis_title(y_label, key, y_axis.magnitude());
        let y_axis = y_axis.with_scale(ys);
        let legend: Vec<LegendEntry> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| LegendEntry {
                label: s.label.clone(),
                color: color(i),
                marker: Marker::Line,
            })
            .collect();
        let area = layout(root, self.title, &legend)?;
        let mut chart = axis_chart(&area, &x_axis, &y_axis, x_label, &y_title)?;
        for (i, s) in self.series.iter().enumerate() {
            let c = color(i);
            let line: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(|(_, t)| t.is_finite() && *t >= 0.0)
                .map(|(l, t)| (*l as f64, *t))
                .collect();
            chart.draw_series(LineSeries::new(line.iter().copied(), c.stroke_width(3)))?;
            chart.draw_series(line.iter().map(|&p| Circle::new(p, 6, c.filled())))?;
        }
        Ok(())
    }
}
