//! Decoder graph properties: acyclic, deterministic topological order, shapes that chain, MACs
//! equal to the closed forms, and the KV/weight conventions, over random cards covering GQA,
//! tied/untied, bias, q/k norm, fused and NoPE variants, and random P, L, B.

use petgraph::algo::is_cyclic_directed;
use petgraph::Direction;
use proptest::prelude::*;
use workloads::{
    build_graph, decode_kv_lens, phase_macs, shipped, shipped_names, workload_macs, DecoderGraph,
    ModelCard, OpKind, Phase, Workload,
};

/// A small random card; every flag is drawn independently so all combinations occur.
fn arb_card() -> impl Strategy<Value = ModelCard> {
    (
        (
            1u32..=4,
            1u32..=4,
            prop::sample::select(vec![4u64, 8, 16, 32]),
        ),
        (1u64..=32, 1u64..=64, 1u32..=6, 2u64..=300),
        any::<[bool; 5]>(),
        any::<u8>(),
    )
        .prop_map(
            |((kv, group, head_dim), (h8, i8, layers, vocab), flags, nope_mask)| {
                let [tied, bias, qk_norm, fused_qkv, fused_gate_up] = flags;
                ModelCard {
                    name: "random".into(),
                    hidden_size: h8 * 8,
                    intermediate_size: i8 * 8,
                    num_layers: layers,
                    num_attention_heads: kv * group,
                    num_kv_heads: kv,
                    head_dim,
                    vocab_size: vocab,
                    tie_word_embeddings: tied,
                    qkv_bias: bias,
                    qk_norm,
                    fused_qkv,
                    fused_gate_up,
                    nope_layers: (0..layers).filter(|l| nope_mask & (1 << l) != 0).collect(),
                    max_context: 4096,
                    norm_eps: 1e-6,
                    rope_theta: 10_000.0,
                    activation: "silu".into(),
                    // The layer structure of a uniform dense decoder (no [layers], no mixer sections).
                    ..workloads::shipped("smollm2-135m").expect("a shipped card")
                }
            },
        )
}

fn arb_phase() -> impl Strategy<Value = Phase> {
    prop_oneof![
        (1u64..=48).prop_map(|tokens| Phase::Prefill { tokens }),
        (1u64..=600).prop_map(|kv_len| Phase::Decode { kv_len }),
    ]
}

/// Checks every structural property; returns a message on the first failure.
fn check_structure(card: &ModelCard, g: &DecoderGraph) -> Result<(), String> {
    let graph = &g.graph;
    if is_cyclic_directed(graph) {
        return Err("cycle".into());
    }
    let order = g.order();
    if order.len() != graph.node_count() {
        return Err("order misses nodes".into());
    }
    // The builder adds in execution order, so the topological order is the insertion order.
    if order.iter().enumerate().any(|(i, n)| n.index() != i) {
        return Err("order differs from insertion order".into());
    }
    for n in graph.node_indices() {
        let op = &graph[n];
        let has_macs = matches!(
            op.kind,
            OpKind::Linear { .. }
                | OpKind::LmHead { .. }
                | OpKind::AttentionScore { .. }
                | OpKind::AttentionValue { .. }
        );
        if !has_macs && op.macs != 0 {
            return Err(format!("{} has MACs", op.name));
        }
        if let OpKind::Linear {
            in_features,
            out_features,
        }
        | OpKind::LmHead {
            in_features,
            out_features,
        } = op.kind
        {
            if op.output_width() != Some(out_features) {
                return Err(format!("{} writes {:?} wide", op.name, op.output_width()));
            }
            let preds: Vec<_> = graph.neighbors_directed(n, Direction::Incoming).collect();
            if preds.is_empty() {
                return Err(format!("{} has no producer", op.name));
            }
            for p in preds {
                let w = graph[p].output_width();
                if w != Some(in_features) {
                    return Err(format!(
                        "{} expects {in_features} features, {} produces {w:?}",
                        op.name, graph[p].name
                    ));
                }
            }
        }
        if op.name != "embed" && graph.neighbors_directed(n, Direction::Incoming).count() == 0 {
            return Err(format!("{} has no producer", op.name));
        }
    }
    let count = |pred: &dyn Fn(&OpKind) -> bool| {
        graph.node_weights().filter(|op| pred(&op.kind)).count() as u32
    };
    let layers = card.num_layers;
    let rope = count(&|k| matches!(k, OpKind::Rope));
    if rope != layers - card.nope_layers.len() as u32 {
        return Err(format!("{rope} RoPE ops for {:?}", card.nope_layers));
    }
    let linear = count(&|k| matches!(k, OpKind::Linear { .. }));
    let per_layer = 1 + if card.fused_qkv { 1 } else { 3 } + if card.fused_gate_up { 2 } else { 3 };
    if linear != layers * per_layer {
        return Err(format!("{linear} linear ops"));
    }
    let norms = count(&|k| matches!(k, OpKind::RmsNorm));
    if norms != layers * (2 + 2 * u32::from(card.qk_norm)) + 1 {
        return Err(format!("{norms} norms"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn graphs_are_acyclic_chain_shapes_and_match_closed_form_macs(
        card in arb_card(),
        phase in arb_phase(),
        batch in 1u64..=8,
    ) {
        prop_assert!(card.validate("random").is_ok());
        let g = build_graph(&card, phase, batch);
        if let Err(e) = check_structure(&card, &g) {
            return Err(TestCaseError::fail(e));
        }
        prop_assert_eq!(g.total_macs(), phase_macs(&card, phase, batch));

        // KV convention: decode reads L-1 cached positions and writes 1; prefill reads none
        // and writes P; both per layer, K and V, per sequence.
        let counts = card.counts();
        let kv_per_position = counts.kv_bytes_per_token; // elements, K and V, all layers
        let (read_positions, written_positions) = match phase {
            Phase::Prefill { tokens } => (0, tokens),
            Phase::Decode { kv_len } => (kv_len - 1, 1),
        };
        prop_assert_eq!(g.total(|op| op.kv_read_elements), read_positions * kv_per_position * batch);
        prop_assert_eq!(g.total(|op| op.kv_write_elements), written_positions * kv_per_position * batch);

        // Weights: every projection once plus the LM head matrix (tied or not), independent of
        // batch and phase; biases only with qkv_bias.
        let matrices = g.total(|op| match op.kind {
            OpKind::Linear { .. } | OpKind::LmHead { .. } => op.weight_elements,
            _ => 0,
        });
        prop_assert_eq!(
            matrices,
            u64::from(card.num_layers) * card.layer_linear_weights() + card.embedding_params()
        );
        let bias = if card.qkv_bias { card.q_dim() + 2 * card.kv_dim() } else { 0 };
        prop_assert_eq!(g.total(|op| op.bias_elements), u64::from(card.num_layers) * bias);

        // Logits for one token per sequence, in both phases.
        let lm_head = g.graph.node_weights().find(|op| op.name == "lm_head").unwrap();
        prop_assert_eq!(lm_head.tokens, batch);
        prop_assert_eq!(lm_head.macs, batch * counts.lm_head_macs);
    }

    #[test]
    fn a_run_is_prefill_plus_decode_steps(
        card in arb_card(),
        prompt in 1u64..=24,
        generate in 0u64..=6,
        batch in 1u64..=4,
    ) {
        let w = Workload { prompt_tokens: prompt, generate_tokens: generate, batch };
        let mut from_graphs = build_graph(&card, Phase::Prefill { tokens: prompt }, batch).total_macs();
        for kv_len in decode_kv_lens(&w) {
            from_graphs += build_graph(&card, Phase::Decode { kv_len }, batch).total_macs();
        }
        prop_assert_eq!(from_graphs, workload_macs(&card, &w));
        prop_assert_eq!(decode_kv_lens(&w).count() as u64, generate.saturating_sub(1));
    }
}

/// A two-layer GQA model counted by hand, independently of the closed-form code.
#[test]
fn tiny_model_by_hand() {
    let card = ModelCard {
        name: "hand".into(),
        hidden_size: 8,
        intermediate_size: 12,
        num_layers: 2,
        num_attention_heads: 4,
        num_kv_heads: 2,
        head_dim: 2,
        vocab_size: 10,
        tie_word_embeddings: true,
        qkv_bias: false,
        qk_norm: false,
        fused_qkv: false,
        fused_gate_up: false,
        nope_layers: vec![1],
        max_context: 64,
        norm_eps: 1e-6,
        rope_theta: 10_000.0,
        activation: "silu".into(),
        // The layer structure of a uniform dense decoder (no [layers], no mixer sections).
        ..workloads::shipped("smollm2-135m").expect("a shipped card")
    };
    // Per token per layer: q 8x8=64, k 8x4=32, v 32, o 64, gate/up/down 3x96 = 288 -> 480.
    // Decode, L = 5, B = 3: linear 3 x 2 x 480 = 2880; attention 3 x 2 layers x 2 x (4x2) x 5
    // = 480; LM head 3 x 80 = 240.
    let g = build_graph(&card, Phase::Decode { kv_len: 5 }, 3);
    assert_eq!(g.total_macs(), 2880 + 480 + 240);
    // Cache read: 2 layers x (K + V) x 4 cached positions x 2 kv heads x 2 dims x 3 = 192.
    assert_eq!(g.total(|op| op.kv_read_elements), 192);
    assert_eq!(g.total(|op| op.kv_write_elements), 2 * 2 * 4 * 3);
    // Prefill, P = 3, B = 1: linear 3 x 960 = 2880; attention 2 layers x 2 x 8 x (1+2+3) = 192.
    let g = build_graph(&card, Phase::Prefill { tokens: 3 }, 1);
    assert_eq!(g.total_macs(), 2880 + 192 + 80);
    let score = g
        .graph
        .node_weights()
        .find(|op| op.name == "layer0.attn_score")
        .unwrap();
    assert_eq!(score.macs, 8 * 6);
    assert_eq!(
        score.kind,
        OpKind::AttentionScore {
            heads: 4,
            kv_heads: 2,
            head_dim: 2,
            queries: 3,
            kv_len: 3,
            window: None
        }
    );
    // Layer 1 is NoPE: no rope op there, one in layer 0.
    let names: Vec<&str> = g.ops_in_order().iter().map(|op| op.name.as_str()).collect();
    assert!(names.contains(&"layer0.rope") && !names.contains(&"layer1.rope"));
    assert_eq!(names.first(), Some(&"embed"));
    assert_eq!(
        &names[names.len() - 3..],
        ["final_norm", "lm_head", "argmax"]
    );
}

#[test]
fn every_shipped_model_builds_consistent_graphs() {
    for name in shipped_names() {
        let card = shipped(name).unwrap();
        for phase in [Phase::Prefill { tokens: 7 }, Phase::Decode { kv_len: 130 }] {
            let g = build_graph(&card, phase, 2);
            check_structure(&card, &g).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(g.total_macs(), phase_macs(&card, phase, 2), "{name}");
        }
    }
}

#[test]
fn dot_and_json_are_deterministic_and_complete() {
    let card = shipped("phi3.5-mini").unwrap();
    let g = build_graph(&card, Phase::Decode { kv_len: 128 }, 1);
    let dot = g.to_dot();
    assert_eq!(
        dot,
        build_graph(&card, Phase::Decode { kv_len: 128 }, 1).to_dot()
    );
    assert!(dot.starts_with("digraph decoder {"));
    assert!(dot.contains("layer31.qkv_proj\\nLinear 3072x9216"));
    assert!(dot.contains("layer0.gate_up_proj\\nLinear 3072x16384"));
    assert_eq!(dot.matches(" -> ").count(), g.graph.edge_count());
    let json = g.to_json();
    assert_eq!(json["ops"].as_array().unwrap().len(), g.graph.node_count());
    assert_eq!(
        json["edges"].as_array().unwrap().len(),
        g.graph.edge_count()
    );
    assert_eq!(json["total_macs"].as_u64(), Some(g.total_macs()));
    assert_eq!(json["phase"]["decode"]["kv_len"].as_u64(), Some(128));
    assert_eq!(json["ops"][1]["kind"]["type"], "rms_norm");
}

#[test]
fn absurd_sizes_saturate_instead_of_panicking() {
    let card = shipped("qwen3-4b").unwrap();
    let g = build_graph(
        &card,
        Phase::Prefill {
            tokens: u64::MAX / 2,
        },
        u64::MAX,
    );
    assert_eq!(g.total_macs(), u64::MAX);
    assert_eq!(
        phase_macs(&card, Phase::Decode { kv_len: u64::MAX }, u64::MAX),
        u64::MAX
    );
}
