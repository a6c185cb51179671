//! The design space: the models and the varied parameters, each a list of values (given as a
//! list or expanded from `{from, to, step}` / `{from, to, mul}`). A point is one value index per
//! dimension; its id is its index in the mixed-radix enumeration (model most significant, then
//! the parameters in spec order, the last varying fastest), so ids are stable across shards,
//! resumes and searches.

use std::fmt;

/// At most this many values in one parameter.
pub const MAX_VALUES_PER_PARAM: usize = 1_000_000;

/// One value of a varied parameter.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

impl ParamValue {
    /// The value as `--set key=VALUE` takes it.
    pub fn override_text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(i) => write!(f, "{i}"),
            // `{:?}` keeps a decimal point or exponent (`200.0`, `1e-5`) and round-trips.
            ParamValue::Float(x) => write!(f, "{x:?}"),
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Text(s) => f.write_str(s),
        }
    }
}

/// A varied parameter: a configuration key path (or `mapping` / `weights`) and its values.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Param {
    pub key: String,
    pub values: Vec<ParamValue>,
}

/// Expands a `[space]` entry: a list of scalars, `{from, to, step}` or `{from, to, mul}`.
pub fn expand_values(v: &toml::Value) -> Result<Vec<ParamValue>, String> {
    match v {
        toml::Value::Array(items) => {
            if items.is_empty() {
                return Err("the list of values is empty".into());
            }
            let mut out: Vec<ParamValue> = Vec::with_capacity(items.len());
            for item in items {
                let value = scalar(item)?;
                if out.contains(&value) {
                    return Err(format!("value `{value}` is listed twice"));
                }
                out.push(value);
            }
            Ok(out)
        }
        toml::Value::Table(t) => {
            for k in t.keys() {
                if !["from", "to", "step", "mul"].contains(&k.as_str()) {
                    return Err(format!(
                        "unknown range key `{k}`: a range is {{from, to, step}} or {{from, to, mul}}"
                    ));
                }
            }
            let get = |k: &str| t.get(k);
            let (Some(from), Some(to)) = (get("from"), get("to")) else {
                return Err("a range needs `from` and `to`".into());
            };
            match (get("step"), get("mul")) {
                (Some(_), Some(_)) => Err("a range has `step` or `mul`, not both".into()),
                (None, None) => Err("a range needs `step` or `mul`".into()),
                (Some(step), None) => step_range(from, to, step),
                (None, Some(mul)) => mul_range(from, to, mul),
            }
        }
        other => scalar(other).map(|v| vec![v]),
    }
}

fn scalar(v: &toml::Value) -> Result<ParamValue, String> {
    match v {
        toml::Value::Integer(i) => Ok(ParamValue::Int(*i)),
        toml::Value::Float(x) if x.is_finite() => Ok(ParamValue::Float(*x)),
        toml::Value::Float(x) => Err(format!("`{x}` is not a finite number")),
        toml::Value::Boolean(b) => Ok(ParamValue::Bool(*b)),
        toml::Value::String(s) => Ok(ParamValue::Text(s.clone())),
        other => Err(format!(
            "expected a number, boolean or string, found a {}",
            other.type_str()
        )),
    }
}

fn number(v: &toml::Value, key: &str) -> Result<f64, String> {
    match v {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(x) if x.is_finite() => Ok(*x),
        _ => Err(format!("range `{key}` must be a finite number")),
    }
}

fn step_range(
    from: &toml::Value,
    to: &toml::Value,
    step: &toml::Value,
) -> Result<Vec<ParamValue>, String> {
    if let (toml::Value::Integer(a), toml::Value::Integer(b), toml::Value::Integer(s)) =
        (from, to, step)
    {
        let (a, b, s) = (*a, *b, *s);
        if s <= 0 {
            return Err(format!("`step` = {s}: must be positive"));
        }
        if b < a {
            return Err(format!("empty range: `to` ({b}) is below `from` ({a})"));
        }
        let count = ((b as i128 - a as i128) / s as i128 + 1) as u128;
        if count > MAX_VALUES_PER_PARAM as u128 {
            return Err(format!(
                "{count} values, at most {MAX_VALUES_PER_PARAM} per parameter"
            ));
        }
        return Ok((0..count as i64)
            .map(|i| ParamValue::Int(a + i * s))
            .collect());
    }
    let (a, b, s) = (
        number(from, "from")?,
        number(to, "to")?,
        number(step, "step")?,
    );
    if s <= 0.0 {
        return Err(format!("`step` = {s}: must be positive"));
    }
    if b < a {
        return Err(format!("empty range: `to` ({b}) is below `from` ({a})"));
    }
    // Values are from + i*step (no accumulated rounding); `to` is included up to a relative 1e-9.
    let count = ((b - a) / s * (1.0 + 1e-9)).floor() + 1.0;
    if count > MAX_VALUES_PER_PARAM as f64 {
        return Err(format!(
            "{count} values, at most {MAX_VALUES_PER_PARAM} per parameter"
        ));
    }
    Ok((0..count as usize)
        .map(|i| ParamValue::Float(a + i as f64 * s))
        .collect())
}

fn mul_range(
    from: &toml::Value,
    to: &toml::Value,
    mul: &toml::Value,
) -> Result<Vec<ParamValue>, String> {
    let m = number(mul, "mul")?;
    if m <= 1.0 {
        return Err(format!("`mul` = {m}: must be greater than 1"));
    }
    let ints = matches!(
        (from, to),
        (toml::Value::Integer(_), toml::Value::Integer(_))
    );
    let (a, b) = (number(from, "from")?, number(to, "to")?);
    if a <= 0.0 {
        return Err(format!("`from` = {a}: a `mul` range starts above 0"));
    }
    if b < a {
        return Err(format!("empty range: `to` ({b}) is below `from` ({a})"));
    }
    let mut out = Vec::new();
    let mut x = a;
    while x <= b * (1.0 + 1e-9) {
        out.push(if ints && x.fract() == 0.0 && x < i64::MAX as f64 {
            ParamValue::Int(x as i64)
        } else {
            ParamValue::Float(x)
        });
        x *= m;
    }
    if ints && out.iter().any(|v| matches!(v, ParamValue::Float(_))) {
        return Err(format!(
            "an integer range with `mul` = {m} gives non-integer values; use an integer `mul`"
        ));
    }
    Ok(out)
}

/// The models and parameters of a sweep, enumerated in mixed radix.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    /// Size of each dimension: models first, then each parameter.
    radix: Vec<u64>,
    size: u64,
}

/// A point: its id and one value index per dimension (model first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub id: u64,
    pub model: usize,
    pub values: Vec<usize>,
}

impl Space {
    /// `None` when the space has more points than a u64 can count.
    pub fn new(models: usize, params: &[Param]) -> Option<Space> {
        let radix: Vec<u64> = std::iter::once(models as u64)
            .chain(params.iter().map(|p| p.values.len() as u64))
            .collect();
        let size = radix.iter().try_fold(1u64, |acc, r| acc.checked_mul(*r))?;
        Some(Space { radix, size })
    }

    /// Number of points (models x every parameter's values).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Number of values of each parameter (without the model dimension).
    pub fn param_radix(&self) -> &[u64] {
        &self.radix[1..]
    }

    /// Points per model.
    pub fn per_model(&self) -> u64 {
        self.radix[1..].iter().product()
    }

    /// The point with id `id` (`id < size`).
    pub fn decode(&self, id: u64) -> Point {
        let mut rest = id;
        let mut idx = vec![0usize; self.radix.len()];
        for (slot, r) in idx.iter_mut().zip(&self.radix).rev() {
            let r = (*r).max(1);
            *slot = (rest % r) as usize;
            rest /= r;
        }
        Point {
            id,
            model: idx[0],
            values: idx[1..].to_vec(),
        }
    }

    /// The id of model `model` with parameter value indices `values`.
    pub fn encode(&self, model: usize, values: &[usize]) -> u64 {
        std::iter::once(model)
            .chain(values.iter().copied())
            .zip(&self.radix)
            .fold(0u64, |acc, (i, r)| acc * r + i as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toml_value(s: &str) -> toml::Value {
        let t: toml::Table = toml::from_str(&format!("v = {s}")).unwrap();
        t["v"].clone()
    }

    fn ints(v: &[ParamValue]) -> Vec<i64> {
        v.iter()
            .map(|x| match x {
                ParamValue::Int(i) => *i,
                other => panic!("not an int: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn ranges_expand_by_hand() {
        assert_eq!(
            ints(&expand_values(&toml_value("{from = 4, to = 64, mul = 2}")).unwrap()),
            vec![4, 8, 16, 32, 64]
        );
        assert_eq!(
            ints(&expand_values(&toml_value("{from = 4, to = 60, mul = 2}")).unwrap()),
            vec![4, 8, 16, 32]
        );
        assert_eq!(
            ints(&expand_values(&toml_value("{from = 1, to = 10, step = 3}")).unwrap()),
            vec![1, 4, 7, 10]
        );
        assert_eq!(
            ints(&expand_values(&toml_value("{from = 5, to = 5, step = 1}")).unwrap()),
            vec![5]
        );
        let f = expand_values(&toml_value("{from = 0.1, to = 0.3, step = 0.1}")).unwrap();
        assert_eq!(f.len(), 3, "0.1, 0.2, 0.3 despite rounding: {f:?}");
        assert_eq!(f[2], ParamValue::Float(0.1 + 2.0 * 0.1));
        let m = expand_values(&toml_value("{from = 0.5, to = 2.0, mul = 2}")).unwrap();
        assert_eq!(
            m,
            vec![
                ParamValue::Float(0.5),
                ParamValue::Float(1.0),
                ParamValue::Float(2.0)
            ]
        );
        assert_eq!(
            expand_values(&toml_value("[\"a\", \"b\"]")).unwrap().len(),
            2
        );
        assert_eq!(
            expand_values(&toml_value("7")).unwrap(),
            vec![ParamValue::Int(7)]
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        for (text, words) in [
            ("[]", "empty"),
            ("{from = 8, to = 4, step = 1}", "empty range"),
            ("{from = 1, to = 4, step = 0}", "must be positive"),
            ("{from = 1, to = 4, step = -1}", "must be positive"),
            ("{from = 1, to = 4, mul = 1}", "greater than 1"),
            ("{from = 1, to = 4, mul = 0.5}", "greater than 1"),
            ("{from = 1, to = 4}", "`step` or `mul`"),
            ("{from = 1, to = 4, step = 1, mul = 2}", "not both"),
            ("{from = 1, to = 4, by = 1}", "unknown range key"),
            ("{from = 0, to = 4, mul = 2}", "above 0"),
            ("{from = 1, to = 4, mul = 1.5}", "non-integer"),
            ("[1, 1]", "twice"),
            ("{from = 0, to = 1e12, step = 1}", "at most"),
        ] {
            let err = expand_values(&toml_value(text)).unwrap_err();
            assert!(err.contains(words), "{text}: {err}");
        }
    }

    #[test]
    fn ids_enumerate_in_mixed_radix() {
        let params = vec![
            Param {
                key: "a".into(),
                values: vec![ParamValue::Int(1), ParamValue::Int(2), ParamValue::Int(3)],
            },
            Param {
                key: "b".into(),
                values: vec![ParamValue::Bool(false), ParamValue::Bool(true)],
            },
        ];
        let s = Space::new(2, &params).unwrap();
        assert_eq!(s.size(), 12);
        assert_eq!(s.per_model(), 6);
        // Last parameter fastest, model slowest.
        assert_eq!(
            s.decode(0),
            Point {
                id: 0,
                model: 0,
                values: vec![0, 0]
            }
        );
        assert_eq!(
            s.decode(1),
            Point {
                id: 1,
                model: 0,
                values: vec![0, 1]
            }
        );
        assert_eq!(
            s.decode(2),
            Point {
                id: 2,
                model: 0,
                values: vec![1, 0]
            }
        );
        assert_eq!(
            s.decode(7),
            Point {
                id: 7,
                model: 1,
                values: vec![0, 1]
            }
        );
        for id in 0..12 {
            let p = s.decode(id);
            assert_eq!(s.encode(p.model, &p.values), id);
        }
        let huge = Param {
            key: "x".into(),
            values: vec![ParamValue::Int(0); 1 << 20],
        };
        assert!(Space::new(1, &[huge.clone(), huge.clone(), huge.clone(), huge]).is_none());
    }
}
