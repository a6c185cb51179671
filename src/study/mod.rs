//! The EdgeCIM study report: a sweep's results read back and set beside the paper's headline
//! figures (arXiv 2604.11512: INT4, 12 models, 336.42 decode tokens/s and 173.02 tokens/J on
//! average; 7.3x / 49.59x an Orin Nano on LLaMA3.2-1B, 9.95x an SA8255P on LLaMA3.2-3B).
//!
//! What is computed, from the feasible rows of the sweep's `results.csv` (a design is one
//! combination of the sweep's axis values):
//! - per model, the best-throughput and the best-efficiency design (decode tokens/s, decode
//!   tokens/J);
//! - the averages over the models, two ways: on one chip design (an accelerator is one chip:
//!   the design, among those feasible for every model, with the highest arithmetic mean of
//!   decode tokens/s, and the one with the highest mean tokens/J), and with each model on its
//!   own best design (what a per-model table would give);
//! - what the headline implies: if every model's weights stream once per decoded token from a
//!   DRAM of sustained bandwidth `B`, model `i` decodes at `B / bytes_i`, so a mean of `T`
//!   tokens/s needs `B = T / mean(1 / bytes_i)`; and DRAM energy alone (`e` J per byte moved)
//!   caps the mean tokens/J at `mean(1 / (bytes_i x e))`.
//!
//! The report is deterministic (no timings, no absolute paths): a test regenerates the reduced
//! study's report byte for byte.

pub mod report;

use std::collections::BTreeMap;
use std::path::Path;

use crate::explore::meta::{META_FILE, RESULTS_FILE};

/// The paper's published figures (arXiv 2604.11512, abstract).
pub mod paper {
    pub const MEAN_DECODE_TOKENS_PER_S: f64 = 336.42;
    pub const MEAN_DECODE_TOKENS_PER_J: f64 = 173.02;
    pub const ORIN_NANO_THROUGHPUT_X: f64 = 7.3;
    pub const ORIN_NANO_EFFICIENCY_X: f64 = 49.59;
    pub const SA8255P_THROUGHPUT_X: f64 = 9.95;
    /// The 12 models the averages are over.
    pub const MODELS: [&str; 12] = [
        "tinyllama-1.1b",
        "llama3.2-1b",
        "llama3.2-3b",
        "phi3.5-mini",
        "qwen2.5-0.5b",
        "qwen2.5-1.5b",
        "qwen2.5-3b",
        "smollm2-1.7b",
        "smollm3-3b",
        "qwen3-0.6b",
        "qwen3-1.7b",
        "qwen3-4b",
    ];
}

/// One feasible result row, with the figures the report uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub model: String,
    /// The axis values, `key=value` joined by `, ` in the sweep's axis order.
    pub design: String,
    pub decode_tokens_per_s: f64,
    pub decode_tokens_per_j: f64,
    pub decode_chip_tokens_per_j: f64,
    pub area_mm2: f64,
    pub power_w: f64,
    /// DRAM bytes read per decode step.
    pub dram_bytes_per_step: f64,
    /// System energy of all DRAM terms over the run divided by the bytes it moved, J per byte.
    pub dram_j_per_byte: f64,
}

/// A design evaluated on every model, and its means over them.
#[derive(Debug, Clone, PartialEq)]
pub struct ChipDesign {
    pub design: String,
    pub mean_tokens_per_s: f64,
    pub mean_tokens_per_j: f64,
    pub mean_chip_tokens_per_j: f64,
    /// The largest area and power over the models (the chip must hold every one).
    pub area_mm2: f64,
    pub power_w: f64,
}

/// Everything the report prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    pub spec: String,
    pub fidelity: String,
    pub axes: Vec<String>,
    pub models: Vec<String>,
    /// The sweep's workload (what a baseline is predicted on too).
    pub prompt_tokens: u64,
    pub generate_tokens: u64,
    pub points: usize,
    pub feasible: usize,
    /// Per model (in the spec's order): best tokens/s, best tokens/J.
    pub best: Vec<(Point, Point)>,
    /// One chip for every model: the fastest and the most efficient on average.
    pub one_chip_fastest: Option<ChipDesign>,
    pub one_chip_efficient: Option<ChipDesign>,
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

impl Study {
    /// Mean over the models of each one's best decode tokens/s (own design each).
    pub fn own_best_mean_tokens_per_s(&self) -> f64 {
        mean(self.best.iter().map(|(f, _)| f.decode_tokens_per_s))
    }

    pub fn own_best_mean_tokens_per_j(&self) -> f64 {
        mean(self.best.iter().map(|(_, e)| e.decode_tokens_per_j))
    }

    pub fn own_best_mean_chip_tokens_per_j(&self) -> f64 {
        mean(self.best.iter().map(|(_, e)| e.decode_chip_tokens_per_j))
    }

    /// `mean(1 / bytes_i)` over the models, per byte (bytes per decode step of each model's
    /// fastest design: its weights plus its KV reads).
    fn mean_inverse_bytes(&self) -> f64 {
        mean(self.best.iter().map(|(f, _)| 1.0 / f.dram_bytes_per_step))
    }

    /// Sustained DRAM bandwidth (GB/s) a mean of `tokens_per_s` needs if every model streams its
    /// bytes per step once per token at that bandwidth.
    pub fn implied_bandwidth_gbps(&self, tokens_per_s: f64) -> f64 {
        tokens_per_s / self.mean_inverse_bytes() / 1e9
    }

    /// The mean tokens/J DRAM energy alone allows, at each model's most efficient design's DRAM
    /// energy per byte.
    pub fn dram_only_tokens_per_j_cap(&self) -> f64 {
        mean(
            self.best
                .iter()
                .map(|(_, e)| 1.0 / (e.dram_bytes_per_step * e.dram_j_per_byte)),
        )
    }
}

fn bad(path: &Path, what: impl std::fmt::Display) -> String {
    format!("{}: {what}", path.display())
}

/// Reads a finished sweep's directory.
pub fn load(dir: &Path) -> Result<Study, String> {
    let meta_path = dir.join(META_FILE);
    let meta_text =
        std::fs::read_to_string(&meta_path).map_err(|e| bad(&meta_path, format!("{e}")))?;
    let meta: serde_json::Value =
        serde_json::from_str(&meta_text).map_err(|e| bad(&meta_path, format!("not JSON: {e}")))?;
    let checked = &meta["checked_spec"];
    let axes: Vec<String> = checked["params"]
        .as_array()
        .ok_or_else(|| bad(&meta_path, "checked_spec.params missing"))?
        .iter()
        .filter_map(|p| p["key"].as_str().map(str::to_string))
        .collect();
    let models: Vec<String> = checked["models"]
        .as_array()
        .ok_or_else(|| bad(&meta_path, "checked_spec.models missing"))?
        .iter()
        .filter_map(|m| m.as_str().map(str::to_string))
        .collect();
    let spec = meta["spec"].as_str().unwrap_or("?").to_string();
    let tokens = |k: &str| {
        checked["workload"][k]
            .as_u64()
            .ok_or_else(|| bad(&meta_path, format!("checked_spec.workload.{k} missing")))
    };
    let (prompt_tokens, generate_tokens) = (tokens("prompt_tokens")?, tokens("generate_tokens")?);
    let fidelity = meta["fidelity"].as_str().unwrap_or("?").to_string();

    let path = dir.join(RESULTS_FILE);
    let mut reader = csv::Reader::from_path(&path).map_err(|e| bad(&path, e))?;
    let header = reader.headers().map_err(|e| bad(&path, e))?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(&path, format!("no column `{name}`")))
    };
    let c_model = col("model")?;
    let c_feasible = col("feasible")?;
    let c_error = col("error")?;
    let axis_cols: Vec<usize> = axes.iter().map(|a| col(a)).collect::<Result<_, _>>()?;
    let numeric = [
        "decode_tokens_per_s",
        "decode_tokens_per_j",
        "decode_chip_tokens_per_j",
        "area_mm2",
        "power_w",
        "decode_dram_read_bytes",
        "decode_steps",
        "dram_read_bytes",
        "dram_write_bytes",
    ];
    let num_cols: Vec<usize> = numeric.iter().map(|n| col(n)).collect::<Result<_, _>>()?;
    let dram_energy_cols: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| h.starts_with("energy_breakdown_j.dram"))
        .map(|(i, _)| i)
        .collect();

    let mut points = Vec::new();
    let mut total = 0usize;
    for (line, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| bad(&path, e))?;
        total += 1;
        if &rec[c_feasible] != "true" || !rec[c_error].is_empty() {
            continue;
        }
        let num = |i: usize| -> Result<f64, String> {
            rec[num_cols[i]].parse::<f64>().map_err(|_| {
                bad(
                    &path,
                    format!(
                        "line {}: `{}` is not a number: {:?}",
                        line + 2,
                        numeric[i],
                        &rec[num_cols[i]]
                    ),
                )
            })
        };
        let steps = num(6)?.max(1.0);
        let bytes = num(7)? + num(8)?;
        let dram_j: f64 = dram_energy_cols
            .iter()
            .filter_map(|&i| rec[i].parse::<f64>().ok())
            .sum();
        let design = axes
            .iter()
            .zip(&axis_cols)
            .map(|(a, &i)| format!("{a}={}", &rec[i]))
            .collect::<Vec<_>>()
            .join(", ");
        points.push(Point {
            model: rec[c_model].to_string(),
            design,
            decode_tokens_per_s: num(0)?,
            decode_tokens_per_j: num(1)?,
            decode_chip_tokens_per_j: num(2)?,
            area_mm2: num(3)?,
            power_w: num(4)?,
            dram_bytes_per_step: num(5)? / steps,
            dram_j_per_byte: if bytes > 0.0 { dram_j / bytes } else { 0.0 },
        });
    }
    let mut study = analyse(spec, fidelity, axes, models, total, points);
    study.prompt_tokens = prompt_tokens;
    study.generate_tokens = generate_tokens;
    Ok(study)
}

/// The report's figures from the feasible points.
pub fn analyse(
    spec: String,
    fidelity: String,
    axes: Vec<String>,
    models: Vec<String>,
    total: usize,
    points: Vec<Point>,
) -> Study {
    let better = |a: f64, b: f64| a.total_cmp(&b);
    let mut best = Vec::new();
    for m in &models {
        let of: Vec<&Point> = points.iter().filter(|p| &p.model == m).collect();
        // Ties go to the design listed first (the sweep's point order): deterministic.
        let pick = |key: fn(&Point) -> f64| {
            of.iter()
                .copied()
                .fold(None::<&Point>, |acc, p| match acc {
                    Some(a) if better(key(p), key(a)).is_le() => Some(a),
                    _ => Some(p),
                })
                .cloned()
        };
        if let (Some(f), Some(e)) = (
            pick(|p| p.decode_tokens_per_s),
            pick(|p| p.decode_tokens_per_j),
        ) {
            best.push((f, e));
        }
    }
    // Designs feasible for every model.
    let mut by_design: BTreeMap<&str, Vec<&Point>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for p in &points {
        let e = by_design.entry(p.design.as_str()).or_default();
        if e.is_empty() {
            order.push(p.design.as_str());
        }
        e.push(p);
    }
    let chips: Vec<ChipDesign> = order
        .iter()
        .filter_map(|d| {
            let ps = &by_design[d];
            let all = models.iter().all(|m| ps.iter().any(|p| &p.model == m));
            all.then(|| ChipDesign {
                design: d.to_string(),
                mean_tokens_per_s: mean(ps.iter().map(|p| p.decode_tokens_per_s)),
                mean_tokens_per_j: mean(ps.iter().map(|p| p.decode_tokens_per_j)),
                mean_chip_tokens_per_j: mean(ps.iter().map(|p| p.decode_chip_tokens_per_j)),
                area_mm2: ps.iter().map(|p| p.area_mm2).fold(0.0, f64::max),
                power_w: ps.iter().map(|p| p.power_w).fold(0.0, f64::max),
            })
        })
        .collect();
    let pick_chip = |key: fn(&ChipDesign) -> f64| {
        chips
            .iter()
            .fold(None::<&ChipDesign>, |acc, c| match acc {
                Some(a) if better(key(c), key(a)).is_le() => Some(a),
                _ => Some(c),
            })
            .cloned()
    };
    Study {
        spec,
        fidelity,
        axes,
        models,
        prompt_tokens: 0,
        generate_tokens: 0,
        points: total,
        feasible: points.len(),
        best,
        one_chip_fastest: pick_chip(|c| c.mean_tokens_per_s),
        one_chip_efficient: pick_chip(|c| c.mean_tokens_per_j),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(model: &str, design: &str, tps: f64, tpj: f64, bytes: f64) -> Point {
        Point {
            model: model.into(),
            design: design.into(),
            decode_tokens_per_s: tps,
            decode_tokens_per_j: tpj,
            decode_chip_tokens_per_j: 2.0 * tpj,
            area_mm2: 10.0,
            power_w: 1.0,
            dram_bytes_per_step: bytes,
            dram_j_per_byte: 1e-10,
        }
    }

    #[test]
    fn averages_and_implications_show_the_arithmetic() {
        let models = vec!["a".to_string(), "b".to_string()];
        let pts = vec![
            p("a", "x", 100.0, 10.0, 1e9),
            p("a", "y", 200.0, 5.0, 1e9),
            p("b", "x", 50.0, 4.0, 2e9),
            // b has no feasible `y`: only `x` is one chip for both.
        ];
        let s = analyse("s".into(), "analytic".into(), vec![], models, 4, pts);
        assert_eq!(s.best[0].0.design, "y");
        assert_eq!(s.best[0].1.design, "x");
        // Own best: (200 + 50) / 2; one chip x: (100 + 50) / 2.
        assert_eq!(s.own_best_mean_tokens_per_s(), 125.0);
        assert_eq!(s.one_chip_fastest.as_ref().unwrap().mean_tokens_per_s, 75.0);
        assert_eq!(s.one_chip_efficient.as_ref().unwrap().design, "x");
        // mean(1/bytes) = (1 + 0.5) / 2 per GB = 0.75e-9: 300 tokens/s needs 400 GB/s.
        assert!((s.implied_bandwidth_gbps(300.0) - 400.0).abs() < 1e-9);
        // DRAM only at 0.1 nJ/byte, each model's most efficient design (both on x): 1 GB per
        // token caps a at 10 tokens/J, 2 GB caps b at 5; mean 7.5.
        assert!((s.dram_only_tokens_per_j_cap() - 7.5).abs() < 1e-9);
    }
}
