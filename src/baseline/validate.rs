//! Predicted against measured, point by point: the validation table of a device and its
//! median and worst absolute errors (all points, and the held-out ones).

use super::measurements::{Measurement, Role};
use super::{load_baseline_model, predict};
use sim::device::DeviceConfig;
use std::fmt::Write as _;

/// One point's comparison.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PointCheck {
    pub line: usize,
    pub model: String,
    pub weights: String,
    pub power_mode: String,
    pub prompt: u64,
    pub generate: u64,
    pub context_tokens: Option<u64>,
    pub role: Role,
    pub measured_tokens_per_s: f64,
    pub predicted_tokens_per_s: f64,
    /// (predicted − measured) / measured, in percent.
    pub error_pct: f64,
    /// Chip tokens/J measured (from `power_w`) and predicted, when power was measured.
    pub measured_chip_tokens_per_j: Option<f64>,
    pub predicted_chip_tokens_per_j: f64,
    pub source: String,
}

/// A device's validation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Validation {
    pub device: String,
    pub runtime: String,
    pub points: Vec<PointCheck>,
    pub median_abs_error_pct: f64,
    pub worst_abs_error_pct: f64,
    pub holdout_worst_abs_error_pct: Option<f64>,
    pub external_worst_abs_error_pct: Option<f64>,
    pub chip_tokens_per_j_median_abs_error_pct: Option<f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Predicts every point and compares.
pub fn validate(dev: &DeviceConfig, points: &[Measurement]) -> Result<Validation, String> {
    let mut checks = Vec::with_capacity(points.len());
    for m in points {
        let at = |e: String| format!("line {}: {e}", m.line);
        let card = load_baseline_model(&m.model).map_err(at)?;
        let p = predict(dev, &card, &m.workload).map_err(at)?;
        checks.push(PointCheck {
            line: m.line,
            model: m.model.clone(),
            weights: m.workload.weights.clone(),
            power_mode: m
                .workload
                .power_mode
                .clone()
                .unwrap_or_else(|| dev.power_mode.clone()),
            prompt: m.workload.prompt_tokens,
            generate: m.workload.generate_tokens,
            context_tokens: m.workload.context_tokens,
            role: m.role,
            measured_tokens_per_s: m.tokens_per_s,
            predicted_tokens_per_s: p.decode_tokens_per_s,
            error_pct: (p.decode_tokens_per_s / m.tokens_per_s - 1.0) * 100.0,
            measured_chip_tokens_per_j: m.power_w.map(|w| m.tokens_per_s / w),
            predicted_chip_tokens_per_j: p.decode_chip_tokens_per_j,
            source: m.source.clone(),
        });
    }
    let abs: Vec<f64> = checks.iter().map(|c| c.error_pct.abs()).collect();
    let held: Vec<f64> = checks
        .iter()
        .filter(|c| c.role == Role::HeldOut)
        .map(|c| c.error_pct.abs())
        .collect();
    let external: Vec<f64> = checks
        .iter()
        .filter(|c| c.role == Role::External)
        .map(|c| c.error_pct.abs())
        .collect();
    let energy: Vec<f64> = checks
        .iter()
        .filter_map(|c| {
            c.measured_chip_tokens_per_j
                .map(|m| (c.predicted_chip_tokens_per_j / m - 1.0).abs() * 100.0)
        })
        .collect();
    Ok(Validation {
        device: dev.name.clone(),
        runtime: dev.runtime.clone(),
        median_abs_error_pct: median(abs.clone()),
        worst_abs_error_pct: abs.iter().copied().fold(0.0, f64::max),
        holdout_worst_abs_error_pct: (!held.is_empty())
            .then(|| held.iter().copied().fold(0.0, f64::max)),
        external_worst_abs_error_pct: (!external.is_empty())
            .then(|| external.iter().copied().fold(0.0, f64::max)),
        chip_tokens_per_j_median_abs_error_pct: (!energy.is_empty()).then(|| median(energy)),
        points: checks,
    })
}

/// A Markdown table of every point, then the summary line.
pub fn render_markdown(v: &Validation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| model | weights | mode | prompt/gen | ctx | measured tok/s | predicted | error | \
         chip tok/J measured | predicted | role |"
    );
    let _ = writeln!(s, "|---|---|---|---|---:|---:|---:|---:|---:|---:|---|");
    for c in &v.points {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {}/{} | {} | {:.2} | {:.2} | {:+.1} % | {} | {:.2} | {} |",
            c.model,
            c.weights,
            c.power_mode,
            c.prompt,
            c.generate,
            c.context_tokens.map_or("-".to_string(), |t| t.to_string()),
            c.measured_tokens_per_s,
            c.predicted_tokens_per_s,
            c.error_pct,
            c.measured_chip_tokens_per_j
                .map_or("-".to_string(), |t| format!("{t:.2}")),
            c.predicted_chip_tokens_per_j,
            c.role.name()
        );
    }
    s.push('\n');
    s.push_str(&summary_line(v));
    s
}

/// `device: median |error| X %, worst Y %, held-out worst Z %`.
pub fn summary_line(v: &Validation) -> String {
    let mut s = format!(
        "{} ({}): {} points, decode tok/s median |error| {:.1} %, worst {:.1} %",
        v.device,
        v.runtime,
        v.points.len(),
        v.median_abs_error_pct,
        v.worst_abs_error_pct
    );
    if let Some(h) = v.holdout_worst_abs_error_pct {
        let _ = write!(s, ", held-out worst {h:.1} %");
    }
    if let Some(x) = v.external_worst_abs_error_pct {
        let _ = write!(s, ", external worst {x:.1} %");
    }
    if let Some(e) = v.chip_tokens_per_j_median_abs_error_pct {
        let _ = write!(s, "; chip tok/J median |error| {e:.1} %");
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    /// The acceptance: median |error| ≤ 15 % per device, held-out points within 25 %.
    #[test]
    fn shipped_devices_meet_the_error_bounds() {
        for (name, text) in super::super::SHIPPED_MEASUREMENTS {
            let dev = sim::device::load_device(name, &[]).unwrap();
            let points = super::super::measurements::parse_measurements(text, name).unwrap();
            let v = validate(&dev, &points).unwrap();
            assert!(v.median_abs_error_pct <= 15.0, "{}", summary_line(&v));
            assert!(
                v.holdout_worst_abs_error_pct.is_some_and(|h| h <= 25.0),
                "{}",
                summary_line(&v)
            );
        }
    }
}
