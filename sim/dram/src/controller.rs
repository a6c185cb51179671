//! One channel's memory controller, organised like DRAMsim3's: a read queue and a write buffer
//! (each `trans_queue_size` entries), command queues per bank or per rank (`cmd_queue_size`
//! each), and per cycle: (1) return finished requests, (2) raise a refresh request when its
//! interval is up, (3) issue one command — the pending refresh's PRE/REF first, otherwise the
//! first ready command of the first queue, round robin over queues (FR-FCFS: within a queue,
//! the oldest entry whose next command — ACT, PRE or the RD/WR itself — meets every timing
//! constraint; a PRE only for the oldest entry of its bank and only when no queued request hits
//! the open row or that row has already served 4 hits), (4) move one transaction into its
//! command queue (writes are drained in batches when the write buffer fills, or when it holds
//! more than 8 and the command queues are empty, or when no read is waiting).
//!
//! Differences from DRAMsim3, deliberate: a write completes when its data has been written
//! (DRAMsim3 acknowledges writes on arrival); reads are not merged with or served from queued
//! requests to the same address (timing only); the four-activate window is exact.
//!
//! Idle cycles are skipped: after a cycle in which nothing changed, the controller computes the
//! first cycle at which anything can (a timing constraint expiring, a completion, a refresh) and
//! does no work until then.

use crate::address::Location;
use crate::channel::{ChannelState, RankActivity};
use crate::command::{CommandKind, CommandRecord};
use crate::spec::{DramSpec, QueueStructure, RefreshPolicy, RowBufferPolicy};
use crate::stats::DramStats;
use crate::timing::TimingTable;
use std::collections::VecDeque;

/// DRAMsim3's cap on row hits served before a queued conflicting request may close the row.
const ROW_HIT_CAP: u32 = 4;
/// DRAMsim3's write-drain threshold when the command queues are empty.
const WRITE_DRAIN_LOW: usize = 8;

#[derive(Debug, Clone, Copy)]
struct Request {
    tag: u64,
    added: u64,
    loc: Location,
    is_write: bool,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    complete: u64,
    tag: u64,
    added: u64,
}

/// A command chosen for issue: kind, target, and for RD/WR the command-queue slot it serves.
#[derive(Debug, Clone, Copy)]
struct Chosen {
    kind: CommandKind,
    loc: Location,
    queue: usize,
    slot: usize,
}

/// Mutable system-wide things a controller updates.
pub(crate) struct Sink<'a> {
    pub(crate) stats: &'a mut DramStats,
    pub(crate) active_ranks: &'a mut u64,
    pub(crate) log: Option<&'a mut Vec<CommandRecord>>,
    pub(crate) completed: &'a mut Vec<u64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Controller {
    channel: u32,
    state: ChannelState,
    read_q: Vec<Request>,
    write_q: Vec<Request>,
    trans_cap: usize,
    cmd_queues: Vec<Vec<Request>>,
    cmd_cap: usize,
    cmd_queued: usize,
    /// Per command queue, a cycle before which none of its entries can issue. Timing limits
    /// only grow as commands issue, so this stays a valid bound until the queue's contents or
    /// its bank's state change, which reset it to 0.
    queue_ready: Vec<u64>,
    /// Rank served by each command queue.
    queue_rank: Vec<u32>,
    queue_idx: usize,
    /// The last transaction scan found no command queue with room; nothing can move until an
    /// entry leaves a command queue or a transaction arrives.
    trans_blocked: bool,
    per_bank: bool,
    banks_per_rank: usize,
    banks_per_group: u32,
    write_draining: usize,
    close_page: bool,
    read_delay: u64,
    write_delay: u64,
    request_bytes: u64,
    reads_pending: VecDeque<Pending>,
    writes_pending: VecDeque<Pending>,
    // Refresh.
    ranks: u32,
    refresh_interval: u64,
    /// Cycle of the next refresh request (multiples of the interval, from one interval on).
    next_refresh_at: u64,
    refresh_all_ranks: bool,
    next_refresh_rank: u32,
    refresh_q: VecDeque<u32>,
    in_refresh: Option<u32>,
    /// No event can happen before this cycle.
    wake_at: u64,
}

impl Controller {
    pub(crate) fn new(spec: &DramSpec, channel: u32) -> Controller {
        let o = &spec.organization;
        let ranks = o.ranks as usize;
        let banks_per_rank = spec.banks() as usize;
        let per_bank = spec.controller.queue_structure == QueueStructure::PerBank;
        let queues = if per_bank {
            ranks * banks_per_rank
        } else {
            ranks
        };
        let cmd_cap = spec.controller.cmd_queue_size as usize;
        let trans_cap = spec.controller.trans_queue_size as usize;
        let (refresh_interval, refresh_all_ranks) = match spec.controller.refresh_policy {
            RefreshPolicy::RankLevelStaggered => {
                ((spec.timing.trefi / u64::from(o.ranks)).max(1), false)
            }
            RefreshPolicy::RankLevelSimultaneous => (spec.timing.trefi.max(1), true),
        };
        Controller {
            channel,
            state: ChannelState::new(
                ranks,
                o.bankgroups as usize,
                o.banks_per_group as usize,
                spec.timing.tfaw,
                TimingTable::new(spec),
            ),
            read_q: Vec::with_capacity(trans_cap),
            write_q: Vec::with_capacity(trans_cap),
            trans_cap,
            cmd_queues: (0..queues).map(|_| Vec::with_capacity(cmd_cap)).collect(),
            cmd_cap,
            cmd_queued: 0,
            queue_ready: vec![0; queues],
            queue_rank: (0..queues)
                .map(|q| if per_bank { q / banks_per_rank } else { q } as u32)
                .collect(),
            queue_idx: 0,
            trans_blocked: false,
            per_bank,
            banks_per_rank,
            banks_per_group: o.banks_per_group,
            write_draining: 0,
            close_page: spec.controller.row_buffer_policy == RowBufferPolicy::ClosePage,
            read_delay: spec.read_latency() + spec.burst_cycles(),
            write_delay: spec.write_latency() + spec.burst_cycles(),
            request_bytes: spec.request_bytes(),
            reads_pending: VecDeque::with_capacity(64),
            writes_pending: VecDeque::with_capacity(64),
            ranks: o.ranks,
            refresh_interval,
            next_refresh_at: refresh_interval,
            refresh_all_ranks,
            next_refresh_rank: 0,
            refresh_q: VecDeque::with_capacity(2 * ranks),
            in_refresh: None,
            wake_at: 0,
        }
    }

    /// Queues a request arriving at `cycle`; false if its queue is full.
    pub(crate) fn try_enqueue(
        &mut self,
        loc: Location,
        is_write: bool,
        tag: u64,
        cycle: u64,
    ) -> bool {
        let q = if is_write {
            &mut self.write_q
        } else {
            &mut self.read_q
        };
        if q.len() >= self.trans_cap {
            return false;
        }
        q.push(Request {
            tag,
            added: cycle,
            loc,
            is_write,
        });
        self.wake_at = self.wake_at.min(cycle);
        self.trans_blocked = false;
        true
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.read_q.is_empty()
            && self.write_q.is_empty()
            && self.cmd_queued == 0
            && self.reads_pending.is_empty()
            && self.writes_pending.is_empty()
    }

    /// First cycle at which this controller may do anything.
    pub(crate) fn wake_at(&self) -> u64 {
        self.wake_at
    }

    #[inline]
    fn queue_index(&self, loc: &Location) -> usize {
        if self.per_bank {
            loc.rank as usize * self.banks_per_rank
                + self.state.bank_index(0, loc.bankgroup, loc.bank)
        } else {
            loc.rank as usize
        }
    }

    #[inline]
    fn queue_rank(&self, queue: usize) -> u32 {
        self.queue_rank[queue]
    }

    /// Simulates cycle `now`.
    pub(crate) fn tick(&mut self, now: u64, sink: &mut Sink<'_>) {
        if now < self.wake_at {
            return;
        }
        let mut changed = false;
        let mut next = u64::MAX;

        // (1) Completions. Like a refresh request below, they change nothing the scheduler looks
        // at, so they do not by themselves call for another evaluation next cycle.
        while let Some(p) = self.reads_pending.front() {
            if p.complete > now {
                next = next.min(p.complete);
                break;
            }
            let lat = now - p.added;
            sink.completed.push(p.tag);
            let s = &mut *sink.stats;
            s.reads += 1;
            s.read_bytes += self.request_bytes;
            s.read_latency_sum_cycles += lat;
            s.read_latency_max_cycles = s.read_latency_max_cycles.max(lat);
            self.reads_pending.pop_front();
        }
        while let Some(p) = self.writes_pending.front() {
            if p.complete > now {
                next = next.min(p.complete);
                break;
            }
            sink.completed.push(p.tag);
            sink.stats.writes += 1;
            sink.stats.write_bytes += self.request_bytes;
            self.writes_pending.pop_front();
        }

        // (2) Refresh requests.
        if now >= self.next_refresh_at {
            self.next_refresh_at += self.refresh_interval;
            if self.refresh_all_ranks {
                self.refresh_q.extend(0..self.ranks);
            } else {
                self.refresh_q.push_back(self.next_refresh_rank);
                self.next_refresh_rank = (self.next_refresh_rank + 1) % self.ranks;
            }
        }
        next = next.min(self.next_refresh_at);

        // (3) One command.
        let mut chosen = None;
        if let Some(&rank) = self.refresh_q.front() {
            self.in_refresh = Some(rank);
            chosen = self.refresh_command(rank, now, &mut next);
        }
        if chosen.is_none() {
            chosen = self.pick_command(now, &mut next);
        }
        if let Some(c) = chosen {
            self.issue(c, now, sink);
            changed = true;
        }

        // (4) One transaction into the command queues.
        if self.schedule_transaction() {
            changed = true;
        }
        self.wake_at = if changed { now + 1 } else { next.max(now + 1) };
    }

    /// The pending refresh's next command: PRE of an open bank of the rank, or REF when all are
    /// closed and ready.
    fn refresh_command(&self, rank: u32, now: u64, next: &mut u64) -> Option<Chosen> {
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
    fn pick_command(&mut self, now: u64, next: &mut u64) -> Option<Chosen> {
        let nq = self.cmd_queues.len();
        if self.cmd_queued == 0 {
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
            if self.in_refresh == Some(self.queue_rank(qi)) {
                continue;
            }
            let bound = self.queue_ready[qi];
            if bound > now {
                *next = (*next).min(bound);
                continue;
            }
            let mut queue_next = u64::MAX;
            if let Some(c) = self.first_ready(qi, now, &mut queue_next) {
                return Some(c);
            }
            self.queue_ready[qi] = queue_next;
            *next = (*next).min(queue_next);
        }
        None
    }

    /// The oldest entry of queue `qi` whose next command can issue at `now`.
    fn first_ready(&self, qi: usize, now: u64, next: &mut u64) -> Option<Chosen> {
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

    fn issue(&mut self, c: Chosen, now: u64, sink: &mut Sink<'_>) {
        let s = &mut *sink.stats;
        match c.kind {
            CommandKind::Activate => s.activates += 1,
            CommandKind::Precharge => s.precharges += 1,
            CommandKind::Refresh => {
                s.refreshes += 1;
                self.refresh_q.pop_front();
                self.in_refresh = None;
            }
            kind => {
                let bi = self
                    .state
                    .bank_index(c.loc.rank, c.loc.bankgroup, c.loc.bank);
                if self.state.bank(bi).row_hits != 0 {
                    s.row_hits += 1;
                }
                let req = self.cmd_queues[c.queue].remove(c.slot);
                self.cmd_queued -= 1;
                if kind.is_read() {
                    s.read_commands += 1;
                    self.reads_pending.push_back(Pending {
                        complete: now + self.read_delay,
                        tag: req.tag,
                        added: req.added,
                    });
                } else {
                    s.write_commands += 1;
                    self.writes_pending.push_back(Pending {
                        complete: now + self.write_delay,
                        tag: req.tag,
                        added: req.added,
                    });
                }
                if kind == CommandKind::ReadPrecharge || kind == CommandKind::WritePrecharge {
                    s.precharges += 1;
                }
            }
        }
        if c.kind != CommandKind::Refresh {
            let qi = self.queue_index(&c.loc);
            self.queue_ready[qi] = 0;
        }
        if c.kind.is_column() {
            self.trans_blocked = false;
        }
        match self.state.issue(c.kind, &c.loc, now) {
            RankActivity::BecameActive => *sink.active_ranks += 1,
            RankActivity::BecameIdle => *sink.active_ranks -= 1,
            RankActivity::Unchanged => {}
        }
        if let Some(log) = sink.log.as_deref_mut() {
            log.push(CommandRecord {
                cycle: now,
                channel: self.channel,
                kind: c.kind,
                rank: c.loc.rank,
                bankgroup: c.loc.bankgroup,
                bank: c.loc.bank,
                row: c.loc.row,
                column: c.loc.column,
            });
        }
    }

    /// Moves at most one transaction into its command queue; true if anything changed.
    fn schedule_transaction(&mut self) -> bool {
        let mut changed = false;
        if self.write_draining == 0 && !self.write_q.is_empty() {
            let queues_empty = self.cmd_queued == 0;
            if self.write_q.len() >= self.trans_cap
                || (self.write_q.len() > WRITE_DRAIN_LOW && queues_empty)
                || (self.read_q.is_empty() && queues_empty)
            {
                self.write_draining = self.write_q.len();
                self.trans_blocked = false;
                changed = true;
            }
        }
        if self.trans_blocked {
            return changed;
        }
        let draining = self.write_draining > 0;
        let q = if draining {
            &self.write_q
        } else {
            &self.read_q
        };
        let mut found = None;
        for (i, req) in q.iter().enumerate() {
            let qi = self.queue_index(&req.loc);
            if self.cmd_queues[qi].len() < self.cmd_cap {
                found = Some((i, qi));
                break;
            }
        }
        if let Some((i, qi)) = found {
            let req = if draining {
                self.write_draining -= 1;
                self.write_q.remove(i)
            } else {
                self.read_q.remove(i)
            };
            self.cmd_queues[qi].push(req);
            self.cmd_queued += 1;
            self.queue_ready[qi] = 0;
            changed = true;
        } else {
            self.trans_blocked = true;
        }
        changed
    }
}
