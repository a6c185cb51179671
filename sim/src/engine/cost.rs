//! Duration and energy of each non-DRAM task, from the component models in
//! [`crate::components`], plus how the on-chip buffers are charged.
//!
//! Buffer energy (the `buffer` component) is charged by data movement, one access per byte that
//! enters or leaves a buffer:
//! - a DRAM read of N bytes is written into the global buffer (N bytes), a DRAM write of N bytes
//!   is read out of it (N bytes) — except streamed weights on the `direct` weight path, which
//!   go from DRAM straight over the interconnect into the tile buffers;
//! - an interconnect transfer of N bytes reads N bytes from the global buffer (unless it comes
//!   from DRAM directly) and writes N bytes into the tile buffers; it takes as long as its
//!   slowest hop ([`path_cycles`]);
//! - a macro weight write of b bits reads ceil(b / 8) bytes from the tile buffers;
//! - a macro compute reads, per macro, per tile and per input vector, `rows` activations from its
//!   tile buffer and writes `cols / weight_bits` outputs back, each at the activation precision;
//! - vector-unit operand traffic is part of the vector unit's energy per op and is not charged
//!   again here.
//!
//! Byte counts are the requested ones (the useful data), not whole DRAM bursts.

use crate::components::{
    attention_array_cycles, attention_array_energy_pj, buffer_access_energy_pj, compute_cycles,
    compute_energy_pj, outputs_per_macro, path_cycles, transfer_energy_pj, vector_cycles,
    vector_energy_pj, write_cycles, write_energy_pj, Path,
};
use crate::config::{HardwareConfig, WeightPath};
use crate::program::{DataClass, TaskKind};

use super::stats::{BusyKind, EnergyKind, ENERGY_KINDS};

/// Cost model of the non-DRAM resources of one configuration.
#[derive(Debug, Clone)]
pub(crate) struct CostModel {
    cfg: HardwareConfig,
    /// Accelerator clock period, ps.
    pub(crate) cycle_ps: u64,
    activation_bits: u32,
}

/// Cost of one task: how long it occupies its resource and what kind of work it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TaskCost {
    pub(crate) duration_ps: u64,
    pub(crate) busy: BusyKind,
}

impl CostModel {
    pub(crate) fn new(cfg: &HardwareConfig, cycle_ps: u64) -> CostModel {
        CostModel {
            cfg: cfg.clone(),
            cycle_ps,
            activation_bits: cfg.precision.activation_bits,
        }
    }

    /// Duration of a non-DRAM task, and its energy added to `energy` (indexed by
    /// [`EnergyKind`]). DRAM tasks are timed by the DRAM port; only their buffer energy is
    /// charged here (see [`CostModel::dram_buffer_energy`]).
    pub(crate) fn task(&self, kind: &TaskKind, energy: &mut [f64; ENERGY_KINDS]) -> TaskCost {
        let m = &self.cfg.cim_macro;
        let chip = &self.cfg.chip;
        let (cycles, busy) = match *kind {
            TaskKind::MacroWrite { macros, bits } => {
                let bits_per_macro = bits.div_ceil(u64::from(macros.max(1)));
                energy[EnergyKind::MacroWrite as usize] += write_energy_pj(m, bits);
                energy[EnergyKind::Buffer as usize] +=
                    buffer_access_energy_pj(&chip.tile_buffer, bits.div_ceil(8));
                (write_cycles(m, bits_per_macro), BusyKind::MacroWrite)
            }
            TaskKind::MacroCompute {
                macros,
                tiles_per_macro,
                vectors,
                macs,
            } => {
                energy[EnergyKind::MacroCompute as usize] +=
                    compute_energy_pj(m, self.activation_bits, macs);
                let passes = u64::from(macros)
                    .saturating_mul(u64::from(tiles_per_macro))
                    .saturating_mul(vectors);
                let elems_per_pass = u64::from(m.rows) + outputs_per_macro(m);
                let bytes =
                    (passes as f64 * elems_per_pass as f64 * f64::from(self.activation_bits) / 8.0)
                        .ceil();
                energy[EnergyKind::Buffer as usize] +=
                    bytes * 8.0 * chip.tile_buffer.energy_pj_per_bit;
                (
                    compute_cycles(m, self.activation_bits, tiles_per_macro, vectors),
                    BusyKind::MacroCompute,
                )
            }
            TaskKind::Vector { op, elements, macs } => {
                energy[EnergyKind::Vector as usize] +=
                    vector_energy_pj(&chip.vector, op, elements, macs);
                (vector_cycles(&chip.vector, op, elements), BusyKind::Vector)
            }
            TaskKind::Transfer {
                bytes,
                tiles,
                from_global_buffer,
            } => {
                energy[EnergyKind::Interconnect as usize] +=
                    transfer_energy_pj(&chip.interconnect, bytes);
                let gb_read = if from_global_buffer {
                    buffer_access_energy_pj(&chip.global_buffer, bytes)
                } else {
                    0.0
                };
                energy[EnergyKind::Buffer as usize] +=
                    gb_read + buffer_access_energy_pj(&chip.tile_buffer, bytes);
                let path = Path {
                    interconnect: &chip.interconnect,
                    global_buffer: from_global_buffer.then_some(&chip.global_buffer),
                    tile_buffer: &chip.tile_buffer,
                };
                (path_cycles(&path, bytes, tiles), BusyKind::Interconnect)
            }
            TaskKind::AttentionMac { macs } => match &chip.attention_array {
                Some(a) => {
                    energy[EnergyKind::Attention as usize] += attention_array_energy_pj(a, macs);
                    (attention_array_cycles(a, macs), BusyKind::Attention)
                }
                // Lowering emits attention-array tasks only for a configuration that has one.
                None => (0, BusyKind::Attention),
            },
            TaskKind::DramRead { bytes, class, .. } | TaskKind::DramWrite { bytes, class, .. } => {
                energy[EnergyKind::Buffer as usize] += self.dram_buffer_energy(class, bytes);
                (0, BusyKind::Dram)
            }
        };
        TaskCost {
            duration_ps: cycles.saturating_mul(self.cycle_ps),
            busy,
        }
    }

    /// Global-buffer energy of `bytes` of `class` arriving from or leaving for DRAM; none for
    /// weights on the `direct` path (the transfer that carries them charges the tile buffers).
    pub(crate) fn dram_buffer_energy(&self, class: DataClass, bytes: u64) -> f64 {
        match (class, self.cfg.chip.weight_path) {
            (DataClass::Weights, WeightPath::Direct) => 0.0,
            (DataClass::Weights, WeightPath::GlobalBuffer)
            | (DataClass::KvCache | DataClass::Activations | DataClass::State, _) => {
                buffer_access_energy_pj(&self.cfg.chip.global_buffer, bytes)
            }
        }
    }
}
