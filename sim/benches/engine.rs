//! Engine throughput on a synthetic decode-like program: weights streamed from DRAM in chunks,
//! written into ping-pong macro groups, computed, and reduced on the vector unit. Prints the
//! median wall time of several runs with tasks/s, DRAM requests/s and simulated ÷ wall time.
//!
//! Run with `cargo bench -p sim --bench engine` (release profile).

use std::time::Instant;

use sim::config::preset;
use sim::engine::{Engine, EngineOptions, Fidelity};
use sim::program::{DataClass, Program, Resource, TaskKind, VectorOp};

/// `layers` x `ops` x `chunks` chunks of `chunk_bytes` weights each.
fn synthetic(layers: u32, ops: u32, chunks: u32, chunk_bytes: u64) -> Program {
    let mut p = Program::new();
    let mut addr = 0u64;
    let mut prev_op_end: Option<u32> = None;
    for layer in 0..layers {
        for op in 0..ops {
            let l = p.label(&format!("layer{layer}.op{op}"));
            let mut computes = Vec::with_capacity(chunks as usize);
            for c in 0..chunks {
                let group = c % 2;
                let read = p.push(
                    TaskKind::DramRead {
                        addr,
                        bytes: chunk_bytes,
                        class: DataClass::Weights,
                    },
                    Resource::Dram,
                    &[],
                    l,
                    Some(layer),
                );
                addr += chunk_bytes;
                let write = p.push(
                    TaskKind::MacroWrite {
                        macros: 8,
                        bits: chunk_bytes * 8,
                    },
                    Resource::MacroGroup(group),
                    &[read],
                    l,
                    Some(layer),
                );
                let deps: Vec<u32> = prev_op_end.into_iter().chain([write]).collect();
                let compute = p.push(
                    TaskKind::MacroCompute {
                        macros: 8,
                        tiles_per_macro: 1,
                        vectors: 1,
                        macs: chunk_bytes * 2,
                    },
                    Resource::MacroGroup(group),
                    &deps,
                    l,
                    Some(layer),
                );
                computes.push(compute);
            }
            let reduce = p.push(
                TaskKind::Vector {
                    op: VectorOp::Add,
                    elements: 2048,
                    macs: 0,
                },
                Resource::Vector,
                &computes,
                l,
                Some(layer),
            );
            prev_op_end = Some(reduce);
        }
    }
    p
}

fn measure(name: &str, program: &Program, opts: EngineOptions, repeats: usize) {
    let cfg = preset("edgecim-65nm").expect("shipped preset");
    let mut walls = Vec::with_capacity(repeats);
    let mut last = None;
    for _ in 0..repeats {
        let mut e = Engine::new(&cfg, opts).expect("engine");
        let t0 = Instant::now();
        let s = e.run(program).expect("run");
        walls.push(t0.elapsed().as_secs_f64());
        last = Some(s);
    }
    walls.sort_by(f64::total_cmp);
    let wall = walls[walls.len() / 2];
    let s = last.expect("at least one run");
    let simulated = s.time_ps as f64 * 1e-12;
    println!(
        "{name:<24} tasks {:>7}  requests {:>8}  wall {:>8.2} ms  {:>6.2} M tasks/s  {:>6.2} M req/s  simulated {:>8.3} ms  sim/wall {:>6.3}",
        s.tasks,
        s.dram_requests,
        wall * 1e3,
        s.tasks as f64 / wall * 1e-6,
        s.dram_requests as f64 / wall * 1e-6,
        simulated * 1e3,
        simulated / wall,
    );
}

fn main() {
    // Criterion-style filters are passed by `cargo bench`; this runner takes none.
    let program = synthetic(30, 7, 48, 2048);
    let weights = program.dram_read_bytes();
    println!(
        "synthetic program: {} tasks, {:.1} MB of weights streamed",
        program.tasks.len(),
        weights as f64 / 1e6
    );
    let cycle = EngineOptions::default();
    measure("cycle", &program, cycle, 5);
    measure(
        "cycle + timeline",
        &program,
        EngineOptions {
            record_timeline: true,
            ..cycle
        },
        5,
    );
    measure(
        "analytic DRAM",
        &program,
        EngineOptions {
            fidelity: Fidelity::Analytic,
            ..cycle
        },
        5,
    );
}
