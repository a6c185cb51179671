//! Decode steps of the `analytic` fidelity, sampled with a proven error bound.
//!
//! Only the KV length changes from one decode step to the next, and every figure of a step
//! (time, each energy and busy component) is a non-decreasing function of it: the closed form
//! (`mappings::analytic`) is built from `+`, `max`, `min` and `ceil` over durations and
//! energies that each grow with the KV length (attention MACs on the vector unit, KV reads from
//! DRAM). So for steps `a < j < b` every figure satisfies `f(a) ≤ f(j) ≤ f(b)`, and the sum of
//! the `m = b - a - 1` steps between them, estimated by linear interpolation as
//! `m (f(a) + f(b)) / 2`, is off by at most `m (f(b) - f(a)) / 2`.
//!
//! The run evaluates the first and the last step, then bisects the interval with the largest
//! bound until the bounds add up to at most [`ANALYTIC_STEP_TOLERANCE`] of the decode totals:
//! the time and every busy figure against the decode time, every energy component against the
//! decode energy. MACs and DRAM bytes are affine in the KV length and are interpolated exactly
//! (an interval across which they do not step evenly is bisected). `exact` evaluates every step;
//! `tests/analytic_steps.rs` checks the two agree within the bound and that the figures are
//! monotone, which is what the bound rests on.

use super::figures::PhaseFigures;
use std::collections::BTreeMap;

/// Largest error, as a fraction of the decode totals, that step sampling may introduce.
pub const ANALYTIC_STEP_TOLERANCE: f64 = 0.005;

/// How many decode steps were evaluated, and the guaranteed bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepSampling {
    pub steps: usize,
    pub evaluated: usize,
    /// The largest bound over the figures, as a fraction of its decode total (0 when exact).
    pub bound: f64,
}

/// One evaluated step: its figures and the same figures flattened in [`Keys`] order.
struct Known {
    step: usize,
    figures: PhaseFigures,
    flat: Vec<f64>,
}

/// The order of the flattened figures: time, then the busy keys, then the energy keys.
#[derive(Default)]
struct Keys {
    busy: Vec<String>,
    energy: Vec<String>,
}

impl Keys {
    fn flat(&self, f: &PhaseFigures) -> Vec<f64> {
        let get = |m: &BTreeMap<String, f64>, k: &String| m.get(k).copied().unwrap_or(0.0);
        std::iter::once(f.time_s)
            .chain(self.busy.iter().map(|k| get(&f.busy_s, k)))
            .chain(self.energy.iter().map(|k| get(&f.energy_pj, k)))
            .collect()
    }
}

/// The evaluated steps in step order, flattened with one key list.
#[derive(Default)]
struct Samples {
    keys: Keys,
    known: Vec<Known>,
}

impl Samples {
    fn add(&mut self, step: usize, figures: PhaseFigures) {
        let mut widened = false;
        for k in figures.busy_s.keys() {
            if !self.keys.busy.contains(k) {
                self.keys.busy.push(k.clone());
                widened = true;
            }
        }
        for k in figures.energy_pj.keys() {
            if !self.keys.energy.contains(k) {
                self.keys.energy.push(k.clone());
                widened = true;
            }
        }
        if widened {
            for k in &mut self.known {
                k.flat = self.keys.flat(&k.figures);
            }
        }
        let flat = self.keys.flat(&figures);
        let at = self.known.partition_point(|k| k.step < step);
        self.known.insert(
            at,
            Known {
                step,
                figures,
                flat,
            },
        );
    }
}

/// The sum of the figures of `n` decode steps; `eval(i)` evaluates step `i` exactly. With
/// `exact` every step is evaluated; otherwise only as many as the bound needs.
pub fn sample_steps<E>(
    n: usize,
    exact: bool,
    mut eval: impl FnMut(usize) -> Result<PhaseFigures, E>,
) -> Result<(PhaseFigures, StepSampling), E> {
    let mut samples = Samples::default();
    let all = exact || n <= 2;
    let first: Vec<usize> = if all {
        (0..n).collect()
    } else {
        vec![0, n - 1]
    };
    for i in first {
        samples.add(i, eval(i)?);
    }
    let mut bound = 0.0;
    if !all {
        loop {
            let known = &samples.known;
            // An interval across which the counts do not step evenly is bisected first.
            let uneven = known
                .windows(2)
                .position(|w| !counts_step_evenly(&w[0], &w[1]));
            let (worst, b) = worst_interval(known, 1 + samples.keys.busy.len());
            bound = b;
            let split = match (uneven, worst) {
                (Some(i), _) => i,
                (None, Some(i)) if b > ANALYTIC_STEP_TOLERANCE => i,
                _ => break,
            };
            let mid = (known[split].step + known[split + 1].step) / 2;
            samples.add(mid, eval(mid)?);
        }
    }
    let known = &samples.known;
    // Σ over the steps: each evaluated step once, plus half of each neighbouring interval's
    // interior (the interpolated interior of an interval sums to m (f(a) + f(b)) / 2).
    let mut terms: Vec<(f64, &PhaseFigures)> = Vec::with_capacity(known.len());
    let mut counts = [0u64; 5];
    for (i, k) in known.iter().enumerate() {
        let left = if i > 0 {
            k.step - known[i - 1].step - 1
        } else {
            0
        };
        let right = known.get(i + 1).map_or(0, |r| r.step - k.step - 1);
        terms.push((1.0 + (left + right) as f64 / 2.0, &k.figures));
        for (c, v) in counts.iter_mut().zip(counts_of(&k.figures)) {
            *c = c.saturating_add(v);
        }
        if let Some(r) = known.get(i + 1) {
            for ((c, a), b) in counts
                .iter_mut()
                .zip(counts_of(&k.figures))
                .zip(counts_of(&r.figures))
            {
                *c = c.saturating_add(interior_sum(a, b, r.step - k.step));
            }
        }
    }
    let mut total = if all {
        // Every step evaluated: the plain sum, in step order.
        let mut t = PhaseFigures::default();
        for k in known {
            t.add(&k.figures);
        }
        t
    } else {
        PhaseFigures::linear(&terms)
    };
    [
        total.macs,
        total.read_bytes,
        total.write_bytes,
        total.read_requested,
        total.write_requested,
    ] = counts;
    Ok((
        total,
        StepSampling {
            steps: n,
            evaluated: known.len(),
            bound,
        },
    ))
}

/// Σ over the `len - 1` steps strictly between `a` (at 0) and `b` (at `len`) of a count that
/// steps evenly from `a` to `b`: `(len - 1) a + slope len (len - 1) / 2`.
fn interior_sum(a: u64, b: u64, len: usize) -> u64 {
    let len = len as u128;
    if len <= 1 {
        return 0;
    }
    let m = len - 1;
    let base = u128::from(a) * m;
    let ramp = u128::from(a.abs_diff(b)) / len * (m * (m + 1) / 2);
    let v = if b >= a { base + ramp } else { base - ramp };
    u64::try_from(v).unwrap_or(u64::MAX)
}

fn counts_of(f: &PhaseFigures) -> [u64; 5] {
    [
        f.macs,
        f.read_bytes,
        f.write_bytes,
        f.read_requested,
        f.write_requested,
    ]
}

/// Whether every count changes by a multiple of the distance between two evaluated steps.
fn counts_step_evenly(a: &Known, b: &Known) -> bool {
    let len = (b.step - a.step) as u64;
    len <= 1
        || counts_of(&a.figures)
            .iter()
            .zip(counts_of(&b.figures))
            .all(|(x, y)| x.abs_diff(y) % len == 0)
}

/// The interval contributing most to the worst figure's bound, and that largest bound as a
/// fraction of its total. Figures `0..time_like` (time and busy) are measured against the
/// decode time, the rest (energy) against the decode energy.
fn worst_interval(known: &[Known], time_like: usize) -> (Option<usize>, f64) {
    // Lower bounds of the totals: each evaluated step, plus each interior at its lower end.
    let (mut time_total, mut energy_total) = (0.0, 0.0);
    let energy = |k: &Known| k.flat[time_like..].iter().sum::<f64>();
    for (i, k) in known.iter().enumerate() {
        time_total += k.flat[0];
        energy_total += energy(k);
        if let Some(r) = known.get(i + 1) {
            let m = (r.step - k.step - 1) as f64;
            time_total += m * k.flat[0].min(r.flat[0]);
            energy_total += m * energy(k).min(energy(r));
        }
    }
    let figures = known.first().map_or(0, |k| k.flat.len());
    let mut per_interval = vec![0.0f64; known.len().saturating_sub(1)];
    let mut bound = 0.0f64;
    for f in 0..figures {
        let total = if f < time_like {
            time_total
        } else {
            energy_total
        };
        if total <= 0.0 {
            continue;
        }
        let mut sum = 0.0;
        for (i, w) in known.windows(2).enumerate() {
            let m = (w[1].step - w[0].step - 1) as f64;
            let share = m * (w[1].flat[f] - w[0].flat[f]).abs() / 2.0 / total;
            per_interval[i] = per_interval[i].max(share);
            sum += share;
        }
        bound = bound.max(sum);
    }
    let worst = per_interval
        .iter()
        .enumerate()
        .filter(|(i, _)| known[i + 1].step - known[*i].step > 1)
        .max_by(|x, y| x.1.total_cmp(y.1))
        .map(|(i, _)| i);
    (worst, bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(time_s: f64, macs: u64) -> PhaseFigures {
        PhaseFigures {
            time_s,
            energy_pj: [("dram".to_string(), time_s * 10.0)].into_iter().collect(),
            macs,
            read_bytes: macs * 2,
            ..PhaseFigures::default()
        }
    }

    #[test]
    fn an_affine_sequence_needs_only_its_ends_and_is_reproduced() {
        let mut calls = 0;
        let (total, s) = sample_steps::<()>(101, false, |i| {
            calls += 1;
            Ok(fig(1.0 + i as f64 * 1e-6, 1000 + 7 * i as u64))
        })
        .unwrap();
        assert_eq!((calls, s.evaluated, s.steps), (2, 2, 101));
        let macs: u64 = (0..101).map(|i| 1000 + 7 * i).sum();
        assert_eq!((total.macs, total.read_bytes), (macs, 2 * macs));
        let time: f64 = (0..101).map(|i| 1.0 + i as f64 * 1e-6).sum();
        assert!(
            (total.time_s - time).abs() < 1e-9,
            "{} vs {time}",
            total.time_s
        );
        assert!((total.energy_pj["dram"] - 10.0 * time).abs() < 1e-8);
    }

    #[test]
    fn a_steep_sequence_is_bisected_until_the_bound_holds() {
        // Time doubles across the range: a step function at the middle.
        let f = |i: usize| if i < 50 { 1.0 } else { 2.0 };
        let (total, s) = sample_steps::<()>(100, false, |i| Ok(fig(f(i), 5))).unwrap();
        assert!(s.bound <= ANALYTIC_STEP_TOLERANCE, "{s:?}");
        assert!(s.evaluated < 100, "{s:?}");
        let exact: f64 = (0..100).map(f).sum();
        assert!(
            (total.time_s - exact).abs() <= s.bound * exact + 1e-12,
            "{} vs {exact}",
            total.time_s
        );
        assert_eq!(total.macs, 500);
    }

    #[test]
    fn uneven_counts_force_evaluation() {
        // MACs jump by 1 at step 3 only: not affine, so the intervals around it are split
        // down to evaluated neighbours and the count is exact.
        let m = |i: usize| 100 + u64::from(i >= 3);
        let (total, _) = sample_steps::<()>(9, false, |i| Ok(fig(1.0, m(i)))).unwrap();
        assert_eq!(total.macs, (0..9).map(m).sum::<u64>());
    }

    #[test]
    fn exact_evaluates_every_step() {
        let mut calls = 0;
        let (total, s) = sample_steps::<()>(7, true, |i| {
            calls += 1;
            Ok(fig(i as f64, 1))
        })
        .unwrap();
        assert_eq!((calls, s.evaluated, s.steps), (7, 7, 7));
        assert_eq!((total.time_s, total.macs), (21.0, 7));
        assert_eq!(s.bound, 0.0);
    }

    #[test]
    fn interior_sums_are_exact() {
        for (a, b, len) in [
            (10u64, 10u64, 5usize),
            (3, 27, 8),
            (27, 3, 8),
            (0, 6, 2),
            (5, 9, 1),
        ] {
            let slope = (b as i64 - a as i64) / len as i64;
            let want: i64 = (1..len as i64).map(|j| a as i64 + slope * j).sum();
            assert_eq!(interior_sum(a, b, len) as i64, want, "{a} {b} {len}");
        }
    }
}
