//! Bounds of a key that depend on other keys (`macro.write_bits_per_cycle` at most
//! `macro.rows x macro.cols`, ...): one table that both validation and `config keys` read, so
//! the ranges listed are the ranges enforced. A new cross-key bound is one entry here; the
//! per-key ranges that depend on nothing else stay in `keys::RULES`.

use super::error::ConfigError;
use super::keys::{format_float, rule, Rule};
use super::schema::{HardwareConfig, HardwareKind, MacroKind};
use super::validate::MAX_TOTAL_MACROS;
use toml::{Table, Value};

/// A limit computed from a whole configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limit {
    /// At most this value.
    AtMost(f64),
    /// A multiple of this value.
    MultipleOf(u64),
}

/// A bound of `key` that depends on other keys.
pub(crate) struct CrossBound {
    pub key: &'static str,
    /// The keys the limit is computed from (changing one of them may move the limit).
    pub inputs: &'static [&'static str],
    /// The limit in words, for messages and `config keys`.
    pub what: &'static str,
    /// The whole limit in words, for `config keys` without a configuration.
    pub unresolved: &'static str,
    /// The limit for a configuration; `None` where it does not apply (the ADC of a digital
    /// macro, say).
    pub limit: fn(&HardwareConfig) -> Option<Limit>,
}

fn bits_per_macro(c: &HardwareConfig) -> u64 {
    u64::from(c.cim_macro.rows) * u64::from(c.cim_macro.cols)
}

/// Every cross-key bound, in the order validation checks them.
pub(crate) const CROSS_BOUNDS: &[CrossBound] = &[
    CrossBound {
        key: "macro.cols",
        inputs: &["macro.weight_bits"],
        what: "macro.weight_bits",
        unresolved: "a multiple of macro.weight_bits",
        limit: |c| Some(Limit::MultipleOf(u64::from(c.cim_macro.weight_bits.max(1)))),
    },
    CrossBound {
        key: "macro.write_bits_per_cycle",
        inputs: &["macro.rows", "macro.cols"],
        what: "macro.rows x macro.cols",
        unresolved: "at most macro.rows x macro.cols",
        limit: |c| Some(Limit::AtMost(bits_per_macro(c) as f64)),
    },
    CrossBound {
        key: "macro.adc.columns_per_adc",
        inputs: &["macro.cols"],
        what: "macro.cols",
        unresolved: "at most macro.cols (analog macros)",
        limit: |c| {
            (c.cim_macro.kind == MacroKind::Analog && c.cim_macro.adc.is_some())
                .then(|| Limit::AtMost(f64::from(c.cim_macro.cols)))
        },
    },
    CrossBound {
        key: "chip.macros_per_tile",
        inputs: &["chip.tiles"],
        what: "at most 1048576 macros in all: 1048576 / chip.tiles",
        unresolved: "chip.tiles x chip.macros_per_tile at most 1048576",
        limit: |c| Some(Limit::AtMost((MAX_TOTAL_MACROS / u64::from(c.chip.tiles.max(1))) as f64)),
    },
    CrossBound {
        key: "chip.resident_weight_kib",
        inputs: &[
            "chip.tiles",
            "chip.macros_per_tile",
            "macro.rows",
            "macro.cols",
        ],
        what: "the CIM capacity of all macros",
        unresolved: "at most the CIM capacity of all macros (chip.tiles x chip.macros_per_tile x macro.rows x macro.cols / 8 / 1024)",
        limit: |c| {
            let macros = u64::from(c.chip.tiles) * u64::from(c.chip.macros_per_tile);
            Some(Limit::AtMost((macros * bits_per_macro(c) / 8 / 1024) as f64))
        },
    },
    CrossBound {
        key: "roofline.idle_power_w",
        inputs: &["roofline.power_w"],
        what: "roofline.power_w",
        unresolved: "at most roofline.power_w",
        limit: |c| c.roofline.as_ref().map(|r| Limit::AtMost(r.power_w)),
    },
    // The V-f curve (`components::voltage`): the threshold below the supply range, the range
    // ordered, and every clock within what the curve reaches at the highest supply.
    CrossBound {
        key: "technology.threshold_voltage_v",
        inputs: &["technology.min_voltage_v", "technology.curve_voltage_v"],
        what: "0.05 V below technology.min_voltage_v and technology.curve_voltage_v",
        unresolved: "at most technology.min_voltage_v - 0.05 and technology.curve_voltage_v - 0.05",
        limit: |c| {
            let t = &c.technology;
            cim(c).then(|| Limit::AtMost(t.min_voltage_v.min(t.curve_voltage_v) - VTH_MARGIN_V))
        },
    },
    CrossBound {
        key: "technology.min_voltage_v",
        inputs: &["technology.max_voltage_v"],
        what: "technology.max_voltage_v",
        unresolved: "at most technology.max_voltage_v",
        limit: |c| cim(c).then_some(Limit::AtMost(c.technology.max_voltage_v)),
    },
    CrossBound {
        key: "clock.freq_mhz",
        inputs: CURVE_KEYS,
        what: "the clock the V-f curve reaches at technology.max_voltage_v",
        unresolved: "at most the clock the V-f curve reaches at technology.max_voltage_v",
        limit: |c| cim(c).then(|| Limit::AtMost(curve_ceiling_mhz(c))),
    },
    CrossBound {
        key: "technology.nominal_freq_mhz",
        inputs: CURVE_KEYS,
        what: "the clock the V-f curve reaches at technology.max_voltage_v",
        unresolved: "at most the clock the V-f curve reaches at technology.max_voltage_v",
        limit: |c| cim(c).then(|| Limit::AtMost(curve_ceiling_mhz(c))),
    },
];

/// How far the threshold voltage stays below the supply range, volts.
const VTH_MARGIN_V: f64 = 0.05;

/// The keys the V-f curve's reach depends on.
const CURVE_KEYS: &[&str] = &[
    "technology.curve_freq_mhz",
    "technology.curve_voltage_v",
    "technology.threshold_voltage_v",
    "technology.alpha",
    "technology.max_voltage_v",
];

fn cim(c: &HardwareConfig) -> bool {
    c.kind == HardwareKind::Cim
}

/// The highest clock the V-f curve reaches (at `max_voltage_v`), MHz.
fn curve_ceiling_mhz(c: &HardwareConfig) -> f64 {
    let t = &c.technology;
    crate::components::max_freq_mhz(t, t.max_voltage_v)
}

/// The cross-key bounds of `key`.
pub(crate) fn bounds_of(key: &str) -> impl Iterator<Item = &'static CrossBound> + '_ {
    CROSS_BOUNDS.iter().filter(move |b| b.key == key)
}

/// The keys whose cross-key limit depends on `key`.
pub fn keys_bounded_by(key: &str) -> Vec<&'static str> {
    CROSS_BOUNDS
        .iter()
        .filter(|b| b.inputs.contains(&key))
        .map(|b| b.key)
        .collect()
}

/// The range `rule` allows once `limit` is applied, as messages show it; `None` for a
/// multiple-of limit, which has no range of its own.
fn limited(rule: Rule, limit: f64) -> Option<String> {
    match rule {
        Rule::Int { min, max } => {
            let top = (limit.floor() as i64).min(max);
            Some(format!("{min}..={top}"))
        }
        Rule::Float { min, max, min_open } => {
            let open = if min_open { "(" } else { "[" };
            Some(format!("{open}{min}, {}]", limit.min(max)))
        }
        _ => None,
    }
}

/// What a limit allows, in words: `0..=256 (the CIM capacity of all macros)`, `a multiple of
/// macro.weight_bits (4)`.
pub(crate) fn describe(bound: &CrossBound, limit: Limit) -> String {
    match limit {
        Limit::MultipleOf(n) => format!("a multiple of {} ({n})", bound.what),
        Limit::AtMost(x) => match rule(bound.key).and_then(|r| limited(r, x)) {
            Some(range) => format!("{range} ({})", bound.what),
            None => format!("at most {} ({})", format_float(x), bound.what),
        },
    }
}

/// The value at `path` in `tree`, as a number.
fn number_at(tree: &Table, path: &str) -> Option<(f64, String)> {
    let mut parts = path.split('.');
    let mut v = tree.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    match v {
        Value::Integer(i) => Some((*i as f64, i.to_string())),
        Value::Float(x) => Some((*x, format_float(*x))),
        _ => None,
    }
}

/// Checks every cross-key bound of `cfg`, whose serialised tree is `tree`.
pub(crate) fn check(cfg: &HardwareConfig, tree: &Table, origin: &str) -> Result<(), ConfigError> {
    for b in CROSS_BOUNDS {
        let (Some(limit), Some((x, shown))) = ((b.limit)(cfg), number_at(tree, b.key)) else {
            continue;
        };
        let ok = match limit {
            Limit::AtMost(max) => x <= max,
            Limit::MultipleOf(n) => x >= 0.0 && (x as u64).is_multiple_of(n),
        };
        if !ok {
            return Err(ConfigError::OutOfRange {
                origin: origin.to_string(),
                key: b.key.to_string(),
                value: shown,
                allowed: describe(b, limit),
            });
        }
    }
    Ok(())
}
