//! The metric columns of a sweep: every field of [`reports::RunRecord`] flattened as
//! `cimsim simulate --json` names it (breakdowns as `energy_breakdown_j.<component>`). The
//! column set is fixed, not taken from the first
//! finished run, so every shard and every resumed run writes the same header.

use reports::RunRecord;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

/// Energy components any fidelity reports (CIM engine, analytic model, roofline device).
pub const ENERGY_COMPONENTS: &[&str] = &[
    "attention",
    "buffer",
    "device",
    "dram_act_pre",
    "dram_background",
    "dram_io",
    "dram_read_write",
    "dram_refresh",
    "interconnect",
    "leakage",
    "macro_compute",
    "macro_write",
    "vector",
];

/// Busy-time components any fidelity reports.
pub const TIME_COMPONENTS: &[&str] = &[
    "attention",
    "compute",
    "dram",
    "interconnect",
    "macro_compute",
    "macro_write",
    "vector",
];

/// A record with every field and every breakdown component, to read the flattened key list from.
fn template() -> RunRecord {
    let breakdown = |names: &[&str]| -> BTreeMap<String, f64> {
        names.iter().map(|n| (n.to_string(), 0.0)).collect()
    };
    // Every optional metric present, so each has its column.
    RunRecord {
        decode_s_per_token: Some(0.0),
        decode_tokens_per_s: Some(0.0),
        decode_j_per_token: Some(0.0),
        decode_tokens_per_j: Some(0.0),
        decode_chip_j_per_token: Some(0.0),
        decode_chip_tokens_per_j: Some(0.0),
        bound: Some(String::new()),
        same_plan_as: vec![String::new()],
        energy_breakdown_j: breakdown(ENERGY_COMPONENTS),
        time_breakdown_s: breakdown(TIME_COMPONENTS),
        decode_dram_busy_fraction: Some(0.0),
        decode_dram_idle_s_per_step: breakdown(&sim::engine::DRAM_IDLE_CAUSES),
        decode_dram_refresh_s_per_step: Some(0.0),
        ..RunRecord::default()
    }
}

struct Keys {
    /// Every flattened record key, in output order.
    all: Vec<String>,
    /// The numeric ones: what constraints and objectives may name.
    numeric: Vec<String>,
    /// `all` as a set, to check each run's fields without a scan per field.
    all_set: HashSet<String>,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let fields = template().flat_fields();
        let numeric = fields
            .iter()
            .filter(|(_, v)| v.parse::<f64>().is_ok())
            .map(|(k, _)| k.clone())
            .collect();
        let all: Vec<String> = fields.into_iter().map(|(k, _)| k).collect();
        Keys {
            all_set: all.iter().cloned().collect(),
            all,
            numeric,
        }
    })
}

/// Every flattened record key (`model`, `config`, ..., `time_breakdown_s.vector`).
pub fn record_keys() -> &'static [String] {
    &keys().all
}

/// Metric names constraints and objectives may use.
pub fn metric_names() -> &'static [String] {
    &keys().numeric
}

pub fn is_metric(name: &str) -> bool {
    metric_names().iter().any(|m| m == name)
}

/// The record's flattened values as (column, value); a metric the run does not have (decode
/// figures without decode steps) has no pair, so its cell stays empty. Errors name a
/// breakdown component that has no column (the fixed lists above must then be extended).
pub fn record_values(record: &RunRecord) -> Result<Vec<(String, String)>, String> {
    let out = record.flat_fields();
    if let Some((k, _)) = out.iter().find(|(k, _)| !keys().all_set.contains(k)) {
        return Err(format!("internal: result field `{k}` has no sweep column"));
    }
    Ok(out)
}

/// Shortest text that parses back to the same f64 (as `simulate --json` writes numbers).
pub fn format_f64(x: f64) -> String {
    serde_json::Value::from(x).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_are_the_numeric_record_fields_and_power() {
        assert!(is_metric("decode_s_per_token"));
        assert!(is_metric("decode_j_per_token"));
        assert!(is_metric("decode_tokens_per_s"));
        assert!(!is_metric("energy_j_per_token"));
        assert!(is_metric("area_mm2"));
        assert!(is_metric("power_w"));
        assert!(is_metric("energy_breakdown_j.dram_io"));
        assert!(!is_metric("model"));
        assert!(!is_metric("bound"));
        assert!(!is_metric("area"));
        assert_eq!(record_keys()[0], "model");
    }

    #[test]
    fn floats_round_trip_through_their_text() {
        for x in [0.1, 1.0 / 3.0, 6.02e23, 1e-300, 0.0] {
            assert_eq!(format_f64(x).parse::<f64>().ok(), Some(x));
        }
    }
}
