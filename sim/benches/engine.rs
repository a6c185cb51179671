//! Engine speed on synthetic decode-like programs: weights streamed from DRAM in chunks, written
//! into ping-pong macro groups, computed, and reduced on the vector unit. The engine is built
//! outside the timed part (it probes its DRAM once at construction); criterion's throughput line
//! is tasks per second.
//!
//! `cargo bench -p sim --bench engine`. The same engine on a compiled model step is in the root
//! package's `perf` bench.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use sim::config::{preset, HardwareConfig};
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

/// Times `program` on a fresh engine per iteration.
fn bench_program(
    c: &mut Criterion,
    name: &str,
    cfg: &HardwareConfig,
    program: &Program,
    fidelity: Fidelity,
) {
    let opts = EngineOptions {
        fidelity,
        ..EngineOptions::default()
    };
    let mut group = c.benchmark_group("engine");
    // Runs of milliseconds or more: every sample is one run, and ten are enough for a median.
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(program.tasks.len() as u64));
    group.bench_function(name, |b| {
        b.iter_batched_ref(
            || Engine::new(cfg, opts).expect("engine for a shipped preset"),
            |engine| black_box(engine.run(program).expect("the synthetic program runs")),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn engine(c: &mut Criterion) {
    let cfg = preset("edgecim-65nm").expect("shipped preset");
    // A decode step streaming 20.6 MB of weights (30 layers of 7 operations, 48 chunks of
    // 2 KiB each): 30,450 tasks.
    let step = synthetic(30, 7, 48, 2048);
    // Two layers of the same.
    let small = synthetic(2, 7, 48, 2048);
    bench_program(c, "cycle/decode_step", &cfg, &step, Fidelity::Cycle);
    bench_program(c, "cycle/small_program", &cfg, &small, Fidelity::Cycle);
    bench_program(c, "analytic/decode_step", &cfg, &step, Fidelity::Analytic);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = engine
}
criterion_main!(benches);
