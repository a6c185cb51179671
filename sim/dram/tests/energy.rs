//! The IDD energy method of every preset: command, I/O, refresh and background terms, the
//! power-down and self-refresh idle policy, and what an idle stretch costs.

use dram::synthetic::{synthetic_trace, TraceKind, DEFAULT_SEED};
use dram::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn check_sums(r: &TraceReport) {
    let e = &r.stats.energy;
    let terms: f64 = e.terms().iter().map(|(_, v)| v).sum();
    assert!(close(terms, r.energy_pj), "{terms} vs {}", r.energy_pj);
    assert!(close(
        e.standby_pj + e.power_down_pj + e.self_refresh_pj,
        e.background_pj
    ));
}

#[test]
fn random_costs_more_than_sequential_on_every_preset() {
    for name in presets::names() {
        let spec = presets::get(name).unwrap();
        assert!(spec.power.energy_pj_per_bit.is_none(), "{name}");
        let seq = run_trace(
            &spec,
            &synthetic_trace(&spec, TraceKind::Sequential, 20_000, DEFAULT_SEED),
        );
        let rnd = run_trace(
            &spec,
            &synthetic_trace(&spec, TraceKind::Random, 20_000, DEFAULT_SEED),
        );
        check_sums(&seq);
        check_sums(&rnd);
        // Same bursts, so the same read and I/O energy; random opens a row per request.
        assert!(
            close(seq.stats.energy.read_pj, rnd.stats.energy.read_pj),
            "{name}"
        );
        assert!(
            close(seq.stats.energy.io_pj, rnd.stats.energy.io_pj),
            "{name}"
        );
        assert!(seq.stats.energy.io_pj > 0.0, "{name}: no I/O term");
        assert!(
            rnd.energy_pj > 1.2 * seq.energy_pj,
            "{name}: random {} vs sequential {}",
            rnd.energy_pj,
            seq.energy_pj
        );
        assert!(rnd.stats.energy.activate_pj > 10.0 * seq.stats.energy.activate_pj);
    }
}

/// `n` sequential reads at cycle 0, then `n` more at `gap`.
fn two_bursts(spec: &DramSpec, n: u64, gap: u64) -> Vec<TraceRequest> {
    let req = spec.request_bytes();
    (0..2 * n)
        .map(|i| TraceRequest {
            addr: i * req,
            is_write: false,
            cycle: if i < n { 0 } else { gap },
        })
        .collect()
}

#[test]
fn an_idle_stretch_costs_background_energy_and_sleeps() {
    for name in presets::names() {
        let spec = presets::get(name).unwrap();
        // 200 µs of idle time between two bursts of 1,000 reads.
        let gap = 200_000_000 / spec.tck_ps();
        let busy = run_trace(&spec, &two_bursts(&spec, 1000, 0));
        let idle = run_trace(&spec, &two_bursts(&spec, 1000, gap));
        check_sums(&idle);
        let (b, i) = (&busy.stats, &idle.stats);
        assert_eq!(b.read_commands, i.read_commands);
        assert!(
            i.energy.background_pj > b.energy.background_pj,
            "{name}: the gap costs no background energy"
        );
        assert!(idle.energy_pj > busy.energy_pj, "{name}");
        // Most of the gap is in self-refresh; the REF commands meanwhile are not charged.
        let ranks = u64::from(spec.ranks());
        assert!(i.self_refresh_rank_cycles > ranks * gap * 9 / 10, "{name}");
        assert!(i.precharge_power_down_rank_cycles + i.active_power_down_rank_cycles > 0);
        assert_eq!(i.self_refresh_exits, ranks, "{name}");
        assert!(i.self_refresh_refreshes > 0 && i.self_refresh_refreshes < i.refreshes);
        // Without the idle policy the same gap is spent in standby and costs much more.
        let mut awake = spec.clone();
        awake.controller.power_down_after_cycles = None;
        awake.controller.self_refresh_after_cycles = None;
        let standby = run_trace(&awake, &two_bursts(&awake, 1000, gap));
        assert_eq!(
            standby.cycles, idle.cycles,
            "{name}: the policy changed timing"
        );
        assert_eq!(standby.stats.self_refresh_rank_cycles, 0);
        // LPDDR self-refresh draws ~1 mA against ~30 mA of standby; DDR4's IDD6 (30 mA) is
        // close to its IDD2N (37 mA).
        let factor = if name.starts_with("lpddr") { 2.0 } else { 1.2 };
        assert!(
            standby.energy_pj > factor * idle.energy_pj,
            "{name}: {} vs {}",
            standby.energy_pj,
            idle.energy_pj
        );
    }
}

#[test]
fn idle_energy_by_hand() {
    // LPDDR5-6400, one rank, nothing requested: standby for the power-down threshold, then
    // power-down until the self-refresh threshold, then self-refresh; the REFs of the first
    // two stretches are charged, those in self-refresh are not.
    let spec = presets::get("lpddr5-6400").unwrap();
    let pd = spec.controller.power_down_after_cycles.unwrap();
    let sr = spec.controller.self_refresh_after_cycles.unwrap();
    assert_eq!((pd, sr), (80, 8000));
    let end = 100_000;
    let mut sys = DramSystem::new(&spec);
    sys.skip_to(end);
    let s = sys.stats().clone();
    assert_eq!(s.precharged_rank_cycles, end);
    assert_eq!(s.precharge_power_down_rank_cycles, sr - pd);
    assert_eq!(s.self_refresh_rank_cycles, end - sr);
    // One REF per tREFI = 3124 cycles: 2 before the self-refresh threshold.
    assert_eq!(s.refreshes - s.self_refresh_refreshes, 2);
    let e = EnergyIncrements::new(&spec);
    let expect = pd as f64 * e.precharge_standby_pj
        + (sr - pd) as f64 * e.precharge_power_down_pj
        + (end - sr) as f64 * e.self_refresh_pj
        + 2.0 * e.refresh_pj;
    assert!(close(s.energy_pj, expect), "{} vs {expect}", s.energy_pj);
    // A request now wakes the rank from self-refresh: one exit, tXS at standby.
    assert!(sys.try_enqueue(0, false, 0));
    assert_eq!(sys.stats().self_refresh_exits, 1);
    assert!(close(
        sys.stats().energy_pj - s.energy_pj,
        e.self_refresh_exit_pj
    ));
}

#[test]
fn io_is_its_own_term_and_lpddr4_totals_are_unchanged_by_the_split() {
    // LPDDR4-3200 read burst: core (278.682 − 33.682) mA and I/O 150 mA, both at 1.1 V, for
    // 8 cycles of 0.625 ns, 2 devices: the sum is what the folded IDD4R of 428.682 gave.
    let spec = presets::get("lpddr4-3200").unwrap();
    let e = EnergyIncrements::new(&spec);
    assert!(close(e.read_pj, 245.0 * 1.1 * 5.0 * 2.0));
    assert!(close(e.io_read_pj, 150.0 * 1.1 * 5.0 * 2.0));
    assert!(close(
        e.read_pj + e.io_read_pj,
        (428.682 - 33.682) * 1.1 * 5.0 * 2.0
    ));
    // LPDDR5: I/O per bit ≈ 0.67 pJ (VDDQ 0.5 V), a fifth of LPDDR4's 3.2.
    let lp5 = EnergyIncrements::new(&presets::get("lpddr5-6400").unwrap());
    let per_bit = lp5.io_read_pj / 512.0;
    assert!((0.6..0.75).contains(&per_bit), "{per_bit}");
}

#[test]
fn a_flat_override_still_charges_bits_times_figure() {
    let spec = presets::get("lpddr5-6400")
        .unwrap()
        .with_energy_pj_per_bit(5.0);
    let r = run_trace(
        &spec,
        &synthetic_trace(&spec, TraceKind::Random, 2_000, DEFAULT_SEED),
    );
    assert!(close(r.energy_pj, 2_000.0 * 64.0 * 8.0 * 5.0));
}
