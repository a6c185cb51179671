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
//! Cycles in which nothing can change are skipped: after each cycle the controller computes the
//! first cycle at which anything can (a timing constraint expiring, a transaction that can move,
//! a completion, a refresh; `wake`) and does no work until then. With per-bank queues (at most
//! 64) it keeps, per queue, the entries that may issue and their exact earliest cycles, updated
//! only for the queues a change can affect (`bank_queue`); otherwise lower bounds per queue
//! and a scan when a bound comes (`pick`). Either way the same commands issue at the same
//! cycles as if every cycle were simulated.

mod bank_queue;
mod pick;
mod wake;

use bank_queue::BankChoice;

use crate::address::Location;
use crate::channel::{BankState, ChannelState, RankActivity};
use crate::command::{CommandKind, CommandRecord};
use crate::refresh::RefreshScheduler;
use crate::spec::{DramSpec, QueueStructure, RowBufferPolicy};
use crate::stats::DramStats;
use crate::timing::TimingTable;
use std::collections::VecDeque;

/// DRAMsim3's write-drain threshold when the command queues are empty.
const WRITE_DRAIN_LOW: usize = 8;

#[derive(Debug, Clone, Copy)]
struct Request {
    tag: u64,
    added: u64,
    loc: Location,
    /// Command queue the request goes to (decoded once, on arrival).
    queue: u32,
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
    /// Bit q set when command queue q (q < 64) is not empty.
    nonempty: u64,
    /// Bit q set when command queue q (q < 64) is full; with more than 64 queues, unused.
    full: u64,
    /// Bit q set when the read queue (`[0]`) or the write buffer (`[1]`) holds a request for
    /// command queue q (q < 64), with the counts behind the bits: a transaction scan that
    /// cannot succeed is skipped.
    waiting: [u64; 2],
    waiting_count: [Vec<u32>; 2],
    /// Per command queue, a cycle before which none of its entries can issue. Timing limits
    /// only grow as commands issue, so this stays a valid bound until the queue's contents or
    /// its bank's state change, which reset it to 0.
    queue_ready: Vec<u64>,
    /// Rank served by each command queue.
    queue_rank: Vec<u32>,
    /// Per command queue, with per-bank queues: the entries that may issue once their timing
    /// allows (invalidated with `queue_ready`).
    bank_choice: Vec<BankChoice>,
    /// Per-bank queues, at most 64: instead of lower bounds, `queue_time` holds each queue's
    /// exact earliest command cycle, brought up to date after every cycle that changed
    /// anything (all queues after a command, a queue that received an entry).
    exact_times: bool,
    queue_time: Vec<u64>,
    /// Minimum of `queue_time` over the non-empty queues.
    min_queue_time: u64,
    /// Queues whose `queue_time` is out of date (bit per queue).
    times_dirty: u64,
    /// Queues whose candidates are out of date (bit per queue; a subset of `times_dirty`).
    choices_stale: u64,
    /// Per command kind, the queues with a candidate of that kind (bit per queue).
    kind_queues: [u64; crate::command::NUM_KINDS],
    /// Per issued kind, the kinds it can delay in other banks.
    kinds_moved: [u8; crate::command::NUM_KINDS],
    /// Writes in each command queue (a queue of reads only takes a shorter scan).
    queue_writes: Vec<u32>,
    queue_idx: usize,
    /// The last transaction scan found no command queue with room; nothing can move until an
    /// entry leaves a command queue or a transaction arrives.
    trans_blocked: bool,
    per_bank: bool,
    banks_per_rank: usize,
    banks_per_group: u32,
    write_draining: usize,
    close_page: bool,
    /// HBM: a second command of the other class may issue in the same cycle.
    dual_command_bus: bool,
    read_delay: u64,
    write_delay: u64,
    request_bytes: u64,
    reads_pending: VecDeque<Pending>,
    writes_pending: VecDeque<Pending>,
    refresh: RefreshScheduler,
    /// No event can happen before this cycle.
    wake_at: u64,
    lazy_completions: bool,
    last_completion: u64,
    /// Idle policy (power-down / self-refresh thresholds), when the spec has one.
    idle: Option<IdlePolicy>,
    /// Per rank: requests that have arrived and not yet issued their column command.
    rank_queued: Vec<u32>,
    /// Per rank: the cycle at which its last issued column command completes; with nothing
    /// queued, the rank is idle from then.
    rank_done: Vec<u64>,
}

/// Idle cycles after which a rank is counted in power-down and in self-refresh
/// (`u64::MAX`: never). Energy accounting only; command timing does not depend on it.
#[derive(Debug, Clone, Copy)]
struct IdlePolicy {
    power_down_after: u64,
    self_refresh_after: u64,
}

impl IdlePolicy {
    fn of(spec: &DramSpec) -> Option<IdlePolicy> {
        let c = &spec.controller;
        let sr = c.self_refresh_after_cycles.unwrap_or(u64::MAX);
        match (c.power_down_after_cycles, c.self_refresh_after_cycles) {
            (None, None) => None,
            (pd, _) => Some(IdlePolicy {
                power_down_after: pd.unwrap_or(sr),
                self_refresh_after: sr,
            }),
        }
    }
}

/// Cycles of `[start, end)` inside `[from, to)`.
#[inline]
fn overlap(start: u64, end: u64, from: u64, to: u64) -> u64 {
    end.min(to).saturating_sub(start.max(from))
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
        Controller {
            channel,
            state: ChannelState::new(
                ranks,
                o.bankgroups as usize,
                o.banks_per_group as usize,
                spec.timing.tfaw,
                TimingTable::new(spec),
            )
            .with_32aw(spec.timing.t32aw),
            read_q: Vec::with_capacity(trans_cap),
            write_q: Vec::with_capacity(trans_cap),
            trans_cap,
            cmd_queues: (0..queues).map(|_| Vec::with_capacity(cmd_cap)).collect(),
            cmd_cap,
            cmd_queued: 0,
            nonempty: 0,
            full: 0,
            waiting: [0; 2],
            waiting_count: [vec![0; queues], vec![0; queues]],
            queue_ready: vec![0; queues],
            queue_writes: vec![0; queues],
            bank_choice: vec![BankChoice::default(); queues],
            exact_times: per_bank && queues <= 64,
            queue_time: vec![u64::MAX; queues],
            min_queue_time: u64::MAX,
            times_dirty: 0,
            choices_stale: 0,
            kind_queues: [0; crate::command::NUM_KINDS],
            kinds_moved: bank_queue::kinds_moved_elsewhere(&TimingTable::new(spec)),
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
            dual_command_bus: spec.controller.dual_command_bus,
            read_delay: spec.read_latency() + spec.burst_cycles(),
            write_delay: spec.write_latency() + spec.burst_cycles(),
            request_bytes: spec.request_bytes(),
            reads_pending: VecDeque::with_capacity(64),
            writes_pending: VecDeque::with_capacity(64),
            refresh: RefreshScheduler::new(spec),
            wake_at: 0,
            lazy_completions: false,
            last_completion: 0,
            idle: IdlePolicy::of(spec),
            rank_queued: vec![0; ranks],
            rank_done: vec![0; ranks],
        }
    }

    /// Counts power-down and self-refresh rank-cycles of the span `[start, start + cycles)`
    /// under the idle policy (nothing without one). Command state is constant over the span.
    pub(crate) fn account_idle(&self, start: u64, cycles: u64, stats: &mut DramStats) {
        let Some(p) = self.idle else { return };
        let end = start + cycles;
        for (r, (&queued, &done)) in self.rank_queued.iter().zip(&self.rank_done).enumerate() {
            if queued > 0 {
                continue;
            }
            let pd_from = done.saturating_add(p.power_down_after);
            if pd_from >= end {
                continue;
            }
            let sr_from = done.saturating_add(p.self_refresh_after);
            let pd = overlap(start, end, pd_from, sr_from);
            let sr = overlap(start, end, sr_from, u64::MAX);
            let open = self.state.rank_has_open_bank(r);
            if open {
                stats.active_power_down_rank_cycles += pd;
                stats.self_refresh_open_rank_cycles += sr;
            } else {
                stats.precharge_power_down_rank_cycles += pd;
            }
            stats.self_refresh_rank_cycles += sr;
        }
    }

    /// Under the idle policy, whether `rank` is in self-refresh at `now`.
    fn in_self_refresh(&self, rank: usize, now: u64) -> bool {
        self.idle.is_some_and(|p| {
            self.rank_queued[rank] == 0
                && now >= self.rank_done[rank].saturating_add(p.self_refresh_after)
        })
    }

    /// Queues a request arriving at `cycle`; false if its queue is full. A request that wakes
    /// its rank from power-down or self-refresh counts an exit in `stats`.
    pub(crate) fn try_enqueue(
        &mut self,
        loc: Location,
        is_write: bool,
        tag: u64,
        cycle: u64,
        stats: &mut DramStats,
    ) -> bool {
        let len = if is_write {
            self.write_q.len()
        } else {
            self.read_q.len()
        };
        if len >= self.trans_cap {
            return false;
        }
        let r = loc.rank as usize;
        if let Some(p) = self.idle {
            if self.rank_queued[r] == 0 {
                let idle = cycle.saturating_sub(self.rank_done[r]);
                if idle > p.self_refresh_after {
                    stats.self_refresh_exits += 1;
                } else if idle > p.power_down_after {
                    stats.power_down_exits += 1;
                }
            }
        }
        self.rank_queued[r] += 1;
        let queue = self.queue_index(&loc) as u32;
        let w = usize::from(is_write);
        self.waiting_count[w][queue as usize] += 1;
        if queue < 64 {
            self.waiting[w] |= 1u64 << queue;
        }
        let q = if is_write {
            &mut self.write_q
        } else {
            &mut self.read_q
        };
        q.push(Request {
            tag,
            added: cycle,
            loc,
            queue,
            is_write,
        });
        // The arrival can only start a write drain or move into a command queue; if it can do
        // neither now, the controller need not wake for it.
        self.trans_blocked = false;
        if self.cmd_queues.len() > 64 || self.transaction_may_move() {
            self.wake_at = self.wake_at.min(cycle);
        }
        true
    }

    /// Whether the read queue (or the write buffer) can take one more request.
    #[inline]
    pub(crate) fn has_room(&self, is_write: bool) -> bool {
        let len = if is_write {
            self.write_q.len()
        } else {
            self.read_q.len()
        };
        len < self.trans_cap
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
                break;
            }
            // Equal to `now - p.added` unless completions are reported lazily.
            let lat = p.complete - p.added;
            self.last_completion = self.last_completion.max(p.complete);
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
                break;
            }
            self.last_completion = self.last_completion.max(p.complete);
            sink.completed.push(p.tag);
            sink.stats.writes += 1;
            sink.stats.write_bytes += self.request_bytes;
            self.writes_pending.pop_front();
        }

        // (2) Refresh requests.
        next = next.min(self.refresh.tick(now));

        // (3) One command.
        let mut chosen = None;
        if let Some(rank) = self.refresh.start() {
            chosen = self.refresh_command(rank, now, &mut next);
        }
        if chosen.is_none() {
            chosen = self.pick_command(now, &mut next);
        }
        if let Some(c) = chosen {
            self.issue(c, now, sink);
            changed = true;
            if self.dual_command_bus {
                // HBM: DRAMsim3 picks again (round robin on from the first pick) and issues
                // the second command if it uses the other bus (row vs column).
                if self.exact_times {
                    self.update_queue_times();
                }
                if let Some(c2) = self.pick_command(now, &mut next) {
                    if c2.kind.is_column() != c.kind.is_column() {
                        self.issue(c2, now, sink);
                        sink.stats.dual_commands += 1;
                    }
                }
            }
        }

        // (4) One transaction into the command queues.
        if self.schedule_transaction() {
            changed = true;
        }
        next = next.min(self.completion_wake());
        self.wake_at = if changed {
            if self.exact_times {
                self.update_queue_times();
            }
            self.wake_after_change(now, next)
        } else {
            if self.exact_times {
                next = next.min(self.next_queue_time(now));
            }
            next.max(now + 1)
        };
    }

    fn issue(&mut self, c: Chosen, now: u64, sink: &mut Sink<'_>) {
        let s = &mut *sink.stats;
        match c.kind {
            CommandKind::Activate => s.activates += 1,
            CommandKind::Precharge => s.precharges += 1,
            CommandKind::Refresh => {
                s.refreshes += 1;
                if self.in_self_refresh(c.loc.rank as usize, now) {
                    s.self_refresh_refreshes += 1;
                }
                self.refresh.done();
            }
            kind => {
                let bi = self
                    .state
                    .bank_index(c.loc.rank, c.loc.bankgroup, c.loc.bank);
                if self.state.bank(bi).row_hits != 0 {
                    s.row_hits += 1;
                }
                let req = self.cmd_queues[c.queue].remove(c.slot);
                self.queue_writes[c.queue] -= u32::from(req.is_write);
                if c.queue < 64 {
                    self.full &= !(1u64 << c.queue);
                    if self.cmd_queues[c.queue].is_empty() {
                        self.nonempty &= !(1u64 << c.queue);
                    }
                }
                self.cmd_queued -= 1;
                let r = c.loc.rank as usize;
                self.rank_queued[r] -= 1;
                let delay = if kind.is_read() {
                    self.read_delay
                } else {
                    self.write_delay
                };
                self.rank_done[r] = self.rank_done[r].max(now + delay);
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
            self.bank_choice[qi].invalidate();
            if qi < 64 {
                self.times_dirty |= 1u64 << qi;
                self.choices_stale |= 1u64 << qi;
            }
        }
        // Other banks' queues whose candidates the command can delay.
        let moved = u64::from(self.kinds_moved[c.kind.index()]);
        for (k, &queues) in self.kind_queues.iter().enumerate() {
            // All ones when kind `k` moved (no branch per kind).
            let mask = ((moved >> k) & 1).wrapping_neg();
            self.times_dirty |= queues & mask;
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

    /// The earliest cycle the next command `req` needs (ACT, PRE, or the column command) could
    /// issue, given the bank's state now: a lower bound on when it can issue.
    fn entry_ready_at(&self, req: &Request) -> u64 {
        let l = &req.loc;
        let bank = self
            .state
            .bank(self.state.bank_index(l.rank, l.bankgroup, l.bank));
        self.state.ready_at(self.next_kind(bank, req), l)
    }

    /// The command `req` needs next on `bank` (its bank) as the bank is now: ACT on a closed
    /// bank, its column command on a row hit (with auto-precharge under a close-page policy),
    /// else PRE.
    #[inline]
    fn next_kind(&self, bank: &BankState, req: &Request) -> CommandKind {
        if !bank.is_open() {
            CommandKind::Activate
        } else if bank.open_row == req.loc.row {
            match (req.is_write, self.close_page) {
                (false, false) => CommandKind::Read,
                (true, false) => CommandKind::Write,
                (false, true) => CommandKind::ReadPrecharge,
                (true, true) => CommandKind::WritePrecharge,
            }
        } else {
            CommandKind::Precharge
        }
    }

    fn schedule_transaction(&mut self) -> bool {
        let mut changed = false;
        if self.write_drain_starts() {
            self.write_draining = self.write_q.len();
            self.trans_blocked = false;
            changed = true;
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
        let small = self.cmd_queues.len() <= 64;
        if small && self.waiting[usize::from(draining)] & !self.full == 0 {
            // No waiting request has a command queue with room (or none is waiting).
            self.trans_blocked = true;
            return changed;
        }
        // The oldest request whose command queue has room.
        let found = if small {
            let full = self.full;
            q.iter()
                .position(|r| full & (1u64 << r.queue) == 0)
                .map(|i| (i, q[i].queue as usize))
        } else {
            q.iter()
                .position(|r| self.cmd_queues[r.queue as usize].len() < self.cmd_cap)
                .map(|i| (i, q[i].queue as usize))
        };
        if let Some((i, qi)) = found {
            let req = if draining {
                self.write_draining -= 1;
                self.write_q.remove(i)
            } else {
                self.read_q.remove(i)
            };
            let w = usize::from(req.is_write);
            self.waiting_count[w][qi] -= 1;
            if self.waiting_count[w][qi] == 0 && qi < 64 {
                self.waiting[w] &= !(1u64 << qi);
            }
            // A new entry never lets an older one issue sooner (it can only add pending row
            // hits, which hold precharges back), so the queue's bound only has to come down to
            // the new entry's own earliest command. An empty queue's bound is stale: reset it.
            // (Exact queue times do without these bounds.)
            if !self.exact_times {
                self.queue_ready[qi] = if self.cmd_queues[qi].is_empty() {
                    0
                } else {
                    self.queue_ready[qi].min(self.entry_ready_at(&req))
                };
            }
            self.queue_writes[qi] += u32::from(req.is_write);
            self.cmd_queues[qi].push(req);
            self.bank_choice[qi].invalidate();
            if qi < 64 {
                self.times_dirty |= 1u64 << qi;
                self.choices_stale |= 1u64 << qi;
            }
            if qi < 64 {
                self.nonempty |= 1u64 << qi;
                if self.cmd_queues[qi].len() >= self.cmd_cap {
                    self.full |= 1u64 << qi;
                }
            }
            self.cmd_queued += 1;
            changed = true;
        } else {
            self.trans_blocked = true;
        }
        changed
    }
}

/// Where command `kind` for the queue entry at `loc` goes: an ACT opens the entry's row, a PRE
/// closes the bank's `open_row`, a column command uses the entry's address.
#[inline]
fn command_location(kind: CommandKind, loc: Location, open_row: u32) -> Location {
    match kind {
        CommandKind::Activate => Location { column: 0, ..loc },
        CommandKind::Precharge => Location {
            row: open_row,
            column: 0,
            ..loc
        },
        _ => loc,
    }
}
