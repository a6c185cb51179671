//! The public list of configuration key paths with the type and allowed range of each, and the
//! checks that run on the TOML value tree before it is deserialised: unknown keys (with the
//! nearest valid key), missing keys, wrong types and out-of-range values, each naming its key
//! path. `--set` overrides are applied to the same tree, so they work for every field.

use super::bounds::{bounds_of, describe, keys_bounded_by, Limit};
use super::error::{did_you_mean, ConfigError};
use super::schema::HardwareConfig;
use toml::{Table, Value};

/// What a leaf key accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rule {
    /// An integer in `min..=max`.
    Int {
        min: i64,
        max: i64,
    },
    /// A finite float in `[min, max]`, or `(min, max]` when `min_open`. Integers are accepted
    /// and stored as floats.
    Float {
        min: f64,
        max: f64,
        min_open: bool,
    },
    Bool,
    /// One of the listed strings.
    OneOf(&'static [&'static str]),
    /// A DRAM preset name.
    DramPreset,
    /// A configuration name: 1-64 chars of `A-Z a-z 0-9 . _ -`.
    Name,
    /// Any string.
    Text,
}

const fn int(min: i64, max: i64) -> Rule {
    Rule::Int { min, max }
}
/// `[min, max]`.
const fn closed(min: f64, max: f64) -> Rule {
    Rule::Float {
        min,
        max,
        min_open: false,
    }
}
/// `(0, max]`.
const fn positive(max: f64) -> Rule {
    Rule::Float {
        min: 0.0,
        max,
        min_open: true,
    }
}

/// The largest CIM capacity a valid chip can have, in KiB: `MAX_TOTAL_MACROS` macros of
/// 4096 x 4096 bits. `chip.resident_weight_kib` is further held to the configuration's own
/// capacity (`bounds.rs`).
const CIM_CAPACITY_KIB_MAX: i64 =
    (super::validate::MAX_TOTAL_MACROS as i64) * 4096 * 4096 / 8 / 1024;

/// Every leaf key path with its rule. Sorted; a test checks it matches the schema exactly.
pub(crate) const RULES: &[(&str, Rule)] = &[
    ("chip.attention", Rule::OneOf(&["vector", "array"])),
    ("chip.attention_array.area_mm2_per_lane", closed(0.0, 10.0)),
    ("chip.attention_array.energy_pj_per_mac", closed(0.0, 1e4)),
    ("chip.attention_array.lanes", int(1, 1 << 20)),
    ("chip.global_buffer.area_mm2", closed(0.0, 1e5)),
    (
        "chip.global_buffer.bandwidth_bytes_per_cycle",
        int(1, 1 << 20),
    ),
    ("chip.global_buffer.capacity_kib", int(1, 1 << 30)),
    ("chip.global_buffer.energy_pj_per_bit", closed(0.0, 1e3)),
    ("chip.global_buffer.leakage_mw", closed(0.0, 1e5)),
    ("chip.interconnect.area_mm2_per_byte", closed(0.0, 10.0)),
    (
        "chip.interconnect.bandwidth_bytes_per_cycle",
        int(1, 1 << 20),
    ),
    ("chip.interconnect.energy_pj_per_bit", closed(0.0, 1e3)),
    ("chip.interconnect.latency_cycles", int(0, 1_000_000)),
    ("chip.kv_buffer_kib", int(0, 1 << 30)),
    ("chip.macros_per_tile", int(1, 4096)),
    ("chip.other_area_mm2", closed(0.0, 1e5)),
    ("chip.resident_weight_kib", int(0, CIM_CAPACITY_KIB_MAX)),
    ("chip.tile_buffer.area_mm2", closed(0.0, 1e5)),
    (
        "chip.tile_buffer.bandwidth_bytes_per_cycle",
        int(1, 1 << 20),
    ),
    ("chip.tile_buffer.capacity_kib", int(1, 1 << 30)),
    ("chip.tile_buffer.energy_pj_per_bit", closed(0.0, 1e3)),
    ("chip.tile_buffer.leakage_mw", closed(0.0, 1e5)),
    ("chip.tiles", int(1, 4096)),
    ("chip.vector.add_cycles_per_element", positive(1e6)),
    ("chip.vector.area_mm2_per_lane", closed(0.0, 100.0)),
    ("chip.vector.argmax_cycles_per_element", positive(1e6)),
    ("chip.vector.energy_pj_per_mac", closed(0.0, 1e4)),
    ("chip.vector.energy_pj_per_op", closed(0.0, 1e4)),
    ("chip.vector.gelu_cycles_per_element", positive(1e6)),
    ("chip.vector.lanes", int(1, 65_536)),
    ("chip.vector.mac_cycles_per_element", positive(1e6)),
    ("chip.vector.rmsnorm_cycles_per_element", positive(1e6)),
    ("chip.vector.rope_cycles_per_element", positive(1e6)),
    ("chip.vector.silu_cycles_per_element", positive(1e6)),
    ("chip.vector.softmax_cycles_per_element", positive(1e6)),
    (
        "chip.weight_path",
        Rule::OneOf(&["global_buffer", "direct"]),
    ),
    ("clock.freq_mhz", positive(5000.0)),
    ("description", Rule::Text),
    ("dram.channels", int(1, 64)),
    ("dram.device_density_gbit", int(1, 64)),
    ("dram.energy_pj_per_bit", closed(0.0, 1e3)),
    ("dram.preset", Rule::DramPreset),
    ("kind", Rule::OneOf(&["cim", "roofline"])),
    ("macro.adc.area_mm2_per_adc", closed(0.0, 100.0)),
    ("macro.adc.bits", int(1, 16)),
    ("macro.adc.columns_per_adc", int(1, 4096)),
    ("macro.adc.energy_pj_per_conversion", closed(0.0, 1e4)),
    ("macro.adc.reference_bits", int(1, 16)),
    ("macro.area_um2_per_bit", positive(1e4)),
    ("macro.cols", int(8, 4096)),
    ("macro.energy_pj_per_mac", closed(0.0, 1e3)),
    ("macro.input_bits_per_cycle", int(1, 16)),
    ("macro.kind", Rule::OneOf(&["digital", "analog"])),
    ("macro.leakage_nw_per_bit", closed(0.0, 1e6)),
    ("macro.ping_pong", Rule::Bool),
    ("macro.pipeline_depth_cycles", int(0, 1000)),
    ("macro.rows", int(8, 4096)),
    ("macro.weight_bits", int(1, 16)),
    ("macro.write_bits_per_cycle", int(1, 65_536)),
    ("macro.write_energy_pj_per_bit", closed(0.0, 1e3)),
    ("name", Rule::Name),
    ("precision.activation_bits", int(1, 16)),
    ("precision.kv_bits", int(1, 32)),
    ("roofline.area_mm2", positive(1e6)),
    ("roofline.bandwidth_efficiency", positive(1.0)),
    ("roofline.bandwidth_gbps", positive(1e5)),
    ("roofline.compute_efficiency", positive(1.0)),
    ("roofline.idle_power_w", closed(0.0, 1e5)),
    ("roofline.peak_tops", positive(1e6)),
    ("roofline.power_w", positive(1e5)),
    ("technology.alpha", closed(1.0, 2.0)),
    ("technology.curve_freq_mhz", positive(5000.0)),
    ("technology.curve_voltage_v", positive(5.0)),
    ("technology.logic_leakage_mw_per_mm2", closed(0.0, 1e4)),
    ("technology.max_voltage_v", positive(5.0)),
    ("technology.min_voltage_v", positive(5.0)),
    ("technology.nominal_freq_mhz", positive(5000.0)),
    ("technology.sram_area_mm2_per_kib", closed(0.0, 10.0)),
    ("technology.sram_leakage_mw_per_kib", closed(0.0, 100.0)),
    ("technology.sram_port_area_mm2_per_byte", closed(0.0, 10.0)),
    ("technology.threshold_voltage_v", closed(0.0, 2.0)),
];

/// What changing a key can do to a run's figures. Every key not listed in
/// [`DESCRIPTIVE_KEYS`], [`CONDITIONAL_KEYS`] or [`LIMIT_KEYS`] moves a figure in every valid
/// design (`tests/knobs_live.rs` holds that, and holds the lists to the keys that exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    /// Moves at least one of decode tokens/s, J/token, area or power in any design.
    Live,
    /// Names or describes the design; changes no figure.
    Descriptive,
    /// Acts only in some designs or runs; the text says when.
    Conditional(&'static str),
    /// A validity limit on other keys; changes no figure of a design that stays valid.
    Limit(&'static str),
}

/// Keys that only name the design.
pub const DESCRIPTIVE_KEYS: &[&str] = &["name", "description"];

/// Keys (or tables, ending in `.`) that act only under a condition, and the condition.
pub const CONDITIONAL_KEYS: &[(&str, &str)] = &[
    (
        "chip.resident_weight_kib",
        "with the `resident` mapping, which pins that much of the weights in the macros",
    ),
    ("macro.adc.", "with macro.kind = \"analog\""),
    (
        "chip.vector.gelu_cycles_per_element",
        "with a GeGLU model (activation = \"gelu_tanh\", e.g. Gemma 3)",
    ),
    (
        "chip.vector.mac_cycles_per_element",
        "with chip.attention = \"vector\": the vector unit's MACs are attention's",
    ),
    (
        "chip.vector.energy_pj_per_mac",
        "with chip.attention = \"vector\": the vector unit's MACs are attention's",
    ),
    (
        "chip.attention_array.",
        "with chip.attention = \"array\" for its speed and energy (its area and leakage count \
         whenever it is present)",
    ),
    ("roofline.", "with kind = \"roofline\""),
    (
        "technology.alpha",
        "when clock.freq_mhz differs from technology.nominal_freq_mhz (the figures are stated \
         at the nominal point; the V-f curve's shape sets how they scale away from it)",
    ),
    (
        "technology.curve_freq_mhz",
        "when clock.freq_mhz differs from technology.nominal_freq_mhz",
    ),
    (
        "technology.curve_voltage_v",
        "when clock.freq_mhz differs from technology.nominal_freq_mhz",
    ),
    (
        "technology.threshold_voltage_v",
        "when clock.freq_mhz differs from technology.nominal_freq_mhz",
    ),
    (
        "technology.min_voltage_v",
        "when it clamps the supply at the clock but not at technology.nominal_freq_mhz, or the \
         other way round (a clock far from the nominal one)",
    ),
];

/// Keys that bound other keys and change no figure of a design that stays valid.
pub const LIMIT_KEYS: &[(&str, &str)] = &[
    (
        "technology.max_voltage_v",
        "it caps the supply, so it bounds clock.freq_mhz (the clock the V-f curve reaches at it)",
    ),
    (
        "dram.device_density_gbit",
        "it sets the DRAM's capacity, which bounds the models and contexts that fit; the \
         timing and IDD currents stay the preset's (denser real parts refresh longer: not \
         modelled)",
    ),
];

/// What changing `key` can do; see [`KeyScope`].
pub fn key_scope(key: &str) -> KeyScope {
    let matches = |k: &str| {
        if k.ends_with('.') {
            key.starts_with(k)
        } else {
            key == k
        }
    };
    if DESCRIPTIVE_KEYS.contains(&key) {
        return KeyScope::Descriptive;
    }
    if let Some((_, when)) = CONDITIONAL_KEYS.iter().find(|(k, _)| matches(k)) {
        return KeyScope::Conditional(when);
    }
    if let Some((_, why)) = LIMIT_KEYS.iter().find(|(k, _)| matches(k)) {
        return KeyScope::Limit(why);
    }
    KeyScope::Live
}

/// Keys (leaves or tables) that may be absent.
pub(crate) const OPTIONAL: &[&str] = &[
    "description",
    "kind",
    "macro.kind",
    "macro.adc",
    "dram.energy_pj_per_bit",
    "dram.device_density_gbit",
    "roofline",
    "technology",
    "chip.weight_path",
    "chip.attention",
    "chip.attention_array",
    "chip.vector.gelu_cycles_per_element",
    "chip.global_buffer.area_mm2",
    "chip.global_buffer.leakage_mw",
    "chip.tile_buffer.area_mm2",
    "chip.tile_buffer.leakage_mw",
];

/// Keys an earlier version had, with what replaced them, so an old file gets a pointer.
pub(crate) const RENAMED: &[(&str, &str)] = &[
    (
        "macro.area_mm2",
        "macro.area_um2_per_bit (area is derived from rows x cols)",
    ),
    (
        "macro.leakage_mw",
        "macro.leakage_nw_per_bit (leakage is derived from rows x cols)",
    ),
    (
        "chip.vector.area_mm2",
        "chip.vector.area_mm2_per_lane (area is derived from the lanes)",
    ),
    (
        "chip.vector.leakage_mw",
        "nothing: vector leakage follows its area (technology.logic_leakage_mw_per_mm2)",
    ),
];

/// All settable key paths (leaves), sorted. A stable public interface: `--set`, sweep specs.
pub fn key_paths() -> Vec<String> {
    RULES.iter().map(|(k, _)| (*k).to_string()).collect()
}

/// What a key accepts, as validation enforces it (in a configuration when one is given: the
/// limits that depend on other keys resolved).
#[derive(Debug, Clone, PartialEq)]
pub enum Accepts {
    /// An integer in `min..=max`, a multiple of `multiple_of` when set.
    Int {
        min: i64,
        max: i64,
        multiple_of: Option<u64>,
    },
    /// A finite number in `[min, max]`, or `(min, max]` when `min_open`.
    Float { min: f64, max: f64, min_open: bool },
    /// `true` or `false`.
    Bool,
    /// One of these strings.
    OneOf(Vec<String>),
    /// 1 to 64 characters from `A-Z a-z 0-9 . _ -`.
    Name,
    /// Any string.
    Text,
}

/// One settable key: what it accepts, whether it may be left out, and the line `config keys`
/// prints for it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyInfo {
    pub key: String,
    pub accepts: Accepts,
    pub optional: bool,
    /// The keys whose own limit depends on this key's value (setting this key may make one of
    /// them out of range).
    pub bounds: Vec<&'static str>,
    pub help: String,
}

/// Every settable key path with what it accepts, sorted. Without a configuration, the limits
/// that depend on other keys are named (`at most macro.rows x macro.cols`); with one, they are
/// resolved for it (`allowed 1..=65536 (macro.rows x macro.cols)`), so the ranges shown are the
/// ranges validation enforces on that configuration.
pub fn key_info(cfg: Option<&HardwareConfig>) -> Vec<KeyInfo> {
    RULES
        .iter()
        .map(|(k, r)| {
            let optional = OPTIONAL
                .iter()
                .any(|o| *k == *o || k.starts_with(&format!("{o}.")));
            let mut accepts = match *r {
                Rule::Int { min, max } => Accepts::Int {
                    min,
                    max,
                    multiple_of: None,
                },
                Rule::Float { min, max, min_open } => Accepts::Float { min, max, min_open },
                Rule::Bool => Accepts::Bool,
                Rule::OneOf(list) => Accepts::OneOf(list.iter().map(|s| s.to_string()).collect()),
                Rule::DramPreset => {
                    Accepts::OneOf(dram_preset_names().iter().map(|s| s.to_string()).collect())
                }
                Rule::Name => Accepts::Name,
                Rule::Text => Accepts::Text,
            };
            let mut range = allowed(*r);
            let mut notes = String::new();
            for b in bounds_of(k) {
                match cfg.and_then(|c| (b.limit)(c)) {
                    Some(limit) => match (&mut accepts, limit) {
                        (Accepts::Int { max, .. }, Limit::AtMost(x)) => {
                            *max = (*max).min(x.floor() as i64);
                            range = describe(b, limit);
                        }
                        (Accepts::Float { max, .. }, Limit::AtMost(x)) => {
                            *max = max.min(x);
                            range = describe(b, limit);
                        }
                        (Accepts::Int { multiple_of, .. }, Limit::MultipleOf(n)) => {
                            *multiple_of = Some(n);
                            notes.push_str(&format!(", {}", describe(b, limit)));
                        }
                        _ => notes.push_str(&format!(", {}", describe(b, limit))),
                    },
                    None => notes.push_str(&format!("; {}", b.unresolved)),
                }
            }
            let mut help = format!("{}, allowed {range}{notes}", expected(*r));
            if optional {
                help.push_str(" (optional)");
            }
            KeyInfo {
                key: (*k).to_string(),
                accepts,
                optional,
                bounds: keys_bounded_by(k),
                help,
            }
        })
        .collect()
}

/// Every settable key path with what it accepts (`an integer, allowed 8..=4096`), sorted; keys
/// that may be left out say so, and limits that depend on other keys are named. The static
/// form of [`key_help_for`].
pub fn key_help() -> Vec<(String, String)> {
    key_info(None)
        .into_iter()
        .map(|i| (i.key, i.help))
        .collect()
}

/// [`key_help`] with the limits that depend on other keys resolved for `cfg`: the ranges
/// validation enforces on it.
pub fn key_help_for(cfg: &HardwareConfig) -> Vec<(String, String)> {
    key_info(Some(cfg))
        .into_iter()
        .map(|i| (i.key, i.help))
        .collect()
}

pub(crate) fn rule(path: &str) -> Option<Rule> {
    RULES.iter().find(|(k, _)| *k == path).map(|(_, r)| *r)
}

/// Table paths: every proper prefix of a leaf path.
fn is_table_path(path: &str) -> bool {
    let prefix = format!("{path}.");
    RULES.iter().any(|(k, _)| k.starts_with(&prefix))
}

fn all_paths() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (k, _) in RULES {
        for (i, c) in k.char_indices() {
            if c == '.' {
                out.push(k[..i].to_string());
            }
        }
        out.push((*k).to_string());
    }
    out.sort();
    out.dedup();
    out
}

/// Direct children of table `prefix` ("" = root): `(name, is_table)`, sorted, deduplicated.
fn children(prefix: &str) -> Vec<(String, bool)> {
    let start = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}.")
    };
    let mut out: Vec<(String, bool)> = RULES
        .iter()
        .filter_map(|(k, _)| k.strip_prefix(start.as_str()))
        .map(|rest| match rest.split_once('.') {
            Some((head, _)) => (head.to_string(), true),
            None => (rest.to_string(), false),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// What a rule expects, for messages.
pub(crate) fn expected(rule: Rule) -> String {
    match rule {
        Rule::Int { .. } => "an integer".into(),
        Rule::Float { .. } => "a number".into(),
        Rule::Bool => "a boolean (true or false)".into(),
        Rule::OneOf(_) | Rule::DramPreset | Rule::Name | Rule::Text => "a string".into(),
    }
}

/// The allowed range of a rule, for messages.
pub(crate) fn allowed(rule: Rule) -> String {
    match rule {
        Rule::Int { min, max } => format!("{min}..={max}"),
        Rule::Float { min, max, min_open } => {
            let open = if min_open { "(" } else { "[" };
            format!("{open}{min}, {max}] (finite)")
        }
        Rule::Bool => "true or false".into(),
        Rule::OneOf(list) => format!("one of {}", quoted(list.iter().copied())),
        Rule::DramPreset => format!("one of {}", quoted(dram_preset_names().iter().copied())),
        Rule::Name => "1 to 64 characters from A-Z a-z 0-9 . _ -".into(),
        Rule::Text => "any string".into(),
    }
}

fn quoted<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn dram_preset_names() -> &'static [&'static str] {
    dram::presets::names()
}

/// Checks one leaf value against its rule; converts integers given for float keys to floats.
pub(crate) fn check_leaf(
    origin: &str,
    path: &str,
    rule: Rule,
    v: &mut Value,
) -> Result<(), ConfigError> {
    let wrong_type = |v: &Value| ConfigError::WrongType {
        origin: origin.to_string(),
        key: path.to_string(),
        expected: expected(rule),
        found: type_name(v).to_string(),
    };
    let out_of_range = |shown: String| ConfigError::OutOfRange {
        origin: origin.to_string(),
        key: path.to_string(),
        value: shown,
        allowed: allowed(rule),
    };
    match rule {
        Rule::Int { min, max } => match v {
            Value::Integer(i) if (min..=max).contains(i) => Ok(()),
            Value::Integer(i) => Err(out_of_range(i.to_string())),
            other => Err(wrong_type(other)),
        },
        Rule::Float { min, max, min_open } => {
            let x = match v {
                Value::Float(x) => *x,
                Value::Integer(i) => *i as f64,
                other => return Err(wrong_type(other)),
            };
            let above_min = if min_open { x > min } else { x >= min };
            if !(x.is_finite() && above_min && x <= max) {
                return Err(out_of_range(format_float(x)));
            }
            *v = Value::Float(x);
            Ok(())
        }
        Rule::Bool => match v {
            Value::Boolean(_) => Ok(()),
            other => Err(wrong_type(other)),
        },
        Rule::OneOf(_) | Rule::DramPreset | Rule::Name | Rule::Text => {
            let s = match v {
                Value::String(s) => s.as_str(),
                other => return Err(wrong_type(other)),
            };
            let ok = match rule {
                Rule::OneOf(list) => list.contains(&s),
                Rule::DramPreset => dram_preset_names().contains(&s),
                Rule::Name => {
                    !s.is_empty()
                        && s.len() <= 64
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                }
                _ => true,
            };
            if ok {
                return Ok(());
            }
            let mut shown = format!("\"{s}\"");
            match rule {
                Rule::OneOf(list) => shown.push_str(&hint_suffix(s, list)),
                Rule::DramPreset => shown.push_str(&hint_suffix(s, dram_preset_names())),
                _ => {}
            }
            Err(out_of_range(shown))
        }
    }
}

fn hint_suffix(s: &str, list: &[&str]) -> String {
    let hint = did_you_mean(s, list.iter().copied());
    // Rendered after the value: `"lpdr5" (did you mean ...?)`.
    match hint.strip_prefix("; ") {
        Some(h) => format!(" ({h})"),
        None => String::new(),
    }
}

/// Floats print with a decimal point or exponent (`200.0`, `1e-5`), as in TOML.
pub(crate) fn format_float(x: f64) -> String {
    format!("{x:?}")
}

/// Checks the whole tree: unknown keys (nearest valid key suggested), wrong types, ranges of
/// every leaf, missing required keys. Integers given for float keys become floats.
pub(crate) fn check_tree(origin: &str, root: &mut Table) -> Result<(), ConfigError> {
    check_table(origin, "", root)
}

fn check_table(origin: &str, prefix: &str, table: &mut Table) -> Result<(), ConfigError> {
    for (key, value) in table.iter_mut() {
        let path = join(prefix, key);
        if let Some(rule) = rule(&path) {
            check_leaf(origin, &path, rule, value)?;
        } else if is_table_path(&path) {
            match value {
                Value::Table(t) => check_table(origin, &path, t)?,
                other => {
                    return Err(ConfigError::WrongType {
                        origin: origin.to_string(),
                        key: path,
                        expected: "a table".into(),
                        found: type_name(other).to_string(),
                    })
                }
            }
        } else {
            let paths = all_paths();
            let hint = match RENAMED.iter().find(|(old, _)| *old == path) {
                Some((_, new)) => format!("; it was replaced by {new} (see CHANGELOG.md)"),
                None => did_you_mean(&path, paths.iter().map(String::as_str)),
            };
            return Err(ConfigError::UnknownKey {
                origin: origin.to_string(),
                hint,
                key: path,
            });
        }
    }
    for (child, is_table) in children(prefix) {
        let path = join(prefix, &child);
        if !table.contains_key(&child) && !OPTIONAL.contains(&path.as_str()) {
            let expected = if is_table {
                "a table".to_string()
            } else {
                rule(&path)
                    .map(|r| format!("{}, allowed {}", expected(r), allowed(r)))
                    .unwrap_or_default()
            };
            return Err(ConfigError::MissingKey {
                origin: origin.to_string(),
                key: path,
                expected,
            });
        }
    }
    Ok(())
}

/// Applies one `--set key.path=value` to the tree, parsing the value by the key's type.
pub(crate) fn apply_override(root: &mut Table, arg: &str) -> Result<(), ConfigError> {
    let (key, raw) = arg
        .split_once('=')
        .map(|(k, v)| (k.trim(), v.trim()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| ConfigError::BadOverride {
            arg: arg.to_string(),
        })?;
    let Some(rule) = rule(key) else {
        let hint = if is_table_path(key) {
            format!(
                "; it is a table, set one of its keys (e.g. `{}`)",
                first_leaf_under(key)
            )
        } else {
            did_you_mean(key, RULES.iter().map(|(k, _)| *k))
        };
        return Err(ConfigError::UnknownOverrideKey {
            arg: arg.to_string(),
            key: key.to_string(),
            hint,
        });
    };
    let type_err = || ConfigError::OverrideType {
        arg: arg.to_string(),
        key: key.to_string(),
        expected: expected(rule),
        value: raw.to_string(),
    };
    let value = match rule {
        Rule::Int { .. } => {
            Value::Integer(parse_int(raw).map_err(|too_large| match too_large {
                // An integer, only beyond what any key takes: say so, not "expects an integer".
                true => ConfigError::OutOfRange {
                    origin: format!("--set `{arg}`"),
                    key: key.to_string(),
                    value: raw.to_string(),
                    allowed: allowed(rule),
                },
                false => type_err(),
            })?)
        }
        Rule::Float { .. } => Value::Float(raw.replace('_', "").parse().map_err(|_| type_err())?),
        Rule::Bool => Value::Boolean(raw.parse().map_err(|_| type_err())?),
        _ => Value::String(unquote(raw).to_string()),
    };
    let mut parts: Vec<&str> = key.split('.').collect();
    let leaf = parts.pop().unwrap_or(key);
    let mut table = root;
    for part in parts {
        let entry = table
            .entry(part.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        table = match entry {
            Value::Table(t) => t,
            _ => return Err(type_err()),
        };
    }
    table.insert(leaf.to_string(), value);
    Ok(())
}

/// An integer `--set` value: digits (with `_` separators) or a whole number in exponent form
/// (`1e3`). `Err(true)` for a whole number beyond 64 bits, `Err(false)` for anything else.
fn parse_int(raw: &str) -> Result<i64, bool> {
    let s = raw.replace('_', "");
    if let Ok(i) = s.parse::<i64>() {
        return Ok(i);
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(&s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(true);
    }
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x.fract() == 0.0 && s.contains(['e', 'E']) => {
            if x.abs() < 9.2e18 {
                Ok(x as i64)
            } else {
                Err(true)
            }
        }
        _ => Err(false),
    }
}

fn first_leaf_under(prefix: &str) -> &'static str {
    let p = format!("{prefix}.");
    RULES
        .iter()
        .map(|(k, _)| *k)
        .find(|k| k.starts_with(&p))
        .unwrap_or("macro.rows")
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}
