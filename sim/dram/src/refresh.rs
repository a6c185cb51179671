//! Refresh requests as DRAMsim3 raises them: rank-level staggered (every tREFI / ranks cycles
//! the next rank, round robin) or simultaneous (every tREFI all ranks; DRAMsim3's version stops
//! after the first rank, which looks unintended, so here every rank is refreshed). A raised
//! request waits in a queue until the controller has closed the rank's banks and issued REF.

use crate::spec::{DramSpec, RefreshPolicy};
use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub(crate) struct RefreshScheduler {
    ranks: u32,
    interval: u64,
    all_ranks: bool,
    /// Cycle of the next request (multiples of the interval, from one interval on).
    next_at: u64,
    next_rank: u32,
    pending: VecDeque<u32>,
    /// Rank whose refresh is being prepared (its command queues are held back).
    in_progress: Option<u32>,
}

impl RefreshScheduler {
    pub(crate) fn new(spec: &DramSpec) -> RefreshScheduler {
        let ranks = spec.ranks().max(1);
        let (interval, all_ranks) = match spec.controller.refresh_policy {
            RefreshPolicy::RankLevelStaggered => {
                ((spec.timing.trefi / u64::from(ranks)).max(1), false)
            }
            RefreshPolicy::RankLevelSimultaneous => (spec.timing.trefi.max(1), true),
        };
        RefreshScheduler {
            ranks,
            interval,
            all_ranks,
            next_at: interval,
            next_rank: 0,
            pending: VecDeque::with_capacity(2 * ranks as usize),
            in_progress: None,
        }
    }

    /// Raises the requests due at `now`; returns the cycle of the next one.
    pub(crate) fn tick(&mut self, now: u64) -> u64 {
        if now >= self.next_at {
            self.next_at += self.interval;
            if self.all_ranks {
                self.pending.extend(0..self.ranks);
            } else {
                self.pending.push_back(self.next_rank);
                self.next_rank = (self.next_rank + 1) % self.ranks;
            }
        }
        self.next_at
    }

    /// The rank to refresh next, marking it in progress.
    pub(crate) fn start(&mut self) -> Option<u32> {
        let rank = self.pending.front().copied();
        if rank.is_some() {
            self.in_progress = rank;
        }
        rank
    }

    /// A refresh request is waiting for its PRE/REF.
    #[inline]
    pub(crate) fn is_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Whether `rank`'s queues are held back for its refresh.
    #[inline]
    pub(crate) fn holds(&self, rank: u32) -> bool {
        self.in_progress == Some(rank)
    }

    /// REF issued for the front request.
    pub(crate) fn done(&mut self) {
        self.pending.pop_front();
        self.in_progress = None;
    }
}
