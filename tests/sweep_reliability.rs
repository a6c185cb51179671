//! No lost work: a sweep killed with SIGKILL at many pseudo-random moments (before its first
//! row, mid-way, during the final sort and front, during a resume) leaves only valid complete
//! rows, and `--resume` completes it to exactly the files of an uninterrupted run; Ctrl-C
//! (SIGINT) stops cleanly, keeps its rows and prints the command that resumes it.

mod common;

use common::{
    data_lines, read, read_or_empty, rows_written, spawn, sweep, sweep_cmd, wait_for_rows,
    write_spec, SPEC_144,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Writes `SPEC_144` to `dir/s.toml` and runs it uninterrupted into `dir/reference`.
fn spec_and_reference(dir: &Path) -> (PathBuf, PathBuf) {
    let spec = write_spec(dir, "s.toml", SPEC_144);
    let reference = dir.join("reference");
    sweep(&spec, &reference, &["--jobs", "1"]);
    (spec, reference)
}

/// Every newline-terminated row of `results` is a row of the uninterrupted run (rows are
/// deterministic per point), each at most once; only the last line may be torn.
fn check_partial(results: &str, reference: &HashSet<String>, header: &str) {
    let mut lines = results.split_inclusive('\n');
    if let Some(first) = lines.next() {
        if first.ends_with('\n') {
            assert_eq!(first.trim_end(), header, "header");
        }
    }
    let mut seen = HashSet::new();
    for line in lines {
        let Some(row) = line.strip_suffix('\n') else {
            continue; // a torn last line: dropped on resume
        };
        assert!(reference.contains(row), "a row not of the sweep: {row}");
        assert!(seen.insert(row.to_string()), "a row written twice: {row}");
    }
}

/// A small deterministic generator (64-bit LCG), so the kill points are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn sigkill_at_random_points_then_resume_gives_the_uninterrupted_files() {
    let dir = tempfile::tempdir().unwrap();
    let (spec, reference) = spec_and_reference(dir.path());
    let expected = read(&reference.join("results.csv"));
    let header = expected.lines().next().unwrap().to_string();
    let rows: HashSet<String> = data_lines(&expected).into_iter().collect();
    assert_eq!(rows.len(), 144);

    // Eight runs into one directory (the first from scratch, the others resuming what the kills
    // left): killed before the first row, then at pseudo-random row counts in increasing order,
    // then once every row is written (during the final sort, fronts and plot); then one run to
    // completion.
    let out = dir.path().join("killed");
    let results = out.join("results.csv");
    let mut rng = Lcg(0x5eed_cafe);
    let mut targets: Vec<usize> = (0..6).map(|_| 1 + rng.below(143) as usize).collect();
    targets.sort_unstable();
    let mut killed_mid_run = 0;
    let mut log = Vec::new();
    for round in 0..8 {
        let mut child = spawn(&spec, &out, "analytic", round > 0);
        match round {
            0 => std::thread::sleep(Duration::from_millis(rng.below(3))),
            1..=6 => {
                wait_for_rows(&mut child, &results, targets[round - 1]);
            }
            _ => {
                wait_for_rows(&mut child, &results, 144);
            }
        }
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        if !finished {
            killed_mid_run += 1;
        }
        log.push((round, finished, rows_written(&results)));
        check_partial(&read_or_empty(&results), &rows, &header);
    }
    assert!(
        killed_mid_run >= 6,
        "only {killed_mid_run} of 8 kills hit a running sweep (targets {targets:?}; round, finished, rows: {log:?})"
    );

    sweep(&spec, &out, &["--jobs", "1", "--resume"]);
    for f in ["results.csv", "pareto.csv"] {
        assert_eq!(read(&out.join(f)), read(&reference.join(f)), "{f}");
    }
}

#[test]
fn a_kill_before_the_first_row_still_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let (spec, reference) = spec_and_reference(dir.path());
    let out = dir.path().join("early");
    for delay_ms in [0, 1, 3, 8] {
        let mut child = spawn(&spec, &out, "analytic", out.exists());
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().unwrap();
    }
    sweep(&spec, &out, &["--jobs", "1", "--resume"]);
    assert_eq!(
        read(&out.join("results.csv")),
        read(&reference.join("results.csv"))
    );
}

#[test]
fn ctrl_c_stops_cleanly_keeps_rows_and_says_how_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    // Cycle fidelity: a fraction of a second per point, so the signal lands mid-sweep.
    let spec = write_spec(
        dir.path(),
        "s.toml",
        r#"
models = ["smollm2-135m"]
[workload]
prompt = 8
generate = 4
[space]
"chip.tiles" = [2, 4, 8]
"macro.rows" = [128, 256]
"clock.freq_mhz" = [100.0, 200.0]
"#,
    );
    let out = dir.path().join("out");
    let results = out.join("results.csv");
    let mut child = spawn(&spec, &out, "cycle", false);
    wait_for_rows(&mut child, &results, 1);
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let resume_hint = format!("--out {} --fidelity cycle --resume", out.display());
    assert!(stderr.contains(&resume_hint), "{stderr}");
    let kept = read(&results);
    let kept_rows = data_lines(&kept).len();
    assert!(
        (1..12).contains(&kept_rows),
        "{kept_rows} rows kept\n{stderr}"
    );
    assert!(kept.ends_with('\n'), "the rows in flight are written whole");

    // The printed command finishes the sweep to what an uninterrupted run gives.
    let cycle_resume = ["--fidelity", "cycle", "--resume"];
    sweep_cmd(&spec, &out, &cycle_resume).assert().success();
    let whole = dir.path().join("whole");
    sweep_cmd(&spec, &whole, &["--fidelity", "cycle"])
        .assert()
        .success();
    assert_eq!(read(&results), read(&whole.join("results.csv")));
}
