//! Roofline of a design: attainable MAC rate = min(peak MAC rate, arithmetic intensity × DRAM
//! bandwidth), log-log, with the workload's phases (decode, prefill) placed at their measured
//! arithmetic intensity (MACs per DRAM byte) and achieved MAC rate.

use super::axis::axis_title;
use super::{
    axis_chart, color, fmt_num, layout, text_style, write_chart, Axis, Chart, LegendEntry, Marker,
    PlotError, LEGEND_PX,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// The design's two roofs.
#[derive(Debug, Clone, PartialEq)]
pub struct RooflineSpec {
    pub label: String,
    pub peak_macs_per_s: f64,
    pub dram_bandwidth_gbps: f64,
}

impl RooflineSpec {
    /// Attainable MAC rate at `macs_per_byte`.
    pub fn attainable_macs_per_s(&self, macs_per_byte: f64) -> f64 {
        self.peak_macs_per_s
            .min(macs_per_byte * self.dram_bandwidth_gbps * 1e9)
    }

    /// Arithmetic intensity where the two roofs meet.
    pub fn ridge_macs_per_byte(&self) -> f64 {
        self.peak_macs_per_s / (self.dram_bandwidth_gbps * 1e9)
    }
}

/// A phase of the workload on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatingPoint {
    pub label: String,
    pub macs_per_byte: f64,
    pub macs_per_s: f64,
}

/// Writes the roofline to `out_path` (`.png` or `.svg`, atomically).
pub fn roofline_chart(
    spec: &RooflineSpec,
    points: &[OperatingPoint],
    title: &str,
    out_path: &Path,
) -> Result<(), PlotError> {
    super::ImageFormat::from_path(out_path)?;
    let positive = |v: f64| v.is_finite() && v > 0.0;
    if !positive(spec.peak_macs_per_s) || !positive(spec.dram_bandwidth_gbps) {
        return Err(PlotError::Invalid(format!(
            "a roofline needs a positive peak MAC rate and DRAM bandwidth, got {} MAC/s and {} GB/s",
            spec.peak_macs_per_s, spec.dram_bandwidth_gbps
        )));
    }
    for p in points {
        if !positive(p.macs_per_byte) || !positive(p.macs_per_s) {
            return Err(PlotError::Invalid(format!(
                "operating point `{}` needs a positive intensity and MAC rate, got {} MAC/B and {} MAC/s",
                p.label, p.macs_per_byte, p.macs_per_s
            )));
        }
    }
    write_chart(
        &RooflineChart {
            spec,
            points,
            title,
        },
        out_path,
    )
}

struct RooflineChart<'a> {
    spec: &'a RooflineSpec,
    points: &'a [OperatingPoint],
    title: &'a str,
}

fn decade_floor(v: f64) -> f64 {
    10f64.powf(v.log10().floor())
}

fn decade_ceil(v: f64) -> f64 {
    10f64.powf(v.log10().ceil())
}

impl Chart for RooflineChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let ridge = self.spec.ridge_macs_per_byte();
        let xs = self.points.iter().map(|p| p.macs_per_byte).chain([ridge]);
        let x_lo = decade_floor(xs.clone().fold(f64::INFINITY, f64::min) / 3.0);
        let x_hi = decade_ceil(xs.fold(0.0, f64::max) * 3.0);
        let ys = self
            .points
            .iter()
            .map(|p| p.macs_per_s)
            .chain([self.spec.attainable_macs_per_s(x_lo)]);
        let y_lo = decade_floor(ys.fold(f64::INFINITY, f64::min));
        let y_hi = decade_ceil(self.spec.peak_macs_per_s * 2.0);
        let x_axis = Axis {
            lo: x_lo,
            hi: x_hi,
            log: true,
            scale: 1.0,
        };
        let y_axis = Axis {
            lo: y_lo,
            hi: y_hi,
            log: true,
            scale: 1.0,
        };
        let (y_title, ys) = axis_title("Performance", "peak_macs_per_s", y_axis.magnitude());
        let y_axis = y_axis.with_scale(ys);

        let roof_color = RGBColor(40, 40, 40);
        let mut legend = vec![LegendEntry {
            label: format!("roof: {}", self.spec.label),
            color: roof_color,
            marker: Marker::Line,
        }];
        legend.push(LegendEntry {
            label: format!("ridge: {} MAC/B", fmt_num(ridge)),
            color: RGBColor(150, 150, 150),
            marker: Marker::Dashed,
        });
        for (i, p) in self.points.iter().enumerate() {
            legend.push(LegendEntry {
                label: p.label.clone(),
                color: color(i + 1),
                marker: Marker::Dot,
            });
        }
        let area = layout(root, self.title, &legend)?;
        let mut chart = axis_chart(
            &area,
            &x_axis,
            &y_axis,
            "Arithmetic intensity (MAC per DRAM byte)",
            &y_title,
        )?;
        let roof = [
            (x_lo, self.spec.attainable_macs_per_s(x_lo)),
            (ridge, self.spec.peak_macs_per_s),
            (x_hi, self.spec.peak_macs_per_s),
        ];
        chart.draw_series(LineSeries::new(roof, roof_color.stroke_width(4)))?;
        chart.draw_series(DashedLineSeries::new(
            [(ridge, y_lo), (ridge, self.spec.peak_macs_per_s)],
            12,
            8,
            RGBColor(150, 150, 150).stroke_width(2),
        ))?;
        let label = text_style(LEGEND_PX).color(&roof_color);
        let mid = (x_lo * ridge).sqrt();
        chart.draw_series(std::iter::once(
            EmptyElement::at((x_hi, self.spec.peak_macs_per_s))
                + Text::new(
                    format!(
                        "peak {} {}MAC/s",
                        y_axis.format(self.spec.peak_macs_per_s),
                        ys_prefix(&y_title)
                    ),
                    (-10, -10),
                    label.clone().pos(Pos::new(HPos::Right, VPos::Bottom)),
                ),
        ))?;
        chart.draw_series(std::iter::once(
            // Midway up the bandwidth slope, above and left of it (the slope rises to the right).
            EmptyElement::at((mid, self.spec.attainable_macs_per_s(mid)))
                + Text::new(
                    format!("DRAM {} GB/s", fmt_num(self.spec.dram_bandwidth_gbps)),
                    (-12, -12),
                    label.pos(Pos::new(HPos::Right, VPos::Bottom)),
                ),
        ))?;
        for (i, p) in self.points.iter().enumerate() {
            let c = color(i + 1);
            let at = (p.macs_per_byte, p.macs_per_s);
            chart.draw_series(std::iter::once(Circle::new(at, 10, c.filled())))?;
            chart.draw_series(std::iter::once(
                EmptyElement::at(at)
                    + Text::new(
                        p.label.clone(),
                        (16, 0),
                        text_style(LEGEND_PX)
                            .color(&c)
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                    ),
            ))?;
        }
        Ok(())
    }
}

/// The SI prefix of the y axis title ("G" from "Performance (GMAC/s)").
fn ys_prefix(title: &str) -> &str {
    title
        .rsplit_once('(')
        .and_then(|(_, u)| u.strip_suffix("MAC/s)"))
        .unwrap_or("")
}
