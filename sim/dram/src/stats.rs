//! Counters of a DRAM system and the energy derived from them.

use crate::energy::EnergyIncrements;
use serde::Serialize;

/// Energy by source, pJ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct EnergyBreakdown {
    pub activate_pj: f64,
    pub read_pj: f64,
    pub write_pj: f64,
    pub refresh_pj: f64,
    pub background_pj: f64,
}

/// Monotonic counters since the system was created. `reads`/`writes` and the byte counts are
/// completed requests; `read_commands`/`write_commands` are issued bursts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DramStats {
    /// DRAM cycles simulated.
    pub cycles: u64,
    pub reads: u64,
    pub writes: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
    pub read_commands: u64,
    pub write_commands: u64,
    pub activates: u64,
    pub precharges: u64,
    /// Reads/writes to a row that an earlier read/write had already used since its ACT
    /// (DRAMsim3's definition).
    pub row_hits: u64,
    pub refreshes: u64,
    /// Sum and maximum of (completion − arrival) over completed reads, cycles.
    pub read_latency_sum_cycles: u64,
    pub read_latency_max_cycles: u64,
    /// Rank-cycles with at least one bank open / with all banks closed.
    pub active_rank_cycles: u64,
    pub precharged_rank_cycles: u64,
    pub energy: EnergyBreakdown,
    /// Total energy, pJ (IDD model including background up to `cycles`, or bits × pJ/bit).
    pub energy_pj: f64,
}

impl DramStats {
    pub fn avg_read_latency_cycles(&self) -> f64 {
        if self.reads == 0 {
            0.0
        } else {
            self.read_latency_sum_cycles as f64 / self.reads as f64
        }
    }

    /// Recomputes the energy fields from the counters.
    pub(crate) fn update_energy(&mut self, model: &EnergyModel) {
        let e = match *model {
            EnergyModel::Idd(inc) => EnergyBreakdown {
                activate_pj: self.activates as f64 * inc.act_pj,
                read_pj: self.read_commands as f64 * inc.read_pj,
                write_pj: self.write_commands as f64 * inc.write_pj,
                refresh_pj: self.refreshes as f64 * inc.refresh_pj,
                background_pj: self.active_rank_cycles as f64 * inc.active_standby_pj
                    + self.precharged_rank_cycles as f64 * inc.precharge_standby_pj,
            },
            EnergyModel::PerBit { pj_per_request, .. } => EnergyBreakdown {
                read_pj: self.read_commands as f64 * pj_per_request,
                write_pj: self.write_commands as f64 * pj_per_request,
                ..EnergyBreakdown::default()
            },
        };
        self.energy = e;
        self.energy_pj = e.activate_pj + e.read_pj + e.write_pj + e.refresh_pj + e.background_pj;
    }
}

/// How energy is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum EnergyModel {
    Idd(EnergyIncrements),
    PerBit { pj_per_request: f64 },
}
