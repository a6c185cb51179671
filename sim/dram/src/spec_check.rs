//! Validation of a [`DramSpec`]: ranges, JEDEC orderings (tRC ≥ tRAS + tRP, the _L values
//! at least the _S ones), what each standard requires, and the idle policies' currents.

use crate::error::DramError;
use crate::spec::{DramSpec, IddCurrents};

impl DramSpec {
    /// The optional currents (power-down, self-refresh, I/O) and the idle policies that need
    /// them.
    fn validate_power_states(&self, origin: &str) -> Result<(), DramError> {
        let idd = self.power.idd.as_ref();
        let opt = |f: fn(&IddCurrents) -> Option<f64>| idd.and_then(f);
        for (key, v) in [
            ("power.idd.idd2p", opt(|i| i.idd2p)),
            ("power.idd.idd3p", opt(|i| i.idd3p)),
            ("power.idd.idd6", opt(|i| i.idd6)),
            ("power.idd.vddq", opt(|i| i.vddq)),
            ("power.idd.iddq4r", opt(|i| i.iddq4r)),
            ("power.idd.iddq4w", opt(|i| i.iddq4w)),
        ] {
            if let Some(v) = v {
                if !(v.is_finite() && (0.0..=100_000.0).contains(&v)) {
                    return Err(DramError::bad(
                        origin,
                        key,
                        v,
                        "a finite value from 0 to 100000",
                    ));
                }
            }
        }
        let c = &self.controller;
        let max = 1u64 << 40;
        if let Some(n) = c.power_down_after_cycles {
            if !(1..=max).contains(&n) {
                return Err(DramError::bad(
                    origin,
                    "controller.power_down_after_cycles",
                    n,
                    format!("1 to {max} cycles"),
                ));
            }
            if opt(|i| i.idd2p).is_none() || opt(|i| i.idd3p).is_none() {
                return Err(DramError::MissingKey {
                    path: origin.to_string(),
                    key: "power.idd.idd2p and power.idd.idd3p (a power-down policy is set)"
                        .to_string(),
                });
            }
        }
        if let Some(n) = c.self_refresh_after_cycles {
            let min = c.power_down_after_cycles.unwrap_or(0) + 1;
            if !(min..=max).contains(&n) {
                return Err(DramError::bad(
                    origin,
                    "controller.self_refresh_after_cycles",
                    n,
                    format!("{min} to {max} cycles (more than power_down_after_cycles)"),
                ));
            }
            if opt(|i| i.idd6).is_none() {
                return Err(DramError::MissingKey {
                    path: origin.to_string(),
                    key: "power.idd.idd6 (a self-refresh policy is set)".to_string(),
                });
            }
        }
        Ok(())
    }

    /// Checks that the description is usable; `origin` names the source in messages.
    pub fn validate(&self, origin: &str) -> Result<(), DramError> {
        let o = &self.organization;
        let t = &self.timing;
        let pow2 = |key: &str, v: u64| -> Result<(), DramError> {
            if v == 0 || !v.is_power_of_two() {
                return Err(DramError::bad(origin, key, v, "a power of two ≥ 1"));
            }
            Ok(())
        };
        pow2("organization.channels", u64::from(o.channels))?;
        pow2("organization.ranks", u64::from(o.ranks))?;
        pow2("organization.bankgroups", u64::from(o.bankgroups))?;
        pow2("organization.banks_per_group", u64::from(o.banks_per_group))?;
        pow2("organization.rows", o.rows)?;
        pow2("organization.columns", o.columns)?;
        pow2("organization.device_width", u64::from(o.device_width))?;
        pow2("organization.bus_width", u64::from(o.bus_width))?;
        pow2("organization.burst_length", u64::from(o.burst_length))?;
        if o.channels > 64 || o.ranks > 16 || self.banks() > 64 {
            return Err(DramError::bad(
                origin,
                "organization",
                format!(
                    "{} channels, {} ranks, {} banks",
                    o.channels,
                    o.ranks,
                    self.banks()
                ),
                "at most 64 channels, 16 ranks and 64 banks per rank",
            ));
        }
        // Beyond any JEDEC part by orders of magnitude; keeps capacities (row bytes x rows x
        // banks x ranks) well inside u64.
        for (key, v, max) in [
            ("organization.rows", o.rows, 1u64 << 24),
            ("organization.columns", o.columns, 1 << 16),
            ("organization.device_width", u64::from(o.device_width), 128),
            ("organization.bus_width", u64::from(o.bus_width), 1024),
            ("organization.burst_length", u64::from(o.burst_length), 64),
        ] {
            if v > max {
                return Err(DramError::bad(
                    origin,
                    key,
                    v,
                    format!("a power of two from 1 to {max}"),
                ));
            }
        }
        if o.bus_width < o.device_width || o.bus_width < 8 {
            return Err(DramError::bad(
                origin,
                "organization.bus_width",
                o.bus_width,
                format!("≥ 8 and ≥ device_width ({})", o.device_width),
            ));
        }
        let tpc = self.protocol.transfers_per_clock();
        if u64::from(o.burst_length) < tpc || u64::from(o.burst_length) > o.columns {
            return Err(DramError::bad(
                origin,
                "organization.burst_length",
                o.burst_length,
                format!("between {tpc} (one clock) and columns ({})", o.columns),
            ));
        }
        if !(1..=100_000).contains(&t.tck_ps) {
            return Err(DramError::bad(
                origin,
                "timing.tck_ps",
                t.tck_ps,
                "1 to 100000 ps",
            ));
        }
        for (key, v) in [
            ("timing.cl", t.cl),
            ("timing.cwl", t.cwl),
            ("timing.trcd", t.trcd),
            ("timing.trp", t.trp),
            ("timing.tras", t.tras),
            ("timing.trc", t.trc),
            ("timing.trefi", t.trefi),
            ("timing.trfc", t.trfc),
        ] {
            if v == 0 || v > 1_000_000 {
                return Err(DramError::bad(origin, key, v, "1 to 1000000 cycles"));
            }
        }
        for (key, v) in [
            ("timing.al", t.al),
            ("timing.trtp", t.trtp),
            ("timing.twr", t.twr),
            ("timing.twtr_s", t.twtr_s),
            ("timing.twtr_l", t.twtr_l),
            ("timing.tfaw", t.tfaw),
            ("timing.trtrs", t.trtrs),
            ("timing.tppd", t.tppd),
            // 0 is DRAMsim3's "no constraint beyond the burst" (its LPDDR file has tCCD_L 0).
            ("timing.tccd_s", t.tccd_s),
            ("timing.tccd_l", t.tccd_l),
            ("timing.trrd_s", t.trrd_s),
            ("timing.trrd_l", t.trrd_l),
        ] {
            if v > 1_000_000 {
                return Err(DramError::bad(origin, key, v, "0 to 1000000 cycles"));
            }
        }
        // The scheduler keeps one "earliest time" per bank group and per rank and lets the
        // coarser level stand for the finer one, which is exact when the long (same bank group)
        // constraint is at least the short one, as JEDEC specifies.
        for (key, l, s) in [
            ("timing.tccd_l", t.tccd_l, t.tccd_s),
            ("timing.trrd_l", t.trrd_l, t.trrd_s),
            ("timing.twtr_l", t.twtr_l, t.twtr_s),
        ] {
            if l < s {
                return Err(DramError::bad(
                    origin,
                    key,
                    l,
                    format!("≥ the _s value ({s})"),
                ));
            }
        }
        // JEDEC: a row is open at least tRAS and closing it takes tRP, so ACT to ACT on one
        // bank (tRC) is at least their sum; a column command needs the row open (tRCD ≤ tRAS).
        if t.trc < t.tras + t.trp {
            return Err(DramError::bad(
                origin,
                "timing.trc",
                t.trc,
                format!("≥ tras + trp ({} + {} = {})", t.tras, t.trp, t.tras + t.trp),
            ));
        }
        let act_to_col = t.trcd.max(t.trcd_wr).saturating_sub(t.al);
        if act_to_col > t.tras {
            return Err(DramError::bad(
                origin,
                if t.trcd_wr > t.trcd {
                    "timing.trcd_wr"
                } else {
                    "timing.trcd"
                },
                t.trcd.max(t.trcd_wr),
                format!(
                    "at most tras + al ({} + {}): the row must still be open for the first \
                     read or write",
                    t.tras, t.al
                ),
            ));
        }
        for (key, v) in [("timing.trcd_wr", t.trcd_wr), ("timing.t32aw", t.t32aw)] {
            if v > 1_000_000 {
                return Err(DramError::bad(origin, key, v, "0 to 1000000 cycles"));
            }
        }
        if t.t32aw > 0 && !self.protocol.has_32aw() {
            return Err(DramError::bad(
                origin,
                "timing.t32aw",
                t.t32aw,
                format!(
                    "0 for {} (the 32-activate window is GDDR's)",
                    self.protocol.name()
                ),
            ));
        }
        if self.controller.dual_command_bus && !self.protocol.is_hbm() {
            return Err(DramError::bad(
                origin,
                "controller.dual_command_bus",
                true,
                format!(
                    "false for {} (only HBM has separate row and column command buses)",
                    self.protocol.name()
                ),
            ));
        }
        // A refresh closes every row of its rank; an access whose constraints span more than
        // the gap between refreshes would be cut off by every refresh and never complete.
        let access = [
            t.trcd,
            t.tras,
            t.trp,
            t.al,
            t.cl.max(t.cwl),
            t.twr,
            t.trtp,
            t.tccd_l,
            t.twtr_l,
            t.trrd_l,
            t.tfaw,
            t.trtrs,
            t.tppd,
        ]
        .iter()
        .fold(self.burst_cycles(), |sum, v| sum.saturating_add(*v));
        if t.trefi > t.trfc && access >= t.trefi - t.trfc {
            return Err(DramError::bad(
                origin,
                "timing.trefi",
                t.trefi,
                format!(
                    "the sum of the access constraints (tRCD + tRAS + tRP + AL + max(CL, CWL) + \
                     tWR + tRTP + tCCD_L + tWTR_L + tRRD_L + tFAW + tRTRS + tPPD + burst = {access} \
                     cycles) must be less than tREFI − tRFC ({} − {}); a refresh would close \
                     every row before an access completes",
                    t.trefi, t.trfc
                ),
            ));
        }
        if t.trefi <= t.trfc {
            return Err(DramError::bad(
                origin,
                "timing.trefi",
                t.trefi,
                format!("> trfc ({})", t.trfc),
            ));
        }
        match (&self.power.idd, self.power.energy_pj_per_bit) {
            (None, None) => {
                return Err(DramError::MissingKey {
                    path: origin.to_string(),
                    key: "power.idd or power.energy_pj_per_bit".to_string(),
                })
            }
            (_, Some(pj)) if !(pj.is_finite() && (0.0..=1000.0).contains(&pj)) => {
                return Err(DramError::bad(
                    origin,
                    "power.energy_pj_per_bit",
                    pj,
                    "0 to 1000 pJ/bit",
                ));
            }
            _ => {}
        }
        if let Some(idd) = &self.power.idd {
            for (key, v) in [
                ("power.idd.vdd", idd.vdd),
                ("power.idd.idd0", idd.idd0),
                ("power.idd.idd2n", idd.idd2n),
                ("power.idd.idd3n", idd.idd3n),
                ("power.idd.idd4r", idd.idd4r),
                ("power.idd.idd4w", idd.idd4w),
                ("power.idd.idd5ab", idd.idd5ab),
            ] {
                if !(v.is_finite() && (0.0..=100_000.0).contains(&v)) {
                    return Err(DramError::bad(
                        origin,
                        key,
                        v,
                        "a finite value from 0 to 100000",
                    ));
                }
            }
        }
        for (key, v) in [
            ("timing.txp", t.txp),
            ("timing.txs", t.txs),
            ("timing.tcke", t.tcke),
            ("timing.tckesr", t.tckesr),
        ] {
            if v > 1_000_000 {
                return Err(DramError::bad(origin, key, v, "0 to 1000000 cycles"));
            }
        }
        self.validate_power_states(origin)?;
        let c = &self.controller;
        crate::address::AddressMapping::new(self).map_err(|allowed| {
            DramError::bad(
                origin,
                "controller.address_mapping",
                &c.address_mapping,
                allowed,
            )
        })?;
        if !(1..=1024).contains(&c.cmd_queue_size) {
            return Err(DramError::bad(
                origin,
                "controller.cmd_queue_size",
                c.cmd_queue_size,
                "1 to 1024",
            ));
        }
        if !(1..=4096).contains(&c.trans_queue_size) {
            return Err(DramError::bad(
                origin,
                "controller.trans_queue_size",
                c.trans_queue_size,
                "1 to 4096",
            ));
        }
        Ok(())
    }
}
