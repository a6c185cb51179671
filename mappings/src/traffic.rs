//! Exact DRAM byte accounting in closed form, from the model card, the configuration and the
//! strategy's residency decision — never from a Program — so the compiler's output (and the
//! engine's byte counters) can be checked against it.
//!
//! Per phase at batch B:
//! - weights: every streamed matrix, `ceil(in x out x weight_bits / 8)` bytes plus its bias at
//!   16 bits; resident matrices only in the first phase of a run;
//! - other reads: the embedding rows of the phase's tokens, `tokens x B x ceil(hidden x
//!   weight_bits / 8)`;
//! - KV reads: decode at KV length L reads the L-1 cached positions of K and V in every layer,
//!   `2 x layers x (L-1) x ceil(B x kv_dim x kv_bits / 8)`; prefill reads none;
//! - KV writes: the phase's new positions (P for prefill, at most a sliding layer's window; 1
//!   for decode), same row size. Only attention layers have a cache; a sliding layer reads at
//!   most its window. KV traffic is zero when the KV buffer holds the phase's cache;
//! - state: every conv and state update reads its state at a decode step and writes it at
//!   every phase, `ceil(B x elements x kv_bits / 8)`, zero when the state is on chip;
//! - MoE: only the experts the phase's routing draw touches are streamed (the same seeded draw
//!   as the Program's).
//!
//! Everything is read off the decoder graph (op by op, through `work.rs`), not re-derived from
//! the card.

use crate::layout::{bytes_of, expert_matrices, expert_matrix_name, BIAS_BITS};
use crate::lower::phase_seed;
use crate::strategy::{strategy_by_name, CompileContext, MappingStrategy};
use crate::work::{work, Work};
use crate::MappingError;
use serde::Serialize;
use sim::config::HardwareConfig;
use workloads::{
    build_graph, decode_kv_lens, draw_routing, routing_seed, ModelCard, Phase, Workload,
};

/// DRAM bytes of a phase or a run, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Traffic {
    /// Weight matrices and their biases streamed from DRAM.
    pub weight_read_bytes: u64,
    /// Embedding rows looked up.
    pub other_read_bytes: u64,
    pub kv_read_bytes: u64,
    pub kv_write_bytes: u64,
    /// Recurrent state (conv windows, SSM / DeltaNet states) read and written.
    #[serde(skip_serializing_if = "is_zero")]
    pub state_read_bytes: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub state_write_bytes: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Traffic {
    pub fn read_bytes(&self) -> u64 {
        self.weight_read_bytes + self.other_read_bytes + self.kv_read_bytes + self.state_read_bytes
    }

    pub fn write_bytes(&self) -> u64 {
        self.kv_write_bytes + self.state_write_bytes
    }

    fn add(&mut self, o: &Traffic) {
        self.weight_read_bytes += o.weight_read_bytes;
        self.other_read_bytes += o.other_read_bytes;
        self.kv_read_bytes += o.kv_read_bytes;
        self.kv_write_bytes += o.kv_write_bytes;
        self.state_read_bytes += o.state_read_bytes;
        self.state_write_bytes += o.state_write_bytes;
    }
}

/// Bytes of one phase under `strategy`.
pub fn expected_phase_traffic(
    ctx: &CompileContext,
    phase: Phase,
    batch: u64,
    strategy: &dyn MappingStrategy,
) -> Result<Traffic, MappingError> {
    let plan = strategy.plan(ctx, phase, batch)?;
    Ok(phase_traffic_with(
        ctx.card,
        (ctx.weight_bits, ctx.kv_bits),
        phase,
        batch,
        |name| plan.load_resident || !plan.is_resident(name),
        (plan.kv_on_chip, plan.state_on_chip),
    ))
}

/// The closed form behind [`expected_phase_traffic`]: `streamed(name)` says whether matrix
/// `name` is read from DRAM in this phase.
pub(crate) fn phase_traffic(
    card: &ModelCard,
    weight_bits: u32,
    kv_bits: u32,
    phase: Phase,
    batch: u64,
    streamed: impl Fn(&str) -> bool,
    kv_on_chip: bool,
) -> Traffic {
    phase_traffic_with(
        card,
        (weight_bits, kv_bits),
        phase,
        batch,
        streamed,
        (kv_on_chip, false),
    )
}

/// [`phase_traffic`] with the state placement: `bits` = (weight, KV) bits, `on_chip` = (KV
/// cache, state) held on chip.
pub(crate) fn phase_traffic_with(
    card: &ModelCard,
    bits: (u32, u32),
    phase: Phase,
    batch: u64,
    streamed: impl Fn(&str) -> bool,
    on_chip: (bool, bool),
) -> Traffic {
    let (wb, kvb) = (u64::from(bits.0), u64::from(bits.1));
    let (kv_on_chip, state_on_chip) = on_chip;
    let matrix_bytes = |in_f: u64, out_f: u64, bias: u64| {
        bytes_of(in_f.saturating_mul(out_f), wb) + bytes_of(bias, BIAS_BITS)
    };
    let kv_row = bytes_of(batch.saturating_mul(card.kv_dim()), kvb);
    let kinds = card.layer_kinds();
    let graph = build_graph(card, phase, batch);
    let mut t = Traffic::default();
    for op in graph.ops_in_order() {
        match work(op) {
            Work::Matrix {
                in_features,
                out_features,
                ..
            } => {
                if streamed(&op.name) {
                    t.weight_read_bytes +=
                        matrix_bytes(in_features, out_features, op.bias_elements);
                }
            }
            Work::Experts {
                in_features, width, ..
            } => {
                let Some(moe) = &card.moe else { continue };
                let seed = routing_seed(phase_seed(phase), op.layer.unwrap_or(0));
                let biased = op.bias_elements > 0;
                for (e, rows) in draw_routing(moe, op.tokens, seed).iter().enumerate() {
                    if *rows == 0 {
                        continue;
                    }
                    let e = e as u32;
                    for (what, in_f, out_f) in expert_matrices(in_features, width) {
                        if streamed(&expert_matrix_name(&op.name, e, what)) {
                            let bias = if biased { out_f } else { 0 };
                            t.weight_read_bytes += matrix_bytes(in_f, out_f, bias);
                        }
                    }
                }
            }
            Work::Embedding => {
                t.other_read_bytes += op.tokens.saturating_mul(bytes_of(card.hidden_size, wb));
            }
            Work::Attention { cached, .. } => {
                if !kv_on_chip {
                    t.kv_read_bytes += cached.saturating_mul(kv_row);
                }
            }
            Work::KvAppend => {
                let capacity = op
                    .layer
                    .and_then(|l| kinds.get(l as usize))
                    .map_or(0, |k| card.kv_positions(k.mixer, card.max_context));
                let positions = match phase {
                    Phase::Prefill { tokens } => tokens.min(capacity),
                    Phase::Decode { .. } => 1,
                };
                if !kv_on_chip {
                    t.kv_write_bytes += 2 * positions.saturating_mul(kv_row);
                }
            }
            Work::Recurrent => {
                if !state_on_chip {
                    // The layout's region is the whole batch's state; a decode step reads it.
                    let bytes = bytes_of(op.state_write_elements, kvb);
                    if op.state_read_elements > 0 {
                        t.state_read_bytes += bytes;
                    }
                    t.state_write_bytes += bytes;
                }
            }
            Work::Vector(_) => {}
        }
    }
    t
}

/// Bytes of a whole run (prefill, then G-1 decode steps at P+1 ..= P+G-1) under the strategy
/// called `strategy`.
pub fn expected_dram_traffic(
    card: &ModelCard,
    cfg: &HardwareConfig,
    workload: &Workload,
    strategy: &str,
) -> Result<Traffic, MappingError> {
    let s = strategy_by_name(strategy)?;
    let prefill_ctx = CompileContext::new(cfg, card, true);
    let mut total = expected_phase_traffic(
        &prefill_ctx,
        Phase::Prefill {
            tokens: workload.prompt_tokens,
        },
        workload.batch,
        s.as_ref(),
    )?;
    let decode_ctx = CompileContext::new(cfg, card, false);
    for kv_len in decode_kv_lens(workload) {
        let t = expected_phase_traffic(
            &decode_ctx,
            Phase::Decode { kv_len },
            workload.batch,
            s.as_ref(),
        )?;
        total.add(&t);
    }
    Ok(total)
}
