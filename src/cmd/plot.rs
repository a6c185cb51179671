//! `cimsim plot`: charts for papers, as PNG or SVG (by the output's extension) with an embedded
//! font. `pareto`, `breakdown` and `sensitivity` plot existing results (a sweep's CSV,
//! `simulate --json` and `sensitivity --json` outputs); `context` and `roofline` run the model themselves, with the workload flags of
//! `simulate` (`args.rs`) and the same defaults.

use super::args::{load_named, FidelityArgs, GenerateArgs, PromptArgs, RunArgs};
use super::bad_input;
use crate::run::{simulate, RunError, RunOptions};
use anyhow::Context;
use clap::{Args, Subcommand};
use reports::plot::{
    breakdown_chart, context_chart_of, pareto_chart, read_breakdown_runs, roofline_chart,
    ContextMetric, ContextSeries, ImageFormat, LogAxes, OperatingPoint, ParetoChartOptions,
    PlotError, RooflineSpec,
};
use reports::RunRecord;
use std::path::{Path, PathBuf};
use workloads::{load_model, ModelCard};

#[derive(Subcommand)]
pub enum PlotCommand {
    /// Pareto front of a sweep's results: all points faint, each group's front highlighted,
    /// knees labelled.
    Pareto(ParetoArgs),
    /// Energy (stacked) and busy time per component of one or more `simulate --json` outputs.
    Breakdown(BreakdownArgs),
    /// Per-token decode latency against context length, one line per configuration.
    Context(ContextArgs),
    /// Roofline of a configuration (peak MAC rate, DRAM bandwidth) with the workload's decode
    /// and prefill operating points.
    Roofline(RooflineArgs),
    /// Tornado chart of a `cimsim sensitivity --json` output: per figure, the keys that move
    /// it most, a bar per tried value.
    Sensitivity(SensitivityPlotArgs),
}

#[derive(Args)]
pub struct SensitivityPlotArgs {
    /// A `cimsim sensitivity --json` output.
    pub json: PathBuf,
    /// The figure to chart: decode_tokens_per_s, decode_j_per_token, area_mm2, power_w, or
    /// `all` for one panel each.
    #[arg(long, default_value = "all")]
    pub figure: String,
    /// Keys per panel (the ones with the largest change).
    #[arg(long, default_value_t = 12)]
    pub top: usize,
    /// Chart title [default: the model, configuration and fidelity].
    #[arg(long)]
    pub title: Option<String>,
    /// Output file, .png or .svg.
    #[arg(short, long, alias = "output", default_value = "sensitivity.png")]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct ParetoArgs {
    /// CSV with a header row (a sweep's results.csv or pareto.csv).
    pub csv: PathBuf,
    /// Column for the x axis.
    #[arg(long, default_value = "decode_s_per_token")]
    pub x: String,
    /// Column for the y axis.
    #[arg(long, default_value = "decode_j_per_token")]
    pub y: String,
    /// Column whose values make the series, e.g. `model` or `mapping` [default: model when
    /// present, else one series].
    #[arg(long)]
    pub by: Option<String>,
    /// Logarithmic axes: auto (an axis spanning more than two decades), none, x, y or xy.
    #[arg(long, default_value = "auto", value_parser = ["auto", "none", "x", "y", "xy"])]
    pub log: String,
    /// Only these series, comma-separated (e.g. `--only qwen3-0.6b,llama3.2-1b`).
    #[arg(long, value_delimiter = ',', value_name = "SERIES")]
    pub only: Vec<String>,
    /// One panel per series, each with its own axes and its knee labelled (small multiples:
    /// readable with many models).
    #[arg(long)]
    pub panels: bool,
    /// Divide each series by the best value on its own front, per axis (1 = that series'
    /// best), so models of very different sizes share one scale.
    #[arg(long)]
    pub normalise: bool,
    /// Chart title.
    #[arg(long)]
    pub title: Option<String>,
    /// Output file, .png or .svg.
    #[arg(short, long, alias = "output", default_value = "pareto.png")]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct BreakdownArgs {
    /// `cimsim simulate --json` outputs (one object, or an array of them, per file).
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Chart title [default: from the runs].
    #[arg(long)]
    pub title: Option<String>,
    /// Output file, .png or .svg.
    #[arg(short, long, alias = "output", default_value = "breakdown.png")]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct ContextArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub fidelity: FidelityArgs,
    /// Longest context to plot [default: the model's context, at most 4096].
    #[arg(long)]
    pub max_context: Option<u64>,
    /// Context lengths per line, evenly spaced up to the maximum.
    #[arg(long, default_value_t = 8)]
    pub points: u64,
    /// What to draw: `decode` (per-token decode latency against the tokens attended) or `ttft`
    /// (time to first token against the prompt length).
    #[arg(long, default_value = "decode", value_parser = ["decode", "ttft"])]
    pub metric: String,
    /// Chart title [default: the model, weights and fidelity].
    #[arg(long)]
    pub title: Option<String>,
    /// Output file, .png or .svg.
    #[arg(short, long, alias = "output", default_value = "context.png")]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct RooflineArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub prompt: PromptArgs,
    #[command(flatten)]
    pub generate: GenerateArgs,
    #[command(flatten)]
    pub fidelity: FidelityArgs,
    /// Chart title [default: the model, configuration and workload].
    #[arg(long)]
    pub title: Option<String>,
    /// Output file, .png or .svg.
    #[arg(short, long, alias = "output", default_value = "roofline.png")]
    pub out: PathBuf,
}

pub fn run(command: PlotCommand) -> anyhow::Result<()> {
    match command {
        PlotCommand::Pareto(a) => run_pareto(a),
        PlotCommand::Breakdown(a) => run_breakdown(a),
        PlotCommand::Context(a) => run_context(a),
        PlotCommand::Roofline(a) => run_roofline(a),
        PlotCommand::Sensitivity(a) => run_sensitivity(a),
    }
}

/// Input problems (and an unwritable output path chosen by the user) are bad input; a failure
/// inside rendering is not.
fn plot_error(e: PlotError) -> anyhow::Error {
    match e {
        PlotError::Render(_) => anyhow::Error::new(e),
        other => bad_input(other),
    }
}

fn wrote(out: &Path) {
    println!("wrote {}", out.display());
}

fn run_pareto(a: ParetoArgs) -> anyhow::Result<()> {
    super::check_output(&a.out)?;
    let opts = ParetoChartOptions {
        x: a.x,
        y: a.y,
        by: a.by,
        title: a.title,
        log: LogAxes::parse(&a.log).unwrap_or(LogAxes::Auto),
        only: a.only,
        panels: a.panels,
        normalise: a.normalise,
    };
    let summary = pareto_chart(&a.csv, &opts, &a.out).map_err(plot_error)?;
    println!(
        "{} points, {} infeasible or failed, {} excluded (NaN, infinite or empty), {} series",
        summary.points,
        summary.infeasible,
        summary.excluded_non_finite,
        summary.groups.len()
    );
    for g in &summary.groups {
        let knee = g.knee.map_or_else(String::new, |(x, y)| {
            format!(", knee at {} = {x:.6e}, {} = {y:.6e}", opts.x, opts.y)
        });
        println!(
            "  {}: front {} of {}{knee}",
            g.group,
            g.front.len(),
            g.points
        );
    }
    wrote(&a.out);
    Ok(())
}

fn run_breakdown(a: BreakdownArgs) -> anyhow::Result<()> {
    super::check_output(&a.out)?;
    let runs = read_breakdown_runs(&a.runs).map_err(plot_error)?;
    breakdown_chart(&runs, a.title.as_deref(), &a.out).map_err(plot_error)?;
    wrote(&a.out);
    Ok(())
}

fn run_sensitivity(a: SensitivityPlotArgs) -> anyhow::Result<()> {
    use crate::sensitivity::tornado::{figures_named, tornado_panels};
    use crate::sensitivity::{SensitivityReport, FIGURES};
    ImageFormat::from_path(&a.out).map_err(plot_error)?;
    super::check_output(&a.out)?;
    let figures = figures_named(&a.figure).ok_or_else(|| {
        bad_input(format!(
            "--figure {}: not a figure of a sensitivity analysis; one of {}, or all",
            a.figure,
            FIGURES.join(", ")
        ))
    })?;
    if a.top == 0 {
        return Err(bad_input("--top must be at least 1"));
    }
    let text = std::fs::read_to_string(&a.json)
        .map_err(|e| bad_input(format!("cannot read {}: {e}", a.json.display())))?;
    let report: SensitivityReport = serde_json::from_str(&text).map_err(|e| {
        bad_input(format!(
            "{}: not a `cimsim sensitivity --json` output: {e}",
            a.json.display()
        ))
    })?;
    let panels = tornado_panels(&report, &figures, a.top);
    let title = a.title.unwrap_or_else(|| {
        format!(
            "Sensitivity: {} ({}) on {}, {}, x{} steps",
            report.model,
            report.weights.to_uppercase(),
            report.config,
            report.fidelity,
            report.factor
        )
    });
    reports::plot::tornado_chart(&panels, &title, &a.out).map_err(plot_error)?;
    for p in &panels {
        println!("{}: {} keys", p.figure, p.rows.len());
    }
    wrote(&a.out);
    Ok(())
}

fn options(run: &RunArgs, fidelity: &FidelityArgs, prompt: u64, generate: u64) -> RunOptions {
    RunOptions {
        prompt_tokens: prompt,
        generate_tokens: generate,
        batch: run.batch.batch,
        weight_bits: run.weights.map(super::args::Weights::bits),
        mapping: run.mapping.clone(),
        fidelity: fidelity.fidelity.to_run(),
        exact: fidelity.exact,
        record_timeline: false,
    }
}

fn run_once(
    card: &ModelCard,
    run: &RunArgs,
    config: &str,
    opts: &RunOptions,
) -> anyhow::Result<RunRecord> {
    let cfg = load_named(config, &run.hardware.set.set, &[])?;
    let out = simulate(card, &cfg, config, opts).map_err(|e| match e {
        RunError::BadInput(m) => bad_input(m),
        RunError::Internal(m) => anyhow::anyhow!(m),
    })?;
    Ok(out.record)
}

/// `points` prompt lengths evenly spaced up to `max_prompt` (deduplicated, at least 1).
fn prompt_lengths(max_prompt: u64, points: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (1..=points)
        .map(|i| (max_prompt * i / points).max(1))
        .collect();
    v.dedup();
    v
}

fn run_context(a: ContextArgs) -> anyhow::Result<()> {
    // Check the output name before spending time on runs.
    ImageFormat::from_path(&a.out).map_err(plot_error)?;
    super::check_output(&a.out)?;
    let card = load_model(&a.run.model).map_err(bad_input)?;
    if a.points == 0 || a.points > 256 {
        return Err(bad_input(format!(
            "--points must be 1..=256, got {}",
            a.points
        )));
    }
    let max_context = a.max_context.unwrap_or(card.max_context.min(4096));
    // One decode step (generate 2) attends to prompt + 1 positions and needs room for both.
    if max_context < 3 || max_context > card.max_context {
        return Err(bad_input(format!(
            "--max-context must be 3..={} (the context of `{}`), got {max_context}",
            card.max_context, card.name
        )));
    }
    let prompts = prompt_lengths(max_context - 2, a.points);
    let ttft = a.metric == "ttft";
    let mut series = Vec::new();
    // What ran (the configuration's precision unless --weights was given).
    let mut weights_label = String::new();
    for config in &a.run.hardware.configs {
        let mut points = Vec::new();
        for &p in &prompts {
            let r = run_once(&card, &a.run, config, &options(&a.run, &a.fidelity, p, 2))
                .with_context(|| format!("{} on {config} at prompt {p}", card.name))?;
            if ttft {
                points.push((p, r.ttft_s));
            } else {
                // Generate 2: exactly one decode step, so the decode latency exists.
                let latency = r.decode_s_per_token.ok_or_else(|| {
                    anyhow::anyhow!("{} on {config}: the run has no decode step", card.name)
                })?;
                points.push((p + 1, latency));
            }
            weights_label.clone_from(&r.weights);
        }
        series.push(ContextSeries {
            label: config.clone(),
            points,
        });
    }
    let title = a.title.unwrap_or_else(|| {
        format!(
            "{}: {} ({}, {})",
            if ttft {
                "Time to first token vs prompt"
            } else {
                "Per-token latency vs context"
            },
            card.name,
            weights_label.to_uppercase(),
            a.fidelity.fidelity.name()
        )
    });
    let metric = if ttft {
        ContextMetric::Ttft
    } else {
        ContextMetric::DecodeLatency
    };
    context_chart_of(&series, metric, &title, &a.out).map_err(plot_error)?;
    wrote(&a.out);
    Ok(())
}

fn dram_bytes(r: &RunRecord) -> u64 {
    r.dram_read_bytes + r.dram_write_bytes
}

fn run_roofline(a: RooflineArgs) -> anyhow::Result<()> {
    // Check the output name before spending time on runs.
    ImageFormat::from_path(&a.out).map_err(plot_error)?;
    super::check_output(&a.out)?;
    let card = load_model(&a.run.model).map_err(bad_input)?;
    let config = a.run.hardware.config()?;
    let (prompt, generate) = (a.prompt.prompt, a.generate.generate);
    let opts = |generate| options(&a.run, &a.fidelity, prompt, generate);
    // Prefill alone (generate 1), then the whole run: decode = whole minus prefill.
    let prefill = run_once(&card, &a.run, config, &opts(1))?;
    let mut points = vec![phase_point(
        "prefill",
        prefill.macs,
        dram_bytes(&prefill),
        prefill.ttft_s,
    )];
    if generate > 1 {
        let whole = run_once(&card, &a.run, config, &opts(generate))?;
        points.push(phase_point(
            "decode",
            whole.macs.saturating_sub(prefill.macs),
            dram_bytes(&whole).saturating_sub(dram_bytes(&prefill)),
            whole.simulated_s - whole.ttft_s,
        ));
    }
    let points: Vec<OperatingPoint> = points.into_iter().flatten().collect();
    let spec = RooflineSpec {
        label: config.to_string(),
        peak_macs_per_s: prefill.peak_macs_per_s,
        dram_bandwidth_gbps: prefill.dram_peak_bandwidth_gbps,
    };
    let title = a.title.unwrap_or_else(|| {
        format!(
            "Roofline: {} on {} (prompt {}, generate {})",
            card.name, config, prompt, generate
        )
    });
    roofline_chart(&spec, &points, &title, &a.out).map_err(plot_error)?;
    for p in &points {
        println!(
            "  {}: {:.3} MAC/B, {:.4e} MAC/s ({:.1} % of the roof)",
            p.label,
            p.macs_per_byte,
            p.macs_per_s,
            100.0 * p.macs_per_s / spec.attainable_macs_per_s(p.macs_per_byte)
        );
    }
    wrote(&a.out);
    Ok(())
}

/// A phase's operating point, or `None` when it moved no DRAM bytes or took no time (no
/// finite intensity to place).
fn phase_point(label: &str, macs: u64, bytes: u64, time_s: f64) -> Option<OperatingPoint> {
    if bytes == 0 || time_s <= 0.0 || macs == 0 {
        return None;
    }
    Some(OperatingPoint {
        label: label.to_string(),
        macs_per_byte: macs as f64 / bytes as f64,
        macs_per_s: macs as f64 / time_s,
    })
}
