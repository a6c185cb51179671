//! `cimsim baseline` and `simulate --baseline`: the measured-device baselines end to end, and
//! the bad inputs they refuse without writing anything.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").unwrap_or_else(|e| panic!("binary: {e}"))
}

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = cimsim().args(args).assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn validation_meets_the_bounds_on_every_device() {
    for dev in ["orin-nano-super", "orin-nano", "sa8255p"] {
        let v = json_of(&["baseline", "validate", dev, "--json"]);
        let median = v["median_abs_error_pct"].as_f64().unwrap();
        let held = v["holdout_worst_abs_error_pct"].as_f64().unwrap();
        assert!(median <= 15.0 && held <= 25.0, "{dev}: {median} {held}");
    }
}

#[test]
fn power_mode_moves_tokens_per_s_and_tokens_per_j() {
    let at = |mode: &str, model: &str| {
        let set = format!("power_mode={mode}");
        json_of(&[
            "baseline",
            "predict",
            "orin-nano-super",
            "-m",
            model,
            "-p",
            "2048",
            "-g",
            "256",
            "--set",
            &set,
            "--json",
        ])
    };
    let tps = |v: &serde_json::Value| v["decode_tokens_per_s"].as_f64().unwrap();
    let chip = |v: &serde_json::Value| v["decode_chip_tokens_per_j"].as_f64().unwrap();
    for model in ["smollm2-135m", "llama3.2-1b"] {
        let (m7, m15, m25, max) = (
            at("7w", model),
            at("15w", model),
            at("25w", model),
            at("maxn", model),
        );
        // Clocks order the rates...
        assert!(tps(&m7) < tps(&m15) && tps(&m15) < tps(&m25) && tps(&m25) < tps(&max));
        // ...and chip tokens/J favours 25W over MAXN, as measured (baselines.md §1).
        assert!(chip(&m25) > chip(&max), "{model}");
    }
    cimsim()
        .args([
            "baseline",
            "predict",
            "orin-nano",
            "-m",
            "llama3.2-1b",
            "--set",
            "power_mode=maxn",
        ])
        .assert()
        .code(2)
        .stderr(contains("power_mode").and(contains("15w, 7w")));
}

#[test]
fn simulate_with_a_baseline_reports_ratios() {
    let v = json_of(&[
        "simulate",
        "-m",
        "llama3.2-1b",
        "-c",
        "edgecim-65nm",
        "--baseline",
        "orin-nano",
        "-f",
        "analytic",
        "--json",
    ]);
    let b = &v["baseline"];
    assert_eq!(b["device"], "orin-nano");
    assert_eq!(b["energy"], "estimate");
    let tps = v["decode_tokens_per_s"].as_f64().unwrap();
    let ratio = b["decode_tokens_per_s_ratio"].as_f64().unwrap();
    assert!((tps / b["decode_tokens_per_s"].as_f64().unwrap() - ratio).abs() < 1e-9);
    assert!(b["decode_chip_tokens_per_j_ratio"].as_f64().unwrap() > 0.0);
    cimsim()
        .args([
            "simulate",
            "-m",
            "llama3.2-3b",
            "--baseline",
            "sa8255p",
            "-f",
            "analytic",
        ])
        .assert()
        .success()
        .stdout(contains("baseline sa8255p").and(contains("(estimate)")));
}

#[test]
fn bad_inputs_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fitted.toml");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let device = std::fs::read_to_string("sim/presets/devices/orin-nano.toml").unwrap();
    let cim = write("cim.toml", &format!("{device}\n[chip]\ntiles = 4\n"));
    let head = "model,weights,prompt,generate,tokens_per_s,power_mode\n";
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["baseline".into(), "validate".into(), cim.clone()],
            "`chip` is a CIM section",
        ),
        (
            vec![
                "simulate".into(),
                "-m".into(),
                "smollm2-135m".into(),
                "--baseline".into(),
                cim,
            ],
            "cim.toml",
        ),
        (
            vec![
                "simulate".into(),
                "-m".into(),
                "smollm2-135m".into(),
                "-c".into(),
                "sa8255p".into(),
            ],
            "measured-device baseline",
        ),
    ];
    for (args, msg) in cases {
        cimsim().args(&args).assert().code(2).stderr(contains(msg));
    }
    let csvs = [
        (
            "missing.csv",
            "model,weights,prompt\nllama3.2-3b,q4f16_ft,16\n",
            "missing column(s) generate, tokens_per_s",
        ),
        (
            "nan.csv",
            &format!("{head}llama3.2-3b,q4f16_ft,16,128,inf,15w\n") as &str,
            "missing.csv",
        ),
        (
            "neg.csv",
            &format!("{head}llama3.2-3b,q4f16_ft,16,128,-2,15w\n"),
            "neg.csv:2",
        ),
        (
            "mode.csv",
            &format!("{head}llama3.2-3b,q4f16_ft,16,128,20,maxn\n"),
            "no power mode `maxn`",
        ),
    ];
    for (name, text, msg) in csvs {
        let msg = if name == "nan.csv" {
            "nan.csv:2: column `tokens_per_s`"
        } else {
            msg
        };
        let path = write(name, text);
        cimsim()
            .args(["baseline", "fit", "orin-nano", &path, "-o"])
            .arg(&out)
            .assert()
            .code(2)
            .stderr(contains(msg));
        assert!(!out.exists(), "{name}: an output was written");
    }
    // A good CSV writes a device file that loads and validates.
    cimsim()
        .args([
            "baseline",
            "fit",
            "orin-nano",
            "baselines/orin-nano.csv",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(contains("held out"));
    let fitted = out.display().to_string();
    json_of(&[
        "baseline",
        "validate",
        &fitted,
        "--measurements",
        "baselines/orin-nano.csv",
        "--json",
    ]);
}
