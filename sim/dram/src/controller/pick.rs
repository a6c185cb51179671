//! Choosing the command to issue: the pending refresh's PRE/REF, or the first ready command of
//! the first command queue in round-robin order (FR-FCFS within a queue), with DRAMsim3's
//! precharge arbitration and write-after-read ordering.

use super::{command_location, Chosen, Controller, Request};
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
        if self.exact_times {
            return self.pick_exact(now);
        }
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
        // the last non-empty queue is not. Bounds that have come are mapped above every other
        // one by subtracting `now + 1` (wrapping); the minimum is taken branch-free, as a sum.
        let mut due = 0u64;
        let mut min_ahead = u64::MAX;
        let base = now.wrapping_add(1);
        for (qi, &bound) in self.queue_ready.iter().enumerate().take(64) {
            due |= u64::from(bound <= now) << qi;
            let ahead = bound.wrapping_sub(base);
            min_ahead = min_u64(min_ahead, ahead);
        }
        let later = if min_ahead >= u64::MAX - now {
            u64::MAX
        } else {
            base + min_ahead
        };
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
    pub(super) fn first_ready(&mut self, qi: usize, now: u64, next: &mut u64) -> Option<Chosen> {
        if self.per_bank {
            return self.first_ready_in_bank_queue(qi, now, next);
        }
        let q = &self.cmd_queues[qi];
        // Entries of one queue usually share a bank: remember the last bank's ready times.
        let mut memo_bank = usize::MAX;
        let mut memo = [0u64; crate::command::NUM_KINDS];
        let mut memo_valid = 0u8;
        for (slot, req) in q.iter().enumerate() {
            let l = &req.loc;
            let bi = self.state.bank_index(l.rank, l.bankgroup, l.bank);
            let bank = self.state.bank(bi);
            let kind = self.next_kind(bank, req);
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
            let loc = command_location(kind, *l, bank.open_row);
            return Some(Chosen {
                kind,
                loc,
                queue: qi,
                slot,
            });
        }
        None
    }

    /// A write may not pass an older read of the same location in its queue.
    pub(super) fn write_waits_for_read(q: &[Request], slot: usize) -> bool {
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
    pub(super) fn precharge_allowed(
        &self,
        q: &[Request],
        slot: usize,
        open_row: u32,
        row_hits: u32,
    ) -> bool {
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

/// `a.min(b)` with arithmetic instead of a compare-and-branch, which the compiler otherwise
/// emits in a loop whose minimum changes at random (a misprediction per queue and cycle).
#[inline(always)]
fn min_u64(a: u64, b: u64) -> u64 {
    let (diff, borrow) = a.overflowing_sub(b);
    // All ones when a < b.
    let mask = u64::from(borrow).wrapping_neg();
    b.wrapping_add(diff & mask)
}
