//! `cimsim simulate`: models on one hardware configuration — prefill, then decode — with a
//! summary and breakdown tables, or JSON, CSV, Markdown and a Chrome trace. Several models
//! (`--model a,b` or `--model all`) give one row each.

use super::args::{FidelityArgs, GenerateArgs, PromptArgs, RunArgs};
use super::{bad_input, write_atomic};
use crate::run::{simulate, RunError, RunOptions};
use anyhow::Context;
use clap::Args;
use reports::{
    chrome_trace_json_with_coverage, CsvExporter, Exporter, MarkdownExporter, RunRecord,
};
use std::path::PathBuf;
use workloads::load_model;

#[derive(Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub prompt: PromptArgs,
    #[command(flatten)]
    pub generate: GenerateArgs,
    #[command(flatten)]
    pub fidelity: FidelityArgs,
    /// Print JSON (one object; an array for several models) instead of tables.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print a Markdown table with one row per model.
    #[arg(long)]
    pub markdown: bool,
    /// Also write the results as CSV (a header and one row per model).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Also write a Chrome trace-event JSON of the timeline (open in Perfetto; cycle fidelity).
    /// Sampled runs trace the prefill and the first decode step task by task and every other
    /// decode step as one estimated span on its own track, so the timeline spans the whole run;
    /// with --exact every task of every step. The file's `otherData.coverage` says which.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Compare with a measured-device baseline (orin-nano-super, orin-nano, sa8255p or a
    /// device file): its predicted figures for the same model and workload on its own runtime,
    /// and the ratios (decode tokens/s, tokens/J system and chip), in the table and the JSON.
    #[arg(long, value_name = "DEVICE")]
    pub baseline: Option<String>,
    /// Override one key of the --baseline device, e.g. `--baseline-set power_mode=25w`
    /// (repeatable; `cimsim config keys -c DEVICE` lists them).
    #[arg(long, value_name = "KEY.PATH=VALUE", requires = "baseline")]
    pub baseline_set: Vec<String>,
}

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    for path in args.csv.iter().chain(&args.trace) {
        super::check_output(path)?;
    }
    let config = args.run.hardware.config()?;
    let models: Vec<String> = if args.run.model == "all" {
        workloads::shipped_names()
            .iter()
            .map(|m| m.to_string())
            .collect()
    } else {
        args.run
            .model
            .split(',')
            .map(|m| m.trim().to_string())
            .collect()
    };
    if models.len() > 1 && args.trace.is_some() {
        return Err(bad_input("--trace takes a single --model"));
    }
    // Every model and the configuration are checked before anything runs.
    let cards = models
        .iter()
        .map(|m| load_model(m).map_err(bad_input))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cfg = args.run.hardware.load()?;
    let device = match &args.baseline {
        Some(name) => Some(sim::device::load_device(name, &args.baseline_set).map_err(bad_input)?),
        None => None,
    };
    if device.is_some() && (args.markdown || args.csv.is_some() || cards.len() > 1) {
        return Err(bad_input(
            "--baseline takes a single --model and the table or --json output",
        ));
    }
    let opts = RunOptions {
        prompt_tokens: args.prompt.prompt,
        generate_tokens: args.generate.generate,
        batch: args.run.batch.batch,
        weight_bits: args.run.weights.map(super::args::Weights::bits),
        mapping: args.run.mapping.clone(),
        fidelity: args.fidelity.fidelity.to_run(),
        exact: args.fidelity.exact,
        record_timeline: args.trace.is_some(),
    };
    let mut records = Vec::with_capacity(cards.len());
    let mut trace = Vec::new();
    let mut coverage = String::new();
    let mut notes: Vec<Option<String>> = Vec::with_capacity(cards.len());
    for card in &cards {
        let out = simulate(card, &cfg, config, &opts).map_err(|e| match e {
            RunError::BadInput(m) => bad_input(format!("{}: {m}", card.name)),
            RunError::Internal(m) => anyhow::anyhow!("{}: {m}", card.name),
        })?;
        // What was simulated and what estimated, for the plain-text summary.
        notes.push(out.sampling_note.map(|n| format!("\n{n}\n")));
        coverage = out.trace_coverage.unwrap_or_default();
        records.push(out.record);
        trace = out.trace;
    }
    if let Some(path) = &args.csv {
        let mut buf = Vec::new();
        CsvExporter
            .write(&records, &mut buf)
            .context("formatting CSV")?;
        write_atomic(path, &buf)?;
    }
    if let Some(path) = &args.trace {
        if trace.is_empty() {
            return Err(bad_input(format!(
                "--trace needs the cycle fidelity on a CIM configuration (this run is `{}`)",
                records.first().map(|r| r.fidelity.as_str()).unwrap_or("?")
            )));
        }
        write_atomic(
            path,
            chrome_trace_json_with_coverage(&trace, &coverage).as_bytes(),
        )?;
    }
    let comparisons = match &device {
        Some(dev) => cards
            .iter()
            .zip(&records)
            .map(|(card, r)| comparison(dev, card, r))
            .collect::<anyhow::Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    if let ([one], [cmp]) = (records.as_slice(), comparisons.as_slice()) {
        if args.json {
            let mut v = serde_json::to_value(one)?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert("baseline".into(), serde_json::to_value(cmp)?);
            }
            println!("{}", serde_json::to_string_pretty(&v)?);
        } else {
            print!("{}", render_table(one));
            print!("{}", render_comparison(cmp));
        }
        return Ok(());
    }
    if args.json {
        let text = match records.as_slice() {
            [one] => serde_json::to_string_pretty(one)?,
            many => serde_json::to_string_pretty(many)?,
        };
        println!("{text}");
    } else if args.markdown || records.len() > 1 {
        let mut buf = Vec::new();
        MarkdownExporter
            .write(&records, &mut buf)
            .context("formatting Markdown")?;
        print!("{}", String::from_utf8_lossy(&buf));
    } else {
        for (r, note) in records.iter().zip(&notes) {
            print!("{}", render_table(r));
            if let Some(note) = note {
                print!("{note}");
            }
        }
    }
    Ok(())
}

/// The plain-text summary: headline figures, then the energy and time breakdowns.
pub fn render_table(r: &RunRecord) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} on {} ({} mapping, {} fidelity, {} weights)",
        r.model, r.config, r.mapping, r.fidelity, r.weights
    );
    if !r.same_plan_as.is_empty() {
        let _ = writeln!(
            s,
            "(on this design {} plans every phase exactly as {}: the same run)",
            r.same_plan_as.join(", "),
            r.mapping
        );
    }
    let _ = writeln!(
        s,
        "workload: prompt {} tokens, generate {} tokens, batch {}\n",
        r.prompt_tokens, r.generated_tokens, r.batch
    );
    // Decode figures are absent when the run has no decode step (`--generate 1`).
    let decode = |v: Option<f64>, f: &dyn Fn(f64) -> String| match v {
        Some(v) => f(v),
        None => "- (no decode step)".to_string(),
    };
    let rows: [(&str, String); 21] = [
        ("time to first token", fmt_s(r.ttft_s)),
        (
            "prefill throughput",
            format!("{:.1} tokens/s", r.prefill_tokens_per_s),
        ),
        (
            "decode latency",
            decode(r.decode_s_per_token, &|v| format!("{} / token", fmt_s(v))),
        ),
        (
            "decode throughput",
            decode(r.decode_tokens_per_s, &|v| format!("{v:.1} tokens/s")),
        ),
        (
            "decode energy",
            decode(r.decode_j_per_token, &|v| {
                format!(
                    "{:.3} mJ / token (chip {:.3})",
                    v * 1e3,
                    r.decode_chip_j_per_token.unwrap_or(0.0) * 1e3
                )
            }),
        ),
        (
            "decode efficiency",
            decode(r.decode_tokens_per_j, &|v| format!("{v:.2} tokens/J")),
        ),
        (
            "end-to-end",
            format!(
                "{:.1} tokens/s, {:.2} tokens/J",
                r.e2e_tokens_per_s, r.e2e_tokens_per_j
            ),
        ),
        ("simulated time", fmt_s(r.simulated_s)),
        (
            "energy",
            format!("{:.4} J (chip {:.4} J)", r.energy_j, r.chip_energy_j),
        ),
        (
            "average power",
            format!("{:.3} W (chip {:.3} W)", r.power_w, r.chip_power_w),
        ),
        ("MACs", format!("{}", r.macs)),
        ("DRAM read", fmt_bytes(r.dram_read_bytes)),
        ("DRAM written", fmt_bytes(r.dram_write_bytes)),
        (
            "DRAM peak bandwidth",
            format!("{:.1} GB/s", r.dram_peak_bandwidth_gbps),
        ),
        (
            "DRAM energy per bit",
            format!("{:.2} pJ/bit", r.dram_energy_pj_per_bit),
        ),
        (
            "DRAM PHY area",
            format!("{:.2} mm² (not in the chip area)", r.dram_phy_area_mm2),
        ),
        (
            "macro utilization",
            format!("{:.1} %", r.macro_utilization * 100.0),
        ),
        ("area", format!("{:.2} mm²", r.area_mm2)),
        ("prefill bound by", r.prefill_bound.clone()),
        (
            "decode bound by",
            r.bound
                .clone()
                .unwrap_or_else(|| "- (no decode step)".into()),
        ),
        ("decode steps", format!("{}", r.decode_steps)),
    ];
    for (k, v) in rows {
        let _ = writeln!(s, "  {k:<22} {v}");
    }
    let total_j: f64 = r.energy_breakdown_j.values().sum();
    let _ = writeln!(s, "\nenergy breakdown");
    for (k, v) in &r.energy_breakdown_j {
        let pct = if total_j > 0.0 {
            v / total_j * 100.0
        } else {
            0.0
        };
        let _ = writeln!(s, "  {k:<22} {:>12.6} J {pct:>6.1} %", v);
    }
    let _ = writeln!(s, "\nbusy time (of {} simulated)", fmt_s(r.simulated_s));
    for (k, v) in &r.time_breakdown_s {
        let pct = if r.simulated_s > 0.0 {
            v / r.simulated_s * 100.0
        } else {
            0.0
        };
        let _ = writeln!(s, "  {k:<22} {:>12} {pct:>6.1} %", fmt_s(*v));
    }
    dram_per_step_table(&mut s, r);
    s
}

/// The DRAM's busy share of decode and, per decode step, its idle time by cause.
fn dram_per_step_table(s: &mut String, r: &RunRecord) {
    use std::fmt::Write as _;
    let (Some(busy), Some(step_s)) = (r.decode_dram_busy_fraction, r.decode_s_per_token) else {
        return;
    };
    // A step makes one token per sequence: its time is the per-token latency times the batch.
    let step_s = step_s * r.batch.max(1) as f64;
    let _ = writeln!(
        s,
        "\nDRAM per decode step ({} a step, busy {:.1} %)",
        fmt_s(step_s),
        busy * 100.0
    );
    if r.decode_dram_idle_s_per_step.is_empty() {
        let _ = writeln!(
            s,
            "  idle {:>12}  (causes are attributed at cycle fidelity only)",
            fmt_s(step_s * (1.0 - busy))
        );
        return;
    }
    let idle: f64 = r.decode_dram_idle_s_per_step.values().sum();
    let _ = writeln!(
        s,
        "  idle, waiting for      {:>12} {:>6.1} %",
        fmt_s(idle),
        idle / step_s * 100.0
    );
    for (k, v) in &r.decode_dram_idle_s_per_step {
        let _ = writeln!(
            s,
            "    {k:<20} {:>12} {:>6.1} %",
            fmt_s(*v),
            v / step_s * 100.0
        );
    }
    if let Some(refresh) = r.decode_dram_refresh_s_per_step {
        let _ = writeln!(
            s,
            "  refreshing (per rank)  {:>12} {:>6.1} %",
            fmt_s(refresh),
            refresh / step_s * 100.0
        );
    }
}

fn fmt_s(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else {
        format!("{:.3} µs", s * 1e6)
    }
}

fn fmt_bytes(b: u64) -> String {
    let f = b as f64;
    if f >= 1e9 {
        format!("{:.3} GB", f / 1e9)
    } else if f >= 1e6 {
        format!("{:.3} MB", f / 1e6)
    } else {
        format!("{b} B")
    }
}

/// A measured-device baseline beside a run: its predicted figures and the run's ratios to it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BaselineComparison {
    pub device: String,
    pub runtime: String,
    pub power_mode: String,
    pub weights: String,
    /// `measured` (fitted to rail power) or `estimate` (no public power measurement).
    pub energy: String,
    pub decode_tokens_per_s: f64,
    pub decode_tokens_per_j: f64,
    pub decode_chip_tokens_per_j: f64,
    pub ttft_s: f64,
    /// This run's figure ÷ the baseline's.
    pub decode_tokens_per_s_ratio: Option<f64>,
    pub decode_tokens_per_j_ratio: Option<f64>,
    pub decode_chip_tokens_per_j_ratio: Option<f64>,
    /// What each energy figure is.
    pub energy_basis: String,
}

fn comparison(
    dev: &sim::device::DeviceConfig,
    card: &workloads::ModelCard,
    r: &RunRecord,
) -> anyhow::Result<BaselineComparison> {
    let w = crate::baseline::DeviceWorkload {
        weights: dev.weights.default.clone(),
        prompt_tokens: r.prompt_tokens,
        generate_tokens: r.generated_tokens,
        context_tokens: None,
        power_mode: None,
    };
    let p = crate::baseline::predict(dev, card, &w).map_err(bad_input)?;
    let ratio = |a: Option<f64>, b: f64| a.map(|a| a / b);
    Ok(BaselineComparison {
        device: dev.name.clone(),
        runtime: dev.runtime.clone(),
        power_mode: dev.power_mode.clone(),
        weights: dev.weights.default.clone(),
        energy: dev.power.energy.name().into(),
        decode_tokens_per_s: p.decode_tokens_per_s,
        decode_tokens_per_j: p.decode_tokens_per_j,
        decode_chip_tokens_per_j: p.decode_chip_tokens_per_j,
        ttft_s: p.ttft_s,
        decode_tokens_per_s_ratio: ratio(r.decode_tokens_per_s, p.decode_tokens_per_s),
        decode_tokens_per_j_ratio: ratio(r.decode_tokens_per_j, p.decode_tokens_per_j),
        decode_chip_tokens_per_j_ratio: ratio(
            r.decode_chip_tokens_per_j,
            p.decode_chip_tokens_per_j,
        ),
        energy_basis: format!(
            "system: this design's whole energy vs the device board (VDD_IN = chip + {} W); \
             chip: this design's chip energy vs the device's accelerator rail \
             (VDD_CPU_GPU_CV on a Jetson); device energy {}",
            dev.power.board_overhead_w,
            dev.power.energy.name()
        ),
    })
}

/// The baseline section of the plain-text summary.
fn render_comparison(c: &BaselineComparison) -> String {
    use std::fmt::Write as _;
    let mark = crate::baseline::estimate_mark_of(&c.energy);
    let x = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}x"));
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nbaseline {} ({}, {} weights, mode {}; energy {})",
        c.device, c.runtime, c.weights, c.power_mode, c.energy
    );
    let _ = writeln!(
        s,
        "  {:<22} {:>12.2} tokens/s     this design {}",
        "decode throughput",
        c.decode_tokens_per_s,
        x(c.decode_tokens_per_s_ratio)
    );
    let _ = writeln!(
        s,
        "  {:<22} {:>12.3} tokens/J{mark} this design {}",
        "decode tok/J system",
        c.decode_tokens_per_j,
        x(c.decode_tokens_per_j_ratio)
    );
    let _ = writeln!(
        s,
        "  {:<22} {:>12.3} tokens/J{mark} this design {}",
        "decode tok/J chip",
        c.decode_chip_tokens_per_j,
        x(c.decode_chip_tokens_per_j_ratio)
    );
    let _ = writeln!(s, "  {:<22} {}", "time to first token", fmt_s(c.ttft_s));
    let _ = writeln!(s, "  (energy: {})", c.energy_basis);
    s
}
