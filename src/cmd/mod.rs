//! One module per subcommand. Shared helpers: the bad-input marker that selects exit code 2, the
//! checks that an output path can be written (before any work), and atomic output writing
//! (temporary file + rename, so a failed run never leaves half a file).

pub mod args;
pub mod baseline;
pub mod bench;
pub mod compile;
pub mod config;
pub mod docs;
pub mod dram;
pub mod merge;
pub mod models;
mod overlap;
pub mod plot;
pub mod sensitivity;
pub mod simulate;
pub mod study;
pub mod sweep;

use anyhow::Context;
use std::fmt;
use std::io::Write;
use std::path::Path;

/// Marks an error as caused by the user's input (exit code 2), as opposed to an internal or I/O
/// failure (exit code 1). Wrap with [`bad_input`].
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Turns any displayable error into a bad-input error (exit code 2).
pub fn bad_input(err: impl fmt::Display) -> anyhow::Error {
    anyhow::Error::new(BadInput(err.to_string()))
}

/// True when any error in the chain is a [`BadInput`].
pub fn is_bad_input(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.is::<BadInput>())
}

/// Checks, before any work, that an output file can be created at `path`: its directory exists
/// and is a directory, and `path` is not itself a directory (exit code 2 otherwise).
pub fn check_output(path: &Path) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(bad_input(format!(
            "cannot write {}: the directory {} does not exist{}",
            path.display(),
            dir.display(),
            if dir.exists() {
                " (it is a file)"
            } else {
                "; create it first"
            }
        )));
    }
    if path.is_dir() {
        return Err(bad_input(format!(
            "cannot write {}: it is a directory; give a file name",
            path.display()
        )));
    }
    probe(&dir).map_err(|e| bad_input(format!("cannot write {}: {e}", path.display())))
}

/// Creates and removes a small file in `dir`: the one sure test that files can be written there
/// (permissions, read-only mounts, `/proc`).
fn probe(dir: &Path) -> std::io::Result<()> {
    let p = dir.join(format!(".cimsim-probe-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&p)?;
    std::fs::remove_file(&p)
}

/// Checks that files can be created in existing directory `dir` (exit code 2 otherwise).
pub fn check_writable_dir(dir: &Path) -> anyhow::Result<()> {
    probe(dir).map_err(|e| bad_input(format!("--out {}: cannot write there: {e}", dir.display())))
}

/// Checks, before any work, that output directory `dir` exists as a directory or can be
/// created: the nearest existing ancestor must be a directory (exit code 2 otherwise).
pub fn check_output_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(bad_input(format!(
            "--out {}: it is a file, not a directory",
            dir.display()
        )));
    }
    if let Some(file) = dir.ancestors().skip(1).find(|a| a.is_file()) {
        return Err(bad_input(format!(
            "--out {}: cannot create it, {} is a file",
            dir.display(),
            file.display()
        )));
    }
    // The directory, or the nearest ancestor that exists, must take new files.
    let existing = dir
        .ancestors()
        .find(|a| a.as_os_str().is_empty() || a.is_dir())
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .unwrap_or(Path::new("."));
    probe(existing).map_err(|e| {
        bad_input(format!(
            "--out {}: cannot write in {}: {e}",
            dir.display(),
            existing.display()
        ))
    })
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, then rename.
/// A path that cannot be written (missing directory, refused permission, read-only or special
/// file system) is the user's to fix (exit code 2); a full disk or another failure of the
/// machine exits with 1.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    check_output(path)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .with_context(|| format!("{}: not a file path", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        let message = format!("cannot write {}", path.display());
        use std::io::ErrorKind as K;
        if matches!(
            e.kind(),
            K::StorageFull | K::QuotaExceeded | K::OutOfMemory | K::Interrupted | K::Other
        ) {
            return Err(anyhow::Error::new(e).context(message));
        }
        return Err(bad_input(format!("{message}: {e}")));
    }
    Ok(())
}

/// Writes to standard output; a closed pipe (`| head`) ends the output quietly.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
