//! The decoder graph: one phase (prefill of P tokens or one decode step at KV length L) of a
//! model at batch B, as a DAG of ops with shapes, MACs and the elements each op moves.
//!
//! Conventions the simulator's conservation checks rely on:
//! - only `Linear`, `LmHead`, `AttentionScore` and `AttentionValue` have MACs;
//! - a token attending to L positions costs `heads x head_dim x L` MACs in the score and the
//!   same in the value op; prefill is causal (token i sees i positions);
//! - a decode step reads the L-1 cached positions (K in the score op, V in the value op) and
//!   appends one; prefill reads no KV and appends P positions;
//! - prefill computes the final norm, LM head and argmax for the last prompt token only.

mod build;
mod export;

pub use build::build_graph;

use crate::counts::Phase;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What an op does; shapes are per row (token) unless stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OpKind {
    /// Embedding row lookup.
    Embedding,
    /// RMSNorm: the layer norms, the final norm, and Qwen3's per-head q/k norms
    /// (named `...q_norm` / `...k_norm`).
    RmsNorm,
    /// A projection: q/k/v/o, gate/up/down, fused qkv or fused gate_up.
    Linear {
        in_features: u64,
        out_features: u64,
    },
    /// Rotary embedding of q and k (absent on NoPE layers).
    Rope,
    /// K and V of this phase's tokens written to the cache.
    KvAppend,
    /// q·Kᵀ; `queries` per sequence (P for prefill, 1 for decode), `kv_len` positions.
    AttentionScore {
        heads: u32,
        kv_heads: u32,
        head_dim: u64,
        queries: u64,
        kv_len: u64,
    },
    Softmax,
    /// probabilities·V, same shape conventions as the score.
    AttentionValue {
        heads: u32,
        kv_heads: u32,
        head_dim: u64,
        queries: u64,
        kv_len: u64,
    },
    /// Residual add.
    Residual,
    /// SiLU(gate) x up.
    Activation,
    LmHead {
        in_features: u64,
        out_features: u64,
    },
    Argmax,
}

/// One op of the decoder graph. Element counts cover the whole batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Op {
    /// `embed`, `layer3.q_proj`, `final_norm`, `lm_head`, `argmax`, ...
    pub name: String,
    pub layer: Option<u32>,
    pub kind: OpKind,
    /// Activation rows processed: tokens of the phase x batch (LM head and its neighbours: B).
    pub tokens: u64,
    pub macs: u64,
    /// Weight matrix elements (Linear, LmHead); for the embedding, the rows read (tokens x hidden).
    pub weight_elements: u64,
    pub bias_elements: u64,
    pub act_read_elements: u64,
    pub act_write_elements: u64,
    /// KV-cache elements read from memory (decode only: L-1 cached positions).
    pub kv_read_elements: u64,
    /// KV-cache elements appended.
    pub kv_write_elements: u64,
}

impl Op {
    /// An op with every count zero; the builder fills in what applies.
    fn new(name: String, layer: Option<u32>, kind: OpKind, tokens: u64) -> Op {
        Op {
            name,
            layer,
            kind,
            tokens,
            macs: 0,
            weight_elements: 0,
            bias_elements: 0,
            act_read_elements: 0,
            act_write_elements: 0,
            kv_read_elements: 0,
            kv_write_elements: 0,
        }
    }

    /// Features written per row (`act_write_elements / tokens`), when that is a whole number.
    pub fn output_width(&self) -> Option<u64> {
        if self.tokens == 0 || !self.act_write_elements.is_multiple_of(self.tokens) {
            return None;
        }
        Some(self.act_write_elements / self.tokens)
    }
}

/// The ops of one phase at one batch size. Edges point from producer to consumer.
#[derive(Debug, Clone)]
pub struct DecoderGraph {
    pub graph: DiGraph<Op, ()>,
    pub phase: Phase,
    pub batch: u64,
}

impl DecoderGraph {
    /// Ops in a deterministic topological order: among ready ops, the one added first. The
    /// builder adds ops in execution order, so this is that order.
    pub fn ops_in_order(&self) -> Vec<&Op> {
        self.order().into_iter().map(|n| &self.graph[n]).collect()
    }

    /// Node indices in the order of [`DecoderGraph::ops_in_order`] (Kahn's algorithm with a
    /// min-heap on node index). Nodes on a cycle, which the builder never creates, are left out.
    pub fn order(&self) -> Vec<NodeIndex> {
        let g = &self.graph;
        let mut missing_inputs: Vec<usize> = g
            .node_indices()
            .map(|n| g.neighbors_directed(n, Direction::Incoming).count())
            .collect();
        let mut ready: BinaryHeap<Reverse<usize>> = g
            .node_indices()
            .filter(|n| missing_inputs[n.index()] == 0)
            .map(|n| Reverse(n.index()))
            .collect();
        let mut order = Vec::with_capacity(g.node_count());
        while let Some(Reverse(i)) = ready.pop() {
            let n = NodeIndex::new(i);
            order.push(n);
            for m in g.neighbors_directed(n, Direction::Outgoing) {
                missing_inputs[m.index()] -= 1;
                if missing_inputs[m.index()] == 0 {
                    ready.push(Reverse(m.index()));
                }
            }
        }
        order
    }

    /// Sum of the MACs of every op.
    pub fn total_macs(&self) -> u64 {
        self.graph
            .node_weights()
            .fold(0u64, |acc, op| acc.saturating_add(op.macs))
    }

    /// Sum of a per-op count over every op, e.g. `|op| op.kv_read_elements`.
    pub fn total(&self, field: impl Fn(&Op) -> u64) -> u64 {
        self.graph
            .node_weights()
            .fold(0u64, |acc, op| acc.saturating_add(field(op)))
    }
}
