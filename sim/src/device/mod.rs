//! Measured-device baselines (`kind = "device"`): an edge device running a named runtime,
//! described only by its own fields (bandwidth, clocks per power mode, the runtime's bits per
//! weight and KV handling, fitted fixed costs, power) and modelled in [`model`]. The presets in
//! `sim/presets/devices/` cite the measurements they are fitted to (`baselines/*.csv`).
//!
//! Loading goes text → TOML tree → `--set` overrides on existing keys → top-level key check
//! (CIM sections are refused by name) → deserialise (unknown keys refused) → range checks.

pub mod model;
pub mod schema;

pub use schema::*;

use std::path::Path;
use thiserror::Error;
use toml::{Table, Value};

/// An error loading, overriding or validating a device file.
#[derive(Debug, Error)]
pub enum DeviceError {
    #[error("{origin}: cannot read the file: {source}")]
    Io {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: invalid TOML: {message}")]
    Syntax { origin: String, message: String },
    #[error(
        "{origin}: `{key}` is a CIM section; a device file (kind = \"device\") has only: {allowed}"
    )]
    CimSection {
        origin: String,
        key: String,
        allowed: String,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("{origin}: `{key}` = {value} is out of range: allowed {allowed}")]
    OutOfRange {
        origin: String,
        key: String,
        value: String,
        allowed: String,
    },
    #[error("--set `{arg}`: {message}")]
    BadOverride { arg: String, message: String },
}

/// The top-level keys of a device file.
pub const DEVICE_KEYS: &[&str] = &[
    "name",
    "description",
    "kind",
    "runtime",
    "bandwidth_gbps",
    "power_mode",
    "power_modes",
    "weights",
    "kv",
    "decode",
    "prefill",
    "power",
];

/// Sections and keys of a CIM design, refused by name in a device file.
const CIM_KEYS: &[&str] = &[
    "clock",
    "macro",
    "chip",
    "dram",
    "precision",
    "technology",
    "roofline",
];

/// `(name, text)` of the shipped device presets.
const PRESETS: &[(&str, &str)] = &[
    (
        "orin-nano-super",
        include_str!("../../presets/devices/orin-nano-super.toml"),
    ),
    (
        "orin-nano",
        include_str!("../../presets/devices/orin-nano.toml"),
    ),
    (
        "sa8255p",
        include_str!("../../presets/devices/sa8255p.toml"),
    ),
];

/// Names of the shipped device presets.
pub fn device_preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// The commented TOML text of a device preset.
pub fn device_preset_text(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// True when TOML `text` declares `kind = "device"` (a parse failure is not a device).
pub fn is_device_text(text: &str) -> bool {
    text.parse::<Table>()
        .ok()
        .and_then(|t| {
            t.get("kind")
                .and_then(|k| k.as_str().map(|s| s == "device"))
        })
        .unwrap_or(false)
}

/// True when `name_or_path` is a device preset or a file declaring `kind = "device"`.
pub fn is_device(name_or_path: &str) -> bool {
    if device_preset_text(name_or_path).is_some() {
        return true;
    }
    let path = Path::new(name_or_path);
    path.is_file()
        && std::fs::read_to_string(path)
            .map(|t| is_device_text(&t))
            .unwrap_or(false)
}

/// Loads a device preset or file, applies `overrides` and validates.
pub fn load_device(name_or_path: &str, overrides: &[String]) -> Result<DeviceConfig, DeviceError> {
    if let Some(text) = device_preset_text(name_or_path) {
        return parse_device(text, &format!("device preset `{name_or_path}`"), overrides);
    }
    let path = Path::new(name_or_path);
    let text = std::fs::read_to_string(path).map_err(|source| DeviceError::Io {
        origin: format!(
            "{} (not a device preset: {})",
            path.display(),
            device_preset_names().join(", ")
        ),
        source,
    })?;
    parse_device(&text, &path.display().to_string(), overrides)
}

/// Parses device `text`; `origin` names it in errors.
pub fn parse_device(
    text: &str,
    origin: &str,
    overrides: &[String],
) -> Result<DeviceConfig, DeviceError> {
    let mut tree: Table = text
        .parse()
        .map_err(|e: toml::de::Error| DeviceError::Syntax {
            origin: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
    for arg in overrides {
        apply_override(&mut tree, arg)?;
    }
    let origin = if overrides.is_empty() {
        origin.to_string()
    } else {
        format!("{origin} with --set {}", overrides.join(" --set "))
    };
    for key in tree.keys() {
        if CIM_KEYS.contains(&key.as_str()) {
            return Err(DeviceError::CimSection {
                origin,
                key: key.clone(),
                allowed: DEVICE_KEYS.join(", "),
            });
        }
        if !DEVICE_KEYS.contains(&key.as_str()) {
            return Err(DeviceError::Invalid {
                origin,
                message: format!(
                    "unknown key `{key}`; a device file has only: {}",
                    DEVICE_KEYS.join(", ")
                ),
            });
        }
    }
    let cfg: DeviceConfig = Value::Table(tree)
        .try_into()
        .map_err(|e: toml::de::Error| DeviceError::Invalid {
            origin: origin.clone(),
            message: e.message().trim_end().to_string(),
        })?;
    validate(&cfg, &origin)?;
    Ok(cfg)
}

/// `--set KEY.PATH=VALUE` on an existing key of the tree, typed like the value it replaces.
fn apply_override(tree: &mut Table, arg: &str) -> Result<(), DeviceError> {
    let bad = |message: String| DeviceError::BadOverride {
        arg: arg.to_string(),
        message,
    };
    let Some((path, raw)) = arg.split_once('=') else {
        return Err(bad("expected KEY.PATH=VALUE, e.g. power_mode=25w".into()));
    };
    let (path, raw) = (path.trim(), raw.trim());
    let parts: Vec<&str> = path.split('.').collect();
    let mut table = tree;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let Some(slot) = table.get_mut(*part) else {
            return Err(bad(format!(
                "unknown key path `{path}` in this device (`cimsim config show DEVICE` lists \
                 its keys)"
            )));
        };
        if last {
            let new = match slot {
                Value::String(_) => Value::String(raw.trim_matches('"').to_string()),
                Value::Float(_) | Value::Integer(_) => match raw.parse::<f64>() {
                    Ok(v) if v.is_finite() => match slot {
                        Value::Integer(_) if v.fract() == 0.0 && v.abs() < 9e15 => {
                            Value::Integer(v as i64)
                        }
                        _ => Value::Float(v),
                    },
                    _ => return Err(bad(format!("`{path}` expects a finite number"))),
                },
                Value::Boolean(_) => match raw {
                    "true" => Value::Boolean(true),
                    "false" => Value::Boolean(false),
                    _ => return Err(bad(format!("`{path}` expects true or false"))),
                },
                Value::Table(_) | Value::Array(_) | Value::Datetime(_) => {
                    return Err(bad(format!("`{path}` is a table; set one of its keys")))
                }
            };
            *slot = new;
            return Ok(());
        }
        match slot {
            Value::Table(t) => table = t,
            _ => return Err(bad(format!("`{part}` in `{path}` is not a table"))),
        }
    }
    Err(bad("empty key path".into()))
}

/// Every number finite and in range; the selected mode and the default format exist.
fn validate(cfg: &DeviceConfig, origin: &str) -> Result<(), DeviceError> {
    let range = |key: &str, value: f64, min: f64, max: f64, min_open: bool| {
        let ok = value.is_finite() && value <= max && (value > min || (!min_open && value == min));
        if ok {
            Ok(())
        } else {
            Err(DeviceError::OutOfRange {
                origin: origin.to_string(),
                key: key.to_string(),
                value: value.to_string(),
                allowed: format!("{}{min}, {max}]", if min_open { "(" } else { "[" }),
            })
        }
    };
    if !cfg.power_modes.contains_key(&cfg.power_mode) {
        return Err(DeviceError::OutOfRange {
            origin: origin.to_string(),
            key: "power_mode".into(),
            value: format!("\"{}\"", cfg.power_mode),
            allowed: format!(
                "a mode this device has: {}",
                cfg.power_modes
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    if !cfg
        .weights
        .bits_per_weight
        .contains_key(&cfg.weights.default)
    {
        return Err(DeviceError::OutOfRange {
            origin: origin.to_string(),
            key: "weights.default".into(),
            value: format!("\"{}\"", cfg.weights.default),
            allowed: format!(
                "a format of weights.bits_per_weight: {}",
                formats(cfg).join(", ")
            ),
        });
    }
    range("bandwidth_gbps", cfg.bandwidth_gbps, 0.0, 1e5, true)?;
    for (name, mode) in &cfg.power_modes {
        range(
            &format!("power_modes.{name}.clock_mhz"),
            mode.clock_mhz,
            0.0,
            1e5,
            true,
        )?;
        if let Some(cpu) = mode.cpu_mhz {
            range(&format!("power_modes.{name}.cpu_mhz"), cpu, 0.0, 1e5, true)?;
        }
    }
    for (name, bits) in &cfg.weights.bits_per_weight {
        range(
            &format!("weights.bits_per_weight.{name}"),
            *bits,
            0.0,
            32.0,
            true,
        )?;
    }
    range("kv.bits", f64::from(cfg.kv.bits), 1.0, 32.0, false)?;
    range(
        "kv.allocation_tokens",
        cfg.kv.allocation_tokens as f64,
        1.0,
        1e9,
        false,
    )?;
    let d = &cfg.decode;
    range(
        "decode.per_token_kcycles",
        d.per_token_kcycles,
        0.0,
        1e9,
        false,
    )?;
    range(
        "decode.per_layer_kcycles",
        d.per_layer_kcycles,
        0.0,
        1e9,
        false,
    )?;
    range(
        "decode.bandwidth_efficiency",
        d.bandwidth_efficiency,
        0.0,
        1.0,
        true,
    )?;
    let p = &cfg.prefill;
    range(
        "prefill.peak_dense_tops_at_ref",
        p.peak_dense_tops_at_ref,
        0.0,
        1e6,
        true,
    )?;
    range(
        "prefill.compute_efficiency",
        p.compute_efficiency,
        0.0,
        1.0,
        true,
    )?;
    let w = &cfg.power;
    range("power.chip_static_w", w.chip_static_w, 0.0, 1e4, false)?;
    range(
        "power.chip_clocked_w_at_ref",
        w.chip_clocked_w_at_ref,
        0.0,
        1e4,
        false,
    )?;
    range(
        "power.chip_nj_per_byte_at_ref",
        w.chip_nj_per_byte_at_ref,
        0.0,
        1e3,
        false,
    )?;
    range("power.clock_exponent", w.clock_exponent, 0.0, 4.0, false)?;
    range(
        "power.reference_clock_mhz",
        w.reference_clock_mhz,
        0.0,
        1e5,
        true,
    )?;
    range(
        "power.board_overhead_w",
        w.board_overhead_w,
        0.0,
        1e4,
        false,
    )?;
    Ok(())
}

fn formats(cfg: &DeviceConfig) -> Vec<String> {
    cfg.weights.bits_per_weight.keys().cloned().collect()
}

impl DeviceConfig {
    /// A complete TOML file for this device; [`parse_device`] of it gives it back.
    pub fn to_toml_string(&self) -> String {
        match toml::to_string(self) {
            Ok(s) => s,
            Err(e) => format!("# cannot encode this device as TOML: {e}\n"),
        }
    }

    /// The leaf key paths of this device with their values, sorted: what `--set` takes.
    pub fn key_values(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Ok(Value::Table(t)) = Value::try_from(self) {
            collect_leaves(&t, "", &mut out);
        }
        out.sort();
        out
    }
}

fn collect_leaves(t: &Table, prefix: &str, out: &mut Vec<(String, String)>) {
    for (k, v) in t {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Table(inner) => collect_leaves(inner, &path, out),
            other => out.push((path, other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests;
