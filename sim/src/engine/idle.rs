//! Why the DRAM sat idle: every interval during which no DRAM task was in flight, attributed to
//! what the DRAM was waiting for.
//!
//! Model. An idle interval `[t0, t1)` ends when the next DRAM task in program order starts at
//! `t1`. That task waited for its latest-finishing dependency, which waited for its own, and so
//! on: the *critical chain* back into the interval. Each task of the chain owns the part of the
//! interval from its own critical dependency's finish to its successor's (a task that waited for
//! its resource, busy with an earlier task of the same kind, is charged for that wait too: the
//! resource was the bottleneck). The kind of the owning task names the cause:
//!
//! - `buffer_full`: a weight transfer over the on-chip datapath or a macro write: the global
//!   or tile buffers were full and drain no faster than the macros take weights, so the stream
//!   waited for room;
//! - `macros_computing`: a macro compute: the copy the next weights overwrite was still in use;
//! - `vector_work`: vector-unit or attention-array work the stream could not overlap (norms,
//!   attention, activations) — the next weights wait behind it through the chain;
//! - `op_boundary`: activations moving to the tiles for the next op;
//! - `step_boundary`: after the program's last DRAM task (the step's tail: the last ops and the
//!   next token's selection) and before its first one; a program is one decode step, so the
//!   next step's weights cannot be fetched then.
//!
//! The causes add up to the program's time minus the DRAM's busy time, exactly (a property the
//! engine tests hold). Refresh is not an idle cause in this sense: a rank refreshes in busy
//! and idle time alike (while busy it delays the requests in flight); the engine reports the
//! time refreshing separately (`PhaseStats::dram_refresh_ps`).

use std::collections::BTreeMap;

use crate::program::{Program, Resource, TaskKind};

/// Causes of DRAM idle time, in the order of [`IdleCause::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdleCause {
    BufferFull = 0,
    MacrosComputing = 1,
    VectorWork = 2,
    OpBoundary = 3,
    StepBoundary = 4,
}

/// Number of [`IdleCause`]s.
pub(crate) const IDLE_CAUSES: usize = 5;

impl IdleCause {
    pub(crate) const ALL: [IdleCause; IDLE_CAUSES] = [
        IdleCause::BufferFull,
        IdleCause::MacrosComputing,
        IdleCause::VectorWork,
        IdleCause::OpBoundary,
        IdleCause::StepBoundary,
    ];

    pub(crate) fn name(self) -> &'static str {
        DRAM_IDLE_CAUSES[self as usize]
    }
}

/// The names of the DRAM idle causes, the keys of [`crate::engine::PhaseStats::dram_idle_ps`].
pub const DRAM_IDLE_CAUSES: [&str; IDLE_CAUSES] = [
    "buffer_full",
    "macros_computing",
    "vector_work",
    "op_boundary",
    "step_boundary",
];

impl IdleCause {
    #[cfg(test)]
    fn name_by_match(self) -> &'static str {
        match self {
            IdleCause::BufferFull => "buffer_full",
            IdleCause::MacrosComputing => "macros_computing",
            IdleCause::VectorWork => "vector_work",
            IdleCause::OpBoundary => "op_boundary",
            IdleCause::StepBoundary => "step_boundary",
        }
    }

    /// The cause a task on the critical chain stands for.
    fn of(kind: &TaskKind, resource: Resource) -> IdleCause {
        match kind {
            TaskKind::MacroWrite { .. } => IdleCause::BufferFull,
            TaskKind::MacroCompute { .. } => IdleCause::MacrosComputing,
            TaskKind::Vector { .. } | TaskKind::AttentionMac { .. } => IdleCause::VectorWork,
            TaskKind::Transfer { .. } => match resource {
                Resource::Interconnect => IdleCause::BufferFull,
                Resource::ActivationBus
                | Resource::Vector
                | Resource::Dram
                | Resource::MacroGroup(_)
                | Resource::MacroWritePort(_)
                | Resource::AttentionArray => IdleCause::OpBoundary,
            },
            // A DRAM task finished before the idle interval began (the DRAM was idle in it),
            // so the chain's share of a DRAM task is always empty.
            TaskKind::DramRead { .. } | TaskKind::DramWrite { .. } => IdleCause::StepBoundary,
        }
    }
}

/// A chain longer than this is cut, its remainder charged to the last cause found: the
/// attribution stays linear in the program's size even on pathological programs.
const MAX_CHAIN: usize = 4096;

/// The dependency of `task` that finished last (ties: the later task), if it has any.
fn critical_dependency(program: &Program, end_ps: &[u64], task: u32) -> Option<u32> {
    program
        .deps_of(task)
        .iter()
        .copied()
        .max_by_key(|&d| (end_ps[d as usize], d))
}

/// Adds the idle interval `[t0_ps, t1_ps)` that ended when DRAM task `next` started, split by
/// cause along its critical chain, to `out` (ps per cause). `end_ps` holds the finish times of
/// every task that has finished.
pub(crate) fn attribute(
    program: &Program,
    end_ps: &[u64],
    next: u32,
    t0_ps: u64,
    t1_ps: u64,
    out: &mut [u64; IDLE_CAUSES],
) {
    if t1_ps <= t0_ps {
        return;
    }
    let Some(mut node) = critical_dependency(program, end_ps, next) else {
        // Ready from the program's start: only the step's first clock edge.
        out[IdleCause::StepBoundary as usize] += t1_ps - t0_ps;
        return;
    };
    let mut upper = t1_ps;
    for _ in 0..MAX_CHAIN {
        let task = &program.tasks[node as usize];
        let cause = IdleCause::of(&task.kind, task.resource) as usize;
        let prev = critical_dependency(program, end_ps, node);
        let lower = prev.map_or(t0_ps, |p| end_ps[p as usize].clamp(t0_ps, upper));
        out[cause] += upper - lower;
        match prev {
            Some(p) if lower > t0_ps => {
                upper = lower;
                node = p;
            }
            Some(_) | None => return,
        }
    }
    let task = &program.tasks[node as usize];
    out[IdleCause::of(&task.kind, task.resource) as usize] += upper - t0_ps;
}

/// The string-keyed map of [`crate::engine::PhaseStats::dram_idle_ps`].
pub(crate) fn idle_map(idle: &[u64; IDLE_CAUSES]) -> BTreeMap<String, u64> {
    IdleCause::ALL
        .iter()
        .map(|c| (c.name().to_string(), idle[*c as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{DataClass, VectorOp};

    fn read(p: &mut Program, deps: &[u32]) -> u32 {
        p.push(
            TaskKind::DramRead {
                addr: 0,
                bytes: 64,
                class: DataClass::Weights,
            },
            Resource::Dram,
            deps,
            0,
            None,
        )
    }

    #[test]
    fn names_follow_the_variants() {
        for c in IdleCause::ALL {
            assert_eq!(c.name(), c.name_by_match());
        }
    }

    #[test]
    fn the_chain_splits_the_interval_by_the_kind_of_each_link() {
        // read0 [0,10) -> transfer [10,20) -> write [20,50) -> vector [50,70) -> read1 at 70.
        // DRAM idle from 10 to 70: transfer 10 (10..20), write 30 (20..50), vector 20 (50..70).
        let mut p = Program::default();
        let r0 = read(&mut p, &[]);
        let tr = p.push(
            TaskKind::Transfer {
                bytes: 64,
                tiles: 1,
                from_global_buffer: true,
            },
            Resource::Interconnect,
            &[r0],
            0,
            None,
        );
        let w = p.push(
            TaskKind::MacroWrite { macros: 1, bits: 8 },
            Resource::MacroGroup(0),
            &[tr],
            0,
            None,
        );
        let v = p.push(
            TaskKind::Vector {
                op: VectorOp::RmsNorm,
                elements: 8,
                macs: 0,
            },
            Resource::Vector,
            &[w],
            0,
            None,
        );
        let r1 = read(&mut p, &[v]);
        let end = [10, 20, 50, 70, 0];
        let mut out = [0; IDLE_CAUSES];
        attribute(&p, &end, r1, 10, 70, &mut out);
        assert_eq!(out[IdleCause::BufferFull as usize], 10 + 30);
        assert_eq!(out[IdleCause::VectorWork as usize], 20);
        assert_eq!(out.iter().sum::<u64>(), 60);
    }

    #[test]
    fn a_link_that_began_before_the_interval_is_charged_only_inside_it() {
        // compute [0,40) -> read at 40; DRAM idle from 25: 15 ps of macros computing.
        let mut p = Program::default();
        let c = p.push(
            TaskKind::MacroCompute {
                macros: 1,
                tiles_per_macro: 1,
                vectors: 1,
                macs: 1,
            },
            Resource::MacroGroup(0),
            &[],
            0,
            None,
        );
        let r = read(&mut p, &[c]);
        let mut out = [0; IDLE_CAUSES];
        attribute(&p, &[40, 0], r, 25, 40, &mut out);
        assert_eq!(out[IdleCause::MacrosComputing as usize], 15);
        assert_eq!(out.iter().sum::<u64>(), 15);
    }

    #[test]
    fn a_task_with_no_dependency_is_a_step_boundary() {
        let mut p = Program::default();
        let r = read(&mut p, &[]);
        let mut out = [0; IDLE_CAUSES];
        attribute(&p, &[0], r, 0, 5, &mut out);
        assert_eq!(out[IdleCause::StepBoundary as usize], 5);
    }
}
