//! `double-buffered`: the macros split into two halves used in turn (ping-pong). While one half
//! computes on its tiles, the next batch is read from DRAM and written into the other half, so
//! DRAM streaming and macro writes hide behind compute (and vice versa), one batch deep.

use crate::hw::HwNumbers;
use crate::strategy::{
    group_u32, kv_fits_on_chip, state_fits_on_chip, CompileContext, MappingPlan, MappingStrategy,
    StreamPlan,
};
use crate::MappingError;
use std::collections::BTreeMap;
use workloads::Phase;

pub struct DoubleBuffered;

impl MappingStrategy for DoubleBuffered {
    fn name(&self) -> &'static str {
        "double-buffered"
    }

    fn summary(&self) -> &'static str {
        "two macro halves in ping-pong: one is written while the other computes"
    }

    fn plan(
        &self,
        ctx: &CompileContext,
        phase: Phase,
        batch: u64,
    ) -> Result<MappingPlan, MappingError> {
        let hw = HwNumbers::new(ctx)?;
        if hw.macros < 2 {
            return Err(MappingError::Unsupported {
                strategy: self.name(),
                reason: format!(
                    "ping-pong needs at least 2 macros, the chip has {} (chip.tiles x \
                     chip.macros_per_tile)",
                    hw.macros
                ),
            });
        }
        let half = hw.macros / 2;
        Ok(MappingPlan {
            strategy: self.name(),
            stream: Some(StreamPlan {
                first_group: 0,
                groups: 2,
                macros_per_group: group_u32(half, "macros per half")?,
                serial: false,
            }),
            resident: BTreeMap::new(),
            load_resident: false,
            state_on_chip: state_fits_on_chip(ctx, batch),
            kv_on_chip: kv_fits_on_chip(ctx, phase, batch),
            rationale: format!("2 halves of {half} macros in ping-pong"),
        })
    }
}
