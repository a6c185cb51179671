//! Sampled cycle runs (the default) against `--exact` runs that simulate every layer and every
//! decode step command by command. Stated tolerance: 3% on TTFT, decode latency and energy;
//! MACs and DRAM bytes identical.
//!
//! The in-suite cases use the smaller models; `all_shipped_models` (ignored by default, about
//! ten minutes in release mode) covers all thirteen:
//! `cargo test --release --test sampling -- --ignored`.

use cimsim::run::{simulate, RunOptions};
use reports::RunRecord;
use sim::config::preset;
use workloads::{shipped, shipped_names};

const TOLERANCE: f64 = 0.03;

fn run(model: &str, config: &str, prompt: u64, generate: u64, exact: bool) -> RunRecord {
    let card = shipped(model).expect("shipped model");
    let cfg = preset(config).expect("preset");
    let opts = RunOptions {
        prompt_tokens: prompt,
        generate_tokens: generate,
        exact,
        ..RunOptions::default()
    };
    simulate(&card, &cfg, config, &opts)
        .unwrap_or_else(|e| panic!("{model} on {config}: {e}"))
        .record
}

fn assert_agree(model: &str, config: &str, prompt: u64, generate: u64) {
    let fast = run(model, config, prompt, generate, false);
    let exact = run(model, config, prompt, generate, true);
    assert_eq!(fast.macs, exact.macs, "{model}: MACs");
    assert_eq!(
        fast.dram_read_bytes, exact.dram_read_bytes,
        "{model}: DRAM read bytes"
    );
    assert_eq!(
        fast.dram_write_bytes, exact.dram_write_bytes,
        "{model}: DRAM write bytes"
    );
    assert_eq!(fast.decode_dram_read_bytes, exact.decode_dram_read_bytes);
    for (what, a, b) in [
        ("ttft_s", fast.ttft_s, exact.ttft_s),
        (
            "decode_s_per_token",
            fast.decode_s_per_token.unwrap(),
            exact.decode_s_per_token.unwrap(),
        ),
        ("energy_j", fast.energy_j, exact.energy_j),
    ] {
        let rel = (a - b).abs() / b;
        assert!(
            rel <= TOLERANCE,
            "{model} on {config}: {what} sampled {a} vs exact {b} ({:.2}% apart)",
            rel * 100.0
        );
    }
}

#[test]
fn sampled_matches_exact_on_a_deep_small_model() {
    // 30 layers, vocabulary 49,152: both layer and vocabulary sampling, 6 decode steps of
    // which 3 are simulated.
    assert_agree("smollm2-135m", "edgecim-65nm", 8, 7);
}

#[test]
fn sampled_matches_exact_with_a_large_vocabulary() {
    // Vocabulary 151,936 (the LM head is a quarter of the weights), q/k/v biases.
    assert_agree("qwen2.5-0.5b", "edgecim-65nm", 4, 3);
}

#[test]
fn sampled_matches_exact_on_a_narrow_dram() {
    assert_agree("smollm2-135m", "cim-small-65nm", 4, 5);
}

#[test]
#[ignore = "about ten minutes: every shipped model, exact runs"]
fn all_shipped_models() {
    for model in shipped_names() {
        assert_agree(model, "edgecim-65nm", 4, 3);
    }
}
