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

/// DRAM energy in closed form, for analytic models: dynamic energy per bit moved, by term,
/// plus refresh and background power over time. Built by [`EnergyRates::of`] from the same IDD
/// increments the cycle-level model charges, with the activations per bit and the background
/// power while streaming measured on a sequential read stream (what a weight stream is).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EnergyRates {
    /// ACT/PRE energy per bit moved (the streaming probe's activations per bit).
    pub act_pre_pj_per_bit: f64,
    /// Core energy per bit read / written.
    pub read_pj_per_bit: f64,
    pub write_pj_per_bit: f64,
    /// I/O (VDDQ) energy per bit read / written.
    pub io_read_pj_per_bit: f64,
    pub io_write_pj_per_bit: f64,
    /// Refresh power of all ranks, mW (= pJ/ns).
    pub refresh_mw: f64,
    /// Background power while the DRAM streams (the probe's standby), mW.
    pub background_busy_mw: f64,
    /// Background power while the DRAM has nothing to do, mW: every rank in precharge
    /// power-down when the spec has a power-down policy, else in precharge standby. Idle
    /// stretches inside a phase are taken to be short against the self-refresh threshold.
    pub background_idle_mw: f64,
    /// A flat `energy_pj_per_bit` override: every bit costs this, reported as read/write, and
    /// the other rates are zero.
    pub flat: bool,
}

/// Requests of the sequential read stream [`EnergyRates::of`] measures (2 MiB of 64-byte
/// bursts on the presets): several refresh intervals long, milliseconds to simulate.
const PROBE_BYTES: u64 = 1 << 21;

impl EnergyRates {
    /// The rates of `spec` (measured once per distinct spec and remembered for the process).
    pub fn of(spec: &DramSpec) -> EnergyRates {
        static MEMO: std::sync::Mutex<Vec<(DramSpec, EnergyRates)>> =
            std::sync::Mutex::new(Vec::new());
        if let Some(r) = MEMO
            .lock()
            .ok()
            .and_then(|m| m.iter().find(|(s, _)| s == spec).map(|(_, r)| *r))
        {
            return r;
        }
        let r = EnergyRates::measure(spec);
        if let Ok(mut m) = MEMO.lock() {
            if m.len() >= 64 {
                m.remove(0);
            }
            m.push((spec.clone(), r));
        }
        r
    }

    fn measure(spec: &DramSpec) -> EnergyRates {
        let bits_per_burst = (spec.request_bytes() * 8).max(1) as f64;
        if let Some(pj) = spec.power.energy_pj_per_bit {
            return EnergyRates {
                read_pj_per_bit: pj,
                write_pj_per_bit: pj,
                flat: true,
                ..EnergyRates::default()
            };
        }
        let e = EnergyIncrements::new(spec);
        let req = spec.request_bytes().max(1);
        let requests: Vec<crate::TraceRequest> = (0..PROBE_BYTES / req)
            .map(|i| crate::TraceRequest {
                addr: i * req,
                is_write: false,
                cycle: 0,
            })
            .collect();
        let report = crate::run_trace(spec, &requests);
        let s = &report.stats;
        let bits = (s.read_commands.max(1)) as f64 * bits_per_burst;
        let ns = (s.cycles.max(1)) as f64 * spec.tck_ns();
        let ranks = f64::from(spec.channels()) * f64::from(spec.ranks());
        let t = &spec.timing;
        let has_pd = spec.controller.power_down_after_cycles.is_some();
        let idle_per_rank_cycle = if has_pd {
            e.precharge_power_down_pj
        } else {
            e.precharge_standby_pj
        };
        EnergyRates {
            act_pre_pj_per_bit: s.energy.activate_pj / bits,
            read_pj_per_bit: e.read_pj / bits_per_burst,
            write_pj_per_bit: e.write_pj / bits_per_burst,
            io_read_pj_per_bit: e.io_read_pj / bits_per_burst,
            io_write_pj_per_bit: e.io_write_pj / bits_per_burst,
            refresh_mw: ranks * e.refresh_pj / (t.trefi.max(1) as f64 * spec.tck_ns()),
            background_busy_mw: s.energy.background_pj / ns,
            background_idle_mw: ranks * idle_per_rank_cycle / spec.tck_ns(),
            flat: false,
        }
    }

    /// Energy of a phase by term, pJ, in [`crate::EnergyBreakdown::terms`]' order (`act_pre`,
    /// `read_write`, `io`, `refresh`, `background`): `read_bytes` and `write_bytes` moved,
    /// the DRAM busy for `busy_ns` of the phase's `time_ns`.
    pub fn phase_pj(
        &self,
        read_bytes: u64,
        write_bytes: u64,
        busy_ns: f64,
        time_ns: f64,
    ) -> [(&'static str, f64); 5] {
        let (r, w) = (read_bytes as f64 * 8.0, write_bytes as f64 * 8.0);
        let busy = busy_ns.clamp(0.0, time_ns.max(0.0));
        let idle = (time_ns - busy).max(0.0);
        [
            ("act_pre", (r + w) * self.act_pre_pj_per_bit),
            (
                "read_write",
                r * self.read_pj_per_bit + w * self.write_pj_per_bit,
            ),
            (
                "io",
                r * self.io_read_pj_per_bit + w * self.io_write_pj_per_bit,
            ),
            ("refresh", self.refresh_mw * time_ns.max(0.0)),
            (
                "background",
                self.background_busy_mw * busy + self.background_idle_mw * idle,
            ),
        ]
    }
}
