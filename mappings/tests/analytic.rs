//! The analytic fidelity: it conserves the same MACs and bytes as the Programs, respects the
//! physical bounds, follows each strategy's overlap semantics, and the roofline evaluation
//! matches a hand calculation.

use mappings::{
    analytic_phase, expected_phase_traffic, roofline_phase, strategy_by_name, strategy_names,
    Bound, CompileContext,
};
use sim::config::{HardwareConfig, HardwareKind, RooflineConfig};
use workloads::{build_graph, phase_macs, shipped, Phase};

fn preset() -> HardwareConfig {
    sim::config::preset("edgecim-65nm").expect("edgecim-65nm preset")
}

#[test]
fn analytic_conserves_macs_and_bytes_for_every_strategy() {
    let cfg = preset();
    for model in ["smollm2-135m", "qwen2.5-0.5b", "phi3.5-mini"] {
        let card = shipped(model).expect("card");
        for (phase, first) in [
            (Phase::Prefill { tokens: 7 }, true),
            (Phase::Decode { kv_len: 30 }, false),
        ] {
            let graph = build_graph(&card, phase, 2);
            let ctx = CompileContext::new(&cfg, &card, first);
            for name in strategy_names() {
                let s = strategy_by_name(name).expect("strategy");
                let a = analytic_phase(&graph, &ctx, s.as_ref()).expect("analytic");
                let t = expected_phase_traffic(&ctx, phase, 2, s.as_ref()).expect("traffic");
                assert_eq!(a.macs, phase_macs(&card, phase, 2), "{model} {name}");
                assert_eq!(a.dram_read_bytes, t.read_bytes(), "{model} {name}");
                assert_eq!(a.dram_write_bytes, t.write_bytes(), "{model} {name}");
                assert!(a.time_s.is_finite() && a.time_s > 0.0);
                assert!(a.energy_pj.values().all(|e| e.is_finite() && *e >= 0.0));
            }
        }
    }
}

#[test]
fn sequential_time_is_the_sum_of_all_work_and_pipelines_are_faster() {
    let cfg = preset();
    let card = shipped("qwen2.5-0.5b").expect("card");
    let graph = build_graph(&card, Phase::Decode { kv_len: 64 }, 1);
    let ctx = CompileContext::new(&cfg, &card, false);
    let run = |name: &str| {
        analytic_phase(&graph, &ctx, strategy_by_name(name).expect("s").as_ref()).expect("analytic")
    };
    let seq = run("sequential");
    let busy: f64 = seq.busy_s.values().sum();
    assert!(
        (seq.time_s - busy).abs() <= 1e-9 * busy,
        "{} vs {busy}",
        seq.time_s
    );
    for name in ["double-buffered", "balanced-pipeline"] {
        let p = run(name);
        assert!(
            p.time_s < seq.time_s,
            "{name}: {} >= sequential {}",
            p.time_s,
            seq.time_s
        );
        // A pipeline cannot beat its busiest resource.
        let max_busy = ["dram", "vector"]
            .iter()
            .map(|k| p.busy_s[*k])
            .fold(0.0, f64::max);
        assert!(p.time_s >= max_busy * (1.0 - 1e-9), "{name}");
    }
}

#[test]
fn decode_respects_bandwidth_and_compute_bounds() {
    let card = shipped("llama3.2-1b").expect("card");
    for (tiles, channels) in [(4, 4), (64, 1), (256, 8)] {
        let mut cfg = preset();
        cfg.chip.tiles = tiles;
        cfg.dram.channels = channels;
        let spec = cfg.dram_spec().expect("spec");
        let graph = build_graph(&card, Phase::Decode { kv_len: 100 }, 1);
        let ctx = CompileContext::new(&cfg, &card, false);
        for name in strategy_names() {
            let a = analytic_phase(&graph, &ctx, strategy_by_name(name).expect("s").as_ref())
                .expect("analytic");
            let bytes = (a.dram_read_bytes + a.dram_write_bytes) as f64;
            assert!(
                a.time_s >= bytes / (spec.peak_bandwidth_gbps() * 1e9),
                "{name}: faster than peak DRAM"
            );
            let peak = sim::components::peak_macs_per_s(&cfg, cfg.precision.activation_bits);
            assert!(
                a.time_s >= a.macs as f64 / peak / 2.0,
                "{name}: faster than peak compute"
            );
        }
    }
}

#[test]
fn more_dram_bandwidth_never_slows_the_pipeline() {
    let card = shipped("qwen3-0.6b").expect("card");
    let graph = build_graph(&card, Phase::Decode { kv_len: 50 }, 1);
    let mut prev = f64::INFINITY;
    for channels in [1, 2, 4, 8] {
        let mut cfg = preset();
        cfg.dram.channels = channels;
        let ctx = CompileContext::new(&cfg, &card, false);
        let a = analytic_phase(
            &graph,
            &ctx,
            strategy_by_name("balanced-pipeline").expect("s").as_ref(),
        )
        .expect("analytic");
        assert!(
            a.time_s <= prev * 1.001,
            "{channels} channels: {} > {prev}",
            a.time_s
        );
        prev = a.time_s;
    }
}

#[test]
fn roofline_by_hand() {
    let card = shipped("smollm2-135m").expect("card");
    let mut cfg = preset();
    cfg.kind = HardwareKind::Roofline;
    cfg.roofline = Some(RooflineConfig {
        bandwidth_gbps: 68.0,
        peak_tops: 40.0,
        power_w: 10.0,
        idle_power_w: 3.0,
        bandwidth_efficiency: 0.5,
        compute_efficiency: 0.25,
        area_mm2: 100.0,
    });
    let ctx = CompileContext::new(&cfg, &card, false);
    let graph = build_graph(&card, Phase::Decode { kv_len: 10 }, 1);
    let a = roofline_phase(&graph, &ctx).expect("roofline");
    // Bytes: all INT4 weights (linear + tied LM head) + one embedding row + KV (9 cached
    // positions read, 1 written, x 30 layers x K,V x 192 bytes).
    let weights = (u64::from(card.num_layers) * card.layer_linear_weights() + 49152 * 576) / 2;
    let read = weights + 288 + 30 * 2 * 9 * 192;
    let write = 30 * 2 * 192;
    assert_eq!((a.dram_read_bytes, a.dram_write_bytes), (read, write));
    let mem_s = (read + write) as f64 / (68e9 * 0.5);
    let compute_s = 2.0 * a.macs as f64 / (40e12 * 0.25);
    assert_eq!(a.bound, Bound::Dram);
    assert!((a.time_s - mem_s.max(compute_s)).abs() < 1e-15);
    assert!((a.energy_pj["device"] - 10.0 * a.time_s * 1e12).abs() < 1e-3);
    // Analytic on a roofline config delegates to the roofline.
    let b = analytic_phase(
        &graph,
        &ctx,
        strategy_by_name("resident").expect("s").as_ref(),
    )
    .expect("analytic");
    assert_eq!(a, b);
}
