//! Simulation speed of the cycle-level DRAM model: 100,000-request traces (sequential reads,
//! random reads, random requests with 50% writes) on `lpddr4-3200`, all issued at cycle 0 so
//! the model runs as fast as its queues allow. Criterion's throughput line is requests per
//! second of wall time.
//!
//! `cargo bench -p dram --bench dram`. `cimsim bench --only dram` times the 1M-request versions.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use dram::{presets, run_trace, TraceRequest};

const REQUESTS: u64 = 100_000;

/// xorshift64*: a fixed pseudo-random stream, so every run times the same trace.
fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
    move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn traces(request_bytes: u64, span_bytes: u64) -> [(&'static str, Vec<TraceRequest>); 3] {
    let mut rnd = xorshift(0x9E37_79B9_7F4A_7C15);
    let sequential = (0..REQUESTS)
        .map(|i| TraceRequest {
            addr: i * request_bytes,
            is_write: false,
            cycle: 0,
        })
        .collect();
    let random = (0..REQUESTS)
        .map(|_| TraceRequest {
            addr: rnd() % span_bytes / request_bytes * request_bytes,
            is_write: false,
            cycle: 0,
        })
        .collect();
    let mixed = (0..REQUESTS)
        .map(|_| {
            let r = rnd();
            TraceRequest {
                addr: r % span_bytes / request_bytes * request_bytes,
                is_write: r >> 63 == 1,
                cycle: 0,
            }
        })
        .collect();
    [
        ("sequential_reads", sequential),
        ("random_reads", random),
        ("random_50pct_writes", mixed),
    ]
}

fn dram_model(c: &mut Criterion) {
    let spec = presets::get("lpddr4-3200").expect("shipped preset");
    let request_bytes = spec.request_bytes();
    let span_bytes = spec.channel_bytes() * u64::from(spec.channels());
    let mut group = c.benchmark_group("dram/lpddr4-3200/100k");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(REQUESTS));
    for (name, trace) in traces(request_bytes, span_bytes) {
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
