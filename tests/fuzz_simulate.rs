//! Fuzzing of the whole simulate path: random valid-looking configurations (any preset, random
//! `--set` overrides within and beyond each key's range), random models (shipped, and cards
//! with random shapes), workloads and mappings, run at analytic fidelity (plus a few cycle-level
//! cases). Every run either fails with a bad-input error, or succeeds with figures that are
//! finite, non-negative and consistent (MACs equal the model's count); an internal error or a
//! panic fails the test.
//!
//! `FUZZ_CASES=N` raises the case counts (see `fuzz_common`).

mod fuzz_common;

use cimsim::run::{simulate, RunError, RunFidelity, RunOptions};
use fuzz_common::{config, config_slow};
use proptest::prelude::*;
use workloads::ModelCard;

/// Overrides that keep a configuration plausible most of the time, with some out of range.
fn overrides() -> impl Strategy<Value = Vec<String>> {
    let one = prop_oneof![
        prop::sample::select(vec![1u32, 2, 4, 8, 16, 64, 4096, 0])
            .prop_map(|v| format!("chip.tiles={v}")),
        prop::sample::select(vec![1u32, 2, 4, 8, 32])
            .prop_map(|v| format!("chip.macros_per_tile={v}")),
        prop::sample::select(vec![8u32, 64, 128, 256, 512, 4096])
            .prop_map(|v| format!("macro.rows={v}")),
        prop::sample::select(vec![8u32, 64, 128, 256, 1024])
            .prop_map(|v| format!("macro.cols={v}")),
        prop::sample::select(vec![1u32, 2, 4, 8, 16])
            .prop_map(|v| format!("macro.input_bits_per_cycle={v}")),
        prop::sample::select(vec![1u32, 16, 64, 256, 4096, 65536])
            .prop_map(|v| format!("macro.write_bits_per_cycle={v}")),
        prop::sample::select(vec!["true", "false"]).prop_map(|v| format!("macro.ping_pong={v}")),
        (1.0f64..5000.0).prop_map(|v| format!("clock.freq_mhz={v}")),
        prop::sample::select(vec![
            "lpddr4-3200",
            "lpddr4x-4266",
            "lpddr5-6400",
            "ddr4-3200"
        ])
        .prop_map(|v| format!("dram.preset=\"{v}\"")),
        prop::sample::select(vec![1u32, 2, 4, 8, 64]).prop_map(|v| format!("dram.channels={v}")),
        prop::sample::select(vec![0u64, 1, 64, 1024, 1 << 20, 1 << 30])
            .prop_map(|v| format!("chip.resident_weight_kib={v}")),
        prop::sample::select(vec![0u64, 16, 4096, 1 << 20])
            .prop_map(|v| format!("chip.kv_buffer_kib={v}")),
        prop::sample::select(vec![1u64, 4, 256, 1 << 20])
            .prop_map(|v| format!("chip.global_buffer.capacity_kib={v}")),
        prop::sample::select(vec![1u32, 8, 32, 65536])
            .prop_map(|v| format!("chip.vector.lanes={v}")),
        prop::sample::select(vec![1u32, 4, 8, 16, 32])
            .prop_map(|v| format!("precision.kv_bits={v}")),
        prop::sample::select(vec![1u32, 4, 8, 16])
            .prop_map(|v| format!("precision.activation_bits={v}")),
        (0.0f64..1000.0).prop_map(|v| format!("macro.energy_pj_per_mac={v}")),
        prop::sample::select(vec!["nan", "inf", "-1", "0"])
            .prop_map(|v| format!("clock.freq_mhz={v}")),
    ];
    prop::collection::vec(one, 0..5)
}

/// A random but valid card: small shapes, so that runs stay fast.
fn random_card() -> impl Strategy<Value = ModelCard> {
    (
        (1u64..64).prop_map(|h| h * 32),
        (1u64..96).prop_map(|i| i * 32),
        1u32..8,
        prop::sample::select(vec![(1u32, 1u32), (2, 1), (4, 2), (8, 8), (16, 4)]),
        prop::sample::select(vec![16u64, 32, 64, 128]),
        1u64..50_000,
        any::<(bool, bool, bool, bool, bool)>(),
    )
        .prop_map(
            |(hidden, inter, layers, (heads, kv), head_dim, vocab, flags)| ModelCard {
                name: "fuzz-model".into(),
                hidden_size: hidden,
                intermediate_size: inter,
                num_layers: layers,
                num_attention_heads: heads,
                num_kv_heads: kv,
                head_dim,
                vocab_size: vocab,
                tie_word_embeddings: flags.0,
                qkv_bias: flags.1,
                qk_norm: flags.2,
                fused_qkv: flags.3,
                fused_gate_up: flags.4,
                nope_layers: if layers > 1 { vec![layers - 1] } else { vec![] },
                max_context: 8192,
                norm_eps: 1e-6,
                rope_theta: 10000.0,
                activation: "silu".into(),
                // The layer structure of a uniform dense decoder (no [layers], no mixer sections).
                ..workloads::shipped("smollm2-135m").expect("a shipped card")
            },
        )
}

fn model() -> impl Strategy<Value = ModelCard> {
    prop_oneof![
        2 => prop::sample::select(workloads::shipped_names().to_vec())
            .prop_map(|n| workloads::shipped(n).expect("shipped card")),
        1 => random_card(),
    ]
}

fn options(fidelity: RunFidelity) -> impl Strategy<Value = RunOptions> {
    (
        prop::sample::select(vec![1u64, 2, 17, 128, 1024, 4000]),
        prop::sample::select(vec![1u64, 2, 5, 64]),
        prop::sample::select(vec![1u64, 2, 3, 16, 256]),
        prop::sample::select(vec![4u32, 8]),
        prop::sample::select(mappings::strategy_names().to_vec()),
    )
        .prop_map(move |(prompt, generate, batch, bits, mapping)| RunOptions {
            prompt_tokens: prompt,
            generate_tokens: generate,
            batch,
            weight_bits: Some(bits),
            mapping: mapping.to_string(),
            fidelity,
            exact: false,
            record_timeline: false,
        })
}

fn check_run(
    card: &ModelCard,
    preset: &str,
    sets: &[String],
    opts: &RunOptions,
) -> Result<(), TestCaseError> {
    let cfg = match sim::config::load_config(preset, sets) {
        Ok(c) => c,
        Err(e) => {
            prop_assert!(e.to_string().contains("--set"), "{}", e);
            return Ok(());
        }
    };
    match simulate(card, &cfg, preset, opts) {
        Ok(out) => {
            let r = &out.record;
            let w = workloads::Workload {
                prompt_tokens: opts.prompt_tokens,
                generate_tokens: opts.generate_tokens,
                batch: opts.batch,
            };
            prop_assert_eq!(r.macs, workloads::workload_macs(card, &w));
            for (name, v) in r.flat_fields() {
                if let Ok(x) = v.parse::<f64>() {
                    prop_assert!(x.is_finite() && x >= 0.0, "{} = {}", name, v);
                }
            }
            // Energy over time is the reported power, for every run.
            prop_assert!(
                (r.power_w * r.simulated_s - r.energy_j).abs() <= 1e-9 * r.energy_j.max(1e-30),
                "power {} x time {} != energy {}",
                r.power_w,
                r.simulated_s,
                r.energy_j
            );
            // No decode step, no decode metrics.
            prop_assert_eq!(r.decode_tokens_per_s.is_some(), opts.generate_tokens > 1);
            for (k, v) in r.energy_breakdown_j.iter().chain(&r.time_breakdown_s) {
                prop_assert!(v.is_finite() && *v >= 0.0, "{} = {}", k, v);
            }
        }
        Err(RunError::BadInput(m)) => prop_assert!(!m.is_empty()),
        Err(RunError::Internal(m)) => {
            return Err(TestCaseError::fail(format!(
                "internal error on {} / {preset} {sets:?} {opts:?}: {m}",
                card.name
            )))
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn analytic_runs_succeed_or_fail_as_bad_input(
        card in model(),
        preset in prop::sample::select(sim::config::preset_names().to_vec()),
        sets in overrides(),
        opts in options(RunFidelity::Analytic),
    ) {
        check_run(&card, preset, &sets, &opts)?;
    }
}

proptest! {
    #![proptest_config(config_slow(6, 100))]

    #[test]
    fn cycle_runs_succeed_or_fail_as_bad_input(
        card in random_card(),
        preset in prop::sample::select(vec!["edgecim-65nm", "cim-small-65nm", "cim-analog-65nm"]),
        sets in overrides(),
        opts in options(RunFidelity::Cycle),
    ) {
        let opts = RunOptions {
            prompt_tokens: opts.prompt_tokens.min(64),
            generate_tokens: opts.generate_tokens.min(5),
            batch: opts.batch.min(4),
            ..opts
        };
        check_run(&card, preset, &sets, &opts)?;
    }
}
