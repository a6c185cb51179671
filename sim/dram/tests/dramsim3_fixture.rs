//! Agreement with DRAMsim3 on all 82 of its shipped non-HMC configurations
//! (`validation/configs/`, MIT licence in `LICENSE.DRAMsim3`) and three trace kinds
//! (`dram::validation`): the reference, `validation/dramsim3_reference.csv`, was produced by
//! `validation/run.sh`, which builds DRAMsim3 and runs both. Here cimsim is re-run: its cycles
//! must be the ones recorded (any change to the model shows up) and within 1% of DRAMsim3's.

use dram::{validation, DramSpec};
use std::path::Path;

const TOLERANCE_PCT: f64 = 1.0;

#[test]
fn every_dramsim3_configuration_within_one_percent() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("validation");
    let csv = std::fs::read_to_string(dir.join("dramsim3_reference.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (c_cfg, c_trace, c_cmp) = (col("config"), col("trace"), col("compared"));
    let (c_ds, c_ds_rd) = (col("dramsim3_cycles"), col("dramsim3_last_read"));
    let (c_cs, c_cs_rd) = (col("cimsim_cycles"), col("cimsim_last_read"));
    let (c_ds_hits, c_cs_hits) = (col("dramsim3_row_hits"), col("cimsim_row_hits"));
    let mut rows = 0;
    let mut worst = 0.0f64;
    let mut configs = std::collections::BTreeSet::new();
    let mut spec_cache: Option<(String, DramSpec)> = None;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let num = |i: usize| f[i].parse::<u64>().unwrap();
        let name = f[c_cfg].to_string();
        let spec = match &spec_cache {
            Some((n, s)) if *n == name => s.clone(),
            _ => {
                let path = dir.join("configs").join(format!("{name}.ini"));
                let s = DramSpec::from_ini_file(&path).unwrap();
                spec_cache = Some((name.clone(), s.clone()));
                s
            }
        };
        let trace = validation::trace(&spec, f[c_trace]).unwrap();
        let m = validation::measure(&spec, &trace);
        assert_eq!(
            (m.cycles, m.last_read),
            (num(c_cs), num(c_cs_rd)),
            "{name} {}: cimsim's cycles changed; rerun validation/run.sh",
            f[c_trace]
        );
        let err = match f[c_cmp] {
            "all" => validation::error_pct(m.cycles, num(c_ds)),
            "last_read" => validation::error_pct(m.last_read, num(c_ds_rd)),
            other => panic!("unknown comparison {other}"),
        };
        assert!(
            err.abs() <= TOLERANCE_PCT,
            "{name} {}: {err:.3}% off DRAMsim3",
            f[c_trace]
        );
        // Row hits are reported side by side; on these traces they agree closely.
        let (dh, ch) = (num(c_ds_hits) as f64, num(c_cs_hits) as f64);
        assert!(
            (dh - ch).abs() <= 0.02 * dh + 10.0,
            "{name}: row hits {ch} vs {dh}"
        );
        worst = worst.max(err.abs());
        configs.insert(name);
        rows += 1;
    }
    assert_eq!(configs.len(), 82);
    assert_eq!(rows, 82 * 3);
    eprintln!("worst completion-cycle error {worst:.3}% over {rows} runs");
}

#[test]
fn every_shipped_configuration_is_accepted_and_hmc_is_refused_clearly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("validation/configs");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "ini") {
            DramSpec::from_ini_file(&p).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert_eq!(n, 82);
    let hmc = "[dram_structure]\nprotocol = HMC\n[timing]\ntCK = 1\n";
    let e = dram::ini::spec_from_ini_str(hmc, "h.ini", "h")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("h.ini:2") && e.contains("HMC is out of scope"),
        "{e}"
    );
}
