//! Counters of a DRAM system and the energy derived from them.

use crate::energy::EnergyIncrements;
use serde::Serialize;

/// Energy by source, pJ. The five terms `activate_pj + read_pj + write_pj + io_pj +
/// refresh_pj + background_pj` add up to the total; `standby_pj + power_down_pj +
/// self_refresh_pj` is `background_pj`. With a flat `energy_pj_per_bit` everything is in
/// `read_pj` / `write_pj` (the override has no breakdown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct EnergyBreakdown {
    /// ACT and its PRE.
    pub activate_pj: f64,
    /// Read bursts, core supply.
    pub read_pj: f64,
    /// Write bursts, core supply.
    pub write_pj: f64,
    /// Read and write bursts, I/O supply (VDDQ).
    pub io_pj: f64,
    /// REF commands (not those issued while the rank is in self-refresh).
    pub refresh_pj: f64,
    /// Standby, power-down and self-refresh.
    pub background_pj: f64,
    /// Active (IDD3N) and precharge (IDD2N) standby.
    pub standby_pj: f64,
    /// Power-down (IDD3P / IDD2P) and its exits.
    pub power_down_pj: f64,
    /// Self-refresh (IDD6) and its exits.
    pub self_refresh_pj: f64,
}

impl EnergyBreakdown {
    /// The five reported terms with their output names: `act_pre`, `read_write` (core),
    /// `io`, `refresh`, `background` (pJ).
    pub fn terms(&self) -> [(&'static str, f64); 5] {
        [
            ("act_pre", self.activate_pj),
            ("read_write", self.read_pj + self.write_pj),
            ("io", self.io_pj),
            ("refresh", self.refresh_pj),
            ("background", self.background_pj),
        ]
    }
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
    /// Rank-cycles with at least one bank open / with all banks closed (every rank-cycle is
    /// one of the two; the power-down and self-refresh cycles below are among them).
    pub active_rank_cycles: u64,
    pub precharged_rank_cycles: u64,
    /// Rank-cycles in power-down with a bank open / with all banks closed, and in
    /// self-refresh (see `ControllerConfig::power_down_after_cycles`).
    pub active_power_down_rank_cycles: u64,
    pub precharge_power_down_rank_cycles: u64,
    pub self_refresh_rank_cycles: u64,
    /// The self-refresh rank-cycles during which the model's rank had a bank open (a real
    /// controller closes it on entry; counted out of `active_rank_cycles`' standby).
    #[serde(skip)]
    pub(crate) self_refresh_open_rank_cycles: u64,
    /// Wake-ups from power-down and from self-refresh.
    pub power_down_exits: u64,
    pub self_refresh_exits: u64,
    /// REF commands issued while their rank was in self-refresh (in `refreshes`, not charged:
    /// IDD6 includes the device's own refresh).
    pub self_refresh_refreshes: u64,
    /// HBM: cycles in which a second command issued on the other command bus (DRAMsim3's
    /// `hbm_dual_cmds`).
    #[serde(skip_serializing_if = "is_zero")]
    pub dual_commands: u64,
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
            EnergyModel::Idd(inc) => {
                let sr_open = self.self_refresh_open_rank_cycles;
                let sr_closed = self.self_refresh_rank_cycles.saturating_sub(sr_open);
                let active = self
                    .active_rank_cycles
                    .saturating_sub(self.active_power_down_rank_cycles + sr_open);
                let precharged = self
                    .precharged_rank_cycles
                    .saturating_sub(self.precharge_power_down_rank_cycles + sr_closed);
                let standby = active as f64 * inc.active_standby_pj
                    + precharged as f64 * inc.precharge_standby_pj;
                let power_down = self.active_power_down_rank_cycles as f64
                    * inc.active_power_down_pj
                    + self.precharge_power_down_rank_cycles as f64 * inc.precharge_power_down_pj
                    + self.power_down_exits as f64 * inc.power_down_exit_pj;
                let self_refresh = self.self_refresh_rank_cycles as f64 * inc.self_refresh_pj
                    + self.self_refresh_exits as f64 * inc.self_refresh_exit_pj;
                EnergyBreakdown {
                    activate_pj: self.activates as f64 * inc.act_pj,
                    read_pj: self.read_commands as f64 * inc.read_pj,
                    write_pj: self.write_commands as f64 * inc.write_pj,
                    io_pj: self.read_commands as f64 * inc.io_read_pj
                        + self.write_commands as f64 * inc.io_write_pj,
                    refresh_pj: self.refreshes.saturating_sub(self.self_refresh_refreshes) as f64
                        * inc.refresh_pj,
                    background_pj: standby + power_down + self_refresh,
                    standby_pj: standby,
                    power_down_pj: power_down,
                    self_refresh_pj: self_refresh,
                }
            }
            EnergyModel::PerBit { pj_per_request, .. } => EnergyBreakdown {
                read_pj: self.read_commands as f64 * pj_per_request,
                write_pj: self.write_commands as f64 * pj_per_request,
                ..EnergyBreakdown::default()
            },
        };
        self.energy = e;
        self.energy_pj = e.terms().iter().map(|(_, v)| v).sum();
    }
}

/// How energy is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum EnergyModel {
    Idd(EnergyIncrements),
    PerBit { pj_per_request: f64 },
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}
