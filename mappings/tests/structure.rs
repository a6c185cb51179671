//! The shape of compiled Programs: tiles by hand, dependencies, the ping-pong and stage-reuse
//! constraints, residency across phases, task-count bounds and clear errors.

use mappings::{
    expected_phase_traffic, strategy_by_name, strategy_names, CompileContext, MappingError,
};
use sim::config::{HardwareConfig, HardwareKind, RooflineConfig};
use sim::program::{DataClass, Program, Resource, TaskId, TaskKind};
use workloads::{build_graph, shipped, ModelCard, Phase};

fn preset() -> HardwareConfig {
    sim::config::preset("edgecim-65nm").expect("edgecim-65nm preset")
}

fn compile(
    card: &ModelCard,
    cfg: &HardwareConfig,
    phase: Phase,
    first: bool,
    strategy: &str,
) -> Result<Program, MappingError> {
    let ctx = CompileContext::new(cfg, card, first);
    strategy_by_name(strategy)?.compile(&build_graph(card, phase, 1), &ctx)
}

/// A 2-layer toy model: every projection fits one or two 256 x 64 tiles.
fn toy() -> ModelCard {
    ModelCard {
        name: "toy".into(),
        hidden_size: 64,
        intermediate_size: 128,
        num_layers: 2,
        num_attention_heads: 4,
        num_kv_heads: 2,
        head_dim: 16,
        vocab_size: 256,
        tie_word_embeddings: true,
        qkv_bias: false,
        qk_norm: false,
        fused_qkv: false,
        fused_gate_up: false,
        nope_layers: vec![],
        max_context: 512,
        norm_eps: 1e-6,
        rope_theta: 10000.0,
        activation: "silu".into(),
        // The layer structure of a uniform dense decoder (no [layers], no mixer sections).
        ..workloads::shipped("smollm2-135m").expect("a shipped card")
    }
}

fn tasks_of<'a>(p: &'a Program, label: &str) -> Vec<(TaskId, &'a TaskKind)> {
    let l = p.labels.iter().position(|x| x == label).expect("label") as u32;
    p.tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.label == l)
        .map(|(i, t)| (i as TaskId, &t.kind))
        .collect()
}

#[test]
fn smollm_q_proj_tiles_by_hand() {
    // q_proj is 576 x 576; tiles are 256 rows x (256 / 4) = 64 outputs: 3 row blocks (256, 256,
    // 64) x 9 column blocks = 27 tiles. On 16 macros (4 tiles x 4), sequential puts all of them
    // in one group: batches of 16 and 11 tiles. The first 16 tiles are 5 whole column blocks
    // (5 x 576 x 64 weights) plus one 256 x 64 tile = 200704 weights; the rest is
    // 331776 - 200704 = 131072.
    let card = shipped("smollm2-135m").expect("card");
    let mut cfg = preset();
    cfg.chip.tiles = 4;
    let p = compile(
        &card,
        &cfg,
        Phase::Decode { kv_len: 4 },
        false,
        "sequential",
    )
    .expect("compiles");
    let ops = tasks_of(&p, "layer0.q_proj");
    let reads: Vec<u64> = ops
        .iter()
        .filter_map(|(_, k)| match k {
            TaskKind::DramRead { bytes, .. } => Some(*bytes),
            _ => None,
        })
        .collect();
    let writes: Vec<(u32, u64)> = ops
        .iter()
        .filter_map(|(_, k)| match k {
            TaskKind::MacroWrite { macros, bits } => Some((*macros, *bits)),
            _ => None,
        })
        .collect();
    let computes: Vec<(u32, u32, u64)> = ops
        .iter()
        .filter_map(|(_, k)| match k {
            TaskKind::MacroCompute {
                macros,
                tiles_per_macro,
                macs,
                ..
            } => Some((*macros, *tiles_per_macro, *macs)),
            _ => None,
        })
        .collect();
    assert_eq!(reads, vec![200_704 / 2, 131_072 / 2]);
    assert_eq!(writes, vec![(16, 200_704 * 4), (11, 131_072 * 4)]);
    assert_eq!(computes, vec![(16, 1, 200_704), (11, 1, 131_072)]);
    // Reads are contiguous in the matrix's region.
    let addrs: Vec<u64> = ops
        .iter()
        .filter_map(|(_, k)| match k {
            TaskKind::DramRead { addr, .. } => Some(*addr),
            _ => None,
        })
        .collect();
    assert_eq!(addrs[1], addrs[0] + 100_352);
    assert_eq!(addrs[0] % 4096, 0);
}

#[test]
fn dependencies_point_backwards_and_groups_are_reused_only_after_their_compute() {
    let card = shipped("qwen2.5-0.5b").expect("card");
    for (strategy, ping_pong) in strategy_names()
        .iter()
        .flat_map(|s| [(s, true), (s, false)])
    {
        let mut cfg = preset();
        cfg.cim_macro.ping_pong = ping_pong;
        for (phase, first) in [
            (Phase::Prefill { tokens: 3 }, true),
            (Phase::Decode { kv_len: 5 }, false),
        ] {
            let p = compile(&card, &cfg, phase, first, strategy).expect("compiles");
            let ports = p
                .tasks
                .iter()
                .any(|t| matches!(t.resource, Resource::MacroWritePort(_)));
            assert_eq!(
                ports,
                ping_pong && *strategy != "sequential",
                "{strategy}: write ports used iff ping-pong (and not sequential)"
            );
            // Per group, its computes so far: a write into a single-copy group must wait for the
            // last one; a write on a ping-pong write port for the one two fills back (the copy
            // it overwrites), and never for the last one (that would serialise the copies).
            let mut computes: std::collections::HashMap<u32, Vec<TaskId>> = Default::default();
            for (i, t) in p.tasks.iter().enumerate() {
                let id = i as TaskId;
                let deps = p.deps_of(id);
                assert!(
                    deps.iter().all(|&d| d < id),
                    "{strategy}: task {id} depends forward"
                );
                match (&t.kind, t.resource) {
                    (TaskKind::MacroWrite { .. }, Resource::MacroGroup(g)) => {
                        if let Some(&c) = computes.get(&g).and_then(|v| v.last()) {
                            assert!(
                                deps.contains(&c),
                                "{strategy}: write {id} overwrites weights compute {c} still uses"
                            );
                        }
                    }
                    (TaskKind::MacroWrite { .. }, Resource::MacroWritePort(g)) => {
                        let v = computes.get(&g).cloned().unwrap_or_default();
                        if v.len() >= 2 {
                            let c = v[v.len() - 2];
                            assert!(
                                deps.contains(&c),
                                "{strategy}: write {id} overwrites the copy compute {c} uses"
                            );
                        }
                        if let Some(last) = v.last() {
                            assert!(
                                !deps.contains(last),
                                "{strategy}: write {id} not overlapped"
                            );
                        }
                    }
                    (TaskKind::MacroCompute { .. }, Resource::MacroGroup(g)) => {
                        computes.entry(g).or_default().push(id);
                    }
                    _ => {}
                }
                if *strategy == "sequential" && id > 0 {
                    assert!(
                        deps.contains(&(id - 1)),
                        "sequential task {id} overlaps task {}",
                        id - 1
                    );
                }
            }
        }
    }
}

#[test]
fn double_buffering_writes_one_half_while_the_other_computes() {
    let card = shipped("smollm2-135m").expect("card");
    let p = compile(
        &card,
        &preset(),
        Phase::Decode { kv_len: 4 },
        false,
        "double-buffered",
    )
    .expect("compiles");
    let batches: Vec<(TaskId, Resource)> = p
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.kind, TaskKind::MacroWrite { .. }))
        .map(|(i, t)| (i as TaskId, t.resource))
        .collect();
    assert!(batches.len() > 10);
    for pair in batches.windows(2) {
        let ((w0, g0), (w1, g1)) = (pair[0], pair[1]);
        assert_ne!(g0, g1, "consecutive batches must alternate halves");
        // The compute of batch 0 directly follows its write; the next write must not wait for it.
        let c0 = w0 + 1;
        assert!(matches!(
            p.tasks[c0 as usize].kind,
            TaskKind::MacroCompute { .. }
        ));
        assert!(
            !p.deps_of(w1).contains(&c0),
            "write {w1} waits for the other half's compute"
        );
    }
    assert_eq!(p.macro_groups(), 2);
}

#[test]
fn resident_weights_are_loaded_once_and_never_read_again() {
    let card = toy();
    let mut cfg = preset();
    cfg.chip.tiles = 8; // 32 macros; the toy model needs 22 tiles.
    let strategy = strategy_by_name("resident").expect("resident");
    let first =
        compile(&card, &cfg, Phase::Prefill { tokens: 4 }, true, "resident").expect("compiles");
    let later =
        compile(&card, &cfg, Phase::Decode { kv_len: 6 }, false, "resident").expect("compiles");
    let writes = |p: &Program| {
        p.tasks
            .iter()
            .filter(|t| matches!(t.kind, TaskKind::MacroWrite { .. }))
            .count()
    };
    let weight_reads = |p: &Program| -> u64 {
        p.tasks
            .iter()
            .map(|t| match t.kind {
                TaskKind::DramRead {
                    bytes,
                    class: DataClass::Weights,
                    ..
                } => bytes,
                _ => 0,
            })
            .sum()
    };
    // 2 layers x 7 matrices + LM head, each written once into its own slot.
    assert_eq!(writes(&first), 15);
    assert_eq!(writes(&later), 0);
    // Later phases read only the embedding row of the new token (64 INT4 weights).
    assert_eq!(weight_reads(&later), 32);
    let ctx = CompileContext::new(&cfg, &card, false);
    let t = expected_phase_traffic(&ctx, Phase::Decode { kv_len: 6 }, 1, strategy.as_ref())
        .expect("traffic");
    assert_eq!(t.weight_read_bytes, 0);
    // The first phase reads every matrix: 2 x (64x64 + 2x64x32 + 32... ) computed from the card.
    let all: u64 = mappings::layout::weight_matrices(&card)
        .iter()
        .map(|m| m.in_features * m.out_features / 2)
        .sum();
    assert_eq!(weight_reads(&first), all + 4 * 32);
    // One group per resident matrix.
    assert_eq!(later.macro_groups(), 15);
}

#[test]
fn partial_residency_streams_the_rest() {
    // 64 macros cannot hold SmolLM2-135M: some matrices stay, the rest stream.
    let card = shipped("smollm2-135m").expect("card");
    let mut cfg = preset();
    cfg.chip.tiles = 64;
    cfg.chip.macros_per_tile = 16; // 1024 macros
    let ctx = CompileContext::new(&cfg, &card, false);
    let s = strategy_by_name("resident").expect("resident");
    let plan = s.plan(&ctx, Phase::Decode { kv_len: 8 }, 1).expect("plan");
    assert!(!plan.resident.is_empty());
    let used: u64 = plan.resident.values().map(|r| r.macros).sum();
    let stream = plan.stream.expect("the rest streams");
    assert!(used + u64::from(stream.groups * stream.macros_per_group) <= 1024);
    let streamed = expected_phase_traffic(
        &ctx,
        Phase::Decode { kv_len: 8 },
        1,
        strategy_by_name("balanced-pipeline").expect("s").as_ref(),
    )
    .expect("t");
    let resident =
        expected_phase_traffic(&ctx, Phase::Decode { kv_len: 8 }, 1, s.as_ref()).expect("t");
    assert!(resident.weight_read_bytes < streamed.weight_read_bytes);
    assert_eq!(
        streamed.weight_read_bytes - resident.weight_read_bytes,
        used_bytes(&card, &plan.resident)
    );
}

fn used_bytes(
    card: &ModelCard,
    resident: &std::collections::BTreeMap<String, mappings::ResidentSlot>,
) -> u64 {
    mappings::layout::weight_matrices(card)
        .iter()
        .filter(|m| resident.contains_key(&m.name))
        .map(|m| m.in_features * m.out_features / 2)
        .sum()
}

#[test]
fn a_4b_decode_step_stays_within_a_few_hundred_thousand_tasks_on_any_chip() {
    let card = shipped("qwen3-4b").expect("card");
    for (tiles, per_tile) in [(1, 2), (1, 3), (4, 4), (64, 64)] {
        let mut cfg = preset();
        cfg.chip.tiles = tiles;
        cfg.chip.macros_per_tile = per_tile;
        for strategy in ["sequential", "double-buffered", "balanced-pipeline"] {
            let p = compile(&card, &cfg, Phase::Decode { kv_len: 128 }, false, strategy)
                .expect("compiles");
            assert!(
                p.tasks.len() < 300_000,
                "{strategy} on {tiles}x{per_tile}: {} tasks",
                p.tasks.len()
            );
        }
    }
}

#[test]
fn errors_say_what_is_wrong() {
    let Err(err) = strategy_by_name("greedy") else {
        panic!("greedy is not a strategy")
    };
    let msg = err.to_string();
    for name in strategy_names() {
        assert!(msg.contains(name), "{msg}");
    }
    let card = shipped("smollm2-135m").expect("card");
    let mut narrow = preset();
    narrow.cim_macro.cols = 4;
    narrow.cim_macro.weight_bits = 8;
    let err = compile(
        &card,
        &narrow,
        Phase::Decode { kv_len: 2 },
        false,
        "sequential",
    )
    .expect_err("no tile");
    assert!(matches!(err, MappingError::NoTile { .. }), "{err}");
    let mut one = preset();
    one.chip.tiles = 1;
    one.chip.macros_per_tile = 1;
    let err = compile(
        &card,
        &one,
        Phase::Decode { kv_len: 2 },
        false,
        "double-buffered",
    )
    .expect_err("needs 2 macros");
    assert!(err.to_string().contains("at least 2 macros"), "{err}");
    assert!(compile(
        &card,
        &one,
        Phase::Decode { kv_len: 2 },
        false,
        "balanced-pipeline"
    )
    .is_ok());
    let mut roof = preset();
    roof.kind = HardwareKind::Roofline;
    roof.roofline = Some(RooflineConfig {
        bandwidth_gbps: 68.0,
        peak_tops: 40.0,
        power_w: 15.0,
        idle_power_w: 5.0,
        bandwidth_efficiency: 0.8,
        compute_efficiency: 0.5,
        area_mm2: 200.0,
    });
    let err = compile(&card, &roof, Phase::Decode { kv_len: 2 }, false, "resident")
        .expect_err("roofline");
    assert!(err.to_string().contains("roofline"), "{err}");
}
