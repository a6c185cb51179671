//! No lost work: a sweep killed with SIGKILL at many pseudo-random moments (before its first
//! row, mid-way, during the final sort and front, during a resume) leaves only valid complete
//! rows, and `--resume` completes it to exactly the files of an uninterrupted run; Ctrl-C
//! (SIGINT) stops cleanly, keeps its rows and prints the command that resumes it.

use assert_cmd::Command;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// 144 analytic points: about half a second on one thread.
const SPEC: &str = r#"
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

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("cimsim")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

fn spawn(spec: &Path, out: &Path, fidelity: &str, resume: bool) -> std::process::Child {
    let mut c = std::process::Command::new(bin());
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

/// Every newline-terminated row of `results` is a row of the uninterrupted run (rows are
/// deterministic per point), each at most once; only the last line may be torn.
fn check_partial(results: &str, reference: &HashSet<&str>, header: &str) {
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
    let spec = dir.path().join("s.toml");
    std::fs::write(&spec, SPEC).unwrap();

    let reference = dir.path().join("reference");
    let status = spawn(&spec, &reference, "analytic", false).wait().unwrap();
    assert!(status.success());
    let expected = read(&reference.join("results.csv"));
    let header = expected.lines().next().unwrap().to_string();
    let rows: HashSet<&str> = expected.lines().skip(1).collect();
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
        let rows_now = || read(&results).lines().count().saturating_sub(1);
        let deadline = Instant::now() + Duration::from_secs(60);
        match round {
            0 => std::thread::sleep(Duration::from_millis(rng.below(3))),
            1..=6 => {
                while rows_now() < targets[round - 1]
                    && child.try_wait().unwrap().is_none()
                    && Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            _ => {
                while rows_now() < 144 && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        if !finished {
            killed_mid_run += 1;
        }
        log.push((round, finished, rows_now()));
        check_partial(&read(&results), &rows, &header);
    }
    assert!(
        killed_mid_run >= 6,
        "only {killed_mid_run} of 8 kills hit a running sweep (targets {targets:?}; round, finished, rows: {log:?})"
    );

    let status = spawn(&spec, &out, "analytic", true).wait().unwrap();
    assert!(status.success());
    for f in ["results.csv", "pareto.csv"] {
        assert_eq!(read(&out.join(f)), read(&reference.join(f)), "{f}");
    }
}

#[test]
fn a_kill_before_the_first_row_still_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("s.toml");
    std::fs::write(&spec, SPEC).unwrap();
    let reference = dir.path().join("reference");
    assert!(spawn(&spec, &reference, "analytic", false)
        .wait()
        .unwrap()
        .success());
    let out = dir.path().join("early");
    for delay_ms in [0, 1, 3, 8] {
        let mut child = spawn(&spec, &out, "analytic", out.exists());
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().unwrap();
    }
    assert!(spawn(&spec, &out, "analytic", true)
        .wait()
        .unwrap()
        .success());
    assert_eq!(
        read(&out.join("results.csv")),
        read(&reference.join("results.csv"))
    );
}

#[test]
fn ctrl_c_stops_cleanly_keeps_rows_and_says_how_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("s.toml");
    // Cycle fidelity: a fraction of a second per point, so the signal lands mid-sweep.
    std::fs::write(
        &spec,
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
    )
    .unwrap();
    let out = dir.path().join("out");
    let results = out.join("results.csv");
    let child = spawn(&spec, &out, "cycle", false);
    let start = Instant::now();
    while read(&results).lines().count() < 2 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
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
    let kept_rows = kept.lines().count() - 1;
    assert!(
        (1..12).contains(&kept_rows),
        "{kept_rows} rows kept\n{stderr}"
    );
    assert!(kept.ends_with('\n'), "the rows in flight are written whole");

    // The printed command finishes the sweep to what an uninterrupted run gives.
    Command::new(bin())
        .arg("sweep")
        .arg(&spec)
        .args(["--out"])
        .arg(&out)
        .args(["--fidelity", "cycle", "--resume"])
        .assert()
        .success();
    let whole = dir.path().join("whole");
    Command::new(bin())
        .arg("sweep")
        .arg(&spec)
        .args(["--out"])
        .arg(&whole)
        .args(["--fidelity", "cycle"])
        .assert()
        .success();
    assert_eq!(read(&results), read(&whole.join("results.csv")));
}
