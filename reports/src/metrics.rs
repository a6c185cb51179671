//! The metric set: every headline figure a run reports, defined once — its key (the JSON key of
//! `cimsim simulate --json`, the CSV column of sweeps, the name objectives, constraints and plot
//! axes use), what it covers, its unit and whether larger is better. The table, JSON, CSV,
//! sweep objectives, plot axes and the README's metric list all read this table.
//!
//! What the phases are: a run is a prefill of P prompt tokens (which also emits the first
//! generated token) and G-1 decode steps, for B sequences at once.
//! - `decode_*` cover the decode steps only; a run with one generated token has none, and its
//!   decode metrics are absent (not 0), so it cannot enter a decode front.
//! - `prefill_*` and `ttft_s` cover the prefill.
//! - `e2e_*` cover the whole run.
//! - Energy comes in two scopes: **system** (`energy_j`, `*_j_per_token`, `*_tokens_per_j`,
//!   `power_w`): everything, DRAM and its I/O included; **chip** (`chip_*`): the accelerator
//!   die only (compute, buffers, on-chip interconnect, leakage). Breakdown components whose
//!   name starts with `dram` are off-chip; for a measured device baseline the whole module is
//!   one component and chip energy equals system energy.
//!
//! A new metric is one row here plus the field that carries it in [`crate::RunRecord`]; a test
//! holds the two together.

/// Whether a larger or a smaller value of a metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Larger,
    Smaller,
}

/// One headline metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    /// JSON key and CSV column.
    pub key: &'static str,
    /// Short human label for tables and plot axes (without unit).
    pub label: &'static str,
    /// One line on what it covers.
    pub covers: &'static str,
    pub better: Better,
    /// Absent when the run has no decode step.
    pub decode_only: bool,
}

const fn m(
    key: &'static str,
    label: &'static str,
    covers: &'static str,
    better: Better,
    decode_only: bool,
) -> Metric {
    Metric {
        key,
        label,
        covers,
        better,
        decode_only,
    }
}

use Better::{Larger, Smaller};

/// Every headline metric, in output order.
pub const METRICS: &[Metric] = &[
    m(
        "decode_s_per_token",
        "Decode latency",
        "mean time of one decode step (one token for each of the B sequences)",
        Smaller,
        true,
    ),
    m(
        "decode_tokens_per_s",
        "Decode throughput",
        "decode steps x B / decode time",
        Larger,
        true,
    ),
    m(
        "decode_j_per_token",
        "Decode energy",
        "system energy of the decode steps / (decode steps x B)",
        Smaller,
        true,
    ),
    m(
        "decode_tokens_per_j",
        "Decode efficiency",
        "1 / decode_j_per_token",
        Larger,
        true,
    ),
    m(
        "decode_chip_j_per_token",
        "Decode chip energy",
        "chip energy of the decode steps / (decode steps x B)",
        Smaller,
        true,
    ),
    m(
        "decode_chip_tokens_per_j",
        "Decode chip efficiency",
        "1 / decode_chip_j_per_token",
        Larger,
        true,
    ),
    m(
        "ttft_s",
        "Time to first token",
        "the prefill, which also emits the first generated token",
        Smaller,
        false,
    ),
    m(
        "prefill_tokens_per_s",
        "Prefill throughput",
        "P x B / ttft_s",
        Larger,
        false,
    ),
    m(
        "prefill_j_per_token",
        "Prefill energy",
        "system energy of the prefill / (P x B)",
        Smaller,
        false,
    ),
    m(
        "e2e_tokens_per_s",
        "End-to-end throughput",
        "G x B / simulated_s (prefill and decode)",
        Larger,
        false,
    ),
    m(
        "e2e_j_per_token",
        "End-to-end energy",
        "energy_j / (G x B)",
        Smaller,
        false,
    ),
    m(
        "e2e_tokens_per_j",
        "End-to-end efficiency",
        "G x B / energy_j",
        Larger,
        false,
    ),
    m(
        "simulated_s",
        "Simulated time",
        "prefill + decode time",
        Smaller,
        false,
    ),
    m(
        "energy_j",
        "System energy",
        "the whole run, chip and DRAM",
        Smaller,
        false,
    ),
    m(
        "chip_energy_j",
        "Chip energy",
        "the whole run, accelerator die only",
        Smaller,
        false,
    ),
    m(
        "power_w",
        "Power",
        "energy_j / simulated_s: average system power",
        Smaller,
        false,
    ),
    m(
        "chip_power_w",
        "Chip power",
        "chip_energy_j / simulated_s: average chip power",
        Smaller,
        false,
    ),
    m(
        "area_mm2",
        "Area",
        "chip area, every on-chip store and unit included",
        Smaller,
        false,
    ),
];

/// The headline metric named `key`, if it is one.
pub fn metric(key: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.key == key)
}

/// Keys an earlier version used, with what replaces them (recorded in CHANGELOG.md), so an old
/// sweep spec or plot command gets a pointer instead of only "unknown metric".
pub const RENAMED: &[(&str, &str)] = &[
    ("tokens_per_s", "`decode_tokens_per_s` (decode steps only, as before)"),
    (
        "tokens_per_j",
        "`e2e_tokens_per_j` (the whole run, as before) or `decode_tokens_per_j` (decode steps only)",
    ),
    (
        "energy_j_per_token",
        "`e2e_j_per_token` (the whole run, as before) or `decode_j_per_token` (decode steps only)",
    ),
];

/// `" (renamed: use ...; see CHANGELOG.md)"` for a key an earlier version used, else empty.
pub fn renamed_hint(key: &str) -> String {
    RENAMED
        .iter()
        .find(|(old, _)| *old == key)
        .map(|(_, new)| format!(" (renamed: use {new}; see CHANGELOG.md)"))
        .unwrap_or_default()
}

/// Whether an energy breakdown component is off-chip (system scope only).
pub fn is_off_chip_component(component: &str) -> bool {
    component.starts_with("dram")
}

/// Whether larger values of any numeric record column are better: the table for headline
/// metrics, else by name (`*tokens_per_*`, `*_utilization`, `peak_*` and `*_gbps` are rates and
/// shares; times, energies, bytes and areas are costs). Breakdown keys
/// (`energy_breakdown_j.dram`) are costs.
pub fn larger_is_better(key: &str) -> bool {
    if let Some(m) = metric(key) {
        return m.better == Larger;
    }
    let key = key.split('.').next().unwrap_or(key);
    key.contains("tokens_per_")
        || key.ends_with("_utilization")
        || key.starts_with("peak_")
        || key.ends_with("_gbps")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_directions_follow_the_names() {
        for (i, a) in METRICS.iter().enumerate() {
            assert!(METRICS[i + 1..].iter().all(|b| b.key != a.key), "{}", a.key);
            // The name rule and the table agree, so an unlisted metric of the same shape gets
            // the same direction.
            let by_name = a.key.contains("tokens_per_");
            assert_eq!(a.better == Larger, by_name, "{}", a.key);
            assert_eq!(a.decode_only, a.key.starts_with("decode_"), "{}", a.key);
        }
        assert!(larger_is_better("decode_tokens_per_s"));
        assert!(!larger_is_better("decode_j_per_token"));
        assert!(larger_is_better("macro_utilization"));
        assert!(!larger_is_better("energy_breakdown_j.dram"));
        assert!(is_off_chip_component("dram_io") && !is_off_chip_component("buffer"));
    }
}
