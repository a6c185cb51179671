//! Per-phase figures shared by every fidelity, and linear combinations of them (what sampling
//! uses to interpolate and extrapolate timing and energy).

use sim::engine::PhaseStats;
use std::collections::BTreeMap;

/// One phase (prefill or one decode step): time, energy, busy time, DRAM counters.
#[derive(Debug, Clone, Default)]
pub struct PhaseFigures {
    pub time_s: f64,
    pub energy_pj: BTreeMap<String, f64>,
    pub busy_s: BTreeMap<String, f64>,
    /// DRAM idle time by cause (see `sim::engine::DRAM_IDLE_CAUSES`); empty where the fidelity
    /// does not attribute it (`analytic`'s closed form).
    pub dram_idle_s: BTreeMap<String, f64>,
    /// Time refreshes blocked the DRAM, averaged over its ranks (0 without a DRAM command model).
    pub dram_refresh_s: f64,
    pub macs: u64,
    /// Whole bursts moved.
    pub read_bytes: u64,
    pub write_bytes: u64,
    /// Bytes the mapping asked for.
    pub read_requested: u64,
    pub write_requested: u64,
    pub activates: f64,
    pub row_hits: f64,
    pub refreshes: f64,
}

impl PhaseFigures {
    pub fn from_engine(s: &PhaseStats) -> Self {
        PhaseFigures {
            time_s: s.time_ps as f64 * 1e-12,
            energy_pj: s.energy_pj.clone(),
            busy_s: s
                .busy_ps
                .iter()
                .map(|(k, v)| (k.clone(), *v as f64 * 1e-12))
                .collect(),
            dram_idle_s: s
                .dram_idle_ps
                .iter()
                .map(|(k, v)| (k.clone(), *v as f64 * 1e-12))
                .collect(),
            dram_refresh_s: s.dram_refresh_ps as f64 * 1e-12,
            macs: s.macs,
            read_bytes: s.dram_read_burst_bytes,
            write_bytes: s.dram_write_burst_bytes,
            read_requested: s.dram_read_bytes,
            write_requested: s.dram_write_bytes,
            activates: s.dram_activates as f64,
            row_hits: s.dram_row_hits as f64,
            refreshes: s.dram_refreshes as f64,
        }
    }

    /// The figures of an `analytic` phase (every byte asked for is a whole burst there).
    pub fn from_analytic(a: mappings::AnalyticPhase) -> Self {
        PhaseFigures {
            time_s: a.time_s,
            energy_pj: a.energy_pj,
            busy_s: a.busy_s,
            macs: a.macs,
            read_bytes: a.dram_read_bytes,
            write_bytes: a.dram_write_bytes,
            read_requested: a.dram_read_bytes,
            write_requested: a.dram_write_bytes,
            ..PhaseFigures::default()
        }
    }

    pub fn add(&mut self, o: &PhaseFigures) {
        self.time_s += o.time_s;
        for (k, v) in &o.energy_pj {
            *self.energy_pj.entry(k.clone()).or_insert(0.0) += v;
        }
        for (k, v) in &o.busy_s {
            *self.busy_s.entry(k.clone()).or_insert(0.0) += v;
        }
        for (k, v) in &o.dram_idle_s {
            *self.dram_idle_s.entry(k.clone()).or_insert(0.0) += v;
        }
        self.dram_refresh_s += o.dram_refresh_s;
        self.macs += o.macs;
        self.read_bytes += o.read_bytes;
        self.write_bytes += o.write_bytes;
        self.read_requested += o.read_requested;
        self.write_requested += o.write_requested;
        self.activates += o.activates;
        self.row_hits += o.row_hits;
        self.refreshes += o.refreshes;
    }

    /// Σ wᵢ·figuresᵢ over the timing, energy and DRAM-event figures, each clamped at 0 (an
    /// extrapolation must never report negative time or energy). Counts (MACs, bytes) are left
    /// at 0: callers set them exactly.
    pub fn linear(terms: &[(f64, &PhaseFigures)]) -> PhaseFigures {
        let mut out = PhaseFigures::default();
        let scalar =
            |f: fn(&PhaseFigures) -> f64| terms.iter().map(|(w, p)| w * f(p)).sum::<f64>().max(0.0);
        out.time_s = scalar(|p| p.time_s);
        out.activates = scalar(|p| p.activates);
        out.row_hits = scalar(|p| p.row_hits);
        out.refreshes = scalar(|p| p.refreshes);
        out.dram_refresh_s = scalar(|p| p.dram_refresh_s);
        let map = |get: fn(&PhaseFigures) -> &BTreeMap<String, f64>| {
            let mut keys: Vec<&String> = terms.iter().flat_map(|(_, p)| get(p).keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .map(|k| {
                    let v: f64 = terms
                        .iter()
                        .map(|(w, p)| w * get(p).get(k).copied().unwrap_or(0.0))
                        .sum();
                    (k.clone(), v.max(0.0))
                })
                .collect::<BTreeMap<String, f64>>()
        };
        out.energy_pj = map(|p| &p.energy_pj);
        out.busy_s = map(|p| &p.busy_s);
        out.dram_idle_s = map(|p| &p.dram_idle_s);
        out
    }

    /// Linear interpolation between `a` (t = 0) and `b` (t = 1).
    pub fn lerp(a: &PhaseFigures, b: &PhaseFigures, t: f64) -> PhaseFigures {
        PhaseFigures::linear(&[(1.0 - t, a), (t, b)])
    }

    /// Copies the exact counts of `exact` into `self`.
    pub fn with_counts_of(mut self, exact: &Counts) -> PhaseFigures {
        self.macs = exact.macs;
        self.read_bytes = exact.read_bytes;
        self.write_bytes = exact.write_bytes;
        self.read_requested = exact.read_requested;
        self.write_requested = exact.write_requested;
        self
    }
}

/// The exact conserved counts of one phase, taken from its full Program.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub macs: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
    pub read_requested: u64,
    pub write_requested: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(time_s: f64, dram_pj: f64) -> PhaseFigures {
        PhaseFigures {
            time_s,
            energy_pj: [("dram".to_string(), dram_pj)].into_iter().collect(),
            activates: 10.0 * time_s,
            ..PhaseFigures::default()
        }
    }

    #[test]
    fn linear_combines_every_timing_figure() {
        let a = fig(1.0, 100.0);
        let b = fig(3.0, 300.0);
        let mid = PhaseFigures::lerp(&a, &b, 0.5);
        assert_eq!(mid.time_s, 2.0);
        assert_eq!(mid.energy_pj["dram"], 200.0);
        assert_eq!(mid.activates, 20.0);
        // Extrapolating four layers from one and two: A + 3 (B - A).
        let four = PhaseFigures::linear(&[(-2.0, &a), (3.0, &b)]);
        assert_eq!(four.time_s, 7.0);
        // Never negative.
        let neg = PhaseFigures::linear(&[(2.0, &a), (-1.0, &b)]);
        assert_eq!(neg.time_s, 0.0);
        assert_eq!(neg.energy_pj["dram"], 0.0);
    }
}
