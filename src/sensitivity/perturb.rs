//! Which values a key is tried at. A numeric key is scaled down and up by the factor (×0.5 and
//! ×2 by default), each step clamped to the range validation enforces on the configuration
//! (`sim::config::key_info`, with the limits that depend on other keys resolved) and, for an
//! integer, rounded to the nearest allowed value (a multiple where one is required). A key at 0
//! cannot be scaled: it steps once, up to its smallest useful value (the integer 1 or the
//! required multiple; for a number, the smallest non-zero value any shipped preset gives the
//! key, else 1 in its unit). A boolean tries the other value, a choice every alternative.
//! Steps that land back on the current value are dropped (a key at its bound steps one way).

use sim::config::Accepts;

/// The steps of one key, with what kind of key it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Steps {
    /// Scaled steps of a number (the lower one first); an elasticity can be computed.
    Scaled(Vec<Value>),
    /// One step up from 0; the change is reported, there is no elasticity.
    FromZero(Value),
    /// The other boolean, or the other strings of a choice.
    Alternatives(Vec<Value>),
}

/// A value as the override needs it and as it is shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

impl Value {
    /// The number, for elasticities (`None` for text and booleans).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(x) => Some(*x),
            Value::Bool(_) | Value::Text(_) => None,
        }
    }

    /// The value as `--set` takes it: exact (a float in Rust's shortest round-trip form, so a
    /// value clamped to a bound stays inside it).
    pub fn set_text(&self) -> String {
        match self {
            Value::Float(x) => format!("{x}"),
            Value::Int(_) | Value::Bool(_) | Value::Text(_) => self.display(),
        }
    }

    /// The value as tables show it (a float to 12 significant digits).
    pub fn display(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::Float(x) => short_float(*x),
            Value::Bool(b) => b.to_string(),
            Value::Text(s) => s.clone(),
        }
    }

    /// From a TOML value of the configuration.
    pub fn from_toml(v: &toml::Value) -> Option<Value> {
        match v {
            toml::Value::Integer(i) => Some(Value::Int(*i)),
            toml::Value::Float(x) => Some(Value::Float(*x)),
            toml::Value::Boolean(b) => Some(Value::Bool(*b)),
            toml::Value::String(s) => Some(Value::Text(s.clone())),
            toml::Value::Datetime(_) | toml::Value::Array(_) | toml::Value::Table(_) => None,
        }
    }
}

/// Up to 12 significant digits, so `0.55` does not print as `0.5499999999999999`, and the
/// value still parses back to (nearly) the same number.
fn short_float(x: f64) -> String {
    let s = format!("{x:.12e}");
    let parsed: f64 = s.parse().unwrap_or(x);
    let plain = format!("{parsed}");
    if plain.len() <= 16 {
        plain
    } else {
        s
    }
}

/// The steps for a key currently at `value` that accepts `accepts`, scaling by `factor` (> 1).
/// `zero_step` is the number a float at 0 steps to. `None` when the key cannot be perturbed
/// (descriptive text, or no other valid value).
pub fn steps_for(
    value: &Value,
    accepts: &Accepts,
    factor: f64,
    zero_step: Option<f64>,
) -> Option<Steps> {
    match (value, accepts) {
        (
            Value::Int(v),
            Accepts::Int {
                min,
                max,
                multiple_of,
            },
        ) => int_steps(*v, *min, *max, *multiple_of, factor),
        (Value::Float(v), Accepts::Float { min, max, min_open }) => {
            float_steps(*v, *min, *max, *min_open, factor, zero_step)
        }
        // A float key written as an integer in the file is stored as a float; be lenient.
        (Value::Int(v), Accepts::Float { min, max, min_open }) => {
            float_steps(*v as f64, *min, *max, *min_open, factor, zero_step)
        }
        (Value::Bool(b), Accepts::Bool) => Some(Steps::Alternatives(vec![Value::Bool(!b)])),
        (Value::Text(s), Accepts::OneOf(list)) => {
            let others: Vec<Value> = list
                .iter()
                .filter(|o| *o != s)
                .map(|o| Value::Text(o.clone()))
                .collect();
            (!others.is_empty()).then_some(Steps::Alternatives(others))
        }
        (Value::Text(_), Accepts::Name | Accepts::Text) => None,
        // A value of another type than the key accepts cannot come out of a validated
        // configuration; there is nothing sensible to try.
        (
            Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Text(_),
            Accepts::Int { .. }
            | Accepts::Float { .. }
            | Accepts::Bool
            | Accepts::OneOf(_)
            | Accepts::Name
            | Accepts::Text,
        ) => None,
    }
}

fn int_steps(v: i64, min: i64, max: i64, multiple_of: Option<u64>, factor: f64) -> Option<Steps> {
    let m = multiple_of.map_or(1, |m| m.max(1) as i64);
    // The nearest allowed integer to `x`: a multiple of `m` inside [min, max].
    // The smallest multiple of `m` at or above `min` (keys with a multiple have min >= 0).
    let lo_allowed = if min <= 0 { min } else { (min + m - 1) / m * m };
    let hi_allowed = max.div_euclid(m) * m;
    let snap = |x: f64| -> Option<i64> {
        if lo_allowed > hi_allowed {
            return None;
        }
        let k = (x / m as f64).round() as i64 * m;
        Some(k.clamp(lo_allowed, hi_allowed))
    };
    if v == 0 {
        let up = snap(1.0).map(|s| s.max(m.max(1)).min(hi_allowed))?;
        return (up > 0).then_some(Steps::FromZero(Value::Int(up)));
    }
    let mut out = Vec::new();
    for target in [v as f64 / factor, v as f64 * factor] {
        if let Some(s) = snap(target) {
            if s != v && !out.contains(&Value::Int(s)) {
                out.push(Value::Int(s));
            }
        }
    }
    (!out.is_empty()).then_some(Steps::Scaled(out))
}

fn float_steps(
    v: f64,
    min: f64,
    max: f64,
    min_open: bool,
    factor: f64,
    zero_step: Option<f64>,
) -> Option<Steps> {
    if v == 0.0 {
        let up = zero_step.unwrap_or(1.0).min(max);
        return (up > 0.0).then_some(Steps::FromZero(Value::Float(up)));
    }
    let mut out = Vec::new();
    for target in [v / factor, v * factor] {
        let mut s = target.min(max);
        if s < min || (min_open && s <= min) {
            // Clamped to an open bound: stop short of it rather than on it.
            s = if min_open { (min + v) / 2.0 } else { min };
        }
        if (s - v).abs() > v.abs() * 1e-12 && !out.contains(&Value::Float(s)) {
            out.push(Value::Float(s));
        }
    }
    (!out.is_empty()).then_some(Steps::Scaled(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(min: i64, max: i64, multiple_of: Option<u64>) -> Accepts {
        Accepts::Int {
            min,
            max,
            multiple_of,
        }
    }

    #[test]
    fn integers_halve_and_double_within_their_range() {
        let s = steps_for(&Value::Int(16), &int(1, 4096, None), 2.0, None);
        assert_eq!(s, Some(Steps::Scaled(vec![Value::Int(8), Value::Int(32)])));
        // At the upper bound only the lower step is left; clamped, not dropped.
        let s = steps_for(&Value::Int(48), &int(1, 64, None), 2.0, None);
        assert_eq!(s, Some(Steps::Scaled(vec![Value::Int(24), Value::Int(64)])));
        let s = steps_for(&Value::Int(64), &int(1, 64, None), 2.0, None);
        assert_eq!(s, Some(Steps::Scaled(vec![Value::Int(32)])));
        // 1 halves to 0.5, which rounds to 1 = the value: only the upper step.
        let s = steps_for(&Value::Int(1), &int(1, 64, None), 2.0, None);
        assert_eq!(s, Some(Steps::Scaled(vec![Value::Int(2)])));
    }

    #[test]
    fn integers_keep_a_required_multiple() {
        // macro.cols must be a multiple of the weight bits (4): 36 / 2 = 18 -> 20, 36 x 2 = 72.
        let s = steps_for(&Value::Int(36), &int(8, 4096, Some(4)), 2.0, None);
        assert_eq!(s, Some(Steps::Scaled(vec![Value::Int(20), Value::Int(72)])));
    }

    #[test]
    fn zero_steps_to_the_smallest_useful_value() {
        let s = steps_for(&Value::Int(0), &int(0, 256, None), 2.0, None);
        assert_eq!(s, Some(Steps::FromZero(Value::Int(1))));
        let s = steps_for(&Value::Int(0), &int(0, 256, Some(8)), 2.0, None);
        assert_eq!(s, Some(Steps::FromZero(Value::Int(8))));
        let f = Accepts::Float {
            min: 0.0,
            max: 100.0,
            min_open: false,
        };
        assert_eq!(
            steps_for(&Value::Float(0.0), &f, 2.0, Some(0.25)),
            Some(Steps::FromZero(Value::Float(0.25)))
        );
        assert_eq!(
            steps_for(&Value::Float(0.0), &f, 2.0, None),
            Some(Steps::FromZero(Value::Float(1.0)))
        );
    }

    #[test]
    fn floats_stop_short_of_an_open_bound() {
        let f = Accepts::Float {
            min: 0.5,
            max: 1.0,
            min_open: true,
        };
        // 0.75 / 2 = 0.375 is below the open bound 0.5: halfway to it instead; 1.5 -> 1.0.
        assert_eq!(
            steps_for(&Value::Float(0.75), &f, 2.0, None),
            Some(Steps::Scaled(vec![Value::Float(0.625), Value::Float(1.0)]))
        );
    }

    #[test]
    fn choices_try_every_alternative_and_text_is_left_alone() {
        let one_of = Accepts::OneOf(vec!["a".into(), "b".into(), "c".into()]);
        assert_eq!(
            steps_for(&Value::Text("b".into()), &one_of, 2.0, None),
            Some(Steps::Alternatives(vec![
                Value::Text("a".into()),
                Value::Text("c".into())
            ]))
        );
        assert_eq!(
            steps_for(&Value::Bool(true), &Accepts::Bool, 2.0, None),
            Some(Steps::Alternatives(vec![Value::Bool(false)]))
        );
        assert_eq!(
            steps_for(&Value::Text("x".into()), &Accepts::Text, 2.0, None),
            None
        );
    }

    #[test]
    fn floats_display_short() {
        assert_eq!(Value::Float(0.5499999999999999).display(), "0.55");
        assert_eq!(
            Value::Float(0.5499999999999999).set_text(),
            "0.5499999999999999"
        );
        assert_eq!(Value::Float(200.0).display(), "200");
        assert_eq!(Value::Float(0.015625).display(), "0.015625");
    }
}
