//! The decoder graph: one phase (prefill of P tokens or one decode step at KV length L) of a
//! model at batch B, as a DAG of ops with shapes, MACs and the elements each op moves.
//!
//! Conventions the simulator's conservation checks rely on:
//! - only `Linear`, `LmHead`, `Router`, `Experts`, `AttentionScore`, `AttentionValue`, `Conv`
//!   and `StateUpdate` have MACs;
//! - a token attending to L positions costs `heads x head_dim x L` MACs in the score and the
//!   same in the value op; prefill is causal (token i sees i positions);
//! - a decode step reads the L-1 cached positions (K in the score op, V in the value op) and
//!   appends one; prefill reads no KV and appends P positions;
//! - a sliding-window layer's token sees at most W positions; its cache holds at most W;
//! - a recurrent op (`Conv`, `StateUpdate`) reads and writes its state once per decode step per
//!   sequence; prefill starts from zero state (no read) and writes the final state;
//! - an MoE layer's `Experts` op has the MACs of `top_k` experts per row and the weights of all
//!   experts (which of them a step streams is the mapping's business);
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
    /// RMSNorm: the layer norms, the final norm, Qwen3's per-head q/k norms (named
    /// `...q_norm` / `...k_norm`) and the mixers' inner norms.
    RmsNorm,
    /// A projection: q/k/v/o, gate/up/down, fused qkv or fused gate_up, a mixer's in/out
    /// projections, the shared experts.
    Linear {
        in_features: u64,
        out_features: u64,
    },
    /// Rotary embedding of q and k (absent on NoPE layers).
    Rope,
    /// K and V of this phase's tokens written to the cache.
    KvAppend,
    /// q·Kᵀ; `queries` per sequence (P for prefill, 1 for decode), `kv_len` positions. With a
    /// `window` each query sees at most that many positions.
    AttentionScore {
        heads: u32,
        kv_heads: u32,
        head_dim: u64,
        queries: u64,
        kv_len: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        window: Option<u64>,
    },
    Softmax,
    /// probabilities·V, same shape conventions as the score.
    AttentionValue {
        heads: u32,
        kv_heads: u32,
        head_dim: u64,
        queries: u64,
        kv_len: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        window: Option<u64>,
    },
    /// Residual add.
    Residual,
    /// SiLU(gate) x up (a SwiGLU MLP), or SiLU(z) x y (a mixer's output gate).
    Activation,
    /// GELU(gate) x up (GeGLU, Gemma), tanh approximation.
    GeluActivation,
    /// SiLU of every element (after a mixer's conv).
    Silu,
    /// Element-wise product of two inputs (LFM2's B·x and C·y gates).
    Product,
    /// Causal depthwise conv over time: `channels` of `kernel` taps. Keeps the last
    /// `kernel - 1` inputs of each channel as recurrent state.
    Conv {
        channels: u64,
        kernel: u64,
    },
    /// A recurrent state update and its readout, per token: state `heads x key_dim x
    /// value_dim` per sequence (Mamba2: key_dim = state size, value_dim = head dim).
    StateUpdate {
        rule: StateRule,
        heads: u32,
        key_dim: u64,
        value_dim: u64,
    },
    /// Mixture-of-experts router: `in_features x experts` logits, then the top-k choice.
    Router {
        in_features: u64,
        experts: u32,
        top_k: u32,
    },
    /// The routed experts of an MoE layer: each row goes through `top_k` of `experts` gated
    /// MLPs of width `width` (gate and up `in_features x width`, down `width x in_features`).
    Experts {
        experts: u32,
        top_k: u32,
        in_features: u64,
        width: u64,
    },
    LmHead {
        in_features: u64,
        out_features: u64,
    },
    Argmax,
}

/// How a [`OpKind::StateUpdate`] updates its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StateRule {
    /// Mamba2's SSD: `h = exp(dt·A)·h + dt·(x ⊗ B)`, `y = h·C + D·x`: two MACs per state
    /// element (the outer-product update and the readout).
    Ssd,
    /// Gated DeltaNet: `S = α·S·(I - β·k·kᵀ) + β·v·kᵀ`, `o = S·q`: three MACs per state element
    /// (S·k, the rank-1 update, the readout).
    DeltaRule,
}

impl StateRule {
    /// MACs per state element per token.
    pub fn macs_per_element(&self) -> u64 {
        match self {
            StateRule::Ssd => 2,
            StateRule::DeltaRule => 3,
        }
    }
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
    /// Recurrent-state elements read (decode: the state each sequence carries in; a prompt
    /// starts from zero state and reads none).
    #[serde(skip_serializing_if = "is_zero")]
    pub state_read_elements: u64,
    /// Recurrent-state elements written (the state each sequence carries out).
    #[serde(skip_serializing_if = "is_zero")]
    pub state_write_elements: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
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
            state_read_elements: 0,
            state_write_elements: 0,
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
    /// Each attention layer's (score, softmax, value) nodes and window: the ops that depend on
    /// the KV length, for [`DecoderGraph::set_decode_kv_len`].
    pub(crate) attention: Vec<AttentionNodes>,
}

/// The three KV-length-dependent ops of one attention layer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttentionNodes {
    pub nodes: [NodeIndex; 3],
    pub heads: (u32, u32, u64),
    pub window: Option<u64>,
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
