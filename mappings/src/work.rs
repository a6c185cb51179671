//! What each op kind asks of the hardware, said once. The lowering (`lower.rs`) and the closed
//! forms (`analytic.rs`) both take an op's [`Work`] and cost that, so a new op kind is one arm
//! here (and its graph builder), never a `match` in each fidelity.
//!
//! - a weight matrix (projections, the LM head, the MoE router) goes through the macros,
//!   streamed or resident, then any vector passes after it (the router's top-k);
//! - routed experts go through the macros too, only those the phase's tokens are routed to;
//! - attention reads its cached K or V positions from DRAM (unless on chip) and does its MACs
//!   where `chip.attention` places them;
//! - a KV append writes the phase's new K and V positions (emitted when the layer ends);
//! - a recurrent op (conv, state update) reads and writes its state (unless on chip) and does
//!   its MACs on the vector unit;
//! - the embedding reads one row per token, then copies it;
//! - everything else is element-wise passes on the vector unit.

use sim::program::VectorOp;
use workloads::{Op, OpKind};

/// The hardware work of one op.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Work {
    Embedding,
    /// `op.tokens` rows through an `in_features x out_features` matrix, then `then` on the
    /// vector unit.
    Matrix {
        in_features: u64,
        out_features: u64,
        then: Vec<(VectorOp, u64)>,
    },
    /// Routed experts: per expert a fused gate/up matrix (`in x 2 width`) and a down matrix
    /// (`width x in`).
    Experts {
        experts: u32,
        top_k: u32,
        in_features: u64,
        width: u64,
    },
    /// Attention over `cached` positions read from the layer's K (`value = false`) or V cache,
    /// plus the op's MACs.
    Attention {
        value: bool,
        cached: u64,
    },
    KvAppend,
    /// The op's MACs on the vector unit, with its recurrent state read and written.
    Recurrent,
    /// Element-wise passes, in order: `(op, elements)`.
    Vector(Vec<(VectorOp, u64)>),
}

/// The work of `op`.
pub(crate) fn work(op: &Op) -> Work {
    let n = op.act_write_elements;
    match op.kind {
        OpKind::Embedding => Work::Embedding,
        OpKind::Linear {
            in_features,
            out_features,
        }
        | OpKind::LmHead {
            in_features,
            out_features,
        } => Work::Matrix {
            in_features,
            out_features,
            then: Vec::new(),
        },
        // Router logits through the macros, then a softmax and the top-k selection (an argmax
        // pass per pick) over the experts of every row.
        OpKind::Router {
            in_features,
            experts,
            top_k,
        } => Work::Matrix {
            in_features,
            out_features: u64::from(experts),
            then: vec![
                (VectorOp::Softmax, n),
                (VectorOp::Argmax, n.saturating_mul(u64::from(top_k))),
            ],
        },
        OpKind::Experts {
            experts,
            top_k,
            in_features,
            width,
        } => Work::Experts {
            experts,
            top_k,
            in_features,
            width,
        },
        OpKind::AttentionScore {
            queries, kv_len, ..
        } => Work::Attention {
            value: false,
            cached: kv_len.saturating_sub(queries),
        },
        OpKind::AttentionValue {
            queries, kv_len, ..
        } => Work::Attention {
            value: true,
            cached: kv_len.saturating_sub(queries),
        },
        OpKind::KvAppend => Work::KvAppend,
        OpKind::Conv { .. } | OpKind::StateUpdate { .. } => Work::Recurrent,
        OpKind::RmsNorm => Work::Vector(vec![(VectorOp::RmsNorm, n)]),
        OpKind::Rope => Work::Vector(vec![(VectorOp::Rope, n)]),
        OpKind::Softmax => Work::Vector(vec![(VectorOp::Softmax, n)]),
        OpKind::Residual => Work::Vector(vec![(VectorOp::Add, n)]),
        OpKind::Argmax => Work::Vector(vec![(VectorOp::Argmax, op.act_read_elements)]),
        OpKind::Activation => Work::Vector(gated_silu(n).to_vec()),
        OpKind::GeluActivation => Work::Vector(vec![(VectorOp::Gelu, n), (VectorOp::Add, n)]),
        OpKind::Silu => Work::Vector(vec![(VectorOp::Silu, n)]),
        OpKind::Product => Work::Vector(vec![(VectorOp::Add, n)]),
    }
}

/// SiLU(gate) x up over `elements` outputs: a SiLU pass over the gate and an element-wise
/// product pass (costed like an add). Also what each routed expert's activation costs.
pub(crate) fn gated_silu(elements: u64) -> [(VectorOp, u64); 2] {
    [(VectorOp::Silu, elements), (VectorOp::Add, elements)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use workloads::{build_graph, shipped, Phase};

    #[test]
    fn every_op_of_a_dense_decoder_has_the_work_it_had_before_layer_kinds() {
        let card = shipped("qwen3-0.6b").unwrap();
        let g = build_graph(&card, Phase::Decode { kv_len: 9 }, 2);
        for op in g.ops_in_order() {
            let w = work(op);
            match op.kind {
                OpKind::Linear { .. } | OpKind::LmHead { .. } => {
                    assert!(matches!(w, Work::Matrix { ref then, .. } if then.is_empty()))
                }
                // Score and value read the 8 cached positions.
                OpKind::AttentionScore { .. } => {
                    assert_eq!(
                        w,
                        Work::Attention {
                            value: false,
                            cached: 8
                        }
                    )
                }
                OpKind::AttentionValue { .. } => {
                    assert_eq!(
                        w,
                        Work::Attention {
                            value: true,
                            cached: 8
                        }
                    )
                }
                OpKind::Activation => assert_eq!(
                    w,
                    Work::Vector(vec![(VectorOp::Silu, 2 * 3072), (VectorOp::Add, 2 * 3072)])
                ),
                _ => {}
            }
        }
    }
}
