//! Agreement with DRAMsim3 on its own LPDDR4 config and the two reference traces
//! (`../shared/reference/README.md`): completion cycles within 5%, row hits and ACTs close.

mod common;
use common::*;
use dram::{run_trace, DramSpec};

fn lpddr4_ini() -> DramSpec {
    DramSpec::from_ini_file(&fixture("LPDDR4_8Gb_x16_2400.ini")).unwrap()
}

#[test]
fn python_random_stream_matches_cpython() {
    // Values printed by CPython 3: random.seed(42); randrange(0, 2**30)//128*128, ×5, and
    // random.seed(7); randrange(0, 1000), ×5.
    assert_eq!(
        python_random(5, 42, 1 << 30, 128),
        vec![239081600, 53710080, 590620928, 525901184, 479341312]
    );
    assert_eq!(python_random(5, 7, 1000, 1), vec![331, 970, 154, 404, 666]);
    // random.seed(3); randrange(0, 2**40) ×3 (two 32-bit words per draw).
    assert_eq!(
        python_random(3, 3, 1 << 40, 1),
        vec![285805288266, 1041975902461, 1034389053353]
    );
}

fn within(actual: f64, reference: f64, tolerance: f64) -> bool {
    (actual - reference).abs() <= tolerance * reference
}

#[test]
fn sequential_reads_match_dramsim3() {
    let r = run_trace(&lpddr4_ini(), &sequential(100_000, 128, false));
    eprintln!("sequential: {r:?}");
    // DRAMsim3: 841,754 cycles, 98,437 row hits, 1,741 ACTs, 18.32 GB/s.
    assert!(
        within(r.cycles as f64, 841_754.0, 0.05),
        "cycles {}",
        r.cycles
    );
    assert!(
        within(r.row_hits as f64, 98_437.0, 0.01),
        "row hits {}",
        r.row_hits
    );
    assert!(
        within(r.activates as f64, 1_741.0, 0.15),
        "activates {}",
        r.activates
    );
    assert!(within(r.bandwidth_gbps, 18.32, 0.05));
}

#[test]
fn random_reads_match_dramsim3() {
    let addrs = python_random(100_000, 42, 1 << 30, 128);
    let r = run_trace(&lpddr4_ini(), &reads_at(&addrs));
    eprintln!("random: {r:?}");
    // DRAMsim3: 811,866 cycles, 57 row hits, 100,995 ACTs, 19.00 GB/s.
    assert!(
        within(r.cycles as f64, 811_866.0, 0.05),
        "cycles {}",
        r.cycles
    );
    assert!(r.row_hits < 500, "row hits {}", r.row_hits);
    assert!(
        within(r.activates as f64, 100_995.0, 0.02),
        "activates {}",
        r.activates
    );
}
