//! The ranges `cimsim config keys` advertises are the ranges validation enforces: for every key
//! of every preset, the advertised bounds (with the limits that depend on other keys resolved
//! for that preset, `key_info`) are accepted by `--set`, and the values just beyond them are
//! refused with an error naming the key. Generic over the key table, so a new key is covered
//! as soon as it is in `keys.rs`.

use sim::config::{key_info, keys_bounded_by, load_config, preset, preset_names, Accepts};
use toml::Value;

/// Whether `key` can be set on preset `name` at all: its table is there (an ADC key needs an
/// analog macro, a roofline key a roofline preset).
fn applies(name: &str, key: &str) -> bool {
    let tree: toml::Table = sim::config::preset_text(name)
        .and_then(|t| t.parse().ok())
        .unwrap_or_default();
    let mut parts: Vec<&str> = key.split('.').collect();
    parts.pop();
    let mut table = &tree;
    for p in parts {
        match table.get(p) {
            Some(Value::Table(t)) => table = t,
            _ => return false,
        }
    }
    true
}

/// The outcome of `--set key=value` on preset `name`: `Ok`, or the key the error names.
fn set(name: &str, key: &str, value: &str) -> Result<(), (Option<String>, String)> {
    load_config(name, &[format!("{key}={value}")])
        .map(|_| ())
        .map_err(|e| (e.key().map(str::to_string), e.to_string()))
}

#[derive(Default)]
struct Report {
    failures: Vec<String>,
    tested: std::collections::BTreeSet<String>,
}

impl Report {
    /// `value` must be accepted, or refused only because it moved the limit of another key
    /// that depends on this one.
    fn accepted(&mut self, name: &str, key: &str, value: &str) {
        self.tested.insert(key.to_string());
        if let Err((named, msg)) = set(name, key, value) {
            let moved = named
                .as_deref()
                .is_some_and(|k| k != key && keys_bounded_by(key).contains(&k));
            if !moved {
                self.failures.push(format!(
                    "{name}: {key}={value} is advertised but refused: {msg}"
                ));
            }
        }
    }

    /// `value` must be refused with an error about `key` itself.
    fn refused(&mut self, name: &str, key: &str, value: &str) {
        match set(name, key, value) {
            Ok(()) => self.failures.push(format!(
                "{name}: {key}={value} is beyond the advertised range but accepted"
            )),
            Err((named, msg)) if named.as_deref() != Some(key) => self.failures.push(format!(
                "{name}: {key}={value} refused for another key: {msg}"
            )),
            Err(_) => {}
        }
    }
}

fn float(x: f64) -> String {
    format!("{x:?}")
}

#[test]
fn advertised_ranges_are_the_enforced_ranges_for_every_key_of_every_preset() {
    let mut r = Report::default();
    for name in preset_names() {
        let cfg = preset(name).expect("preset loads");
        for info in key_info(Some(&cfg)) {
            let key = info.key.as_str();
            if !applies(name, key) {
                continue;
            }
            match info.accepts {
                Accepts::Int {
                    min,
                    max,
                    multiple_of,
                } => {
                    let m = multiple_of.unwrap_or(1) as i64;
                    let lo = min.div_euclid(m) * m + if min.rem_euclid(m) == 0 { 0 } else { m };
                    let hi = max.div_euclid(m) * m;
                    assert!(lo <= hi, "{name}: {key} advertises an empty range");
                    r.accepted(name, key, &lo.to_string());
                    r.accepted(name, key, &hi.to_string());
                    r.refused(name, key, &(min - 1).to_string());
                    r.refused(name, key, &(max + 1).to_string());
                    if m > 1 && lo < hi {
                        r.refused(name, key, &(lo + 1).to_string());
                    }
                }
                Accepts::Float { min, max, min_open } => {
                    if min_open {
                        r.refused(name, key, &float(min));
                        r.accepted(name, key, &float(min.next_up()));
                    } else {
                        r.accepted(name, key, &float(min));
                        r.refused(name, key, &float(min.next_down()));
                    }
                    r.accepted(name, key, &float(max));
                    r.refused(name, key, &float(max.next_up()));
                    r.refused(name, key, "nan");
                }
                Accepts::Bool => {
                    r.accepted(name, key, "true");
                    r.accepted(name, key, "false");
                    r.refused(name, key, "maybe");
                }
                Accepts::OneOf(choices) => {
                    // A choice may need other keys to follow (kind = "roofline" needs a
                    // [roofline] table); only the refusal of a non-choice is about the key.
                    r.tested.insert(key.to_string());
                    r.refused(name, key, "not-a-choice");
                    assert!(!choices.is_empty(), "{key}");
                }
                Accepts::Name => {
                    r.accepted(name, key, &"n".repeat(64));
                    r.refused(name, key, &"n".repeat(65));
                    r.refused(name, key, "\"\"");
                    r.refused(name, key, "with space");
                }
                Accepts::Text => {
                    r.accepted(name, key, "anything at all");
                }
            }
        }
    }
    let all: Vec<String> = key_info(None).into_iter().map(|i| i.key).collect();
    // No shipped preset is a roofline any more (the baselines are `kind = "device"`, checked
    // in `sim::device`); the `roofline.` keys are left until that kind is removed.
    let untested: Vec<&String> = all
        .iter()
        .filter(|k| !r.tested.contains(*k) && !k.starts_with("roofline."))
        .collect();
    assert!(untested.is_empty(), "keys no preset can test: {untested:?}");
    assert!(
        r.failures.is_empty(),
        "{} mismatches between `config keys` and validation:\n{}",
        r.failures.len(),
        r.failures.join("\n")
    );
}

#[test]
fn resident_weights_are_advertised_up_to_the_capacity_of_the_preset() {
    let cfg = preset("edgecim-65nm").expect("preset");
    let info = key_info(Some(&cfg));
    let resident = info
        .iter()
        .find(|i| i.key == "chip.resident_weight_kib")
        .expect("key");
    let Accepts::Int { max, .. } = resident.accepts else {
        panic!("{:?}", resident.accepts)
    };
    let macros = u64::from(cfg.chip.tiles) * u64::from(cfg.chip.macros_per_tile);
    let capacity =
        macros * u64::from(cfg.cim_macro.rows) * u64::from(cfg.cim_macro.cols) / 8 / 1024;
    assert_eq!(max as u64, capacity);
    assert!(
        resident.help.contains(&format!("0..={capacity}")),
        "{}",
        resident.help
    );
    // Without a configuration the dependency is named, not a number that no chip allows.
    let stat = sim::config::key_help();
    let (_, help) = stat
        .iter()
        .find(|(k, _)| k == "chip.resident_weight_kib")
        .expect("key");
    assert!(
        help.contains("at most the CIM capacity of all macros"),
        "{help}"
    );
}

#[test]
fn set_of_an_integer_too_large_says_out_of_range() {
    for v in ["1e23", "99999999999999999999", "-99999999999999999999"] {
        let e = load_config("edgecim-65nm", &[format!("chip.tiles={v}")]).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("out of range") && msg.contains("1..=4096"),
            "{msg}"
        );
        assert!(!msg.contains("expects an integer"), "{msg}");
    }
    let e = load_config("edgecim-65nm", &["chip.tiles=abc".to_string()]).unwrap_err();
    assert!(e.to_string().contains("expects an integer"), "{e}");
    let e = load_config("edgecim-65nm", &["chip.tiles=2.5".to_string()]).unwrap_err();
    assert!(e.to_string().contains("expects an integer"), "{e}");
}
