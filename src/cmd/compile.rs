//! `cimsim compile`: show how a model is mapped onto a configuration — the plan (macro groups,
//! pipeline stages, resident matrices), and per op of a decode step the tiles, macros, DRAM
//! bytes, stage times (DRAM, macro write, compute, vector) and the expected bottleneck, from the
//! analytic model; plus a prefill summary. The Programs are compiled too, so their task counts
//! are real.

use super::args::{PromptArgs, RunArgs};
use super::{bad_input, emit};
use clap::Args;
use mappings::{
    analytic_phase, strategy_by_name, AnalyticPhase, CompileContext, MappingError, MappingPlan,
    MappingStrategy,
};
use serde_json::json;
use sim::config::{HardwareConfig, HardwareKind};
use std::fmt::Write as _;
use workloads::{build_graph, load_model, ModelCard, Phase};

#[derive(Args)]
pub struct CompileArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub prompt: PromptArgs,
    /// KV length of the decode step shown (default: prompt + 1, the first decode step).
    #[arg(long)]
    pub kv: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Errors of the user's making (a configuration that cannot hold a tile, a strategy that does
/// not fit the chip) exit with 2; a graph the compiler cannot lower is an internal error.
fn mapping_error(e: MappingError) -> anyhow::Error {
    match e {
        MappingError::UnmappableOp { .. } | MappingError::GraphCycle => anyhow::Error::new(e),
        _ => bad_input(e),
    }
}

struct PhaseReport {
    phase: Phase,
    plan: MappingPlan,
    tasks: usize,
    groups: u32,
    analytic: AnalyticPhase,
    program: sim::program::Program,
}

fn report(
    card: &ModelCard,
    cfg: &HardwareConfig,
    strategy: &dyn MappingStrategy,
    phase: Phase,
    batch: u64,
    first: bool,
) -> anyhow::Result<PhaseReport> {
    let ctx = CompileContext::new(cfg, card, first);
    let graph = build_graph(card, phase, batch);
    let plan = strategy.plan(&ctx, phase, batch).map_err(mapping_error)?;
    let program = strategy.compile(&graph, &ctx).map_err(mapping_error)?;
    let analytic = analytic_phase(&graph, &ctx, strategy).map_err(mapping_error)?;
    Ok(PhaseReport {
        phase,
        plan,
        tasks: program.tasks.len(),
        groups: program.macro_groups(),
        analytic,
        program,
    })
}

fn validate(args: &CompileArgs, card: &ModelCard) -> anyhow::Result<u64> {
    if args.prompt.prompt == 0 {
        return Err(bad_input("--prompt must be at least 1 token"));
    }
    if args.run.batch.batch == 0 {
        return Err(bad_input("--batch must be at least 1 sequence"));
    }
    crate::run::check_program_size(args.prompt.prompt, args.run.batch.batch).map_err(bad_input)?;
    let kv = args.kv.unwrap_or(args.prompt.prompt.saturating_add(1));
    if kv == 0 {
        return Err(bad_input("--kv must be at least 1 position"));
    }
    for (flag, v) in [("--prompt", args.prompt.prompt), ("--kv", kv)] {
        if v > card.max_context {
            return Err(bad_input(format!(
                "{flag} {v} is beyond {}'s context of {} tokens",
                card.name, card.max_context
            )));
        }
    }
    Ok(kv)
}

pub fn run(args: CompileArgs) -> anyhow::Result<()> {
    let card = load_model(&args.run.model).map_err(bad_input)?;
    let strategy = strategy_by_name(&args.run.mapping).map_err(bad_input)?;
    // The configuration's precision unless --weights is given (as `simulate` resolves it).
    let extra: Vec<String> = args
        .run
        .weights
        .map(|w| format!("macro.weight_bits={}", w.bits()))
        .into_iter()
        .collect();
    let cfg = args.run.hardware.load_with(&extra)?;
    let kv = validate(&args, &card)?;
    let prefill = Phase::Prefill {
        tokens: args.prompt.prompt,
    };
    let decode = Phase::Decode { kv_len: kv };
    if cfg.kind == HardwareKind::Roofline {
        return roofline(&args, &card, &cfg, prefill, decode);
    }
    let pre = report(
        &card,
        &cfg,
        strategy.as_ref(),
        prefill,
        args.run.batch.batch,
        true,
    )?;
    let dec = report(
        &card,
        &cfg,
        strategy.as_ref(),
        decode,
        args.run.batch.batch,
        false,
    )?;
    let hw = mappings::HwNumbers::new(&CompileContext::new(&cfg, &card, false))
        .map_err(mapping_error)?;
    let overlap = super::overlap::decode_overlap(&cfg, &dec.program)?;
    if args.json {
        let phase_json = |r: &PhaseReport| {
            json!({
                "phase": r.phase,
                "plan": r.plan.rationale,
                "tasks": r.tasks,
                "macro_groups": r.groups,
                "resident_matrices": r.plan.resident.len(),
                "time_s": r.analytic.time_s,
                "bound": r.analytic.bound,
                "macs": r.analytic.macs,
                "dram_read_bytes": r.analytic.dram_read_bytes,
                "dram_write_bytes": r.analytic.dram_write_bytes,
                "busy_s": r.analytic.busy_s,
                "energy_pj": r.analytic.energy_pj,
                "ops": r.analytic.ops,
            })
        };
        let out = json!({
            "model": card.name,
            "config": cfg.name,
            "mapping": strategy.name(),
            "weight_bits": cfg.cim_macro.weight_bits,
            "batch": args.run.batch.batch,
            "macros": hw.macros,
            "tile_rows": hw.tile.rows,
            "tile_cols": hw.tile.cols,
            "dram_peak_gbps": hw.dram_peak_bytes_per_s / 1e9,
            "dram_efficiency": hw.dram_efficiency,
            "decode": phase_json(&dec),
            "decode_overlap": overlap
                .iter()
                .map(|o| json!({
                    "op": o.op,
                    "vector_s": o.vector_s,
                    "dram_during_s": o.dram_during_s,
                    "streaming": o.streaming,
                }))
                .collect::<Vec<_>>(),
            "prefill": phase_json(&pre),
        });
        return emit(&format!("{}\n", serde_json::to_string_pretty(&out)?));
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} on {} — mapping `{}` ({}), INT{} weights, batch {}",
        card.name,
        cfg.name,
        strategy.name(),
        strategy.summary(),
        cfg.cim_macro.weight_bits,
        args.run.batch.batch
    );
    let _ = writeln!(
        s,
        "hardware: {} macros, tile {} x {} weights, {} MHz; DRAM {} x{}: {:.1} GB/s peak, {:.0}% sustained",
        hw.macros,
        hw.tile.rows,
        hw.tile.cols,
        cfg.clock.freq_mhz,
        cfg.dram.preset,
        cfg.dram.channels,
        hw.dram_peak_bytes_per_s / 1e9,
        hw.dram_efficiency * 100.0
    );
    let _ = writeln!(
        s,
        "attention MACs: {}",
        match (cfg.chip.attention, &cfg.chip.attention_array) {
            (sim::config::AttentionPlacement::Array, Some(a)) => format!(
                "on the attention array ({} MACs/cycle; the `vector us` column shows its time, \
                 bound `attention`)",
                a.lanes
            ),
            (sim::config::AttentionPlacement::Vector, _)
            | (sim::config::AttentionPlacement::Array, None) =>
                format!("on the vector unit ({} lanes)", cfg.chip.vector.lanes),
        }
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "Decode step at KV length {kv}: {}", dec.plan.rationale);
    op_table(&mut s, &dec.analytic);
    summary(&mut s, "decode", &dec);
    overlap_table(&mut s, &overlap);
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Prefill of {} tokens: {}",
        args.prompt.prompt, pre.plan.rationale
    );
    summary(&mut s, "prefill", &pre);
    by_op_kind(&mut s, "prefill", &pre.analytic);
    emit(&s)
}

/// While each vector-unit op kind runs, how much of the time the DRAM streams, and whose weights.
fn overlap_table(s: &mut String, overlap: &[super::overlap::OpOverlap]) {
    let _ = writeln!(
        s,
        "\nWhat the DRAM streams while the vector unit works (one decode step, engine at analytic \
         fidelity; low shares are where the stream stalls):"
    );
    let _ = writeln!(
        s,
        "{:<22} {:>10} {:>10}  streaming meanwhile",
        "op (all layers)", "vector us", "DRAM %"
    );
    for o in overlap {
        let pct = if o.vector_s > 0.0 {
            o.dram_during_s / o.vector_s * 100.0
        } else {
            0.0
        };
        let names: Vec<&str> = o.streaming.iter().take(3).map(String::as_str).collect();
        let more = o.streaming.len().saturating_sub(3);
        let list = if names.is_empty() {
            "-".to_string()
        } else if more > 0 {
            format!("{} (+{more})", names.join(", "))
        } else {
            names.join(", ")
        };
        let _ = writeln!(
            s,
            "{:<22} {:>10.2} {:>9.1}%  {list}",
            o.op,
            o.vector_s * 1e6,
            pct
        );
    }
}

/// The group an op's name puts it in, for the by-kind lines (`layer3.q_proj` -> projections).
fn op_group(name: &str) -> &str {
    let local = name.split_once('.').map_or(name, |(_, rest)| rest);
    if local.ends_with("_proj") {
        "projections"
    } else if local == "attn_score" || local == "attn_value" {
        "attention MACs"
    } else if local.ends_with("norm") {
        "norms"
    } else if local.ends_with("_residual") {
        "residuals"
    } else {
        local
    }
}

/// Each op's slowest resource, summed per group of ops: where the phase's time goes. In prefill
/// ops run one after another (each needs the previous one's output for all its tokens), so the
/// sum is close to the phase's time; overlap makes it a little more.
fn by_op_kind(s: &mut String, what: &str, a: &AnalyticPhase) {
    let mut groups: Vec<(&str, f64)> = Vec::new();
    for o in &a.ops {
        let t = [
            o.dram_s,
            o.write_s,
            o.compute_s,
            o.vector_s + o.attention_s,
            o.transfer_s,
        ]
        .into_iter()
        .fold(0.0, f64::max);
        let g = op_group(&o.name);
        match groups.iter_mut().find(|(n, _)| *n == g) {
            Some((_, sum)) => *sum += t,
            None => groups.push((g, t)),
        }
    }
    groups.sort_by(|x, y| y.1.total_cmp(&x.1));
    let total: f64 = groups.iter().map(|(_, t)| t).sum();
    if total <= 0.0 {
        return;
    }
    let parts: Vec<String> = groups
        .iter()
        .filter(|(_, t)| *t > 0.0)
        .map(|(g, t)| format!("{g} {:.3} ms ({:.0}%)", t * 1e3, t / total * 100.0))
        .collect();
    let _ = writeln!(
        s,
        "{what} by op kind (each op's slowest resource, summed): {}",
        parts.join(", ")
    );
}

fn us(v: f64) -> String {
    if v == 0.0 {
        "-".to_string()
    } else {
        format!("{:.2}", v * 1e6)
    }
}

fn op_table(s: &mut String, a: &AnalyticPhase) {
    let _ = writeln!(
        s,
        "{:<24} {:>7} {:>7} {:>6} {:>4} {:>12} {:>10} {:>10} {:>10} {:>10}  bound",
        "op",
        "tiles",
        "batches",
        "macros",
        "res",
        "DRAM bytes",
        "DRAM us",
        "write us",
        "comp us",
        "vector us"
    );
    for o in &a.ops {
        let dash = |v: u64| {
            if v == 0 {
                "-".to_string()
            } else {
                v.to_string()
            }
        };
        let _ = writeln!(
            s,
            "{:<24} {:>7} {:>7} {:>6} {:>4} {:>12} {:>10} {:>10} {:>10} {:>10}  {}",
            o.name,
            dash(o.tiles),
            dash(o.batches),
            dash(o.macros),
            if o.resident { "yes" } else { "" },
            o.dram_bytes,
            us(o.dram_s),
            us(o.write_s),
            us(o.compute_s),
            us(o.vector_s + o.attention_s),
            o.bound.as_str()
        );
    }
}

fn summary(s: &mut String, what: &str, r: &PhaseReport) {
    let a = &r.analytic;
    let busy = |k: &str| a.busy_s.get(k).copied().unwrap_or(0.0);
    let energy_uj: f64 = a.energy_pj.values().sum::<f64>() * 1e-6;
    let _ = writeln!(
        s,
        "{what}: {} tasks on {} macro groups; {} MACs; DRAM {} B read, {} B written",
        r.tasks, r.groups, a.macs, a.dram_read_bytes, a.dram_write_bytes
    );
    let _ = writeln!(
        s,
        "{what}: expected {:.3} ms, bound by {}; busy DRAM {:.3} ms, write {:.3} ms, compute {:.3} ms, vector {:.3} ms; energy {:.1} uJ",
        a.time_s * 1e3,
        a.bound.as_str(),
        busy("dram") * 1e3,
        busy("macro_write") * 1e3,
        busy("macro_compute") * 1e3,
        busy("vector") * 1e3,
        energy_uj
    );
}

fn roofline(
    args: &CompileArgs,
    card: &ModelCard,
    cfg: &HardwareConfig,
    prefill: Phase,
    decode: Phase,
) -> anyhow::Result<()> {
    let eval = |phase: Phase, first: bool| {
        let ctx = CompileContext::new(cfg, card, first);
        mappings::roofline_phase(&build_graph(card, phase, args.run.batch.batch), &ctx)
            .map_err(bad_input)
    };
    let (pre, dec) = (eval(prefill, true)?, eval(decode, false)?);
    if args.json {
        let out = json!({
            "model": card.name, "config": cfg.name, "mapping": "roofline", "batch": args.run.batch.batch,
            "decode": dec, "prefill": pre,
        });
        return emit(&format!("{}\n", serde_json::to_string_pretty(&out)?));
    }
    let mut s = format!(
        "{} on {} — roofline device: no CIM mapping; time = max(bytes / bandwidth, 2 x MACs / peak)\n",
        card.name, cfg.name
    );
    for (what, a) in [("decode", &dec), ("prefill", &pre)] {
        let _ = writeln!(
            s,
            "{what}: {} MACs, DRAM {} B read, {} B written; expected {:.3} ms, bound by {}",
            a.macs,
            a.dram_read_bytes,
            a.dram_write_bytes,
            a.time_s * 1e3,
            a.bound.as_str()
        );
    }
    emit(&s)
}
