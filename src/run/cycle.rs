//! The `cycle` fidelity: Programs executed by the event-driven engine with the DRAM simulated
//! command by command.
//!
//! Sampling (off with `exact`): a run of a large model is hundreds of millions of DRAM requests,
//! so by default the engine simulates a few representative pieces and combines them linearly:
//! - **layers**: decoder layers are identical, so a phase's time is `T(N) = T(k₁) + (N-k₁)·Δ`
//!   where Δ = (T(k₂) - T(k₁)) / (k₂ - k₁) is the cost of one more layer in steady state; the
//!   phase is simulated with k₁ = 1 and k₂ = 2 to 5 layers ([`sampled_layers`]: one layer's cost
//!   varies by a few percent with where refresh and queue state fall, so Δ is averaged over
//!   four small layers; a large layer is measured alone);
//! - **vocabulary**: the LM head is one long stream of identical tiles, so its cost is linear in
//!   the vocabulary; its per-row cost is measured on two pieces without decoder layers (4,096
//!   and 8,192 LM-head rows). It depends neither on the KV length nor on the phase, so a run
//!   measures it once;
//! - **decode steps**: steps differ only in their KV length, and their cost is linear in it; the
//!   first and the last step are simulated and the rest interpolated. The last step is
//!   simulated with its base piece only: the KV length changes each layer's attention by about
//!   the same amount in the base piece's layer as in the steady-state layers, so
//!   `Δ(L) = Δ(L₀) + a(L) - a(L₀)` (within 1% of the fully sampled per-layer slope for layers
//!   of 7 MB or more, 10% for smollm2-135m's 1.7 MB layers; against `--exact` with 128
//!   generated tokens, smollm2-135m's decode latency is 0.6% off at prompt 128, 0.3% at 1,024).
//!
//! Each sampled piece runs on a fresh engine (idle DRAM at time 0), so pieces are independent and
//! deterministic. MACs and DRAM bytes are never sampled: they are the exact counts of the full
//! Programs — the prefill's, and every decode step's from the affine model of `step_counts.rs`
//! (checked against compiled steps, falling back to compiling every step). The `resident`
//! mapping is never layer-sampled, because which weights stay resident depends on the whole
//! model. `tests/sampling.rs` holds sampling against `exact`.

use super::figures::{Counts, PhaseFigures};
use super::step_counts::{burst_span, AffineSteps};
use super::{RunError, RunOptions};
use mappings::{CompileContext, MappingStrategy};
use reports::TraceEvent;
use sim::config::HardwareConfig;
use sim::engine::{Engine, EngineOptions, Fidelity};
use sim::program::{Program, TaskKind};
use workloads::{build_graph, decode_kv_lens, ModelCard, Phase, Workload};

/// Decode steps simulated when sampling: the first and the last (the rest are interpolated).
pub const SAMPLED_DECODE_STEPS: usize = 2;
/// LM-head rows simulated when sampling; the wider piece adds as many again.
pub const SAMPLED_VOCAB: u64 = 4096;
/// Layer counts of the two layer pieces, at most: the second spans up to four layers more than
/// the first, fewer when the layers are large (see [`sampled_layers`]).
pub const SAMPLED_LAYERS: (u32, u32) = (1, 5);
/// Layer weight bytes the second layer piece adds over the first, at least (it adds one to four
/// layers).
pub const SAMPLED_LAYER_BYTES: u64 = 12 << 20;

/// The two layer pieces for `card` at `weight_bits`: one layer's cost varies by a few percent
/// with where refreshes and queue states fall, so the per-layer cost is averaged over enough
/// layers to hold [`SAMPLED_LAYER_BYTES`] of weights (small layers: four layers; layers of
/// 12 MB or more: one, where the variation is a small share of the layer). Measured against
/// 1-and-5-layer pieces at prompt 128 on `edgecim-65nm`, one extra layer moved the decode
/// estimate of the models with layers of 12 MB or more by at most 0.7%; two or three extra
/// layers moved smollm2-135m's (1.7 MB layers) by up to 3%, four did not.
pub fn sampled_layers(card: &ModelCard, weight_bits: u32) -> (u32, u32) {
    let (k1, k_max) = SAMPLED_LAYERS;
    let layer_bytes = card
        .layer_linear_weights()
        .saturating_mul(u64::from(weight_bits))
        / 8;
    let extra = SAMPLED_LAYER_BYTES.div_ceil(layer_bytes.max(1));
    let extra = extra.clamp(1, u64::from(k_max - k1)) as u32;
    (k1, k1 + extra)
}

/// Which decode steps (indices into the step list) to simulate.
pub fn sampled_steps(steps: usize, exact: bool) -> Vec<usize> {
    let n = SAMPLED_DECODE_STEPS;
    if exact || steps <= n {
        return (0..steps).collect();
    }
    let last = steps - 1;
    let mut out: Vec<usize> = (0..n).map(|i| (i * last + (n - 1) / 2) / (n - 1)).collect();
    out.dedup();
    out
}

/// Bursts a program moves: each DRAM task covers whole requests from floor(addr / req) to
/// ceil((addr + bytes) / req), as the engine issues them.
pub fn program_counts(p: &Program, request_bytes: u64) -> Counts {
    let span = |addr: u64, bytes: u64| burst_span(addr, bytes, request_bytes);
    let mut c = Counts {
        macs: p.macs(),
        ..Counts::default()
    };
    for t in &p.tasks {
        match t.kind {
            TaskKind::DramRead { addr, bytes, .. } => {
                c.read_bytes += span(addr, bytes);
                c.read_requested += bytes;
            }
            TaskKind::DramWrite { addr, bytes, .. } => {
                c.write_bytes += span(addr, bytes);
                c.write_requested += bytes;
            }
            _ => {}
        }
    }
    c
}

/// A model cut to `layers` decoder layers and `vocab` LM-head rows (everything else equal).
fn truncated(card: &ModelCard, layers: u32, vocab: u64) -> ModelCard {
    let mut c = card.clone();
    c.num_layers = layers;
    c.vocab_size = vocab;
    c.nope_layers.retain(|&l| l < layers);
    c
}

pub type CycleResult = (PhaseFigures, Vec<PhaseFigures>, Vec<TraceEvent>);

struct Runner<'a> {
    card: &'a ModelCard,
    cfg: &'a HardwareConfig,
    strategy: &'a dyn MappingStrategy,
    batch: u64,
    request_bytes: u64,
}

impl Runner<'_> {
    fn engine(&self, record_timeline: bool) -> Result<Engine, RunError> {
        Engine::new(
            self.cfg,
            EngineOptions {
                fidelity: Fidelity::Cycle,
                record_timeline,
            },
        )
        .map_err(|e| RunError::BadInput(e.to_string()))
    }

    fn compile(&self, card: &ModelCard, phase: Phase) -> Result<Program, RunError> {
        let graph = build_graph(card, phase, self.batch);
        let first = matches!(phase, Phase::Prefill { .. });
        let ctx = CompileContext::new(self.cfg, card, first);
        self.strategy
            .compile(&graph, &ctx)
            .map_err(|e| RunError::BadInput(e.to_string()))
    }

    fn execute(
        &self,
        engine: &mut Engine,
        program: &Program,
        trace: &mut Vec<TraceEvent>,
    ) -> Result<PhaseFigures, RunError> {
        let stats = engine
            .run(program)
            .map_err(|e| RunError::Internal(format!("engine: {e}")))?;
        trace.extend(stats.timeline.iter().map(|ev| TraceEvent {
            track: ev.track(),
            name: ev.label_name(program).to_string(),
            start_ps: ev.start_ps,
            end_ps: ev.end_ps,
        }));
        let fig = PhaseFigures::from_engine(&stats);
        let counts = program_counts(program, self.request_bytes);
        if fig.read_bytes != counts.read_bytes || fig.write_bytes != counts.write_bytes {
            return Err(RunError::Internal(format!(
                "DRAM burst accounting differs between the program ({} read, {} written) and the engine ({} read, {} written)",
                counts.read_bytes, counts.write_bytes, fig.read_bytes, fig.write_bytes
            )));
        }
        Ok(fig)
    }

    /// How a phase is cut into pieces.
    fn plan(&self) -> Plan {
        let n = self.card.num_layers;
        let v = self.card.vocab_size;
        let k = sampled_layers(self.card, self.cfg.cim_macro.weight_bits);
        let v1 = v.min(SAMPLED_VOCAB);
        Plan {
            layer_sampling: n > k.1 + 1 && self.strategy.name() != "resident",
            layers: k,
            v1,
            v2: v.min(v1 + SAMPLED_VOCAB),
        }
    }

    /// One piece: the phase of the model cut to `layers` layers and `vocab` LM-head rows, on a
    /// fresh engine.
    fn piece(&self, layers: u32, vocab: u64, phase: Phase) -> Result<PhaseFigures, RunError> {
        let program = self.compile(&truncated(self.card, layers, vocab), phase)?;
        self.execute(&mut self.engine(false)?, &program, &mut Vec::new())
    }

    /// The phase without its LM-head extension: the base piece `a` (first layers, `v1` rows),
    /// plus, with layer sampling, the remaining layers at the per-layer cost measured between
    /// the two layer pieces. Returns the terms and `a`.
    fn layer_terms(
        &self,
        plan: &Plan,
        phase: Phase,
    ) -> Result<(Terms, Option<FirstStep>), RunError> {
        let n = self.card.num_layers;
        let (k1, k2) = plan.layers;
        let first = if plan.layer_sampling { k1 } else { n };
        let a = self.piece(first, plan.v1, phase)?;
        let mut terms = vec![(1.0, a.clone())];
        if !plan.layer_sampling {
            return Ok((terms, None));
        }
        let b = self.piece(k2, plan.v1, phase)?;
        let extra = f64::from(n - k1) / f64::from(k2 - k1);
        terms.push((extra, b.clone()));
        terms.push((-extra, a.clone()));
        Ok((terms, Some(FirstStep { a, b })))
    }

    /// The LM-head rows beyond `v1`, at the per-row cost measured between two pieces without
    /// decoder layers (`v1` and `v2` rows: the LM-head stream alone); empty when the whole
    /// vocabulary is in the base piece.
    fn vocab_terms(&self, plan: &Plan, phase: Phase) -> Result<Terms, RunError> {
        let v = self.card.vocab_size;
        if v <= plan.v1 {
            return Ok(Vec::new());
        }
        let a = self.piece(0, plan.v1, phase)?;
        let c = self.piece(0, plan.v2, phase)?;
        let s = (v - plan.v1) as f64 / (plan.v2 - plan.v1) as f64;
        Ok(vec![(s, c), (-s, a)])
    }

    /// A decode step at another KV length from its base piece alone: the KV length changes each
    /// layer's attention by the same amount in the base piece's layer as in the steady-state
    /// layers, so `Δ(L) = Δ(L₀) + (a(L) - a(L₀))` (per-layer costs of the first step).
    fn shifted_step(
        &self,
        plan: &Plan,
        phase: Phase,
        first: &FirstStep,
    ) -> Result<Terms, RunError> {
        let n = self.card.num_layers;
        let (k1, k2) = plan.layers;
        let a = self.piece(k1, plan.v1, phase)?;
        let extra = f64::from(n - k1) / f64::from(k2 - k1);
        let shift = f64::from(n - k1);
        Ok(vec![
            (1.0 + shift, a),
            (extra, first.b.clone()),
            (-extra - shift, first.a.clone()),
        ])
    }

    /// Whether the phase is small enough to simulate whole.
    fn whole(&self, plan: &Plan) -> bool {
        !plan.layer_sampling && self.card.vocab_size <= plan.v1
    }

    fn whole_phase(&self, phase: Phase) -> Result<PhaseFigures, RunError> {
        let program = self.compile(self.card, phase)?;
        self.execute(&mut self.engine(false)?, &program, &mut Vec::new())
    }
}

/// Weighted figures that add up to a phase.
type Terms = Vec<(f64, PhaseFigures)>;

/// The layer pieces of the first decode step, which later steps may shift.
struct FirstStep {
    a: PhaseFigures,
    b: PhaseFigures,
}

/// How a phase is cut into pieces (see the module documentation).
struct Plan {
    layer_sampling: bool,
    layers: (u32, u32),
    v1: u64,
    v2: u64,
}

fn combine(terms: &[(f64, PhaseFigures)]) -> PhaseFigures {
    let refs: Vec<(f64, &PhaseFigures)> = terms.iter().map(|(w, f)| (*w, f)).collect();
    PhaseFigures::linear(&refs)
}

pub fn run_cycle(
    card: &ModelCard,
    cfg: &HardwareConfig,
    w: &Workload,
    strategy: &dyn MappingStrategy,
    opts: &RunOptions,
) -> Result<CycleResult, RunError> {
    let probe = Engine::new(cfg, EngineOptions::default())
        .map_err(|e| RunError::BadInput(e.to_string()))?;
    let runner = Runner {
        card,
        cfg,
        strategy,
        batch: w.batch,
        request_bytes: probe.dram_request_bytes(),
    };
    drop(probe);
    let prefill_phase = Phase::Prefill {
        tokens: w.prompt_tokens,
    };
    let kv_lens: Vec<u64> = decode_kv_lens(w).collect();
    let mut trace = Vec::new();

    if opts.exact {
        // Everything, in order, on one engine whose DRAM state carries from phase to phase.
        let mut engine = runner.engine(opts.record_timeline)?;
        let program = runner.compile(card, prefill_phase)?;
        let prefill = runner.execute(&mut engine, &program, &mut trace)?;
        let mut decode = Vec::with_capacity(kv_lens.len());
        for &l in &kv_lens {
            let program = runner.compile(card, Phase::Decode { kv_len: l })?;
            decode.push(runner.execute(&mut engine, &program, &mut trace)?);
        }
        return Ok((prefill, decode, trace));
    }

    // A timeline shows real programs: the prefill and the first decode step, in full.
    let mut traced: Vec<PhaseFigures> = Vec::new();
    if opts.record_timeline {
        let mut engine = runner.engine(true)?;
        let program = runner.compile(card, prefill_phase)?;
        traced.push(runner.execute(&mut engine, &program, &mut trace)?);
        if let Some(&l) = kv_lens.first() {
            let program = runner.compile(card, Phase::Decode { kv_len: l })?;
            traced.push(runner.execute(&mut engine, &program, &mut trace)?);
        }
    }

    let plan = runner.plan();
    // The LM-head extension depends neither on the KV length nor on the phase (prefill runs the
    // LM head for one token per sequence, as a decode step does): measured once per run.
    let vocab_phase = kv_lens
        .first()
        .map_or(prefill_phase, |&kv_len| Phase::Decode { kv_len });
    let mut vocab: Option<Terms> = None;
    let mut vocab_terms = |runner: &Runner<'_>| -> Result<Terms, RunError> {
        if vocab.is_none() {
            vocab = Some(runner.vocab_terms(&plan, vocab_phase)?);
        }
        Ok(vocab.clone().unwrap_or_default())
    };
    let prefill_counts =
        program_counts(&runner.compile(card, prefill_phase)?, runner.request_bytes);
    let prefill = match traced.first() {
        Some(f) => f.clone(),
        None if runner.whole(&plan) => runner.whole_phase(prefill_phase)?,
        None => {
            let (mut terms, _) = runner.layer_terms(&plan, prefill_phase)?;
            terms.extend(vocab_terms(&runner)?);
            combine(&terms)
        }
    }
    .with_counts_of(&prefill_counts);

    let decode_counts = decode_step_counts(&runner, &kv_lens)?;
    let sampled = sampled_steps(kv_lens.len(), false);
    let mut simulated: Vec<(usize, PhaseFigures)> = Vec::with_capacity(sampled.len());
    let mut first: Option<FirstStep> = None;
    for &i in &sampled {
        let phase = Phase::Decode { kv_len: kv_lens[i] };
        let fig = match (i, traced.get(1)) {
            (0, Some(f)) => f.clone(),
            _ if runner.whole(&plan) => runner.whole_phase(phase)?,
            _ => {
                let mut terms = match first.as_ref() {
                    Some(f) => runner.shifted_step(&plan, phase, f)?,
                    _ => {
                        let (terms, f) = runner.layer_terms(&plan, phase)?;
                        first = first.or(f);
                        terms
                    }
                };
                terms.extend(vocab_terms(&runner)?);
                combine(&terms)
            }
        };
        simulated.push((i, fig));
    }
    let mut decode = Vec::with_capacity(kv_lens.len());
    for (i, (&l, counts)) in kv_lens.iter().zip(&decode_counts).enumerate() {
        let pos = simulated.partition_point(|(j, _)| *j < i);
        let fig = match simulated.get(pos) {
            Some((j, f)) if *j == i => f.clone(),
            _ => {
                let (lo, a) = simulated.get(pos.wrapping_sub(1)).ok_or_else(|| {
                    RunError::Internal("step sampling lost its first step".into())
                })?;
                let (hi, b) = simulated
                    .get(pos)
                    .ok_or_else(|| RunError::Internal("step sampling lost its last step".into()))?;
                let t = (l - kv_lens[*lo]) as f64 / (kv_lens[*hi] - kv_lens[*lo]).max(1) as f64;
                PhaseFigures::lerp(a, b, t)
            }
        };
        decode.push(fig.with_counts_of(counts));
    }
    if opts.record_timeline {
        estimated_step_spans(&prefill, &decode, &kv_lens, &mut trace);
    }
    Ok((prefill, decode, trace))
}

/// Track of the decode steps a sampled timeline does not simulate: one labelled span per step,
/// placed where the step falls in the run, so the trace covers the whole simulated time.
pub const ESTIMATED_TRACK: &str = "decode steps (estimated, not simulated)";

/// After the prefill and the first decode step (simulated in full on the timeline), one span
/// per remaining step, as long as its interpolated time.
fn estimated_step_spans(
    prefill: &PhaseFigures,
    decode: &[PhaseFigures],
    kv_lens: &[u64],
    trace: &mut Vec<TraceEvent>,
) {
    let ps = |s: f64| (s * 1e12).round() as u64;
    let mut at_s = prefill.time_s + decode.first().map_or(0.0, |d| d.time_s);
    for (i, (step, kv_len)) in decode.iter().zip(kv_lens).enumerate().skip(1) {
        let end_s = at_s + step.time_s;
        trace.push(TraceEvent {
            track: ESTIMATED_TRACK.to_string(),
            name: format!("decode step {} (KV length {kv_len}), interpolated", i + 1),
            start_ps: ps(at_s),
            end_ps: ps(end_s),
        });
        at_s = end_s;
    }
}

/// Exact counts of every decode step: from the affine model of `step_counts.rs` when the
/// compiled steps confirm it, otherwise by compiling every step.
fn decode_step_counts(runner: &Runner<'_>, kv_lens: &[u64]) -> Result<Vec<Counts>, RunError> {
    Ok(decode_step_counts_how(runner, kv_lens)?.0)
}

/// [`decode_step_counts`], and whether the affine model was used.
fn decode_step_counts_how(
    runner: &Runner<'_>,
    kv_lens: &[u64],
) -> Result<(Vec<Counts>, bool), RunError> {
    let compile = |l: u64| runner.compile(runner.card, Phase::Decode { kv_len: l });
    let full = |lens: &[u64]| -> Result<(Vec<Counts>, bool), RunError> {
        let c = lens
            .iter()
            .map(|&l| Ok(program_counts(&compile(l)?, runner.request_bytes)))
            .collect::<Result<Vec<_>, RunError>>()?;
        Ok((c, false))
    };
    if kv_lens.len() < 4 || kv_lens.windows(2).any(|w| w[1] != w[0] + 1) {
        return full(kv_lens);
    }
    let (l0, last) = (kv_lens[0], kv_lens[kv_lens.len() - 1]);
    let mid = kv_lens[kv_lens.len() / 2];
    let model = AffineSteps::new(l0, &compile(l0)?, &compile(l0 + 1)?, runner.request_bytes);
    let Some(model) = model else {
        return full(kv_lens);
    };
    if !(model.predicts(mid, &compile(mid)?) && model.predicts(last, &compile(last)?)) {
        return full(kv_lens);
    }
    match kv_lens
        .iter()
        .map(|&l| model.counts(l))
        .collect::<Option<Vec<_>>>()
    {
        Some(c) => Ok((c, true)),
        None => full(kv_lens),
    }
}

#[cfg(test)]
#[path = "cycle_tests.rs"]
mod tests;
