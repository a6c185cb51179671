//! The scenario groups of `cimsim bench` (see the module above for what each measures).

use super::sweeps::{run_child, SWEEP_MODEL};
use super::{timed, BenchOptions, BenchRow};
use crate::explore::SweepFidelity;
use crate::run::{simulate, RunFidelity, RunOptions};
use dram::synthetic::{synthetic_trace_with, TraceKind, TraceRng, DEFAULT_SEED};
use dram::{presets, run_trace};
use sim::config::{preset, preset_names, HardwareConfig, HardwareKind};
use std::path::PathBuf;
use workloads::{shipped, shipped_names, ModelCard};

/// A group of scenarios, selectable with `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Simulate,
    Dram,
    Sweep,
    Memory,
    Scaling,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::Simulate,
        Group::Dram,
        Group::Sweep,
        Group::Memory,
        Group::Scaling,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Simulate => "simulate",
            Group::Dram => "dram",
            Group::Sweep => "sweep",
            Group::Memory => "memory",
            Group::Scaling => "scaling",
        }
    }

    pub fn parse(s: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == s)
    }
}

pub(super) fn run_group(
    g: Group,
    opts: &BenchOptions,
    out: &mut dyn FnMut(BenchRow),
) -> Result<(), String> {
    match g {
        Group::Simulate => simulate_group(opts, out),
        Group::Dram => dram_group(opts, out),
        Group::Sweep => sweep_group(opts, out),
        Group::Memory => memory_group(opts, out),
        Group::Scaling => scaling_group(opts, out),
    }
}

fn card(name: &str) -> Result<ModelCard, String> {
    shipped(name).ok_or_else(|| format!("no shipped model `{name}`"))
}

fn config(name: &str) -> Result<HardwareConfig, String> {
    preset(name).ok_or_else(|| format!("no preset `{name}`"))
}

/// Median wall time and simulated time of `runs` runs of one simulation.
fn time_run(
    runs: usize,
    card: &ModelCard,
    cfg: &HardwareConfig,
    label: &str,
    opts: &RunOptions,
) -> Result<(f64, f64), String> {
    let (wall, out) = timed(runs, || {
        simulate(card, cfg, label, opts).map_err(|e| format!("{} on {label}: {e}", card.name))
    })?;
    Ok((wall, out.record.simulated_s))
}

fn simulate_group(opts: &BenchOptions, out: &mut dyn FnMut(BenchRow)) -> Result<(), String> {
    let models: Vec<&str> = if opts.quick {
        vec!["smollm2-135m", "qwen3-0.6b", "llama3.2-1b"]
    } else {
        shipped_names().to_vec()
    };
    let run_opts = RunOptions::default();
    let realtime = "simulated ≥ wall".to_string();
    let mut total = (0.0, 0.0);
    let cfg = config(sim::config::DEFAULT_PRESET)?;
    for m in &models {
        let (wall, simulated) = time_run(opts.runs, &card(m)?, &cfg, &cfg.name, &run_opts)?;
        total.0 += wall;
        total.1 += simulated;
        out(BenchRow {
            group: Group::Simulate,
            scenario: format!("simulate cycle {m} on {}", cfg.name),
            runs: opts.runs,
            wall_s: wall,
            simulated_s: simulated,
            rate: format!("{:.0} tokens/s", 256.0 / wall),
            target: Some((simulated >= wall, realtime.clone())),
        });
    }
    let n = models.len();
    out(BenchRow {
        group: Group::Simulate,
        scenario: format!("simulate cycle, {n} models together"),
        runs: opts.runs,
        wall_s: total.0,
        simulated_s: total.1,
        rate: format!("{:.2} s per model", total.0 / n as f64),
        target: (n == shipped_names().len()).then(|| (total.0 < 10.0, "< 10 s".to_string())),
    });
    // Every model on each of the other CIM presets: the target holds for any model and preset.
    for name in preset_names() {
        let cfg = config(name)?;
        if *name == sim::config::DEFAULT_PRESET || cfg.kind != HardwareKind::Cim || opts.quick {
            continue;
        }
        let (mut wall_s, mut simulated_s) = (0.0, 0.0);
        let mut lowest: Option<(f64, &str)> = None;
        for m in &models {
            let (wall, simulated) = time_run(opts.runs, &card(m)?, &cfg, name, &run_opts)?;
            wall_s += wall;
            simulated_s += simulated;
            let ratio = simulated / wall;
            if lowest.is_none_or(|(r, _)| ratio < r) {
                lowest = Some((ratio, m));
            }
        }
        let (ratio, worst) = lowest.unwrap_or((0.0, "-"));
        out(BenchRow {
            group: Group::Simulate,
            scenario: format!("simulate cycle, each of the {n} models on {name}"),
            runs: opts.runs,
            wall_s,
            simulated_s,
            rate: format!("lowest simulated/wall {ratio:.2} ({worst})"),
            target: Some((ratio >= 1.0, "every model simulated ≥ wall".to_string())),
        });
    }
    Ok(())
}

/// The DRAM preset and channel count the DRAM scenarios use.
const DRAM_PRESET: &str = "lpddr4-3200";

fn dram_group(opts: &BenchOptions, out: &mut dyn FnMut(BenchRow)) -> Result<(), String> {
    let spec = presets::get(DRAM_PRESET).ok_or("no DRAM preset")?;
    let n: u64 = if opts.quick { 200_000 } else { 1_000_000 };
    // One fixed pseudo-random stream, so every run plays the same traces.
    let mut rng = TraceRng::new(DEFAULT_SEED);
    let traces = [
        ("sequential reads", TraceKind::Sequential),
        ("random reads", TraceKind::Random),
        ("random, 50% writes", TraceKind::Mixed { write_share: 0.5 }),
    ]
    .map(|(name, kind)| (name, synthetic_trace_with(&spec, kind, n, &mut rng)));
    let target = "≥ 2 M requests/s".to_string();
    for (name, trace) in &traces {
        let (wall, report) = timed(opts.runs, || Ok::<_, String>(run_trace(&spec, trace)))?;
        let rate = n as f64 / wall;
        out(BenchRow {
            group: Group::Dram,
            scenario: format!("dram model, {n} {name} ({DRAM_PRESET})"),
            runs: opts.runs,
            wall_s: wall,
            simulated_s: report.cycles as f64 * report.tck_ns * 1e-9,
            rate: format!("{:.2} M requests/s", rate / 1e6),
            target: Some((rate >= 2e6, target.clone())),
        });
    }
    // The whole command on a trace file: parsing, the model, the report; on the random read
    // trace and on the write-heavy one.
    let dir = work_dir()?;
    let exe = opts.exe()?;
    for (file, trace, what) in [
        ("random.trace", &traces[1].1, "random read"),
        ("mixed.trace", &traces[2].1, "random 50% write"),
    ] {
        let path = dir.join(file);
        let mut text = String::with_capacity(trace.len() * 24);
        for r in trace {
            let op = if r.is_write { "WRITE" } else { "READ" };
            text.push_str(&format!("0x{:x} {op} {}\n", r.addr, r.cycle));
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let (wall, ()) = timed(opts.runs, || {
            let st = std::process::Command::new(&exe)
                .args(["dram", "--config", DRAM_PRESET, "--json", "--trace"])
                .arg(&path)
                .stdout(std::process::Stdio::null())
                .status()
                .map_err(|e| e.to_string())?;
            if st.success() {
                Ok(())
            } else {
                Err(format!("cimsim dram failed: {st}"))
            }
        })?;
        let rate = n as f64 / wall;
        out(BenchRow {
            group: Group::Dram,
            scenario: format!("`cimsim dram`, {n}-line {what} trace file"),
            runs: opts.runs,
            wall_s: wall,
            simulated_s: 0.0,
            rate: format!("{:.2} M requests/s", rate / 1e6),
            target: Some((rate >= 2e6, target.clone())),
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A fresh scratch directory for child processes' files.
fn work_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("cimsim-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

fn sweep_row(
    exe: &std::path::Path,
    points: u64,
    fidelity: SweepFidelity,
    jobs: usize,
    runs: usize,
) -> Result<(f64, super::sweeps::SweepRun), String> {
    let dir = work_dir()?;
    let mut walls = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let r = run_child(exe, &dir, points, fidelity, jobs)?;
        walls.push(r.wall_s);
        last = Some(r);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let last = last.ok_or("no sweep run")?;
    Ok((super::median(&walls), last))
}

fn sweep_group(opts: &BenchOptions, out: &mut dyn FnMut(BenchRow)) -> Result<(), String> {
    let points: u64 = if opts.quick { 1_000 } else { 10_000 };
    let full = !opts.quick;
    let mut analytic = [0.0; 2];
    for jobs in [1usize, 2] {
        let (wall, r) = sweep_row(
            &opts.exe()?,
            points,
            SweepFidelity::Analytic,
            jobs,
            opts.runs,
        )?;
        analytic[jobs - 1] = wall;
        out(BenchRow {
            group: Group::Sweep,
            scenario: format!("sweep analytic, {points} points of {SWEEP_MODEL}, --jobs {jobs}"),
            runs: opts.runs,
            wall_s: wall,
            simulated_s: 0.0,
            rate: format!("{:.0} points/s", r.rows as f64 / wall),
            target: (full && jobs == 2).then(|| (wall < 10.0, "< 10 s".to_string())),
        });
    }
    let speedup = analytic[0] / analytic[1].max(1e-9);
    out(BenchRow {
        group: Group::Sweep,
        scenario: "sweep analytic, --jobs 2 speed-up over --jobs 1".to_string(),
        runs: opts.runs,
        wall_s: 0.0,
        simulated_s: 0.0,
        rate: format!("{speedup:.2}x"),
        target: Some((speedup >= 1.7, "≥ 1.7x".to_string())),
    });
    // Screening refines, at cycle fidelity, the `screen_budget` (default 128) candidates closest
    // to the analytic front; the row says how many the margin admitted, how many were refined
    // and the margin that was guaranteed.
    let screen_points = points;
    let (wall, r) = sweep_row(&opts.exe()?, screen_points, SweepFidelity::Screen, 2, 1)?;
    let guaranteed = r
        .effective_margin
        .map_or("none".to_string(), |e| format!("{:.3} %", e * 100.0));
    out(BenchRow {
        group: Group::Sweep,
        scenario: format!(
            "sweep screen, {screen_points} points of {SWEEP_MODEL}, --jobs 2 ({} refined at cycle of {} within the margin; effective margin {guaranteed})",
            r.refined_rows, r.screen_candidates
        ),
        runs: 1,
        wall_s: wall,
        simulated_s: 0.0,
        rate: format!(
            "{:.0} points/s; {:.2} s per refined point",
            r.rows as f64 / wall,
            wall / r.refined_rows.max(1) as f64
        ),
        target: full.then(|| (wall < 60.0, "< 60 s".to_string())),
    });
    Ok(())
}

fn memory_group(opts: &BenchOptions, out: &mut dyn FnMut(BenchRow)) -> Result<(), String> {
    let (small, large): (u64, u64) = if opts.quick {
        (1_000, 10_000)
    } else {
        (10_000, 100_000)
    };
    let mut rss = [0u64; 2];
    for (i, points) in [small, large].into_iter().enumerate() {
        let (wall, r) = sweep_row(&opts.exe()?, points, SweepFidelity::Analytic, 2, 1)?;
        rss[i] = r.peak_rss_kib;
        let growth = rss[1] as f64 / rss[0].max(1) as f64;
        out(BenchRow {
            group: Group::Memory,
            scenario: format!("peak RSS, sweep analytic, {points} points, --jobs 2"),
            runs: 1,
            wall_s: wall,
            simulated_s: 0.0,
            rate: format!("{:.1} MiB", r.peak_rss_kib as f64 / 1024.0),
            target: (i == 1).then(|| {
                (
                    growth <= 1.5,
                    format!("≤ 1.5x the {small}-point sweep; {growth:.2}x"),
                )
            }),
        });
    }
    Ok(())
}

/// `card` cut to `layers` decoder layers and a 4,096-row LM head.
fn cut(card: &ModelCard, layers: u32) -> ModelCard {
    let mut c = card.clone();
    c.num_layers = layers;
    c.vocab_size = c.vocab_size.min(4096);
    c.nope_layers.retain(|&l| l < layers);
    c
}

fn scaling_group(opts: &BenchOptions, out: &mut dyn FnMut(BenchRow)) -> Result<(), String> {
    let base = card("smollm2-135m")?;
    let cfg = config(sim::config::DEFAULT_PRESET)?;
    let exact = RunOptions {
        prompt_tokens: 16,
        generate_tokens: 4,
        exact: true,
        ..RunOptions::default()
    };
    let (tokens, layers): (&[u64], &[u32]) = if opts.quick {
        (&[2, 4, 8], &[2, 4, 8])
    } else {
        (&[4, 8, 16, 32], &[2, 4, 8, 16, 30])
    };
    let card8 = cut(&base, 8);
    for &g in tokens {
        let o = RunOptions {
            generate_tokens: g,
            ..exact.clone()
        };
        let (wall, simulated) = time_run(opts.runs, &card8, &cfg, &cfg.name, &o)?;
        out(BenchRow {
            group: Group::Scaling,
            scenario: format!("engine, exact: smollm2-135m (8 layers), prompt 16, generate {g}"),
            runs: opts.runs,
            wall_s: wall,
            simulated_s: simulated,
            rate: format!("{:.1} ms per generated token", wall / g as f64 * 1e3),
            target: None,
        });
    }
    for &l in layers {
        let (wall, simulated) = time_run(opts.runs, &cut(&base, l), &cfg, &cfg.name, &exact)?;
        out(BenchRow {
            group: Group::Scaling,
            scenario: format!("engine, exact: smollm2-135m ({l} layers), prompt 16, generate 4"),
            runs: opts.runs,
            wall_s: wall,
            simulated_s: simulated,
            rate: format!("{:.1} ms per layer", wall / f64::from(l) * 1e3),
            target: None,
        });
    }
    if !opts.quick {
        let model = card("qwen3-0.6b")?;
        for g in [32, 64, 128, 256] {
            let o = RunOptions {
                generate_tokens: g,
                fidelity: RunFidelity::Cycle,
                ..RunOptions::default()
            };
            let (wall, simulated) = time_run(opts.runs, &model, &cfg, &cfg.name, &o)?;
            out(BenchRow {
                group: Group::Scaling,
                scenario: format!("simulate cycle (sampled): qwen3-0.6b, prompt 128, generate {g}"),
                runs: opts.runs,
                wall_s: wall,
                simulated_s: simulated,
                rate: format!("{:.2} ms per generated token", wall / g as f64 * 1e3),
                target: None,
            });
        }
    }
    Ok(())
}
