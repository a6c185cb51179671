//! The 13 uniform dense models' results, byte for byte: `simulate --json` output recorded
//! before layer kinds existed (commit 4a695b1; `-m all` was these 13 then) must come out
//! unchanged. A change that moves
//! these numbers on purpose regenerates the files (the commands are below) and says why in its
//! commit.
//!
//! ```text
//! cimsim simulate -m all --fidelity analytic --json                       > analytic-all.json
//! cimsim simulate -m all --fidelity analytic -b 4 -p 512 --mapping resident --json
//!                                                                         > analytic-resident-b4.json
//! cimsim simulate -m all --fidelity analytic --mapping sequential -c edgecim-attn-65nm --json
//!                                                                         > analytic-seq-attn.json
//! cimsim simulate -m smollm2-135m,qwen3-0.6b,llama3.2-1b -g 16 --json    > cycle-3.json
//! ```

use assert_cmd::Command;

/// The 13 dense models, in the order `-m all` listed them when the files were recorded.
const DENSE: &str = "qwen3-0.6b,qwen3-1.7b,qwen3-4b,llama3.2-1b,llama3.2-3b,smollm2-135m,smollm2-1.7b,smollm3-3b,tinyllama-1.1b,qwen2.5-0.5b,qwen2.5-1.5b,qwen2.5-3b,phi3.5-mini";

fn check(args: &[&str], golden: &str) {
    let out = Command::cargo_bin("cimsim")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8(out.stdout).unwrap();
    let path = format!("{}/tests/golden/{golden}", env!("CARGO_MANIFEST_DIR"));
    let want = std::fs::read_to_string(&path).unwrap();
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "{golden} differs at line {}: got `{}`, want `{}`",
            line + 1,
            got.lines().nth(line).unwrap_or(""),
            want.lines().nth(line).unwrap_or("")
        );
    }
}

#[test]
fn analytic_results_of_the_dense_models_are_unchanged() {
    check(
        &["simulate", "-m", DENSE, "--fidelity", "analytic", "--json"],
        "analytic-all.json",
    );
    check(
        &[
            "simulate",
            "-m",
            DENSE,
            "--fidelity",
            "analytic",
            "-b",
            "4",
            "-p",
            "512",
            "--mapping",
            "resident",
            "--json",
        ],
        "analytic-resident-b4.json",
    );
    check(
        &[
            "simulate",
            "-m",
            DENSE,
            "--fidelity",
            "analytic",
            "--mapping",
            "sequential",
            "-c",
            "edgecim-attn-65nm",
            "--json",
        ],
        "analytic-seq-attn.json",
    );
}

#[test]
fn cycle_results_of_three_dense_models_are_unchanged() {
    check(
        &[
            "simulate",
            "-m",
            "smollm2-135m,qwen3-0.6b,llama3.2-1b",
            "-g",
            "16",
            "--json",
        ],
        "cycle-3.json",
    );
}
