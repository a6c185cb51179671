//! Attention placement (`chip.attention`): the same attention MACs and KV-cache bytes in every
//! placement, both fidelities agree, the attention array's lanes cost area and leakage, and on
//! the default design an attention array takes a 2,048-token prefill under a second.

use cimsim::run::{simulate, RunFidelity, RunOptions};
use reports::RunRecord;

/// The default design with a 2,048-lane attention array (the README's example).
const ARRAY: &[&str] = &[
    "chip.attention=array",
    "chip.attention_array.lanes=2048",
    "chip.attention_array.energy_pj_per_mac=0.45",
    "chip.attention_array.area_mm2_per_lane=0.002",
];

fn run(model: &str, sets: &[&str], prompt: u64, generate: u64, fidelity: RunFidelity) -> RunRecord {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let cfg = sim::config::load_config("edgecim-65nm", &sets).expect("valid configuration");
    let card = workloads::shipped(model).expect("shipped model");
    let opts = RunOptions {
        prompt_tokens: prompt,
        generate_tokens: generate,
        fidelity,
        ..RunOptions::default()
    };
    simulate(&card, &cfg, "edgecim-65nm", &opts)
        .expect("runs")
        .record
}

#[test]
fn every_placement_does_the_same_work() {
    for fidelity in [RunFidelity::Analytic, RunFidelity::Cycle] {
        let vector = run("smollm2-135m", &[], 64, 4, fidelity);
        let array = run("smollm2-135m", ARRAY, 64, 4, fidelity);
        assert_eq!(vector.macs, array.macs, "{fidelity:?}: MACs");
        assert_eq!(
            vector.dram_read_bytes, array.dram_read_bytes,
            "{fidelity:?}: the KV cache is read from DRAM either way"
        );
        assert_eq!(vector.dram_write_bytes, array.dram_write_bytes);
        // Where the work went: the vector unit's MAC time moved to the array.
        assert_eq!(vector.time_breakdown_s["attention"], 0.0);
        assert!(array.time_breakdown_s["attention"] > 0.0, "{fidelity:?}");
        assert!(array.time_breakdown_s["vector"] < vector.time_breakdown_s["vector"]);
        assert!(array.energy_breakdown_j["attention"] > 0.0);
        assert_eq!(vector.energy_breakdown_j["attention"], 0.0);
    }
}

#[test]
fn the_array_costs_area_and_leakage_by_lane_and_is_paid_for_when_idle() {
    let base = run("smollm2-135m", &[], 8, 2, RunFidelity::Analytic);
    let array = run("smollm2-135m", ARRAY, 8, 2, RunFidelity::Analytic);
    // 2048 lanes x 0.002 mm².
    assert!((array.area_mm2 - base.area_mm2 - 4.096).abs() < 1e-9);
    let mut wide: Vec<&str> = ARRAY.to_vec();
    wide[1] = "chip.attention_array.lanes=4096";
    let wide = run("smollm2-135m", &wide, 8, 2, RunFidelity::Analytic);
    assert!((wide.area_mm2 - base.area_mm2 - 8.192).abs() < 1e-9);
    assert!(wide.chip_power_w > array.chip_power_w);
    // Present but unused (placement vector): its area and leakage are still paid.
    let mut idle: Vec<&str> = ARRAY.to_vec();
    idle[0] = "chip.attention=vector";
    let idle = run("smollm2-135m", &idle, 8, 2, RunFidelity::Analytic);
    assert!((idle.area_mm2 - array.area_mm2).abs() < 1e-12);
    assert_eq!(idle.macs, base.macs);
    assert!(idle.energy_breakdown_j["leakage"] > base.energy_breakdown_j["leakage"]);
}

#[test]
fn an_attention_array_prefills_2048_tokens_in_under_a_second() {
    // qwen3-0.6b, prompt 2048: 9.7 s to the first token on the vector unit, which the
    // quadratic attention MACs keep busy; a 2048-lane array (+4.1 mm², 8.6% of the default
    // design's area) brings it under 1 s, and decode off the vector bound.
    let vector = run("qwen3-0.6b", &[], 2048, 4, RunFidelity::Analytic);
    let array = run("qwen3-0.6b", ARRAY, 2048, 4, RunFidelity::Analytic);
    assert!(vector.ttft_s > 9.0, "{}", vector.ttft_s);
    assert!(array.ttft_s < 1.0, "{}", array.ttft_s);
    assert_eq!(vector.prefill_bound, "vector");
    assert_eq!(array.prefill_bound, "attention");
    assert!(array.area_mm2 < vector.area_mm2 * 1.2);
    assert!(
        array.decode_tokens_per_s.unwrap() > 2.5 * vector.decode_tokens_per_s.unwrap(),
        "{:?} vs {:?}",
        array.decode_tokens_per_s,
        vector.decode_tokens_per_s
    );
}

#[test]
fn analytic_tracks_cycle_with_the_array() {
    for model in ["qwen3-0.6b", "llama3.2-1b"] {
        let a = run(model, ARRAY, 512, 4, RunFidelity::Analytic);
        let c = run(model, ARRAY, 512, 4, RunFidelity::Cycle);
        let gap = |x: f64, y: f64| (x / y - 1.0).abs();
        assert!(
            gap(a.ttft_s, c.ttft_s) < 0.10,
            "{model}: {} vs {}",
            a.ttft_s,
            c.ttft_s
        );
        let (ad, cd) = (
            a.decode_tokens_per_s.unwrap(),
            c.decode_tokens_per_s.unwrap(),
        );
        assert!(gap(ad, cd) < 0.10, "{model}: {ad} vs {cd}");
    }
}

#[test]
fn an_array_placement_needs_its_array() {
    let err = sim::config::load_config("edgecim-65nm", &["chip.attention=array".to_string()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("chip.attention_array"), "{err}");
    assert!(
        err.contains("required when chip.attention = \"array\""),
        "{err}"
    );
    let err = sim::config::load_config(
        "edgecim-65nm",
        &[
            "chip.attention=array".to_string(),
            "chip.attention_array.lanes=0".to_string(),
        ],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("chip.attention_array.lanes"), "{err}");
}
