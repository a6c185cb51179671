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
        "decode_s_per_token",
        "tokens_per_s",
        "energy_j",
        "energy_j_per_token",
        "tokens_per_j",
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
    // Conventions: tokens_per_s = (G-1) x B / decode time; tokens_per_j = G x B / energy.
    let decode_s = v["decode_s_per_token"].as_f64().unwrap() * 2.0;
    let tps = v["tokens_per_s"].as_f64().unwrap();
    assert!((tps - 2.0 / decode_s).abs() / tps < 1e-9);
    let tpj = v["tokens_per_j"].as_f64().unwrap();
    assert!((tpj - 3.0 / v["energy_j"].as_f64().unwrap()).abs() / tpj < 1e-9);
    assert!((v["energy_j_per_token"].as_f64().unwrap() * tpj - 1.0).abs() < 1e-9);
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
    let r = simulate_json(&[&SMALL[..], &["--config", "orin-nano"]].concat());
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
            "orin-nano",
            "--markdown",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("| phi3.5-mini | orin-nano | - |"))
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
