//! A deliberately simple DRAM model for the engine's own unit tests: per channel a FIFO that
//! serves one burst every `burst_cycles` and completes it `latency_cycles` later. Its timing is
//! easy to compute by hand, which is what scheduler tests need; the real timing model is
//! [`dram::DramSystem`].

use std::collections::VecDeque;

use super::dram_port::{DramCounters, DramModel};

#[derive(Debug, Clone)]
pub(crate) struct SimpleDram {
    cycle: u64,
    request_bytes: u64,
    latency_cycles: u64,
    burst_cycles: u64,
    queue_capacity: usize,
    /// Per channel: (completion cycle, tag) in completion order, and the cycle the bus frees.
    channels: Vec<(VecDeque<(u64, u64)>, u64)>,
}

impl SimpleDram {
    pub(crate) fn new(
        channels: u32,
        request_bytes: u64,
        latency_cycles: u64,
        burst_cycles: u64,
        queue_capacity: usize,
    ) -> SimpleDram {
        SimpleDram {
            cycle: 0,
            request_bytes: request_bytes.max(1),
            latency_cycles,
            burst_cycles: burst_cycles.max(1),
            queue_capacity: queue_capacity.max(1),
            channels: (0..channels.max(1)).map(|_| (VecDeque::new(), 0)).collect(),
        }
    }
}

impl DramModel for SimpleDram {
    fn cycle(&self) -> u64 {
        self.cycle
    }

    fn try_enqueue(&mut self, addr: u64, _is_write: bool, tag: u64) -> bool {
        let n = self.channels.len() as u64;
        let ch = ((addr / self.request_bytes) % n) as usize;
        let cycle = self.cycle;
        let (queue, bus_free) = &mut self.channels[ch];
        if queue.len() >= self.queue_capacity {
            return false;
        }
        let start = cycle.max(*bus_free);
        *bus_free = start + self.burst_cycles;
        queue.push_back((start + self.burst_cycles + self.latency_cycles, tag));
        true
    }

    fn tick(&mut self, completed: &mut Vec<u64>) {
        self.cycle += 1;
        for (queue, _) in &mut self.channels {
            while let Some(&(done, tag)) = queue.front() {
                if done > self.cycle {
                    break;
                }
                completed.push(tag);
                queue.pop_front();
            }
        }
    }

    fn is_idle(&self) -> bool {
        self.channels.iter().all(|(q, _)| q.is_empty())
    }

    fn skip_to(&mut self, cycle: u64) {
        self.cycle = self.cycle.max(cycle);
    }

    fn next_event_cycle(&self) -> u64 {
        // A request completing at cycle `d` is reported by the tick that simulates cycle d - 1.
        self.channels
            .iter()
            .filter_map(|(q, _)| q.front().map(|&(d, _)| d.saturating_sub(1)))
            .min()
            .unwrap_or(u64::MAX)
            .max(self.cycle)
    }

    fn advance_to(&mut self, target: u64, completed: &mut Vec<u64>) {
        while self.cycle < target {
            self.tick(completed);
        }
    }

    fn counters(&self) -> DramCounters {
        DramCounters::default()
    }
}
