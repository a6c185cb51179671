//! Builds the decoder graph of one phase from a card: ops are added in execution order with
//! their producer edges, so node order is already a topological order.

use super::{DecoderGraph, Op, OpKind};
use crate::card::ModelCard;
use crate::counts::Phase;
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

    fn residual(&mut self, layer: u32, what: &str, inputs: &[NodeIndex]) -> NodeIndex {
        let hidden = self.card.hidden_size;
        let mut op = self.layer_op(layer, what, OpKind::Residual);
        op.act_read_elements = mul(&[2, self.rows, hidden]);
        op.act_write_elements = mul(&[self.rows, hidden]);
        self.add(op, inputs)
    }

    /// One decoder layer; `input` produces the layer's input activations (hidden wide).
    fn layer(&mut self, l: u32, input: NodeIndex) -> NodeIndex {
        let card = self.card;
        let (hidden, q_dim, kv_dim) = (card.hidden_size, card.q_dim(), card.kv_dim());
        let norm = self.elementwise(l, "input_norm", OpKind::RmsNorm, hidden, &[input]);

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
            self.phase,
            self.batch,
        );
        let score = self.add(score, &[q_src, append]);
        let softmax = self.add(softmax, &[score]);
        let value = self.add(value, &[softmax, append]);

        let o = self.linear(l, "o_proj", (q_dim, hidden), false, value);
        let attn_out = self.residual(l, "attn_residual", &[o, input]);
        let post_norm = self.elementwise(l, "post_attn_norm", OpKind::RmsNorm, hidden, &[attn_out]);

        let inter = card.intermediate_size;
        let act_inputs = if card.fused_gate_up {
            vec![self.linear(l, "gate_up_proj", (hidden, 2 * inter), false, post_norm)]
        } else {
            let gate = self.linear(l, "gate_proj", (hidden, inter), false, post_norm);
            let up = self.linear(l, "up_proj", (hidden, inter), false, post_norm);
            vec![gate, up]
        };
        let mut act = self.layer_op(l, "act", OpKind::Activation);
        act.act_read_elements = mul(&[self.rows, 2, inter]);
        act.act_write_elements = mul(&[self.rows, inter]);
        let act = self.add(act, &act_inputs);
        let down = self.linear(l, "down_proj", (inter, hidden), false, act);
        self.residual(l, "mlp_residual", &[down, attn_out])
    }
}

/// Fills in the three attention ops of one layer (score, softmax, value) for `phase`: their
/// kinds and every count that depends on the phase. The builder and
/// [`DecoderGraph::set_decode_kv_len`] share it, so a retargeted graph equals a rebuilt one.
fn set_attention(ops: [&mut Op; 3], heads: (u32, u32, u64), phase: Phase, batch: u64) {
    let [score, softmax, value] = ops;
    let (heads, kv_heads, head_dim) = heads;
    let q_dim = u64::from(heads) * head_dim;
    let kv_dim = u64::from(kv_heads) * head_dim;
    let rows = mul(&[phase.tokens_per_sequence(), batch]);
    let (queries, kv_len, cached) = match phase {
        Phase::Prefill { tokens } => (tokens, tokens, 0),
        Phase::Decode { kv_len } => (1, kv_len, kv_len.saturating_sub(1)),
    };
    let attended = phase.attended_positions();
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
        let ops = self.graph.node_weights_mut();
        // Nodes are added in execution order: score, softmax, value, consecutively.
        let mut pending: Option<(u32, u32, u64)> = None;
        let mut trio: Vec<&mut Op> = Vec::with_capacity(3);
        for op in ops {
            match op.kind {
                OpKind::AttentionScore {
                    heads,
                    kv_heads,
                    head_dim,
                    ..
                } => {
                    trio.clear();
                    pending = Some((heads, kv_heads, head_dim));
                    trio.push(op);
                }
                OpKind::Softmax if trio.len() == 1 => trio.push(op),
                OpKind::AttentionValue { .. } if trio.len() == 2 => {
                    trio.push(op);
                    if let (Some(h), [score, softmax, value]) = (pending, &mut trio[..]) {
                        set_attention([score, softmax, value], h, phase, batch);
                    }
                    trio.clear();
                    pending = None;
                }
                _ => {
                    trio.clear();
                    pending = None;
                }
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
