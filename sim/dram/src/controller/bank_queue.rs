//! The command choice of a per-bank command queue, split in two: which entries could issue
//! (depends on the queue's contents and its bank's open row and row hits, so it is kept until
//! either changes) and whether their commands' timing allows it now (a few lookups per cycle).
//!
//! In one bank every entry that needs the same command kind has the same earliest cycle, so of
//! each kind only the oldest entry allowed to issue matters: the bank's ACT (oldest entry), the
//! precharge of the oldest entry when it misses the open row and the arbitration allows it,
//! the oldest read of the open row and the oldest write of it not held back by an older read of
//! the same location. The oldest of these whose command is ready is what the full FR-FCFS scan
//! of the queue picks.

use super::{command_location, Chosen, Controller};
use crate::command::{CommandKind, NUM_KINDS};

/// Candidates of one per-bank queue, oldest first (at most one per command kind).
#[derive(Debug, Clone, Copy)]
pub(super) struct BankChoice {
    /// False when the queue or its bank changed since the candidates were found.
    valid: bool,
    /// Bit per command kind among the candidates (kept when invalidated: the kinds the queue
    /// was registered under in `kind_queues`).
    kind_mask: u8,
    len: usize,
    kinds: [CommandKind; 3],
    slots: [usize; 3],
    /// With exact queue times: each candidate's earliest cycle, as of the last update.
    times: [u64; 3],
}

impl Default for BankChoice {
    fn default() -> BankChoice {
        BankChoice {
            valid: false,
            kind_mask: 0,
            len: 0,
            kinds: [CommandKind::Activate; 3],
            slots: [0; 3],
            times: [u64::MAX; 3],
        }
    }
}

impl BankChoice {
    fn push(&mut self, kind: CommandKind, slot: usize) {
        self.kind_mask |= 1 << kind.index();
        if self.len < self.kinds.len() {
            self.kinds[self.len] = kind;
            self.slots[self.len] = slot;
            self.len += 1;
        }
    }

    /// The queue or its bank changed: find the candidates again when next asked.
    #[inline]
    pub(super) fn invalidate(&mut self) {
        self.valid = false;
    }
}

/// Per issued command kind, the kinds whose earliest cycle it can move in other banks (any
/// non-zero distance in the bank-group, rank or other-rank scope; ACT also through the
/// four-activate window).
pub(super) fn kinds_moved_elsewhere(table: &crate::timing::TimingTable) -> [u8; NUM_KINDS] {
    let mut out = [0u8; NUM_KINDS];
    for (from, o) in out.iter_mut().enumerate() {
        for to in 0..NUM_KINDS {
            if table.same_bankgroup[from][to] > 0
                || table.same_rank[from][to] > 0
                || table.other_ranks[from][to] > 0
            {
                *o |= 1 << to;
            }
        }
    }
    out[CommandKind::Activate.index()] |= 1 << CommandKind::Activate.index();
    out
}

impl Controller {
    /// [`Self::first_ready`] for a queue whose entries all target one bank.
    pub(super) fn first_ready_in_bank_queue(
        &mut self,
        qi: usize,
        now: u64,
        next: &mut u64,
    ) -> Option<Chosen> {
        if !self.bank_choice[qi].valid {
            self.bank_choice[qi] = self.bank_candidates(qi);
        }
        let choice = self.bank_choice[qi];
        let q = &self.cmd_queues[qi];
        if q.is_empty() {
            return None;
        }
        for (&kind, &slot) in choice.kinds[..choice.len].iter().zip(&choice.slots) {
            // Every entry of the queue is in its bank, bank `qi` of the channel.
            let t = self.state.ready_at_bank(kind.index(), qi);
            if t > now {
                *next = (*next).min(t);
                continue;
            }
            // ACT and PRE candidates are the oldest entry's (slot 0).
            let loc = command_location(kind, q[slot].loc, self.state.bank(qi).open_row);
            return Some(Chosen {
                kind,
                loc,
                queue: qi,
                slot,
            });
        }
        None
    }

    /// The entries of per-bank queue `qi` that may issue once their timing allows.
    fn bank_candidates(&self, qi: usize) -> BankChoice {
        let mut choice = BankChoice {
            valid: true,
            ..BankChoice::default()
        };
        let q = &self.cmd_queues[qi];
        let Some(first) = q.first() else {
            return choice;
        };
        let l0 = &first.loc;
        // Per-bank queue `qi` serves bank `qi` of the channel.
        debug_assert_eq!(self.state.bank_index(l0.rank, l0.bankgroup, l0.bank), qi);
        let bank = self.state.bank(qi);
        if !bank.is_open() {
            // Every entry needs an ACT; the oldest gets it.
            choice.push(CommandKind::Activate, 0);
            return choice;
        }
        let open_row = bank.open_row;
        // Only the oldest entry of a bank may ask for its precharge.
        if l0.row != open_row && self.precharge_allowed(q, 0, open_row, bank.row_hits) {
            choice.push(CommandKind::Precharge, 0);
        }
        let (read_kind, write_kind) = if self.close_page {
            (CommandKind::ReadPrecharge, CommandKind::WritePrecharge)
        } else {
            (CommandKind::Read, CommandKind::Write)
        };
        let mut want_read = true;
        let mut want_write = self.queue_writes[qi] > 0;
        for (slot, req) in q.iter().enumerate() {
            if !(want_read || want_write) {
                break;
            }
            if req.loc.row != open_row {
                continue;
            }
            if req.is_write {
                if want_write && !Self::write_waits_for_read(q, slot) {
                    choice.push(write_kind, slot);
                    want_write = false;
                }
            } else if want_read {
                choice.push(read_kind, slot);
                want_read = false;
            }
        }
        choice
    }

    /// Finds the candidates of per-bank queue `qi` again (none when it is empty) and files
    /// the queue under their kinds in `kind_queues`.
    fn refresh_candidates(&mut self, qi: usize) {
        let old = self.bank_choice[qi].kind_mask;
        let choice = self.bank_candidates(qi);
        let mut changed = old ^ choice.kind_mask;
        while changed != 0 {
            let k = changed.trailing_zeros() as usize;
            changed &= changed - 1;
            self.kind_queues[k] ^= 1u64 << qi;
        }
        self.bank_choice[qi] = choice;
    }

    /// The exact earliest cycle at which per-bank queue `qi` (candidates up to date) can issue
    /// a command: `u64::MAX` when it has no candidate (empty, or nothing can issue before the
    /// queue or its bank changes). Keeps each candidate's time for the pick.
    #[inline]
    fn bank_queue_time(&mut self, qi: usize) -> u64 {
        let choice = &mut self.bank_choice[qi];
        let mut t = u64::MAX;
        for i in 0..choice.len.min(3) {
            // The bank of per-bank queue `qi` is bank `qi` of the channel.
            let ti = self.state.ready_at_bank(choice.kinds[i].index(), qi);
            choice.times[i] = ti;
            t = t.min(ti);
        }
        t
    }

    /// The command of due per-bank queue `qi` (exact times): its oldest candidate whose time
    /// has come.
    fn choose_in_bank_queue(&self, qi: usize, now: u64) -> Option<Chosen> {
        let choice = &self.bank_choice[qi];
        let i = choice.times[..choice.len.min(3)]
            .iter()
            .position(|&t| t <= now)?;
        let (kind, slot) = (choice.kinds[i], choice.slots[i]);
        let entry = self.cmd_queues[qi].get(slot)?.loc;
        let loc = command_location(kind, entry, self.state.bank(qi).open_row);
        Some(Chosen {
            kind,
            loc,
            queue: qi,
            slot,
        })
    }

    /// The earliest `queue_time` after `now` (what the controller waits for when the queues
    /// that are due cannot issue: their rank is being refreshed).
    pub(super) fn next_queue_time(&self, now: u64) -> u64 {
        self.queue_time
            .iter()
            .filter(|&&t| t > now)
            .min()
            .copied()
            .unwrap_or(u64::MAX)
    }

    /// Brings `queue_time` and `min_queue_time` up to date (per-bank queues, at most 64).
    pub(super) fn update_queue_times(&mut self) {
        let mut stale = self.choices_stale;
        self.choices_stale = 0;
        while stale != 0 {
            let qi = stale.trailing_zeros() as usize;
            stale &= stale - 1;
            self.refresh_candidates(qi);
        }
        let mut dirty = self.times_dirty;
        self.times_dirty = 0;
        while dirty != 0 {
            let qi = dirty.trailing_zeros() as usize;
            dirty &= dirty - 1;
            if qi < self.queue_time.len() {
                self.queue_time[qi] = self.bank_queue_time(qi);
            }
        }
        // Empty queues have `u64::MAX`.
        self.min_queue_time = self.queue_time.iter().copied().min().unwrap_or(u64::MAX);
    }

    /// The command to issue at `now` with exact queue times: the first queue in round-robin
    /// order whose time has come (and whose rank is not held for a refresh), its oldest
    /// candidate whose command is ready.
    pub(super) fn pick_exact(&mut self, now: u64) -> Option<Chosen> {
        if self.min_queue_time > now {
            return None;
        }
        let mut due = 0u64;
        for (qi, &t) in self.queue_time.iter().enumerate() {
            due |= u64::from(t <= now) << qi;
        }
        let nq = self.cmd_queues.len();
        let start = if self.queue_idx + 1 >= nq {
            0
        } else {
            self.queue_idx + 1
        };
        let high = due & (u64::MAX << start);
        let low = due & ((1u64 << start) - 1);
        for part in [high, low] {
            let mut m = part;
            while m != 0 {
                let qi = m.trailing_zeros() as usize;
                m &= m - 1;
                if self.refresh.holds(self.queue_rank[qi]) {
                    continue;
                }
                if let Some(c) = self.choose_in_bank_queue(qi, now) {
                    self.queue_idx = qi;
                    return Some(c);
                }
            }
        }
        None
    }
}
