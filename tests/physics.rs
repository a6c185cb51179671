//! The physics every run must obey (design.md), as property tests over random configurations:
//! conservation of MACs and DRAM bytes, the bandwidth and compute bounds on decode throughput,
//! the DRAM energy floor, finiteness, and monotonicity in bandwidth and macro count.
//!
//! Cycle-level runs cost a fraction of a second each on the smallest model, so the case counts
//! are small; the analytic fidelity is checked over more cases.

use cimsim::run::{simulate, RunFidelity, RunOptions};
use mappings::expected_dram_traffic;
use proptest::prelude::*;
use reports::RunRecord;
use sim::config::{load_config, HardwareConfig};
use workloads::{phase_macs, shipped, workload_macs, Phase, Workload};

const CIM_PRESETS: [&str; 4] = [
    "edgecim-65nm",
    "edgecim-lpddr4",
    "cim-small-65nm",
    "cim-analog-65nm",
];
const MAPPINGS: [&str; 4] = [
    "sequential",
    "double-buffered",
    "balanced-pipeline",
    "resident",
];

#[derive(Debug, Clone)]
struct Case {
    preset: &'static str,
    mapping: &'static str,
    tiles: u32,
    channels: u32,
    freq_mhz: u32,
    dram_pj_per_bit: Option<u32>,
    prompt: u64,
    generate: u64,
    batch: u64,
    int8: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(&CIM_PRESETS[..]),
        prop::sample::select(&MAPPINGS[..]),
        1u32..=8,
        prop::sample::select(vec![1u32, 2, 4, 8]),
        100u32..=400,
        prop::option::of(2u32..=10),
        1u64..=12,
        2u64..=4,
        1u64..=2,
        any::<bool>(),
    )
        .prop_map(
            |(
                preset,
                mapping,
                tiles,
                channels,
                freq_mhz,
                dram_pj_per_bit,
                prompt,
                generate,
                batch,
                int8,
            )| Case {
                preset,
                mapping,
                tiles,
                channels,
                freq_mhz,
                dram_pj_per_bit,
                prompt,
                generate,
                batch,
                int8,
            },
        )
}

fn config(c: &Case) -> HardwareConfig {
    let mut sets = vec![
        format!("chip.tiles={}", c.tiles),
        format!("dram.channels={}", c.channels),
        format!("clock.freq_mhz={}", c.freq_mhz),
    ];
    if let Some(pj) = c.dram_pj_per_bit {
        sets.push(format!("dram.energy_pj_per_bit={pj}"));
    }
    load_config(c.preset, &sets).expect("valid random config")
}

fn options(c: &Case, fidelity: RunFidelity) -> RunOptions {
    RunOptions {
        prompt_tokens: c.prompt,
        generate_tokens: c.generate,
        batch: c.batch,
        weight_bits: Some(if c.int8 { 8 } else { 4 }),
        mapping: c.mapping.to_string(),
        fidelity,
        ..RunOptions::default()
    }
}

/// Checks every law on one run.
fn check_laws(c: &Case, cfg: &HardwareConfig, r: &RunRecord) {
    let card = shipped("smollm2-135m").expect("shipped");
    let w = Workload {
        prompt_tokens: c.prompt,
        generate_tokens: c.generate,
        batch: c.batch,
    };
    // Conservation: MACs exactly as counted; DRAM bytes exactly as the mapping must move them.
    assert_eq!(r.macs, workload_macs(&card, &w));
    let mut cfg_w = cfg.clone();
    cfg_w.cim_macro.weight_bits = if c.int8 { 8 } else { 4 };
    let traffic = expected_dram_traffic(&card, &cfg_w, &w, c.mapping).expect("traffic");
    assert_eq!(r.dram_read_bytes_requested, traffic.read_bytes());
    assert_eq!(r.dram_write_bytes_requested, traffic.write_bytes());
    // Whole bursts cover the requested bytes.
    assert!(r.dram_read_bytes >= r.dram_read_bytes_requested);
    assert!(r.dram_write_bytes >= r.dram_write_bytes_requested);

    // Everything finite and non-negative: every numeric field of the record.
    for (k, v) in r.flat_fields() {
        if let Ok(x) = v.parse::<f64>() {
            assert!(x.is_finite() && x >= 0.0, "{k} = {v}");
        }
    }
    // The metric set is consistent: power is energy over time, phases add up, the chip is a
    // part of the system, per-token figures are the totals over the tokens.
    let rel = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-30);
    assert!(
        rel(r.power_w * r.simulated_s, r.energy_j),
        "power x time != energy"
    );
    assert!(rel(r.chip_power_w * r.simulated_s, r.chip_energy_j));
    assert!(rel(r.prefill_energy_j + r.decode_energy_j, r.energy_j));
    assert!(r.chip_energy_j <= r.energy_j * (1.0 + 1e-12));
    let tokens = (c.generate * c.batch) as f64;
    assert!(rel(r.e2e_j_per_token * tokens, r.energy_j));
    assert!(rel(r.e2e_tokens_per_s * r.simulated_s, tokens));
    let decode_tokens = ((c.generate - 1) * c.batch) as f64;
    assert!(rel(
        r.decode_j_per_token.unwrap() * decode_tokens,
        r.decode_energy_j
    ));
    assert!(rel(
        r.decode_tokens_per_j.unwrap() * r.decode_j_per_token.unwrap(),
        1.0
    ));
    assert!(r.ttft_s > 0.0 && r.decode_s_per_token.unwrap() > 0.0);

    // Decode throughput bounds: DRAM bandwidth over the bytes of a step, and the peak MAC rate
    // over the MACs of a step. Steps differ only in KV length, so the bound uses the mean step.
    let steps = (c.generate - 1) as f64;
    let b = c.batch as f64;
    let decode_bytes_per_step = r.decode_dram_read_bytes as f64 / steps;
    let bw_bytes_per_s = r.dram_peak_bandwidth_gbps * 1e9;
    let bw_bound = b * bw_bytes_per_s / decode_bytes_per_step;
    assert!(
        r.decode_tokens_per_s.unwrap() <= bw_bound * (1.0 + 1e-9),
        "tokens/s {} above the bandwidth bound {}",
        r.decode_tokens_per_s.unwrap(),
        bw_bound
    );
    let decode_macs: u64 = workloads::decode_kv_lens(&w)
        .map(|l| phase_macs(&card, Phase::Decode { kv_len: l }, c.batch))
        .sum();
    let compute_bound = b * r.peak_macs_per_s / (decode_macs as f64 / steps);
    assert!(
        r.decode_tokens_per_s.unwrap() <= compute_bound * (1.0 + 1e-9),
        "tokens/s {} above the compute bound {}",
        r.decode_tokens_per_s.unwrap(),
        compute_bound
    );

    // Energy floor: every DRAM bit moved costs at least the configured energy per bit.
    if let Some(pj) = c.dram_pj_per_bit {
        let floor_j = (r.dram_read_bytes + r.dram_write_bytes) as f64 * 8.0 * f64::from(pj) * 1e-12;
        assert!(
            r.energy_j >= floor_j * (1.0 - 1e-9),
            "{} J < {} J",
            r.energy_j,
            floor_j
        );
        let dram_j: f64 = r
            .energy_breakdown_j
            .iter()
            .filter(|(k, _)| k.starts_with("dram"))
            .map(|(_, v)| v)
            .sum();
        assert!(dram_j >= floor_j * (1.0 - 1e-9));
    }
}

fn run(c: &Case, cfg: &HardwareConfig, fidelity: RunFidelity) -> RunRecord {
    let card = shipped("smollm2-135m").expect("shipped");
    simulate(&card, cfg, c.preset, &options(c, fidelity))
        .unwrap_or_else(|e| panic!("{c:?}: {e}"))
        .record
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    #[test]
    fn cycle_runs_obey_the_laws(c in case()) {
        let cfg = config(&c);
        let r = run(&c, &cfg, RunFidelity::Cycle);
        check_laws(&c, &cfg, &r);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn analytic_runs_obey_the_laws(c in case()) {
        let cfg = config(&c);
        let r = run(&c, &cfg, RunFidelity::Analytic);
        check_laws(&c, &cfg, &r);
    }
}

/// Scheduling noise allowed when a resource grows (refresh alignment, queue interleaving).
const MONOTONE_TOLERANCE: f64 = 0.02;

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, .. ProptestConfig::default() })]

    #[test]
    fn more_bandwidth_or_more_macros_is_never_slower(c in case()) {
        let c = Case { channels: c.channels.min(4), tiles: c.tiles.min(4), ..c };
        let base_cfg = config(&c);
        let base = run(&c, &base_cfg, RunFidelity::Cycle);
        for grown in [
            Case { channels: c.channels * 2, ..c.clone() },
            Case { tiles: c.tiles * 2, ..c.clone() },
        ] {
            let r = run(&grown, &config(&grown), RunFidelity::Cycle);
            let total = |r: &RunRecord| r.simulated_s;
            prop_assert!(
                total(&r) <= total(&base) * (1.0 + MONOTONE_TOLERANCE),
                "{:?}: {} s -> {} s", grown, total(&base), total(&r)
            );
        }
    }
}
