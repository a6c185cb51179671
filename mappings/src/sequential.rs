//! `sequential`: one group of all macros; load a batch of tiles from DRAM, write it, compute it,
//! then the next — nothing overlaps. The baseline the other strategies are measured against.

use crate::hw::HwNumbers;
use crate::strategy::{
    group_u32, kv_fits_on_chip, state_fits_on_chip, CompileContext, MappingPlan, MappingStrategy,
    StreamPlan,
};
use crate::MappingError;
use std::collections::BTreeMap;
use workloads::Phase;

pub struct Sequential;

impl MappingStrategy for Sequential {
    fn name(&self) -> &'static str {
        "sequential"
    }

    fn summary(&self) -> &'static str {
        "load, write, compute one batch of tiles at a time on all macros; no overlap"
    }

    fn plan(
        &self,
        ctx: &CompileContext,
        phase: Phase,
        batch: u64,
    ) -> Result<MappingPlan, MappingError> {
        let hw = HwNumbers::new(ctx)?;
        Ok(MappingPlan {
            strategy: self.name(),
            stream: Some(StreamPlan {
                first_group: 0,
                groups: 1,
                macros_per_group: group_u32(hw.macros, "macros")?,
                serial: true,
            }),
            resident: BTreeMap::new(),
            load_resident: false,
            state_on_chip: state_fits_on_chip(ctx, batch),
            kv_on_chip: kv_fits_on_chip(ctx, phase, batch),
            rationale: format!(
                "1 group of {} macros, every task waits for the previous one",
                hw.macros
            ),
        })
    }
}
