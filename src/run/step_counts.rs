//! Exact per-step counts (MACs, DRAM bytes requested, whole bursts moved) of every decode step
//! without compiling every step.
//!
//! Decode steps differ only in their KV length L. A step's counts are sums over its Program's
//! tasks of numbers each task carries (a DRAM task's address and size, a compute task's MACs),
//! and the compiler derives those from L through products and sums, so each is affine in L:
//! `v(L) = v(L₀) + (L − L₀)·d`. That is *checked*, not assumed: the steps at L₀, L₀+1, the middle
//! and the last L are compiled; the Programs must have the same tasks (kind, resource) and every
//! task's numbers at the middle and last L must be exactly what the affine form predicts from
//! the first two. Then every step's task list is known exactly, and its counts are computed
//! from it — including the burst rounding, which is *not* affine in L (a KV read of L rows of
//! 96 bytes covers `ceil(96·L / 64)` bursts), so it is evaluated per step, per task.
//!
//! Anything else (a different task structure between steps, a number that is not affine)
//! falls back to compiling every step. `tests` hold the result equal to full compiles.

use super::figures::Counts;
use sim::program::{Program, TaskKind};

/// The numbers of one task that counts depend on: (addr, bytes, macs) and which counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Read,
    Write,
    Macs,
    Other,
}

fn numbers(kind: &TaskKind) -> (Slot, [u64; 2]) {
    match *kind {
        TaskKind::DramRead { addr, bytes, .. } => (Slot::Read, [addr, bytes]),
        TaskKind::DramWrite { addr, bytes, .. } => (Slot::Write, [addr, bytes]),
        TaskKind::MacroCompute { macs, .. }
        | TaskKind::Vector { macs, .. }
        | TaskKind::AttentionMac { macs } => (Slot::Macs, [macs, 0]),
        TaskKind::MacroWrite { .. } | TaskKind::Transfer { .. } => (Slot::Other, [0, 0]),
    }
}

/// Whole-burst bytes of a DRAM access of `bytes` at `addr` (as the engine issues requests).
pub fn burst_span(addr: u64, bytes: u64, request_bytes: u64) -> u64 {
    let req = request_bytes.max(1);
    if bytes == 0 {
        0
    } else {
        (addr.saturating_add(bytes).div_ceil(req) - addr / req) * req
    }
}

/// One task of the step at L₀: its counter, its numbers, and their change per unit of L.
#[derive(Debug, Clone, Copy)]
struct Line {
    slot: Slot,
    kind: std::mem::Discriminant<TaskKind>,
    resource: sim::program::Resource,
    at0: [u64; 2],
    per_l: [i128; 2],
}

/// The affine model of a decode step's tasks in L, built from the steps at L₀ and L₀+1.
#[derive(Debug, Clone)]
pub struct AffineSteps {
    l0: u64,
    lines: Vec<Line>,
    /// Counts of the tasks whose numbers do not change with L.
    fixed: Counts,
    /// Indices into `lines` of the tasks whose numbers do.
    varying: Vec<usize>,
    request_bytes: u64,
}

fn add(c: &mut Counts, slot: Slot, v: [u64; 2], request_bytes: u64) {
    match slot {
        Slot::Read => {
            c.read_bytes += burst_span(v[0], v[1], request_bytes);
            c.read_requested += v[1];
        }
        Slot::Write => {
            c.write_bytes += burst_span(v[0], v[1], request_bytes);
            c.write_requested += v[1];
        }
        Slot::Macs => c.macs += v[0],
        Slot::Other => {}
    }
}

impl AffineSteps {
    /// The model from the Programs at `l0` and `l0 + 1`, if both have the same tasks.
    pub fn new(l0: u64, p0: &Program, p1: &Program, request_bytes: u64) -> Option<AffineSteps> {
        if p0.tasks.len() != p1.tasks.len() {
            return None;
        }
        let mut lines = Vec::with_capacity(p0.tasks.len());
        let mut fixed = Counts::default();
        let mut varying = Vec::new();
        for (a, b) in p0.tasks.iter().zip(&p1.tasks) {
            let ((slot, va), (_, vb)) = (numbers(&a.kind), numbers(&b.kind));
            let kind = std::mem::discriminant(&a.kind);
            if kind != std::mem::discriminant(&b.kind) || a.resource != b.resource {
                return None;
            }
            let per_l = [0, 1].map(|i| i128::from(vb[i]) - i128::from(va[i]));
            if per_l == [0, 0] {
                add(&mut fixed, slot, va, request_bytes);
            } else {
                varying.push(lines.len());
            }
            lines.push(Line {
                slot,
                kind,
                resource: a.resource,
                at0: va,
                per_l,
            });
        }
        Some(AffineSteps {
            l0,
            lines,
            fixed,
            varying,
            request_bytes,
        })
    }

    /// A task's numbers at `l`; `None` if they would leave the u64 range.
    fn at(&self, line: &Line, l: u64) -> Option<[u64; 2]> {
        let dl = i128::from(l) - i128::from(self.l0);
        let f = |i: usize| u64::try_from(i128::from(line.at0[i]) + line.per_l[i] * dl).ok();
        Some([f(0)?, f(1)?])
    }

    /// True when the Program compiled at `l` is exactly what the model predicts, task by task
    /// (same kinds and resources, every number on its line).
    pub fn predicts(&self, l: u64, p: &Program) -> bool {
        p.tasks.len() == self.lines.len()
            && p.tasks.iter().zip(&self.lines).all(|(t, line)| {
                let (_, v) = numbers(&t.kind);
                std::mem::discriminant(&t.kind) == line.kind
                    && t.resource == line.resource
                    && self.at(line, l) == Some(v)
            })
    }

    /// Exact counts of the step at `l`; `None` if a number would leave the u64 range (callers
    /// only ask within the range the model was checked on).
    pub fn counts(&self, l: u64) -> Option<Counts> {
        let mut c = self.fixed;
        for &i in &self.varying {
            let line = &self.lines[i];
            add(&mut c, line.slot, self.at(line, l)?, self.request_bytes);
        }
        Some(c)
    }
}
