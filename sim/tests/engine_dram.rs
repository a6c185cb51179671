//! The engine on a shipped preset with the cycle-level DRAM model: burst accounting, unloaded
//! latency, bandwidth bounds, energy bounds and DRAM state carried across programs.

use sim::components::{compute_cycles, static_power_mw};
use sim::config::{preset, HardwareConfig};
use sim::dram::DramSystem;
use sim::engine::{Engine, EngineOptions, Fidelity};
use sim::program::{DataClass, Program, Resource, TaskKind};

fn cfg() -> HardwareConfig {
    preset("edgecim-65nm").expect("shipped preset")
}

fn read(addr: u64, bytes: u64) -> TaskKind {
    TaskKind::DramRead {
        addr,
        bytes,
        class: DataClass::Weights,
    }
}

fn one_task(kind: TaskKind, resource: Resource) -> Program {
    let mut p = Program::new();
    let l = p.label("op");
    p.push(kind, resource, &[], l, None);
    p
}

/// Cycles from enqueueing one read at address 0 on a fresh model to its completion.
fn unloaded_read_cycles(cfg: &HardwareConfig) -> u64 {
    let spec = cfg.dram_spec().unwrap();
    let mut d = DramSystem::new(&spec);
    assert!(d.try_enqueue(0, false, 7));
    let mut done = Vec::new();
    while done.is_empty() {
        d.tick(&mut done);
        assert!(d.cycle() < 10_000, "no completion");
    }
    assert_eq!(done, vec![7]);
    d.cycle()
}

#[test]
fn one_burst_read_takes_the_unloaded_latency() {
    let cfg = cfg();
    let spec = cfg.dram_spec().unwrap();
    let mut e = Engine::new(&cfg, EngineOptions::default()).unwrap();
    let expected = unloaded_read_cycles(&cfg) * spec.tck_ps();
    assert_eq!(e.unloaded_dram_latency_ps(), expected);
    // A closed-bank read needs at least an activate-to-read delay plus the read latency.
    assert!(expected >= spec.read_latency() * spec.tck_ps());
    let s = e.run(&one_task(read(0, 1), Resource::Dram)).unwrap();
    assert_eq!(s.time_ps, expected);
    assert_eq!(s.dram_read_bursts, 1);
    assert_eq!(s.dram_activates, 1);
}

#[test]
fn reads_move_whole_bursts() {
    let cfg = cfg();
    let req = cfg.dram_spec().unwrap().request_bytes();
    let mut e = Engine::new(&cfg, EngineOptions::default()).unwrap();
    // From 3 to 3 + 10 * req: touches bursts 0..=10, i.e. 11 bursts.
    let s = e.run(&one_task(read(3, 10 * req), Resource::Dram)).unwrap();
    assert_eq!(s.dram_read_bytes, 10 * req);
    assert_eq!(s.dram_read_bursts, 11);
    assert_eq!(s.dram_read_burst_bytes, 11 * req);
    assert_eq!(s.dram_bytes_by_class["weights_read"], 10 * req);

    let mut p = Program::new();
    let l = p.label("kv");
    p.push(
        TaskKind::DramWrite {
            addr: 1 << 20,
            bytes: 100,
            class: DataClass::KvCache,
        },
        Resource::Dram,
        &[],
        l,
        None,
    );
    let s = e.run(&p).unwrap();
    assert_eq!(s.dram_write_bytes, 100);
    assert_eq!(s.dram_write_bursts, 100u64.div_ceil(req));
    assert_eq!(s.dram_bytes_by_class["kv_cache_write"], 100);
}

#[test]
fn streaming_stays_under_peak_bandwidth_and_energy_per_bit() {
    let mut cfg = cfg();
    cfg.dram.energy_pj_per_bit = Some(4.0);
    let spec = cfg.dram_spec().unwrap();
    let mut e = Engine::new(&cfg, EngineOptions::default()).unwrap();
    let bytes = 4 << 20;
    let mut p = Program::new();
    let l = p.label("w");
    // 64 chunks of 64 KiB, each followed by a macro write that waits for it.
    for i in 0..64u64 {
        let r = p.push(
            read(i * (bytes / 64), bytes / 64),
            Resource::Dram,
            &[],
            l,
            None,
        );
        p.push(
            TaskKind::MacroWrite {
                macros: 16,
                bits: bytes / 64 * 8,
            },
            Resource::MacroGroup((i % 2) as u32),
            &[r],
            l,
            None,
        );
    }
    let s = e.run(&p).unwrap();
    let min_ps = bytes as f64 * 1000.0 / spec.peak_bandwidth_gbps();
    assert!(
        s.time_ps as f64 >= min_ps,
        "{} ps beats the peak ({min_ps} ps)",
        s.time_ps
    );
    // Streaming sequential rows should get well over half the peak.
    assert!(
        (s.time_ps as f64) < 2.0 * min_ps,
        "{} ps vs peak {min_ps} ps",
        s.time_ps
    );
    assert_eq!(s.energy_pj["dram_read_write"], (bytes * 8) as f64 * 4.0);
    assert_eq!(s.energy_pj["dram_background"], 0.0);
    assert!(s.total_energy_pj() >= (bytes * 8) as f64 * 4.0);
    let leak = static_power_mw(&cfg) * s.time_ps as f64 * 1e-3;
    assert!((s.energy_pj["leakage"] - leak).abs() <= 1e-6 * leak);
    assert!(s.busy_ps["dram"] <= s.time_ps && s.busy_ps["dram"] > s.time_ps / 2);
    assert!(s.energy_pj.values().all(|v| v.is_finite() && *v >= 0.0));
}

/// DRAM energy of a phase: every `dram*` key.
fn dram_pj(m: &std::collections::BTreeMap<String, f64>) -> f64 {
    m.iter()
        .filter(|(k, _)| k.starts_with("dram"))
        .map(|(_, v)| v)
        .sum()
}

#[test]
fn idd_energy_grows_with_traffic_and_idle_time() {
    // Every DRAM preset has an IDD current model: LPDDR4 and the default LPDDR5.
    for (name, fidelity) in [
        ("edgecim-lpddr4", Fidelity::Cycle),
        ("edgecim-65nm", Fidelity::Cycle),
        ("edgecim-65nm", Fidelity::Analytic),
    ] {
        let cfg = preset(name).expect("shipped preset");
        let opts = EngineOptions {
            fidelity,
            ..EngineOptions::default()
        };
        let mut e = Engine::new(&cfg, opts).unwrap();
        let small = e.run(&one_task(read(0, 64), Resource::Dram)).unwrap();
        let big = e
            .run(&one_task(read(1 << 22, 1 << 20), Resource::Dram))
            .unwrap();
        for k in [
            "dram_act_pre",
            "dram_read_write",
            "dram_io",
            "dram_refresh",
            "dram_background",
        ] {
            assert!(big.energy_pj[k] > 0.0, "{name} {fidelity:?}: {k}");
        }
        assert!(!big.energy_pj.contains_key("dram"));
        assert!(dram_pj(&small.energy_pj) > 0.0);
        assert!(dram_pj(&big.energy_pj) > dram_pj(&small.energy_pj));
        // A long compute with the DRAM idle still costs DRAM background energy.
        let idle = e
            .run(&one_task(
                TaskKind::MacroCompute {
                    macros: 1,
                    tiles_per_macro: 1,
                    vectors: 100_000,
                    macs: 0,
                },
                Resource::MacroGroup(0),
            ))
            .unwrap();
        let m = &cfg.cim_macro;
        assert_eq!(
            idle.time_ps,
            compute_cycles(m, cfg.precision.activation_bits, 1, 100_000) * e.clock_period_ps()
        );
        assert!(
            idle.energy_pj["dram_background"] > 0.0,
            "{name} {fidelity:?}"
        );
        assert_eq!(idle.energy_pj["dram_read_write"], 0.0);
        let t = e.finish();
        assert_eq!(t.phases, 3);
        let sum: f64 = [&small, &big, &idle]
            .iter()
            .map(|p| dram_pj(&p.energy_pj))
            .sum();
        assert!((dram_pj(&t.energy_pj) - sum).abs() <= 1e-9 * sum);
    }
}

#[test]
fn dram_state_carries_across_programs() {
    // The same burst twice: the second program finds the row open (open-page policy) and needs
    // no activate, so it is no slower and counts a row hit.
    let cfg = cfg();
    let mut e = Engine::new(&cfg, EngineOptions::default()).unwrap();
    let p = one_task(read(0, 64), Resource::Dram);
    let a = e.run(&p).unwrap();
    let b = e.run(&p).unwrap();
    assert_eq!(b.start_ps, a.end_ps());
    assert_eq!(a.dram_activates, 1);
    assert_eq!(b.dram_activates, 0);
    assert_eq!(b.dram_row_hits, 1);
    assert!(b.time_ps < a.time_ps, "{} vs {}", b.time_ps, a.time_ps);
}

#[test]
fn analytic_and_cycle_agree_on_a_stream() {
    let cfg = cfg();
    let mut p = Program::new();
    let l = p.label("w");
    for i in 0..32u64 {
        p.push(read(i << 16, 1 << 16), Resource::Dram, &[], l, None);
    }
    let cycle = Engine::new(&cfg, EngineOptions::default())
        .unwrap()
        .run(&p)
        .unwrap();
    let opts = EngineOptions {
        fidelity: Fidelity::Analytic,
        ..EngineOptions::default()
    };
    let analytic = Engine::new(&cfg, opts).unwrap().run(&p).unwrap();
    assert_eq!(analytic.dram_read_bursts, cycle.dram_read_bursts);
    // Analytic streams at peak, so it is a lower bound up to the DRAM's streaming efficiency.
    assert!(analytic.time_ps <= cycle.time_ps);
    assert!(
        analytic.time_ps as f64 >= 0.5 * cycle.time_ps as f64,
        "analytic {} vs cycle {}",
        analytic.time_ps,
        cycle.time_ps
    );
}

#[test]
fn results_are_deterministic_and_timeline_is_complete() {
    let cfg = cfg();
    let opts = EngineOptions {
        record_timeline: true,
        ..EngineOptions::default()
    };
    let mut p = Program::new();
    let l = p.label("layer0.q_proj");
    let mut prev = None;
    for i in 0..20u64 {
        let r = p.push(read(i * 8192, 8192), Resource::Dram, &[], l, Some(0));
        let w = p.push(
            TaskKind::MacroWrite {
                macros: 4,
                bits: 8192 * 8,
            },
            Resource::MacroGroup((i % 4) as u32),
            &[r],
            l,
            Some(0),
        );
        let c = p.push(
            TaskKind::MacroCompute {
                macros: 4,
                tiles_per_macro: 1,
                vectors: 1,
                macs: 16384,
            },
            Resource::MacroGroup((i % 4) as u32),
            &[w],
            l,
            Some(0),
        );
        let deps: Vec<u32> = prev.into_iter().chain([c]).collect();
        prev = Some(p.push(
            TaskKind::Vector {
                op: sim::program::VectorOp::Add,
                elements: 64,
                macs: 0,
            },
            Resource::Vector,
            &deps,
            l,
            Some(0),
        ));
    }
    let a = Engine::new(&cfg, opts).unwrap().run(&p).unwrap();
    let b = Engine::new(&cfg, opts).unwrap().run(&p).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.macs, p.macs());
    assert_eq!(a.timeline.len(), p.tasks.len());
    assert!(a.timeline.iter().all(|e| e.end_ps <= a.end_ps()));
    assert_eq!(a.timeline[0].label_name(&p), "layer0.q_proj");
    assert!(a.macro_utilization > 0.0 && a.macro_utilization <= 1.0);
}
