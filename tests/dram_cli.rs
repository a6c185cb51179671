//! End-to-end tests of `cimsim dram`.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sim/dram/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").unwrap()
}

fn write_trace(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn json_report_has_the_documented_keys_and_values() {
    let dir = tempfile::tempdir().unwrap();
    // 64 sequential reads of 128 B: one row of one bank of the DRAMsim3 LPDDR4 config.
    let text: String = (0..64)
        .map(|i| format!("0x{:x} READ 0\n", i * 128))
        .collect();
    let trace = write_trace(&dir, "seq.trace", &text);
    let out = cimsim()
        .args([
            "dram",
            "--config",
            &fixture("LPDDR4_8Gb_x16_2400.ini"),
            "--trace",
            &trace,
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "requests",
        "request_bytes",
        "cycles",
        "tck_ns",
        "bandwidth_gbps",
        "avg_read_latency_cycles",
        "row_hits",
        "activates",
        "refreshes",
        "energy_pj",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["requests"], 64);
    assert_eq!(v["request_bytes"], 128);
    assert_eq!(v["activates"], 1);
    assert_eq!(v["row_hits"], 63);
    // Enqueued at cycles 0..; ACT at 1, first RD at 1 + tRCD 15, then one RD every burst (8),
    // last completes RL 17 + burst 8 after it: 16 + 63·8 + 25 = 545.
    assert_eq!(v["cycles"], 545);
    assert!((v["tck_ns"].as_f64().unwrap() - 0.83).abs() < 1e-12);
    let bw = 64.0 * 128.0 / (545.0 * 0.83);
    assert!((v["bandwidth_gbps"].as_f64().unwrap() - bw).abs() < 1e-9);
    assert!(v["energy_pj"].as_f64().unwrap() > 0.0);
}

#[test]
fn table_output_and_presets() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write_trace(
        &dir,
        "t.trace",
        "# a comment\n0x0 READ 0\n\n0x40 WRITE 10\n",
    );
    for preset in ["lpddr4-3200", "lpddr4x-4266", "lpddr5-6400", "ddr4-3200"] {
        cimsim()
            .args(["dram", "--config", preset, "--trace", &trace])
            .assert()
            .success()
            .stdout(
                predicate::str::contains("requests").and(predicate::str::contains("energy_pj")),
            );
    }
}

#[test]
fn toml_config_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dram::presets::get("ddr4-3200").unwrap().with_channels(2);
    let cfg = dir.path().join("mem.toml");
    std::fs::write(&cfg, spec.to_toml_string()).unwrap();
    let trace = write_trace(&dir, "t.trace", "0x0 READ 0\n0x40 READ 0\n");
    let out = cimsim()
        .args([
            "dram",
            "--config",
            cfg.to_str().unwrap(),
            "--trace",
            &trace,
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["requests"], 2);
}

#[test]
fn malformed_trace_line_is_bad_input_with_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write_trace(&dir, "bad.trace", "0x0 READ 0\n0x40 FETCH 3\n");
    cimsim()
        .args(["dram", "--config", "lpddr4-3200", "--trace", &trace])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.trace:2").and(predicate::str::contains("FETCH")));
    let trace = write_trace(&dir, "bad2.trace", "0x0 READ 0\n\n0xZZ READ 1\n");
    cimsim()
        .args(["dram", "--config", "lpddr4-3200", "--trace", &trace])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad2.trace:3"));
}

#[test]
fn unknown_config_and_missing_files_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write_trace(&dir, "t.trace", "0x0 READ 0\n");
    cimsim()
        .args(["dram", "--config", "hbm9", "--trace", &trace])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("lpddr5-6400"));
    cimsim()
        .args([
            "dram",
            "--config",
            "lpddr4-3200",
            "--trace",
            "/nonexistent/x.trace",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("x.trace"));
    let ini = write_trace(&dir, "bad.ini", "[timing]\ntRCD = -1\n");
    cimsim()
        .args(["dram", "--config", &ini, "--trace", &trace])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("timing.trcd"));
}
