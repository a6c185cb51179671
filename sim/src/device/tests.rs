use super::*;

fn load(name: &str, sets: &[&str]) -> Result<DeviceConfig, DeviceError> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    load_device(name, &sets)
}

#[test]
fn presets_parse_and_round_trip() {
    for name in device_preset_names() {
        let cfg = load(name, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(cfg.name, name);
        let again = parse_device(&cfg.to_toml_string(), "again", &[]).unwrap();
        assert_eq!(again, cfg, "{name}");
        assert!(is_device(name));
    }
}

#[test]
fn power_mode_is_selectable_and_checked() {
    let cfg = load("orin-nano-super", &["power_mode=25w"]).unwrap();
    assert_eq!(cfg.clock_mhz(), 820.0);
    let e = load("orin-nano", &["power_mode=25w"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("power_mode") && e.contains("15w, 7w"), "{e}");
}

#[test]
fn cim_sections_and_unknown_keys_are_refused() {
    let text = device_preset_text("sa8255p").unwrap();
    let e = parse_device(&format!("{text}\n[macro]\nrows = 256\n"), "dev.toml", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dev.toml") && e.contains("`macro` is a CIM section"),
        "{e}"
    );
    let e = parse_device(&format!("speed = 3\n{text}"), "dev.toml", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown key `speed`"), "{e}");
    let e = parse_device(&text.replace("[kv]", "[kv]\nwidth = 2"), "dev.toml", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("width"), "{e}");
}

#[test]
fn bad_numbers_name_their_key() {
    let e = load("orin-nano-super", &["decode.bandwidth_efficiency=1.5"])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("decode.bandwidth_efficiency") && e.contains("(0, 1]"),
        "{e}"
    );
    let e = load("orin-nano-super", &["bandwidth_gbps=nan"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("finite"), "{e}");
    let e = load("orin-nano-super", &["power.chip_static_w=-1"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("power.chip_static_w"), "{e}");
    let e = load("orin-nano-super", &["macro.rows=3"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown key path `macro.rows`"), "{e}");
}

#[test]
fn cim_text_is_not_a_device() {
    assert!(!is_device_text("name = \"x\"\n"));
    assert!(is_device_text("kind = \"device\"\n"));
}
