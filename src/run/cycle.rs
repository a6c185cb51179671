//! The `cycle` fidelity: Programs executed by the event-driven engine with the DRAM simulated
//! command by command.
//!
//! Sampling (off with `exact`): a run of a large model is hundreds of millions of DRAM requests,
//! so by default the engine simulates a few representative pieces and combines them linearly:
//! - **layers**: decoder layers are identical, so a phase's time is `T(N) = T(1) + (N-1)·Δ`
//!   where Δ = (T(5) - T(1)) / 4 is the cost of one more layer in steady state; the phase is
//!   simulated with 1 and 5 layers (one layer's cost varies by a few percent with where refresh
//!   and queue state fall, so Δ is averaged over four layers);
//! - **vocabulary**: the LM head is one long stream of identical tiles, so its cost is linear in
//!   the vocabulary; the 1-layer phase is also simulated with a wider LM head;
//! - **decode steps**: steps differ only in their KV length, and their cost is linear in it; a
//!   few steps (always the first and the last) are simulated and the rest interpolated.
//!
//! Each sampled piece runs on a fresh engine (idle DRAM at time 0), so pieces are independent and
//! deterministic. MACs and DRAM bytes are never sampled: every phase is compiled in full and its
//! exact counts are used. The `resident` mapping is never layer-sampled, because which weights
//! stay resident depends on the whole model. `tests/sampling.rs` holds sampling against `exact`.

use super::figures::{Counts, PhaseFigures};
use super::{RunError, RunOptions};
use mappings::{CompileContext, MappingStrategy};
use reports::TraceEvent;
use sim::config::HardwareConfig;
use sim::engine::{Engine, EngineOptions, Fidelity};
use sim::program::{Program, TaskKind};
use workloads::{build_graph, decode_kv_lens, ModelCard, Phase, Workload};

/// Decode steps simulated when sampling (the rest are interpolated).
pub const SAMPLED_DECODE_STEPS: usize = 3;
/// LM-head rows simulated when sampling; the wider piece adds max(this, vocab / 4) rows.
pub const SAMPLED_VOCAB: u64 = 4096;
/// Layer counts of the two layer pieces.
pub const SAMPLED_LAYERS: (u32, u32) = (1, 5);

/// Which decode steps (indices into the step list) to simulate.
pub fn sampled_steps(steps: usize, exact: bool) -> Vec<usize> {
    if exact || steps <= SAMPLED_DECODE_STEPS {
        return (0..steps).collect();
    }
    let last = steps - 1;
    let n = SAMPLED_DECODE_STEPS;
    let mut out: Vec<usize> = (0..n).map(|i| (i * last + (n - 1) / 2) / (n - 1)).collect();
    out.dedup();
    out
}

/// Bursts a program moves: each DRAM task covers whole requests from floor(addr / req) to
/// ceil((addr + bytes) / req), as the engine issues them.
pub fn program_counts(p: &Program, request_bytes: u64) -> Counts {
    let req = request_bytes.max(1);
    let span = |addr: u64, bytes: u64| {
        if bytes == 0 {
            0
        } else {
            (addr.saturating_add(bytes).div_ceil(req) - addr / req) * req
        }
    };
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
                // The engine's own layer reuse stays off: this module samples (and is checked
                // against `exact`); the engine's reuse misjudged some DRAM-bound programs by
                // 20-40% (a 1-channel INT8 decode of smollm2-135m).
                exact: true,
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

    /// Timing and energy of one phase from 1- and 5-layer pieces (and a wider LM head).
    fn sampled_phase(&self, phase: Phase) -> Result<PhaseFigures, RunError> {
        let n = self.card.num_layers;
        let v = self.card.vocab_size;
        let v1 = v.min(SAMPLED_VOCAB);
        let v2 = v.min(v1 + SAMPLED_VOCAB.max(v / 4));
        let (k1, k2) = SAMPLED_LAYERS;
        let layer_sampling = n > k2 + 1 && self.strategy.name() != "resident";
        let mut none = Vec::new();
        if !layer_sampling && v <= v2 {
            let program = self.compile(self.card, phase)?;
            return self.execute(&mut self.engine(false)?, &program, &mut none);
        }
        let (layers_a, layers_b) = if layer_sampling { (k1, k2) } else { (n, n) };
        let piece = |layers: u32, vocab: u64| -> Result<PhaseFigures, RunError> {
            let program = self.compile(&truncated(self.card, layers, vocab), phase)?;
            self.execute(&mut self.engine(false)?, &program, &mut Vec::new())
        };
        let a = piece(layers_a, v1)?;
        let mut terms: Vec<(f64, PhaseFigures)> = vec![(1.0, a.clone())];
        if layer_sampling {
            let b = piece(layers_b, v1)?;
            let extra = f64::from(n - k1) / f64::from(k2 - k1);
            terms.push((extra, b));
            terms.push((-extra, a.clone()));
        }
        if v > v1 {
            let c = piece(layers_a, v2)?;
            let s = (v - v1) as f64 / (v2 - v1) as f64;
            terms.push((s, c));
            terms.push((-s, a));
        }
        let refs: Vec<(f64, &PhaseFigures)> = terms.iter().map(|(w, f)| (*w, f)).collect();
        Ok(PhaseFigures::linear(&refs))
    }
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

    let prefill_counts =
        program_counts(&runner.compile(card, prefill_phase)?, runner.request_bytes);
    let prefill = match traced.first() {
        Some(f) => f.clone(),
        None => runner.sampled_phase(prefill_phase)?,
    }
    .with_counts_of(&prefill_counts);

    let sampled = sampled_steps(kv_lens.len(), false);
    let mut simulated: Vec<(usize, PhaseFigures)> = Vec::with_capacity(sampled.len());
    for &i in &sampled {
        let fig = match (i, traced.get(1)) {
            (0, Some(f)) => f.clone(),
            _ => runner.sampled_phase(Phase::Decode { kv_len: kv_lens[i] })?,
        };
        simulated.push((i, fig));
    }
    let mut decode = Vec::with_capacity(kv_lens.len());
    for (i, &l) in kv_lens.iter().enumerate() {
        let counts = program_counts(
            &runner.compile(card, Phase::Decode { kv_len: l })?,
            runner.request_bytes,
        );
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
        decode.push(fig.with_counts_of(&counts));
    }
    Ok((prefill, decode, trace))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::program::{DataClass, Resource};

    #[test]
    fn sampling_keeps_first_and_last_and_is_sorted() {
        assert_eq!(sampled_steps(3, false), vec![0, 1, 2]);
        assert_eq!(sampled_steps(0, false), Vec::<usize>::new());
        let s = sampled_steps(127, false);
        assert_eq!(s.first(), Some(&0));
        assert_eq!(s.last(), Some(&126));
        assert_eq!(s.len(), SAMPLED_DECODE_STEPS);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sampled_steps(127, true).len(), 127);
    }

    #[test]
    fn burst_span_rounds_out_to_whole_requests() {
        let mut p = Program::new();
        let l = p.label("x");
        p.push(
            TaskKind::DramRead {
                addr: 10,
                bytes: 64,
                class: DataClass::Weights,
            },
            Resource::Dram,
            &[],
            l,
            None,
        );
        // Bytes 10..74 touch requests [0, 64) and [64, 128).
        let c = program_counts(&p, 64);
        assert_eq!((c.read_bytes, c.read_requested), (128, 64));
    }

    #[test]
    fn truncation_keeps_the_shape_and_drops_out_of_range_nope_layers() {
        let card = workloads::shipped("smollm3-3b").unwrap();
        let t = truncated(&card, 2, 4096);
        assert_eq!((t.num_layers, t.vocab_size), (2, 4096));
        assert_eq!(t.hidden_size, card.hidden_size);
        assert!(t.nope_layers.iter().all(|&l| l < 2));
    }
}
