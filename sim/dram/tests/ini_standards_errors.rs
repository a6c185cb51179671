//! Bad `.ini` input on the new standards: a timing that breaks its standard's constraints, a
//! missing required key, an unknown protocol, HMC; each error names the file, line and key.

use dram::ini::spec_from_ini_str;
use std::path::Path;

fn gddr6() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("validation/configs/GDDR6_8Gb_x16.ini");
    std::fs::read_to_string(p).unwrap()
}

fn err(text: &str) -> String {
    spec_from_ini_str(text, "g.ini", "g")
        .unwrap_err()
        .to_string()
}

/// 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn trc_below_tras_plus_trp_names_its_line() {
    // GDDR6 file: tRAS 54, tRP 24, so tRC must be ≥ 78.
    let text = gddr6().replace("tRAS = 54", "tRAS = 54\ntRC = 60");
    let e = err(&text);
    let line = line_of(&text, "tRC = 60");
    assert!(e.contains(&format!("g.ini:{line}")), "{e}");
    assert!(
        e.contains("timing.tRC") && e.contains("54 + 24 = 78"),
        "{e}"
    );
    // A consistent tRC is accepted (and noted: DRAMsim3 does not read it).
    let ok = gddr6().replace("tRAS = 54", "tRAS = 54\ntRC = 78");
    let spec = spec_from_ini_str(&ok, "g.ini", "g").unwrap();
    assert!(spec.not_modelled.iter().any(|n| n.contains("tRC")));
}

#[test]
fn act_to_read_longer_than_tras_names_trcdrd() {
    let text = gddr6().replace("tRCDRD = 24", "tRCDRD = 60");
    let e = err(&text);
    let line = line_of(&text, "tRCDRD = 60");
    assert!(e.contains(&format!("g.ini:{line}")), "{e}");
    assert!(e.contains("timing.trcdrd") && e.contains("tras"), "{e}");
}

#[test]
fn missing_required_key_and_unknown_protocol() {
    let text = gddr6().replace("tCK = 0.66", "");
    let e = err(&text);
    assert!(
        e.contains("g.ini") && e.contains("missing key `timing.tck`"),
        "{e}"
    );
    let text = gddr6().replace("protocol = GDDR6", "protocol = GDDR7");
    let e = err(&text);
    assert!(
        e.contains("g.ini:2") && e.contains("dram_structure.protocol"),
        "{e}"
    );
    assert!(
        e.contains("GDDR6") && e.contains("HBM2"),
        "lists what is allowed: {e}"
    );
}

#[test]
fn thermal_section_and_unread_keys_are_reported_not_silent() {
    let text = gddr6() + "\n[thermal]\namb_temp = 40\n";
    let spec = spec_from_ini_str(&text, "g.ini", "g").unwrap();
    let notes = spec.not_modelled.join("\n");
    assert!(
        notes.contains("[thermal]") && notes.contains("not modelled"),
        "{notes}"
    );
    assert!(
        notes.contains("tRTP_L") && notes.contains("not a key DRAMsim3 reads"),
        "{notes}"
    );
    // A typo is still an error, with a suggestion.
    let e = err(&gddr6().replace("t32AW = 420", "t32WA = 420"));
    assert!(e.contains("timing.t32WA") && e.contains("t32aw"), "{e}");
}

#[test]
fn standards_read_as_dramsim3_does() {
    let spec = spec_from_ini_str(&gddr6(), "g.ini", "g").unwrap();
    // bankgroup_enable = false: 16 banks in one group; GDDR columns × BL (128 × 16).
    assert_eq!(spec.organization.bankgroups, 1);
    assert_eq!(spec.organization.banks_per_group, 16);
    assert_eq!(spec.organization.columns, 2048);
    // BL16 in one clock; 128-bit bus: 256 bytes a request.
    assert_eq!(spec.burst_cycles(), 1);
    assert_eq!(spec.request_bytes(), 256);
    assert_eq!((spec.timing.trcd, spec.timing.trcd_wr), (24, 20));
    assert_eq!(spec.timing.t32aw, 420);
    assert!(!spec.controller.dual_command_bus);
    let hbm = Path::new(env!("CARGO_MANIFEST_DIR")).join("validation/configs/HBM2_8Gb_x128.ini");
    let hbm = dram::DramSpec::from_ini_file(&hbm).unwrap();
    assert!(hbm.controller.dual_command_bus);
    assert_eq!(hbm.organization.columns, 128);
    let ddr3 =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("validation/configs/DDR3_4Gb_x8_1600.ini");
    let ddr3 = dram::DramSpec::from_ini_file(&ddr3).unwrap();
    // `REFI = 6240` is not read by DRAMsim3, which refreshes at its default 7800.
    assert_eq!(ddr3.timing.trefi, 7800);
    assert!(ddr3
        .not_modelled
        .iter()
        .any(|n| n.contains("REFI") && n.contains("7800")));
}
