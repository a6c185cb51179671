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

/// A trace file of `reqs`, DRAMsim3 format.
fn trace_text(reqs: &[dram::TraceRequest]) -> String {
    reqs.iter()
        .map(|r| {
            format!(
                "0x{:x} {} {}\n",
                r.addr,
                if r.is_write { "WRITE" } else { "READ" },
                r.cycle
            )
        })
        .collect()
}

fn dram_json(config: &str, trace: &str) -> serde_json::Value {
    let out = cimsim()
        .args(["dram", "--config", config, "--trace", trace, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn lpddr5_energy_depends_on_the_access_pattern_like_lpddr4s() {
    use dram::synthetic::{synthetic_trace, TraceKind, DEFAULT_SEED};
    let dir = tempfile::tempdir().unwrap();
    for preset in ["lpddr4-3200", "lpddr5-6400"] {
        let spec = dram::presets::get(preset).unwrap();
        let mut energy = Vec::new();
        for (name, kind) in [("seq", TraceKind::Sequential), ("rnd", TraceKind::Random)] {
            let reqs = synthetic_trace(&spec, kind, 20_000, DEFAULT_SEED);
            let path = write_trace(&dir, &format!("{preset}-{name}.trace"), &trace_text(&reqs));
            let v = dram_json(preset, &path);
            let total = v["energy_pj"].as_f64().unwrap();
            let terms = v["energy_breakdown_pj"].as_object().unwrap();
            let keys: Vec<&str> = terms.keys().map(String::as_str).collect();
            assert_eq!(
                keys,
                ["act_pre", "background", "io", "read_write", "refresh"]
            );
            let sum: f64 = terms.values().map(|x| x.as_f64().unwrap()).sum();
            assert!((sum - total).abs() <= 1e-9 * total, "{sum} vs {total}");
            assert!(v["energy_breakdown_pj"]["io"].as_f64().unwrap() > 0.0);
            energy.push((total, terms["act_pre"].as_f64().unwrap()));
        }
        let ((seq, seq_act), (rnd, rnd_act)) = (energy[0], energy[1]);
        assert!(
            rnd > 1.2 * seq,
            "{preset}: random {rnd} vs sequential {seq}"
        );
        assert!(rnd_act > 10.0 * seq_act, "{preset}");
    }
}

#[test]
fn an_idle_stretch_costs_background_energy() {
    let dir = tempfile::tempdir().unwrap();
    // 500 sequential reads, then 500 more: at once, or after 1 ms (800,000 LPDDR5 cycles).
    let reads = |gap: u64| -> String {
        (0..1000u64)
            .map(|i| format!("0x{:x} READ {}\n", i * 64, if i < 500 { 0 } else { gap }))
            .collect()
    };
    let busy = dram_json("lpddr5-6400", &write_trace(&dir, "busy.trace", &reads(0)));
    let idle = dram_json(
        "lpddr5-6400",
        &write_trace(&dir, "idle.trace", &reads(800_000)),
    );
    let bg = |v: &serde_json::Value| v["energy_breakdown_pj"]["background"].as_f64().unwrap();
    assert!(bg(&idle) > bg(&busy), "{} vs {}", bg(&idle), bg(&busy));
    assert!(idle["energy_pj"].as_f64().unwrap() > busy["energy_pj"].as_f64().unwrap());
    // Most of the gap is spent in self-refresh (after 10 µs), some in power-down.
    assert!(idle["self_refresh_rank_cycles"].as_u64().unwrap() > 700_000);
    assert!(idle["power_down_rank_cycles"].as_u64().unwrap() > 0);
    assert!(
        idle["background_breakdown_pj"]["self_refresh"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(busy["self_refresh_rank_cycles"], 0);
    // The plain table prints the breakdown too.
    cimsim()
        .args(["dram", "--config", "lpddr5-6400", "--trace"])
        .arg(dir.path().join("idle.trace"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("act_pre_pj")
                .and(predicate::str::contains("io_pj"))
                .and(predicate::str::contains("self_refresh_pj"))
                .and(predicate::str::contains("capacity")),
        );
}

#[test]
fn a_model_larger_than_the_dram_is_refused_with_both_sizes() {
    // qwen3-4b at int8 (3.7 GiB) plus the KV cache of 8 x 1025 tokens (0.6 GiB) does not fit
    // cim-small-65nm's 4 GiB (2 channels of 2 x 8 Gbit LPDDR4).
    let run = |extra: &[&str]| {
        let mut c = cimsim();
        c.args([
            "simulate",
            "--model",
            "qwen3-4b",
            "--weights",
            "int8",
            "--config",
            "cim-small-65nm",
            "--batch",
            "8",
            "--prompt",
            "1024",
            "--generate",
            "1",
            "--fidelity",
            "analytic",
            "--json",
        ]);
        c.args(extra);
        c.output().unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for part in [
        "3.7 GiB of weights",
        "0.6 GiB of KV cache",
        "= 4.3 GiB",
        "holds 4.0 GiB",
        "2 channels x 1 rank x 2 devices x 8 Gbit",
        "dram.device_density_gbit",
    ] {
        assert!(err.contains(part), "`{part}` missing from: {err}");
    }
    // With 16 Gbit devices (8 GiB), or with four channels, the same run is accepted.
    for set in ["dram.device_density_gbit=16", "dram.channels=4"] {
        let out = run(&["--set", set]);
        assert!(
            out.status.success(),
            "{set}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["energy_j"].as_f64().unwrap() > 0.0);
    }
    // The new key is range-checked.
    let out = run(&["--set", "dram.device_density_gbit=3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dram.device_density_gbit"));
    let out = run(&["--set", "dram.device_density_gbit=128"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1..=64"));
}
