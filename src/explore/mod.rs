//! The design-space explorer: a sweep spec ([`spec`]) names a space ([`space`]) that a search
//! ([`search`], [`nsga2`]) walks; each point is compiled and simulated ([`eval`]) in parallel and
//! streamed as one CSV row ([`csvio`]); the run is resumable, shardable and mergeable
//! ([`runner`], [`merge`]); fronts and screening live in [`front`].

pub mod csvio;
pub mod eval;
pub mod front;
pub mod merge;
pub mod meta;
pub mod metrics;
pub mod names;
pub mod nsga2;
pub mod plot;
pub mod runner;
pub mod search;
pub mod space;
pub mod spec;

pub use runner::{run_sweep, Progress, SweepFidelity, SweepOptions, SweepSummary};
pub use spec::{load_spec, SpecError, SweepSpec};

use std::io::Write;
use std::path::Path;

/// Sweeps that would run more points than this refuse unless `--max-points` allows them.
pub const DEFAULT_MAX_POINTS: u64 = 10_000_000;

/// Why a sweep or merge stopped.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The user's input (spec, options, directories of another sweep): exit code 2.
    #[error("{0}")]
    BadInput(String),
    /// Ctrl-C: rows in flight were written; the message says how to resume.
    #[error("{0}")]
    Interrupted(String),
    #[error("{0}")]
    Io(String),
}

impl From<csvio::CsvError> for SweepError {
    fn from(e: csvio::CsvError) -> Self {
        match e {
            csvio::CsvError::Bad { .. } => SweepError::BadInput(e.to_string()),
            csvio::CsvError::Io { .. } => SweepError::Io(e.to_string()),
        }
    }
}

/// Writes a file atomically: a temporary file in the same directory, synced, then renamed.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
