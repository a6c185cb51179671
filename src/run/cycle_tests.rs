//! Tests of the sampled cycle runs: the step plan, burst accounting, truncation, the shifted
//! decode step and the affine per-step counts.

mod plan {
    use super::super::*;
    use sim::program::{DataClass, Resource};

    #[test]
    fn sampling_keeps_first_and_last_and_is_sorted() {
        assert_eq!(sampled_steps(2, false), vec![0, 1]);
        assert_eq!(sampled_steps(3, false), vec![0, 2]);
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

mod shift_tests {
    use super::super::*;
    use sim::config::preset;

    #[test]
    fn a_shifted_step_matches_a_fully_sampled_one_far_from_the_first() {
        let card = workloads::shipped("qwen3-0.6b").unwrap();
        let mut cfg = preset("edgecim-65nm").unwrap();
        cfg.cim_macro.weight_bits = 4;
        let strategy = mappings::strategy_by_name(mappings::DEFAULT_STRATEGY).unwrap();
        let runner = Runner {
            card: &card,
            cfg: &cfg,
            strategy: strategy.as_ref(),
            batch: 1,
            request_bytes: 64,
        };
        let plan = runner.plan();
        assert!(plan.layer_sampling);
        let (_, first) = runner
            .layer_terms(&plan, Phase::Decode { kv_len: 129 })
            .unwrap();
        let far = Phase::Decode { kv_len: 1151 };
        let shifted = combine(&runner.shifted_step(&plan, far, &first.unwrap()).unwrap());
        let full = combine(&runner.layer_terms(&plan, far).unwrap().0);
        let rel = |a: f64, b: f64| (a - b).abs() / b;
        assert!(
            rel(shifted.time_s, full.time_s) < 0.01,
            "{} vs {}",
            shifted.time_s,
            full.time_s
        );
        let e = |f: &PhaseFigures| f.energy_pj.values().sum::<f64>();
        assert!(rel(e(&shifted), e(&full)) < 0.01);
    }
}

mod step_count_tests {
    use super::super::*;
    use sim::config::preset;

    /// The affine per-step counts against compiling every step; `true` when the affine model
    /// was used (and so was checked here).
    fn agree(card: &ModelCard, config: &str, mapping: &str, batch: u64, prompt: u64) -> bool {
        let mut cfg = preset(config).unwrap();
        cfg.cim_macro.weight_bits = 4;
        let strategy = mappings::strategy_by_name(mapping).unwrap();
        let request_bytes = Engine::new(&cfg, EngineOptions::default())
            .unwrap()
            .dram_request_bytes();
        let runner = Runner {
            card,
            cfg: &cfg,
            strategy: strategy.as_ref(),
            batch,
            request_bytes,
        };
        let w = Workload {
            prompt_tokens: prompt,
            generate_tokens: 10,
            batch,
        };
        let lens: Vec<u64> = decode_kv_lens(&w).collect();
        let (fast, affine) = decode_step_counts_how(&runner, &lens).unwrap();
        for (l, c) in lens.iter().zip(&fast) {
            let program = runner.compile(card, Phase::Decode { kv_len: *l }).unwrap();
            assert_eq!(
                *c,
                program_counts(&program, request_bytes),
                "{} on {config}, {mapping}, batch {batch}, kv_len {l}",
                card.name
            );
        }
        affine
    }

    #[test]
    fn affine_step_counts_equal_full_compiles_on_every_shipped_model() {
        for name in workloads::shipped_names() {
            let card = workloads::shipped(name).unwrap();
            assert!(
                agree(&card, "edgecim-65nm", "balanced-pipeline", 1, 5),
                "{name}"
            );
        }
    }

    #[test]
    fn affine_step_counts_equal_full_compiles_across_mappings_and_batches() {
        let card = workloads::shipped("smollm2-135m").unwrap();
        for mapping in mappings::strategy_names() {
            for (config, batch) in [("edgecim-65nm", 2), ("cim-small-65nm", 1)] {
                agree(&card, config, mapping, batch, 3);
            }
        }
    }

    #[test]
    fn affine_step_counts_round_unaligned_kv_rows_to_bursts_exactly() {
        // 3 KV heads x 40 dims x 1 byte = 120-byte rows: a read of L rows covers
        // ceil(120 L / 64) bursts, not an affine function of L.
        let mut card = workloads::shipped("smollm2-135m").unwrap();
        card.head_dim = 40;
        assert!(agree(&card, "edgecim-65nm", "balanced-pipeline", 1, 7));
    }
}
