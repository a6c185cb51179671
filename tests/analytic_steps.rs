//! Step sampling of the `analytic` fidelity (`src/run/analytic_steps.rs`) against evaluating
//! every decode step (`--exact`), and the property its error bound rests on: every figure of a
//! decode step is non-decreasing in the KV length.

use cimsim::run::{simulate, RunFidelity, RunOptions, ANALYTIC_STEP_TOLERANCE};
use mappings::{analytic_phase, strategy_by_name, strategy_names, CompileContext};
use proptest::prelude::*;
use reports::RunRecord;
use sim::config::{preset, preset_names, HardwareConfig};
use workloads::{build_graph, shipped, shipped_names, ModelCard, Phase};

fn run(card: &ModelCard, cfg: &HardwareConfig, opts: &RunOptions) -> RunRecord {
    simulate(card, cfg, &cfg.name, opts)
        .unwrap_or_else(|e| panic!("{} on {}: {e}", card.name, cfg.name))
        .record
}

/// `|a - b| <= tol * scale`, with a little room for the summation order.
fn close(what: &str, a: f64, b: f64, scale: f64) {
    let slack = ANALYTIC_STEP_TOLERANCE * scale + 1e-9 * scale.abs() + 1e-15;
    assert!(
        (a - b).abs() <= slack,
        "{what}: sampled {a} vs exact {b} (allowed {slack})"
    );
}

fn case() -> impl Strategy<Value = (usize, usize, usize, u64, u64, u32)> {
    (
        0..shipped_names().len(),
        0..preset_names().len(),
        0..strategy_names().len(),
        1u64..700,
        2u64..260,
        prop_oneof![Just(4u32), Just(8u32)],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Sampled and exact agree within the stated bound on every decode figure; counts and the
    /// prefill are identical.
    #[test]
    fn sampled_steps_agree_with_every_step((m, c, s, prompt, generate, bits) in case()) {
        let card = shipped(shipped_names()[m]).unwrap();
        let cfg = preset(preset_names()[c]).unwrap();
        prop_assume!(prompt + generate <= card.max_context);
        let opts = RunOptions {
            prompt_tokens: prompt,
            generate_tokens: generate,
            weight_bits: Some(bits),
            mapping: strategy_names()[s].to_string(),
            fidelity: RunFidelity::Analytic,
            ..RunOptions::default()
        };
        let Ok(fast) = simulate(&card, &cfg, &cfg.name, &opts) else {
            // A mapping that cannot hold this model fails the same way either way.
            let exact = RunOptions { exact: true, ..opts };
            prop_assert!(simulate(&card, &cfg, &cfg.name, &exact).is_err());
            return Ok(());
        };
        let fast = fast.record;
        let exact = run(&card, &cfg, &RunOptions { exact: true, ..opts });
        prop_assert_eq!(fast.macs, exact.macs);
        prop_assert_eq!(fast.dram_read_bytes, exact.dram_read_bytes);
        prop_assert_eq!(fast.dram_write_bytes, exact.dram_write_bytes);
        prop_assert_eq!(fast.decode_dram_read_bytes, exact.decode_dram_read_bytes);
        prop_assert_eq!(fast.ttft_s, exact.ttft_s);
        let decode_s = exact.decode_s_per_token.unwrap() * (generate - 1) as f64;
        close("decode s/token", fast.decode_s_per_token.unwrap(), exact.decode_s_per_token.unwrap(),
              exact.decode_s_per_token.unwrap());
        close("simulated s", fast.simulated_s, exact.simulated_s, decode_s);
        for (k, v) in &exact.time_breakdown_s {
            close(k, fast.time_breakdown_s[k], *v, decode_s);
        }
        close("energy J", fast.energy_j, exact.energy_j, exact.energy_j);
        for (k, v) in &exact.energy_breakdown_j {
            close(k, fast.energy_breakdown_j[k], *v, exact.energy_j);
        }
    }

    /// What the bound rests on: a decode step's time, busy and energy figures never decrease
    /// as the KV length grows.
    #[test]
    fn decode_figures_grow_with_the_kv_length(
        (m, c, s, prompt, _generate, bits) in case(),
        stride in 1u64..64,
    ) {
        let card = shipped(shipped_names()[m]).unwrap();
        let mut cfg = preset(preset_names()[c]).unwrap();
        cfg.cim_macro.weight_bits = bits;
        let strategy = strategy_by_name(strategy_names()[s]).unwrap();
        let ctx = CompileContext::new(&cfg, &card, false);
        let mut last: Option<mappings::AnalyticPhase> = None;
        let mut kv_len = prompt;
        for _ in 0..8 {
            prop_assume!(kv_len < card.max_context);
            let graph = build_graph(&card, Phase::Decode { kv_len }, 1);
            let Ok(a) = analytic_phase(&graph, &ctx, strategy.as_ref()) else {
                return Ok(());
            };
            if let Some(l) = &last {
                let grows = |x: f64, y: f64| y >= x - 1e-12 * x.abs();
                prop_assert!(grows(l.time_s, a.time_s), "time at {kv_len}: {} < {}",
                             a.time_s, l.time_s);
                for (k, v) in &a.busy_s {
                    prop_assert!(grows(l.busy_s[k], *v), "busy {k} at {kv_len}");
                }
                for (k, v) in &a.energy_pj {
                    prop_assert!(grows(l.energy_pj[k], *v), "energy {k} at {kv_len}");
                }
            }
            last = Some(a);
            kv_len += stride;
        }
    }
}

/// The point of sampling: a long decode needs far fewer evaluations than steps, and the
/// result still matches every step within the bound.
#[test]
fn a_long_decode_is_sampled_within_the_bound() {
    let card = shipped("qwen3-0.6b").unwrap();
    let cfg = preset("edgecim-65nm").unwrap();
    let opts = RunOptions {
        prompt_tokens: 128,
        generate_tokens: 1024,
        fidelity: RunFidelity::Analytic,
        ..RunOptions::default()
    };
    let out = simulate(&card, &cfg, &cfg.name, &opts).unwrap();
    assert!(
        out.decode_steps_evaluated * 5 < 1023,
        "{} of 1023 steps evaluated",
        out.decode_steps_evaluated
    );
    let fast = out.record;
    let exact = simulate(
        &card,
        &cfg,
        &cfg.name,
        &RunOptions {
            exact: true,
            ..opts
        },
    )
    .unwrap();
    assert_eq!(exact.decode_steps_evaluated, 1023);
    let exact = exact.record;
    assert_eq!(fast.macs, exact.macs);
    close(
        "decode s/token",
        fast.decode_s_per_token.unwrap(),
        exact.decode_s_per_token.unwrap(),
        exact.decode_s_per_token.unwrap(),
    );
    close("energy J", fast.energy_j, exact.energy_j, exact.energy_j);
}
