//! Compiler speed: qwen3-0.6b lowered to a Program with the default mapping strategy on
//! `edgecim-65nm` at INT4 weights (what `cimsim simulate` does by default), for the prefill of
//! 128 prompt tokens and for the first decode step (KV length 129). The decoder graph is built
//! outside the timed part; criterion's throughput line is Program tasks per second.
//!
//! `cargo bench -p mappings --bench compile`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mappings::{strategy_by_name, CompileContext, DEFAULT_STRATEGY};
use sim::config::preset;
use workloads::{build_graph, load_model, Phase};

const MODEL: &str = "qwen3-0.6b";

fn compile(c: &mut Criterion) {
    let card = load_model(MODEL).expect("shipped model");
    let mut cfg = preset("edgecim-65nm").expect("shipped preset");
    cfg.cim_macro.weight_bits = 4;
    let strategy = strategy_by_name(DEFAULT_STRATEGY).expect("the default strategy exists");
    let mut group = c.benchmark_group(format!("compile/{MODEL}/{DEFAULT_STRATEGY}"));
    for (name, phase) in [
        ("prefill_128", Phase::Prefill { tokens: 128 }),
        ("decode_step_kv129", Phase::Decode { kv_len: 129 }),
    ] {
        let graph = build_graph(&card, phase, 1);
        let ctx = CompileContext::new(&cfg, &card, matches!(phase, Phase::Prefill { .. }));
        let tasks = strategy
            .compile(&graph, &ctx)
            .expect("qwen3-0.6b compiles on edgecim-65nm")
            .tasks
            .len();
        group.throughput(Throughput::Elements(tasks as u64));
        group.bench_function(name, |b| {
            b.iter(|| black_box(strategy.compile(&graph, &ctx).expect("compiles")))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = compile
}
criterion_main!(benches);
