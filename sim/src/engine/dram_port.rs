//! The engine's port to the DRAM model: splits DRAM tasks into burst-sized requests, feeds them to
//! the cycle-level model as its queues accept them, and ticks the model only while it has work.
//!
//! The engine talks to the DRAM through the small [`DramModel`] trait so that the scheduler does
//! not depend on the model's internals; [`dram::DramSystem`] implements it.

/// Counters the engine reads from the DRAM model (monotonic since the model was created).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct DramCounters {
    pub(crate) activates: u64,
    pub(crate) row_hits: u64,
    pub(crate) refreshes: u64,
    /// IDD-model energy including background energy up to the model's current cycle.
    pub(crate) energy_pj: f64,
    /// `energy_pj` by term, in `dram::EnergyBreakdown::terms` order (act_pre, read_write,
    /// io, refresh, background).
    pub(crate) energy_terms_pj: [f64; 5],
}

impl DramCounters {
    /// `self - earlier`, for counters of the same model.
    pub(crate) fn minus(&self, earlier: &DramCounters) -> DramCounters {
        DramCounters {
            activates: self.activates.saturating_sub(earlier.activates),
            row_hits: self.row_hits.saturating_sub(earlier.row_hits),
            refreshes: self.refreshes.saturating_sub(earlier.refreshes),
            energy_pj: self.energy_pj - earlier.energy_pj,
            energy_terms_pj: std::array::from_fn(|i| {
                self.energy_terms_pj[i] - earlier.energy_terms_pj[i]
            }),
        }
    }
}

/// What the engine needs from a cycle-level DRAM model.
pub(crate) trait DramModel {
    /// Current DRAM cycle.
    fn cycle(&self) -> u64;
    /// Queues one burst request; false if the target channel's queue is full.
    fn try_enqueue(&mut self, addr: u64, is_write: bool, tag: u64) -> bool;
    /// Advances one DRAM cycle, pushing the tags of requests completed in it.
    fn tick(&mut self, completed: &mut Vec<u64>);
    /// No request queued or in flight.
    fn is_idle(&self) -> bool;
    /// Jumps ahead to `cycle` while idle (refresh and background energy accounted).
    fn skip_to(&mut self, cycle: u64);
    /// The first cycle at or after the current one at which the model can change state without
    /// new requests.
    fn next_event_cycle(&self) -> u64;
    /// Advances to `target`, simulating only the cycles where something happens.
    fn advance_to(&mut self, target: u64, completed: &mut Vec<u64>);
    fn counters(&self) -> DramCounters;
}

impl DramModel for dram::DramSystem {
    fn cycle(&self) -> u64 {
        dram::DramSystem::cycle(self)
    }
    fn try_enqueue(&mut self, addr: u64, is_write: bool, tag: u64) -> bool {
        dram::DramSystem::try_enqueue(self, addr, is_write, tag)
    }
    fn tick(&mut self, completed: &mut Vec<u64>) {
        dram::DramSystem::tick(self, completed)
    }
    fn is_idle(&self) -> bool {
        dram::DramSystem::is_idle(self)
    }
    fn skip_to(&mut self, cycle: u64) {
        dram::DramSystem::skip_to(self, cycle)
    }
    fn next_event_cycle(&self) -> u64 {
        dram::DramSystem::next_event_cycle(self)
    }
    fn advance_to(&mut self, target: u64, completed: &mut Vec<u64>) {
        dram::DramSystem::advance_to(self, target, completed)
    }
    fn counters(&self) -> DramCounters {
        let s = dram::DramSystem::stats(self);
        DramCounters {
            activates: s.activates,
            row_hits: s.row_hits,
            refreshes: s.refreshes,
            energy_pj: s.energy_pj,
            energy_terms_pj: s.energy.terms().map(|(_, v)| v),
        }
    }
}

/// The burst-aligned request range of a DRAM access: from `floor(addr / req)` to
/// `ceil((addr + bytes) / req)`, in units of requests. Returns (first request address, count).
pub(crate) fn request_range(addr: u64, bytes: u64, request_bytes: u64) -> (u64, u64) {
    if bytes == 0 {
        return (addr, 0);
    }
    let req = request_bytes.max(1);
    let first = addr / req;
    let end = addr.saturating_add(bytes).div_ceil(req);
    (first * req, end - first)
}

/// The request stream of the DRAM task currently being fed.
#[derive(Debug, Clone, Copy)]
struct Feed {
    tag: u64,
    next_addr: u64,
    left: u64,
    is_write: bool,
}

/// Cycle-level DRAM plus the state of the task whose requests are being enqueued.
pub(crate) struct DramPort {
    pub(crate) model: Box<dyn DramModel + Send>,
    pub(crate) tck_ps: u64,
    pub(crate) request_bytes: u64,
    feed: Option<Feed>,
    /// Completed tags of the last tick (reused buffer).
    pub(crate) completed: Vec<u64>,
    /// DRAM cycle of the last completion (or of the last time the model was idle).
    last_progress_cycle: u64,
}

/// Result of feeding requests at the current cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedResult {
    /// Every request of the current task is enqueued (or there was no task).
    Done,
    /// A queue is full; retry after the next tick.
    Blocked,
}

impl DramPort {
    pub(crate) fn new(
        model: Box<dyn DramModel + Send>,
        tck_ps: u64,
        request_bytes: u64,
    ) -> DramPort {
        DramPort {
            model,
            tck_ps: tck_ps.max(1),
            request_bytes: request_bytes.max(1),
            feed: None,
            completed: Vec::with_capacity(64),
            last_progress_cycle: 0,
        }
    }

    /// Starts feeding a task of `requests` burst requests beginning at `first_addr`.
    pub(crate) fn begin(&mut self, tag: u64, first_addr: u64, requests: u64, is_write: bool) {
        debug_assert!(self.feed.is_none(), "a DRAM task is already being fed");
        self.feed = Some(Feed {
            tag,
            next_addr: first_addr,
            left: requests,
            is_write,
        });
    }

    pub(crate) fn feeding(&self) -> bool {
        self.feed.is_some()
    }

    /// Brings an idle model forward to the first DRAM cycle at or after `now_ps`, so requests
    /// enter on a DRAM clock edge; refresh during the idle gap is accounted by the model.
    pub(crate) fn align_idle_to(&mut self, now_ps: u64) {
        if self.model.is_idle() {
            let target = now_ps.div_ceil(self.tck_ps);
            if target > self.model.cycle() {
                self.model.skip_to(target);
            }
        }
    }

    /// Enqueues as many requests of the current task as the queues accept this cycle.
    pub(crate) fn feed(&mut self) -> FeedResult {
        let Some(f) = self.feed.as_mut() else {
            return FeedResult::Done;
        };
        while f.left > 0 {
            if !self.model.try_enqueue(f.next_addr, f.is_write, f.tag) {
                return FeedResult::Blocked;
            }
            f.next_addr = f.next_addr.wrapping_add(self.request_bytes);
            f.left -= 1;
        }
        self.feed = None;
        FeedResult::Done
    }

    /// Simulates every DRAM cycle before `cycle` (only the eventful ones are ticked); the tags
    /// completed are left in `self.completed`. The caller guarantees that only the last of
    /// those cycles can complete requests, so they all complete at `cycle x tck`.
    pub(crate) fn run_until(&mut self, cycle: u64) {
        self.completed.clear();
        if cycle > self.model.cycle() {
            self.model.advance_to(cycle, &mut self.completed);
        }
        if !self.completed.is_empty() || self.model.is_idle() {
            self.last_progress_cycle = self.model.cycle();
        }
    }

    /// When the model next needs the engine's attention, ps: the end of its next eventful cycle
    /// while it holds requests; `None` when idle.
    pub(crate) fn next_event_ps(&self) -> Option<u64> {
        if self.model.is_idle() {
            return None;
        }
        let e = self.model.next_event_cycle().max(self.model.cycle());
        Some(e.saturating_add(1).saturating_mul(self.tck_ps))
    }

    /// DRAM cycles simulated since a request last completed while requests were outstanding.
    pub(crate) fn cycles_without_progress(&self) -> u64 {
        if self.model.is_idle() {
            0
        } else {
            self.model.cycle().saturating_sub(self.last_progress_cycle)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_range_is_burst_aligned() {
        assert_eq!(request_range(0, 0, 64), (0, 0));
        assert_eq!(request_range(0, 1, 64), (0, 1));
        assert_eq!(request_range(0, 64, 64), (0, 1));
        assert_eq!(request_range(0, 65, 64), (0, 2));
        // 10..138 touches bursts 0, 1 and 2.
        assert_eq!(request_range(10, 128, 64), (0, 3));
        assert_eq!(request_range(128, 128, 64), (128, 2));
        assert_eq!(request_range(100, 28, 64), (64, 1));
    }
}
