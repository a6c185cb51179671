//! The fit of a device's free parameters to measurements, deterministic so a preset can be
//! refitted and compared.
//!
//! Decode: `1 / tokens_per_s = x0 × 1e3/clock_hz + x1 × layers × 1e3/clock_hz + x2 × bytes / BW`
//! is linear in `x = (per_token_kcycles, per_layer_kcycles, 1 / bandwidth_efficiency)`. Least
//! squares on the relative error (each row divided by its measured time), with `x0, x1 ≥ 0`
//! and `x2 ≥ 1` (efficiency ≤ 1): every way of pinning parameters to their bound is solved and
//! the feasible one with the smallest error kept.
//!
//! Power (when rows have `power_w`): `P = static + (clock / ref)^γ × (clocked + e_ref × GB/s)`,
//! at the measured rate; linear in `(static, clocked, e_ref)` for a fixed γ, and γ is searched on a 0.01 grid
//! over [0, 3] when the rows span two clocks or more (else the device's γ is kept).

use super::measurements::{Measurement, Role};
use super::{demand, load_baseline_model, mode_clock_mhz};
use sim::device::model::DecodeDemand;
use sim::device::DeviceConfig;

/// One fit-ready row.
struct Row {
    clock_mhz: f64,
    demand: DecodeDemand,
    tokens_per_s: f64,
    power_w: Option<f64>,
}

fn rows(dev: &DeviceConfig, points: &[&Measurement]) -> Result<Vec<Row>, String> {
    points
        .iter()
        .map(|m| {
            let at = |e: String| format!("line {}: {e}", m.line);
            let card = load_baseline_model(&m.model).map_err(at)?;
            Ok(Row {
                clock_mhz: mode_clock_mhz(dev, m.workload.power_mode.as_deref()).map_err(at)?,
                demand: demand(dev, &card, &m.workload).map_err(at)?,
                tokens_per_s: m.tokens_per_s,
                power_w: m.power_w,
            })
        })
        .collect()
}

/// Least squares `min Σ (a_i·x − b_i)²` over the free columns; `None` when singular.
fn least_squares(a: &[Vec<f64>], b: &[f64], free: &[usize]) -> Option<Vec<f64>> {
    let n = free.len();
    let mut m = vec![vec![0.0; n + 1]; n];
    for (row, &bi) in a.iter().zip(b) {
        for (i, &ci) in free.iter().enumerate() {
            for (j, &cj) in free.iter().enumerate() {
                m[i][j] += row[ci] * row[cj];
            }
            m[i][n] += row[ci] * bi;
        }
    }
    // Gauss-Jordan with partial pivoting.
    for k in 0..n {
        let p = (k..n).max_by(|&x, &y| m[x][k].abs().total_cmp(&m[y][k].abs()))?;
        m.swap(k, p);
        let scale = m[k].iter().take(n).map(|v| v.abs()).fold(0.0, f64::max);
        if m[k][k].abs() <= 1e-12 * scale.max(1e-300) {
            return None;
        }
        let pivot = m[k].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != k {
                let f = row[k] / pivot[k];
                for (v, p) in row.iter_mut().zip(&pivot).skip(k) {
                    *v -= f * p;
                }
            }
        }
    }
    Some((0..n).map(|k| m[k][n] / m[k][k]).collect())
}

/// Bounded least squares by enumeration: column `j` is either free or pinned at `lower[j]`.
fn bounded_fit(a: &[Vec<f64>], b: &[f64], lower: &[f64]) -> Option<(Vec<f64>, f64)> {
    let n = lower.len();
    let mut best: Option<(Vec<f64>, f64)> = None;
    for mask in 0..(1u32 << n) {
        let free: Vec<usize> = (0..n).filter(|j| mask & (1 << j) != 0).collect();
        let pinned_b: Vec<f64> = a
            .iter()
            .zip(b)
            .map(|(row, bi)| {
                bi - (0..n)
                    .filter(|j| mask & (1 << j) == 0)
                    .map(|j| row[j] * lower[j])
                    .sum::<f64>()
            })
            .collect();
        let solved = if free.is_empty() {
            Some(vec![])
        } else {
            least_squares(a, &pinned_b, &free)
        };
        let Some(solved) = solved else { continue };
        let mut x = lower.to_vec();
        for (k, &j) in free.iter().enumerate() {
            x[j] = solved[k];
        }
        if x.iter()
            .zip(lower)
            .any(|(v, lo)| !v.is_finite() || *v < *lo)
        {
            continue;
        }
        let sse: f64 = a
            .iter()
            .zip(b)
            .map(|(row, bi)| (row.iter().zip(&x).map(|(r, v)| r * v).sum::<f64>() - bi).powi(2))
            .sum();
        if best.as_ref().is_none_or(|(_, s)| sse < *s - 1e-15) {
            best = Some((x, sse));
        }
    }
    best
}

/// Fits `dev`'s decode (and, where measured, power) parameters to the non-holdout `points`.
pub fn fit_device(dev: &DeviceConfig, points: &[Measurement]) -> Result<DeviceConfig, String> {
    let used: Vec<&Measurement> = points.iter().filter(|m| m.role == Role::Fit).collect();
    if used.is_empty() {
        return Err("no rows to fit: every row is a holdout".into());
    }
    let rows = rows(dev, &used)?;
    let bw = dev.bandwidth_gbps * 1e9;
    let (a, b): (Vec<Vec<f64>>, Vec<f64>) = rows
        .iter()
        .map(|r| {
            let t = 1.0 / r.tokens_per_s;
            let per_kcycle = 1e3 / (r.clock_mhz * 1e6);
            let row = vec![
                per_kcycle / t,
                f64::from(r.demand.layers) * per_kcycle / t,
                r.demand.bytes() / bw / t,
            ];
            (row, 1.0)
        })
        .unzip();
    let (x, _) = bounded_fit(&a, &b, &[0.0, 0.0, 1.0])
        .ok_or("the decode fit has no solution (too few distinct points)")?;
    let mut out = dev.clone();
    out.decode.per_token_kcycles = x[0];
    out.decode.per_layer_kcycles = x[1];
    out.decode.bandwidth_efficiency = 1.0 / x[2];

    let powered: Vec<(&Row, f64)> = rows
        .iter()
        .filter_map(|r| r.power_w.map(|p| (r, p)))
        .collect();
    if !powered.is_empty() {
        let mut clocks: Vec<f64> = powered.iter().map(|(r, _)| r.clock_mhz).collect();
        clocks.sort_by(f64::total_cmp);
        clocks.dedup();
        let gammas: Vec<f64> = if clocks.len() >= 2 {
            (0..=300).map(|i| f64::from(i) * 0.01).collect()
        } else {
            vec![dev.power.clock_exponent]
        };
        let reference = dev.power.reference_clock_mhz;
        let mut best: Option<(f64, Vec<f64>, f64)> = None;
        for g in gammas {
            let (pa, pb): (Vec<Vec<f64>>, Vec<f64>) = powered
                .iter()
                .map(|(r, p)| {
                    let gbps = r.demand.bytes() * r.tokens_per_s * 1e-9;
                    let scale = (r.clock_mhz / reference).powf(g);
                    (vec![1.0 / p, scale / p, scale * gbps / p], 1.0)
                })
                .unzip();
            if let Some((x, sse)) = bounded_fit(&pa, &pb, &[0.0, 0.0, 0.0]) {
                if best.as_ref().is_none_or(|(_, _, s)| sse < *s - 1e-15) {
                    best = Some((g, x, sse));
                }
            }
        }
        let (g, x, _) = best.ok_or("the power fit has no solution")?;
        out.power.chip_static_w = x[0];
        out.power.chip_clocked_w_at_ref = x[1];
        out.power.chip_nj_per_byte_at_ref = x[2];
        out.power.clock_exponent = g;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_solves_an_exact_system() {
        // x + y = 3, x − y = 1 → (2, 1).
        let a = vec![vec![1.0, 1.0], vec![1.0, -1.0]];
        let x = least_squares(&a, &[3.0, 1.0], &[0, 1]).unwrap();
        assert!((x[0] - 2.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bounds_pin_a_negative_solution() {
        // The free solution of x + y = 3, x − y = 5 has y = −1: y pins at 0, x = 4 (LSQ).
        let a = vec![vec![1.0, 1.0], vec![1.0, -1.0]];
        let (x, _) = bounded_fit(&a, &[3.0, 5.0], &[0.0, 0.0]).unwrap();
        assert_eq!(x[1], 0.0);
        assert!((x[0] - 4.0).abs() < 1e-12);
    }

    /// The shipped presets are what `cimsim baseline fit` gives on the shipped CSVs.
    #[test]
    fn shipped_presets_are_reproducible_fits() {
        for (name, text) in super::super::SHIPPED_MEASUREMENTS {
            let dev = sim::device::load_device(name, &[]).unwrap();
            let points = super::super::measurements::parse_measurements(text, name).unwrap();
            let fitted = fit_device(&dev, &points).unwrap();
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1e-9);
            let (f, d) = (&fitted.decode, &dev.decode);
            assert!(
                close(f.per_token_kcycles, d.per_token_kcycles)
                    && close(f.per_layer_kcycles, d.per_layer_kcycles)
                    && close(f.bandwidth_efficiency, d.bandwidth_efficiency),
                "{name}: preset {d:?}, refit {f:?}"
            );
            let (f, d) = (&fitted.power, &dev.power);
            assert!(
                close(f.chip_static_w, d.chip_static_w)
                    && close(f.chip_clocked_w_at_ref, d.chip_clocked_w_at_ref)
                    && close(f.chip_nj_per_byte_at_ref, d.chip_nj_per_byte_at_ref)
                    && close(f.clock_exponent, d.clock_exponent),
                "{name}: preset {d:?}, refit {f:?}"
            );
        }
    }
}
