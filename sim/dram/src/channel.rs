//! State of one channel: every bank's open row and the earliest cycle each command kind may be
//! issued to it, kept per bank, per bank group and per rank (a command is ready when all three
//! allow it), plus each rank's four-activate window.

use crate::address::Location;
use crate::command::{CommandKind, NUM_KINDS};
use crate::timing::TimingTable;

/// No row open.
const CLOSED: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub(crate) struct BankState {
    pub(crate) open_row: u32,
    /// Reads/writes to the open row since it was opened (DRAMsim3's row-hit counter).
    pub(crate) row_hits: u32,
    next: [u64; NUM_KINDS],
}

impl BankState {
    #[inline]
    pub(crate) fn is_open(&self) -> bool {
        self.open_row != CLOSED
    }
}

/// Ring of the last four ACT issue cycles of a rank.
#[derive(Debug, Clone, Copy, Default)]
struct FawWindow {
    ring: [u64; 4],
    len: usize,
    /// Next write position; with four entries, the oldest one.
    pos: usize,
}

/// Change of a rank's "any bank open" status caused by a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RankActivity {
    Unchanged,
    BecameActive,
    BecameIdle,
}

#[derive(Debug, Clone)]
pub(crate) struct ChannelState {
    ranks: usize,
    bankgroups: usize,
    banks_per_group: usize,
    banks: Vec<BankState>,
    bankgroup_next: Vec<[u64; NUM_KINDS]>,
    /// Per rank; the ACT entry includes the four-activate window.
    rank_next: Vec<[u64; NUM_KINDS]>,
    open_banks: Vec<u32>,
    /// Issue cycles of the last four ACTs per rank.
    faw: Vec<FawWindow>,
    tfaw: u64,
    /// GDDR's 32-activate window, DRAMsim3's way (0: none): per rank a FIFO of ACT cycle +
    /// t32AW; each ACT drops at most the front entry, if it has expired, and appends its own;
    /// an ACT waits while 32 or more entries are held and the front has not expired. (The FIFO
    /// never shrinks, so once busy the limit binds only in bursts, as in DRAMsim3.)
    t32aw: u64,
    window32: Vec<std::collections::VecDeque<u64>>,
    table: TimingTable,
    /// One bank group per rank: the bank-group distances are folded into the rank's (the
    /// group is the rank), so `bankgroup_next` stays zero and is neither raised nor read.
    one_group: bool,
    /// Per bank: its bank-group index (channel-wide) and rank.
    bank_scopes: Vec<(usize, usize)>,
}

impl ChannelState {
    pub(crate) fn new(
        ranks: usize,
        bankgroups: usize,
        banks_per_group: usize,
        tfaw: u64,
        table: TimingTable,
    ) -> ChannelState {
        let banks = ranks * bankgroups * banks_per_group;
        let one_group = bankgroups == 1;
        let mut table = table;
        if one_group {
            for (rank_row, group_row) in table.same_rank.iter_mut().zip(&table.same_bankgroup) {
                for (r, g) in rank_row.iter_mut().zip(group_row) {
                    *r = (*r).max(*g);
                }
            }
        }
        ChannelState {
            ranks,
            bankgroups,
            banks_per_group,
            banks: vec![
                BankState {
                    open_row: CLOSED,
                    row_hits: 0,
                    next: [0; NUM_KINDS],
                };
                banks
            ],
            bankgroup_next: vec![[0; NUM_KINDS]; ranks * bankgroups],
            rank_next: vec![[0; NUM_KINDS]; ranks],
            open_banks: vec![0; ranks],
            faw: vec![FawWindow::default(); ranks],
            tfaw,
            t32aw: 0,
            window32: Vec::new(),
            table,
            one_group,
            bank_scopes: (0..banks)
                .map(|b| (b / banks_per_group, b / (banks_per_group * bankgroups)))
                .collect(),
        }
    }

    /// Enables the 32-activate window (GDDR).
    pub(crate) fn with_32aw(mut self, t32aw: u64) -> ChannelState {
        self.t32aw = t32aw;
        self.window32 = if t32aw > 0 {
            vec![std::collections::VecDeque::with_capacity(64); self.ranks]
        } else {
            Vec::new()
        };
        self
    }

    #[inline]
    pub(crate) fn bank_index(&self, rank: u32, bankgroup: u32, bank: u32) -> usize {
        (rank as usize * self.bankgroups + bankgroup as usize) * self.banks_per_group
            + bank as usize
    }

    #[inline]
    pub(crate) fn bank(&self, index: usize) -> &BankState {
        &self.banks[index]
    }

    /// Whether any bank of rank `rank` is open.
    #[inline]
    pub(crate) fn rank_has_open_bank(&self, rank: usize) -> bool {
        self.open_banks[rank] > 0
    }

    pub(crate) fn banks_per_rank(&self) -> usize {
        self.bankgroups * self.banks_per_group
    }

    /// Earliest cycle `kind` may be issued to the bank at `loc` (tFAW included for ACT).
    #[inline]
    pub(crate) fn ready_at(&self, kind: CommandKind, loc: &Location) -> u64 {
        let k = kind.index();
        let r = loc.rank as usize;
        let bg = r * self.bankgroups + loc.bankgroup as usize;
        let b = bg * self.banks_per_group + loc.bank as usize;
        self.combine(b, bg, r, k)
    }

    /// A kind's earliest cycle from its bank, bank group and rank scopes.
    #[inline]
    fn combine(&self, bank: usize, bg: usize, rank: usize, kind: usize) -> u64 {
        let t = self.banks[bank].next[kind].max(self.rank_next[rank][kind]);
        if self.one_group {
            t
        } else {
            t.max(self.bankgroup_next[bg][kind])
        }
    }

    /// [`Self::ready_at`] by kind index and channel bank index.
    #[inline]
    pub(crate) fn ready_at_bank(&self, kind: usize, bank: usize) -> u64 {
        let (bg, r) = self.bank_scopes[bank];
        self.combine(bank, bg, r, kind)
    }

    /// Applies an issued command: bank state, then every scope's earliest times.
    pub(crate) fn issue(&mut self, kind: CommandKind, loc: &Location, cycle: u64) -> RankActivity {
        let r = loc.rank as usize;
        let mut activity = RankActivity::Unchanged;
        let k = kind.index();
        if kind == CommandKind::Refresh {
            raise(&mut self.rank_next[r], &self.table.same_rank[k], cycle);
            return activity;
        }
        let bg = r * self.bankgroups + loc.bankgroup as usize;
        let b = bg * self.banks_per_group + loc.bank as usize;
        let bank = &mut self.banks[b];
        match kind {
            CommandKind::Activate => {
                bank.open_row = loc.row;
                bank.row_hits = 0;
                self.open_banks[r] += 1;
                if self.open_banks[r] == 1 {
                    activity = RankActivity::BecameActive;
                }
                let w = &mut self.faw[r];
                w.ring[w.pos] = cycle;
                w.len = (w.len + 1).min(4);
                w.pos = (w.pos + 1) % 4;
                if w.len == 4 {
                    // A fifth ACT must come tFAW after the oldest of the last four, which sits
                    // where the next ACT will be written; it only moves when an ACT issues.
                    let n = &mut self.rank_next[r][k];
                    *n = (*n).max(w.ring[w.pos] + self.tfaw);
                }
                if self.t32aw > 0 {
                    let fifo = &mut self.window32[r];
                    if fifo.front().is_some_and(|&f| cycle >= f) {
                        fifo.pop_front();
                    }
                    fifo.push_back(cycle + self.t32aw);
                    if fifo.len() >= 32 {
                        if let Some(&front) = fifo.front() {
                            let n = &mut self.rank_next[r][k];
                            *n = (*n).max(front);
                        }
                    }
                }
            }
            CommandKind::Read | CommandKind::Write => bank.row_hits += 1,
            _ => {
                // Precharge or auto-precharge closes the row.
                if bank.is_open() {
                    bank.open_row = CLOSED;
                    bank.row_hits = 0;
                    self.open_banks[r] -= 1;
                    if self.open_banks[r] == 0 {
                        activity = RankActivity::BecameIdle;
                    }
                }
            }
        }
        let tb = &self.table;
        raise(&mut self.banks[b].next, &tb.same_bank[k], cycle);
        if !self.one_group {
            raise(&mut self.bankgroup_next[bg], &tb.same_bankgroup[k], cycle);
        }
        raise(&mut self.rank_next[r], &tb.same_rank[k], cycle);
        if self.ranks > 1 {
            for (other, next) in self.rank_next.iter_mut().enumerate() {
                if other != r {
                    raise(next, &tb.other_ranks[k], cycle);
                }
            }
        }
        activity
    }
}

/// Raises each kind's earliest cycle to `cycle` + its distance (branch-free: every entry).
#[inline]
fn raise(next: &mut [u64; NUM_KINDS], distances: &[u64; NUM_KINDS], cycle: u64) {
    for (n, d) in next.iter_mut().zip(distances) {
        *n = (*n).max(cycle + d);
    }
}
