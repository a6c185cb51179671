//! One whole run: prefill of P prompt tokens, then G-1 decode steps (step j attends to P+j
//! positions), compiled by a mapping strategy and executed by the engine (`cycle`), evaluated
//! in closed form (`analytic`), or on a roofline device (`roofline`). Produces a
//! [`reports::RunRecord`] with the stable keys of `cimsim simulate --json`.
//!
//! At `cycle` fidelity, unless `exact` is set, large runs are sampled (see `cycle.rs`): a few
//! representative pieces are simulated command by command and combined linearly; MACs and DRAM
//! bytes are always exact.

mod analytic_steps;
mod cycle;
mod figures;
mod graph_cache;
mod limits;
mod step_counts;

use analytic_steps::sample_steps;
pub use analytic_steps::{StepSampling, ANALYTIC_STEP_TOLERANCE};
use cycle::run_cycle;
pub use cycle::{program_counts, sampled_steps, SAMPLED_DECODE_STEPS, SAMPLED_VOCAB};
use figures::PhaseFigures;
use graph_cache::with_graph;
pub use limits::{
    check_cycle_cost, check_dram_capacity, check_program_size, check_run_scale, dram_footprint,
    MAX_CYCLE_EVENTS, MAX_GENERATE_TOKENS, MAX_PROGRAM_TOKEN_ROWS, MAX_RUN_MACS,
};
use mappings::{
    analytic_phase_with, strategy_by_name, AnalyticSetup, CompileContext, MappingStrategy,
};
use reports::{RunRecord, TraceEvent};
use sim::config::{HardwareConfig, HardwareKind};
use std::collections::BTreeMap;
use workloads::{decode_kv_lens, workload_macs, ModelCard, Phase, Workload};

/// How a run is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunFidelity {
    Cycle,
    Analytic,
}

impl RunFidelity {
    pub fn name(self) -> &'static str {
        match self {
            RunFidelity::Cycle => "cycle",
            RunFidelity::Analytic => "analytic",
        }
    }
}

/// Everything a run needs besides the model and the hardware.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub prompt_tokens: u64,
    pub generate_tokens: u64,
    pub batch: u64,
    /// Bits per weight; `None` runs the configuration's `macro.weight_bits`. The one source
    /// of a run's precision: every command and sweep resolves it here, and the record reports
    /// what ran.
    pub weight_bits: Option<u32>,
    pub mapping: String,
    pub fidelity: RunFidelity,
    /// Evaluate every decode step (no step sampling at either fidelity).
    pub exact: bool,
    /// Record a timeline for a Chrome trace (cycle fidelity only).
    pub record_timeline: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            prompt_tokens: 128,
            generate_tokens: 128,
            batch: 1,
            weight_bits: None,
            mapping: mappings::DEFAULT_STRATEGY.to_string(),
            fidelity: RunFidelity::Cycle,
            exact: false,
            record_timeline: false,
        }
    }
}

/// Why a run could not be done. Every variant is the user's input except `Internal`.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Internal(String),
}

/// A finished run: the record and, when asked, the timeline.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub record: RunRecord,
    pub trace: Vec<TraceEvent>,
    /// Decode steps evaluated one by one (all of them with `exact`; the analytic fidelity
    /// samples, see `analytic_steps.rs`; cycle runs report their own sampling elsewhere).
    pub decode_steps_evaluated: usize,
    /// What the run simulated and what it estimated, for the plain-text summary; `None` when
    /// everything was evaluated (`--exact`, or nothing to sample).
    pub sampling_note: Option<String>,
    /// What the timeline covers, when one was recorded (written into the trace file).
    pub trace_coverage: Option<String>,
}

/// The weight precision a run uses: `--weights` when given, else the configuration's.
pub fn resolved_weight_bits(cfg: &HardwareConfig, opts: &RunOptions) -> u32 {
    opts.weight_bits.unwrap_or(cfg.cim_macro.weight_bits)
}

/// Checks the workload against the model before anything runs.
pub fn check_workload(card: &ModelCard, opts: &RunOptions) -> Result<Workload, RunError> {
    let bad = |m: String| Err(RunError::BadInput(m));
    if opts.prompt_tokens == 0 {
        return bad("--prompt must be at least 1 token".into());
    }
    if opts.generate_tokens == 0 {
        return bad("--generate must be at least 1 token".into());
    }
    if opts.batch == 0 || opts.batch > 65_536 {
        return bad(format!("--batch must be 1..=65536, got {}", opts.batch));
    }
    let context = opts.prompt_tokens.saturating_add(opts.generate_tokens);
    if context > card.max_context {
        return bad(format!(
            "prompt ({}) + generate ({}) = {} tokens exceeds the context of model `{}` ({} tokens)",
            opts.prompt_tokens, opts.generate_tokens, context, card.name, card.max_context
        ));
    }
    Ok(Workload {
        prompt_tokens: opts.prompt_tokens,
        generate_tokens: opts.generate_tokens,
        batch: opts.batch,
    })
}

/// Runs `card` on `cfg` (already loaded and validated); `config_label` names the config in the
/// record (preset name or file).
pub fn simulate(
    card: &ModelCard,
    cfg: &HardwareConfig,
    config_label: &str,
    opts: &RunOptions,
) -> Result<RunOutput, RunError> {
    let workload = check_workload(card, opts)?;
    check_run_scale(card, &workload)?;
    let mut cfg = cfg.clone();
    let weight_bits = resolved_weight_bits(&cfg, opts);
    if let Some(bits) = opts.weight_bits {
        cfg.cim_macro.weight_bits = bits;
        cfg.validate()
            .map_err(|e| RunError::BadInput(format!("with --weights int{bits}: {e}")))?;
    }
    check_dram_capacity(card, &cfg, &workload, weight_bits)?;
    let strategy =
        strategy_by_name(&opts.mapping).map_err(|e| RunError::BadInput(e.to_string()))?;
    let roofline = cfg.kind == HardwareKind::Roofline;
    let fidelity_name = if roofline {
        "roofline"
    } else {
        opts.fidelity.name()
    };

    // Decode: the sum over the steps, and how many steps there were.
    let (prefill, decode, steps, evaluated, trace) = if roofline
        || opts.fidelity == RunFidelity::Analytic
    {
        let (p, d, sampling) = run_analytic(card, &cfg, &workload, strategy.as_ref(), opts.exact)?;
        (p, d, sampling.steps, sampling.evaluated, Vec::new())
    } else {
        check_cycle_cost(card, &cfg, &workload, strategy.as_ref(), opts.exact)?;
        let (p, decode_steps, trace) = run_cycle(card, &cfg, &workload, strategy.as_ref(), opts)?;
        let mut decode = PhaseFigures::default();
        for s in &decode_steps {
            decode.add(s);
        }
        (p, decode, decode_steps.len(), decode_steps.len(), trace)
    };

    let mut total = prefill.clone();
    total.add(&decode);

    let expected_macs = workload_macs(card, &workload);
    if total.macs != expected_macs {
        return Err(RunError::Internal(format!(
            "MAC conservation violated: simulated {} MACs, the model needs {expected_macs}",
            total.macs
        )));
    }

    let area = sim::components::chip::area_mm2(&cfg).total_mm2;
    let dram_peak = dram_peak_bandwidth_gbps(&cfg);
    let (macro_peak_macs, peak_macs) = peak_macs_per_s(&cfg);
    let macro_macs = total.macs.saturating_sub(if roofline {
        0
    } else {
        attention_macs(card, &workload)
    });
    let utilization = if total.time_s > 0.0 && macro_peak_macs > 0.0 {
        (macro_macs as f64 / (macro_peak_macs * total.time_s)).min(1.0)
    } else {
        0.0
    };
    let metrics = Metrics::of(&workload, steps as u64, &prefill, &decode, &total);
    let same_plan_as = if roofline {
        Vec::new()
    } else {
        equivalent_mappings(card, &cfg, &workload, strategy.name())?
    };
    let record = RunRecord {
        model: card.name.clone(),
        config: config_label.to_string(),
        // A roofline device has no mapping.
        mapping: if roofline {
            "-".to_string()
        } else {
            strategy.name().to_string()
        },
        same_plan_as,
        fidelity: fidelity_name.to_string(),
        weights: format!("int{weight_bits}"),
        prompt_tokens: workload.prompt_tokens,
        generated_tokens: workload.generate_tokens,
        batch: workload.batch,
        decode_steps: steps as u64,
        decode_s_per_token: metrics.decode_s_per_token,
        decode_tokens_per_s: metrics.decode_tokens_per_s,
        decode_j_per_token: metrics.decode_j_per_token,
        decode_tokens_per_j: metrics.decode_j_per_token.map(recip),
        decode_chip_j_per_token: metrics.decode_chip_j_per_token,
        decode_chip_tokens_per_j: metrics.decode_chip_j_per_token.map(recip),
        ttft_s: prefill.time_s,
        prefill_tokens_per_s: metrics.prefill_tokens_per_s,
        prefill_j_per_token: metrics.prefill_j_per_token,
        e2e_tokens_per_s: metrics.e2e_tokens_per_s,
        e2e_j_per_token: metrics.e2e_j_per_token,
        e2e_tokens_per_j: recip(metrics.e2e_j_per_token),
        simulated_s: total.time_s,
        energy_j: metrics.energy_j,
        chip_energy_j: metrics.chip_energy_j,
        prefill_energy_j: metrics.prefill_energy_j,
        decode_energy_j: metrics.decode_energy_j,
        power_w: per_s(metrics.energy_j, total.time_s),
        chip_power_w: per_s(metrics.chip_energy_j, total.time_s),
        macs: total.macs,
        dram_read_bytes: total.read_bytes,
        dram_write_bytes: total.write_bytes,
        dram_read_bytes_requested: total.read_requested,
        dram_write_bytes_requested: total.write_requested,
        decode_dram_read_bytes: decode.read_bytes,
        dram_activates: total.activates.round() as u64,
        dram_row_hits: total.row_hits.round() as u64,
        dram_refreshes: total.refreshes.round() as u64,
        dram_peak_bandwidth_gbps: dram_peak,
        peak_macs_per_s: peak_macs,
        macro_utilization: utilization,
        area_mm2: area,
        dram_energy_pj_per_bit: {
            let dram_pj: f64 = total
                .energy_pj
                .iter()
                .filter(|(k, _)| k.starts_with("dram"))
                .map(|(_, v)| v)
                .sum();
            let bits = (total.read_bytes + total.write_bytes) as f64 * 8.0;
            if bits > 0.0 {
                dram_pj / bits
            } else {
                0.0
            }
        },
        dram_phy_area_mm2: dram_phy_area_mm2(&cfg),
        // Decode is what a user waits on token by token; a run without decode has no decode
        // bound.
        bound: (steps > 0).then(|| bound_of(&decode.busy_s).to_string()),
        prefill_bound: bound_of(&prefill.busy_s).to_string(),
        energy_breakdown_j: total
            .energy_pj
            .iter()
            .map(|(k, v)| (k.clone(), v * 1e-12))
            .collect(),
        time_breakdown_s: total.busy_s.clone(),
        decode_dram_busy_fraction: (steps > 0 && decode.time_s > 0.0)
            .then(|| (decode.busy_s.get("dram").copied().unwrap_or(0.0) / decode.time_s).min(1.0)),
        decode_dram_idle_s_per_step: if steps > 0 {
            let n = steps as f64;
            decode
                .dram_idle_s
                .iter()
                .map(|(k, v)| (k.clone(), v / n))
                .collect()
        } else {
            BTreeMap::new()
        },
        decode_dram_refresh_s_per_step: (steps > 0 && !decode.dram_idle_s.is_empty())
            .then(|| decode.dram_refresh_s / steps as f64),
    };
    let (sampling_note, trace_coverage) = if roofline {
        (None, None)
    } else {
        sampling_notes(card, opts, weight_bits, steps, evaluated)
    };
    Ok(RunOutput {
        record,
        trace,
        decode_steps_evaluated: evaluated,
        sampling_note,
        trace_coverage,
    })
}

/// The other strategies that plan the prefill and the first and last decode steps exactly as
/// `name` does.
pub fn equivalent_mappings(
    card: &ModelCard,
    cfg: &HardwareConfig,
    w: &Workload,
    name: &str,
) -> Result<Vec<String>, RunError> {
    let mut phases = vec![(
        Phase::Prefill {
            tokens: w.prompt_tokens,
        },
        true,
    )];
    let kv: Vec<u64> = decode_kv_lens(w).collect();
    for l in [kv.first(), kv.last()].into_iter().flatten() {
        phases.push((Phase::Decode { kv_len: *l }, false));
    }
    let same = mappings::same_plan_strategies(name, cfg, card, &phases, w.batch)
        .map_err(|e| RunError::BadInput(e.to_string()))?;
    Ok(same.into_iter().map(str::to_string).collect())
}

/// What a run simulated and what it estimated, in words: the sampling note of the plain-text
/// summary and the coverage of the timeline.
fn sampling_notes(
    card: &ModelCard,
    opts: &RunOptions,
    weight_bits: u32,
    steps: usize,
    evaluated: usize,
) -> (Option<String>, Option<String>) {
    match (opts.fidelity, opts.exact) {
        (RunFidelity::Analytic, _) => {
            let note = (evaluated < steps).then(|| {
                format!(
                    "sampling: {evaluated} of {steps} decode steps evaluated, the rest \
                     interpolated within {}% of the decode totals (--exact evaluates all)",
                    ANALYTIC_STEP_TOLERANCE * 100.0
                )
            });
            (note, None)
        }
        (RunFidelity::Cycle, true) => (
            None,
            opts.record_timeline.then(|| {
                "the whole run: every task of the prefill and of every decode step, simulated"
                    .to_string()
            }),
        ),
        (RunFidelity::Cycle, false) => {
            let simulated = sampled_steps(steps, false).len();
            let pieces = if opts.mapping == "resident" {
                "each simulated whole".to_string()
            } else {
                let (k1, k2) = cycle::sampled_layers(card, weight_bits);
                format!(
                    "each from pieces of {k1} and {k2} decoder layers and two LM-head widths, \
                     extrapolated to {} layers",
                    card.num_layers
                )
            };
            let note = format!(
                "sampling: the prefill and {simulated} of {steps} decode steps simulated command \
                 by command ({pieces}); the other decode steps interpolated; MACs and DRAM bytes \
                 exact (--exact simulates everything)"
            );
            let coverage = format!(
                "the prefill and the first decode step, every task simulated; the other {} decode \
                 steps as estimated spans on the track `{}`, each as long as its interpolated \
                 time, so the timeline ends at the run's simulated time (--exact simulates every \
                 step)",
                steps.saturating_sub(1),
                cycle::ESTIMATED_TRACK
            );
            (Some(note), opts.record_timeline.then_some(coverage))
        }
    }
}

/// The headline metrics of a run (see `reports::metrics`): per phase, system and chip energy.
struct Metrics {
    decode_s_per_token: Option<f64>,
    decode_tokens_per_s: Option<f64>,
    decode_j_per_token: Option<f64>,
    decode_chip_j_per_token: Option<f64>,
    prefill_tokens_per_s: f64,
    prefill_j_per_token: f64,
    e2e_tokens_per_s: f64,
    e2e_j_per_token: f64,
    energy_j: f64,
    chip_energy_j: f64,
    prefill_energy_j: f64,
    decode_energy_j: f64,
}

impl Metrics {
    fn of(
        w: &Workload,
        steps: u64,
        prefill: &PhaseFigures,
        decode: &PhaseFigures,
        total: &PhaseFigures,
    ) -> Metrics {
        let b = w.batch as f64;
        let system_j = |p: &PhaseFigures| p.energy_pj.values().sum::<f64>() * 1e-12;
        let chip_j = |p: &PhaseFigures| {
            p.energy_pj
                .iter()
                .filter(|(k, _)| !reports::metrics::is_off_chip_component(k))
                .map(|(_, v)| v)
                .sum::<f64>()
                * 1e-12
        };
        // Tokens the decode steps produce: one per sequence per step.
        let decode_tokens = steps as f64 * b;
        let per_decode_token = |x: f64| (steps > 0).then(|| x / decode_tokens);
        let prompt_tokens = w.prompt_tokens as f64 * b;
        let generated = w.generate_tokens as f64 * b;
        Metrics {
            decode_s_per_token: (steps > 0).then(|| decode.time_s / steps as f64),
            decode_tokens_per_s: (steps > 0).then(|| per_s(decode_tokens, decode.time_s)),
            decode_j_per_token: per_decode_token(system_j(decode)),
            decode_chip_j_per_token: per_decode_token(chip_j(decode)),
            prefill_tokens_per_s: per_s(prompt_tokens, prefill.time_s),
            prefill_j_per_token: system_j(prefill) / prompt_tokens,
            e2e_tokens_per_s: per_s(generated, total.time_s),
            e2e_j_per_token: system_j(total) / generated,
            energy_j: system_j(total),
            chip_energy_j: chip_j(total),
            prefill_energy_j: system_j(prefill),
            decode_energy_j: system_j(decode),
        }
    }
}

/// `x / time_s`, 0 for a zero time (nothing ran).
fn per_s(x: f64, time_s: f64) -> f64 {
    if time_s > 0.0 {
        x / time_s
    } else {
        0.0
    }
}

/// `1 / x`, 0 for 0 (no energy spent: no efficiency to report).
fn recip(x: f64) -> f64 {
    if x > 0.0 {
        1.0 / x
    } else {
        0.0
    }
}

/// The busiest kind of work decides what limits the phase.
fn bound_of(busy_s: &BTreeMap<String, f64>) -> &'static str {
    let get = |k: &str| busy_s.get(k).copied().unwrap_or(0.0);
    let candidates = [
        ("dram", get("dram")),
        ("compute", get("macro_compute").max(get("compute"))),
        ("write", get("macro_write")),
        ("vector", get("vector")),
        ("interconnect", get("interconnect")),
        ("attention", get("attention")),
    ];
    let mut best = candidates[0];
    for c in candidates.iter().skip(1) {
        if c.1 > best.1 {
            best = *c;
        }
    }
    best.0
}

/// PHY area of the configuration's DRAM interface (0 for a roofline baseline).
fn dram_phy_area_mm2(cfg: &HardwareConfig) -> f64 {
    if cfg.kind == HardwareKind::Roofline {
        return 0.0;
    }
    cfg.dram_spec()
        .map(|s| dram::phy_estimate(&s).area_mm2)
        .unwrap_or(0.0)
}

fn dram_peak_bandwidth_gbps(cfg: &HardwareConfig) -> f64 {
    if let (HardwareKind::Roofline, Some(r)) = (cfg.kind, cfg.roofline.as_ref()) {
        return r.bandwidth_gbps;
    }
    cfg.dram_spec()
        .map(|s| s.peak_bandwidth_gbps())
        .unwrap_or(0.0)
}

/// Peak MAC rate of the macros alone, and of the whole chip (macros plus the vector unit, which
/// runs the attention MACs). The chip figure is the one `tokens/s <= peak / MACs per token`
/// holds against.
fn peak_macs_per_s(cfg: &HardwareConfig) -> (f64, f64) {
    if let (HardwareKind::Roofline, Some(r)) = (cfg.kind, cfg.roofline.as_ref()) {
        // Two ops per MAC.
        let peak = r.peak_tops * 1e12 / 2.0;
        return (peak, peak);
    }
    let macros = sim::components::chip::peak_macs_per_s(cfg, cfg.precision.activation_bits);
    let v = &cfg.chip.vector;
    let vector = f64::from(v.lanes) / v.mac_cycles_per_element.max(f64::MIN_POSITIVE)
        * cfg.clock.freq_mhz
        * 1e6;
    (macros, macros + vector)
}

/// MACs of the attention score and value products over the run (they run on the vector unit),
/// in closed form: `2 x layers x q_dim` per attended position (the graph's convention,
/// checked against the graph in the tests).
fn attention_macs(card: &ModelCard, w: &Workload) -> u64 {
    let per_position = 2u64
        .saturating_mul(u64::from(card.num_layers))
        .saturating_mul(card.q_dim());
    std::iter::once(Phase::Prefill {
        tokens: w.prompt_tokens,
    })
    .chain(decode_kv_lens(w).map(|kv_len| Phase::Decode { kv_len }))
    .map(|p| {
        per_position
            .saturating_mul(p.attended_positions())
            .saturating_mul(w.batch)
    })
    .fold(0u64, u64::saturating_add)
}

fn run_analytic(
    card: &ModelCard,
    cfg: &HardwareConfig,
    w: &Workload,
    strategy: &dyn MappingStrategy,
    exact: bool,
) -> Result<(PhaseFigures, PhaseFigures, StepSampling), RunError> {
    let bad = |e: mappings::MappingError| RunError::BadInput(e.to_string());
    let phase = |graph: &workloads::DecoderGraph,
                 first: bool,
                 setup: &AnalyticSetup|
     -> Result<PhaseFigures, RunError> {
        let ctx = CompileContext::new(cfg, card, first);
        let a = analytic_phase_with(graph, &ctx, strategy, setup, false).map_err(bad)?;
        Ok(PhaseFigures::from_analytic(a))
    };
    let prefill_phase = Phase::Prefill {
        tokens: w.prompt_tokens,
    };
    let prefill = with_graph(card, prefill_phase, w.batch, |g| {
        let setup = AnalyticSetup::new(g, &CompileContext::new(cfg, card, true)).map_err(bad)?;
        phase(g, true, &setup)
    })?;
    // Every decode step's graph has the same shape: one graph, retargeted to each KV length
    // evaluated, and one setup for all of them.
    let kv_lens: Vec<u64> = decode_kv_lens(w).collect();
    let Some(&first_kv) = kv_lens.first() else {
        let none = StepSampling {
            steps: 0,
            evaluated: 0,
            bound: 0.0,
        };
        return Ok((prefill, PhaseFigures::default(), none));
    };
    let decode_phase = Phase::Decode { kv_len: first_kv };
    let (decode, sampling) = with_graph(card, decode_phase, w.batch, |graph| {
        let setup =
            AnalyticSetup::new(graph, &CompileContext::new(cfg, card, false)).map_err(bad)?;
        sample_steps(kv_lens.len(), exact, |i| {
            graph.set_decode_kv_len(kv_lens[i]);
            phase(graph, false, &setup)
        })
    })?;
    Ok((prefill, decode, sampling))
}

#[cfg(test)]
mod tests {
    use super::*;
    use workloads::build_graph;

    #[test]
    fn bound_picks_the_busiest_resource() {
        let m: BTreeMap<String, f64> = [("dram", 1.0), ("macro_write", 2.0), ("vector", 0.5)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(bound_of(&m), "write");
    }

    /// Calls `f` with the graph of every decode step in order. One graph is built and retargeted
    /// from step to step (`DecoderGraph::set_decode_kv_len`, equal to a rebuilt graph), so the op
    /// names are formatted once per run, not once per step.
    fn for_each_decode_graph<E>(
        card: &ModelCard,
        w: &Workload,
        mut f: impl FnMut(&workloads::DecoderGraph) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut graph: Option<workloads::DecoderGraph> = None;
        for kv_len in decode_kv_lens(w) {
            let g = match graph.as_mut() {
                Some(g) => {
                    g.set_decode_kv_len(kv_len);
                    g
                }
                None => graph.insert(build_graph(card, Phase::Decode { kv_len }, w.batch)),
            };
            f(g)?;
        }
        Ok(())
    }

    #[test]
    fn attention_macs_equal_the_graphs_attention_ops() {
        let w = Workload {
            prompt_tokens: 13,
            generate_tokens: 5,
            batch: 3,
        };
        let of = |g: &workloads::DecoderGraph| -> u64 {
            g.graph
                .node_weights()
                .filter(|op| {
                    matches!(
                        op.kind,
                        workloads::OpKind::AttentionScore { .. }
                            | workloads::OpKind::AttentionValue { .. }
                    )
                })
                .map(|op| op.macs)
                .sum()
        };
        for name in workloads::shipped_names() {
            let card = workloads::shipped(name).unwrap();
            let mut graphs = of(&build_graph(&card, Phase::Prefill { tokens: 13 }, 3));
            let Ok(()) = for_each_decode_graph(&card, &w, |g| {
                graphs += of(g);
                Ok::<(), std::convert::Infallible>(())
            });
            assert_eq!(attention_macs(&card, &w), graphs, "{name}");
        }
    }

    #[test]
    fn exact_analytic_runs_equal_a_fresh_graph_and_setup_per_step() {
        let w = Workload {
            prompt_tokens: 9,
            generate_tokens: 6,
            batch: 2,
        };
        for (model, config) in [
            ("smollm2-135m", "edgecim-65nm"),
            ("qwen3-0.6b", "roofline-device"),
        ] {
            let card = workloads::shipped(model).unwrap();
            let cfg = match config {
                "roofline-device" => sim::config::parse_config(
                    include_str!("../../sim/tests/fixtures/roofline-device.toml"),
                    config,
                    &[],
                )
                .unwrap(),
                _ => sim::config::preset(config).unwrap(),
            };
            let strategy = strategy_by_name(mappings::DEFAULT_STRATEGY).unwrap();
            let (prefill, decode, sampling) =
                run_analytic(&card, &cfg, &w, strategy.as_ref(), true).unwrap();
            assert_eq!((sampling.steps, sampling.evaluated), (5, 5));
            let fresh = |p: Phase| {
                let ctx = CompileContext::new(&cfg, &card, matches!(p, Phase::Prefill { .. }));
                mappings::analytic_phase(&build_graph(&card, p, 2), &ctx, strategy.as_ref())
                    .unwrap()
            };
            let a = fresh(Phase::Prefill { tokens: 9 });
            assert_eq!(prefill.time_s, a.time_s, "{model} prefill");
            assert_eq!(prefill.energy_pj, a.energy_pj);
            assert_eq!(prefill.busy_s, a.busy_s);
            // The decode total is the plain sum of the steps, in order.
            let mut sum = PhaseFigures::default();
            for kv_len in decode_kv_lens(&w) {
                sum.add(&PhaseFigures::from_analytic(fresh(Phase::Decode {
                    kv_len,
                })));
            }
            assert_eq!(decode.time_s, sum.time_s, "{model} decode");
            assert_eq!(decode.energy_pj, sum.energy_pj);
            assert_eq!(decode.busy_s, sum.busy_s);
            assert_eq!((decode.macs, decode.read_bytes), (sum.macs, sum.read_bytes));
        }
    }
}
