//! Choosing the command to issue: the pending refresh's PRE/REF, or the first ready command of
//! the first command queue in round-robin order (FR-FCFS within a queue), with DRAMsim3's
//! precharge arbitration and write-after-read ordering.

use super::{Chosen, Controller, Request};
use crate::address::Location;
use crate::command::CommandKind;

/// DRAMsim3's cap on row hits served before a queued conflicting request may close the row.
const ROW_HIT_CAP: u32 = 4;

impl Controller {
    /// The pending refresh's next command: PRE of an open bank of the rank, or REF when all are
    /// closed and ready.
    pub(super) fn refresh_command(&self, rank: u32, now: u64, next: &mut u64) -> Option<Chosen> {
        let banks = self.state.banks_per_rank();
        let base = self.state.bank_index(rank, 0, 0);
        let bpg = self.banks_per_group as usize;
        let mut all_ready = true;
        for i in 0..banks {
            let loc = Location {
                channel: self.channel,
                rank,
                bankgroup: (i / bpg) as u32,
                bank: (i % bpg) as u32,
                row: 0,
                column: 0,
            };
            let bank = self.state.bank(base + i);
            let kind = if bank.is_open() {
                CommandKind::Precharge
            } else {
                CommandKind::Refresh
            };
            let t = self.state.ready_at(kind, &loc);
            if t > now {
                *next = (*next).min(t);
                all_ready = false;
                continue;
            }
            if kind == CommandKind::Precharge {
                let loc = Location {
                    row: bank.open_row,
                    ..loc
                };
                return Some(Chosen {
                    kind,
                    loc,
                    queue: usize::MAX,
                    slot: 0,
                });
            }
        }
        if all_ready {
            let loc = Location {
                channel: self.channel,
                rank,
                ..Location::default()
            };
            return Some(Chosen {
                kind: CommandKind::Refresh,
                loc,
                queue: usize::MAX,
                slot: 0,
            });
        }
        None
    }

    /// Round robin over the command queues; the first queue with a ready command wins.
    pub(super) fn pick_command(&mut self, now: u64, next: &mut u64) -> Option<Chosen> {
        let nq = self.cmd_queues.len();
        if self.cmd_queued == 0 {
            return None;
        }
        if nq <= 64 {
            // Visit only non-empty queues, in the same round-robin order: from the queue after
            // the last one that issued, wrapping around.
            let start = if self.queue_idx + 1 >= nq {
                0
            } else {
                self.queue_idx + 1
            };
            // The common case, queues whose bound says they cannot issue yet, sorted out
            // without a branch per queue.
            let (due, later) = self.due_queues(now);
            *next = (*next).min(later);
            let high = due & (u64::MAX << start);
            let low = due & ((1u64 << start) - 1);
            for part in [high, low] {
                let mut m = part;
                while m != 0 {
                    let qi = m.trailing_zeros() as usize;
                    m &= m - 1;
                    if let Some(c) = self.try_queue(qi, now, next) {
                        self.queue_idx = qi;
                        return Some(c);
                    }
                }
            }
            return None;
        }
        for _ in 0..nq {
            self.queue_idx += 1;
            if self.queue_idx == nq {
                self.queue_idx = 0;
            }
            let qi = self.queue_idx;
            if self.cmd_queues[qi].is_empty() {
                continue;
            }
            if let Some(c) = self.try_queue(qi, now, next) {
                return Some(c);
            }
        }
        None
    }

    /// With at most 64 command queues: the non-empty queues whose bound has come (bit per
    /// queue), and the earliest bound of the others.
    #[inline]
    pub(super) fn due_queues(&self, now: u64) -> (u64, u64) {
        // Every queue, empty or not: a loop of fixed length is predicted, one that stops at
        // the last non-empty queue is not.
        let mut due = 0u64;
        let mut later = u64::MAX;
        for (qi, &bound) in self.queue_ready.iter().enumerate().take(64) {
            let is_due = u64::from(bound <= now);
            due |= is_due << qi;
            // All ones when due, so that it does not count.
            later = later.min(bound | is_due.wrapping_neg());
        }
        (due & self.nonempty, later)
    }

    /// The command queue `qi` can issue now, if any; otherwise lowers `next` to when it might.
    #[inline]
    fn try_queue(&mut self, qi: usize, now: u64, next: &mut u64) -> Option<Chosen> {
        if self.refresh.holds(self.queue_rank(qi)) {
            return None;
        }
        let bound = self.queue_ready[qi];
        if bound > now {
            *next = (*next).min(bound);
            return None;
        }
        let mut queue_next = u64::MAX;
        let c = self.first_ready(qi, now, &mut queue_next);
        if c.is_none() {
            self.queue_ready[qi] = queue_next;
            *next = (*next).min(queue_next);
        }
        c
    }

    /// The oldest entry of queue `qi` whose next command can issue at `now`.
    pub(super) fn first_ready(&self, qi: usize, now: u64, next: &mut u64) -> Option<Chosen> {
        let q = &self.cmd_queues[qi];
        if self.per_bank {
            return self.first_ready_in_bank_queue(qi, now, next);
        }
        // Entries of one queue usually share a bank: remember the last bank's ready times.
        let mut memo_bank = usize::MAX;
        let mut memo = [0u64; crate::command::NUM_KINDS];
        let mut memo_valid = 0u8;
        for (slot, req) in q.iter().enumerate() {
            let l = &req.loc;
            let bi = self.state.bank_index(l.rank, l.bankgroup, l.bank);
            let bank = self.state.bank(bi);
            let kind = if !bank.is_open() {
                CommandKind::Activate
            } else if bank.open_row == l.row {
                match (req.is_write, self.close_page) {
                    (false, false) => CommandKind::Read,
                    (true, false) => CommandKind::Write,
                    (false, true) => CommandKind::ReadPrecharge,
                    (true, true) => CommandKind::WritePrecharge,
                }
            } else {
                CommandKind::Precharge
            };
            if bi != memo_bank {
                memo_bank = bi;
                memo_valid = 0;
            }
            let bit = 1u8 << kind.index();
            let t = if memo_valid & bit != 0 {
                memo[kind.index()]
            } else {
                let t = self.state.ready_at(kind, l);
                memo[kind.index()] = t;
                memo_valid |= bit;
                t
            };
            if t > now {
                *next = (*next).min(t);
                continue;
            }
            match kind {
                CommandKind::Precharge
                    if !self.precharge_allowed(q, slot, bank.open_row, bank.row_hits) =>
                {
                    continue;
                }
                CommandKind::Write | CommandKind::WritePrecharge
                    if Self::write_waits_for_read(q, slot) =>
                {
                    continue;
                }
                _ => {}
            }
            let loc = if kind == CommandKind::Precharge {
                Location {
                    row: bank.open_row,
                    column: 0,
                    ..*l
                }
            } else if kind == CommandKind::Activate {
                Location { column: 0, ..*l }
            } else {
                *l
            };
            return Some(Chosen {
                kind,
                loc,
                queue: qi,
                slot,
            });
        }
        None
    }

    /// [`Self::first_ready`] for a queue whose entries all target one bank: the same decisions,
    /// with the bank's ready times computed once.
    fn first_ready_in_bank_queue(&self, qi: usize, now: u64, next: &mut u64) -> Option<Chosen> {
        let q = &self.cmd_queues[qi];
        let l0 = &q[0].loc;
        let bank = self
            .state
            .bank(self.state.bank_index(l0.rank, l0.bankgroup, l0.bank));
        if !bank.is_open() {
            // Every entry needs an ACT; the oldest gets it.
            let t = self.state.ready_at(CommandKind::Activate, l0);
            if t > now {
                *next = (*next).min(t);
                return None;
            }
            let loc = Location { column: 0, ..*l0 };
            return Some(Chosen {
                kind: CommandKind::Activate,
                loc,
                queue: qi,
                slot: 0,
            });
        }
        let open_row = bank.open_row;
        if self.queue_writes[qi] == 0 {
            return self.first_ready_reads(qi, now, next, open_row, bank.row_hits);
        }
        let (read_kind, write_kind) = if self.close_page {
            (CommandKind::ReadPrecharge, CommandKind::WritePrecharge)
        } else {
            (CommandKind::Read, CommandKind::Write)
        };
        let mut read_t = None;
        let mut write_t = None;
        for (slot, req) in q.iter().enumerate() {
            let l = &req.loc;
            if l.row == open_row {
                let (kind, cache) = if req.is_write {
                    (write_kind, &mut write_t)
                } else {
                    (read_kind, &mut read_t)
                };
                let t = *cache.get_or_insert_with(|| self.state.ready_at(kind, l));
                if t > now {
                    *next = (*next).min(t);
                    continue;
                }
                if req.is_write && Self::write_waits_for_read(q, slot) {
                    continue;
                }
                return Some(Chosen {
                    kind,
                    loc: *l,
                    queue: qi,
                    slot,
                });
            } else if slot == 0 {
                // Only the oldest entry of a bank may ask for its precharge.
                let t = self.state.ready_at(CommandKind::Precharge, l);
                if t > now {
                    *next = (*next).min(t);
                    continue;
                }
                if !self.precharge_allowed(q, 0, open_row, bank.row_hits) {
                    continue;
                }
                let loc = Location {
                    row: open_row,
                    column: 0,
                    ..*l
                };
                return Some(Chosen {
                    kind: CommandKind::Precharge,
                    loc,
                    queue: qi,
                    slot: 0,
                });
            }
        }
        None
    }

    /// [`Self::first_ready_in_bank_queue`] for an open bank whose queue holds reads only, with
    /// the same answer: every read of the open row has the same ready time, so only the oldest
    /// one can be chosen; the oldest entry, if it misses the row, may ask for the precharge
    /// first (it comes first in the scan).
    fn first_ready_reads(
        &self,
        qi: usize,
        now: u64,
        next: &mut u64,
        open_row: u32,
        row_hits: u32,
    ) -> Option<Chosen> {
        let q = &self.cmd_queues[qi];
        let l0 = &q[0].loc;
        if l0.row != open_row {
            let t = self.state.ready_at(CommandKind::Precharge, l0);
            if t > now {
                *next = (*next).min(t);
            } else if self.precharge_allowed(q, 0, open_row, row_hits) {
                let loc = Location {
                    row: open_row,
                    column: 0,
                    ..*l0
                };
                return Some(Chosen {
                    kind: CommandKind::Precharge,
                    loc,
                    queue: qi,
                    slot: 0,
                });
            }
        }
        let slot = q.iter().position(|r| r.loc.row == open_row)?;
        let l = &q[slot].loc;
        let kind = if self.close_page {
            CommandKind::ReadPrecharge
        } else {
            CommandKind::Read
        };
        let t = self.state.ready_at(kind, l);
        if t > now {
            *next = (*next).min(t);
            return None;
        }
        Some(Chosen {
            kind,
            loc: *l,
            queue: qi,
            slot,
        })
    }

    /// A write may not pass an older read of the same location in its queue.
    fn write_waits_for_read(q: &[Request], slot: usize) -> bool {
        let l = &q[slot].loc;
        q[..slot].iter().any(|o| {
            !o.is_write
                && o.loc.rank == l.rank
                && o.loc.bankgroup == l.bankgroup
                && o.loc.bank == l.bank
                && o.loc.row == l.row
                && o.loc.column == l.column
        })
    }

    /// DRAMsim3's on-demand precharge arbitration for the entry at `slot`.
    fn precharge_allowed(&self, q: &[Request], slot: usize, open_row: u32, row_hits: u32) -> bool {
        let l = &q[slot].loc;
        let same_bank = |o: &Request| {
            o.loc.rank == l.rank && o.loc.bankgroup == l.bankgroup && o.loc.bank == l.bank
        };
        if q[..slot].iter().any(same_bank) {
            return false;
        }
        let pending_hit = q[slot..]
            .iter()
            .any(|o| same_bank(o) && o.loc.row == open_row);
        !pending_hit || row_hits >= ROW_HIT_CAP
    }
}
