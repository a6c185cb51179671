//! Loading, round-trip, override and rejection tests for the configuration.

use super::keys::{check_leaf, rule, RULES};
use super::*;
use proptest::prelude::*;

fn default_text() -> &'static str {
    preset_text(DEFAULT_PRESET).unwrap_or_default()
}

fn sets(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Leaf key paths of a TOML tree.
fn leaves(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
    for (k, v) in t {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) => leaves(&path, inner, out),
            _ => out.push(path),
        }
    }
}

fn tree_of(text: &str) -> toml::Table {
    text.parse().unwrap_or_default()
}

#[test]
fn every_preset_loads_validates_and_round_trips() {
    assert!(preset_names().len() >= 5);
    for name in preset_names() {
        let cfg = load_config(name, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&cfg.name, name);
        assert_eq!(preset(name).as_ref(), Some(&cfg));
        cfg.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        // The printed file loads back to the same configuration...
        let printed = cfg.to_toml_string();
        let back = parse_config(&printed, "printed", &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, cfg, "{name}");
        assert_eq!(
            back.to_toml_string(),
            printed,
            "{name}: printing is not stable"
        );
        // ...and the shipped file is complete: it spells out every key the printed file has.
        let shipped = preset_text(name).unwrap_or_default();
        assert_eq!(
            tree_of(shipped),
            tree_of(&printed),
            "{name}: shipped file is not complete"
        );
    }
}

#[test]
fn presets_cover_the_required_designs() {
    let kinds: Vec<(HardwareKind, String)> = preset_names()
        .iter()
        .filter_map(|n| preset(n))
        .map(|c| (c.kind, c.dram.preset.clone()))
        .collect();
    assert_eq!(kinds.len(), preset_names().len());
    let d = preset("edgecim-65nm").unwrap_or_else(|| panic!("default preset"));
    assert_eq!(
        (d.cim_macro.rows, d.cim_macro.cols, d.cim_macro.weight_bits),
        (256, 256, 4)
    );
    assert_eq!(d.clock.freq_mhz, 200.0);
    assert_eq!(
        (d.dram.preset.as_str(), d.dram.channels),
        ("lpddr5-6400", 4)
    );
    let orin = roofline_fixture();
    assert_eq!(orin.kind, HardwareKind::Roofline);
    assert_eq!(orin.roofline.as_ref().map(|r| r.bandwidth_gbps), Some(68.0));
    let analog = preset("cim-analog-65nm").unwrap_or_else(|| panic!("analog"));
    assert_eq!(analog.cim_macro.kind, MacroKind::Analog);
    assert!(analog.cim_macro.adc.is_some());
    assert!(kinds.iter().any(|(_, d)| d.starts_with("lpddr4")));
}

#[test]
fn key_paths_are_exactly_the_schema_leaves() {
    // A configuration with every optional part present.
    let mut full = preset("cim-analog-65nm").unwrap_or_else(|| panic!("analog"));
    full.roofline = roofline_fixture().roofline;
    full.dram.energy_pj_per_bit = Some(5.0);
    full.chip.global_buffer.area_mm2 = Some(1.0);
    full.chip.global_buffer.leakage_mw = Some(1.0);
    full.chip.tile_buffer.area_mm2 = Some(1.0);
    full.chip.tile_buffer.leakage_mw = Some(1.0);
    full.dram.device_density_gbit = Some(16);
    full.chip.attention_array = preset("edgecim-attn-65nm").and_then(|p| p.chip.attention_array);
    let mut got = Vec::new();
    leaves("", &tree_of(&full.to_toml_string()), &mut got);
    got.sort();
    assert_eq!(got, key_paths());
    let mut sorted = key_paths();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, key_paths(), "RULES must be sorted and unique");
    for required in [
        "clock.freq_mhz",
        "macro.rows",
        "macro.cols",
        "macro.weight_bits",
        "chip.tiles",
        "chip.macros_per_tile",
        "dram.preset",
        "dram.channels",
    ] {
        assert!(key_paths().iter().any(|k| k == required), "{required}");
    }
}

#[test]
fn set_overrides_nested_keys_of_every_type() {
    let cfg = load_config(
        DEFAULT_PRESET,
        &sets(&[
            "macro.rows=128",
            "clock.freq_mhz=250",
            "chip.global_buffer.capacity_kib=512",
            "chip.vector.rope_cycles_per_element=1.5",
            "macro.ping_pong=false",
            "dram.preset=lpddr4-3200",
            "dram.channels=2",
            "name=\"my-design\"",
            "dram.energy_pj_per_bit=8",
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.cim_macro.rows, 128);
    assert_eq!(cfg.clock.freq_mhz, 250.0);
    assert_eq!(cfg.chip.global_buffer.capacity_kib, 512);
    assert_eq!(cfg.chip.vector.rope_cycles_per_element, 1.5);
    assert!(!cfg.cim_macro.ping_pong);
    assert_eq!(cfg.dram.preset, "lpddr4-3200");
    assert_eq!(cfg.dram.channels, 2);
    assert_eq!(cfg.name, "my-design");
    assert_eq!(cfg.dram.energy_pj_per_bit, Some(8.0));
    // Later overrides win; the untouched keys keep the preset's values.
    let twice = load_config(DEFAULT_PRESET, &sets(&["chip.tiles=2", "chip.tiles=8"]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(twice.chip.tiles, 8);
    assert_eq!(twice.chip.macros_per_tile, 4);
}

#[test]
fn set_can_turn_a_digital_macro_analog() {
    let cfg = load_config(
        DEFAULT_PRESET,
        &sets(&[
            "macro.kind=analog",
            "macro.adc.bits=5",
            "macro.adc.reference_bits=5",
            "macro.adc.reference_bits=5",
            "macro.adc.columns_per_adc=4",
            "macro.adc.energy_pj_per_conversion=0.4",
            "macro.adc.area_mm2_per_adc=0.001",
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cfg.cim_macro.adc.as_ref().map(|a| a.columns_per_adc),
        Some(4)
    );
}

/// The error of loading the default preset with `overrides`.
fn set_error(overrides: &[&str]) -> ConfigError {
    match load_config(DEFAULT_PRESET, &sets(overrides)) {
        Ok(_) => panic!("{overrides:?} was accepted"),
        Err(e) => e,
    }
}

/// The error of parsing the default preset text with `from` replaced by `to`.
fn edit_error(from: &str, to: &str) -> ConfigError {
    let text = default_text();
    assert!(text.contains(from), "{from} not in the preset");
    match parse_config(&text.replacen(from, to, 1), "edited.toml", &[]) {
        Ok(_) => panic!("{to} was accepted"),
        Err(e) => e,
    }
}

#[test]
fn unknown_key_is_named_with_nearest_suggestion() {
    let e = edit_error("rows = 256", "rowz = 256");
    assert!(matches!(e, ConfigError::UnknownKey { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("edited.toml"), "{msg}");
    assert!(msg.contains("`macro.rowz`"), "{msg}");
    assert!(msg.contains("did you mean `macro.rows`"), "{msg}");
    let e = edit_error("[chip.vector]", "[chip.vectr]");
    assert!(e.to_string().contains("did you mean `chip.vector`"), "{e}");
}

#[test]
fn wrong_type_is_named() {
    let e = edit_error("rows = 256", "rows = \"256\"");
    assert!(matches!(e, ConfigError::WrongType { .. }), "{e}");
    assert_eq!(e.key(), Some("macro.rows"));
    assert!(
        e.to_string()
            .contains("expected an integer, found a string"),
        "{e}"
    );
    let e = edit_error("ping_pong = true", "ping_pong = 1");
    assert_eq!(e.key(), Some("macro.ping_pong"));
    let e = edit_error("[clock]", "clock = 3\n[clockx]");
    assert_eq!(e.key(), Some("clock"));
}

#[test]
fn out_of_range_values_name_key_and_range() {
    let e = edit_error("rows = 256", "rows = 4");
    assert!(matches!(e, ConfigError::OutOfRange { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("`macro.rows` = 4 is out of range: allowed 8..=4096"),
        "{e}"
    );
    let e = set_error(&["clock.freq_mhz=0"]);
    assert_eq!(e.key(), Some("clock.freq_mhz"));
    assert!(e.to_string().contains("(0, 5000]"), "{e}");
    let e = set_error(&["macro.energy_pj_per_mac=-0.1"]);
    assert_eq!(e.key(), Some("macro.energy_pj_per_mac"));
    let e = set_error(&["macro.energy_pj_per_mac=nan"]);
    assert_eq!(e.key(), Some("macro.energy_pj_per_mac"));
    let e = set_error(&["chip.tiles=-3"]);
    assert_eq!(e.key(), Some("chip.tiles"));
    let e = set_error(&["dram.channels=65"]);
    assert!(e.to_string().contains("1..=64"), "{e}");
    let e = set_error(&["kind=gpu"]);
    assert!(e.to_string().contains("\"cim\", \"roofline\""), "{e}");
}

#[test]
fn zero_tiles_rejected() {
    let e = set_error(&["chip.tiles=0"]);
    assert!(
        e.to_string()
            .contains("`chip.tiles` = 0 is out of range: allowed 1..=4096"),
        "{e}"
    );
    // A configuration built in code is held to the same rule.
    let mut cfg = preset(DEFAULT_PRESET).unwrap_or_else(|| panic!("default"));
    cfg.chip.tiles = 0;
    assert_eq!(
        cfg.validate().err().as_ref().and_then(|e| e.key()),
        Some("chip.tiles")
    );
}

#[test]
fn cols_must_be_divisible_by_weight_bits() {
    let e = set_error(&["macro.cols=250"]);
    assert_eq!(e.key(), Some("macro.cols"));
    assert!(
        e.to_string()
            .contains("a multiple of macro.weight_bits (4)"),
        "{e}"
    );
    let e = set_error(&["macro.weight_bits=3"]);
    assert_eq!(e.key(), Some("macro.cols"));
    assert!(load_config(DEFAULT_PRESET, &sets(&["macro.weight_bits=8"])).is_ok());
}

#[test]
fn unknown_dram_preset_rejected_with_list() {
    let e = set_error(&["dram.preset=lpddr5-640"]);
    assert_eq!(e.key(), Some("dram.preset"));
    let msg = e.to_string();
    assert!(msg.contains("lpddr4-3200"), "{msg}");
    assert!(msg.contains("did you mean `lpddr5-6400`"), "{msg}");
}

#[test]
fn missing_keys_and_sections_rejected() {
    let e = edit_error("weight_bits = 4\n", "");
    assert!(matches!(e, ConfigError::MissingKey { .. }), "{e}");
    assert_eq!(e.key(), Some("macro.weight_bits"));
    assert!(e.to_string().contains("1..=16"), "{e}");
    let e = set_error(&["macro.kind=analog"]);
    assert_eq!(e.key(), Some("macro.adc"));
    let e = set_error(&["kind=roofline"]);
    assert_eq!(e.key(), Some("roofline"));
}

#[test]
fn sections_of_the_other_kind_rejected() {
    let e = set_error(&["roofline.power_w=10"]);
    // The rest of the roofline table is missing first.
    assert!(e.key().is_some_and(|k| k.starts_with("roofline.")), "{e}");
    let e = set_error(&[
        "macro.adc.bits=5",
        "macro.adc.reference_bits=5",
        "macro.adc.columns_per_adc=4",
        "macro.adc.energy_pj_per_conversion=0.4",
        "macro.adc.area_mm2_per_adc=0.001",
    ]);
    assert!(e.to_string().contains("`macro.adc` is only allowed"), "{e}");
}

#[test]
fn bad_overrides_rejected() {
    let e = set_error(&["macro.rowz=3"]);
    assert!(matches!(e, ConfigError::UnknownOverrideKey { .. }), "{e}");
    assert!(e.to_string().contains("did you mean `macro.rows`"), "{e}");
    let e = set_error(&["macro=3"]);
    assert!(e.to_string().contains("it is a table"), "{e}");
    let e = set_error(&["macro.rows=abc"]);
    assert!(matches!(e, ConfigError::OverrideType { .. }), "{e}");
    assert!(e.to_string().contains("expects an integer"), "{e}");
    let e = set_error(&["macro.ping_pong=yes"]);
    assert_eq!(e.key(), Some("macro.ping_pong"));
    let e = set_error(&["macro.rows"]);
    assert!(matches!(e, ConfigError::BadOverride { .. }), "{e}");
}

#[test]
fn unknown_names_and_missing_files() {
    let e = load_config("edgecim-65", &[])
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert!(e.to_string().contains("did you mean `edgecim-65nm`"), "{e}");
    let e = load_config("/nonexistent/dir/x.toml", &[])
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert!(matches!(e, ConfigError::Io { .. }), "{e}");
    assert!(e.to_string().contains("/nonexistent/dir/x.toml"), "{e}");
    let e = parse_config("name = [", "broken.toml", &[])
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert!(matches!(e, ConfigError::Syntax { .. }), "{e}");
    assert!(e.to_string().contains("line 1"), "{e}");
}

#[test]
fn integer_for_float_key_is_stored_as_float() {
    let cfg = parse_config(
        &default_text().replace("freq_mhz = 200.0", "freq_mhz = 200"),
        "f",
        &[],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.clock.freq_mhz, 200.0);
    assert!(cfg.to_toml_string().contains("freq_mhz = 200.0"));
}

#[test]
fn every_rule_accepts_its_preset_value_and_rejects_a_wrong_type() {
    let tree = tree_of(default_text());
    let mut paths = Vec::new();
    leaves("", &tree, &mut paths);
    for path in paths {
        let r = rule(&path).unwrap_or_else(|| panic!("no rule for {path}"));
        let mut wrong = toml::Value::Array(vec![]);
        let e = check_leaf("t", &path, r, &mut wrong).err();
        assert_eq!(e.as_ref().and_then(|e| e.key()), Some(path.as_str()));
    }
    assert_eq!(RULES.len(), key_paths().len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn valid_overrides_round_trip(
        rows in 8u32..=4096,
        wb in prop::sample::select(vec![1u32, 2, 4, 8]),
        out in 1u32..=64,
        tiles in 1u32..=64,
        // Clocks the 65 nm V-f curve reaches (483 MHz at its 1.2 V ceiling).
        freq in 1.0f64..480.0,
        preset_idx in 0usize..4,
    ) {
        let name = preset_names()[preset_idx];
        let cols = wb * out * 8;
        let overrides = vec![
            format!("macro.rows={rows}"),
            format!("macro.weight_bits={wb}"),
            format!("macro.cols={}", cols.min(4096 / wb * wb)),
            format!("chip.tiles={tiles}"),
            format!("clock.freq_mhz={freq}"),
            "macro.write_bits_per_cycle=64".to_string(),
            "macro.adc.columns_per_adc=1".to_string(),
            format!("macro.kind={}", if name == "cim-analog-65nm" { "analog" } else { "digital" }),
        ];
        let overrides: Vec<String> = overrides
            .into_iter()
            .filter(|o| name == "cim-analog-65nm" || !o.starts_with("macro.adc"))
            .collect();
        let cfg = load_config(name, &overrides).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(cfg.clock.freq_mhz, freq);
        let back = parse_config(&cfg.to_toml_string(), "printed", &[])
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, cfg);
    }
}

#[test]
fn key_help_lists_ranges_and_optional_keys() {
    let help = key_help();
    assert_eq!(help.len(), key_paths().len());
    let find = |k: &str| help.iter().find(|(p, _)| p == k).map(|(_, h)| h.clone());
    assert_eq!(
        find("macro.rows").as_deref(),
        Some("an integer, allowed 8..=4096")
    );
    assert!(find("macro.adc.bits").is_some_and(|h| h.ends_with("(optional)")));
    assert!(find("chip.tiles").is_some_and(|h| !h.contains("optional")));
}

#[test]
fn dram_spec_resolves_preset_channels_and_energy() {
    let cfg = preset(DEFAULT_PRESET).unwrap_or_else(|| panic!("default"));
    let spec = cfg.dram_spec().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spec.channels(), 4);
    // LPDDR5-6400: 4 x 32 bit x 6400 MT/s / 8 = 102.4 GB/s.
    assert!(
        (spec.peak_bandwidth_gbps() - 102.4).abs() < 0.05,
        "{}",
        spec.peak_bandwidth_gbps()
    );
    let lp4 = load_config("cim-small-65nm", &[]).unwrap_or_else(|e| panic!("{e}"));
    // LPDDR4-3200: 2 x 32 bit x 3200 MT/s / 8 = 25.6 GB/s.
    let bw = lp4
        .dram_spec()
        .map(|s| s.peak_bandwidth_gbps())
        .unwrap_or_default();
    assert!((bw - 25.6).abs() < 0.05, "{bw}");
    let flat = load_config("edgecim-lpddr4", &sets(&["dram.energy_pj_per_bit=7.5"]))
        .and_then(|c| c.dram_spec())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(flat.idd_energy_pj_per_bit_estimate(), 7.5);
    // Capacity: 4 channels x 2 devices x 8 Gbit = 8 GiB; 16 Gbit devices double it.
    assert_eq!(spec.capacity_bytes(), 8 << 30);
    let dense = load_config(DEFAULT_PRESET, &sets(&["dram.device_density_gbit=16"]))
        .and_then(|c| c.dram_spec())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dense.capacity_bytes(), 16 << 30);
    assert_eq!(dense.timing, spec.timing);
    for bad in ["dram.device_density_gbit=12", "dram.device_density_gbit=0"] {
        let e = load_config(DEFAULT_PRESET, &sets(&[bad]))
            .err()
            .unwrap_or_else(|| panic!("{bad} accepted"));
        assert_eq!(e.key(), Some("dram.device_density_gbit"), "{e}");
    }
    let mut bad = cfg.clone();
    bad.dram.preset = "nope".into();
    assert_eq!(
        bad.dram_spec().err().as_ref().and_then(|e| e.key()),
        Some("dram.preset")
    );
    // Every preset's DRAM resolves.
    for name in preset_names() {
        let c = preset(name).unwrap_or_else(|| panic!("{name}"));
        assert!(c.dram_spec().is_ok(), "{name}");
    }
}

#[test]
fn cim_presets_write_weights_faster_than_dram_delivers_them() {
    // The presets' sizing claim: all macros together accept weights twice as fast as the DRAM
    // delivers them (macros x write_bits_per_cycle x f / 8 = 2 x DRAM peak), so decode is
    // DRAM-bound; edgecim-lpddr4 keeps the default chip on slower DRAM (3x headroom).
    for (name, ratio) in [
        ("edgecim-65nm", 2.0),
        ("cim-small-65nm", 2.0),
        ("cim-analog-65nm", 2.0),
        ("edgecim-lpddr4", 3.0),
    ] {
        let c = preset(name).unwrap_or_else(|| panic!("{name}"));
        let macros = f64::from(c.chip.tiles * c.chip.macros_per_tile);
        let write_gbps =
            macros * f64::from(c.cim_macro.write_bits_per_cycle) * c.clock.freq_mhz * 1e6 / 8e9;
        let dram_gbps = c
            .dram_spec()
            .map(|s| s.peak_bandwidth_gbps())
            .unwrap_or_default();
        assert!(
            (write_gbps / dram_gbps - ratio).abs() < 0.01,
            "{name}: {write_gbps} vs {dram_gbps}"
        );
    }
}

/// The roofline test fixture (the shipped baselines are devices now, `crate::device`).
fn roofline_fixture() -> HardwareConfig {
    parse_config(
        include_str!("../../tests/fixtures/roofline-device.toml"),
        "roofline-device.toml",
        &[],
    )
    .unwrap_or_else(|e| panic!("{e}"))
}
