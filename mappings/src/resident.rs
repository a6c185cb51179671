//! `resident`: matrices that fit stay in the macros across tokens. They are read and written
//! once, in the first phase of a run, and only computed afterwards; the remainder streams
//! through a balanced pipeline on the macros left over.
//!
//! Which matrices stay is decided from the model and the configuration alone (never from the
//! phase), so every phase of a run agrees on it. The capacity is `chip.resident_weight_kib`
//! (0 = all macros). If the whole model fits, it all stays. Otherwise two balanced decode stages
//! (see `balanced.rs`) are kept free for streaming, and whole matrices are taken greedily in
//! graph order into the rest: every resident weight saves the same DRAM bytes per token, so the
//! order only decides which, not how many.

use crate::balanced::balanced_stages;
use crate::hw::HwNumbers;
use crate::strategy::{
    group_u32, kv_fits_on_chip, linear_vectors, matrix_tiles, state_fits_on_chip, CompileContext,
    MappingPlan, MappingStrategy, ResidentSlot, StreamPlan,
};
use crate::MappingError;
use sim::components::bits_per_macro;
use std::collections::BTreeMap;
use workloads::Phase;

pub struct Resident;

/// The resident matrices of `ctx`'s model for batch `batch`: name -> slot, and the macros they
/// occupy. Depends only on the model, the configuration and the batch.
pub(crate) fn resident_set(
    ctx: &CompileContext,
    hw: &HwNumbers,
    batch: u64,
) -> Result<(BTreeMap<String, ResidentSlot>, u64), MappingError> {
    let macros = hw.macros;
    if macros < 2 {
        // One group keeps weights, another streams the rest: a single macro cannot do both.
        return Err(MappingError::Unsupported {
            strategy: "resident",
            reason: format!(
                "it needs at least 2 macros (chip.tiles x chip.macros_per_tile = {macros})"
            ),
        });
    }
    let kib = ctx.cfg.chip.resident_weight_kib;
    let capacity = if kib == 0 {
        macros
    } else {
        let bits = bits_per_macro(&hw.cim_macro).max(1);
        (kib.saturating_mul(8192) / bits).min(macros)
    };
    let tiles = matrix_tiles(ctx, hw);
    let total: u64 = tiles.iter().map(|(_, t)| t).sum();
    let budget = if total <= capacity {
        capacity
    } else {
        let (_, _, ideal) = balanced_stages(
            hw,
            macros,
            linear_vectors(Phase::Decode { kv_len: 1 }, batch),
        );
        let reserve = ideal.saturating_mul(2).clamp(2, macros);
        capacity.min(macros - reserve)
    };
    let mut used = 0u64;
    let mut set = BTreeMap::new();
    for (name, t) in tiles {
        if t > 0 && used + t <= budget {
            let group = group_u32(set.len() as u64, "resident groups")?;
            set.insert(name, ResidentSlot { group, macros: t });
            used += t;
        }
    }
    Ok((set, used))
}

impl MappingStrategy for Resident {
    fn name(&self) -> &'static str {
        "resident"
    }

    fn summary(&self) -> &'static str {
        "matrices that fit stay in the macros across tokens; the rest stream through a pipeline"
    }

    fn plan(
        &self,
        ctx: &CompileContext,
        phase: Phase,
        batch: u64,
    ) -> Result<MappingPlan, MappingError> {
        let hw = HwNumbers::new(ctx)?;
        let (resident, used) = resident_set(ctx, &hw, batch)?;
        let all = matrix_tiles(ctx, &hw).len();
        let free = hw.macros - used;
        let stream = if resident.len() == all {
            None
        } else if free == 0 {
            return Err(MappingError::Unsupported {
                strategy: self.name(),
                reason: "no macro is left to stream the non-resident weights".to_string(),
            });
        } else {
            let (stages, per_stage, _) = balanced_stages(&hw, free, linear_vectors(phase, batch));
            Some(StreamPlan {
                first_group: group_u32(resident.len() as u64, "resident groups")?,
                groups: group_u32(stages, "pipeline stages")?,
                macros_per_group: group_u32(per_stage, "macros per stage")?,
                serial: false,
            })
        };
        let rationale = match stream {
            None => format!(
                "all {} matrices resident on {used} of {} macros",
                resident.len(),
                hw.macros
            ),
            Some(s) => format!(
                "{} of {all} matrices resident on {used} macros; the rest stream through {} \
                 stages x {} macros",
                resident.len(),
                s.groups,
                s.macros_per_group
            ),
        };
        Ok(MappingPlan {
            strategy: self.name(),
            stream,
            resident,
            load_resident: ctx.first_phase,
            state_on_chip: state_fits_on_chip(ctx, batch),
            kv_on_chip: kv_fits_on_chip(ctx, phase, batch),
            rationale,
        })
    }
}
