//! Text forms of a decoder graph: Graphviz DOT and a JSON document (ops with their counts plus
//! the edge list), both deterministic.

use super::{DecoderGraph, Op, OpKind};
use crate::counts::Phase;
use serde::Serialize;
use std::fmt::Write;

/// Graphviz needs `"` and `\` escaped inside quoted strings.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn describe_phase(phase: Phase) -> String {
    match phase {
        Phase::Prefill { tokens } => format!("prefill tokens={tokens}"),
        Phase::Decode { kv_len } => format!("decode kv_len={kv_len}"),
    }
}

/// The kind as one short line: `Linear 1024x2048`, `AttentionScore h16/kv8 d128 q1 L128`.
fn describe_kind(kind: &OpKind) -> String {
    let attention =
        |name: &str, heads, kv_heads, head_dim, queries, kv_len, window: Option<u64>| {
            let w = window.map_or(String::new(), |w| format!(" W{w}"));
            format!("{name} h{heads}/kv{kv_heads} d{head_dim} q{queries} L{kv_len}{w}")
        };
    match *kind {
        OpKind::Linear {
            in_features,
            out_features,
        } => format!("Linear {in_features}x{out_features}"),
        OpKind::LmHead {
            in_features,
            out_features,
        } => format!("LmHead {in_features}x{out_features}"),
        OpKind::AttentionScore {
            heads,
            kv_heads,
            head_dim,
            queries,
            kv_len,
            window,
        } => attention(
            "AttentionScore",
            heads,
            kv_heads,
            head_dim,
            queries,
            kv_len,
            window,
        ),
        OpKind::AttentionValue {
            heads,
            kv_heads,
            head_dim,
            queries,
            kv_len,
            window,
        } => attention(
            "AttentionValue",
            heads,
            kv_heads,
            head_dim,
            queries,
            kv_len,
            window,
        ),
        OpKind::Conv { channels, kernel } => format!("Conv {channels}ch k{kernel}"),
        OpKind::StateUpdate {
            rule,
            heads,
            key_dim,
            value_dim,
        } => format!("StateUpdate {rule:?} h{heads} {key_dim}x{value_dim}"),
        OpKind::Router {
            in_features,
            experts,
            top_k,
        } => format!("Router {in_features}x{experts} top{top_k}"),
        OpKind::Experts {
            experts,
            top_k,
            in_features,
            width,
        } => format!("Experts {experts}x({in_features}x{width}) top{top_k}"),
        OpKind::Embedding
        | OpKind::RmsNorm
        | OpKind::Rope
        | OpKind::KvAppend
        | OpKind::Softmax
        | OpKind::Residual
        | OpKind::Activation
        | OpKind::GeluActivation
        | OpKind::Silu
        | OpKind::Product
        | OpKind::Argmax => format!("{kind:?}"),
    }
}

fn label(op: &Op) -> String {
    let mut s = format!(
        "{}\\n{}\\nrows={}",
        escape(&op.name),
        describe_kind(&op.kind),
        op.tokens
    );
    if op.macs > 0 {
        let _ = write!(s, " macs={}", op.macs);
    }
    if op.kv_read_elements > 0 {
        let _ = write!(s, "\\nkv_read={}", op.kv_read_elements);
    }
    if op.kv_write_elements > 0 {
        let _ = write!(s, "\\nkv_write={}", op.kv_write_elements);
    }
    if op.state_read_elements > 0 || op.state_write_elements > 0 {
        let _ = write!(
            s,
            "\\nstate_read={} state_write={}",
            op.state_read_elements, op.state_write_elements
        );
    }
    s
}

#[derive(Serialize)]
struct JsonOp<'a> {
    id: usize,
    #[serde(flatten)]
    op: &'a Op,
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    phase: Phase,
    batch: u64,
    total_macs: u64,
    ops: Vec<JsonOp<'a>>,
    /// `[producer id, consumer id]` pairs, ids as in `ops`.
    edges: Vec<[usize; 2]>,
}

impl DecoderGraph {
    /// Graphviz DOT: one box per op (name, kind and shape, rows, MACs, KV traffic), edges from
    /// producer to consumer. Node ids are `n<index>`.
    pub fn to_dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph decoder {{");
        let _ = writeln!(
            out,
            "  label=\"{} batch={} macs={}\";",
            describe_phase(self.phase),
            self.batch,
            self.total_macs()
        );
        let _ = writeln!(out, "  labelloc=t;");
        let _ = writeln!(out, "  node [shape=box, fontname=\"monospace\"];");
        for n in self.order() {
            let op = &self.graph[n];
            let style = if op.macs > 0 { ", style=bold" } else { "" };
            let _ = writeln!(out, "  n{} [label=\"{}\"{style}];", n.index(), label(op));
        }
        for e in self.graph.raw_edges() {
            let _ = writeln!(out, "  n{} -> n{};", e.source().index(), e.target().index());
        }
        out.push_str("}\n");
        out
    }

    /// The graph as a JSON value: `phase`, `batch`, `total_macs`, `ops` (each with an `id` and
    /// every field of [`Op`]) in execution order, and `edges` as `[from, to]` id pairs.
    pub fn to_json(&self) -> serde_json::Value {
        let doc = JsonGraph {
            phase: self.phase,
            batch: self.batch,
            total_macs: self.total_macs(),
            ops: self
                .order()
                .into_iter()
                .map(|n| JsonOp {
                    id: n.index(),
                    op: &self.graph[n],
                })
                .collect(),
            edges: self
                .graph
                .raw_edges()
                .iter()
                .map(|e| [e.source().index(), e.target().index()])
                .collect(),
        };
        // Serialising plain integers, strings and enums into a Value cannot fail.
        serde_json::to_value(doc).unwrap_or(serde_json::Value::Null)
    }
}
