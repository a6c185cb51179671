//! Builds the decoder graph of one phase from a card: ops are added in execution order with
//! their producer edges, so node order is already a topological order.

use super::{AttentionNodes, DecoderGraph, Op, OpKind, StateRule};
use crate::card::ModelCard;
use crate::counts::Phase;
use crate::structure::{LayerKind, Mixer, Mlp};
use petgraph::graph::{DiGraph, NodeIndex};

/// Saturating product: user-chosen P, L and B must never overflow into a panic.
fn mul(factors: &[u64]) -> u64 {
    factors.iter().fold(1u64, |acc, f| acc.saturating_mul(*f))
}

struct Builder<'a> {
    card: &'a ModelCard,
    graph: DiGraph<Op, ()>,
    phase: Phase,
    batch: u64,
    /// Activation rows through the layers: tokens per sequence x batch.
    rows: u64,
    kinds: Vec<LayerKind>,
    attention: Vec<AttentionNodes>,
}

impl Builder<'_> {
    fn add(&mut self, op: Op, inputs: &[NodeIndex]) -> NodeIndex {
        let node = self.graph.add_node(op);
        for &input in inputs {
            self.graph.add_edge(input, node, ());
        }
        node
    }

    fn layer_op(&self, layer: u32, what: &str, kind: OpKind) -> Op {
        Op::new(format!("layer{layer}.{what}"), Some(layer), kind, self.rows)
    }

    /// A projection of every row: `rows x in x out` MACs, one weight matrix, optional bias.
    fn linear(
        &mut self,
        layer: u32,
        what: &str,
        dims: (u64, u64),
        bias: bool,
        input: NodeIndex,
    ) -> NodeIndex {
        let (in_features, out_features) = dims;
        let mut op = self.layer_op(
            layer,
            what,
            OpKind::Linear {
                in_features,
                out_features,
            },
        );
        op.macs = mul(&[self.rows, in_features, out_features]);
        op.weight_elements = in_features * out_features;
        op.bias_elements = if bias { out_features } else { 0 };
        op.act_read_elements = mul(&[self.rows, in_features]);
        op.act_write_elements = mul(&[self.rows, out_features]);
        self.add(op, &[input])
    }

    /// An elementwise op over `width` features of every row (norms, RoPE).
    fn elementwise(
        &mut self,
        layer: u32,
        what: &str,
        kind: OpKind,
        width: u64,
        inputs: &[NodeIndex],
    ) -> NodeIndex {
        let mut op = self.layer_op(layer, what, kind);
        op.act_read_elements = mul(&[self.rows, width]);
        op.act_write_elements = op.act_read_elements;
        self.add(op, inputs)
    }

    /// An op over `width` features of every row reading `inputs` x `width` and writing `width`
    /// (gates and products of two inputs).
    fn binary(
        &mut self,
        layer: u32,
        what: &str,
        kind: OpKind,
        width: u64,
        inputs: &[NodeIndex],
    ) -> NodeIndex {
        let mut op = self.layer_op(layer, what, kind);
        op.act_read_elements = mul(&[self.rows, 2, width]);
        op.act_write_elements = mul(&[self.rows, width]);
        self.add(op, inputs)
    }

    /// A residual add of `inputs.len()` hidden-wide operands.
    fn residual_of(&mut self, layer: u32, what: &str, inputs: &[NodeIndex]) -> NodeIndex {
        let hidden = self.card.hidden_size;
        let mut op = self.layer_op(layer, what, OpKind::Residual);
        op.act_read_elements = mul(&[inputs.len() as u64, self.rows, hidden]);
        op.act_write_elements = mul(&[self.rows, hidden]);
        self.add(op, inputs)
    }

    /// Recurrent state of one sequence carried across decode steps (`elements`), read at a
    /// decode step and written at every phase's end (a prompt starts from zero state).
    fn with_state(&self, mut op: Op, elements: u64) -> Op {
        let all = mul(&[self.batch, elements]);
        op.state_read_elements = match self.phase {
            Phase::Decode { .. } => all,
            Phase::Prefill { .. } => 0,
        };
        op.state_write_elements = all;
        op
    }

    /// A causal depthwise conv of `channels` x `kernel` taps with its window of state.
    fn conv(
        &mut self,
        layer: u32,
        what: &str,
        channels: u64,
        kernel: u64,
        input: NodeIndex,
    ) -> NodeIndex {
        let mut op = self.layer_op(layer, what, OpKind::Conv { channels, kernel });
        op.macs = mul(&[self.rows, channels, kernel]);
        op.act_read_elements = mul(&[self.rows, channels]);
        op.act_write_elements = op.act_read_elements;
        let op = self.with_state(op, channels.saturating_mul(kernel.saturating_sub(1)));
        self.add(op, &[input])
    }

    /// A recurrent state update of `heads x key_dim x value_dim` state per sequence, reading
    /// `read` and writing `value` features per row.
    fn state_update(
        &mut self,
        layer: u32,
        rule: StateRule,
        shape: (u32, u64, u64),
        widths: (u64, u64),
        input: NodeIndex,
    ) -> NodeIndex {
        let (heads, key_dim, value_dim) = shape;
        let mut op = self.layer_op(
            layer,
            "scan",
            OpKind::StateUpdate {
                rule,
                heads,
                key_dim,
                value_dim,
            },
        );
        let state = mul(&[u64::from(heads), key_dim, value_dim]);
        op.macs = mul(&[self.rows, rule.macs_per_element(), state]);
        op.act_read_elements = mul(&[self.rows, widths.0]);
        op.act_write_elements = mul(&[self.rows, widths.1]);
        let op = self.with_state(op, state);
        self.add(op, &[input])
    }

    /// One decoder layer; `input` produces the layer's input activations (hidden wide).
    fn layer(&mut self, l: u32, input: NodeIndex) -> NodeIndex {
        let kind = self.kinds[l as usize];
        let hidden = self.card.hidden_size;
        let norm = self.elementwise(l, "input_norm", OpKind::RmsNorm, hidden, &[input]);
        let mut outputs = match kind.mixer {
            Mixer::Attention => vec![self.attention(l, norm, None)],
            Mixer::SlidingAttention => vec![self.attention(l, norm, self.card.sliding_window)],
            Mixer::Mamba2 => vec![self.mamba2(l, norm)],
            Mixer::Deltanet => vec![self.deltanet(l, norm)],
            Mixer::ShortConv => vec![self.short_conv(l, norm)],
            Mixer::AttentionMamba2 => vec![self.attention(l, norm, None), self.mamba2(l, norm)],
        };
        if self.card.sandwich_norm {
            let mixed = self.elementwise(l, "post_mixer_norm", OpKind::RmsNorm, hidden, &outputs);
            outputs = vec![mixed];
        }
        outputs.push(input);
        let attn_out = self.residual_of(l, "attn_residual", &outputs);
        match kind.mlp {
            Mlp::None => attn_out,
            Mlp::Dense | Mlp::Moe => {
                let post_norm =
                    self.elementwise(l, "post_attn_norm", OpKind::RmsNorm, hidden, &[attn_out]);
                let mut outputs = match kind.mlp {
                    Mlp::Moe => self.moe(l, post_norm),
                    Mlp::Dense | Mlp::None => {
                        let inter = self.card.intermediate_size;
                        vec![self.gated_mlp(l, "", inter, post_norm)]
                    }
                };
                if self.card.sandwich_norm {
                    let out =
                        self.elementwise(l, "post_mlp_norm", OpKind::RmsNorm, hidden, &outputs);
                    outputs = vec![out];
                }
                outputs.push(attn_out);
                self.residual_of(l, "mlp_residual", &outputs)
            }
        }
    }

    /// The attention block from the normed input to o_proj's output; `window` for sliding
    /// layers.
    fn attention(&mut self, l: u32, norm: NodeIndex, window: Option<u64>) -> NodeIndex {
        let card = self.card;
        let (hidden, q_dim, kv_dim) = (card.hidden_size, card.q_dim(), card.kv_dim());

        // Projections. `q_src`/`k_src` produce queries and keys ready for RoPE, `v_src` values.
        let (q_src, k_src, v_src) = if card.fused_qkv {
            let width = q_dim + 2 * kv_dim;
            let qkv = self.linear(l, "qkv_proj", (hidden, width), card.qkv_bias, norm);
            (qkv, qkv, qkv)
        } else {
            let q = self.linear(l, "q_proj", (hidden, q_dim), card.qkv_bias, norm);
            let k = self.linear(l, "k_proj", (hidden, kv_dim), card.qkv_bias, norm);
            let v = self.linear(l, "v_proj", (hidden, kv_dim), card.qkv_bias, norm);
            (q, k, v)
        };
        let (q_src, k_src) = if card.qk_norm {
            let qn = self.elementwise(l, "q_norm", OpKind::RmsNorm, q_dim, &[q_src]);
            let kn = self.elementwise(l, "k_norm", OpKind::RmsNorm, kv_dim, &[k_src]);
            (qn, kn)
        } else {
            (q_src, k_src)
        };
        let (q_src, k_src) = if card.uses_rope(l) {
            let inputs: Vec<NodeIndex> = if q_src == k_src {
                vec![q_src]
            } else {
                vec![q_src, k_src]
            };
            let rope = self.elementwise(l, "rope", OpKind::Rope, q_dim + kv_dim, &inputs);
            (rope, rope)
        } else {
            (q_src, k_src)
        };

        // The cache append takes K and V of this phase's tokens.
        let mut append = self.layer_op(l, "kv_append", OpKind::KvAppend);
        append.act_read_elements = mul(&[self.rows, 2, kv_dim]);
        append.kv_write_elements = append.act_read_elements;
        let mut append_inputs = vec![k_src];
        if v_src != k_src {
            append_inputs.push(v_src);
        }
        let append = self.add(append, &append_inputs);

        let heads = (card.num_attention_heads, card.num_kv_heads, card.head_dim);
        let mut score = self.layer_op(l, "attn_score", OpKind::Softmax);
        let mut softmax = self.layer_op(l, "softmax", OpKind::Softmax);
        let mut value = self.layer_op(l, "attn_value", OpKind::Softmax);
        set_attention(
            [&mut score, &mut softmax, &mut value],
            heads,
            window,
            self.phase,
            self.batch,
        );
        let score = self.add(score, &[q_src, append]);
        let softmax = self.add(softmax, &[score]);
        let value = self.add(value, &[softmax, append]);
        self.attention.push(AttentionNodes {
            nodes: [score, softmax, value],
            heads,
            window,
        });
        self.linear(l, "o_proj", (q_dim, hidden), card.attention_out_bias, value)
    }

    /// A Mamba2 block from the normed input to out_proj's output.
    fn mamba2(&mut self, l: u32, norm: NodeIndex) -> NodeIndex {
        let Some(m) = self.card.mamba2.clone() else {
            return norm;
        };
        let hidden = self.card.hidden_size;
        let heads = u64::from(m.heads);
        let inner = heads * m.head_dim;
        let conv_channels = inner + 2 * u64::from(m.groups) * m.state_size;
        let in_width = inner + conv_channels + heads;
        let proj = self.linear(l, "ssm_in_proj", (hidden, in_width), m.proj_bias, norm);
        let conv = self.conv(l, "ssm_conv", conv_channels, m.conv_kernel, proj);
        let act = self.elementwise(l, "ssm_conv_act", OpKind::Silu, conv_channels, &[conv]);
        let scan = self.state_update(
            l,
            StateRule::Ssd,
            (m.heads, m.state_size, m.head_dim),
            (conv_channels + heads, inner),
            act,
        );
        let y = if m.gated_norm {
            self.elementwise(l, "ssm_norm", OpKind::RmsNorm, inner, &[scan])
        } else {
            scan
        };
        let gated = self.binary(l, "ssm_gate", OpKind::Activation, inner, &[y, proj]);
        self.linear(l, "ssm_out_proj", (inner, hidden), m.proj_bias, gated)
    }

    /// A gated DeltaNet block from the normed input to out_proj's output.
    fn deltanet(&mut self, l: u32, norm: NodeIndex) -> NodeIndex {
        let Some(d) = self.card.deltanet.clone() else {
            return norm;
        };
        let hidden = self.card.hidden_size;
        let qk = 2 * u64::from(d.key_heads) * d.key_head_dim;
        let v = u64::from(d.value_heads) * d.value_head_dim;
        let in_width = qk + 2 * v + 2 * u64::from(d.value_heads);
        let proj = self.linear(l, "linear_in_proj", (hidden, in_width), false, norm);
        let conv = self.conv(l, "linear_conv", qk + v, d.conv_kernel, proj);
        let act = self.elementwise(l, "linear_conv_act", OpKind::Silu, qk + v, &[conv]);
        let qk_norm = self.elementwise(l, "linear_qk_norm", OpKind::RmsNorm, qk, &[act]);
        let scan = self.state_update(
            l,
            StateRule::DeltaRule,
            (d.value_heads, d.key_head_dim, d.value_head_dim),
            (qk + v, v),
            qk_norm,
        );
        let y = self.elementwise(l, "linear_norm", OpKind::RmsNorm, v, &[scan]);
        let gated = self.binary(l, "linear_gate", OpKind::Activation, v, &[y, proj]);
        self.linear(l, "linear_out_proj", (v, hidden), false, gated)
    }

    /// LFM2's gated short conv from the normed input to out_proj's output.
    fn short_conv(&mut self, l: u32, norm: NodeIndex) -> NodeIndex {
        let Some(c) = self.card.short_conv.clone() else {
            return norm;
        };
        let h = self.card.hidden_size;
        let proj = self.linear(l, "conv_in_proj", (h, 3 * h), c.bias, norm);
        let bx = self.binary(l, "conv_bx", OpKind::Product, h, &[proj]);
        let conv = self.conv(l, "conv", h, c.kernel, bx);
        let cy = self.binary(l, "conv_cy", OpKind::Product, h, &[conv, proj]);
        self.linear(l, "conv_out_proj", (h, h), c.bias, cy)
    }

    /// A gated MLP of `width` (names prefixed by `prefix`): gate and up (fused when the card
    /// says so), the activation, down. Returns down's node.
    fn gated_mlp(&mut self, l: u32, prefix: &str, width: u64, input: NodeIndex) -> NodeIndex {
        let hidden = self.card.hidden_size;
        let name = |what: &str| format!("{prefix}{what}");
        let act_inputs = if self.card.fused_gate_up {
            vec![self.linear(l, &name("gate_up_proj"), (hidden, 2 * width), false, input)]
        } else {
            let gate = self.linear(l, &name("gate_proj"), (hidden, width), false, input);
            let up = self.linear(l, &name("up_proj"), (hidden, width), false, input);
            vec![gate, up]
        };
        let kind = if self.card.activation == "gelu_tanh" {
            OpKind::GeluActivation
        } else {
            OpKind::Activation
        };
        let act = self.binary(l, &name("act"), kind, width, &act_inputs);
        self.linear(l, &name("down_proj"), (width, hidden), false, act)
    }

    /// An MoE MLP: the router, the routed experts and the shared experts; returns the nodes
    /// whose outputs the residual sums.
    fn moe(&mut self, l: u32, input: NodeIndex) -> Vec<NodeIndex> {
        let Some(m) = self.card.moe.clone() else {
            return vec![input];
        };
        let hidden = self.card.hidden_size;
        let experts = u64::from(m.experts);
        let mut router = self.layer_op(
            l,
            "router",
            OpKind::Router {
                in_features: hidden,
                experts: m.experts,
                top_k: m.top_k,
            },
        );
        router.macs = mul(&[self.rows, hidden, experts]);
        router.weight_elements = hidden * experts;
        router.bias_elements = if m.router_bias { experts } else { 0 };
        router.act_read_elements = mul(&[self.rows, hidden]);
        router.act_write_elements = mul(&[self.rows, experts]);
        let router = self.add(router, &[input]);

        let width = m.expert_intermediate_size;
        let mut routed = self.layer_op(
            l,
            "experts",
            OpKind::Experts {
                experts: m.experts,
                top_k: m.top_k,
                in_features: hidden,
                width,
            },
        );
        routed.macs = mul(&[self.rows, u64::from(m.top_k), 3, hidden, width]);
        routed.weight_elements = experts * 3 * hidden * width;
        routed.bias_elements = if m.expert_bias {
            experts * (2 * width + hidden)
        } else {
            0
        };
        routed.act_read_elements = mul(&[self.rows, hidden]);
        routed.act_write_elements = mul(&[self.rows, hidden]);
        let routed = self.add(routed, &[input, router]);
        let mut out = vec![routed];
        if m.shared_experts > 0 {
            let shared_width = u64::from(m.shared_experts) * m.shared_intermediate_size;
            out.push(self.gated_mlp(l, "shared_", shared_width, input));
        }
        out
    }
}

/// Fills in the three attention ops of one layer (score, softmax, value) for `phase`: their
/// kinds and every count that depends on the phase. The builder and
/// [`DecoderGraph::set_decode_kv_len`] share it, so a retargeted graph equals a rebuilt one.
fn set_attention(
    ops: [&mut Op; 3],
    heads: (u32, u32, u64),
    window: Option<u64>,
    phase: Phase,
    batch: u64,
) {
    let [score, softmax, value] = ops;
    let (heads, kv_heads, head_dim) = heads;
    let q_dim = u64::from(heads) * head_dim;
    let kv_dim = u64::from(kv_heads) * head_dim;
    let rows = mul(&[phase.tokens_per_sequence(), batch]);
    let (queries, kv_len) = match phase {
        Phase::Prefill { tokens } => (tokens, tokens),
        Phase::Decode { kv_len } => (1, kv_len.min(window.unwrap_or(u64::MAX))),
    };
    // A decode step reads every position it sees but its own from the cache.
    let cached = match phase {
        Phase::Prefill { .. } => 0,
        Phase::Decode { .. } => kv_len.saturating_sub(1),
    };
    let attended = phase.attended_positions_within(window);
    let attention_macs = mul(&[batch, q_dim, attended]);
    let probabilities = mul(&[batch, u64::from(heads), attended]);
    // The newest positions' K and V are on chip (just computed); only the cache is read.
    let cache_read = mul(&[batch, cached, kv_dim]);
    let new_kv = mul(&[rows, kv_dim]);

    score.kind = OpKind::AttentionScore {
        heads,
        kv_heads,
        head_dim,
        queries,
        kv_len,
        window,
    };
    score.macs = attention_macs;
    score.act_read_elements = mul(&[rows, q_dim]).saturating_add(new_kv);
    score.act_write_elements = probabilities;
    score.kv_read_elements = cache_read;

    softmax.act_read_elements = probabilities;
    softmax.act_write_elements = probabilities;

    value.kind = OpKind::AttentionValue {
        heads,
        kv_heads,
        head_dim,
        queries,
        kv_len,
        window,
    };
    value.macs = attention_macs;
    value.act_read_elements = probabilities.saturating_add(new_kv);
    value.act_write_elements = mul(&[rows, q_dim]);
    value.kv_read_elements = cache_read;
}

impl DecoderGraph {
    /// Turns a decode-step graph into the graph of the decode step at `kv_len`, in place: only
    /// the attention ops depend on the KV length, so this is what [`build_graph`] would return
    /// for `Phase::Decode { kv_len }`, without rebuilding (or re-naming) the other ops. Returns
    /// false, changing nothing, for a prefill graph.
    pub fn set_decode_kv_len(&mut self, kv_len: u64) -> bool {
        if !matches!(self.phase, Phase::Decode { .. }) {
            return false;
        }
        let phase = Phase::Decode { kv_len };
        self.phase = phase;
        let batch = self.batch;
        // One pass of pointers, then the three ops of each layer borrowed at once (no copies).
        let mut ops: Vec<&mut Op> = self.graph.node_weights_mut().collect();
        for a in &self.attention {
            let [s, m, v] = a.nodes.map(|n| n.index());
            if let Ok([score, softmax, value]) = ops.get_disjoint_mut([s, m, v]) {
                set_attention([score, softmax, value], a.heads, a.window, phase, batch);
            }
        }
        true
    }
}

/// The decoder graph of `phase` at batch `batch`: embedding, every layer, final norm, LM head
/// and argmax. Counts saturate instead of overflowing on absurd P, L or B.
pub fn build_graph(card: &ModelCard, phase: Phase, batch: u64) -> DecoderGraph {
    let rows = mul(&[phase.tokens_per_sequence(), batch]);
    let mut b = Builder {
        card,
        graph: DiGraph::new(),
        phase,
        batch,
        rows,
        kinds: card.layer_kinds(),
        attention: Vec::new(),
    };
    let hidden = card.hidden_size;

    let mut embed = Op::new("embed".to_string(), None, OpKind::Embedding, rows);
    embed.weight_elements = mul(&[rows, hidden]);
    embed.act_write_elements = mul(&[rows, hidden]);
    let mut x = b.add(embed, &[]);
    for l in 0..card.num_layers {
        x = b.layer(l, x);
    }

    // Logits only for the last token of each sequence (prefill) or the one token (decode).
    let mut final_norm = Op::new("final_norm".to_string(), None, OpKind::RmsNorm, batch);
    final_norm.act_read_elements = mul(&[batch, hidden]);
    final_norm.act_write_elements = final_norm.act_read_elements;
    let final_norm = b.add(final_norm, &[x]);

    let vocab = card.vocab_size;
    let mut lm_head = Op::new(
        "lm_head".to_string(),
        None,
        OpKind::LmHead {
            in_features: hidden,
            out_features: vocab,
        },
        batch,
    );
    lm_head.macs = mul(&[batch, hidden, vocab]);
    lm_head.weight_elements = hidden * vocab;
    lm_head.act_read_elements = mul(&[batch, hidden]);
    lm_head.act_write_elements = mul(&[batch, vocab]);
    let lm_head = b.add(lm_head, &[final_norm]);

    let mut argmax = Op::new("argmax".to_string(), None, OpKind::Argmax, batch);
    argmax.act_read_elements = mul(&[batch, vocab]);
    argmax.act_write_elements = batch;
    b.add(argmax, &[lm_head]);

    DecoderGraph {
        graph: b.graph,
        phase,
        batch,
        attention: b.attention,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{shipped, shipped_names};

    fn edges(g: &DecoderGraph) -> Vec<(usize, usize)> {
        g.graph
            .raw_edges()
            .iter()
            .map(|e| (e.source().index(), e.target().index()))
            .collect()
    }

    #[test]
    fn a_retargeted_decode_graph_equals_a_rebuilt_one() {
        for name in shipped_names() {
            let card = shipped(name).unwrap();
            for batch in [1, 3] {
                let mut g = build_graph(&card, Phase::Decode { kv_len: 7 }, batch);
                for kv_len in [1, 2, 129, 255, 4096, 7] {
                    assert!(g.set_decode_kv_len(kv_len));
                    let fresh = build_graph(&card, Phase::Decode { kv_len }, batch);
                    assert_eq!(g.phase, fresh.phase);
                    let (a, b) = (g.ops_in_order(), fresh.ops_in_order());
                    assert_eq!(a, b, "{name} batch {batch} kv_len {kv_len}");
                    assert_eq!(edges(&g), edges(&fresh));
                }
            }
        }
    }

    #[test]
    fn a_prefill_graph_is_not_retargeted() {
        let card = shipped("smollm2-135m").unwrap();
        let mut g = build_graph(&card, Phase::Prefill { tokens: 4 }, 1);
        let before = g.ops_in_order().into_iter().cloned().collect::<Vec<_>>();
        assert!(!g.set_decode_kv_len(9));
        let after = g.ops_in_order().into_iter().cloned().collect::<Vec<_>>();
        assert_eq!(before, after);
    }
}
