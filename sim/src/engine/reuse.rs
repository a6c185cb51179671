//! Steady-state layer reuse, the engine's only fast path (off when `EngineOptions::exact` is set,
//! when a timeline is recorded, and at analytic fidelity).
//!
//! A decoder program is a prefix (embedding), a run of congruent per-layer blocks, and a tail
//! (final norm, LM head). When the blocks repeat — every block has the same tasks on the same
//! resources with the same sizes, DRAM addresses advancing by a fixed stride per block, and
//! dependencies shifted by one block — the engine simulates a reduced program with only the
//! first `SIMULATED_UNITS` blocks (plus prefix and tail), measures the period between the last
//! two simulated blocks (the shift of the finish time of the same task, and the DRAM counters
//! and busy time accumulated in between), and adds that period once for every block it did not
//! simulate. Counts (MACs, bytes, bursts) and the per-task energies of the macros, vector unit,
//! interconnect and buffers are exact: they are summed over the full program. Time, DRAM
//! energy, activates, row hits, refreshes and busy time are extrapolated.
//!
//! A unit may be one layer or two (mappings that alternate macro groups between layers repeat
//! every second layer).

use crate::program::{Program, Task, TaskKind};

use super::stats::BusyKind;

/// Probe pairs: the whole unit plus one per kind of work.
pub(crate) const PROBE_PAIRS: usize = 1 + BusyKind::ALL.len();

pub(crate) fn busy_kind_of(k: &TaskKind) -> BusyKind {
    match k {
        TaskKind::DramRead { .. } | TaskKind::DramWrite { .. } => BusyKind::Dram,
        TaskKind::MacroWrite { .. } => BusyKind::MacroWrite,
        TaskKind::MacroCompute { .. } => BusyKind::MacroCompute,
        TaskKind::Vector { .. } => BusyKind::Vector,
        TaskKind::Transfer { .. } => BusyKind::Interconnect,
    }
}

/// Blocks simulated in the reduced program; the period is measured between the last two, so
/// the first ones absorb the warm-up (pipeline fill, first row activations).
pub(crate) const SIMULATED_UNITS: usize = 6;

/// Units simulated before the measuring window opens (pipeline fill, first activations).
pub(crate) const WARMUP_UNITS: usize = 1;

/// Units the measuring window spans: from the end of unit `WARMUP_UNITS - 1` to the end of the
/// last simulated unit. Several units average out where DRAM refreshes happen to fall.
pub(crate) const WINDOW_UNITS: usize = SIMULATED_UNITS - WARMUP_UNITS;

/// Programs with fewer units than this are simulated in full (the saving would be small).
const MIN_UNITS: usize = SIMULATED_UNITS + 4;

/// Where the repeating blocks are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LayerPlan {
    /// First task of the first unit.
    pub(crate) start: usize,
    /// Tasks per unit.
    pub(crate) unit: usize,
    /// Number of units.
    pub(crate) units: usize,
}

impl LayerPlan {
    /// Probe pairs in the reduced program: for the whole unit (pair 0) and for each kind of
    /// work (pair 1 + `BusyKind`), the last such task of unit `WARMUP_UNITS - 1` and the same
    /// task `WINDOW_UNITS` units later. Returns a bit mask per task (bit `2 x pair + later`; a
    /// task may probe several pairs), sized for the reduced program.
    pub(crate) fn probe_slots(&self, reduced: &Program) -> Vec<u16> {
        let mut slots = vec![0u16; reduced.tasks.len()];
        let first = self.start + (WARMUP_UNITS - 1) * self.unit;
        let span = WINDOW_UNITS * self.unit;
        let mut set = |pair: usize, offset: usize| {
            slots[first + offset] |= 1 << (2 * pair);
            slots[first + offset + span] |= 1 << (2 * pair + 1);
        };
        set(0, self.unit - 1);
        for kind in BusyKind::ALL {
            // For the DRAM, prefer the last read: writes may sit in the controller's write
            // buffer until it drains, so their completion is a poor marker.
            let is_read =
                |o: usize| matches!(reduced.tasks[first + o].kind, TaskKind::DramRead { .. });
            let of_kind = |o: &usize| busy_kind_of(&reduced.tasks[first + *o].kind) == kind;
            let last = if kind == BusyKind::Dram {
                (0..self.unit)
                    .rev()
                    .find(|&o| is_read(o))
                    .or_else(|| (0..self.unit).rev().find(of_kind))
            } else {
                (0..self.unit).rev().find(of_kind)
            };
            if let Some(o) = last {
                set(1 + kind as usize, o);
            }
        }
        slots
    }

    /// Units not simulated, each added as one measured period.
    pub(crate) fn skipped_units(&self) -> u64 {
        (self.units - SIMULATED_UNITS) as u64
    }

    fn end(&self) -> usize {
        self.start + self.units * self.unit
    }
}

/// Finds the repeating layer blocks of `program`, if any are worth reusing.
pub(crate) fn detect(program: &Program) -> Option<LayerPlan> {
    let tasks = &program.tasks;
    let start = tasks.iter().position(|t| t.layer.is_some())?;
    let end = tasks.iter().rposition(|t| t.layer.is_some())? + 1;
    // Layers must be contiguous, in order, with nothing outside a layer in between.
    let mut layer_starts = vec![start];
    let mut current = tasks[start].layer?;
    for (i, t) in tasks.iter().enumerate().take(end).skip(start) {
        let l = t.layer?;
        if l != current {
            if l != current + 1 {
                return None;
            }
            current = l;
            layer_starts.push(i);
        }
    }
    layer_starts.push(end);
    for per_unit in [1usize, 2] {
        let layers = layer_starts.len() - 1;
        if layers % per_unit != 0 {
            continue;
        }
        let units = layers / per_unit;
        if units < MIN_UNITS {
            return None;
        }
        let unit = layer_starts[per_unit] - start;
        let uniform = (0..=units).all(|u| layer_starts[u * per_unit] == start + u * unit);
        let plan = LayerPlan { start, unit, units };
        if uniform && congruent(program, &plan) && tail_ok(program, &plan) {
            return Some(plan);
        }
    }
    None
}

/// Every unit from the second on repeats the one before it: same kinds, sizes and resources,
/// DRAM addresses advancing by the same stride, dependencies shifted by one unit (or unchanged
/// when they point before the previous unit).
fn congruent(program: &Program, plan: &LayerPlan) -> bool {
    let m = plan.unit;
    for u in 1..plan.units {
        for t in 0..m {
            let prev = plan.start + (u - 1) * m + t;
            let cur = prev + m;
            let (a, b) = (&program.tasks[prev], &program.tasks[cur]);
            if a.resource != b.resource || !same_shape(a, b) {
                return false;
            }
            if u >= 2 {
                let before = prev - m;
                if addr(&program.tasks[before])
                    .zip(addr(a))
                    .map(|(x, y)| y.wrapping_sub(x))
                    != addr(a).zip(addr(b)).map(|(x, y)| y.wrapping_sub(x))
                {
                    return false;
                }
                let (da, db) = (program.deps_of(prev as u32), program.deps_of(cur as u32));
                if da.len() != db.len() {
                    return false;
                }
                let unit_before = (plan.start + (u - 2) * m) as u32;
                for (&x, &y) in da.iter().zip(db) {
                    let expected = if x >= unit_before { x + m as u32 } else { x };
                    if y != expected {
                        return false;
                    }
                }
            }
        }
    }
    true
}

/// Tail tasks may depend on the prefix, on the last two units, or on the tail itself.
fn tail_ok(program: &Program, plan: &LayerPlan) -> bool {
    let last_two = (plan.end() - 2 * plan.unit) as u32;
    (plan.end()..program.tasks.len()).all(|i| {
        program
            .deps_of(i as u32)
            .iter()
            .all(|&d| (d as usize) < plan.start || d >= last_two)
    })
}

fn addr(t: &Task) -> Option<u64> {
    match t.kind {
        TaskKind::DramRead { addr, .. } | TaskKind::DramWrite { addr, .. } => Some(addr),
        _ => None,
    }
}

/// Equal apart from the DRAM address.
fn same_shape(a: &Task, b: &Task) -> bool {
    match (&a.kind, &b.kind) {
        (
            TaskKind::DramRead {
                bytes: x, class: c, ..
            },
            TaskKind::DramRead {
                bytes: y, class: d, ..
            },
        )
        | (
            TaskKind::DramWrite {
                bytes: x, class: c, ..
            },
            TaskKind::DramWrite {
                bytes: y, class: d, ..
            },
        ) => x == y && c == d,
        (x, y) => x == y,
    }
}

/// The program with only the first `SIMULATED_UNITS` units; tail dependencies on the last
/// units are moved to the last simulated ones.
pub(crate) fn reduced(program: &Program, plan: &LayerPlan) -> Program {
    let keep_end = plan.start + SIMULATED_UNITS * plan.unit;
    let shift = (plan.end() - keep_end) as u32;
    let mut out = Program {
        tasks: Vec::with_capacity(keep_end + program.tasks.len() - plan.end()),
        deps: Vec::with_capacity(program.deps.len()),
        labels: program.labels.clone(),
    };
    let mut deps = Vec::new();
    for i in (0..keep_end).chain(plan.end()..program.tasks.len()) {
        let t = &program.tasks[i];
        deps.clear();
        deps.extend(program.deps_of(i as u32).iter().map(|&d| {
            if (d as usize) >= keep_end {
                d - shift
            } else {
                d
            }
        }));
        out.push(t.kind.clone(), t.resource, &deps, t.label, t.layer);
    }
    out
}
