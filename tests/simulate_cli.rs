//! End-to-end tests of `cimsim simulate`: output keys, files, conventions and bad input.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").expect("binary builds")
}

fn simulate_json(args: &[&str]) -> Value {
    let out = cimsim()
        .arg("simulate")
        .args(args)
        .arg("--json")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "simulate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

const SMALL: [&str; 6] = [
    "--model",
    "smollm2-135m",
    "--prompt",
    "4",
    "--generate",
    "3",
];

#[test]
fn json_has_every_documented_key_with_sane_values() {
    let v = simulate_json(&SMALL);
    for key in [
        "model",
        "config",
        "prompt_tokens",
        "generated_tokens",
        "batch",
        "fidelity",
        "mapping",
        "ttft_s",
        "decode_steps",
        "decode_s_per_token",
        "decode_tokens_per_s",
        "decode_j_per_token",
        "decode_tokens_per_j",
        "decode_chip_j_per_token",
        "decode_chip_tokens_per_j",
        "prefill_tokens_per_s",
        "prefill_j_per_token",
        "e2e_tokens_per_s",
        "e2e_j_per_token",
        "e2e_tokens_per_j",
        "energy_j",
        "chip_energy_j",
        "prefill_energy_j",
        "decode_energy_j",
        "power_w",
        "chip_power_w",
        "prefill_bound",
        "macs",
        "dram_read_bytes",
        "dram_write_bytes",
        "area_mm2",
        "bound",
        "energy_breakdown_j",
        "time_breakdown_s",
        "simulated_s",
        "dram_peak_bandwidth_gbps",
        "peak_macs_per_s",
        "decode_dram_read_bytes",
        "dram_activates",
        "dram_row_hits",
        "dram_refreshes",
        "macro_utilization",
    ] {
        assert!(v.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(v["model"], "smollm2-135m");
    assert_eq!(v["config"], "edgecim-65nm");
    assert_eq!(v["fidelity"], "cycle");
    assert_eq!(v["mapping"], "balanced-pipeline");
    assert_eq!(v["generated_tokens"], 3);
    // Conventions: decode_tokens_per_s = (G-1) x B / decode time; decode_j_per_token = decode
    // energy / ((G-1) x B); e2e_tokens_per_j = G x B / energy.
    let f = |k: &str| v[k].as_f64().unwrap();
    let decode_s = f("decode_s_per_token") * 2.0;
    let tps = f("decode_tokens_per_s");
    assert!((tps - 2.0 / decode_s).abs() / tps < 1e-9);
    assert!((f("decode_j_per_token") * 2.0 - f("decode_energy_j")).abs() < 1e-9 * f("energy_j"));
    let tpj = f("e2e_tokens_per_j");
    assert!((tpj - 3.0 / f("energy_j")).abs() / tpj < 1e-9);
    assert!((f("e2e_j_per_token") * tpj - 1.0).abs() < 1e-9);
    // Energy over simulated time is the average power; the chip is part of the system.
    assert!((f("power_w") * f("simulated_s") - f("energy_j")).abs() < 1e-9 * f("energy_j"));
    assert!(f("chip_energy_j") < f("energy_j"));
    // The breakdown sums to the total energy.
    let sum: f64 = v["energy_breakdown_j"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x.as_f64().unwrap())
        .sum();
    assert!((sum - v["energy_j"].as_f64().unwrap()).abs() < 1e-9 * sum.max(1.0));
    assert!(v["dram_activates"].as_u64().unwrap() > 0);
    assert!(
        v["dram_read_bytes"].as_u64().unwrap() >= v["decode_dram_read_bytes"].as_u64().unwrap()
    );
    let simulated = v["simulated_s"].as_f64().unwrap();
    let ttft = v["ttft_s"].as_f64().unwrap();
    assert!((simulated - ttft - decode_s).abs() < 1e-9 * simulated);
}

#[test]
fn plain_output_is_a_readable_summary() {
    cimsim()
        .arg("simulate")
        .args(SMALL)
        .assert()
        .success()
        .stdout(predicate::str::contains("time to first token"))
        .stdout(predicate::str::contains("energy breakdown"))
        .stdout(predicate::str::contains("tokens/s"));
}

#[test]
fn csv_and_trace_files_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let trace = dir.path().join("run.trace.json");
    cimsim()
        .arg("simulate")
        .args([
            "--model",
            "smollm2-135m",
            "--prompt",
            "2",
            "--generate",
            "2",
        ])
        .arg("--csv")
        .arg(&csv)
        .arg("--trace")
        .arg(&trace)
        .assert()
        .success();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("model,config,mapping"));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("smollm2-135m,edgecim-65nm"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let events = v["traceEvents"].as_array().unwrap();
    let tracks: Vec<&str> = events
        .iter()
        .filter(|e| e["ph"] == "M")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert!(tracks.contains(&"dram"));
    assert!(tracks.contains(&"vector"));
    assert!(tracks.iter().any(|t| t.starts_with("macro_group")));
    assert!(events.iter().any(|e| e["name"] == "lm_head"));
}

#[test]
fn analytic_and_roofline_run_through_the_same_command() {
    let a = simulate_json(&[&SMALL[..], &["--fidelity", "analytic"]].concat());
    assert_eq!(a["fidelity"], "analytic");
    let r = simulate_json(
        &[
            &SMALL[..],
            &["--config", "sim/tests/fixtures/roofline-device.toml"],
        ]
        .concat(),
    );
    assert_eq!(r["fidelity"], "roofline");
    assert_eq!(a["macs"], r["macs"]);
    let c = simulate_json(&SMALL);
    assert_eq!(a["macs"], c["macs"]);
}

#[test]
fn int8_weights_double_the_weight_traffic() {
    let w4 = simulate_json(&[&SMALL[..], &["--fidelity", "analytic"]].concat());
    let w8 =
        simulate_json(&[&SMALL[..], &["--fidelity", "analytic", "--weights", "int8"]].concat());
    assert_eq!(w8["weights"], "int8");
    let r4 = w4["decode_dram_read_bytes"].as_f64().unwrap();
    let r8 = w8["decode_dram_read_bytes"].as_f64().unwrap();
    // Weights dominate decode traffic; KV and embedding rows do not double.
    assert!(r8 > 1.9 * r4 && r8 < 2.0 * r4, "{r4} -> {r8}");
}

#[test]
fn bad_input_is_a_clear_error_with_exit_code_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["--model", "no-such-model"], "unknown model"),
        (
            &["--model", "smollm2-135m", "--mapping", "zigzag"],
            "possible values: balanced-pipeline",
        ),
        (
            &[
                "--model",
                "smollm2-135m",
                "--prompt",
                "8000",
                "--generate",
                "1000",
            ],
            "exceeds the context",
        ),
        (
            &["--model", "smollm2-135m", "--generate", "0"],
            "--generate",
        ),
        (&["--model", "smollm2-135m", "--prompt", "0"], "--prompt"),
        (&["--model", "smollm2-135m", "--batch", "0"], "--batch"),
        (
            &["--model", "smollm2-135m", "--config", "no-such-preset"],
            "no-such-preset",
        ),
        (
            &["--model", "smollm2-135m", "--set", "macro.rowz=3"],
            "macro.rowz",
        ),
        (
            &["--model", "smollm2-135m", "--set", "chip.tiles=0"],
            "chip.tiles",
        ),
    ];
    for (args, needle) in cases {
        cimsim()
            .arg("simulate")
            .args(*args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(*needle));
    }
}

#[test]
fn same_inputs_give_identical_bytes() {
    let run = || {
        cimsim()
            .arg("simulate")
            .args(SMALL)
            .arg("--json")
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run(), run());
}

#[test]
fn several_models_give_one_row_each() {
    let out = cimsim()
        .args([
            "simulate",
            "--model",
            "smollm2-135m,qwen2.5-0.5b",
            "--prompt",
            "4",
            "--generate",
            "2",
            "--fidelity",
            "analytic",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().expect("an array for several models");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["model"], "qwen2.5-0.5b");
    cimsim()
        .args([
            "simulate",
            "--model",
            "all",
            "--config",
            "sim/tests/fixtures/roofline-device.toml",
            "--markdown",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "| phi3.5-mini | sim/tests/fixtures/roofline-device.toml | - |",
        ))
        .stdout(predicate::function(|s: &str| s.lines().count() == 15));
    // A bad name anywhere in the list fails before anything runs.
    cimsim()
        .args([
            "simulate",
            "--model",
            "smollm2-135m,nope",
            "--fidelity",
            "analytic",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope"));
}

/// The plain-text summary says how an analytic decode was sampled, and `--exact` turns it off.
#[test]
fn analytic_text_says_how_many_decode_steps_were_evaluated() {
    let args = [
        "simulate",
        "--model",
        "qwen3-0.6b",
        "--fidelity",
        "analytic",
        "--generate",
        "128",
    ];
    let out = cimsim().args(args).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let line = text
        .lines()
        .find(|l| l.starts_with("sampling: "))
        .unwrap_or_else(|| panic!("no sampling line in:\n{text}"));
    let evaluated: u64 = line["sampling: ".len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((2..127).contains(&evaluated), "{line}");
    assert!(line.contains("of 127 decode steps"), "{line}");
    let exact = cimsim().args(args).arg("--exact").assert().success();
    let text = String::from_utf8_lossy(&exact.get_output().stdout).to_string();
    assert!(!text.contains("sampling: "), "{text}");
}

#[test]
fn a_run_without_decode_steps_has_no_decode_metrics() {
    let out = Command::cargo_bin("cimsim")
        .unwrap()
        .args([
            "simulate",
            "--model",
            "smollm2-135m",
            "--prompt",
            "8",
            "--generate",
            "1",
        ])
        .args(["--fidelity", "analytic", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in reports::metrics::METRICS.iter().filter(|m| m.decode_only) {
        assert!(
            v.get(key.key).is_none(),
            "{} present without decode",
            key.key
        );
    }
    assert!(v.get("bound").is_none());
    assert_eq!(v["decode_steps"], 0);
    assert!(v["ttft_s"].as_f64().unwrap() > 0.0);
    assert!(v["e2e_tokens_per_j"].as_f64().unwrap() > 0.0);
    // The plain table says so instead of printing 0.0 tokens/s.
    let out = Command::cargo_bin("cimsim")
        .unwrap()
        .args([
            "simulate",
            "--model",
            "smollm2-135m",
            "--prompt",
            "8",
            "--generate",
            "1",
        ])
        .args(["--fidelity", "analytic"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("decode throughput      - (no decode step)"),
        "{text}"
    );
}

/// The weight precision comes from one place: the configuration's `macro.weight_bits` unless
/// `--weights` is given, reported as what ran, the same in `simulate`, `compile` and `plot`.
#[test]
fn weight_precision_comes_from_the_configuration_unless_weights_is_given() {
    let base = ["--fidelity", "analytic", "--set", "macro.weight_bits=8"];
    let args: Vec<&str> = SMALL.iter().copied().chain(base).collect();
    let from_config = simulate_json(&args);
    assert_eq!(from_config["weights"], "int8");
    let explicit: Vec<&str> = args.iter().copied().chain(["--weights", "int8"]).collect();
    let explicit = simulate_json(&explicit);
    assert_eq!(from_config["dram_read_bytes"], explicit["dram_read_bytes"]);
    let default: Vec<&str> = SMALL
        .iter()
        .copied()
        .chain(["--fidelity", "analytic"])
        .collect();
    let int4 = simulate_json(&default);
    assert_eq!(int4["weights"], "int4");
    assert!(
        from_config["dram_read_bytes"].as_u64().unwrap()
            > int4["dram_read_bytes"].as_u64().unwrap() * 3 / 2,
        "INT8 weights move about twice the bytes"
    );
    // --weights overrides the configuration.
    let over: Vec<&str> = args.iter().copied().chain(["--weights", "int4"]).collect();
    assert_eq!(simulate_json(&over)["weights"], "int4");
    // compile resolves it the same way.
    let out = cimsim()
        .args(["compile", "--model", "smollm2-135m", "--prompt", "4"])
        .args(["--set", "macro.weight_bits=8", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["weight_bits"].as_u64(), Some(8));
}

/// A trace of a sampled 128-token run spans the whole simulated time: the simulated prefill and
/// first decode step, then one estimated span per other step; the file says what it covers.
#[test]
fn the_trace_of_a_sampled_run_spans_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.trace.json");
    let out = cimsim()
        .args([
            "simulate",
            "--model",
            "smollm2-135m",
            "--prompt",
            "128",
            "--generate",
            "128",
        ])
        .arg("--trace")
        .arg(&path)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    let simulated_us = record["simulated_s"].as_f64().unwrap() * 1e6;
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let spans: Vec<&Value> = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "X")
        .collect();
    let end_us = spans
        .iter()
        .map(|e| e["ts"].as_f64().unwrap() + e["dur"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!(
        (end_us - simulated_us).abs() <= 1e-3 * simulated_us,
        "trace ends at {end_us} us, the run at {simulated_us} us"
    );
    // 126 estimated steps, each named, on their own track.
    let estimated = spans
        .iter()
        .filter(|e| {
            e["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("interpolated"))
        })
        .count();
    assert_eq!(estimated, 126);
    let coverage = trace["otherData"]["coverage"].as_str().unwrap();
    assert!(coverage.contains("estimated spans"), "{coverage}");
}

#[test]
fn the_cycle_table_says_how_the_run_was_sampled() {
    let out = cimsim().args(["simulate"]).args(SMALL).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("sampling: the prefill and 2 of 2 decode steps"),
        "{text}"
    );
    let exact = cimsim()
        .args(["simulate", "--exact"])
        .args(SMALL)
        .output()
        .unwrap();
    assert!(!String::from_utf8(exact.stdout)
        .unwrap()
        .contains("sampling:"));
}
