//! IDD-based energy the way DRAMsim3 computes it, extended with I/O, power-down and
//! self-refresh: fixed increments per ACT, READ, WRITE and REFRESH command (core supply), an I/O
//! increment per READ and WRITE burst (VDDQ), plus per-rank background: active standby IDD3N
//! while any bank of the rank is open, precharge standby IDD2N otherwise, and, under the
//! controller's idle policies, power-down (IDD3P / IDD2P) and self-refresh (IDD6) with their
//! exit costs; all multiplied by the devices of a rank. DRAMsim3 reports V·mA·cycles; here
//! cycles are converted to ns, so the unit is pJ.

use crate::spec::DramSpec;

/// Energy of each event in pJ. All zeros when the spec has no IDD currents.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EnergyIncrements {
    /// One activation (with its precharge): VDD·(IDD0·tRC − IDD3N·tRAS − IDD2N·tRP).
    pub act_pj: f64,
    /// One read burst, core: VDD·(IDD4R − IDD3N)·burst.
    pub read_pj: f64,
    /// One write burst, core: VDD·(IDD4W − IDD3N)·burst.
    pub write_pj: f64,
    /// One read burst, I/O: VDDQ·IDDQ4R·burst (0 without VDDQ currents).
    pub io_read_pj: f64,
    /// One write burst, I/O: VDDQ·IDDQ4W·burst.
    pub io_write_pj: f64,
    /// One all-bank refresh: VDD·(IDD5AB − IDD3N)·tRFC.
    pub refresh_pj: f64,
    /// One rank-cycle with a bank open: VDD·IDD3N·tCK.
    pub active_standby_pj: f64,
    /// One rank-cycle with all banks closed: VDD·IDD2N·tCK.
    pub precharge_standby_pj: f64,
    /// One rank-cycle in active power-down: VDD·IDD3P·tCK (IDD3N without IDD3P).
    pub active_power_down_pj: f64,
    /// One rank-cycle in precharge power-down: VDD·IDD2P·tCK (IDD2N without IDD2P).
    pub precharge_power_down_pj: f64,
    /// One rank-cycle in self-refresh: VDD·IDD6·tCK (IDD2P, else IDD2N, without IDD6).
    pub self_refresh_pj: f64,
    /// Leaving power-down: tXP cycles at precharge standby instead of power-down,
    /// VDD·(IDD2N − IDD2P)·tXP.
    pub power_down_exit_pj: f64,
    /// Leaving self-refresh: VDD·(IDD2N − IDD6)·tXS.
    pub self_refresh_exit_pj: f64,
}

impl EnergyIncrements {
    pub fn new(spec: &DramSpec) -> EnergyIncrements {
        let Some(idd) = &spec.power.idd else {
            return EnergyIncrements::default();
        };
        let t = &spec.timing;
        // mA × V × ns = pJ.
        let per_cycle = spec.devices_per_rank() as f64 * spec.tck_ns();
        let k = idd.vdd * per_cycle;
        let kq = idd.vddq.unwrap_or(0.0) * per_cycle;
        let burst = spec.burst_cycles() as f64;
        let act = idd.idd0 * t.trc as f64 - (idd.idd3n * t.tras as f64 + idd.idd2n * t.trp as f64);
        let idd2p = idd.idd2p.unwrap_or(idd.idd2n);
        let idd3p = idd.idd3p.unwrap_or(idd.idd3n);
        let idd6 = idd.idd6.unwrap_or(idd2p);
        EnergyIncrements {
            act_pj: k * act.max(0.0),
            read_pj: k * (idd.idd4r - idd.idd3n).max(0.0) * burst,
            write_pj: k * (idd.idd4w - idd.idd3n).max(0.0) * burst,
            io_read_pj: kq * idd.iddq4r.unwrap_or(0.0) * burst,
            io_write_pj: kq * idd.iddq4w.unwrap_or(0.0) * burst,
            refresh_pj: k * (idd.idd5ab - idd.idd3n).max(0.0) * t.trfc as f64,
            active_standby_pj: k * idd.idd3n,
            precharge_standby_pj: k * idd.idd2n,
            active_power_down_pj: k * idd3p,
            precharge_power_down_pj: k * idd2p,
            self_refresh_pj: k * idd6,
            power_down_exit_pj: k * (idd.idd2n - idd2p).max(0.0) * t.txp as f64,
            self_refresh_exit_pj: k * (idd.idd2n - idd6).max(0.0) * t.txs as f64,
        }
    }
}
