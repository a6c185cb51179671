//! The streamed-weight pipeline of the `analytic` fidelity, in closed form per op.
//!
//! The Program (`lower.rs`) streams a matrix in batches, one group fill each, round robin over
//! `par` groups; batch `x` (numbered across the whole phase) is read from DRAM, written into its
//! group, then computed. Three couplings decide when a batch may move, and this model keeps
//! each of them:
//! - a read waits for the write of the batch `k` earlier (the global buffer holds `k` batches);
//! - a write waits for its read, for the previous write on its port (batch `x - par`) and for
//!   the compute that last used the weight copy it overwrites (batch `x - copies * par`, with
//!   two copies under `macro.ping_pong`, one without);
//! - a compute waits for its write, the op's input activations and the group's previous compute.
//!
//! Within one op all batches take the same times, so a stage's last completion is the
//! (max, +) sum over the paths into it: a constraint on batch `j` at time `t` gives
//! `t + (n - 1 - j) x step` for the last batch. Constraints from earlier ops are read off a
//! short history of per-op segments (completion times linear in the batch index between the op's
//! first and last batch), and the max over `j` of a piecewise-linear function is taken at the
//! segment ends, so an op costs a few evaluations per segment, never one per batch.

use std::collections::VecDeque;

/// Completion times of one streamed op's batches, linear from `first_*` to `last_*`.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Index of the op's first batch in the phase.
    start: u64,
    n: u64,
    first_write: f64,
    last_write: f64,
    first_compute: f64,
    last_compute: f64,
}

impl Segment {
    fn at(&self, x: u64, first: f64, last: f64) -> f64 {
        if self.n <= 1 {
            return last;
        }
        first + (last - first) * (x - self.start) as f64 / (self.n - 1) as f64
    }
}

/// The times of one op's batches, as the caller knows them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamedOp {
    /// Batches.
    pub n: u64,
    /// Groups working in parallel (`min(groups, n)` is not applied here: the full count).
    pub groups: u64,
    /// Per batch: DRAM read, write (one group), compute (one group), seconds.
    pub dram_s: f64,
    pub write_s: f64,
    pub compute_s: f64,
    /// Time from issuing a read on an idle DRAM to its data, seconds.
    pub latency_s: f64,
    /// Batches the global buffer holds (at least 1).
    pub buffered: u64,
    /// Weight copies per macro: 2 with ping-pong (write and compute on separate ports).
    pub copies: u64,
    /// The op's input activations are on the tiles.
    pub ready: f64,
}

/// When the op's reads, writes and computes finish.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StreamedEnd {
    pub dram_end: f64,
    pub write_end: f64,
    pub compute_end: f64,
}

/// The pipeline state across the ops of one phase.
#[derive(Debug, Default)]
pub(crate) struct Pipeline {
    next: u64,
    history: VecDeque<Segment>,
}

impl Pipeline {
    /// Max over `j` in `0..m` of `hist(base + j - lag) + (n - 1 - j) * rate`, where `hist` is
    /// the write (`compute = false`) or compute completion of earlier batches. Batches before
    /// the history (or before the phase) impose nothing.
    fn history_bound(&self, lag: u64, m: u64, n: u64, rate: f64, compute: bool) -> f64 {
        // Batch j of the op looks back to x = base + j - lag, for j in 0..m, x < base.
        let base = i128::from(self.next);
        let lag = i128::from(lag);
        let lo = (base - lag).max(0);
        let hi = (base - lag + i128::from(m)).min(base);
        let mut best = f64::NEG_INFINITY;
        for s in &self.history {
            let (a, b) = (
                i128::from(s.start).max(lo),
                i128::from(s.start + s.n).min(hi),
            );
            if a >= b {
                continue;
            }
            for x in [a, b - 1] {
                let t = if compute {
                    s.at(x as u64, s.first_compute, s.last_compute)
                } else {
                    s.at(x as u64, s.first_write, s.last_write)
                };
                let j = (x + lag - base) as u64;
                best = best.max(t + (n - 1 - j.min(n - 1)) as f64 * rate);
            }
        }
        best
    }

    /// Time batch `base - lag` finished writing (or computing); `-inf` if unknown.
    fn point(&self, lag: u64, compute: bool) -> f64 {
        if lag == 0 || lag > self.next {
            return f64::NEG_INFINITY;
        }
        let x = self.next - lag;
        self.history
            .iter()
            .find(|s| s.start <= x && x < s.start + s.n)
            .map_or(f64::NEG_INFINITY, |s| {
                if compute {
                    s.at(x, s.first_compute, s.last_compute)
                } else {
                    s.at(x, s.first_write, s.last_write)
                }
            })
    }

    fn push(&mut self, n: u64, write: (f64, f64), compute: (f64, f64)) {
        self.history.push_back(Segment {
            start: self.next,
            n,
            first_write: write.0,
            last_write: write.1,
            first_compute: compute.0,
            last_compute: compute.1,
        });
        self.next += n;
    }

    /// Schedules one op whose reads may start once DRAM is free at `dram_free`.
    pub(crate) fn op(&mut self, op: &StreamedOp, dram_free: f64) -> StreamedEnd {
        let n = op.n.max(1);
        let groups = op.groups.max(1);
        let par = groups.min(n) as f64;
        let k = op.buffered.max(1);
        let ping_pong = op.copies >= 2;
        let (d, w, c) = (op.dram_s, op.write_s, op.compute_s);
        // Without ping-pong a group's port writes and computes one batch after the other.
        let port = if ping_pong { w } else { w + c };
        let step = port / par;
        let lag_copy = groups * op.copies.max(1);
        let lat = op.latency_s;
        // A read waits for the write `k` batches back, which waited for its own read: `k`
        // batches circulate through read, latency and write, so the stream cannot beat
        // `(d + lat + w) / k` per batch however fast DRAM and the ports are.
        let read_interval = d.max((d + lat + w) / k as f64);
        let interval = read_interval.max(step);

        // Reads: DRAM in order, each after the write `k` batches back.
        let read_first = dram_free.max(self.point(k, false)) + d + lat;
        let read_last = (dram_free + n as f64 * d + lat)
            .max(self.history_bound(k, k.min(n), n, read_interval, false) + d + lat)
            .max(read_first + (n - 1) as f64 * read_interval);

        // Writes: after the read, the port's previous write and the copy's last compute.
        let copy_free = self.point(lag_copy, true).max(self.point(groups, true));
        let write_first = read_first.max(self.point(groups, false)).max(if ping_pong {
            copy_free
        } else {
            self.point(groups, true)
        }) + w;
        let tail = (n - 1) as f64 * interval;
        let mut write_last = (read_last + w)
            .max(write_first + tail)
            .max(self.history_bound(groups, groups.min(n), n, step, false) + w)
            .max(self.history_bound(lag_copy, lag_copy.min(n), n, step, true) + w);
        if n > lag_copy {
            // Batches beyond the copies wait for this op's own first computes.
            write_last = write_last.max(op.ready + c + w + (n - 1 - lag_copy) as f64 * step);
        }

        // Computes: after the write and the input, on the group's compute port.
        let compute_first = write_first.max(op.ready).max(self.point(groups, true)) + c;
        let compute_last = (write_last + c)
            .max(compute_first + (n - 1) as f64 * c / par)
            .max(op.ready + (n as f64 / par).ceil() * c);

        // Reads held back by the buffer finish after the writes that made room for them.
        let dram_end = if n > k {
            read_last.max(write_last - (k as f64) * step + d) - lat
        } else {
            read_last - lat
        };
        // The history: one piece, or two when the batches beyond the copies may have waited
        // for a late input (the first ones were written ahead, the rest follow the computes).
        if n > lag_copy {
            let spacing = step.max(d);
            let a_write = (write_first + (lag_copy - 1) as f64 * spacing).min(write_last);
            let a_compute = (a_write + c)
                .max(compute_first + (lag_copy - 1) as f64 * c / par)
                .min(compute_last);
            let b_write = (a_write + step).max(op.ready + c + w).min(write_last);
            self.push(lag_copy, (write_first, a_write), (compute_first, a_compute));
            let b_compute = (b_write + c).min(compute_last);
            self.push(
                n - lag_copy,
                (b_write, write_last),
                (b_compute, compute_last),
            );
        } else {
            self.push(n, (write_first, write_last), (compute_first, compute_last));
        }
        // Keep what the next ops can look back to: the buffer, the ports and the copies.
        let keep = k.max(lag_copy).max(groups) + 1;
        while self
            .history
            .front()
            .is_some_and(|s| s.start + s.n + keep <= self.next)
        {
            self.history.pop_front();
        }
        StreamedEnd {
            dram_end,
            write_end: write_last,
            compute_end: compute_last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(n: u64, dram_s: f64, write_s: f64, ready: f64) -> StreamedOp {
        StreamedOp {
            n,
            groups: 2,
            dram_s,
            write_s,
            compute_s: 0.1,
            latency_s: 0.0,
            buffered: 4,
            copies: 2,
            ready,
        }
    }

    #[test]
    fn a_dram_bound_op_ends_one_write_and_compute_after_its_last_read() {
        let mut p = Pipeline::default();
        // 10 batches, 1 s each from DRAM, 1.5 s to write on 2 ports (0.75 s per batch).
        let e = p.op(&op(10, 1.0, 1.5, 0.0), 0.0);
        assert!((e.dram_end - 10.0).abs() < 1e-9, "{e:?}");
        assert!((e.write_end - 11.5).abs() < 1e-9, "{e:?}");
        assert!((e.compute_end - 11.6).abs() < 1e-9, "{e:?}");
    }

    #[test]
    fn a_write_bound_op_streams_at_the_ports_rate_and_holds_dram_back() {
        let mut p = Pipeline::default();
        // 3 s per write on 2 ports = 1.5 s per batch > 1 s per read.
        let e = p.op(&op(10, 1.0, 3.0, 0.0), 0.0);
        // First write ends at 1 + 3 = 4, then 9 more at 1.5 s each.
        assert!((e.write_end - 17.5).abs() < 1e-9, "{e:?}");
        assert!((e.compute_end - 17.6).abs() < 1e-9, "{e:?}");
        // The last read waits for the write 4 batches back (17.5 - 4 x 1.5), then takes 1 s.
        assert!((e.dram_end - 12.5).abs() < 1e-9, "{e:?}");
    }

    #[test]
    fn a_late_input_lets_only_the_copies_be_written_ahead() {
        let mut p = Pipeline::default();
        // Input at 100 s: 4 batches (2 groups x 2 copies) are written ahead, the other 6
        // follow the first computes: 100 + 0.1 + 3 + 5 x 1.5 = 110.6, computed by 110.7.
        let e = p.op(&op(10, 1.0, 3.0, 100.0), 0.0);
        assert!((e.compute_end - 110.7).abs() < 1e-9, "{e:?}");
        // The next op's writes wait for the stalled op's computes to free the copies.
        let f = p.op(&op(4, 1.0, 3.0, 0.0), e.dram_end);
        assert!(f.write_end >= e.compute_end + 3.0, "{f:?}");
    }
}
