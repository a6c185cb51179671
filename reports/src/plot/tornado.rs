//! Tornado chart of a sensitivity analysis: for each key, a bar from 0 to the relative change of
//! a figure at each tried value (the lower value in blue, the higher in orange, alternatives of
//! a choice in grey), keys ranked by their largest change so the widest bars sit on top. One
//! panel per figure, in a grid; each panel ranks its keys by its own figure.

use super::breakdown::Bands;
use super::{
    bold_style, layout, text_style, write_chart, Axis, Chart, LegendEntry, Marker, PlotError,
    AXIS_LABEL_PX, LEGEND_PX, TICK_PX,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Which way a tried value went from the design's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Lower,
    Higher,
    /// An alternative of a boolean or a choice.
    Other,
}

/// One tried value and the relative change (`m / m0 - 1`) it caused.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoStep {
    pub value: String,
    pub change: f64,
    pub side: Side,
}

/// One key's bars.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoRow {
    pub key: String,
    /// The design's value, shown beside the key.
    pub base: String,
    pub steps: Vec<TornadoStep>,
}

/// One panel: a figure and its rows, widest first.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoPanel {
    /// What the bars measure, e.g. `Decode tokens/s`.
    pub figure: String,
    pub rows: Vec<TornadoRow>,
}

const LOWER: RGBColor = RGBColor(0, 114, 178);
const HIGHER: RGBColor = RGBColor(213, 94, 0);
const OTHER: RGBColor = RGBColor(127, 127, 127);

fn side_color(side: Side) -> RGBColor {
    match side {
        Side::Lower => LOWER,
        Side::Higher => HIGHER,
        Side::Other => OTHER,
    }
}

/// The largest absolute change of a row (its rank).
pub fn swing(row: &TornadoRow) -> f64 {
    row.steps.iter().map(|s| s.change.abs()).fold(0.0, f64::max)
}

/// Writes the tornado chart of `panels` to `out_path` (`.png` or `.svg`, atomically).
pub fn tornado_chart(
    panels: &[TornadoPanel],
    title: &str,
    out_path: &Path,
) -> Result<(), PlotError> {
    super::ImageFormat::from_path(out_path)?;
    if panels.is_empty() || panels.iter().all(|p| p.rows.is_empty()) {
        return Err(PlotError::NoData(
            "no key changed any figure: nothing to draw".into(),
        ));
    }
    for p in panels {
        for r in &p.rows {
            if let Some(s) = r.steps.iter().find(|s| !s.change.is_finite()) {
                return Err(PlotError::Invalid(format!(
                    "{} = {}: the change of {} is {}, expected a finite number",
                    r.key, s.value, p.figure, s.change
                )));
            }
        }
    }
    write_chart(
        &TornadoChart {
            panels,
            title: title.to_string(),
        },
        out_path,
    )
}

struct TornadoChart<'a> {
    panels: &'a [TornadoPanel],
    title: String,
}

impl Chart for TornadoChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let legend = [
            ("value lowered (x0.5)", LOWER),
            ("value raised (x2, or from 0)", HIGHER),
            ("alternative of a choice", OTHER),
        ]
        .map(|(label, color)| LegendEntry {
            label: label.into(),
            color,
            marker: Marker::Swatch,
        });
        let area = layout(root, &self.title, &legend)?;
        let panels: Vec<&TornadoPanel> =
            self.panels.iter().filter(|p| !p.rows.is_empty()).collect();
        let cells = match panels.len() {
            1 => area.split_evenly((1, 1)),
            2 => area.split_evenly((2, 1)),
            _ => area.split_evenly((2, 2)),
        };
        for (panel, cell) in panels.iter().zip(&cells) {
            draw_panel(cell, panel)?;
        }
        Ok(())
    }

    /// Two panels side by side need twice the width of a one-panel chart, and two rows
    /// of them more height, so the key labels leave room for the bars.
    fn size_px(&self) -> (u32, u32) {
        let n = self.panels.iter().filter(|p| !p.rows.is_empty()).count();
        match n {
            0 | 1 => (1600, 900),
            2 => (2600, 900),
            _ => (2600, 1600),
        }
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &TornadoPanel,
) -> Result<(), PlotError> {
    let bands = Bands {
        labels: panel
            .rows
            .iter()
            .map(|r| format!("{} ({})", r.key, r.base))
            .collect(),
    };
    let extent = panel.rows.iter().map(swing).fold(0.0, f64::max) * 100.0;
    let extent = if extent > 0.0 { extent * 1.25 } else { 1.0 };
    let axis = Axis::linear(-extent, extent);
    let small = TICK_PX;
    let tick = text_style(small);
    let mut widest = 0;
    for l in &bands.labels {
        widest = widest.max(area.estimate_text_size(l, &tick)?.0);
    }
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .caption(&panel.figure, bold_style(AXIS_LABEL_PX))
        .x_label_area_size(small * 3)
        .y_label_area_size(widest + 16)
        .build_cartesian_2d(axis.clone(), bands.clone())?;
    let (xf, yb) = (axis.clone(), bands.clone());
    chart
        .configure_mesh()
        .x_desc("change from the design (%)")
        .axis_desc_style(text_style(small))
        .label_style(tick.clone())
        .x_labels(7)
        .x_label_formatter(&move |v| format!("{}%", xf.format(*v)))
        .y_labels(bands.labels.len())
        .y_label_formatter(&move |v| yb.label_at(*v))
        .disable_y_mesh()
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .axis_style(BLACK.stroke_width(2))
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, -0.5), (0.0, bands.labels.len() as f64 - 0.5)],
        BLACK.stroke_width(2),
    )))?;
    let label_style = text_style(LEGEND_PX * 3 / 4);
    for (i, row) in panel.rows.iter().enumerate() {
        let y = bands.position(i);
        // The longest bar first, so a shorter one in the same direction stays visible on top.
        let mut steps: Vec<&TornadoStep> = row.steps.iter().collect();
        steps.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
        for s in &steps {
            let x = s.change * 100.0;
            let bar = [(0.0, y - 0.32), (x, y + 0.32)];
            chart.draw_series(std::iter::once(Rectangle::new(
                bar,
                side_color(s.side).mix(0.85).filled(),
            )))?;
        }
        // The tried values at the bar ends (one label per direction, the widest bar's).
        for positive in [true, false] {
            let Some(s) = steps
                .iter()
                .find(|s| (s.change > 0.0) == positive && s.change != 0.0)
            else {
                continue;
            };
            let x = s.change * 100.0;
            let anchor = if positive { HPos::Left } else { HPos::Right };
            let dx = if positive { 6 } else { -6 };
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, y))
                    + Text::new(
                        s.value.clone(),
                        (dx, 0),
                        label_style.clone().pos(Pos::new(anchor, VPos::Center)),
                    ),
            ))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, changes: &[(f64, Side)]) -> TornadoRow {
        TornadoRow {
            key: key.into(),
            base: "1".into(),
            steps: changes
                .iter()
                .map(|(c, side)| TornadoStep {
                    value: format!("{c}"),
                    change: *c,
                    side: *side,
                })
                .collect(),
        }
    }

    #[test]
    fn swing_is_the_largest_absolute_change() {
        let r = row("a", &[(-0.3, Side::Lower), (0.1, Side::Higher)]);
        assert!((swing(&r) - 0.3).abs() < 1e-12);
    }

    #[test]
    fn draws_png_and_svg_and_refuses_empty_or_non_finite() {
        let dir = tempfile::tempdir().unwrap();
        let panels = vec![TornadoPanel {
            figure: "Decode tokens/s".into(),
            rows: vec![
                row(
                    "clock.freq_mhz",
                    &[(-0.3, Side::Lower), (0.35, Side::Higher)],
                ),
                row("dram.preset", &[(-0.44, Side::Other), (0.02, Side::Other)]),
            ],
        }];
        for name in ["t.png", "t.svg"] {
            let out = dir.path().join(name);
            tornado_chart(&panels, "Sensitivity", &out).unwrap();
            assert!(std::fs::metadata(&out).unwrap().len() > 1000);
        }
        let svg = std::fs::read_to_string(dir.path().join("t.svg")).unwrap();
        assert!(svg.contains("clock.freq_mhz (1)") && svg.contains("dram.preset (1)"));
        let empty = vec![TornadoPanel {
            figure: "x".into(),
            rows: vec![],
        }];
        assert!(matches!(
            tornado_chart(&empty, "t", &dir.path().join("e.png")),
            Err(PlotError::NoData(_))
        ));
        let bad = vec![TornadoPanel {
            figure: "x".into(),
            rows: vec![row("k", &[(f64::NAN, Side::Lower)])],
        }];
        assert!(matches!(
            tornado_chart(&bad, "t", &dir.path().join("n.png")),
            Err(PlotError::Invalid(_))
        ));
        assert!(!dir.path().join("e.png").exists() && !dir.path().join("n.png").exists());
    }
}
