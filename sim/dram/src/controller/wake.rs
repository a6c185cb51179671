//! When the controller next needs to run: after a cycle that changed something, the first cycle
//! at which anything can (a transaction that can move, a command whose timing allows it, a
//! completion, a refresh); cycles in between would change nothing and are skipped. Also the
//! trace runner's lazy completions, and whether an arrival needs the controller at once.

use super::{Controller, Pending, WRITE_DRAIN_LOW};

impl Controller {
    /// The cycle at which completions need the controller: the next one, or with lazy
    /// completions only the last one once no request is queued (so that the run ends at the
    /// same cycle), never before.
    pub(super) fn completion_wake(&self) -> u64 {
        let at = |p: Option<&Pending>| p.map(|p| p.complete);
        if !self.lazy_completions {
            let (r, w) = (self.reads_pending.front(), self.writes_pending.front());
            return [at(r), at(w)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(u64::MAX);
        }
        if !(self.read_q.is_empty() && self.write_q.is_empty() && self.cmd_queued == 0) {
            return u64::MAX;
        }
        // Pending completions are in issue order with one delay per kind: the last is the
        // latest.
        let (r, w) = (self.reads_pending.back(), self.writes_pending.back());
        [at(r), at(w)]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(u64::MAX)
    }

    /// Completions reported at their cycle (the default), or only when the controller wakes
    /// for something else, and at the end (the trace runner, which needs only the counters and
    /// the last completion cycle). Either way the same commands issue at the same cycles.
    pub(crate) fn set_lazy_completions(&mut self, lazy: bool, now: u64) {
        self.lazy_completions = lazy;
        self.wake_at = self.wake_at.min(now);
    }

    /// Cycle of the latest completion so far (0 if none).
    pub(crate) fn last_completion(&self) -> u64 {
        self.last_completion
    }

    /// After a cycle that issued a command or moved a transaction, the first cycle at which
    /// anything can happen: the next one if a transaction can move or a refresh is under way,
    /// else the earliest completion, refresh request or command-queue bound, the stale bounds
    /// (queues just changed or not visited) refreshed by the scan the next cycle would do.
    /// Ticks in between would change nothing, so skipping them issues the same commands.
    pub(super) fn wake_after_change(&mut self, now: u64, mut next: u64) -> u64 {
        let t = now + 1;
        if next <= t
            || self.refresh.is_pending()
            || self.cmd_queues.len() > 64
            || self.transaction_may_move()
        {
            return t;
        }
        if self.exact_times {
            return next.min(self.min_queue_time).max(t);
        }
        let (mut stale, later) = self.due_queues(now);
        if later <= t {
            return t;
        }
        next = next.min(later);
        while stale != 0 {
            let qi = stale.trailing_zeros() as usize;
            stale &= stale - 1;
            let mut queue_next = u64::MAX;
            if self.first_ready(qi, t, &mut queue_next).is_some() {
                return t;
            }
            self.queue_ready[qi] = queue_next;
            next = next.min(queue_next);
        }
        next.max(t)
    }

    /// Whether the write buffer starts draining now (DRAMsim3's conditions).
    #[inline]
    pub(super) fn write_drain_starts(&self) -> bool {
        if self.write_draining > 0 || self.write_q.is_empty() {
            return false;
        }
        let queues_empty = self.cmd_queued == 0;
        self.write_q.len() >= self.trans_cap
            || (self.write_q.len() > WRITE_DRAIN_LOW && queues_empty)
            || (self.read_q.is_empty() && queues_empty)
    }

    /// Whether the next transaction step would change anything, with no command issued
    /// before it; when it would not, records that the transaction scan is blocked, as that
    /// step would (at most 64 command queues).
    pub(super) fn transaction_may_move(&mut self) -> bool {
        if self.write_drain_starts() {
            return true;
        }
        if self.trans_blocked {
            return false;
        }
        let draining = self.write_draining > 0;
        if self.waiting[usize::from(draining)] & !self.full == 0 {
            self.trans_blocked = true;
            return false;
        }
        true
    }
}
