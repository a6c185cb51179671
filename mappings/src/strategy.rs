//! The mapping-strategy trait, the compile context and the plan a strategy produces.
//!
//! A strategy decides how the macros are organised (one group, two ping-pong halves, pipeline
//! stages, resident slots) and which weights stay on chip; that decision is a [`MappingPlan`].
//! Lowering the graph under a plan is shared (`lower.rs`), and so is the analytic evaluation
//! (`analytic.rs`), so the Program and the closed forms follow the same semantics by
//! construction.

use crate::hw::HwNumbers;
use crate::layout::{bytes_of, weight_matrices};
use crate::tiling::MatrixTiling;
use crate::MappingError;
use sim::config::{HardwareConfig, HardwareKind};
use sim::program::Program;
use std::collections::BTreeMap;
use workloads::{DecoderGraph, ModelCard, Phase};

/// The strategy used when none is named.
pub const DEFAULT_STRATEGY: &str = "balanced-pipeline";

/// Everything a strategy needs besides the graph.
#[derive(Debug, Clone, Copy)]
pub struct CompileContext<'a> {
    pub cfg: &'a HardwareConfig,
    pub card: &'a ModelCard,
    /// Bits per stored weight (`cfg.macro.weight_bits`).
    pub weight_bits: u32,
    pub activation_bits: u32,
    pub kv_bits: u32,
    /// The first phase of a run (prefill): `resident` loads its resident weights here.
    pub first_phase: bool,
}

impl<'a> CompileContext<'a> {
    /// Precisions from the configuration.
    pub fn new(cfg: &'a HardwareConfig, card: &'a ModelCard, first_phase: bool) -> Self {
        CompileContext {
            cfg,
            card,
            weight_bits: cfg.cim_macro.weight_bits,
            activation_bits: cfg.precision.activation_bits,
            kv_bits: cfg.precision.kv_bits,
            first_phase,
        }
    }

    /// Refuses roofline devices, which have no macros.
    pub(crate) fn require_cim(&self) -> Result<(), MappingError> {
        match self.cfg.kind {
            HardwareKind::Cim => Ok(()),
            HardwareKind::Roofline => Err(MappingError::RooflineConfig {
                config: self.cfg.name.clone(),
            }),
        }
    }
}

/// How streamed weights flow: `groups` macro groups of `macros_per_group` macros, used round
/// robin, one batch of tiles per group fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamPlan {
    /// Index of the first group (resident slots take the lower numbers).
    pub first_group: u32,
    pub groups: u32,
    pub macros_per_group: u32,
    /// No overlap at all: every task waits for the one emitted before it.
    pub serial: bool,
}

/// A resident matrix: its own macro group, one tile per macro.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResidentSlot {
    pub group: u32,
    pub macros: u64,
}

/// What a strategy decided for one phase.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingPlan {
    pub strategy: &'static str,
    /// `None` when every matrix is resident.
    pub stream: Option<StreamPlan>,
    /// Resident matrices by op name.
    pub resident: BTreeMap<String, ResidentSlot>,
    /// Resident weights are read and written in this phase (the first phase of a run).
    pub load_resident: bool,
    /// The recurrent state of every layer and sequence fits `chip.kv_buffer_kib`: no state
    /// traffic to DRAM. The state is placed first (it does not grow with the context).
    pub state_on_chip: bool,
    /// The whole KV cache of this phase fits `chip.kv_buffer_kib` (beside the state, when that
    /// is on chip): no KV traffic to DRAM.
    pub kv_on_chip: bool,
    /// One line on how the plan was sized, for `cimsim compile`.
    pub rationale: String,
}

impl MappingPlan {
    /// Total macro groups the plan uses.
    pub fn groups(&self) -> u32 {
        let stream = self.stream.map_or(0, |s| s.first_group + s.groups);
        let resident = self
            .resident
            .values()
            .map(|r| r.group + 1)
            .max()
            .unwrap_or(0);
        stream.max(resident)
    }

    pub fn is_resident(&self, op: &str) -> bool {
        self.resident.contains_key(op)
    }

    /// Whether two plans lower to the same Program: the same groups, residency and KV
    /// placement (the strategy's name and rationale aside).
    pub fn same_schedule(&self, other: &MappingPlan) -> bool {
        self.stream == other.stream
            && self.resident == other.resident
            && self.load_resident == other.load_resident
            && self.kv_on_chip == other.kv_on_chip
            && self.state_on_chip == other.state_on_chip
    }
}

/// The other strategies whose plans equal `name`'s in every listed phase (each with whether it
/// is the run's first phase): they compile to the same Programs, so a run under any of them
/// gives the same figures. Strategies that cannot plan a phase are left out.
pub fn same_plan_strategies(
    name: &str,
    cfg: &HardwareConfig,
    card: &ModelCard,
    phases: &[(Phase, bool)],
    batch: u64,
) -> Result<Vec<&'static str>, MappingError> {
    let plans_of = |strategy: &dyn MappingStrategy| -> Option<Vec<MappingPlan>> {
        phases
            .iter()
            .map(|&(phase, first)| {
                strategy
                    .plan(&CompileContext::new(cfg, card, first), phase, batch)
                    .ok()
            })
            .collect()
    };
    let own = plans_of(strategy_by_name(name)?.as_ref());
    let Some(own) = own else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for other in strategy_names().iter().copied().filter(|o| *o != name) {
        let Some(plans) = plans_of(strategy_by_name(other)?.as_ref()) else {
            continue;
        };
        if plans.iter().zip(&own).all(|(a, b)| a.same_schedule(b)) {
            out.push(other);
        }
    }
    Ok(out)
}

/// One way of mapping the decoder onto the macros.
pub trait MappingStrategy: Send + Sync {
    /// The name users pick it by.
    fn name(&self) -> &'static str;
    /// One line saying what it does.
    fn summary(&self) -> &'static str;
    /// Organises the macros for a phase of `batch` sequences.
    fn plan(
        &self,
        ctx: &CompileContext,
        phase: Phase,
        batch: u64,
    ) -> Result<MappingPlan, MappingError>;
    /// Lowers `graph` into a Program under this strategy.
    fn compile(&self, graph: &DecoderGraph, ctx: &CompileContext) -> Result<Program, MappingError> {
        let plan = self.plan(ctx, graph.phase, graph.batch)?;
        crate::lower::lower(graph, ctx, &plan)
    }
}

/// Names of all strategies, the default first.
pub fn strategy_names() -> &'static [&'static str] {
    &[
        "balanced-pipeline",
        "sequential",
        "double-buffered",
        "resident",
    ]
}

/// The strategy called `name`.
pub fn strategy_by_name(name: &str) -> Result<Box<dyn MappingStrategy>, MappingError> {
    match name {
        "sequential" => Ok(Box::new(crate::sequential::Sequential)),
        "double-buffered" => Ok(Box::new(crate::double_buffered::DoubleBuffered)),
        "balanced-pipeline" => Ok(Box::new(crate::balanced::BalancedPipeline)),
        "resident" => Ok(Box::new(crate::resident::Resident)),
        _ => Err(MappingError::UnknownStrategy {
            name: name.to_string(),
            valid: strategy_names().join(", "),
        }),
    }
}

/// Activation rows each projection processes in `phase` (P x B for prefill, B for decode).
pub(crate) fn linear_vectors(phase: Phase, batch: u64) -> u64 {
    phase.tokens_per_sequence().saturating_mul(batch)
}

/// Bytes of every layer's recurrent state for `batch` sequences at the KV precision, as the
/// memory layout stores them (one region per stateful op).
pub(crate) fn state_bytes(ctx: &CompileContext, batch: u64) -> u64 {
    let per_sequence = ctx.card.state_elements_per_sequence();
    bytes_of(batch.saturating_mul(per_sequence), u64::from(ctx.kv_bits))
}

/// True when the model has recurrent state and all of it fits the on-chip KV buffer.
pub(crate) fn state_fits_on_chip(ctx: &CompileContext, batch: u64) -> bool {
    let capacity = ctx.cfg.chip.kv_buffer_kib.saturating_mul(1024);
    state_on_chip_bytes(ctx, batch, capacity) > 0
}

/// The state bytes the KV buffer of `capacity` bytes holds: all of them or none.
fn state_on_chip_bytes(ctx: &CompileContext, batch: u64, capacity: u64) -> u64 {
    let bytes = state_bytes(ctx, batch);
    if bytes <= capacity {
        bytes
    } else {
        0
    }
}

/// True when this phase's whole KV cache (every attention layer, K and V, all positions it ends
/// with — a sliding layer at most its window) fits the on-chip KV buffer, beside the state when
/// that is on chip.
pub(crate) fn kv_fits_on_chip(ctx: &CompileContext, phase: Phase, batch: u64) -> bool {
    let mut capacity = ctx.cfg.chip.kv_buffer_kib.saturating_mul(1024);
    if capacity == 0 {
        return false;
    }
    capacity -= state_on_chip_bytes(ctx, batch, capacity);
    let positions = match phase {
        Phase::Prefill { tokens } => tokens,
        Phase::Decode { kv_len } => kv_len,
    };
    let row = bytes_of(
        batch.saturating_mul(ctx.card.kv_dim()),
        u64::from(ctx.kv_bits),
    );
    let cached = ctx.card.kv_positions_all_layers(positions);
    let total = row.saturating_mul(cached).saturating_mul(2);
    total <= capacity
}

/// Macros available to the mapping, with a clear error when there are none.
pub(crate) fn total_macros(ctx: &CompileContext) -> Result<u64, MappingError> {
    let m = sim::components::total_macros(ctx.cfg);
    if m == 0 {
        return Err(MappingError::NoTile {
            reason: "the chip has no macros (chip.tiles x chip.macros_per_tile = 0)".to_string(),
        });
    }
    Ok(m)
}

/// Tiles of every matrix of the model, in graph order.
pub(crate) fn matrix_tiles(ctx: &CompileContext, hw: &HwNumbers) -> Vec<(String, u64)> {
    weight_matrices(ctx.card)
        .into_iter()
        .map(|m| {
            let t = MatrixTiling::new(m.in_features, m.out_features, hw.tile).tiles();
            (m.name, t)
        })
        .collect()
}

/// Group index as the IR's `u32`, with an error instead of a silent wrap.
pub(crate) fn group_u32(v: u64, what: &str) -> Result<u32, MappingError> {
    u32::try_from(v).map_err(|_| MappingError::Config(format!("{what} = {v} exceeds 2^32")))
}
