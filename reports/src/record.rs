//! The result of one simulated run, with stable key names (they are the JSON keys of
//! `cimsim simulate --json` and the CSV columns of sweeps).

use serde::Serialize;
use std::collections::BTreeMap;

/// One simulated run. Field order is the output order; names carry units. The headline
/// metrics (what each covers, which way is better) are defined in [`crate::metrics::METRICS`];
/// the `decode_*` ones are `None` (absent from JSON, empty in CSV) when the run has no decode
/// step.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RunRecord {
    pub model: String,
    pub config: String,
    pub mapping: String,
    /// Other mapping strategies that plan this run exactly as `mapping` does (the same
    /// Programs, so the same figures); empty when none.
    pub same_plan_as: Vec<String>,
    pub fidelity: String,
    /// Weight precision, `int4` or `int8`.
    pub weights: String,
    pub prompt_tokens: u64,
    pub generated_tokens: u64,
    pub batch: u64,
    /// G - 1: the first generated token comes out of the prefill.
    pub decode_steps: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_s_per_token: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_tokens_per_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_j_per_token: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_tokens_per_j: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_chip_j_per_token: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_chip_tokens_per_j: Option<f64>,
    /// Time to first token: the prefill phase, which also emits the first token.
    pub ttft_s: f64,
    pub prefill_tokens_per_s: f64,
    pub prefill_j_per_token: f64,
    pub e2e_tokens_per_s: f64,
    pub e2e_j_per_token: f64,
    pub e2e_tokens_per_j: f64,
    /// Prefill + decode time.
    pub simulated_s: f64,
    /// System energy of the whole run (chip + DRAM).
    pub energy_j: f64,
    /// Energy of the accelerator die alone (every breakdown component not starting with `dram`).
    pub chip_energy_j: f64,
    pub prefill_energy_j: f64,
    pub decode_energy_j: f64,
    /// energy_j / simulated_s.
    pub power_w: f64,
    /// chip_energy_j / simulated_s.
    pub chip_power_w: f64,
    pub macs: u64,
    /// Bytes read from DRAM as the DRAM model moved them (whole bursts).
    pub dram_read_bytes: u64,
    /// Bytes written to DRAM as the DRAM model moved them (whole bursts).
    pub dram_write_bytes: u64,
    /// Bytes the mapping asked to read (before rounding to bursts).
    pub dram_read_bytes_requested: u64,
    /// Bytes the mapping asked to write (before rounding to bursts).
    pub dram_write_bytes_requested: u64,
    /// DRAM bytes read during the decode steps (whole bursts).
    pub decode_dram_read_bytes: u64,
    pub dram_activates: u64,
    pub dram_row_hits: u64,
    pub dram_refreshes: u64,
    pub dram_peak_bandwidth_gbps: f64,
    /// Peak MAC rate of the chip: the macros plus the vector unit (which runs attention).
    pub peak_macs_per_s: f64,
    /// MACs done on the macros / (the macros' peak MAC rate x simulated time).
    pub macro_utilization: f64,
    pub area_mm2: f64,
    /// DRAM energy (every `dram_*` term) per bit moved (read + written), pJ.
    #[serde(default)]
    pub dram_energy_pj_per_bit: f64,
    /// The DRAM interface's PHY area on the accelerator (`dram::phy_estimate`), mm²; not
    /// included in `area_mm2`.
    #[serde(default)]
    pub dram_phy_area_mm2: f64,
    /// What limits decode: `dram`, `compute`, `write`, `vector`, ...; absent without decode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound: Option<String>,
    /// What limits the prefill.
    pub prefill_bound: String,
    pub energy_breakdown_j: BTreeMap<String, f64>,
    pub time_breakdown_s: BTreeMap<String, f64>,
    /// Share of the decode time the DRAM had a transfer in flight; absent without decode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_dram_busy_fraction: Option<f64>,
    /// Per decode step (mean), the time the DRAM had nothing in flight, by what it waited for:
    /// `buffer_full`, `macros_computing`, `vector_work`, `op_boundary`, `step_boundary`
    /// (`sim::engine::DRAM_IDLE_CAUSES`). Empty (absent from JSON) without decode, and at the
    /// `analytic` fidelity, whose closed form does not attribute idle time.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub decode_dram_idle_s_per_step: BTreeMap<String, f64>,
    /// Per decode step (mean), the time refreshes blocked the DRAM, averaged over its ranks
    /// (refreshes x tRFC / ranks, in busy or idle time alike); absent without a DRAM command
    /// model (`analytic`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_dram_refresh_s_per_step: Option<f64>,
}

impl RunRecord {
    /// The scalar fields as (key, formatted value) pairs in output order, for tables and CSV.
    /// Breakdowns are flattened as `energy_breakdown_j.<component>`.
    pub fn flat_fields(&self) -> Vec<(String, String)> {
        let value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        let mut out = Vec::new();
        if let serde_json::Value::Object(map) = value {
            flatten("", &map, &mut out);
        }
        out
    }
}

fn flatten(
    prefix: &str,
    map: &serde_json::Map<String, serde_json::Value>,
    out: &mut Vec<(String, String)>,
) {
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            serde_json::Value::Object(inner) => flatten(&key, inner, out),
            serde_json::Value::String(s) => out.push((key, s.clone())),
            other => out.push((key, other.to_string())),
        }
    }
}

#[cfg(test)]
pub(crate) fn sample() -> RunRecord {
    RunRecord {
        model: "m".into(),
        config: "c".into(),
        mapping: "balanced-pipeline".into(),
        same_plan_as: Vec::new(),
        fidelity: "cycle".into(),
        weights: "int4".into(),
        prompt_tokens: 4,
        generated_tokens: 3,
        batch: 1,
        decode_steps: 2,
        decode_s_per_token: Some(2e-4),
        decode_tokens_per_s: Some(5000.0),
        decode_j_per_token: Some(0.1),
        decode_tokens_per_j: Some(10.0),
        decode_chip_j_per_token: Some(0.02),
        decode_chip_tokens_per_j: Some(50.0),
        ttft_s: 1e-3,
        prefill_tokens_per_s: 4000.0,
        prefill_j_per_token: 0.075,
        e2e_tokens_per_s: 3.0 / 1.4e-3,
        e2e_j_per_token: 0.5 / 3.0,
        e2e_tokens_per_j: 6.0,
        simulated_s: 1.4e-3,
        energy_j: 0.5,
        chip_energy_j: 0.1,
        prefill_energy_j: 0.3,
        decode_energy_j: 0.2,
        power_w: 0.5 / 1.4e-3,
        chip_power_w: 0.1 / 1.4e-3,
        macs: 1000,
        dram_read_bytes: 640,
        dram_write_bytes: 64,
        dram_read_bytes_requested: 600,
        dram_write_bytes_requested: 10,
        decode_dram_read_bytes: 320,
        dram_activates: 3,
        dram_row_hits: 7,
        dram_refreshes: 0,
        dram_peak_bandwidth_gbps: 102.4,
        peak_macs_per_s: 1e12,
        macro_utilization: 0.25,
        area_mm2: 50.0,
        dram_energy_pj_per_bit: 5.0,
        dram_phy_area_mm2: 1.28,
        bound: Some("dram".into()),
        prefill_bound: "compute".into(),
        energy_breakdown_j: [
            ("dram".to_string(), 0.4),
            ("macro_compute".to_string(), 0.1),
        ]
        .into_iter()
        .collect(),
        time_breakdown_s: [("dram".to_string(), 1.0e-3)].into_iter().collect(),
        decode_dram_busy_fraction: Some(0.8),
        decode_dram_idle_s_per_step: [("vector_work".to_string(), 4.0e-5)].into_iter().collect(),
        decode_dram_refresh_s_per_step: Some(1.0e-5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_fields_keep_order_and_flatten_breakdowns() {
        let fields = sample().flat_fields();
        assert_eq!(fields[0], ("model".to_string(), "m".to_string()));
        let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"energy_breakdown_j.dram"));
        assert!(keys.contains(&"time_breakdown_s.dram"));
        let pos = |k: &str| keys.iter().position(|x| *x == k);
        assert!(pos("ttft_s") < pos("energy_j"));
    }

    #[test]
    fn every_headline_metric_is_a_record_field_and_decode_ones_vanish_without_decode() {
        let keys: Vec<String> = sample().flat_fields().into_iter().map(|(k, _)| k).collect();
        for m in crate::metrics::METRICS {
            assert!(
                keys.iter().any(|k| k == m.key),
                "{} is not a record field",
                m.key
            );
        }
        let mut none = sample();
        none.decode_steps = 0;
        none.decode_s_per_token = None;
        none.decode_tokens_per_s = None;
        none.decode_j_per_token = None;
        none.decode_tokens_per_j = None;
        none.decode_chip_j_per_token = None;
        none.decode_chip_tokens_per_j = None;
        none.bound = None;
        let keys: Vec<String> = none.flat_fields().into_iter().map(|(k, _)| k).collect();
        for m in crate::metrics::METRICS.iter().filter(|m| m.decode_only) {
            assert!(
                !keys.iter().any(|k| k == m.key),
                "{} present without decode",
                m.key
            );
        }
        assert!(!keys.iter().any(|k| k == "bound"));
    }
}
