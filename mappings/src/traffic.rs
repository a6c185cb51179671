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
//! - KV writes: the phase's new positions (P for prefill, 1 for decode), same row size.
//!   KV traffic is zero when the KV buffer holds the phase's cache.

use crate::layout::{bytes_of, weight_matrices, BIAS_BITS};
use crate::strategy::{strategy_by_name, CompileContext, MappingStrategy};
use crate::MappingError;
use serde::Serialize;
use sim::config::HardwareConfig;
use workloads::{decode_kv_lens, ModelCard, Phase, Workload};

/// DRAM bytes of a phase or a run, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Traffic {
    /// Weight matrices and their biases streamed from DRAM.
    pub weight_read_bytes: u64,
    /// Embedding rows looked up.
    pub other_read_bytes: u64,
    pub kv_read_bytes: u64,
    pub kv_write_bytes: u64,
}

impl Traffic {
    pub fn read_bytes(&self) -> u64 {
        self.weight_read_bytes + self.other_read_bytes + self.kv_read_bytes
    }

    pub fn write_bytes(&self) -> u64 {
        self.kv_write_bytes
    }

    fn add(&mut self, o: &Traffic) {
        self.weight_read_bytes += o.weight_read_bytes;
        self.other_read_bytes += o.other_read_bytes;
        self.kv_read_bytes += o.kv_read_bytes;
        self.kv_write_bytes += o.kv_write_bytes;
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
    Ok(phase_traffic(
        ctx.card,
        ctx.weight_bits,
        ctx.kv_bits,
        phase,
        batch,
        |name| plan.load_resident || !plan.is_resident(name),
        plan.kv_on_chip,
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
    let wb = u64::from(weight_bits);
    let weight_read_bytes = weight_matrices(card)
        .iter()
        .filter(|m| streamed(&m.name))
        .map(|m| {
            bytes_of(m.in_features * m.out_features, wb) + bytes_of(m.bias_elements, BIAS_BITS)
        })
        .sum();
    let tokens = phase.tokens_per_sequence().saturating_mul(batch);
    let other_read_bytes = tokens.saturating_mul(bytes_of(card.hidden_size, wb));
    let (cached, appended) = match phase {
        Phase::Prefill { tokens } => (0, tokens),
        Phase::Decode { kv_len } => (kv_len.saturating_sub(1), 1),
    };
    let kv_row = bytes_of(batch.saturating_mul(card.kv_dim()), u64::from(kv_bits));
    let per_position = kv_row.saturating_mul(2 * u64::from(card.num_layers));
    let (kv_read_bytes, kv_write_bytes) = if kv_on_chip {
        (0, 0)
    } else {
        (
            per_position.saturating_mul(cached),
            per_position.saturating_mul(appended),
        )
    };
    Traffic {
        weight_read_bytes,
        other_read_bytes,
        kv_read_bytes,
        kv_write_bytes,
    }
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
