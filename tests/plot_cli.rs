//! End-to-end tests of `cimsim plot`: every chart kind writes a valid PNG or SVG (signature,
//! title and axis labels as text), the Pareto summary reports fronts and knees, and bad input
//! (missing file, unknown column, empty CSV, non-numeric value, bad extension, bad JSON, bad
//! model or context) exits with code 2 and a clear message, writing nothing.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use std::path::Path;

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").unwrap_or_else(|e| panic!("binary: {e}"))
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
    assert_eq!(bytes[..8], PNG_SIGNATURE);
}

fn svg_text(path: &Path) -> String {
    let svg = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    svg
}

/// A sweep-like CSV: two models, latency/energy trade-off, one failed row (empty cells).
fn write_results(path: &Path) {
    let mut s = String::from(
        "point,model,mapping,decode_s_per_token,decode_j_per_token,decode_tokens_per_s\n",
    );
    for i in 0..30u32 {
        let model = if i % 2 == 0 {
            "qwen3-0.6b"
        } else {
            "smollm2-135m"
        };
        let lat = 1e-3 * f64::from(1 + i % 10);
        let energy = 1e-2 / f64::from(1 + i % 10) * (1.0 + f64::from(i % 3));
        s += &format!("{i},{model},sequential,{lat},{energy},{}\n", 1.0 / lat);
    }
    s += "30,qwen3-0.6b,sequential,,,\n";
    std::fs::write(path, s).unwrap();
}

#[test]
fn pareto_writes_png_and_svg_and_reports_fronts() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("results.csv");
    write_results(&csv);
    let png = dir.path().join("front.png");
    cimsim()
        .args(["plot", "pareto"])
        .arg(&csv)
        .arg("-o")
        .arg(&png)
        .assert()
        .success()
        .stdout(contains("31 points, 0 infeasible or failed, 1 excluded"))
        .stdout(contains("2 series"))
        // qwen3 rows: latencies 1, 3, 5, 7, 9 ms, each at energies 10/k x (1, 2, 3) mJ: the
        // five factor-1 rows are the front; the failed row is excluded, not counted.
        .stdout(contains("qwen3-0.6b: front 5 of 15"))
        .stdout(contains("knee at decode_s_per_token"))
        .stdout(contains("wrote"));
    assert_png(&png);

    let svg_path = dir.path().join("front.svg");
    cimsim()
        .args(["plot", "pareto"])
        .arg(&csv)
        .args([
            "--x",
            "decode_tokens_per_s",
            "--by",
            "mapping",
            "--title",
            "My sweep",
            "-o",
        ])
        .arg(&svg_path)
        .assert()
        .success()
        .stdout(contains("sequential: front"));
    let svg = svg_text(&svg_path);
    for t in [
        "My sweep",
        "Decode throughput (tokens/s)",
        "Decode energy (mJ/token)",
        "knee",
    ] {
        assert!(svg.contains(t), "SVG lacks `{t}`");
    }
}

#[test]
fn pareto_panels_filter_and_normalise_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("r.csv");
    write_results(&csv);
    let svg = dir.path().join("panels.svg");
    cimsim()
        .args(["plot", "pareto"])
        .arg(&csv)
        .args(["--panels", "--log", "xy", "-o"])
        .arg(&svg)
        .assert()
        .success();
    let text = svg_text(&svg);
    // A panel per model, each titled with its model and its knee labelled.
    assert!(text.contains("qwen3-0.6b") && text.contains("smollm2-135m"));
    assert!(text.matches("knee: ").count() >= 2, "{}", text.len());
    let png = dir.path().join("one.png");
    cimsim()
        .args(["plot", "pareto"])
        .arg(&csv)
        .args(["--only", "qwen3-0.6b", "--normalise", "-o"])
        .arg(&png)
        .assert()
        .success()
        .stdout(contains("qwen3-0.6b: front").and(contains("smollm2-135m").not()));
    assert_png(&png);
}

#[test]
fn pareto_bad_inputs_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let csv = dir.path().join("r.csv");
    let run = |csv: &Path, extra: &[&str], out: &Path, msg: &str| {
        cimsim()
            .args(["plot", "pareto"])
            .arg(csv)
            .args(extra)
            .arg("-o")
            .arg(out)
            .assert()
            .code(2)
            .stderr(contains(msg.to_string()));
    };
    run(&dir.path().join("missing.csv"), &[], &out, "cannot read");

    write_results(&csv);
    run(&csv, &["--x", "latency"], &out, "no column `latency`");
    run(&csv, &["--by", "family"], &out, "no column `family`");
    run(
        &csv,
        &["--only", "gpt-9"],
        &out,
        "--only gpt-9: no such series",
    );
    run(&csv, &["--log", "z"], &out, "invalid value 'z'");
    run(&csv, &[], &dir.path().join("out.pdf"), "use a .png or .svg");

    std::fs::write(&csv, "").unwrap();
    run(&csv, &[], &out, "r.csv");
    std::fs::write(&csv, "model,decode_s_per_token,decode_j_per_token\n").unwrap();
    run(&csv, &[], &out, "no data rows");
    std::fs::write(
        &csv,
        "model,decode_s_per_token,decode_j_per_token\nm,0.1,0.2\nm,fast,0.3\n",
    )
    .unwrap();
    run(
        &csv,
        &[],
        &out,
        "line 3, column `decode_s_per_token`: `fast` is not a number",
    );
    std::fs::write(
        &csv,
        "model,decode_s_per_token,decode_j_per_token\nm,NaN,0.2\n",
    )
    .unwrap();
    run(&csv, &[], &out, "no feasible row has finite");
    assert!(!out.exists());
    // No temporary files left behind either.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn breakdown_from_simulate_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("run.json");
    let out = cimsim()
        .args([
            "simulate",
            "--model",
            "smollm2-135m",
            "--prompt",
            "16",
            "--generate",
            "4",
            "--fidelity",
            "analytic",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&json, &out.stdout).unwrap();
    let png = dir.path().join("bd.png");
    cimsim()
        .args(["plot", "breakdown"])
        .arg(&json)
        .arg("-o")
        .arg(&png)
        .assert()
        .success();
    assert_png(&png);
    let svg = dir.path().join("bd.svg");
    cimsim()
        .args(["plot", "breakdown"])
        .arg(&json)
        .arg("-o")
        .arg(&svg)
        .assert()
        .success();
    let text = svg_text(&svg);
    for t in [
        "smollm2-135m @ edgecim-65nm",
        "Energy, stacked by component",
        "dram",
    ] {
        assert!(text.contains(t), "SVG lacks `{t}`");
    }

    std::fs::write(&json, "{\"model\": \"m\"").unwrap();
    cimsim()
        .args(["plot", "breakdown"])
        .arg(&json)
        .arg("-o")
        .arg(dir.path().join("x.png"))
        .assert()
        .code(2)
        .stderr(contains("run.json"));
}

#[test]
fn context_one_line_per_config() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("ctx.svg");
    cimsim()
        .args([
            "plot",
            "context",
            "--model",
            "smollm2-135m",
            "--config",
            "edgecim-65nm",
            "--config",
            "cim-small-65nm",
            "--max-context",
            "256",
            "--points",
            "3",
            "-o",
        ])
        .arg(&svg)
        .assert()
        .success();
    let text = svg_text(&svg);
    for t in [
        "Per-token latency vs context: smollm2-135m",
        "Context length (tokens attended)",
        "Decode latency (",
        "edgecim-65nm",
        "cim-small-65nm",
    ] {
        assert!(text.contains(t), "SVG lacks `{t}`");
    }
    // Time to first token against the prompt: the attention array's design is faster.
    let ttft = dir.path().join("ttft.svg");
    cimsim()
        .args([
            "plot",
            "context",
            "--model",
            "smollm2-135m",
            "--config",
            "edgecim-65nm",
            "--config",
            "edgecim-attn-65nm",
            "--metric",
            "ttft",
            "-f",
            "analytic",
            "--max-context",
            "512",
            "--points",
            "2",
            "-o",
        ])
        .arg(&ttft)
        .assert()
        .success();
    let text = svg_text(&ttft);
    for t in [
        "Time to first token vs prompt: smollm2-135m",
        "Prompt length (tokens)",
        "Time to first token (",
        "edgecim-attn-65nm",
    ] {
        assert!(text.contains(t), "SVG lacks `{t}`");
    }
    cimsim()
        .args([
            "plot",
            "context",
            "--model",
            "smollm2-135m",
            "--max-context",
            "99999999",
            "-o",
        ])
        .arg(dir.path().join("x.png"))
        .assert()
        .code(2)
        .stderr(contains("--max-context must be"));
    cimsim()
        .args(["plot", "context", "--model", "no-such-model", "-o"])
        .arg(dir.path().join("x.png"))
        .assert()
        .code(2);
    cimsim()
        .args([
            "plot",
            "context",
            "--model",
            "smollm2-135m",
            "--config",
            "no-such-preset",
            "-o",
        ])
        .arg(dir.path().join("x.png"))
        .assert()
        .code(2);
}

#[test]
fn roofline_places_decode_and_prefill() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("roof.png");
    cimsim()
        .args([
            "plot",
            "roofline",
            "--model",
            "smollm2-135m",
            "--prompt",
            "16",
            "--generate",
            "4",
            "-o",
        ])
        .arg(&png)
        .assert()
        .success()
        .stdout(contains("prefill:"))
        .stdout(contains("decode:"));
    assert_png(&png);
    let svg = dir.path().join("roof.svg");
    cimsim()
        .args([
            "plot",
            "roofline",
            "--model",
            "smollm2-135m",
            "--config",
            "sim/tests/fixtures/roofline-device.toml",
            "-o",
        ])
        .arg(&svg)
        .assert()
        .success();
    let text = svg_text(&svg);
    for t in [
        "Roofline: smollm2-135m on sim/tests/fixtures/roofline-device.toml",
        "Arithmetic intensity",
        "decode",
        "prefill",
    ] {
        assert!(text.contains(t), "SVG lacks `{t}`");
    }
    cimsim()
        .args(["plot", "roofline", "--model", "smollm2-135m", "-o"])
        .arg(dir.path().join("roof.jpg"))
        .assert()
        .code(2)
        .stderr(contains("use a .png or .svg"));
}
