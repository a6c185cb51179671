//! The cost model end to end: an on-chip hop narrower than the weight stream bounds decode and
//! the record says so; on-chip storage costs area; the clock's supply voltage sets the energy of
//! every on-chip operation. Small analytic and cycle runs of `cimsim::run::simulate`.

use cimsim::run::{simulate, RunFidelity, RunOptions};
use reports::RunRecord;

fn run(sets: &[&str], fidelity: RunFidelity) -> RunRecord {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let cfg = sim::config::load_config("edgecim-65nm", &sets).expect("valid configuration");
    let card = workloads::shipped("smollm2-135m").expect("shipped model");
    let opts = RunOptions {
        prompt_tokens: 8,
        generate_tokens: 3,
        fidelity,
        ..RunOptions::default()
    };
    simulate(&card, &cfg, "edgecim-65nm", &opts)
        .expect("runs")
        .record
}

#[test]
fn a_narrow_on_chip_hop_bounds_decode_and_is_named() {
    for fidelity in [RunFidelity::Analytic, RunFidelity::Cycle] {
        let base = run(&[], fidelity);
        assert_eq!(base.bound.as_deref(), Some("dram"), "{fidelity:?}");
        for hop in [
            "chip.interconnect.bandwidth_bytes_per_cycle=8",
            "chip.global_buffer.bandwidth_bytes_per_cycle=8",
            "chip.tile_buffer.bandwidth_bytes_per_cycle=2",
        ] {
            let narrow = run(&[hop], fidelity);
            assert_eq!(
                narrow.bound.as_deref(),
                Some("interconnect"),
                "{hop} {fidelity:?}"
            );
            // 8 B/cycle at 200 MHz is 1.6 GB/s against 102.4 GB/s of DRAM.
            assert!(
                narrow.decode_tokens_per_s.unwrap() * 10.0 < base.decode_tokens_per_s.unwrap(),
                "{hop} {fidelity:?}: {:?} vs {:?}",
                narrow.decode_tokens_per_s,
                base.decode_tokens_per_s
            );
        }
    }
}

#[test]
fn a_gigabyte_kv_buffer_costs_thousands_of_mm2() {
    let base = run(&[], RunFidelity::Analytic);
    let big = run(&["chip.kv_buffer_kib=1000000"], RunFidelity::Analytic);
    // ~1 GB of 65 nm SRAM at 0.01183 mm²/KiB: 11,830 mm² more, and its leakage.
    assert!(big.area_mm2 - base.area_mm2 > 10_000.0, "{}", big.area_mm2);
    assert!(big.chip_power_w > base.chip_power_w + 5.0);
}

#[test]
fn the_clock_sets_the_energy_of_every_mac_through_the_v_f_curve() {
    let at = |mhz: &str| run(&[&format!("clock.freq_mhz={mhz}")], RunFidelity::Analytic);
    let (slow, nominal, fast) = (at("100"), at("200"), at("400"));
    let mac = |r: &RunRecord| r.energy_breakdown_j["macro_compute"];
    // Same MACs at every clock; energy per MAC follows (V / V_200)²: 0.6 V (the floor) and
    // 1.0016 V against 0.6544 V.
    assert_eq!(slow.macs, fast.macs);
    let ratio_fast = mac(&fast) / mac(&nominal);
    let ratio_slow = mac(&slow) / mac(&nominal);
    assert!((ratio_fast - 2.342).abs() < 0.01, "{ratio_fast}");
    assert!((ratio_slow - 0.841).abs() < 0.005, "{ratio_slow}");
    // DRAM energy does not scale with the chip's voltage.
    let dram = |r: &RunRecord| r.energy_breakdown_j["dram_read_write"];
    assert!((dram(&fast) / dram(&nominal) - 1.0).abs() < 1e-9);
    // Past the curve's reach at 1.2 V the clock is refused.
    let sets = vec!["clock.freq_mhz=600".to_string()];
    let err = sim::config::load_config("edgecim-65nm", &sets).unwrap_err();
    assert!(err.to_string().contains("V-f curve"), "{err}");
}

/// A global buffer that holds one weight batch (128 KiB = 16 macros x 8 KiB on the default
/// design) serialises each read with the transfer that empties it; the analytic fidelity models
/// that (it assumed reads ran ahead, 57% optimistic on qwen3-0.6b). Two batches still leave the
/// analytic model ~30% optimistic: a known gap, stated in the README's fidelity section.
#[test]
fn a_one_batch_global_buffer_serialises_reads_in_both_fidelities() {
    let a = run(
        &["chip.global_buffer.capacity_kib=128"],
        RunFidelity::Analytic,
    );
    let c = run(&["chip.global_buffer.capacity_kib=128"], RunFidelity::Cycle);
    let base = run(&[], RunFidelity::Cycle);
    let (a, c) = (
        a.decode_tokens_per_s.unwrap(),
        c.decode_tokens_per_s.unwrap(),
    );
    assert!((a / c - 1.0).abs() < 0.10, "analytic {a} vs cycle {c}");
    assert!(c < 0.7 * base.decode_tokens_per_s.unwrap(), "{c}");
}
