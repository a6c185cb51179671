//! Scale limits checked before a run starts, so that an input too large to simulate is refused
//! with a message saying how large it is and what to do, instead of wrapping a 64-bit counter,
//! exhausting memory or running for hours.
//!
//! - **Counts**: MACs and DRAM bytes of a run are `u64`; a run whose MACs would come near 2^64
//!   (a 14B-parameter model at 128k context with a large batch) is refused, at any fidelity.
//! - **Decode steps**: every fidelity visits each decode step (analytic: one closed-form phase
//!   per step), so `--generate` is bounded.
//! - **Program size**: a compiled phase has at least one task per prompt token and sequence (the
//!   embedding row reads), so prompt × batch is bounded wherever Programs are compiled.
//! - **Cycle cost**: the cycle fidelity steps the DRAM through every request and every refresh,
//!   so its cost grows with DRAM traffic and with simulated time. The cost is estimated from the
//!   analytic fidelity (the same hardware numbers, microseconds to evaluate) for the phases the
//!   cycle run simulates, and a run over the budget is refused with a pointer to
//!   `--fidelity analytic`.
//! - **DRAM capacity**: the model's weights (at the run's weight precision) and the KV cache of
//!   the whole run (batch × (prompt + generate) tokens at `precision.kv_bits`) must fit the
//!   configuration's DRAM (channels × ranks × devices × device density); a roofline device's
//!   memory is not modelled and not checked.

use super::RunError;
use mappings::{analytic_phase, CompileContext, MappingStrategy};
use sim::config::HardwareConfig;
use workloads::{build_graph, workload_macs, ModelCard, Phase, Workload};

/// Largest MAC count of a whole run. Keeps every per-run count (MACs, DRAM bytes, which are at
/// most a small multiple of MACs plus the weights) far below 2^64.
pub const MAX_RUN_MACS: u64 = 1 << 60;

/// Most generated tokens per run (decode steps are evaluated one by one).
pub const MAX_GENERATE_TOKENS: u64 = 1 << 20;

/// Most prompt tokens × batch in one compiled Program (at least one task each).
pub const MAX_PROGRAM_TOKEN_ROWS: u64 = 1 << 22;

/// Budget of the cycle fidelity, in DRAM events: refreshes plus 4 per request (a request costs
/// about four refreshes of engine time: ~3M requests or ~11M refreshes per second of one core),
/// which is about half an hour of one core.
pub const MAX_CYCLE_EVENTS: f64 = 2.0e10;

/// Decode steps a sampled cycle run simulates (the others are interpolated).
const SAMPLED_STEPS: u64 = super::SAMPLED_DECODE_STEPS as u64;

/// Checks the counts of a run (any fidelity) against the 64-bit limits.
pub fn check_run_scale(card: &ModelCard, w: &Workload) -> Result<(), RunError> {
    if w.generate_tokens > MAX_GENERATE_TOKENS {
        return Err(RunError::BadInput(format!(
            "--generate {} is too many tokens for one run; allowed 1..={MAX_GENERATE_TOKENS}",
            w.generate_tokens
        )));
    }
    let macs = workload_macs(card, w);
    if macs > MAX_RUN_MACS {
        return Err(RunError::BadInput(format!(
            "model `{}` at prompt {}, generate {}, batch {} is {} MACs, beyond the 64-bit counters \
             of a run (allowed up to {max:.2e} MACs); use a smaller --prompt, --generate or --batch",
            card.name,
            w.prompt_tokens,
            w.generate_tokens,
            w.batch,
            if macs == u64::MAX {
                "more than 1.8e19".to_string()
            } else {
                format!("{macs:.3e}", macs = macs as f64)
            },
            max = MAX_RUN_MACS as f64
        )));
    }
    Ok(())
}

/// Bytes in GiB with one decimal.
fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// Weight bytes of `card` at `weight_bits` (4 or 8) and KV-cache bytes of the whole run at
/// `kv_bits`, from the workloads' analytic counts.
pub fn dram_footprint(
    card: &ModelCard,
    w: &Workload,
    weight_bits: u32,
    kv_bits: u32,
) -> (u64, u64) {
    let c = card.counts();
    let weights = if weight_bits <= 4 {
        c.weight_bytes_int4
    } else {
        c.weight_bytes_int8
    };
    let tokens = w
        .batch
        .saturating_mul(w.prompt_tokens.saturating_add(w.generate_tokens));
    let kv = tokens
        .saturating_mul(c.kv_bytes_per_token)
        .saturating_mul(u64::from(kv_bits))
        / 8;
    (weights, kv)
}

/// Checks that the model's weights plus the run's KV cache fit the configuration's DRAM.
pub fn check_dram_capacity(
    card: &ModelCard,
    cfg: &HardwareConfig,
    w: &Workload,
    weight_bits: u32,
) -> Result<(), RunError> {
    if cfg.kind == sim::config::HardwareKind::Roofline {
        return Ok(());
    }
    let spec = cfg
        .dram_spec()
        .map_err(|e| RunError::BadInput(e.to_string()))?;
    let (weights, kv) = dram_footprint(card, w, weight_bits, cfg.precision.kv_bits);
    let need = weights.saturating_add(kv);
    let have = spec.capacity_bytes();
    if need > have {
        return Err(RunError::BadInput(format!(
            "the model needs {} of weights (int{weight_bits}) + {} of KV cache (batch {} x {} \
             tokens) = {}, but the DRAM of {} holds {} ({} of {}); add channels or a denser \
             device (dram.channels, dram.device_density_gbit)",
            gib(weights),
            gib(kv),
            w.batch,
            w.prompt_tokens.saturating_add(w.generate_tokens),
            gib(need),
            cfg.name,
            gib(have),
            spec.capacity_description(),
            spec.name,
        )));
    }
    Ok(())
}

/// Checks that the Programs of a run can be built: prompt × batch token rows per phase.
pub fn check_program_size(prompt_tokens: u64, batch: u64) -> Result<(), String> {
    let rows = prompt_tokens.saturating_mul(batch);
    if rows > MAX_PROGRAM_TOKEN_ROWS {
        return Err(format!(
            "prompt {prompt_tokens} x batch {batch} = {rows} token rows is too large to compile \
             into one Program (allowed up to {MAX_PROGRAM_TOKEN_ROWS}); use a smaller --prompt or \
             --batch"
        ));
    }
    Ok(())
}

/// Estimates the cycle fidelity's cost from the analytic model and refuses a run over
/// [`MAX_CYCLE_EVENTS`]. The estimate is conservative: it counts whole phases even where the
/// cycle run simulates only a few layers of them.
pub fn check_cycle_cost(
    card: &ModelCard,
    cfg: &HardwareConfig,
    w: &Workload,
    strategy: &dyn MappingStrategy,
    exact: bool,
) -> Result<(), RunError> {
    check_program_size(w.prompt_tokens, w.batch).map_err(|m| {
        RunError::BadInput(format!(
            "{m}, or `--fidelity analytic`, which does not build Programs"
        ))
    })?;
    let spec = cfg
        .dram_spec()
        .map_err(|e| RunError::BadInput(e.to_string()))?;
    let refresh_interval_s = spec.timing.trefi as f64 * spec.timing.tck_ps as f64 * 1e-12;
    let ranks = f64::from(spec.organization.channels) * f64::from(spec.organization.ranks);
    let refreshes_per_s = if refresh_interval_s > 0.0 {
        ranks / refresh_interval_s
    } else {
        0.0
    };
    let request_bytes = spec.request_bytes().max(1) as f64;
    let events = |phase: Phase, first: bool| -> Result<f64, RunError> {
        let graph = build_graph(card, phase, w.batch);
        let ctx = CompileContext::new(cfg, card, first);
        let a = analytic_phase(&graph, &ctx, strategy)
            .map_err(|e| RunError::BadInput(e.to_string()))?;
        let requests = (a.dram_read_bytes as f64 + a.dram_write_bytes as f64) / request_bytes;
        Ok(a.time_s.max(0.0) * refreshes_per_s + 4.0 * requests)
    };
    let prefill = events(
        Phase::Prefill {
            tokens: w.prompt_tokens,
        },
        true,
    )?;
    let steps = w.generate_tokens.saturating_sub(1);
    let simulated_steps = if exact {
        steps
    } else {
        steps.min(SAMPLED_STEPS)
    };
    let decode = if simulated_steps == 0 {
        0.0
    } else {
        // The last step attends to the most positions: the costliest, an upper bound per step.
        let last = Phase::Decode {
            kv_len: w.prompt_tokens.saturating_add(steps),
        };
        events(last, false)? * simulated_steps as f64
    };
    let total = prefill + decode;
    // NaN (it cannot arise from finite figures) counts as over the budget.
    if total.is_nan() || total > MAX_CYCLE_EVENTS {
        return Err(RunError::BadInput(format!(
            "this run is too large for the cycle fidelity: about {total:.1e} DRAM events \
             (prefill {prefill:.1e}, decode {decode:.1e}; allowed up to {MAX_CYCLE_EVENTS:.0e}, \
             about half an hour); use `--fidelity analytic`, or a smaller --prompt, --generate \
             or --batch{}",
            if exact { ", or drop --exact" } else { "" }
        )));
    }
    Ok(())
}
