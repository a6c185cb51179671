//! Measurement CSVs: one measured decode rate per row. Required columns `model`, `weights`,
//! `prompt`, `generate`, `tokens_per_s`; optional `power_w` (chip rail, while decoding),
//! `power_mode`, `context_tokens` (the runtime's allocated context), `holdout` (`yes` keeps
//! the row out of the fit, to be predicted; `external`: likewise, for a point whose conditions
//! are not all stated) and `source`. Errors name the file, line and column.

use super::DeviceWorkload;

pub const REQUIRED_COLUMNS: &[&str] = &["model", "weights", "prompt", "generate", "tokens_per_s"];
pub const OPTIONAL_COLUMNS: &[&str] = &[
    "power_w",
    "power_mode",
    "context_tokens",
    "holdout",
    "source",
];

/// What a point is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Fitted on (`holdout` = `no` or empty).
    Fit,
    /// Held back from the fit and predicted (`yes`).
    HeldOut,
    /// Held back, from a source whose conditions (mode, workload) are not all stated
    /// (`external`): predicted and reported, outside the held-out bound.
    External,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Fit => "fit",
            Role::HeldOut => "held out",
            Role::External => "external",
        }
    }
}

/// One measured point.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// 1-based line in the file.
    pub line: usize,
    pub model: String,
    pub workload: DeviceWorkload,
    pub tokens_per_s: f64,
    pub power_w: Option<f64>,
    pub role: Role,
    pub source: String,
}

/// Parses CSV `text`; `origin` names it in errors.
pub fn parse_measurements(text: &str, origin: &str) -> Result<Vec<Measurement>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{origin}: cannot read the header: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    for h in &header {
        if !REQUIRED_COLUMNS.contains(&h.as_str()) && !OPTIONAL_COLUMNS.contains(&h.as_str()) {
            return Err(format!(
                "{origin}: unknown column `{h}`; allowed: {}, {}",
                REQUIRED_COLUMNS.join(", "),
                OPTIONAL_COLUMNS.join(", ")
            ));
        }
    }
    let missing: Vec<&str> = REQUIRED_COLUMNS
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{origin}: missing column(s) {}; required: {} (optional: {})",
            missing.join(", "),
            REQUIRED_COLUMNS.join(", "),
            OPTIONAL_COLUMNS.join(", ")
        ));
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("{origin}:{line}: {e}"))?;
        let field = |name: &str| col(name).and_then(|c| rec.get(c)).unwrap_or("").to_string();
        let at = |name: &str, what: &str| format!("{origin}:{line}: column `{name}`: {what}");
        let number = |name: &str| -> Result<Option<f64>, String> {
            let raw = field(name);
            if raw.is_empty() {
                return Ok(None);
            }
            match raw.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => Ok(Some(v)),
                Ok(_) => Err(at(name, &format!("`{raw}` must be a finite number > 0"))),
                Err(_) => Err(at(name, &format!("`{raw}` is not a number"))),
            }
        };
        let count = |name: &str| -> Result<Option<u64>, String> {
            let raw = field(name);
            if raw.is_empty() {
                return Ok(None);
            }
            match raw.parse::<u64>() {
                Ok(v) if v > 0 => Ok(Some(v)),
                _ => Err(at(name, &format!("`{raw}` must be a whole number ≥ 1"))),
            }
        };
        let required = |name: &str, v: Option<u64>| v.ok_or_else(|| at(name, "empty"));
        let model = field("model");
        if model.is_empty() {
            return Err(at("model", "empty"));
        }
        let weights = field("weights");
        if weights.is_empty() {
            return Err(at("weights", "empty"));
        }
        let role = match field("holdout").to_ascii_lowercase().as_str() {
            "" | "no" | "false" => Role::Fit,
            "yes" | "true" => Role::HeldOut,
            "external" => Role::External,
            other => {
                return Err(at(
                    "holdout",
                    &format!("`{other}`: allowed no, yes or external"),
                ))
            }
        };
        let mode = field("power_mode");
        out.push(Measurement {
            line,
            model,
            workload: DeviceWorkload {
                weights,
                prompt_tokens: required("prompt", count("prompt")?)?,
                generate_tokens: required("generate", count("generate")?)?,
                context_tokens: count("context_tokens")?,
                power_mode: (!mode.is_empty()).then_some(mode),
            },
            tokens_per_s: number("tokens_per_s")?.ok_or_else(|| at("tokens_per_s", "empty"))?,
            power_w: number("power_w")?,
            role,
            source: field("source"),
        });
    }
    if out.is_empty() {
        return Err(format!("{origin}: no measurement rows"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "model,weights,prompt,generate,tokens_per_s,power_w\n";

    #[test]
    fn shipped_csvs_parse() {
        for (name, text) in super::super::SHIPPED_MEASUREMENTS {
            let rows = parse_measurements(text, name).unwrap();
            assert!(rows.len() >= 4, "{name}");
            assert!(
                rows.iter().all(|r| !r.source.is_empty()),
                "{name}: every row cites"
            );
        }
    }

    #[test]
    fn bad_files_name_line_and_column() {
        let e = parse_measurements("model,weights,prompt\nx,y,1\n", "m.csv").unwrap_err();
        assert!(
            e.contains("m.csv") && e.contains("generate, tokens_per_s"),
            "{e}"
        );
        let e = parse_measurements(&format!("{HEAD}a,q8_0,1,1,NaN,\n"), "m.csv").unwrap_err();
        assert!(e.contains("m.csv:2") && e.contains("tokens_per_s"), "{e}");
        let e = parse_measurements(&format!("{HEAD}a,q8_0,1,1,5,-3\n"), "m.csv").unwrap_err();
        assert!(e.contains("power_w") && e.contains("> 0"), "{e}");
        let e = parse_measurements(&format!("{HEAD}a,q8_0,0,1,5,\n"), "m.csv").unwrap_err();
        assert!(e.contains("prompt"), "{e}");
        let e = parse_measurements(
            "model,weights,prompt,generate,tokens_per_s,speed\n",
            "m.csv",
        )
        .unwrap_err();
        assert!(e.contains("unknown column `speed`"), "{e}");
    }
}
