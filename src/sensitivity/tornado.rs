//! A sensitivity report as tornado-chart panels: per figure, the keys that moved it, ranked by
//! their largest change, each tried value a bar (lower and higher values of a scaled key, every
//! alternative of a choice).

use super::{SensitivityReport, StepKind, FIGURES};
use reports::plot::{metric_label, tornado::swing, Side, TornadoPanel, TornadoRow, TornadoStep};

/// One panel per figure in `figures` (keys of [`FIGURES`]), each with at most `top` rows.
/// Keys that did not move the figure are left out of its panel.
pub fn tornado_panels(
    report: &SensitivityReport,
    figures: &[&str],
    top: usize,
) -> Vec<TornadoPanel> {
    figures
        .iter()
        .map(|figure| {
            let mut rows: Vec<TornadoRow> = report
                .keys
                .iter()
                .filter_map(|k| {
                    let base_x = k.value.parse::<f64>().ok();
                    let steps: Vec<TornadoStep> = k
                        .steps
                        .iter()
                        .filter_map(|s| {
                            let change = s.change?.get(figure)?;
                            let side = match k.kind {
                                StepKind::Alternatives => Side::Other,
                                StepKind::FromZero => Side::Higher,
                                StepKind::Scaled => match (s.value.parse::<f64>().ok(), base_x) {
                                    (Some(x), Some(b)) if x < b => Side::Lower,
                                    _ => Side::Higher,
                                },
                            };
                            Some(TornadoStep {
                                value: s.value.clone(),
                                change,
                                side,
                            })
                        })
                        .collect();
                    let row = TornadoRow {
                        key: k.key.clone(),
                        base: k.value.clone(),
                        steps,
                    };
                    (swing(&row) > 1e-9).then_some(row)
                })
                .collect();
            rows.sort_by(|a, b| swing(b).total_cmp(&swing(a)).then(a.key.cmp(&b.key)));
            rows.truncate(top);
            let unit = match *figure {
                "decode_tokens_per_s" => " (tokens/s)",
                "decode_j_per_token" => " (J/token)",
                "area_mm2" => " (mm²)",
                "power_w" => " (W)",
                _ => "",
            };
            TornadoPanel {
                figure: format!("{}{unit}", metric_label(figure)),
                rows,
            }
        })
        .collect()
}

/// The figures a `--figure` value names: one of [`FIGURES`], or `all`.
pub fn figures_named(name: &str) -> Option<Vec<&'static str>> {
    if name == "all" {
        return Some(FIGURES.to_vec());
    }
    FIGURES.iter().find(|f| **f == name).map(|f| vec![*f])
}
