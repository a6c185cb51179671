//! DRAM idle time per decode step and its causes (`decode_dram_idle_s_per_step`): the causes
//! and the busy time add up to the step, a larger global buffer takes time away from
//! `vector_work` (weights prefetched across the vector work), and the analytic fidelity reports
//! the busy share without attributing causes.

use cimsim::run::{simulate, RunFidelity, RunOptions};
use reports::RunRecord;

fn run(model: &str, sets: &[&str], fidelity: RunFidelity, exact: bool) -> RunRecord {
    run_with(model, sets, fidelity, exact, 16)
}

fn run_with(
    model: &str,
    sets: &[&str],
    fidelity: RunFidelity,
    exact: bool,
    prompt_tokens: u64,
) -> RunRecord {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let cfg = sim::config::load_config("edgecim-65nm", &sets).expect("valid configuration");
    let card = workloads::shipped(model).expect("shipped model");
    let opts = RunOptions {
        prompt_tokens,
        generate_tokens: 4,
        fidelity,
        exact,
        ..RunOptions::default()
    };
    simulate(&card, &cfg, "edgecim-65nm", &opts)
        .expect("runs")
        .record
}

fn idle_s(r: &RunRecord) -> f64 {
    r.decode_dram_idle_s_per_step.values().sum()
}

#[test]
fn idle_causes_and_busy_time_add_up_to_the_step() {
    // Every decode step simulated (exact): the identity holds to rounding.
    let r = run("smollm2-135m", &[], RunFidelity::Cycle, true);
    let step_s = r.decode_s_per_token.unwrap() * r.batch as f64;
    let busy = r.decode_dram_busy_fraction.unwrap();
    assert!(busy > 0.0 && busy < 1.0, "busy share {busy}");
    let sum = idle_s(&r) + busy * step_s;
    assert!(
        (sum - step_s).abs() <= 1e-9 * step_s.max(1e-12) + 1e-11,
        "idle {} + busy {} != step {step_s}",
        idle_s(&r),
        busy * step_s
    );
    for cause in sim::engine::DRAM_IDLE_CAUSES {
        assert!(
            r.decode_dram_idle_s_per_step.contains_key(cause),
            "{cause} missing"
        );
    }
    let refresh = r.decode_dram_refresh_s_per_step.unwrap();
    assert!(refresh >= 0.0 && refresh < busy * step_s);
}

#[test]
fn a_larger_global_buffer_prefetches_across_the_vector_work() {
    // At a 128-token context, as in the README's table (attention is most of the vector work).
    let small = run_with("qwen3-0.6b", &[], RunFidelity::Cycle, false, 128);
    let large = run_with(
        "qwen3-0.6b",
        &["chip.global_buffer.capacity_kib=4096"],
        RunFidelity::Cycle,
        false,
        128,
    );
    let vector = |r: &RunRecord| r.decode_dram_idle_s_per_step["vector_work"];
    assert!(
        vector(&small) > 0.05 * small.decode_s_per_token.unwrap(),
        "on the default design the stream waits for vector work: {}",
        vector(&small)
    );
    assert!(vector(&large) < 0.5 * vector(&small));
    assert!(large.decode_dram_busy_fraction > small.decode_dram_busy_fraction);
    assert!(large.area_mm2 > small.area_mm2, "the buffer costs area");
}

#[test]
fn the_analytic_fidelity_gives_the_busy_share_but_no_causes() {
    let r = run("smollm2-135m", &[], RunFidelity::Analytic, false);
    let busy = r.decode_dram_busy_fraction.unwrap();
    assert!(busy > 0.0 && busy <= 1.0);
    assert!(r.decode_dram_idle_s_per_step.is_empty());
    assert!(r.decode_dram_refresh_s_per_step.is_none());
}

#[test]
fn a_run_without_decode_has_no_decode_dram_figures() {
    let cfg = sim::config::load_config("edgecim-65nm", &[]).unwrap();
    let card = workloads::shipped("smollm2-135m").unwrap();
    let opts = RunOptions {
        prompt_tokens: 16,
        generate_tokens: 1,
        ..RunOptions::default()
    };
    let r = simulate(&card, &cfg, "edgecim-65nm", &opts).unwrap().record;
    assert!(r.decode_dram_busy_fraction.is_none());
    assert!(r.decode_dram_idle_s_per_step.is_empty());
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("decode_dram_idle"), "{json}");
}
