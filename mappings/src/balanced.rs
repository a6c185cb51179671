//! `balanced-pipeline` (the default; the EdgeCIM idea): the macros split into pipeline stages,
//! each stage a group filled and computed in turn, sized so DRAM streaming, macro writes and
//! compute keep pace with each other.
//!
//! Sizing rule. A stage of `m` macros takes `t_w + t_c` to write one tile per macro (macros of a
//! stage write in parallel, so `t_w` is one full tile's write time) and compute it against the
//! phase's vectors; DRAM needs `m x t_d` to stream the stage's next tiles (`t_d` = one tile's
//! bytes at the sustained bandwidth). The stage is balanced when both take the same time:
//! `m* = ceil((t_w + t_c) / t_d)`; with `macro.ping_pong` a stage writes its next tiles while it
//! computes, so its time is `max(t_w, t_c)` instead of the sum. Then streaming the next stage exactly covers the current
//! stage's write and compute, and `S = floor(M / m*)` stages (at least 2, so there is always one
//! stage to fill while another works) give `S - 1` stages of prefetch, which absorbs the stalls
//! at op boundaries (norms, attention) where compute must wait for data. When DRAM is fast
//! (`m* > M / 2`), the rule falls back to two halves; when DRAM is slow, stages are small and
//! many, and DRAM never idles. A stage also spans at least enough tiles for their buffer ports
//! to take the DRAM stream (`HwNumbers::macros_to_take_dram_stream`).

use crate::hw::HwNumbers;
use crate::strategy::{
    group_u32, kv_fits_on_chip, linear_vectors, state_fits_on_chip, CompileContext, MappingPlan,
    MappingStrategy, StreamPlan,
};
use crate::MappingError;
use std::collections::BTreeMap;
use workloads::Phase;

pub struct BalancedPipeline;

/// The balanced stage count and size for `macros` macros streaming tiles for `vectors` vectors:
/// `(stages, macros_per_stage, m*)`. See the module comment for the rule.
pub(crate) fn balanced_stages(hw: &HwNumbers, macros: u64, vectors: u64) -> (u64, u64, u64) {
    let t_w = hw.write_s(hw.full_tile_bits());
    let t_c = hw.compute_s(1, vectors);
    let t_d = hw.dram_s(hw.full_tile_bits().div_ceil(8));
    let busy = if hw.cim_macro.ping_pong {
        t_w.max(t_c)
    } else {
        t_w + t_c
    };
    let ideal = if t_d > 0.0 {
        (busy / t_d).ceil().clamp(1.0, 1e12) as u64
    } else {
        macros
    };
    // A stage must also span enough tiles for their buffer ports to take the DRAM stream, or
    // the on-chip path, not DRAM, sets the pace (and faster macro writes, which shrink the
    // balanced stage, would slow decode down).
    let ideal = ideal.max(hw.macros_to_take_dram_stream());
    if macros < 2 {
        return (1, macros, ideal);
    }
    let stages = (macros / ideal.max(1)).clamp(2, macros);
    (stages, macros / stages, ideal)
}

impl MappingStrategy for BalancedPipeline {
    fn name(&self) -> &'static str {
        "balanced-pipeline"
    }

    fn summary(&self) -> &'static str {
        "macros split into pipeline stages sized so DRAM streaming, writes and compute balance"
    }

    fn plan(
        &self,
        ctx: &CompileContext,
        phase: Phase,
        batch: u64,
    ) -> Result<MappingPlan, MappingError> {
        let hw = HwNumbers::new(ctx)?;
        let vectors = linear_vectors(phase, batch);
        let (stages, per_stage, ideal) = balanced_stages(&hw, hw.macros, vectors);
        Ok(MappingPlan {
            strategy: self.name(),
            stream: Some(StreamPlan {
                first_group: 0,
                groups: group_u32(stages, "pipeline stages")?,
                macros_per_group: group_u32(per_stage, "macros per stage")?,
                serial: false,
            }),
            resident: BTreeMap::new(),
            load_resident: false,
            state_on_chip: state_fits_on_chip(ctx, batch),
            kv_on_chip: kv_fits_on_chip(ctx, phase, batch),
            rationale: format!(
                "{stages} stages x {per_stage} macros (balanced stage size {ideal} macros: \
                 write+compute of a stage = DRAM time to stream the next, at {vectors} vectors)"
            ),
        })
    }
}
