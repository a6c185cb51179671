//! End-to-end tests of `cimsim sensitivity` and `cimsim plot sensitivity`: the ranked table
//! names the keys that matter and says what changed nothing and why; JSON feeds the tornado
//! chart; CSV has a row per step; the result does not depend on the thread count; bad input
//! exits with code 2 and writes nothing.

use assert_cmd::Command;
use predicates::str::contains;

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").unwrap_or_else(|e| panic!("binary: {e}"))
}

const ARGS: &[&str] = &["sensitivity", "-m", "smollm2-135m", "-p", "32", "-g", "8"];

#[test]
fn the_table_ranks_keys_and_explains_the_ones_that_changed_nothing() {
    let out = cimsim().args(ARGS).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("analytic fidelity"), "{text}");
    assert!(text.contains("Elasticity"), "{text}");
    // The clock moves tokens/s and power; its row is in the elasticity table.
    let clock = text
        .lines()
        .find(|l| l.starts_with("clock.freq_mhz "))
        .unwrap_or_else(|| panic!("no clock row:\n{text}"));
    assert!(clock.contains("100, 400"), "{clock}");
    // Choices at every alternative.
    assert!(
        text.contains("lpddr4-3200") && text.contains("direct"),
        "{text}"
    );
    // A key at its nominal point says when it acts.
    assert!(
        text.contains("technology.alpha = 1.3") && text.contains("acts only when"),
        "{text}"
    );
    assert!(text.contains("description, name: descriptive"), "{text}");
}

#[test]
fn json_feeds_the_tornado_chart_and_csv_has_a_row_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("steps.csv");
    let out = cimsim()
        .args(ARGS)
        .arg("--json")
        .arg("--csv")
        .arg(&csv)
        .assert()
        .success();
    let json = dir.path().join("s.json");
    std::fs::write(&json, &out.get_output().stdout).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let keys = v["keys"].as_array().unwrap();
    let steps: usize = keys
        .iter()
        .map(|k| k["steps"].as_array().unwrap().len())
        .sum();
    assert_eq!(v["runs"].as_u64().unwrap() as usize, steps + 1);
    let rows = std::fs::read_to_string(&csv).unwrap().lines().count();
    assert_eq!(rows, steps + 1, "a header and one row per step");
    // A faster clock raises tokens/s.
    let clock = keys.iter().find(|k| k["key"] == "clock.freq_mhz").unwrap();
    assert!(clock["elasticity"]["decode_tokens_per_s"].as_f64().unwrap() > 0.0);

    let png = dir.path().join("t.png");
    cimsim()
        .args(["plot", "sensitivity"])
        .arg(&json)
        .arg("-o")
        .arg(&png)
        .assert()
        .success()
        .stdout(contains("wrote"));
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
    let svg = dir.path().join("t.svg");
    cimsim()
        .args(["plot", "sensitivity", "--figure", "area_mm2", "--top", "5"])
        .arg(&json)
        .arg("-o")
        .arg(&svg)
        .assert()
        .success()
        .stdout(contains("Area (mm²): 5 keys"));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("chip.tiles (8)"),
        "the largest area lever is drawn"
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        let out = cimsim()
            .env("RAYON_NUM_THREADS", threads)
            .args(ARGS)
            .arg("--json")
            .assert()
            .success();
        out.get_output().stdout.clone()
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("steps.csv");
    cimsim()
        .args(ARGS)
        .args(["--factor", "1"])
        .arg("--csv")
        .arg(&csv)
        .assert()
        .code(2)
        .stderr(contains("greater than 1"));
    cimsim()
        .args(ARGS)
        .args(["--sort", "speed"])
        .assert()
        .code(2)
        .stderr(contains("decode_tokens_per_s"));
    cimsim()
        .args(["sensitivity", "-m", "smollm2-135m", "-g", "1"])
        .assert()
        .code(2)
        .stderr(contains("no decode step"));
    assert!(!csv.exists());
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"keys\": 3}").unwrap();
    let png = dir.path().join("t.png");
    cimsim()
        .args(["plot", "sensitivity"])
        .arg(&bad)
        .arg("-o")
        .arg(&png)
        .assert()
        .code(2)
        .stderr(contains("not a `cimsim sensitivity --json` output"));
    cimsim()
        .args(["plot", "sensitivity", "--figure", "speed"])
        .arg(&bad)
        .arg("-o")
        .arg(&png)
        .assert()
        .code(2)
        .stderr(contains("one of decode_tokens_per_s"));
    assert!(!png.exists());
}
