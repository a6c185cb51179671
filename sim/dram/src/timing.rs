//! Command-to-command minimum distances, derived from the JEDEC parameters the way DRAMsim3's
//! `timing.cc` does, grouped by scope: the same bank, the bank group, the rank, and the other
//! ranks of the channel. A distance of 0 means no constraint.
//!
//! Formulas (burst = BL / transfers per clock, RL = AL + CL, WL = AL + CWL):
//! RD→RD max(burst, tCCD_L|S), other rank burst + tRTRS; RD→WR RL + burst − WL + tRTRS (any rank);
//! RD→PRE AL + tRTP; WR→RD WL + burst + tWTR_L|S, other rank WL + burst + tRTRS − RL;
//! WR→WR max(burst, tCCD_L|S), other rank burst; WR→PRE WL + burst + tWR; ACT→ACT tRC (bank),
//! tRRD_L|S; ACT→RD/WR tRCD − AL (GDDR/HBM: tRCDRD, tRCDWR); ACT→PRE tRAS; PRE→ACT tRP; PRE→PRE tPPD (LPDDR4/5);
//! RDA→ACT AL + burst + tRTP + tRP; WRA→ACT WL + burst + tWR + tRP; REF→ACT/REF tRFC.
//! With a single bank group the _L values are replaced by the _S ones, as in DRAMsim3.

use crate::command::{CommandKind, NUM_KINDS};
use crate::spec::DramSpec;

/// `[issued kind][later kind]` → minimum distance in cycles.
pub type Table = [[u64; NUM_KINDS]; NUM_KINDS];

/// Distances per scope. A scope's entry applies to every bank in the scope (the finer scopes
/// carry values at least as large, which `DramSpec::validate` guarantees).
#[derive(Debug, Clone)]
pub struct TimingTable {
    pub same_bank: Table,
    pub same_bankgroup: Table,
    pub same_rank: Table,
    pub other_ranks: Table,
}

impl TimingTable {
    pub fn new(spec: &DramSpec) -> TimingTable {
        use CommandKind::*;
        let t = &spec.timing;
        let burst = spec.burst_cycles();
        let rl = spec.read_latency();
        let wl = spec.write_latency();
        let single_bg = spec.organization.bankgroups == 1;
        let (tccd_l, twtr_l, trrd_l) = if single_bg {
            (t.tccd_s, t.twtr_s, t.trrd_s)
        } else {
            (t.tccd_l, t.twtr_l, t.trrd_l)
        };
        let sub = |a: u64, b: u64| a.saturating_sub(b);
        let read_to_read_l = burst.max(tccd_l);
        let read_to_read_s = burst.max(t.tccd_s);
        let read_to_read_o = burst + t.trtrs;
        let read_to_write = sub(rl + burst + t.trtrs, wl);
        let read_to_precharge = t.al + t.trtp;
        let readp_to_act = t.al + burst + t.trtp + t.trp;
        let write_to_read_l = wl + burst + twtr_l;
        let write_to_read_s = wl + burst + t.twtr_s;
        let write_to_read_o = sub(wl + burst + t.trtrs, rl);
        let write_to_write_l = burst.max(tccd_l);
        let write_to_write_s = burst.max(t.tccd_s);
        let write_to_write_o = burst;
        let write_to_precharge = wl + burst + t.twr;
        let write_to_act = write_to_precharge + t.trp;
        let act_to_col = sub(t.trcd, t.al);
        // GDDR/HBM's tRCDWR (DRAMsim3's activate_to_write); otherwise the same as ACT→RD.
        let act_to_write = if t.trcd_wr > 0 {
            sub(t.trcd_wr, t.al)
        } else {
            act_to_col
        };

        let mut same_bank = [[0; NUM_KINDS]; NUM_KINDS];
        let mut same_bankgroup = [[0; NUM_KINDS]; NUM_KINDS];
        let mut same_rank = [[0; NUM_KINDS]; NUM_KINDS];
        let mut other_ranks = [[0; NUM_KINDS]; NUM_KINDS];
        let set = |tab: &mut Table, from: CommandKind, to: &[CommandKind], d: u64| {
            for k in to {
                tab[from.index()][k.index()] = d;
            }
        };
        for from in [Read, ReadPrecharge] {
            set(
                &mut same_bankgroup,
                from,
                &[Read, ReadPrecharge],
                read_to_read_l,
            );
            set(
                &mut same_bankgroup,
                from,
                &[Write, WritePrecharge],
                read_to_write,
            );
            set(&mut same_rank, from, &[Read, ReadPrecharge], read_to_read_s);
            set(
                &mut same_rank,
                from,
                &[Write, WritePrecharge],
                read_to_write,
            );
            set(
                &mut other_ranks,
                from,
                &[Read, ReadPrecharge],
                read_to_read_o,
            );
            set(
                &mut other_ranks,
                from,
                &[Write, WritePrecharge],
                read_to_write,
            );
        }
        for from in [Write, WritePrecharge] {
            set(
                &mut same_bankgroup,
                from,
                &[Read, ReadPrecharge],
                write_to_read_l,
            );
            set(
                &mut same_bankgroup,
                from,
                &[Write, WritePrecharge],
                write_to_write_l,
            );
            set(
                &mut same_rank,
                from,
                &[Read, ReadPrecharge],
                write_to_read_s,
            );
            set(
                &mut same_rank,
                from,
                &[Write, WritePrecharge],
                write_to_write_s,
            );
            set(
                &mut other_ranks,
                from,
                &[Read, ReadPrecharge],
                write_to_read_o,
            );
            set(
                &mut other_ranks,
                from,
                &[Write, WritePrecharge],
                write_to_write_o,
            );
        }
        set(&mut same_bank, Read, &[Precharge], read_to_precharge);
        set(&mut same_bank, Write, &[Precharge], write_to_precharge);
        set(&mut same_bank, ReadPrecharge, &[Activate], readp_to_act);
        set(
            &mut same_bank,
            ReadPrecharge,
            &[Refresh],
            read_to_precharge + t.trp,
        );
        set(
            &mut same_bank,
            WritePrecharge,
            &[Activate, Refresh],
            write_to_act,
        );

        set(&mut same_bank, Activate, &[Activate], t.trc);
        set(&mut same_bank, Activate, &[Read, ReadPrecharge], act_to_col);
        set(
            &mut same_bank,
            Activate,
            &[Write, WritePrecharge],
            act_to_write,
        );
        set(&mut same_bank, Activate, &[Precharge], t.tras);
        set(&mut same_bankgroup, Activate, &[Activate], trrd_l);
        set(&mut same_rank, Activate, &[Activate], t.trrd_s);

        set(&mut same_bank, Precharge, &[Activate, Refresh], t.trp);
        if spec.protocol.has_tppd() {
            set(&mut same_bankgroup, Precharge, &[Precharge], t.tppd);
            set(&mut same_rank, Precharge, &[Precharge], t.tppd);
        }
        set(&mut same_rank, Refresh, &[Activate, Refresh], t.trfc);
        TimingTable {
            same_bank,
            same_bankgroup,
            same_rank,
            other_ranks,
        }
    }
}
