//! The event loop that executes one Program.
//!
//! Each resource keeps its tasks in program order (a counting sort of task ids by resource) and
//! runs them one at a time; a task starts when all of its dependencies have finished and its
//! resource is free. Time is absolute integer picoseconds and jumps from event to event: task
//! finishes come from a binary heap keyed by (time, task id); while the DRAM model holds requests
//! the engine visits the end of each of its eventful cycles (`next_event_cycle`), and an idle
//! DRAM is skipped ahead (refresh and background energy accounted by the model).
//!
//! The DRAM resource is pipelined: its tasks are fed in program order, and the next one may start
//! enqueuing as soon as the previous one has enqueued its last request. Requests enter the model
//! on DRAM clock edges; a DRAM task finishes when its last request completes.
//!
//! Every per-task array lives in [`Scratch`], reused from program to program, so the loop does
//! not allocate per task or per request.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::program::{Program, Resource, TaskKind};

use super::dram_port::{request_range, FeedResult};
use super::idle::{self, IdleCause, IDLE_CAUSES};
use super::stats::{class_slot, BusyKind, BusyTracker, EnergyKind, ENERGY_KINDS};
use super::timeline::{resource_name, TimelineEvent};
use super::{EngineError, EngineLimits, Fidelity};

/// Index of the DRAM resource in the per-resource arrays.
const DRAM: usize = 0;
/// Heap payload meaning "the DRAM resource is free again" (analytic fidelity only).
const DRAM_FREE: u32 = u32::MAX;

pub(crate) fn resource_index(r: Resource) -> usize {
    match r {
        Resource::Dram => DRAM,
        Resource::Vector => 1,
        Resource::Interconnect => 2,
        Resource::ActivationBus => 3,
        Resource::AttentionArray => 4,
        // A group and its write port side by side, so the arrays stay dense with or without
        // write ports.
        Resource::MacroGroup(g) => 5 + 2 * g as usize,
        Resource::MacroWritePort(g) => 6 + 2 * g as usize,
    }
}

/// Reusable per-program working arrays.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    remaining: Vec<u32>,
    dependents_start: Vec<u32>,
    dependents: Vec<u32>,
    queue_start: Vec<u32>,
    queue: Vec<u32>,
    head: Vec<u32>,
    busy: Vec<bool>,
    start_ps: Vec<u64>,
    end_ps: Vec<u64>,
    /// DRAM tasks started and not yet finished, and since when none has been (`None` while
    /// one is in flight): the DRAM idle accounting of `engine::idle`.
    dram_active: u32,
    dram_idle_since: Option<u64>,
    busy_kind: Vec<u8>,
    dram_left: Vec<u64>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

/// Raw counters of one program, turned into a `PhaseStats` by the caller.
#[derive(Debug, Default)]
pub(crate) struct RawStats {
    pub(crate) end_ps: u64,
    pub(crate) macs: u64,
    pub(crate) macro_macs: u64,
    pub(crate) read_bytes: u64,
    pub(crate) write_bytes: u64,
    pub(crate) read_bursts: u64,
    pub(crate) write_bursts: u64,
    pub(crate) class_bytes: [u64; super::stats::CLASS_SLOTS],
    pub(crate) energy: [f64; ENERGY_KINDS],
    pub(crate) busy: BusyTracker,
    /// DRAM idle time by [`IdleCause`], ps.
    pub(crate) dram_idle: [u64; IDLE_CAUSES],
    pub(crate) events: u64,
}

/// Checks the program and builds the dependency and resource-queue arrays.
fn prepare(
    s: &mut Scratch,
    program: &Program,
    total_macros: u64,
    limits: &EngineLimits,
) -> Result<usize, EngineError> {
    let n = program.tasks.len();
    if n as u64 > limits.max_tasks_per_program {
        return Err(EngineError::TooManyEvents {
            what: "tasks in one program",
            count: n as u64,
            limit: limits.max_tasks_per_program,
        });
    }
    let mut resources = 3usize;
    for (id, t) in program.tasks.iter().enumerate() {
        let end = t.deps_start as u64 + t.deps_len as u64;
        if end > program.deps.len() as u64 {
            return Err(EngineError::InvalidProgram {
                task: id as u32,
                reason: format!(
                    "its dependency range {}..{} is outside the program's {} dependencies",
                    t.deps_start,
                    end,
                    program.deps.len()
                ),
            });
        }
        for &d in program.deps_of(id as u32) {
            if d as usize >= id {
                return Err(EngineError::ForwardDependency {
                    task: id as u32,
                    dep: d,
                });
            }
        }
        let dram_kind = matches!(
            t.kind,
            TaskKind::DramRead { .. } | TaskKind::DramWrite { .. }
        );
        let macro_kind = matches!(
            t.kind,
            TaskKind::MacroWrite { .. } | TaskKind::MacroCompute { .. }
        );
        let ok = match t.resource {
            Resource::Dram => dram_kind,
            Resource::MacroGroup(_) => !dram_kind,
            Resource::MacroWritePort(_) => matches!(t.kind, TaskKind::MacroWrite { .. }),
            Resource::Vector | Resource::Interconnect | Resource::ActivationBus => {
                !dram_kind && !macro_kind && !matches!(t.kind, TaskKind::AttentionMac { .. })
            }
            Resource::AttentionArray => matches!(t.kind, TaskKind::AttentionMac { .. }),
        };
        if !ok {
            return Err(EngineError::InvalidProgram {
                task: id as u32,
                reason: format!(
                    "a {} task cannot run on resource `{}` (DRAM reads/writes run on `dram`, \
                     macro writes/computes on a macro group, macro writes on a write port)",
                    kind_name(&t.kind),
                    resource_name(t.resource)
                ),
            });
        }
        if let TaskKind::MacroWrite { macros, .. } | TaskKind::MacroCompute { macros, .. } = t.kind
        {
            if macros == 0 || u64::from(macros) > total_macros {
                return Err(EngineError::TooManyMacros {
                    task: id as u32,
                    macros,
                    available: total_macros,
                });
            }
        }
        resources = resources.max(resource_index(t.resource) + 1);
    }

    // Dependency counts and the reverse (dependents) adjacency in CSR form.
    s.remaining.clear();
    s.remaining.extend(program.tasks.iter().map(|t| t.deps_len));
    s.dependents_start.clear();
    s.dependents_start.resize(n + 1, 0);
    for &d in &program.deps {
        s.dependents_start[d as usize + 1] += 1;
    }
    for i in 0..n {
        s.dependents_start[i + 1] += s.dependents_start[i];
    }
    s.dependents.clear();
    s.dependents.resize(program.deps.len(), 0);
    // `head` doubles as the fill cursor while building.
    s.head.clear();
    s.head.extend_from_slice(&s.dependents_start[..n]);
    for id in 0..n {
        for &d in program.deps_of(id as u32) {
            let slot = &mut s.head[d as usize];
            s.dependents[*slot as usize] = id as u32;
            *slot += 1;
        }
    }

    // Per-resource queues in program order.
    s.queue_start.clear();
    s.queue_start.resize(resources + 1, 0);
    for t in &program.tasks {
        s.queue_start[resource_index(t.resource) + 1] += 1;
    }
    for r in 0..resources {
        s.queue_start[r + 1] += s.queue_start[r];
    }
    s.queue.clear();
    s.queue.resize(n, 0);
    s.head.clear();
    s.head.extend_from_slice(&s.queue_start[..resources]);
    for (id, t) in program.tasks.iter().enumerate() {
        let slot = &mut s.head[resource_index(t.resource)];
        s.queue[*slot as usize] = id as u32;
        *slot += 1;
    }
    s.head.clear();
    s.head.extend_from_slice(&s.queue_start[..resources]);
    s.busy.clear();
    s.busy.resize(resources, false);
    s.start_ps.clear();
    s.start_ps.resize(n, 0);
    s.end_ps.clear();
    s.end_ps.resize(n, 0);
    s.dram_active = 0;
    s.busy_kind.clear();
    s.busy_kind.resize(n, 0);
    s.dram_left.clear();
    s.dram_left.resize(n, 0);
    s.heap.clear();
    Ok(resources)
}

/// A DRAM task starts at `now`: an idle interval, if one was open, ends and is attributed.
fn dram_started(s: &mut Scratch, st: &mut RawStats, program: &Program, id: u32, now: u64) {
    if let Some(t0) = s.dram_idle_since.take() {
        idle::attribute(program, &s.end_ps, id, t0, now, &mut st.dram_idle);
    }
    s.dram_active += 1;
}

fn kind_name(k: &TaskKind) -> &'static str {
    match k {
        TaskKind::DramRead { .. } => "DRAM read",
        TaskKind::DramWrite { .. } => "DRAM write",
        TaskKind::MacroWrite { .. } => "macro write",
        TaskKind::MacroCompute { .. } => "macro compute",
        TaskKind::Vector { .. } => "vector",
        TaskKind::Transfer { .. } => "transfer",
        TaskKind::AttentionMac { .. } => "attention MAC",
    }
}

fn busy_from_u8(v: u8) -> BusyKind {
    match v {
        0 => BusyKind::Dram,
        1 => BusyKind::MacroWrite,
        2 => BusyKind::MacroCompute,
        3 => BusyKind::Vector,
        4 => BusyKind::Interconnect,
        _ => BusyKind::Attention,
    }
}

impl super::Engine {
    /// Executes `program` from `self.now_ps`; returns the raw counters. On return every task has
    /// finished and `self.now_ps` is the finish time of the last one.
    pub(crate) fn execute(
        &mut self,
        program: &Program,
        timeline: &mut Vec<TimelineEvent>,
    ) -> Result<RawStats, EngineError> {
        let mut s = std::mem::take(&mut self.scratch);
        let result = self.execute_with(&mut s, program, timeline);
        self.scratch = s;
        result
    }

    fn execute_with(
        &mut self,
        s: &mut Scratch,
        program: &Program,
        timeline: &mut Vec<TimelineEvent>,
    ) -> Result<RawStats, EngineError> {
        let resources = prepare(s, program, self.total_macros, &self.limits)?;
        let n = program.tasks.len();
        let record = self.opts.record_timeline;
        if record {
            if n as u64 > self.limits.max_timeline_events {
                return Err(EngineError::TooManyEvents {
                    what: "timeline events (one per task) with record_timeline",
                    count: n as u64,
                    limit: self.limits.max_timeline_events,
                });
            }
            timeline.reserve(n);
        }
        // From here on a failure leaves the DRAM and the clock mid-program; only a successful
        // finish makes the engine usable again.
        self.poisoned = true;
        let analytic = self.opts.fidelity == Fidelity::Analytic;
        let mut st = RawStats::default();
        let mut now = self.now_ps;
        let mut done = 0usize;
        s.dram_idle_since = Some(now);

        loop {
            // Settle everything that happens at `now`: finishes, then starts (which may finish
            // at once when they take no time), until nothing more happens at this instant.
            loop {
                while let Some(&Reverse((t, code))) = s.heap.peek() {
                    if t != now {
                        break;
                    }
                    s.heap.pop();
                    st.events += 1;
                    if code == DRAM_FREE {
                        s.busy[DRAM] = false;
                    } else {
                        self.finish_task(s, &mut st, program, code, now, record, timeline);
                        done += 1;
                    }
                }
                if analytic {
                    self.dispatch_timed(s, &mut st, program, DRAM, now);
                } else {
                    self.dispatch_dram(s, &mut st, program, now);
                }
                for r in 1..resources {
                    self.dispatch_timed(s, &mut st, program, r, now);
                }
                if !matches!(s.heap.peek(), Some(&Reverse((t, _))) if t == now) {
                    break;
                }
            }
            if done == n {
                break;
            }
            if st.events > self.limits.max_events_per_program {
                return Err(EngineError::TooManyEvents {
                    what: "events in one program",
                    count: st.events,
                    limit: self.limits.max_events_per_program,
                });
            }

            // Next instant: the earliest task event, the end of the DRAM's next eventful cycle
            // while it holds requests, or the clock edge a ready DRAM task waits for.
            let t_heap = s.heap.peek().map(|Reverse((t, _))| *t);
            let mut t_dram = None;
            if let Some(port) = self.dram.as_ref() {
                t_dram = port.next_event_ps();
                if port.feeding() {
                    let edge = now.div_ceil(port.tck_ps).max(port.model.cycle()) * port.tck_ps;
                    if edge > now {
                        t_dram = Some(t_dram.map_or(edge, |t| t.min(edge)));
                    } else if port.model.is_idle() {
                        // Refused on an empty model: it can never accept the request.
                        return Err(EngineError::DramStalled {
                            cycles: 0,
                            at_ps: now,
                        });
                    }
                }
            }
            now = match (t_heap, t_dram) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => return Err(self.deadlock(s, program, done)),
            };
            if t_dram == Some(now) {
                self.dram_step(s, &mut st, program, now, record, timeline, &mut done)?;
            }
        }
        // The step's tail: nothing left for the DRAM to do in this program.
        if let Some(t0) = s.dram_idle_since.take() {
            st.dram_idle[IdleCause::StepBoundary as usize] += now.saturating_sub(t0);
        }
        st.end_ps = now;
        st.macs = program.macs();
        self.now_ps = now;
        self.poisoned = false;
        Ok(st)
    }

    /// Starts the next task on a duration-timed resource if it is free and its task is ready.
    fn dispatch_timed(
        &mut self,
        s: &mut Scratch,
        st: &mut RawStats,
        program: &Program,
        r: usize,
        now: u64,
    ) {
        if s.busy[r] || s.head[r] == s.queue_start[r + 1] {
            return;
        }
        let id = s.queue[s.head[r] as usize];
        if s.remaining[id as usize] != 0 {
            return;
        }
        s.head[r] += 1;
        let task = &program.tasks[id as usize];
        let cost = self.cost.task(&task.kind, &mut st.energy);
        let duration_ps = match task.kind {
            TaskKind::DramRead {
                addr, bytes, class, ..
            }
            | TaskKind::DramWrite {
                addr, bytes, class, ..
            } => {
                let is_write = matches!(task.kind, TaskKind::DramWrite { .. });
                dram_started(s, st, program, id, now);
                let bursts = self.count_dram(st, addr, bytes, class, is_write);
                let (occ, dur) = self.analytic_dram.timing(bursts);
                // Dynamic energy per task; refresh and background over the phase's time are
                // added when the phase ends.
                let terms = self.analytic_dram.energy_pj(bursts, is_write);
                for (k, (_, pj)) in EnergyKind::DRAM.iter().zip(terms) {
                    st.energy[*k as usize] += pj;
                }
                s.heap.push(Reverse((now + occ, DRAM_FREE)));
                dur
            }
            TaskKind::MacroCompute { macs, .. } => {
                st.macro_macs += macs;
                cost.duration_ps
            }
            _ => cost.duration_ps,
        };
        s.busy[r] = true;
        s.start_ps[id as usize] = now;
        s.busy_kind[id as usize] = cost.busy as u8;
        st.busy.start(cost.busy, now);
        s.heap.push(Reverse((now + duration_ps, id)));
    }

    /// Counts a DRAM task's bytes and bursts; returns its number of burst requests.
    pub(crate) fn count_dram(
        &self,
        st: &mut RawStats,
        addr: u64,
        bytes: u64,
        class: crate::program::DataClass,
        is_write: bool,
    ) -> u64 {
        let (_, requests) = request_range(addr, bytes, self.request_bytes);
        if is_write {
            st.write_bytes += bytes;
            st.write_bursts += requests;
        } else {
            st.read_bytes += bytes;
            st.read_bursts += requests;
        }
        st.class_bytes[class_slot(class, is_write)] += bytes;
        requests
    }

    /// Feeds DRAM tasks, in program order, to the cycle-level model.
    fn dispatch_dram(&mut self, s: &mut Scratch, st: &mut RawStats, program: &Program, now: u64) {
        loop {
            let feeding = self.dram.as_ref().is_some_and(|p| p.feeding());
            if !feeding {
                if s.head[DRAM] == s.queue_start[DRAM + 1] {
                    return;
                }
                let id = s.queue[s.head[DRAM] as usize];
                if s.remaining[id as usize] != 0 {
                    return;
                }
                s.head[DRAM] += 1;
                let task = &program.tasks[id as usize];
                let (addr, bytes, class, is_write) = match task.kind {
                    TaskKind::DramRead { addr, bytes, class } => (addr, bytes, class, false),
                    TaskKind::DramWrite { addr, bytes, class } => (addr, bytes, class, true),
                    _ => unreachable!("prepare() keeps non-DRAM tasks off the DRAM resource"),
                };
                dram_started(s, st, program, id, now);
                let requests = self.count_dram(st, addr, bytes, class, is_write);
                st.energy[EnergyKind::Buffer as usize] +=
                    self.cost.dram_buffer_energy(class, bytes);
                s.start_ps[id as usize] = now;
                s.busy_kind[id as usize] = BusyKind::Dram as u8;
                st.busy.start(BusyKind::Dram, now);
                if requests == 0 {
                    // Nothing to move: done as soon as it is its turn.
                    s.heap.push(Reverse((now, id)));
                    continue;
                }
                s.dram_left[id as usize] = requests;
                let (first, _) = request_range(addr, bytes, self.request_bytes);
                if let Some(p) = self.dram.as_mut() {
                    p.begin(u64::from(id), first, requests, is_write);
                }
            }
            let Some(port) = self.dram.as_mut() else {
                return;
            };
            // Requests enter on a DRAM clock edge at or after `now`, and never before the
            // model's own clock (which may be ahead after the previous program).
            if !now.is_multiple_of(port.tck_ps) || port.model.cycle() > now / port.tck_ps {
                return;
            }
            // Cycles before `now` hold no completions here: the DRAM step at `now` (if any)
            // already ran, so this only accounts idle or uneventful cycles.
            port.run_until(now / port.tck_ps);
            debug_assert!(port.completed.is_empty(), "completions skipped by dispatch");
            if port.feed() == FeedResult::Blocked {
                return;
            }
        }
    }

    /// Brings the DRAM model up to `now` (simulating its eventful cycles) and finishes the DRAM
    /// tasks whose last request completed.
    #[allow(clippy::too_many_arguments)]
    fn dram_step(
        &mut self,
        s: &mut Scratch,
        st: &mut RawStats,
        program: &Program,
        now: u64,
        record: bool,
        timeline: &mut Vec<TimelineEvent>,
        done: &mut usize,
    ) -> Result<(), EngineError> {
        let Some(port) = self.dram.as_mut() else {
            return Ok(());
        };
        port.run_until(now / port.tck_ps);
        st.events += 1;
        let stalled = port.cycles_without_progress();
        if stalled > self.limits.dram_stall_cycles {
            return Err(EngineError::DramStalled {
                cycles: stalled,
                at_ps: now,
            });
        }
        let completed = std::mem::take(&mut port.completed);
        for &tag in &completed {
            let id = tag as usize;
            if id >= s.dram_left.len() || s.dram_left[id] == 0 {
                return Err(EngineError::DramProtocol { tag });
            }
            s.dram_left[id] -= 1;
            if s.dram_left[id] == 0 {
                self.finish_task(s, st, program, id as u32, now, record, timeline);
                *done += 1;
            }
        }
        if let Some(port) = self.dram.as_mut() {
            port.completed = completed;
        }
        Ok(())
    }

    /// Marks a task finished at `now`: frees its resource and releases its dependents.
    #[allow(clippy::too_many_arguments)]
    fn finish_task(
        &mut self,
        s: &mut Scratch,
        st: &mut RawStats,
        program: &Program,
        id: u32,
        now: u64,
        record: bool,
        timeline: &mut Vec<TimelineEvent>,
    ) {
        let i = id as usize;
        let task = &program.tasks[i];
        let r = resource_index(task.resource);
        if r == DRAM {
            s.dram_active -= 1;
            if s.dram_active == 0 {
                s.dram_idle_since = Some(now);
            }
        } else {
            s.busy[r] = false;
        }
        s.end_ps[i] = now;
        st.busy.end(busy_from_u8(s.busy_kind[i]), now);
        let (a, b) = (
            s.dependents_start[i] as usize,
            s.dependents_start[i + 1] as usize,
        );
        for k in a..b {
            let d = s.dependents[k] as usize;
            s.remaining[d] -= 1;
        }
        if record {
            timeline.push(TimelineEvent {
                resource: task.resource,
                label: task.label,
                task: id,
                start_ps: s.start_ps[i],
                end_ps: now,
            });
        }
    }

    /// Describes why nothing can run although tasks remain.
    fn deadlock(&self, s: &Scratch, program: &Program, done: usize) -> EngineError {
        let mut first = None;
        for r in 0..s.head.len() {
            if s.head[r] < s.queue_start[r + 1] {
                let id = s.queue[s.head[r] as usize];
                if first.is_none_or(|f| id < f) {
                    first = Some(id);
                }
            }
        }
        let task = first.unwrap_or(0);
        let waiting_on = program
            .deps_of(task)
            .iter()
            .copied()
            .filter(|_| s.remaining.get(task as usize).copied().unwrap_or(0) > 0)
            .collect();
        EngineError::Deadlock {
            task,
            finished: done as u64,
            total: program.tasks.len() as u64,
            waiting_on,
        }
    }
}
