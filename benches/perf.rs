//! Whole-product speed through the library API, as criterion benchmarks:
//! - `simulate`: one decode step of smollm2-135m compiled with the default mapping and run by
//!   the cycle-level engine (every task, every DRAM request), and a whole sampled `simulate` of
//!   smollm2-135m at the default workload (prompt 128, generate 128);
//! - `sweep`: an `analytic` grid sweep of 100 points of qwen3-0.6b (the `cimsim bench` sweep
//!   spec), with 1 and 2 workers, results streamed to a fresh directory per run.
//!
//! `cargo bench --bench perf`. The target table (simulated ÷ wall time for every model, 1M
//! DRAM requests, 10,000-point sweeps, memory) is `cimsim bench`.

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use cimsim::bench::sweeps::spec_text;
use cimsim::explore::runner::NoProgress;
use cimsim::explore::spec::parse_spec;
use cimsim::explore::{run_sweep, SweepFidelity, SweepOptions};
use cimsim::run::{simulate, RunOptions};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use mappings::{strategy_by_name, CompileContext, DEFAULT_STRATEGY};
use sim::config::preset;
use sim::engine::{Engine, EngineOptions};
use workloads::{build_graph, load_model, Phase};

const CONFIG: &str = "edgecim-65nm";

fn simulate_group(c: &mut Criterion) {
    let card = load_model("smollm2-135m").expect("shipped model");
    let cfg = preset(CONFIG).expect("shipped preset");
    let mut group = c.benchmark_group("simulate/smollm2-135m");
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(3));

    // The first decode step after a 128-token prompt, at the default INT4 weights.
    let mut cfg4 = cfg.clone();
    cfg4.cim_macro.weight_bits = 4;
    let strategy = strategy_by_name(DEFAULT_STRATEGY).expect("the default strategy exists");
    let graph = build_graph(&card, Phase::Decode { kv_len: 129 }, 1);
    let program = strategy
        .compile(&graph, &CompileContext::new(&cfg4, &card, false))
        .expect("smollm2-135m compiles");
    // Throughput in DRAM bytes simulated per wall second, to hold against the hardware's own
    // DRAM bandwidth.
    group.throughput(Throughput::Bytes(
        program.dram_read_bytes() + program.dram_write_bytes(),
    ));
    group.bench_function("cycle_decode_step_kv129", |b| {
        b.iter_batched_ref(
            || Engine::new(&cfg4, EngineOptions::default()).expect("engine"),
            |engine| black_box(engine.run(&program).expect("the decode step runs")),
            BatchSize::PerIteration,
        )
    });

    // Throughput in generated tokens per wall second.
    let opts = RunOptions::default();
    group.throughput(Throughput::Elements(opts.generate_tokens));
    group.bench_function("cycle_run_prompt128_generate128", |b| {
        b.iter(|| black_box(simulate(&card, &cfg, CONFIG, &opts).expect("the run succeeds")))
    });
    group.finish();
}

fn sweep_group(c: &mut Criterion) {
    const POINTS: u64 = 100;
    let text = spec_text(POINTS).expect("a bench sweep size");
    let spec = parse_spec(&text, "bench sweep", Path::new(".")).expect("the bench spec parses");
    let mut group = c.benchmark_group("sweep/analytic/qwen3-0.6b");
    group.sampling_mode(SamplingMode::Flat);
    // Ten runs of well under a second each, with room on a loaded machine.
    group.measurement_time(Duration::from_secs(8));
    // Throughput in design points per wall second.
    group.throughput(Throughput::Elements(POINTS));
    for jobs in [1usize, 2] {
        group.bench_function(format!("{POINTS}_points_jobs_{jobs}"), |b| {
            b.iter_batched(
                || tempfile::tempdir().expect("a temporary directory"),
                |dir| {
                    let opts = SweepOptions {
                        spec_label: "bench sweep".to_string(),
                        out_dir: dir.path().join("out"),
                        jobs,
                        fidelity: SweepFidelity::Analytic,
                        shard: None,
                        resume: false,
                        max_points: None,
                    };
                    let summary = run_sweep(&spec, &opts, &AtomicBool::new(false), &NoProgress)
                        .expect("the sweep runs");
                    assert_eq!(summary.rows, POINTS);
                    dir
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500));
    targets = simulate_group, sweep_group
}
criterion_main!(benches);
