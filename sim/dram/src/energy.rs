//! IDD-based energy the way DRAMsim3 computes it: fixed increments per ACT, READ, WRITE and
//! REFRESH command, plus per-rank background (active standby IDD3N while any bank of the rank is
//! open, precharge standby IDD2N otherwise), all multiplied by the devices of a rank. DRAMsim3
//! reports V·mA·cycles; here cycles are converted to ns, so the unit is pJ.

use crate::spec::DramSpec;

/// Energy of each event in pJ. All zeros when the spec has no IDD currents.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EnergyIncrements {
    /// One activation (with its precharge): VDD·(IDD0·tRC − IDD3N·tRAS − IDD2N·tRP).
    pub act_pj: f64,
    /// One read burst: VDD·(IDD4R − IDD3N)·burst.
    pub read_pj: f64,
    /// One write burst: VDD·(IDD4W − IDD3N)·burst.
    pub write_pj: f64,
    /// One all-bank refresh: VDD·(IDD5AB − IDD3N)·tRFC.
    pub refresh_pj: f64,
    /// One rank-cycle with a bank open: VDD·IDD3N·tCK.
    pub active_standby_pj: f64,
    /// One rank-cycle with all banks closed: VDD·IDD2N·tCK.
    pub precharge_standby_pj: f64,
}

impl EnergyIncrements {
    pub fn new(spec: &DramSpec) -> EnergyIncrements {
        let Some(idd) = &spec.power.idd else {
            return EnergyIncrements::default();
        };
        let t = &spec.timing;
        // mA × V × ns = pJ.
        let k = idd.vdd * spec.devices_per_rank() as f64 * spec.tck_ns();
        let burst = spec.burst_cycles() as f64;
        let act = idd.idd0 * t.trc as f64 - (idd.idd3n * t.tras as f64 + idd.idd2n * t.trp as f64);
        EnergyIncrements {
            act_pj: k * act.max(0.0),
            read_pj: k * (idd.idd4r - idd.idd3n).max(0.0) * burst,
            write_pj: k * (idd.idd4w - idd.idd3n).max(0.0) * burst,
            refresh_pj: k * (idd.idd5ab - idd.idd3n).max(0.0) * t.trfc as f64,
            active_standby_pj: k * idd.idd3n,
            precharge_standby_pj: k * idd.idd2n,
        }
    }
}
