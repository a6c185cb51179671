//! An independent checker of an issued-command log against the JEDEC rules, command by command,
//! written from the rules themselves (not from the scheduler's timing table): bank state
//! legality (ACT only to a closed bank, RD/WR only to the open row, REF only with all banks of
//! the rank closed), every minimum distance (tRCD, tRAS, tRC, tRP, tRTP, tWR, tCCD_S/L,
//! tRRD_S/L, tFAW, tWTR_S/L, read-to-write turnaround, rank-to-rank tRTRS, tPPD, tRFC), one
//! command per cycle on each channel's command bus, no overlap of data bursts on the data bus,
//! and at least one refresh per tREFI per rank (one may still be pending at the end).

use crate::command::{CommandKind, CommandRecord};
use crate::spec::DramSpec;
use std::fmt;

/// The first rule broken in a log.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingViolation {
    /// Position in the log (usize::MAX for end-of-log checks).
    pub index: usize,
    pub record: Option<CommandRecord>,
    pub message: String,
}

impl fmt::Display for TimingViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.record {
            Some(r) => write!(
                f,
                "command #{} {} at cycle {} (ch{} r{} bg{} b{} row {} col {}): {}",
                self.index,
                r.kind.name(),
                r.cycle,
                r.channel,
                r.rank,
                r.bankgroup,
                r.bank,
                r.row,
                r.column,
                self.message
            ),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for TimingViolation {}

/// What a successful check looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSummary {
    pub commands: usize,
    pub activates: usize,
    pub column_commands: usize,
    pub refreshes: usize,
}

#[derive(Debug, Clone, Default)]
struct Bank {
    open_row: Option<u32>,
    act: Option<u64>,
    /// Cycle the bank started precharging (explicit PRE or auto-precharge).
    pre: Option<u64>,
    /// Extra distance an ACT must keep from an auto-precharge (DRAMsim3 counts the burst).
    pre_act_extra: u64,
    rd: Option<u64>,
    wr: Option<u64>,
}

#[derive(Debug, Clone, Default)]
struct Group {
    rd: Option<u64>,
    wr: Option<u64>,
    act: Option<u64>,
}

#[derive(Debug, Clone, Default)]
struct Rank {
    rd: Option<u64>,
    wr: Option<u64>,
    act: Option<u64>,
    acts: Vec<u64>,
    pre: Option<u64>,
    refresh: Option<u64>,
    refreshes: u64,
}

fn since(now: u64, then: Option<u64>) -> Option<u64> {
    then.map(|t| now.saturating_sub(t))
}

/// Checks `log` (in issue order) against `spec`; `end_cycle` is the cycle the run ended at,
/// used for the refresh-rate check.
pub fn check_command_log(
    spec: &DramSpec,
    log: &[CommandRecord],
    end_cycle: u64,
) -> Result<CheckSummary, TimingViolation> {
    let o = &spec.organization;
    let t = &spec.timing;
    let ranks = o.ranks as usize;
    let bgs = o.bankgroups as usize;
    let bpg = o.banks_per_group as usize;
    let burst = spec.burst_cycles();
    let rl = spec.read_latency();
    let wl = spec.write_latency();
    let single_bg = o.bankgroups == 1;
    let tccd_l = if single_bg { t.tccd_s } else { t.tccd_l };
    let twtr_l = if single_bg { t.twtr_s } else { t.twtr_l };
    let trrd_l = if single_bg { t.trrd_s } else { t.trrd_l };
    let channels = o.channels as usize;

    let mut banks = vec![Bank::default(); channels * ranks * bgs * bpg];
    let mut groups = vec![Group::default(); channels * ranks * bgs];
    let mut rank_state = vec![Rank::default(); channels * ranks];
    let mut last_cycle: Vec<Option<u64>> = vec![None; 2 * channels];
    let mut bursts: Vec<Vec<(u64, u64)>> = vec![Vec::new(); channels];
    let mut summary = CheckSummary {
        commands: log.len(),
        activates: 0,
        column_commands: 0,
        refreshes: 0,
    };

    for (index, r) in log.iter().enumerate() {
        let fail = |message: String| TimingViolation {
            index,
            record: Some(*r),
            message,
        };
        let need = |rule: &str, gap: Option<u64>, min: u64| -> Result<(), TimingViolation> {
            match gap {
                Some(g) if g < min => Err(fail(format!("{rule}: {g} cycles, needs ≥ {min}"))),
                _ => Ok(()),
            }
        };
        let ch = r.channel as usize;
        if ch >= channels
            || r.rank >= o.ranks
            || r.bankgroup >= o.bankgroups
            || r.bank >= o.banks_per_group
        {
            return Err(fail("address outside the organisation".to_string()));
        }
        // HBM has a row and a column command bus; otherwise one bus per channel.
        let bus = if spec.controller.dual_command_bus && r.kind.is_column() {
            2 * ch + 1
        } else {
            2 * ch
        };
        if let Some(prev) = last_cycle[bus] {
            if r.cycle <= prev {
                return Err(fail(format!(
                    "command bus: previous command at cycle {prev}"
                )));
            }
        }
        last_cycle[bus] = Some(r.cycle);
        let now = r.cycle;
        let ri = ch * ranks + r.rank as usize;
        let gi = ri * bgs + r.bankgroup as usize;
        let bi = gi * bpg + r.bank as usize;
        let other_ranks = (ch * ranks..(ch + 1) * ranks).filter(|&x| x != ri);

        match r.kind {
            CommandKind::Activate => {
                summary.activates += 1;
                let b = &banks[bi];
                if b.open_row.is_some() {
                    return Err(fail("ACT to a bank with an open row".to_string()));
                }
                need("tRC (ACT→ACT same bank)", since(now, b.act), t.trc)?;
                need("tRP (PRE→ACT)", since(now, b.pre), t.trp + b.pre_act_extra)?;
                need(
                    "tRRD_L (ACT→ACT same bank group)",
                    since(now, groups[gi].act),
                    trrd_l,
                )?;
                let rk = &rank_state[ri];
                need("tRRD_S (ACT→ACT same rank)", since(now, rk.act), t.trrd_s)?;
                need("tRFC (REF→ACT)", since(now, rk.refresh), t.trfc)?;
                if rk.acts.len() >= 4 {
                    let fourth = rk.acts[rk.acts.len() - 4];
                    need("tFAW (five ACTs in a window)", Some(now - fourth), t.tfaw)?;
                }
                let b = &mut banks[bi];
                b.open_row = Some(r.row);
                b.act = Some(now);
                groups[gi].act = Some(now);
                let rk = &mut rank_state[ri];
                rk.act = Some(now);
                rk.acts.push(now);
            }
            CommandKind::Precharge => {
                let b = &banks[bi];
                if b.open_row.is_none() {
                    return Err(fail("PRE to a closed bank".to_string()));
                }
                need("tRAS (ACT→PRE)", since(now, b.act), t.tras)?;
                need("tRTP (RD→PRE)", since(now, b.rd), t.al + t.trtp)?;
                need(
                    "tWR (WR→PRE: WL + burst + tWR)",
                    since(now, b.wr),
                    wl + burst + t.twr,
                )?;
                if spec.protocol.has_tppd() {
                    need("tPPD (PRE→PRE)", since(now, rank_state[ri].pre), t.tppd)?;
                }
                let b = &mut banks[bi];
                b.open_row = None;
                b.pre = Some(now);
                b.pre_act_extra = 0;
                rank_state[ri].pre = Some(now);
            }
            k if k.is_column() => {
                summary.column_commands += 1;
                let b = &banks[bi];
                if b.open_row != Some(r.row) {
                    return Err(fail(format!(
                        "column command to row {} but open row is {:?}",
                        r.row, b.open_row
                    )));
                }
                let trcd = if k.is_write() && t.trcd_wr > 0 {
                    t.trcd_wr
                } else {
                    t.trcd
                };
                need(
                    "tRCD (ACT→RD/WR; GDDR/HBM: tRCDRD, tRCDWR)",
                    since(now, b.act),
                    trcd.saturating_sub(t.al),
                )?;
                let g = &groups[gi];
                let rk = &rank_state[ri];
                if k.is_read() {
                    need(
                        "tCCD_L (RD→RD same bank group)",
                        since(now, g.rd),
                        burst.max(tccd_l),
                    )?;
                    need(
                        "tCCD_S (RD→RD same rank)",
                        since(now, rk.rd),
                        burst.max(t.tccd_s),
                    )?;
                    need(
                        "tWTR_L (WR→RD same bank group)",
                        since(now, g.wr),
                        wl + burst + twtr_l,
                    )?;
                    need(
                        "tWTR_S (WR→RD same rank)",
                        since(now, rk.wr),
                        wl + burst + t.twtr_s,
                    )?;
                    for o in other_ranks {
                        let x = &rank_state[o];
                        need(
                            "tRTRS (RD→RD other rank)",
                            since(now, x.rd),
                            burst + t.trtrs,
                        )?;
                        need(
                            "WR→RD other rank",
                            since(now, x.wr),
                            (wl + burst + t.trtrs).saturating_sub(rl),
                        )?;
                    }
                    bursts[ch].push((now + rl, now + rl + burst));
                } else {
                    let turnaround = (rl + burst + t.trtrs).saturating_sub(wl);
                    need(
                        "RD→WR turnaround (RL + burst − WL + tRTRS)",
                        since(now, rk.rd),
                        turnaround,
                    )?;
                    need(
                        "tCCD_L (WR→WR same bank group)",
                        since(now, g.wr),
                        burst.max(tccd_l),
                    )?;
                    need(
                        "tCCD_S (WR→WR same rank)",
                        since(now, rk.wr),
                        burst.max(t.tccd_s),
                    )?;
                    for o in other_ranks {
                        let x = &rank_state[o];
                        need("RD→WR other rank", since(now, x.rd), turnaround)?;
                        need("WR→WR other rank", since(now, x.wr), burst)?;
                    }
                    bursts[ch].push((now + wl, now + wl + burst));
                }
                let b = &mut banks[bi];
                if k.is_read() {
                    b.rd = Some(now);
                    groups[gi].rd = Some(now);
                    rank_state[ri].rd = Some(now);
                } else {
                    b.wr = Some(now);
                    groups[gi].wr = Some(now);
                    rank_state[ri].wr = Some(now);
                }
                match k {
                    CommandKind::ReadPrecharge => {
                        b.open_row = None;
                        b.pre = Some(now + t.al + t.trtp);
                        b.pre_act_extra = burst;
                    }
                    CommandKind::WritePrecharge => {
                        b.open_row = None;
                        b.pre = Some(now + wl + burst + t.twr);
                        b.pre_act_extra = 0;
                    }
                    _ => {}
                }
            }
            _ => {
                // Refresh of the whole rank.
                summary.refreshes += 1;
                let first = ri * bgs * bpg;
                for b in &banks[first..first + bgs * bpg] {
                    if b.open_row.is_some() {
                        return Err(fail("REF with a bank of the rank open".to_string()));
                    }
                    need("tRP (PRE→REF)", since(now, b.pre), t.trp)?;
                }
                let rk = &mut rank_state[ri];
                need("tRFC (REF→REF)", since(now, rk.refresh), t.trfc)?;
                rk.refresh = Some(now);
                rk.refreshes += 1;
            }
        }
    }

    for (ch, list) in bursts.iter_mut().enumerate() {
        list.sort_unstable();
        for w in list.windows(2) {
            if w[1].0 < w[0].1 {
                return Err(TimingViolation {
                    index: usize::MAX,
                    record: None,
                    message: format!(
                        "channel {ch}: data bursts [{}, {}) and [{}, {}) overlap on the data bus",
                        w[0].0, w[0].1, w[1].0, w[1].1
                    ),
                });
            }
        }
    }
    let required = (end_cycle / t.trefi).saturating_sub(1);
    for (i, rk) in rank_state.iter().enumerate() {
        if rk.refreshes < required {
            return Err(TimingViolation {
                index: usize::MAX,
                record: None,
                message: format!(
                    "channel {} rank {}: {} refreshes in {end_cycle} cycles, needs ≥ {required} (tREFI {})",
                    i / ranks,
                    i % ranks,
                    rk.refreshes,
                    t.trefi
                ),
            });
        }
    }
    Ok(summary)
}
