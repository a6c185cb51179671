//! Conservation: every strategy's Program carries exactly the model's MACs and exactly the DRAM
//! bytes the closed-form accounting says, for every shipped model, and for random small
//! phases.

use mappings::{
    expected_dram_traffic, expected_phase_traffic, strategy_by_name, strategy_names,
    CompileContext, Traffic,
};
use proptest::prelude::*;
use sim::config::HardwareConfig;
use sim::program::{DataClass, Program, TaskKind};
use workloads::{build_graph, phase_macs, shipped, shipped_names, ModelCard, Phase, Workload};

fn preset() -> HardwareConfig {
    sim::config::preset("edgecim-65nm").expect("edgecim-65nm preset")
}

/// DRAM bytes of a Program by class: (weights read, kv read, kv written, other).
fn program_bytes(p: &Program) -> (u64, u64, u64, u64) {
    let (mut w, mut kr, mut kw, mut other) = (0, 0, 0, 0);
    for t in &p.tasks {
        match t.kind {
            TaskKind::DramRead {
                bytes,
                class: DataClass::Weights,
                ..
            } => w += bytes,
            TaskKind::DramRead {
                bytes,
                class: DataClass::KvCache,
                ..
            } => kr += bytes,
            TaskKind::DramWrite {
                bytes,
                class: DataClass::KvCache,
                ..
            } => kw += bytes,
            TaskKind::DramRead { bytes, .. } | TaskKind::DramWrite { bytes, .. } => other += bytes,
            _ => {}
        }
    }
    (w, kr, kw, other)
}

fn check_phase(
    card: &ModelCard,
    cfg: &HardwareConfig,
    phase: Phase,
    batch: u64,
    first: bool,
    strategy: &str,
) -> Traffic {
    let s = strategy_by_name(strategy).expect("strategy");
    let ctx = CompileContext::new(cfg, card, first);
    let graph = build_graph(card, phase, batch);
    let p = s.compile(&graph, &ctx).expect("compiles");
    let who = format!("{} {phase:?} B={batch} {strategy}", card.name);
    assert_eq!(p.macs(), phase_macs(card, phase, batch), "MACs of {who}");
    let t = expected_phase_traffic(&ctx, phase, batch, s.as_ref()).expect("traffic");
    let (w, kr, kw, other) = program_bytes(&p);
    // Embedding rows are weight-class reads too.
    assert_eq!(
        w,
        t.weight_read_bytes + t.other_read_bytes,
        "weight bytes of {who}"
    );
    assert_eq!(kr, t.kv_read_bytes, "KV read bytes of {who}");
    assert_eq!(kw, t.kv_write_bytes, "KV write bytes of {who}");
    assert_eq!(other, 0, "unexpected DRAM traffic in {who}");
    assert_eq!(p.dram_read_bytes(), t.read_bytes(), "{who}");
    assert_eq!(p.dram_write_bytes(), t.write_bytes(), "{who}");
    t
}

#[test]
fn every_shipped_model_and_strategy_conserves_macs_and_bytes() {
    // 64 macros keep the 4B models' Programs small enough for a quick debug-mode test.
    let mut cfg = preset();
    cfg.chip.tiles = 16;
    for name in shipped_names() {
        let card = shipped(name).expect("shipped card");
        for strategy in strategy_names() {
            check_phase(&card, &cfg, Phase::Prefill { tokens: 4 }, 1, true, strategy);
            check_phase(&card, &cfg, Phase::Decode { kv_len: 6 }, 1, false, strategy);
        }
    }
}

#[test]
fn kv_bytes_by_hand_for_one_decode_step() {
    // SmolLM2-135M: 30 layers, 3 KV heads x 64 = 192 KV features, INT8 KV, batch 2.
    // Decode at L = 10 reads 9 cached positions of K and V per layer and appends one.
    let card = shipped("smollm2-135m").expect("card");
    let cfg = preset();
    let t = check_phase(
        &card,
        &cfg,
        Phase::Decode { kv_len: 10 },
        2,
        false,
        "balanced-pipeline",
    );
    assert_eq!(t.kv_read_bytes, 30 * 2 * 9 * 2 * 192);
    assert_eq!(t.kv_write_bytes, 30 * 2 * 2 * 192);
    // Two embedding rows of 576 INT4 weights.
    assert_eq!(t.other_read_bytes, 2 * 288);
    // Every linear weight plus the tied LM head (49152 x 576), at 4 bits.
    let linear = u64::from(card.num_layers) * card.layer_linear_weights();
    assert_eq!(t.weight_read_bytes, (linear + 49152 * 576) / 2);
}

#[test]
fn whole_run_traffic_is_the_sum_of_its_phases() {
    let card = shipped("qwen2.5-0.5b").expect("card");
    let cfg = preset();
    let w = Workload {
        prompt_tokens: 5,
        generate_tokens: 4,
        batch: 2,
    };
    for strategy in strategy_names() {
        let run = expected_dram_traffic(&card, &cfg, &w, strategy).expect("traffic");
        let mut sum = check_phase(&card, &cfg, Phase::Prefill { tokens: 5 }, 2, true, strategy);
        for kv_len in [6, 7, 8] {
            let t = check_phase(&card, &cfg, Phase::Decode { kv_len }, 2, false, strategy);
            sum.weight_read_bytes += t.weight_read_bytes;
            sum.other_read_bytes += t.other_read_bytes;
            sum.kv_read_bytes += t.kv_read_bytes;
            sum.kv_write_bytes += t.kv_write_bytes;
        }
        assert_eq!(run, sum, "{strategy}");
    }
}

#[test]
fn a_kv_buffer_that_holds_the_cache_removes_kv_traffic() {
    let card = shipped("smollm2-135m").expect("card");
    let mut cfg = preset();
    // 30 layers x 2 x 20 positions x 192 bytes = 230400 bytes < 256 KiB.
    cfg.chip.kv_buffer_kib = 256;
    let t = check_phase(
        &card,
        &cfg,
        Phase::Decode { kv_len: 20 },
        1,
        false,
        "double-buffered",
    );
    assert_eq!((t.kv_read_bytes, t.kv_write_bytes), (0, 0));
    // One more layer's worth of positions no longer fits: back to DRAM.
    let t = check_phase(
        &card,
        &cfg,
        Phase::Decode { kv_len: 23 },
        1,
        false,
        "double-buffered",
    );
    assert_eq!(t.kv_read_bytes, 30 * 2 * 22 * 192);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn random_small_phases_conserve_macs_and_bytes(
        model in prop::sample::select(vec!["smollm2-135m", "qwen2.5-0.5b", "qwen3-0.6b"]),
        strategy in prop::sample::select(strategy_names().to_vec()),
        prompt in 1u64..12,
        kv_len in 2u64..40,
        batch in 1u64..4,
        first in any::<bool>(),
        macros_per_tile in 1u32..9,
    ) {
        let card = shipped(model).expect("card");
        let mut cfg = preset();
        cfg.chip.macros_per_tile = macros_per_tile;
        check_phase(&card, &cfg, Phase::Prefill { tokens: prompt }, batch, first, strategy);
        check_phase(&card, &cfg, Phase::Decode { kv_len }, batch, first, strategy);
    }
}
