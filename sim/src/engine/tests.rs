//! Scheduler tests against a DRAM stand-in with hand-computable timing (one channel, a burst
//! every 8 cycles, 30 cycles of latency, 625 ps cycle), so every expected time below is worked
//! out by hand from the component formulas.

use proptest::prelude::*;

use super::simple_dram::SimpleDram;
use super::*;
use crate::components::test_util::chip_config;
use crate::components::{compute_cycles, transfer_cycles, vector_cycles, write_cycles};
use crate::program::{DataClass, Program, Resource, TaskKind, VectorOp};

const TCK: u64 = 625;
const REQ: u64 = 64;
const LAT: u64 = 30;
const BURST: u64 = 8;
/// chip_config runs at 200 MHz.
const CYCLE: u64 = 5000;

fn parts(queue: usize) -> DramParts {
    let make = || Box::new(SimpleDram::new(1, REQ, LAT, BURST, queue)) as Box<dyn DramModel + Send>;
    DramParts {
        model: make(),
        probe: make(),
        tck_ps: TCK,
        request_bytes: REQ,
        peak_bandwidth_gbps: REQ as f64 / (BURST * TCK) as f64 * 1000.0,
        // 4 pJ/bit of read/write, nothing else (the closed-form rates of a simple DRAM).
        energy_rates: dram::EnergyRates {
            read_pj_per_bit: 4.0,
            write_pj_per_bit: 4.0,
            ..dram::EnergyRates::default()
        },
        energy_pj_per_bit: None,
        refresh_blocked_ps: 0.0,
    }
}

fn engine_with(opts: EngineOptions, queue: usize) -> Engine {
    Engine::with_dram(&chip_config(), opts, parts(queue)).unwrap()
}

fn engine() -> Engine {
    engine_with(
        EngineOptions {
            record_timeline: true,
            ..EngineOptions::default()
        },
        64,
    )
}

fn compute(macros: u32, tiles: u32, vectors: u64, macs: u64) -> TaskKind {
    TaskKind::MacroCompute {
        macros,
        tiles_per_macro: tiles,
        vectors,
        macs,
    }
}

fn vector(elements: u64) -> TaskKind {
    TaskKind::Vector {
        op: VectorOp::Add,
        elements,
        macs: 0,
    }
}

fn read(addr: u64, bytes: u64) -> TaskKind {
    TaskKind::DramRead {
        addr,
        bytes,
        class: DataClass::Weights,
    }
}

fn span(stats: &PhaseStats, task: u32) -> (u64, u64) {
    let e = stats.timeline.iter().find(|e| e.task == task).unwrap();
    (e.start_ps - stats.start_ps, e.end_ps - stats.start_ps)
}

#[test]
fn single_macro_compute_takes_the_component_cycles() {
    let cfg = chip_config();
    let mut p = Program::new();
    let l = p.label("op");
    p.push(
        compute(4, 2, 3, 1000),
        Resource::MacroGroup(0),
        &[],
        l,
        None,
    );
    let mut e = engine();
    let s = e.run(&p).unwrap();
    // 2 tiles x 3 vectors x 8 input bits + 3 pipeline cycles = 51 cycles.
    assert_eq!(compute_cycles(&cfg.cim_macro, 8, 2, 3), 51);
    assert_eq!(s.time_ps, 51 * CYCLE);
    assert_eq!(s.macs, 1000);
    assert_eq!(s.macro_macs, 1000);
    assert_eq!(s.busy_ps["macro_compute"], 51 * CYCLE);
    assert_eq!(s.energy_pj["macro_compute"], 1000.0 * 0.1);
}

#[test]
fn unloaded_latency_is_measured_on_the_model() {
    let e = engine();
    // One request: bus busy 8 cycles, then 30 cycles of latency.
    assert_eq!(e.unloaded_dram_latency_ps(), (BURST + LAT) * TCK);
}

#[test]
fn dram_read_moves_whole_bursts_with_unloaded_latency() {
    let mut p = Program::new();
    let l = p.label("w");
    p.push(read(10, 40), Resource::Dram, &[], l, None);
    let mut e = engine();
    let s = e.run(&p).unwrap();
    assert_eq!(s.dram_read_bytes, 40);
    assert_eq!(s.dram_read_bursts, 1);
    assert_eq!(s.dram_read_burst_bytes, 64);
    assert_eq!(s.time_ps, e.unloaded_dram_latency_ps());

    // 10..210 spans bursts 0..=3: four requests, served 8 cycles apart on one channel; the
    // last completes at 3*8 + 8 + 30 = 62 cycles.
    let mut p = Program::new();
    let l = p.label("w");
    p.push(read(10, 200), Resource::Dram, &[], l, None);
    let mut e = engine();
    let s = e.run(&p).unwrap();
    assert_eq!(s.dram_read_bursts, 4);
    assert_eq!(s.dram_read_burst_bytes, 256);
    assert_eq!(s.time_ps, 62 * TCK);
    assert_eq!(s.dram_bytes_by_class["weights_read"], 200);
}

#[test]
fn chain_respects_dependencies() {
    let cfg = chip_config();
    let mut p = Program::new();
    let l = p.label("op");
    let a = p.push(read(0, 64), Resource::Dram, &[], l, None);
    let b = p.push(
        TaskKind::MacroWrite {
            macros: 2,
            bits: 1024,
        },
        Resource::MacroGroup(0),
        &[a],
        l,
        None,
    );
    let c = p.push(compute(2, 1, 1, 10), Resource::MacroGroup(1), &[b], l, None);
    let mut e = engine();
    let s = e.run(&p).unwrap();
    let dram = (BURST + LAT) * TCK; // 23_750 ps
    let write = write_cycles(&cfg.cim_macro, 512) * CYCLE; // 2 cycles
    let comp = compute_cycles(&cfg.cim_macro, 8, 1, 1) * CYCLE; // 11 cycles
    assert_eq!(span(&s, a), (0, dram));
    assert_eq!(span(&s, b), (dram, dram + write));
    assert_eq!(span(&s, c), (dram + write, dram + write + comp));
    assert_eq!(s.time_ps, dram + write + comp);
}

#[test]
fn independent_tasks_on_different_resources_overlap() {
    let cfg = chip_config();
    let mut p = Program::new();
    let l = p.label("op");
    p.push(compute(1, 4, 10, 0), Resource::MacroGroup(0), &[], l, None);
    p.push(vector(3200), Resource::Vector, &[], l, None);
    p.push(
        TaskKind::Transfer {
            bytes: 640,
            tiles: 4,
            from_global_buffer: true,
        },
        Resource::Interconnect,
        &[],
        l,
        None,
    );
    let mut e = engine();
    let s = e.run(&p).unwrap();
    let m = compute_cycles(&cfg.cim_macro, 8, 4, 10); // 323
    let v = vector_cycles(&cfg.chip.vector, VectorOp::Add, 3200); // 100
                                                                  // 640 B: the global buffer's 64 B port and the bus take 10 cycles, 4 tile buffers of
                                                                  // 32 B take 5; + 4 cycles of latency.
    let t = transfer_cycles(&cfg.chip.interconnect, 640); // 14
    assert_eq!((m, v, t), (323, 100, 14));
    assert_eq!(s.time_ps, m * CYCLE);
    assert_eq!(s.busy_ps["vector"], v * CYCLE);
    assert_eq!(s.busy_ps["interconnect"], t * CYCLE);
}

#[test]
fn same_resource_serialises_in_program_order() {
    let cfg = chip_config();
    let mut p = Program::new();
    let l = p.label("op");
    // a: long compute; b: vector waiting on a; c: vector ready at 0 but after b in program order.
    let a = p.push(compute(1, 1, 10, 0), Resource::MacroGroup(0), &[], l, None);
    let b = p.push(vector(64), Resource::Vector, &[a], l, None);
    let c = p.push(vector(64), Resource::Vector, &[], l, None);
    let mut e = engine();
    let s = e.run(&p).unwrap();
    let m = compute_cycles(&cfg.cim_macro, 8, 1, 10) * CYCLE;
    let v = vector_cycles(&cfg.chip.vector, VectorOp::Add, 64) * CYCLE;
    assert_eq!(span(&s, b), (m, m + v));
    assert_eq!(span(&s, c), (m + v, m + 2 * v));
    assert_eq!(s.time_ps, m + 2 * v);
}

#[test]
fn write_port_overlaps_the_groups_compute_and_takes_only_writes() {
    let cfg = chip_config();
    let mut p = Program::new();
    let l = p.label("op");
    // a: compute on group 0; b: a write into its shadow copy on the write port, ready at 0;
    // c: a second write on the same port queues behind b; d: compute waiting on b.
    let a = p.push(compute(2, 1, 10, 0), Resource::MacroGroup(0), &[], l, None);
    let write = TaskKind::MacroWrite {
        macros: 2,
        bits: 2 * 65_536,
    };
    let b = p.push(write.clone(), Resource::MacroWritePort(0), &[], l, None);
    let c = p.push(write, Resource::MacroWritePort(0), &[], l, None);
    let d = p.push(compute(2, 1, 10, 0), Resource::MacroGroup(0), &[b], l, None);
    let mut e = engine();
    let s = e.run(&p).unwrap();
    let m = compute_cycles(&cfg.cim_macro, 8, 1, 10) * CYCLE;
    let w = write_cycles(&cfg.cim_macro, 65_536) * CYCLE;
    assert!(w > m, "the test needs a write longer than a compute");
    assert_eq!(span(&s, a), (0, m));
    assert_eq!(span(&s, b), (0, w));
    assert_eq!(span(&s, c), (w, 2 * w));
    assert_eq!(span(&s, d), (w, w + m));
    assert_eq!(s.time_ps, 2 * w);
    // Write and compute overlap: busy time counts each kind on its own.
    assert_eq!(s.busy_ps["macro_write"], 2 * w);
    assert_eq!(s.busy_ps["macro_compute"], m + m);
    let ev = s.timeline.iter().find(|ev| ev.task == b).unwrap();
    assert_eq!(ev.track(), "macro_group_0_write");

    // A compute on a write port is rejected.
    let mut p = Program::new();
    p.push(
        compute(1, 1, 1, 0),
        Resource::MacroWritePort(0),
        &[],
        l,
        None,
    );
    let err = e.run(&p).unwrap_err();
    assert!(err.to_string().contains("macro_group_0_write"), "{err}");
}

#[test]
fn dram_tasks_pipeline_behind_each_other() {
    // Two one-burst reads: the second enqueues right after the first, so it is served one
    // burst later (8 cycles) rather than after the first completes.
    let mut p = Program::new();
    let l = p.label("w");
    let a = p.push(read(0, 64), Resource::Dram, &[], l, None);
    let b = p.push(read(64, 64), Resource::Dram, &[], l, None);
    let mut e = engine();
    let s = e.run(&p).unwrap();
    assert_eq!(span(&s, a).1, 38 * TCK);
    assert_eq!(span(&s, b), (0, 46 * TCK));
    assert_eq!(s.busy_ps["dram"], 46 * TCK);
}

#[test]
fn full_queue_throttles_enqueueing() {
    // Queue of 2 (the stand-in frees a slot when a request completes). r1 is served 0..8 and
    // completes at 38, r2 8..16 → 46; r3 enters at 38 → 38+8+30 = 76; r4 enters at 46 → 84.
    let mut p = Program::new();
    let l = p.label("w");
    p.push(read(0, 256), Resource::Dram, &[], l, None);
    let mut e = engine_with(EngineOptions::default(), 2);
    let s = e.run(&p).unwrap();
    assert_eq!(s.time_ps, 84 * TCK);
}

#[test]
fn programs_run_back_to_back() {
    let mut p = Program::new();
    let l = p.label("op");
    p.push(vector(32), Resource::Vector, &[], l, None);
    let mut e = engine();
    let a = e.run(&p).unwrap();
    let b = e.run(&p).unwrap();
    assert_eq!(a.start_ps, 0);
    assert_eq!(b.start_ps, a.time_ps);
    assert_eq!(b.time_ps, a.time_ps);
    assert_eq!(e.now_ps(), 2 * a.time_ps);
    let t = e.finish();
    assert_eq!(t.phases, 2);
    assert_eq!(t.time_ps, 2 * a.time_ps);
}

#[test]
fn dram_request_mid_cycle_waits_for_the_clock_edge() {
    // At 300 MHz the accelerator cycle is round(1e6 / 300) = 3333 ps. The read becomes ready at
    // 3333 ps and enters the DRAM at the next edge, ceil(3333 / 625) = 6 cycles = 3750 ps.
    let mut cfg = chip_config();
    cfg.clock.freq_mhz = 300.0;
    let opts = EngineOptions {
        record_timeline: true,
        ..EngineOptions::default()
    };
    let mut e = Engine::with_dram(&cfg, opts, parts(64)).unwrap();
    assert_eq!(e.clock_period_ps(), 3333);
    let mut p = Program::new();
    let l = p.label("op");
    let a = p.push(vector(32), Resource::Vector, &[], l, None);
    let b = p.push(read(0, 64), Resource::Dram, &[a], l, None);
    let s = e.run(&p).unwrap();
    assert_eq!(span(&s, a), (0, 3333));
    assert_eq!(span(&s, b), (3333, 3750 + 38 * TCK));
}

#[test]
fn forward_dependencies_and_oversized_tasks_are_errors() {
    let mut p = Program::new();
    let l = p.label("op");
    p.push(vector(1), Resource::Vector, &[], l, None);
    p.deps.push(1);
    p.tasks[0].deps_len = 1;
    let mut e = engine();
    assert_eq!(
        e.run(&p).unwrap_err(),
        EngineError::ForwardDependency { task: 0, dep: 1 }
    );

    let mut p = Program::new();
    p.push(compute(17, 1, 1, 1), Resource::MacroGroup(0), &[], l, None);
    let err = e.run(&p).unwrap_err();
    assert!(matches!(
        err,
        EngineError::TooManyMacros {
            macros: 17,
            available: 16,
            ..
        }
    ));
    assert!(err.to_string().contains("17 macros"));

    let mut p = Program::new();
    p.push(read(0, 1), Resource::Vector, &[], l, None);
    assert!(matches!(
        e.run(&p).unwrap_err(),
        EngineError::InvalidProgram { task: 0, .. }
    ));
    // Rejected programs leave the engine usable.
    let mut p = Program::new();
    p.push(vector(32), Resource::Vector, &[], l, None);
    assert!(e.run(&p).is_ok());
}

#[test]
fn event_limits_are_errors() {
    let mut p = Program::new();
    let l = p.label("w");
    p.push(read(0, 64 * 100), Resource::Dram, &[], l, None);
    let mut e = engine().with_limits(EngineLimits {
        max_events_per_program: 50,
        ..EngineLimits::default()
    });
    let err = e.run(&p).unwrap_err();
    assert!(
        matches!(err, EngineError::TooManyEvents { limit: 50, .. }),
        "{err}"
    );
    assert_eq!(e.run(&p).unwrap_err(), EngineError::Poisoned);
}

#[test]
fn zero_byte_dram_task_finishes_at_once() {
    let mut p = Program::new();
    let l = p.label("w");
    let a = p.push(read(0, 0), Resource::Dram, &[], l, None);
    p.push(vector(32), Resource::Vector, &[a], l, None);
    let mut e = engine();
    let s = e.run(&p).unwrap();
    assert_eq!(s.time_ps, CYCLE);
    assert_eq!(s.dram_read_bursts, 0);
}

#[test]
fn analytic_fidelity_times_dram_at_peak_bandwidth() {
    let mut p = Program::new();
    let l = p.label("w");
    p.push(read(0, 640), Resource::Dram, &[], l, None);
    p.push(read(640, 640), Resource::Dram, &[], l, None);
    let mut e = engine_with(
        EngineOptions {
            fidelity: Fidelity::Analytic,
            ..EngineOptions::default()
        },
        64,
    );
    let s = e.run(&p).unwrap();
    // 10 bursts each occupy the bus 10 x 8 tck; the second task ends 20 x 8 tck + latency.
    assert_eq!(s.time_ps, 20 * BURST * TCK + (BURST + LAT) * TCK);
    assert_eq!(s.dram_read_bursts, 20);
    assert!((s.energy_pj["dram_read_write"] - 1280.0 * 8.0 * 4.0).abs() < 1e-6);
}

#[test]
fn energy_includes_per_bit_dram_and_leakage() {
    let mut cfg = chip_config();
    cfg.dram.energy_pj_per_bit = Some(5.0);
    let mut e = Engine::with_dram(&cfg, EngineOptions::default(), parts(64)).unwrap();
    let mut p = Program::new();
    let l = p.label("w");
    p.push(read(0, 100), Resource::Dram, &[], l, None);
    let s = e.run(&p).unwrap();
    assert_eq!(s.energy_pj["dram_read_write"], 128.0 * 8.0 * 5.0);
    assert!(s.total_energy_pj() >= 100.0 * 8.0 * 5.0);
    let leak = crate::components::static_power_mw(&cfg) * s.time_ps as f64 * 1e-3;
    assert!((s.energy_pj["leakage"] - leak).abs() < 1e-9);
    // DRAM bytes land in the global buffer (2 pJ/bit in chip_config).
    assert!((s.energy_pj["buffer"] - 100.0 * 8.0 * 2.0).abs() < 1e-9);
}

/// A random DAG: each task picks a kind/resource and up to three earlier tasks as deps.
fn random_program(spec: &[(u8, u16, [u16; 3])]) -> Program {
    let mut p = Program::new();
    let l = p.label("t");
    for (i, &(kind, size, deps)) in spec.iter().enumerate() {
        let d: Vec<u32> = if i == 0 {
            vec![]
        } else {
            let mut d: Vec<u32> = deps.iter().map(|&x| u32::from(x) % i as u32).collect();
            d.sort_unstable();
            d.dedup();
            d.truncate(usize::from(kind % 4));
            d
        };
        let size = u64::from(size);
        let (k, r) = match kind % 5 {
            0 => (read(size * 7, size + 1), Resource::Dram),
            1 => (
                compute(1 + (size % 16) as u32, 1, size % 5, size),
                Resource::MacroGroup(u32::from(kind % 3)),
            ),
            2 => (
                TaskKind::MacroWrite {
                    macros: 2,
                    bits: size * 64,
                },
                Resource::MacroGroup(u32::from(kind % 3)),
            ),
            3 => (vector(size), Resource::Vector),
            _ => (
                TaskKind::Transfer {
                    bytes: size,
                    tiles: u32::from(kind % 3) + 1,
                    from_global_buffer: kind % 2 == 0,
                },
                Resource::Interconnect,
            ),
        };
        p.push(k, r, &d, l, None);
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_dags_complete_within_bounds(spec in proptest::collection::vec((any::<u8>(), 0u16..2000, any::<[u16; 3]>()), 1..60)) {
        let p = random_program(&spec);
        let mut e = engine();
        let s = e.run(&p).unwrap();
        let s2 = engine().run(&p).unwrap();
        prop_assert_eq!(&s, &s2);
        prop_assert_eq!(s.macs, p.macs());
        prop_assert_eq!(s.timeline.len(), p.tasks.len());
        // Every task respects its deps; non-DRAM tasks take exactly the model's time; the
        // finish time lies between the critical path of lower-bound durations and the sum of
        // upper-bound durations (DRAM: unloaded latency .. every burst serialised + latency +
        // one clock edge of alignment).
        let cfg = chip_config();
        let mut end = vec![0u64; p.tasks.len()];
        let mut start = vec![0u64; p.tasks.len()];
        for ev in &s.timeline {
            end[ev.task as usize] = ev.end_ps;
            start[ev.task as usize] = ev.start_ps;
        }
        let mut crit = vec![0u64; p.tasks.len()];
        let mut sum = 0u64;
        for (i, t) in p.tasks.iter().enumerate() {
            for &d in p.deps_of(i as u32) {
                prop_assert!(start[i] >= end[d as usize]);
            }
            let (lo, hi) = match t.kind {
                TaskKind::DramRead { addr, bytes, .. } => {
                    let (_, n) = dram_port::request_range(addr, bytes, REQ);
                    if n == 0 { (0, 0) } else { ((BURST + LAT) * TCK, (n * BURST + LAT + 1) * TCK) }
                }
                _ => {
                    let mut energy = [0.0; stats::ENERGY_KINDS];
                    let d = cost::CostModel::new(&cfg, CYCLE).task(&t.kind, &mut energy).duration_ps;
                    prop_assert_eq!(end[i] - start[i], d);
                    (d, d)
                }
            };
            let dep_crit = p.deps_of(i as u32).iter().map(|&d| crit[d as usize]).max().unwrap_or(0);
            crit[i] = dep_crit + lo;
            sum += hi;
        }
        let critical = crit.iter().copied().max().unwrap_or(0);
        prop_assert!(s.time_ps >= critical, "{} < critical path {}", s.time_ps, critical);
        prop_assert!(s.time_ps <= sum, "{} > sum {}", s.time_ps, sum);
        // DRAM idle time by cause and DRAM busy time add up to the program's time.
        let idle: u64 = s.dram_idle_ps.values().sum();
        prop_assert_eq!(idle + s.busy_ps["dram"], s.time_ps);
        let a = engine_with(EngineOptions { fidelity: Fidelity::Analytic, ..EngineOptions::default() }, 4)
            .run(&p)
            .unwrap();
        let idle: u64 = a.dram_idle_ps.values().sum();
        prop_assert_eq!(idle + a.busy_ps["dram"], a.time_ps);
    }
}
