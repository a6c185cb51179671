//! Charts for papers: Pareto fronts, energy/time breakdowns, per-token latency against context
//! length, rooflines and sensitivity tornados, as PNG or SVG (chosen by the output file's extension).
//!
//! Shared here: the error type, the embedded font (DejaVu Sans, registered with plotters once
//! per process so text renders on a machine without system fonts), the house style (sizes,
//! palette), rendering to bytes and atomic writing. Charts take plain data; they know nothing of
//! the simulator.

mod axis;
pub mod breakdown;
pub mod context;
mod markers;
pub mod pareto;
pub mod roofline;
pub mod tornado;

pub use axis::{metric_label, metric_unit, Axis};
pub use breakdown::{breakdown_chart, read_breakdown_runs, BreakdownRun};
pub use context::{context_chart, context_chart_of, ContextMetric, ContextSeries};
pub use pareto::{
    pareto_chart, pareto_chart_points, read_plot_points, GroupFront, LogAxes, ParetoChartOptions,
    ParetoChartSummary, PlotPoint,
};
pub use roofline::{roofline_chart, OperatingPoint, RooflineSpec};
pub use tornado::{tornado_chart, Side, TornadoPanel, TornadoRow, TornadoStep};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Why a chart could not be made. Every variant names the file (and line, column) involved.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Csv { path: PathBuf, message: String },
    #[error("{path}: no data rows (a header and at least one row are needed)")]
    EmptyCsv { path: PathBuf },
    #[error("{path}: no column `{column}`; available: {available}")]
    UnknownColumn {
        path: PathBuf,
        column: String,
        available: String,
    },
    #[error("{path}, line {line}, column `{column}`: `{value}` is not a number")]
    NonNumeric {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    #[error("{path}: {message}")]
    Json { path: PathBuf, message: String },
    #[error("nothing to plot: {0}")]
    NoData(String),
    #[error("{path}: unsupported output format; use a .png or .svg file name")]
    Format { path: PathBuf },
    #[error("invalid chart input: {0}")]
    Invalid(String),
    #[error("rendering failed: {0}")]
    Render(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Render(e.to_string())
    }
}

impl From<crate::pareto::ParetoError> for PlotError {
    fn from(e: crate::pareto::ParetoError) -> Self {
        PlotError::Invalid(e.to_string())
    }
}

/// Output image format, from the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

impl ImageFormat {
    /// `.png` or `.svg` (any case); anything else is an error naming the path.
    pub fn from_path(path: &Path) -> Result<Self, PlotError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("png") => Ok(ImageFormat::Png),
            Some("svg") => Ok(ImageFormat::Svg),
            _ => Err(PlotError::Format {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Chart size in pixels: wide enough for a two-column figure, text sized to stay legible when
/// the figure is scaled down to one column.
pub(crate) const SIZE_PX: (u32, u32) = (1400, 900);
pub(crate) const TITLE_PX: u32 = 38;
pub(crate) const AXIS_LABEL_PX: u32 = 30;
pub(crate) const TICK_PX: u32 = 24;
pub(crate) const LEGEND_PX: u32 = 24;
pub(crate) const FONT: &str = "sans-serif";

/// Okabe–Ito colour-blind-safe colours first (no yellow: too pale on white; no black: it marks
/// knees and totals), then darker extras so 13 models still get distinct colours.
pub(crate) const PALETTE: [RGBColor; 13] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(60, 60, 160),
    RGBColor(140, 86, 75),
    RGBColor(127, 127, 127),
    RGBColor(148, 103, 189),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(120, 20, 60),
];

pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Registers the embedded DejaVu Sans (regular and bold) as `sans-serif`, once per process.
fn ensure_fonts() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Render(
            "the embedded DejaVu Sans font could not be loaded".into(),
        ))
    }
}

pub(crate) fn text_style(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font()).color(&BLACK)
}

pub(crate) fn bold_style(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font().style(FontStyle::Bold)).color(&BLACK)
}

/// How a legend entry's marker looks.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Marker {
    /// A line with a dot on it (a series).
    Line,
    /// A faint dot (background points).
    FaintDot,
    /// A solid dot (a single point).
    Dot,
    /// An open ring (a highlighted point such as the knee).
    Ring,
    /// A filled square (a bar segment).
    Swatch,
    /// No marker: a note in the legend.
    None,
    /// A small cross (excluded points).
    Cross,
    /// A short vertical bar (a marked total).
    Bar,
    /// A dashed line (a bound).
    Dashed,
    /// A line with shape `n` of `markers.rs` on it (a series told apart by shape and colour).
    LineShape(usize),
}

pub(crate) struct LegendEntry {
    pub label: String,
    pub color: RGBColor,
    pub marker: Marker,
}

/// Lays out a chart: title across the top, legend in a panel on the right (outside the plot,
/// so it never hides data), and returns the area left for the plot.
pub(crate) fn layout<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[LegendEntry],
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (w, _) = root.dim_in_pixel();
    let title_h = TITLE_PX as i32 * 2;
    let (top, body) = root.split_vertically(title_h);
    top.draw(&Text::new(
        title.to_string(),
        (w as i32 / 2, title_h / 2),
        bold_style(TITLE_PX).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    if legend.is_empty() {
        return Ok(body);
    }
    let style = text_style(LEGEND_PX);
    let mut text_w = 0;
    for e in legend {
        let (tw, _) = root.estimate_text_size(&e.label, &style)?;
        text_w = text_w.max(tw);
    }
    let marker_w = LEGEND_PX as i32 * 2;
    let pad = LEGEND_PX as i32 / 2;
    let panel_w = (text_w as i32 + marker_w + 6 * pad).min(w as i32 * 2 / 5);
    let (plot, panel) = body.split_horizontally(w as i32 - panel_w);
    let row_h = LEGEND_PX as i32 * 3 / 2;
    for (i, e) in legend.iter().enumerate() {
        let y = TITLE_PX as i32 + row_h * i as i32 + row_h / 2;
        let (x0, x1, xm) = (pad, pad + marker_w, pad + marker_w / 2);
        let c = e.color;
        match e.marker {
            Marker::Line => {
                panel.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(3)))?;
                panel.draw(&Circle::new((xm, y), 6, c.filled()))?;
            }
            Marker::LineShape(shape) => {
                panel.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(3)))?;
                markers::draw_shape(&panel, (xm, y), shape, 7, c)?;
            }
            Marker::FaintDot => panel.draw(&Circle::new((xm, y), 5, c.mix(0.35).filled()))?,
            Marker::Dot => panel.draw(&Circle::new((xm, y), 9, c.filled()))?,
            Marker::None => {}
            Marker::Cross => panel.draw(&Cross::new((xm, y), 6, c.stroke_width(2)))?,
            Marker::Bar => {
                let r = LEGEND_PX as i32 / 2;
                panel.draw(&PathElement::new(
                    vec![(xm, y - r), (xm, y + r)],
                    c.stroke_width(4),
                ))?;
            }
            Marker::Ring => panel.draw(&Circle::new((xm, y), 10, c.stroke_width(3)))?,
            Marker::Swatch => {
                let r = LEGEND_PX as i32 / 2;
                panel.draw(&Rectangle::new(
                    [(xm - r, y - r), (xm + r, y + r)],
                    c.filled(),
                ))?;
            }
            Marker::Dashed => {
                let seg = marker_w / 5;
                for k in [0, 2, 4] {
                    let (a, b) = (x0 + k * seg, x0 + (k + 1) * seg);
                    panel.draw(&PathElement::new(vec![(a, y), (b, y)], c.stroke_width(3)))?;
                }
            }
        }
        panel.draw(&Text::new(
            e.label.clone(),
            (x1 + pad, y),
            style.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(plot)
}

/// A cartesian chart on `area` with both axes of type [`Axis`]: grid, ticks formatted in the
/// displayed unit, axis titles. The y label area is sized to the widest tick label so long
/// labels never run into the axis title.
pub(crate) fn axis_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
    x_title: &str,
    y_title: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<Axis, Axis>>, PlotError> {
    axis_chart_sized(area, x, y, x_title, y_title, (AXIS_LABEL_PX, TICK_PX))
}

/// [`axis_chart`] with the axis-title and tick text sizes given (smaller for small panels).
pub(crate) fn axis_chart_sized<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
    x_title: &str,
    y_title: &str,
    (label_px, tick_px): (u32, u32),
) -> Result<ChartContext<'a, DB, Cartesian2d<Axis, Axis>>, PlotError> {
    let tick = text_style(tick_px);
    let mut widest = 0;
    for v in y.key_points(plotters::coord::ranged1d::BoldPoints(8)) {
        widest = widest.max(area.estimate_text_size(&y.format(v), &tick)?.0);
    }
    let mut chart = ChartBuilder::on(area)
        .margin(24)
        .x_label_area_size(tick_px + label_px * 2 + 16)
        .y_label_area_size(widest + 24 + label_px * 3 / 2)
        .build_cartesian_2d(x.clone(), y.clone())?;
    let (xf, yf) = (x.clone(), y.clone());
    chart
        .configure_mesh()
        .x_desc(x_title)
        .y_desc(y_title)
        .axis_desc_style(text_style(label_px))
        .label_style(tick)
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&move |v| xf.format(*v))
        .y_label_formatter(&move |v| yf.format(*v))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .axis_style(BLACK.stroke_width(2))
        .draw()?;
    Ok(chart)
}

/// A text label attached to a point (pixel coordinates of the whole image).
pub(crate) struct Callout {
    pub at: (i32, i32),
    pub text: String,
    pub color: RGBColor,
}

fn overlaps(a: (i32, i32, i32, i32), b: (i32, i32, i32, i32)) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Draws callouts without overlapping each other or the points they label: each label tries
/// the four diagonal positions around its point, then the same pushed further out (with a
/// leader line), and takes the first that stays inside `bounds` (x0, y0, x1, y1) and clear.
pub(crate) fn draw_callouts<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    bounds: (i32, i32, i32, i32),
    callouts: &[Callout],
) -> Result<(), PlotError> {
    let style = text_style(LEGEND_PX);
    let pad = 5;
    let mut taken: Vec<(i32, i32, i32, i32)> = callouts
        .iter()
        .map(|c| (c.at.0 - 14, c.at.1 - 14, c.at.0 + 14, c.at.1 + 14))
        .collect();
    for c in callouts {
        let (tw, th) = root.estimate_text_size(&c.text, &style)?;
        let (w, h) = (tw as i32 + 2 * pad, th as i32 + 2 * pad);
        let (ax, ay) = c.at;
        let inside = |b: &(i32, i32, i32, i32)| {
            b.0 >= bounds.0 && b.1 >= bounds.1 && b.2 <= bounds.2 && b.3 <= bounds.3
        };
        let mut candidates = Vec::new();
        for k in 0..8 {
            let push = k * (h + 6);
            for (left, up) in [(false, true), (false, false), (true, true), (true, false)] {
                let x0 = if left { ax - 16 - w } else { ax + 16 };
                let y0 = if up {
                    ay - 16 - h - push
                } else {
                    ay + 16 + push
                };
                candidates.push((k, (x0, y0, x0 + w, y0 + h)));
            }
        }
        let chosen = candidates
            .iter()
            .find(|(_, b)| inside(b) && !taken.iter().any(|t| overlaps(*t, *b)))
            .or_else(|| candidates.iter().find(|(_, b)| inside(b)))
            .or(candidates.first())
            .copied();
        let Some((k, b)) = chosen else { continue };
        if k > 0 {
            let corner = (
                if b.0 > ax { b.0 } else { b.2 },
                if b.1 > ay { b.1 } else { b.3 },
            );
            root.draw(&PathElement::new(
                vec![(ax, ay), corner],
                c.color.stroke_width(2),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(b.0, b.1), (b.2, b.3)],
            WHITE.mix(0.85).filled(),
        ))?;
        root.draw(&Rectangle::new(
            [(b.0, b.1), (b.2, b.3)],
            c.color.stroke_width(1),
        ))?;
        root.draw(&Text::new(
            c.text.clone(),
            (b.0 + pad, b.1 + pad),
            style.color(&c.color).pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
        taken.push(b);
    }
    Ok(())
}

/// Something that draws itself on any plotters backend.
pub(crate) trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;

    /// Image size in pixels; charts with several panels ask for more than [`SIZE_PX`].
    fn size_px(&self) -> (u32, u32) {
        SIZE_PX
    }
}

/// Renders `chart` to the bytes of a PNG or SVG file. Deterministic: same chart, same bytes.
pub(crate) fn render<C: Chart>(chart: &C, format: ImageFormat) -> Result<Vec<u8>, PlotError> {
    ensure_fonts()?;
    let (w, h) = chart.size_px();
    match format {
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                root.fill(&WHITE)?;
                chart.draw(&root)?;
                root.present()?;
            }
            Ok(svg.into_bytes())
        }
        ImageFormat::Png => {
            let mut rgb = vec![255u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                root.fill(&WHITE)?;
                chart.draw(&root)?;
                root.present()?;
            }
            encode_png(&rgb, w, h)
        }
    }
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let png_err = |e: png::EncodingError| PlotError::Render(format!("PNG encoding: {e}"));
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(rgb).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}

/// Renders `chart` in the format of `out_path`'s extension and writes it atomically.
pub(crate) fn write_chart<C: Chart>(chart: &C, out_path: &Path) -> Result<(), PlotError> {
    let format = ImageFormat::from_path(out_path)?;
    let bytes = render(chart, format)?;
    write_atomic(out_path, &bytes)
}

/// Writes through a temporary file in the same directory and a rename, so a reader never sees
/// half a chart and a failed write leaves any previous file intact.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    let err = |source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| err(std::io::Error::other("not a file path")))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// Short number formatting for labels: up to 3 significant digits, no trailing zeros.
pub(crate) fn fmt_num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().log10().floor() as i32;
    if !(-3..6).contains(&mag) {
        return format!("{v:.2e}");
    }
    let decimals = (2 - mag).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_extension() {
        assert_eq!(
            ImageFormat::from_path(Path::new("a/b.PNG")).unwrap(),
            ImageFormat::Png
        );
        assert_eq!(
            ImageFormat::from_path(Path::new("b.svg")).unwrap(),
            ImageFormat::Svg
        );
        assert!(ImageFormat::from_path(Path::new("b.pdf")).is_err());
        assert!(ImageFormat::from_path(Path::new("b")).is_err());
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(fmt_num(1.0), "1");
        assert_eq!(fmt_num(12.5), "12.5");
        assert_eq!(fmt_num(0.1234), "0.123");
        assert_eq!(fmt_num(250.0), "250");
        assert_eq!(fmt_num(1234.0), "1234");
        assert_eq!(fmt_num(1.5e-7), "1.50e-7");
    }
}
