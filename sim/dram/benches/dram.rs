//! Simulation speed of the cycle-level DRAM model: 100,000-request traces (sequential reads,
//! random reads, random requests with 50% writes) on `lpddr4-3200`, all issued at cycle 0 so
//! the model runs as fast as its queues allow. Criterion's throughput line is requests per
//! second of wall time.
//!
//! `cargo bench -p dram --bench dram`. `cimsim bench --only dram` times the 1M-request versions.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use dram::synthetic::{synthetic_trace_with, TraceKind, TraceRng, DEFAULT_SEED};
use dram::{presets, run_trace, DramSpec, TraceRequest};

const REQUESTS: u64 = 100_000;

/// The traces timed, drawn from one fixed pseudo-random stream so every run times the same
/// ones (`cimsim bench --only dram` draws its 1M-request traces the same way).
fn traces(spec: &DramSpec) -> [(&'static str, Vec<TraceRequest>); 3] {
    let mut rng = TraceRng::new(DEFAULT_SEED);
    [
        ("sequential_reads", TraceKind::Sequential),
        ("random_reads", TraceKind::Random),
        ("random_50pct_writes", TraceKind::Mixed { write_share: 0.5 }),
    ]
    .map(|(name, kind)| (name, synthetic_trace_with(spec, kind, REQUESTS, &mut rng)))
}

fn dram_model(c: &mut Criterion) {
    let spec = presets::get("lpddr4-3200").expect("shipped preset");
    let mut group = c.benchmark_group("dram/lpddr4-3200/100k");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(REQUESTS));
    for (name, trace) in traces(&spec) {
        group.bench_function(name, |b| b.iter(|| black_box(run_trace(&spec, &trace))));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = dram_model
}
criterion_main!(benches);
