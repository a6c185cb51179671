//! Energy on every standard by the one IDD method (`energy.rs`): per-command increments as
//! DRAMsim3 computes them (with each standard's burst length in cycles), background standby,
//! and power-down / self-refresh under an idle policy, on one DRAMsim3 file per standard.

use dram::{run_trace, DramSpec, EnergyIncrements, Protocol, TraceRequest};
use std::path::Path;

/// One DRAMsim3 configuration per standard (LPDDR5 has none; its presets are tested elsewhere).
const FILES: &[(&str, Protocol, u64)] = &[
    // (file, protocol, DRAMsim3's burst_cycle for the file's BL)
    ("DDR3_8Gb_x8_1600", Protocol::Ddr3, 4),
    ("DDR4_8Gb_x16_3200", Protocol::Ddr4, 4),
    ("lpddr_2Gb_x16", Protocol::Lpddr, 4),
    ("LPDDR3_8Gb_x32_1600", Protocol::Lpddr3, 4),
    ("LPDDR4_8Gb_x16_2400", Protocol::Lpddr4, 8),
    ("GDDR5_8Gb_x32", Protocol::Gddr5, 2),
    ("GDDR5X_8Gb_x32", Protocol::Gddr5x, 2),
    ("GDDR6_8Gb_x16", Protocol::Gddr6, 1),
    ("HBM_4Gb_x128", Protocol::Hbm, 2),
    ("HBM2_8Gb_x128", Protocol::Hbm, 2),
];

fn load(name: &str) -> DramSpec {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("validation/configs")
        .join(format!("{name}.ini"));
    DramSpec::from_ini_file(&p).unwrap()
}

/// Reads 3,000 cycles apart, so that ranks fall idle between them.
fn sparse(spec: &DramSpec, n: u64) -> Vec<TraceRequest> {
    (0..n)
        .map(|i| TraceRequest {
            addr: (i * 7919 * spec.request_bytes()) % (spec.channel_bytes() / 2),
            is_write: i % 4 == 3,
            cycle: i * 3000,
        })
        .collect()
}

#[test]
fn increments_follow_dramsim3_with_each_standards_burst() {
    for &(name, protocol, burst) in FILES {
        let spec = load(name);
        assert_eq!(spec.protocol, protocol, "{name}");
        assert_eq!(spec.burst_cycles(), burst, "{name}");
        let idd = spec.power.idd.clone().unwrap();
        let e = EnergyIncrements::new(&spec);
        let k = idd.vdd * spec.devices_per_rank() as f64 * spec.tck_ns();
        // DRAMsim3 configuration.cc: read_energy_inc = VDD·(IDD4R − IDD3N)·burst_cycle·devices
        // (V·mA·cycles; × tCK in ns gives pJ).
        let read = k * (idd.idd4r - idd.idd3n) * burst as f64;
        assert!((e.read_pj - read).abs() <= 1e-9 * read, "{name}");
        let t = &spec.timing;
        let act = k
            * (idd.idd0 * t.trc as f64 - idd.idd3n * t.tras as f64 - idd.idd2n * t.trp as f64)
                .max(0.0);
        assert!((e.act_pj - act).abs() <= 1e-9 * act.max(1.0), "{name}");
    }
}

#[test]
fn background_and_power_down_are_counted_on_every_standard() {
    for &(name, _, _) in FILES {
        let plain = load(name);
        let mut pd = plain.clone();
        pd.controller.power_down_after_cycles = Some(100);
        pd.controller.self_refresh_after_cycles = Some(2_500);
        pd.validate(name).unwrap();
        let trace = sparse(&plain, 40);
        let a = run_trace(&plain, &trace);
        let b = run_trace(&pd, &trace);
        // The idle policy changes energy only, not timing.
        assert_eq!(a.cycles, b.cycles, "{name}");
        assert_eq!(a.activates, b.activates, "{name}");
        for r in [&a, &b] {
            let sum: f64 = r.energy_breakdown_pj.values().sum();
            assert!((sum - r.energy_pj).abs() <= 1e-6 * r.energy_pj, "{name}");
            assert!(r.energy_breakdown_pj["background"] > 0.0, "{name}");
        }
        assert_eq!(a.background_breakdown_pj["power_down"], 0.0, "{name}");
        assert!(b.background_breakdown_pj["power_down"] > 0.0, "{name}");
        assert!(b.power_down_rank_cycles > 0, "{name}");
        // Power-down currents are below standby ones in every file: less background energy.
        assert!(
            b.energy_breakdown_pj["background"] < a.energy_breakdown_pj["background"],
            "{name}: {:?} vs {:?}",
            b.background_breakdown_pj,
            a.background_breakdown_pj
        );
    }
}
