//! Shared pieces of the end-to-end sweep tests: a sweep slow enough to be interrupted, writing
//! specs, reading result files, running `cimsim sweep` to the end or as a child to be killed,
//! and waiting for a running sweep to write its rows.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// 144 analytic points (3 x 4 x 2 x 3 x 2): about half a second on one thread, so a run can be
/// killed or interrupted midway.
pub const SPEC_144: &str = r#"
models = ["smollm2-135m"]
[workload]
prompt = 8
generate = 8
[space]
"chip.tiles" = [2, 4, 8]
"macro.rows" = [64, 128, 256, 512]
"dram.preset" = ["lpddr4-3200", "lpddr5-6400"]
"clock.freq_mhz" = {from = 100.0, to = 400.0, mul = 2}
mapping = ["balanced-pipeline", "sequential"]
"#;

/// How long a test waits for a running sweep before it gives up.
const WAIT: Duration = Duration::from_secs(60);

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").unwrap()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_spec(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `cimsim sweep <spec> --out <out> <args>`, not yet run.
pub fn sweep_cmd(spec: &Path, out: &Path, args: &[&str]) -> Command {
    let mut c = cimsim();
    c.arg("sweep").arg(spec).arg("--out").arg(out).args(args);
    c
}

/// Runs an analytic sweep with `extra` arguments and asserts that it succeeds.
pub fn sweep(spec: &Path, out: &Path, extra: &[&str]) {
    sweep_cmd(spec, out, &["--fidelity", "analytic"])
        .args(extra)
        .assert()
        .success();
}

/// Starts a one-thread sweep as a child process (stderr piped, for its messages), so a test can
/// kill or interrupt it.
pub fn spawn(spec: &Path, out: &Path, fidelity: &str, resume: bool) -> Child {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("cimsim"));
    c.arg("sweep")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .args(["--fidelity", fidelity, "--jobs", "1"]);
    if resume {
        c.arg("--resume");
    }
    c.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cimsim")
}

/// The text of a file that must exist.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The text of a file a running or killed sweep may not have written yet ("" if none).
pub fn read_or_empty(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// The lines of a CSV text after its header.
pub fn data_lines(text: &str) -> Vec<String> {
    text.lines().skip(1).map(str::to_string).collect()
}

/// How many rows (lines after the header, a torn last one included) `results` holds now.
pub fn rows_written(results: &Path) -> usize {
    read_or_empty(results).lines().count().saturating_sub(1)
}

/// Waits until `results` holds at least `rows` rows, the child exits or a minute passes, and
/// returns the rows seen last.
pub fn wait_for_rows(child: &mut Child, results: &Path, rows: usize) -> usize {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = rows_written(results);
        if now >= rows || child.try_wait().unwrap().is_some() || Instant::now() >= deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
