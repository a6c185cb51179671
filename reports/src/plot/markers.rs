//! Marker shapes that tell series apart without relying on colour (circle, triangle, square,
//! diamond, inverted triangle, cross), drawn in pixel coordinates so the legend and every chart
//! use the same shapes.

use super::PlotError;
use plotters::coord::Shift;
use plotters::prelude::*;

/// How many distinct shapes there are; series `i` gets shape `i % SHAPES`.
pub(crate) const SHAPES: usize = 6;

/// Draws shape `shape` of radius `r` pixels centred at `at` (pixel coordinates of `area`),
/// filled in `color`.
pub(crate) fn draw_shape<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    shape: usize,
    r: i32,
    color: RGBColor,
) -> Result<(), PlotError> {
    let (x, y) = at;
    let style = color.filled();
    match shape % SHAPES {
        0 => area.draw(&Circle::new(at, r, style))?,
        1 => area.draw(&Polygon::new(
            vec![(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)],
            style,
        ))?,
        2 => area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], style))?,
        3 => area.draw(&Polygon::new(
            vec![
                (x, y - r - 2),
                (x + r + 2, y),
                (x, y + r + 2),
                (x - r - 2, y),
            ],
            style,
        ))?,
        4 => area.draw(&Polygon::new(
            vec![(x, y + r + 1), (x + r + 1, y - r), (x - r - 1, y - r)],
            style,
        ))?,
        _ => {
            let w = (r / 2).max(2);
            for (dx, dy) in [(1, 1), (1, -1)] {
                area.draw(&PathElement::new(
                    vec![(x - dx * r, y - dy * r), (x + dx * r, y + dy * r)],
                    color.stroke_width(w as u32),
                ))?;
            }
        }
    }
    Ok(())
}
