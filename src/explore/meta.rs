//! `sweep.json`: what produced a sweep directory, so `--resume` and `merge` can refuse rows of a
//! different spec. The spec hash covers everything that changes a row: the checked spec (base
//! configuration text included), model files, the fidelity and the cimsim version. No timestamps:
//! the same sweep gives the same bytes.

use super::eval::fnv1a;
use super::front::ScreenSummary;
use super::search::Shard;
use super::spec::SweepSpec;
use super::SweepError;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const META_FILE: &str = "sweep.json";
pub const RESULTS_FILE: &str = "results.csv";
pub const REFINED_FILE: &str = "refined.csv";
pub const PARETO_FILE: &str = "pareto.csv";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepMeta {
    pub cimsim_version: String,
    /// The spec file as given on the command line.
    pub spec: String,
    /// 16 hex digits; see the module doc.
    pub spec_hash: String,
    /// `analytic`, `cycle` or `screen`.
    pub fidelity: String,
    /// `I/N` when this directory holds one shard; absent for a whole sweep or a merge of all
    /// shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Points this directory is meant to hold (in `results.csv`).
    pub points_planned: u64,
    /// True once every planned point has a row and the files are sorted.
    pub complete: bool,
    pub rows: u64,
    /// Rows of `refined.csv` (the `screen` fidelity's cycle-level runs).
    #[serde(default)]
    pub refined_rows: u64,
    /// Rows of `pareto.csv`.
    #[serde(default)]
    pub pareto_rows: u64,
    /// `screen` fidelity: how many points the margin admitted, how many were refined and the
    /// margin that is guaranteed (see `explore::front`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screening: Option<ScreenSummary>,
    /// Shards joined by `cimsim merge`, when this directory is a merge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_shards: Vec<String>,
    /// The checked spec, so `merge` knows the columns, objectives and constraints without the
    /// spec file.
    pub checked_spec: SweepSpec,
}

/// The spec hash (see the module doc), as 16 hex digits.
pub fn spec_hash(spec: &SweepSpec, fidelity: &str) -> String {
    let mut text = serde_json::to_string(spec).unwrap_or_default();
    for m in &spec.models {
        if Path::new(m).is_file() {
            text.push_str(&std::fs::read_to_string(m).unwrap_or_default());
        }
    }
    text.push_str(fidelity);
    text.push_str(env!("CARGO_PKG_VERSION"));
    format!("{:016x}", fnv1a(text.as_bytes()))
}

pub fn shard_text(shard: Option<Shard>) -> Option<String> {
    shard.map(|s| s.to_string())
}

/// Reads `DIR/sweep.json`; `None` when absent.
pub fn read_meta(dir: &Path) -> Result<Option<SweepMeta>, SweepError> {
    let path = dir.join(META_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| SweepError::Io(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map(Some).map_err(|e| {
        SweepError::BadInput(format!(
            "{}: not a sweep metadata file: {e}",
            path.display()
        ))
    })
}

pub fn write_meta(dir: &Path, meta: &SweepMeta) -> Result<(), SweepError> {
    let path = dir.join(META_FILE);
    let mut text = serde_json::to_string_pretty(meta).map_err(|e| SweepError::Io(e.to_string()))?;
    text.push('\n');
    super::write_atomic(&path, text.as_bytes())
        .map_err(|e| SweepError::Io(format!("cannot write {}: {e}", path.display())))
}
