//! One whole run: prefill of P prompt tokens, then G-1 decode steps (step j attends to P+j
//! positions), compiled by a mapping strategy and executed by the engine (`cycle`), evaluated
//! in closed form (`analytic`), or on a roofline device (`roofline`). Produces a
//! [`reports::RunRecord`] with the stable keys of `cimsim simulate --json`.
//!
//! Step sampling: at `cycle` fidelity without `exact`, long runs simulate a subset of the decode
//! steps command by command (always the first and the last) and interpolate the timing and
//! energy of the steps in between linearly in the KV length. Decode steps differ only in the
//! KV length, and their cost is linear in it up to DRAM scheduling noise; MACs and DRAM bytes
//! are never interpolated: every step is compiled and its exact counts are used.

use mappings::{analytic_phase, strategy_by_name, CompileContext, MappingStrategy};
use reports::{RunRecord, TraceEvent};
use sim::config::{HardwareConfig, HardwareKind};
use sim::engine::{Engine, EngineOptions, Fidelity, PhaseStats};
use sim::program::{Program, TaskKind};
use std::collections::BTreeMap;
use workloads::{build_graph, decode_kv_lens, workload_macs, ModelCard, Phase, Workload};

/// Decode steps simulated command by command when sampling (the rest are interpolated).
pub const SAMPLED_DECODE_STEPS: usize = 8;

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
    /// Bits per weight (4 or 8); overrides `macro.weight_bits`.
    pub weight_bits: u32,
    pub mapping: String,
    pub fidelity: RunFidelity,
    /// Simulate every decode step (no sampling, no reuse).
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
            weight_bits: 4,
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
}

/// Per-phase figures common to every fidelity, in seconds / joules / bytes.
#[derive(Debug, Clone, Default)]
struct PhaseFigures {
    time_s: f64,
    energy_pj: BTreeMap<String, f64>,
    busy_s: BTreeMap<String, f64>,
    macs: u64,
    read_bytes: u64,
    write_bytes: u64,
    read_requested: u64,
    write_requested: u64,
    activates: f64,
    row_hits: f64,
    refreshes: f64,
}

impl PhaseFigures {
    fn from_engine(s: &PhaseStats) -> Self {
        PhaseFigures {
            time_s: s.time_ps as f64 * 1e-12,
            energy_pj: s.energy_pj.clone(),
            busy_s: s
                .busy_ps
                .iter()
                .map(|(k, v)| (k.clone(), *v as f64 * 1e-12))
                .collect(),
            macs: s.macs,
            read_bytes: s.dram_read_burst_bytes,
            write_bytes: s.dram_write_burst_bytes,
            read_requested: s.dram_read_bytes,
            write_requested: s.dram_write_bytes,
            activates: s.dram_activates as f64,
            row_hits: s.dram_row_hits as f64,
            refreshes: s.dram_refreshes as f64,
        }
    }

    fn add(&mut self, o: &PhaseFigures) {
        self.time_s += o.time_s;
        for (k, v) in &o.energy_pj {
            *self.energy_pj.entry(k.clone()).or_insert(0.0) += v;
        }
        for (k, v) in &o.busy_s {
            *self.busy_s.entry(k.clone()).or_insert(0.0) += v;
        }
        self.macs += o.macs;
        self.read_bytes += o.read_bytes;
        self.write_bytes += o.write_bytes;
        self.read_requested += o.read_requested;
        self.write_requested += o.write_requested;
        self.activates += o.activates;
        self.row_hits += o.row_hits;
        self.refreshes += o.refreshes;
    }

    /// Linear interpolation of the timing/energy figures between `a` (t = 0) and `b` (t = 1).
    /// Counts (MACs, bytes) are not interpolated: the caller sets them exactly.
    fn lerp(a: &PhaseFigures, b: &PhaseFigures, t: f64) -> PhaseFigures {
        let mix = |x: f64, y: f64| x + (y - x) * t;
        let map = |x: &BTreeMap<String, f64>, y: &BTreeMap<String, f64>| {
            x.iter()
                .map(|(k, v)| (k.clone(), mix(*v, y.get(k).copied().unwrap_or(*v))))
                .collect()
        };
        PhaseFigures {
            time_s: mix(a.time_s, b.time_s),
            energy_pj: map(&a.energy_pj, &b.energy_pj),
            busy_s: map(&a.busy_s, &b.busy_s),
            activates: mix(a.activates, b.activates),
            row_hits: mix(a.row_hits, b.row_hits),
            refreshes: mix(a.refreshes, b.refreshes),
            ..PhaseFigures::default()
        }
    }
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
    if !matches!(opts.weight_bits, 4 | 8) {
        return bad(format!(
            "--weights must be int4 or int8, got {} bits",
            opts.weight_bits
        ));
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
    let mut cfg = cfg.clone();
    cfg.cim_macro.weight_bits = opts.weight_bits;
    cfg.validate()
        .map_err(|e| RunError::BadInput(format!("with --weights int{}: {e}", opts.weight_bits)))?;
    let strategy =
        strategy_by_name(&opts.mapping).map_err(|e| RunError::BadInput(e.to_string()))?;
    let roofline = cfg.kind == HardwareKind::Roofline;
    let fidelity_name = if roofline {
        "roofline"
    } else {
        opts.fidelity.name()
    };

    let (prefill, decode_steps, trace) = if roofline || opts.fidelity == RunFidelity::Analytic {
        let (p, d) = run_analytic(card, &cfg, &workload, strategy.as_ref())?;
        (p, d, Vec::new())
    } else {
        run_cycle(card, &cfg, &workload, strategy.as_ref(), opts)?
    };

    let mut decode = PhaseFigures::default();
    for s in &decode_steps {
        decode.add(s);
    }
    let mut total = prefill.clone();
    total.add(&decode);

    let expected_macs = workload_macs(card, &workload);
    if total.macs != expected_macs {
        return Err(RunError::Internal(format!(
            "MAC conservation violated: simulated {} MACs, the model needs {expected_macs}",
            total.macs
        )));
    }

    let g = workload.generate_tokens as f64;
    let b = workload.batch as f64;
    let steps = decode_steps.len() as f64;
    let energy_j = total.energy_pj.values().sum::<f64>() * 1e-12;
    let decode_s_per_token = if steps > 0.0 {
        decode.time_s / steps
    } else {
        0.0
    };
    let tokens_per_s = if decode.time_s > 0.0 {
        steps * b / decode.time_s
    } else {
        0.0
    };
    let tokens_per_j = if energy_j > 0.0 {
        g * b / energy_j
    } else {
        0.0
    };
    let area = sim::components::chip::area_mm2(&cfg).total_mm2;
    let dram_peak = dram_peak_bandwidth_gbps(&cfg);
    let peak_macs = peak_macs_per_s(&cfg);
    let utilization = if total.time_s > 0.0 && peak_macs > 0.0 {
        (total.macs as f64 / (peak_macs * total.time_s)).min(1.0)
    } else {
        0.0
    };
    // Decode is what a user waits on token by token; with a single generated token, prefill.
    let bound_source = if decode_steps.is_empty() {
        &prefill
    } else {
        &decode
    };
    let record = RunRecord {
        model: card.name.clone(),
        config: config_label.to_string(),
        mapping: strategy.name().to_string(),
        fidelity: fidelity_name.to_string(),
        weights: format!("int{}", opts.weight_bits),
        prompt_tokens: workload.prompt_tokens,
        generated_tokens: workload.generate_tokens,
        batch: workload.batch,
        ttft_s: prefill.time_s,
        decode_s_per_token,
        tokens_per_s,
        simulated_s: total.time_s,
        energy_j,
        energy_j_per_token: if tokens_per_j > 0.0 {
            1.0 / tokens_per_j
        } else {
            0.0
        },
        tokens_per_j,
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
        bound: bound_of(&bound_source.busy_s).to_string(),
        energy_breakdown_j: total
            .energy_pj
            .iter()
            .map(|(k, v)| (k.clone(), v * 1e-12))
            .collect(),
        time_breakdown_s: total.busy_s.clone(),
    };
    Ok(RunOutput { record, trace })
}

/// The busiest kind of work decides what limits the phase.
fn bound_of(busy_s: &BTreeMap<String, f64>) -> &'static str {
    let get = |k: &str| busy_s.get(k).copied().unwrap_or(0.0);
    let candidates = [
        ("dram", get("dram")),
        ("compute", get("macro_compute").max(get("compute"))),
        ("write", get("macro_write")),
        ("vector", get("vector")),
    ];
    let mut best = candidates[0];
    for c in candidates.iter().skip(1) {
        if c.1 > best.1 {
            best = *c;
        }
    }
    best.0
}

fn dram_peak_bandwidth_gbps(cfg: &HardwareConfig) -> f64 {
    if let (HardwareKind::Roofline, Some(r)) = (cfg.kind, cfg.roofline.as_ref()) {
        return r.bandwidth_gbps;
    }
    cfg.dram_spec()
        .map(|s| s.peak_bandwidth_gbps())
        .unwrap_or(0.0)
}

fn peak_macs_per_s(cfg: &HardwareConfig) -> f64 {
    if let (HardwareKind::Roofline, Some(r)) = (cfg.kind, cfg.roofline.as_ref()) {
        // Two ops per MAC.
        return r.peak_tops * 1e12 / 2.0;
    }
    sim::components::chip::peak_macs_per_s(cfg, cfg.precision.activation_bits)
}

fn run_analytic(
    card: &ModelCard,
    cfg: &HardwareConfig,
    w: &Workload,
    strategy: &dyn MappingStrategy,
) -> Result<(PhaseFigures, Vec<PhaseFigures>), RunError> {
    let phase = |p: Phase, first: bool| -> Result<PhaseFigures, RunError> {
        let graph = build_graph(card, p, w.batch);
        let ctx = CompileContext::new(cfg, card, first);
        let a = analytic_phase(&graph, &ctx, strategy)
            .map_err(|e| RunError::BadInput(e.to_string()))?;
        Ok(PhaseFigures {
            time_s: a.time_s,
            energy_pj: a.energy_pj,
            busy_s: a.busy_s,
            macs: a.macs,
            read_bytes: a.dram_read_bytes,
            write_bytes: a.dram_write_bytes,
            read_requested: a.dram_read_bytes,
            write_requested: a.dram_write_bytes,
            ..PhaseFigures::default()
        })
    };
    let prefill = phase(
        Phase::Prefill {
            tokens: w.prompt_tokens,
        },
        true,
    )?;
    let decode = decode_kv_lens(w)
        .map(|l| phase(Phase::Decode { kv_len: l }, false))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((prefill, decode))
}

/// Which decode steps (indices into the step list) to simulate command by command.
pub fn sampled_steps(steps: usize, exact: bool) -> Vec<usize> {
    if exact || steps <= SAMPLED_DECODE_STEPS {
        return (0..steps).collect();
    }
    let last = steps - 1;
    let mut out: Vec<usize> = (0..SAMPLED_DECODE_STEPS)
        .map(|i| (i * last + (SAMPLED_DECODE_STEPS - 1) / 2) / (SAMPLED_DECODE_STEPS - 1))
        .collect();
    out.dedup();
    out
}

/// Bursts a program moves: each DRAM task covers whole requests from floor(addr / req) to
/// ceil((addr + bytes) / req), as the engine issues them.
fn program_burst_bytes(p: &Program, request_bytes: u64) -> (u64, u64) {
    let req = request_bytes.max(1);
    let span = |addr: u64, bytes: u64| {
        if bytes == 0 {
            0
        } else {
            (addr.saturating_add(bytes).div_ceil(req) - addr / req) * req
        }
    };
    let mut read = 0;
    let mut write = 0;
    for t in &p.tasks {
        match t.kind {
            TaskKind::DramRead { addr, bytes, .. } => read += span(addr, bytes),
            TaskKind::DramWrite { addr, bytes, .. } => write += span(addr, bytes),
            _ => {}
        }
    }
    (read, write)
}

type CycleResult = (PhaseFigures, Vec<PhaseFigures>, Vec<TraceEvent>);

fn run_cycle(
    card: &ModelCard,
    cfg: &HardwareConfig,
    w: &Workload,
    strategy: &dyn MappingStrategy,
    opts: &RunOptions,
) -> Result<CycleResult, RunError> {
    let engine_opts = EngineOptions {
        fidelity: Fidelity::Cycle,
        exact: opts.exact,
        record_timeline: opts.record_timeline,
    };
    let mut engine =
        Engine::new(cfg, engine_opts).map_err(|e| RunError::BadInput(e.to_string()))?;
    let request_bytes = engine.dram_request_bytes();
    let mut trace = Vec::new();
    let compile = |p: Phase, first: bool| -> Result<Program, RunError> {
        let graph = build_graph(card, p, w.batch);
        let ctx = CompileContext::new(cfg, card, first);
        strategy
            .compile(&graph, &ctx)
            .map_err(|e| RunError::BadInput(e.to_string()))
    };
    let mut execute =
        |program: &Program, trace: &mut Vec<TraceEvent>| -> Result<PhaseFigures, RunError> {
            let stats = engine
                .run(program)
                .map_err(|e| RunError::Internal(format!("engine: {e}")))?;
            if opts.record_timeline {
                trace.extend(stats.timeline.iter().map(|ev| TraceEvent {
                    track: ev.track(),
                    name: ev.label_name(program).to_string(),
                    start_ps: ev.start_ps,
                    end_ps: ev.end_ps,
                }));
            }
            Ok(PhaseFigures::from_engine(&stats))
        };

    let prefill_program = compile(
        Phase::Prefill {
            tokens: w.prompt_tokens,
        },
        true,
    )?;
    let prefill = execute(&prefill_program, &mut trace)?;
    drop(prefill_program);

    let kv_lens: Vec<u64> = decode_kv_lens(w).collect();
    let sampled = sampled_steps(kv_lens.len(), opts.exact);
    let mut simulated: BTreeMap<usize, PhaseFigures> = BTreeMap::new();
    // Exact per-step counts, for every step (simulated or not).
    let mut counts: Vec<(u64, u64, u64, u64, u64)> = Vec::with_capacity(kv_lens.len());
    for (i, &l) in kv_lens.iter().enumerate() {
        let program = compile(Phase::Decode { kv_len: l }, false)?;
        let (rb, wb) = program_burst_bytes(&program, request_bytes);
        counts.push((
            program.macs(),
            rb,
            wb,
            program.dram_read_bytes(),
            program.dram_write_bytes(),
        ));
        if sampled.binary_search(&i).is_ok() {
            let fig = execute(&program, &mut trace)?;
            if fig.read_bytes != rb || fig.write_bytes != wb {
                return Err(RunError::Internal(format!(
                    "DRAM burst accounting differs between the program ({rb} read, {wb} written) and the engine ({} read, {} written)",
                    fig.read_bytes, fig.write_bytes
                )));
            }
            simulated.insert(i, fig);
        }
    }
    let mut decode = Vec::with_capacity(kv_lens.len());
    for (i, &(macs, rb, wb, rr, wr)) in counts.iter().enumerate() {
        let mut fig = match simulated.get(&i) {
            Some(f) => f.clone(),
            None => {
                let (lo, a) = simulated.range(..i).next_back().ok_or_else(|| {
                    RunError::Internal("step sampling lost its first step".into())
                })?;
                let (hi, b) = simulated
                    .range(i..)
                    .next()
                    .ok_or_else(|| RunError::Internal("step sampling lost its last step".into()))?;
                let span = (kv_lens[*hi] - kv_lens[*lo]) as f64;
                let t = (kv_lens[i] - kv_lens[*lo]) as f64 / span.max(1.0);
                PhaseFigures::lerp(a, b, t)
            }
        };
        fig.macs = macs;
        fig.read_bytes = rb;
        fig.write_bytes = wb;
        fig.read_requested = rr;
        fig.write_requested = wr;
        decode.push(fig);
    }
    Ok((prefill, decode, trace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_keeps_first_and_last_and_is_sorted() {
        assert_eq!(sampled_steps(5, false), vec![0, 1, 2, 3, 4]);
        assert_eq!(sampled_steps(0, false), Vec::<usize>::new());
        let s = sampled_steps(127, false);
        assert_eq!(s.first(), Some(&0));
        assert_eq!(s.last(), Some(&126));
        assert_eq!(s.len(), SAMPLED_DECODE_STEPS);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sampled_steps(127, true).len(), 127);
    }

    #[test]
    fn bound_picks_the_busiest_resource() {
        let m: BTreeMap<String, f64> = [("dram", 1.0), ("macro_write", 2.0), ("vector", 0.5)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(bound_of(&m), "write");
    }

    #[test]
    fn burst_span_rounds_out_to_whole_requests() {
        let mut p = Program::new();
        let l = p.label("x");
        p.push(
            TaskKind::DramRead {
                addr: 10,
                bytes: 64,
                class: sim::program::DataClass::Weights,
            },
            sim::program::Resource::Dram,
            &[],
            l,
            None,
        );
        // Bytes 10..74 touch requests [0, 64) and [64, 128).
        assert_eq!(program_burst_bytes(&p, 64), (128, 0));
    }
}
