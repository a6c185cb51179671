//! Every configuration key is live: perturbed as `cimsim sensitivity` perturbs it (x0.5, x2,
//! from 0 one step up, each alternative), it moves at least one of decode tokens/s, J/token,
//! area or power, at both fidelities — or `sim::config::key_scope` says it is descriptive, a
//! limit, or acts only under a condition, and then it is checked under that condition. Every
//! size, count or width key raises area or power when increased.

use cimsim::run::{RunFidelity, RunOptions};
use cimsim::sensitivity::{sensitivity, SensitivityOptions, SensitivityReport};
use sim::config::{
    key_paths, key_scope, load_config, KeyScope, CONDITIONAL_KEYS, DESCRIPTIVE_KEYS, LIMIT_KEYS,
};
use std::collections::BTreeMap;

/// A design to check keys in: a configuration, overrides and a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Setting {
    /// The default design as shipped.
    Default,
    /// The default design with the optional overrides set, so they can be perturbed.
    Overrides,
    /// An analog macro (the ADC keys).
    Analog,
    /// The `resident` mapping (`chip.resident_weight_kib`).
    Resident,
    /// A clock away from the nominal point (the V-f curve's shape).
    OffNominal,
    /// A slow clock whose supply the V-f curve puts below the floor.
    SlowClock,
    /// A roofline device.
    Roofline,
    /// Attention on a dedicated attention array.
    AttentionArray,
}

/// The overrides that give the default design an attention array.
pub const ATTENTION_ARRAY: &[&str] = &[
    "chip.attention=array",
    "chip.attention_array.lanes=2048",
    "chip.attention_array.energy_pj_per_mac=0.45",
    "chip.attention_array.area_mm2_per_lane=0.002",
];

const OVERRIDES: &[&str] = &[
    "chip.global_buffer.area_mm2=10",
    "chip.global_buffer.leakage_mw=10",
    "chip.tile_buffer.area_mm2=1",
    "chip.tile_buffer.leakage_mw=1",
    "dram.energy_pj_per_bit=5",
    "dram.device_density_gbit=16",
];

impl Setting {
    fn config(self) -> (&'static str, Vec<&'static str>, &'static str) {
        match self {
            Setting::Default => ("edgecim-65nm", vec![], "balanced-pipeline"),
            Setting::Overrides => ("edgecim-65nm", OVERRIDES.to_vec(), "balanced-pipeline"),
            Setting::Analog => ("cim-analog-65nm", vec![], "balanced-pipeline"),
            Setting::Resident => (
                "edgecim-65nm",
                // The default chip needs all its macros to stream; a larger one has room to pin.
                vec!["chip.tiles=32", "chip.resident_weight_kib=256"],
                "resident",
            ),
            Setting::OffNominal => (
                "edgecim-65nm",
                vec!["clock.freq_mhz=300"],
                "balanced-pipeline",
            ),
            Setting::SlowClock => (
                "edgecim-65nm",
                vec!["clock.freq_mhz=50", "technology.threshold_voltage_v=0.2"],
                "balanced-pipeline",
            ),
            Setting::Roofline => (
                "sim/tests/fixtures/roofline-device.toml",
                vec![],
                "balanced-pipeline",
            ),
            Setting::AttentionArray => (
                "edgecim-65nm",
                ATTENTION_ARRAY.to_vec(),
                "balanced-pipeline",
            ),
        }
    }

    /// Where `key` is checked. Conditional keys name their condition in `key_scope`; this is
    /// the design that meets it.
    fn of(key: &str) -> Setting {
        // The alternative of this choice needs its own section: try it from the other side.
        if key == "kind" {
            return Setting::Roofline;
        }
        if key == "chip.attention" || key.starts_with("chip.attention_array.") {
            return Setting::AttentionArray;
        }
        if OVERRIDES.iter().any(|o| o.split('=').next() == Some(key)) {
            return Setting::Overrides;
        }
        match key_scope(key) {
            KeyScope::Live | KeyScope::Descriptive | KeyScope::Limit(_) => Setting::Default,
            KeyScope::Conditional(_) => {
                if key.starts_with("macro.adc.") {
                    Setting::Analog
                } else if key.starts_with("roofline.") {
                    Setting::Roofline
                } else if key == "chip.resident_weight_kib" {
                    Setting::Resident
                } else if key.starts_with("chip.vector.") {
                    // Attention on the vector unit, as the default design has it.
                    Setting::Default
                } else if key == "technology.min_voltage_v" {
                    Setting::SlowClock
                } else if key.starts_with("technology.") {
                    Setting::OffNominal
                } else {
                    panic!("{key} is conditional but has no setting that meets its condition")
                }
            }
        }
    }
}

fn analyse(setting: Setting, fidelity: RunFidelity) -> SensitivityReport {
    let (config, set, mapping) = setting.config();
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    let cfg = load_config(config, &set).unwrap();
    let card = workloads::load_model("smollm2-135m").unwrap();
    let opts = SensitivityOptions {
        run: RunOptions {
            // Short: the cycle fidelity runs ~800 designs here.
            prompt_tokens: 16,
            generate_tokens: 4,
            mapping: mapping.to_string(),
            fidelity,
            ..RunOptions::default()
        },
        factor: 2.0,
        sort_by: None,
    };
    sensitivity(&card, &cfg, config, &opts)
        .unwrap_or_else(|e| panic!("sensitivity in {setting:?}: {e}"))
}

fn check_fidelity(fidelity: RunFidelity) {
    let keys = key_paths();
    let mut settings: BTreeMap<Setting, Vec<String>> = BTreeMap::new();
    for k in &keys {
        settings.entry(Setting::of(k)).or_default().push(k.clone());
    }
    let mut dead = Vec::new();
    for (setting, keys) in &settings {
        // `macro.kind`'s alternative needs (or forbids) the `macro.adc` table: it has its own
        // test below.
        // `chip.vector.gelu_cycles_per_element` acts only on GeGLU models (this analysis runs
        // a SwiGLU one): `gelu_cost_moves_a_geglu_model` holds it.
        let keys: Vec<&String> = keys
            .iter()
            .filter(|k| *k != "macro.kind" && *k != "chip.vector.gelu_cycles_per_element")
            .collect();
        // The roofline device's keys (and `kind`, which picks it) describe a device baseline,
        // not a CIM design; they are the device-baseline issue's to hold.
        if *setting == Setting::Roofline {
            continue;
        }
        let report = analyse(*setting, fidelity);
        for key in keys {
            let result = report.keys.iter().find(|r| &r.key == key);
            let skipped = report.skipped.iter().find(|s| &s.key == key);
            match key_scope(key) {
                KeyScope::Descriptive => assert!(
                    skipped.is_some_and(|s| s.reason.starts_with("descriptive")),
                    "{key}: descriptive keys are not perturbed"
                ),
                // A limit claims to change no figure of a design that stays valid.
                KeyScope::Limit(_) => {
                    let r = result.unwrap_or_else(|| panic!("{key} was not tried"));
                    assert!(
                        !r.moved,
                        "{key} is listed as a limit but moves a figure: it is live"
                    );
                }
                KeyScope::Live | KeyScope::Conditional(_) => match result {
                    Some(r) if r.moved => {}
                    Some(r) => dead.push(format!(
                        "{key} in {setting:?} (tried {:?})",
                        r.steps
                            .iter()
                            .map(|s| (s.value.clone(), s.error.clone()))
                            .collect::<Vec<_>>()
                    )),
                    None => dead.push(format!(
                        "{key} in {setting:?} was not tried: {:?}",
                        skipped.map(|s| &s.reason)
                    )),
                },
            }
        }
    }
    assert!(
        dead.is_empty(),
        "{} keys changed no figure at {fidelity:?} fidelity:\n{}",
        dead.len(),
        dead.join("\n")
    );
}

#[test]
fn every_key_moves_a_figure_at_the_analytic_fidelity() {
    check_fidelity(RunFidelity::Analytic);
}

#[test]
fn every_key_moves_a_figure_at_the_cycle_fidelity() {
    check_fidelity(RunFidelity::Cycle);
}

#[test]
fn the_scope_lists_name_keys_that_exist() {
    let keys = key_paths();
    let exists = |k: &str| {
        if k.ends_with('.') {
            keys.iter().any(|p| p.starts_with(k))
        } else {
            keys.iter().any(|p| p == k)
        }
    };
    for k in DESCRIPTIVE_KEYS
        .iter()
        .chain(CONDITIONAL_KEYS.iter().map(|(k, _)| k))
        .chain(LIMIT_KEYS.iter().map(|(k, _)| k))
    {
        assert!(exists(k), "{k} is in a key-scope list but is not a key");
    }
}

/// Size, count and width keys, and why an exception is one.
fn is_size_key(key: &str) -> bool {
    // Pinning weights re-uses macro capacity the chip already pays for.
    if key == "chip.resident_weight_kib" {
        return false;
    }
    key.ends_with("_kib")
        || [
            ".tiles",
            ".macros_per_tile",
            ".rows",
            ".cols",
            ".lanes",
            "bandwidth_bytes_per_cycle",
            ".channels",
            "write_bits_per_cycle",
            "input_bits_per_cycle",
        ]
        .iter()
        .any(|s| key.ends_with(s))
}

#[test]
fn every_size_count_or_width_key_raises_area_or_power() {
    let sizes: Vec<String> = key_paths().into_iter().filter(|k| is_size_key(k)).collect();
    assert!(sizes.len() >= 14, "{sizes:?}");
    let mut by_setting: BTreeMap<Setting, Vec<&String>> = BTreeMap::new();
    for k in &sizes {
        by_setting.entry(Setting::of(k)).or_default().push(k);
    }
    for (setting, keys) in by_setting {
        let report = analyse(setting, RunFidelity::Analytic);
        for key in keys {
            let r = report
                .keys
                .iter()
                .find(|r| &r.key == key)
                .unwrap_or_else(|| panic!("{key} was not tried in {setting:?}"));
            let base: f64 = r.value.parse().unwrap();
            let up = r
                .steps
                .iter()
                .filter(|s| s.value.parse::<f64>().unwrap() > base)
                .find_map(|s| s.figures)
                .unwrap_or_else(|| panic!("{key}: no valid step above {base}"));
            assert!(
                up.area_mm2 > report.base.area_mm2 || up.power_w > report.base.power_w,
                "{key}: raising it from {base} costs neither area ({} -> {} mm²) nor power \
                 ({} -> {} W)",
                report.base.area_mm2,
                up.area_mm2,
                report.base.power_w,
                up.power_w
            );
        }
    }
}

/// `macro.kind`: the same design with an analog macro (and the ADCs it needs) differs.
#[test]
fn the_macro_kind_moves_figures() {
    use cimsim::run::simulate;
    let card = workloads::load_model("smollm2-135m").unwrap();
    let digital = load_config("edgecim-65nm", &[]).unwrap();
    let text = digital
        .to_toml_string()
        .replace("kind = \"digital\"", "kind = \"analog\"")
        + "\n[macro.adc]\nbits = 5\nreference_bits = 5\ncolumns_per_adc = 2\n\
           energy_pj_per_conversion = 0.5\narea_mm2_per_adc = 0.002\n";
    let analog = sim::config::parse_config(&text, "analog edgecim", &[]).unwrap();
    assert_eq!(analog.cim_macro.kind, sim::config::MacroKind::Analog);
    for fidelity in [RunFidelity::Analytic, RunFidelity::Cycle] {
        let opts = RunOptions {
            prompt_tokens: 32,
            generate_tokens: 8,
            fidelity,
            ..RunOptions::default()
        };
        let d = simulate(&card, &digital, "digital", &opts).unwrap().record;
        let a = simulate(&card, &analog, "analog", &opts).unwrap().record;
        assert!(a.area_mm2 > d.area_mm2, "{fidelity:?}: the ADCs cost area");
        assert_ne!(a.decode_j_per_token, d.decode_j_per_token, "{fidelity:?}");
    }
}

#[test]
fn gelu_cost_moves_a_geglu_model() {
    let dir = tempfile::tempdir().unwrap();
    let card = workloads::shipped_toml("smollm2-135m")
        .unwrap()
        .replace("activation = \"silu\"", "activation = \"gelu_tanh\"")
        .replace("name = \"smollm2-135m\"", "name = \"smollm2-135m-geglu\"");
    assert!(card.contains("gelu_tanh"));
    let path = dir.path().join("geglu.toml");
    std::fs::write(&path, card).unwrap();
    let tokens_per_s = |set: &[&str]| -> f64 {
        let mut args = vec![
            "simulate",
            "-m",
            path.to_str().unwrap(),
            "--fidelity",
            "analytic",
            "-g",
            "4",
            "--json",
        ];
        for s in set {
            args.extend(["--set", s]);
        }
        let out = assert_cmd::Command::cargo_bin("cimsim")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["decode_tokens_per_s"].as_f64().unwrap()
    };
    let base = tokens_per_s(&[]);
    let slow = tokens_per_s(&["chip.vector.gelu_cycles_per_element=500"]);
    assert!(
        slow < base,
        "GELU cost 500 cycles: {slow} tokens/s, default {base}"
    );
}
