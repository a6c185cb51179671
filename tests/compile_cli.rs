//! End-to-end tests of `cimsim compile`: the mapping it prints agrees with hand counts and with
//! the closed forms, every strategy runs, and bad input exits with code 2 and a clear message.

use assert_cmd::Command;
use predicates::str::contains;

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").unwrap_or_else(|e| panic!("binary: {e}"))
}

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = cimsim()
        .arg("compile")
        .args(args)
        .arg("--json")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"))
}

#[test]
fn plain_output_lists_ops_tiles_and_the_bottleneck() {
    // SmolLM2-135M q_proj: 576 x 576 on 256 x 64 tiles = 3 x 9 = 27 tiles.
    cimsim()
        .args(["compile", "--model", "smollm2-135m", "--prompt", "8"])
        .assert()
        .success()
        .stdout(contains("Decode step at KV length 9"))
        .stdout(contains("layer0.q_proj"))
        .stdout(contains(" 27 "))
        .stdout(contains("lm_head"))
        .stdout(contains("bound by"))
        .stdout(contains("Prefill of 8 tokens"));
}

#[test]
fn prefill_time_by_op_kind_and_where_attention_runs() {
    // At 1,024 tokens attention's MACs are most of the prefill on the vector unit, and leave
    // it on the attention array.
    let out = |config: &str| {
        let o = cimsim()
            .args(["compile", "-m", "qwen3-0.6b", "-p", "1024", "-c", config])
            .output()
            .unwrap();
        assert!(o.status.success());
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let share = |text: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with("prefill by op kind"))
            .unwrap_or_else(|| panic!("no by-kind line:\n{text}"));
        let at = line.find("attention MACs").unwrap();
        let pct = &line[at..];
        let open = pct.find('(').unwrap();
        let close = pct.find("%)").unwrap();
        pct[open + 1..close].parse().unwrap()
    };
    let vector = out("edgecim-65nm");
    assert!(vector.contains("attention MACs: on the vector unit (128 lanes)"));
    assert!(share(&vector) > 80.0, "{vector}");
    let array = out("edgecim-attn-65nm");
    assert!(array.contains("attention MACs: on the attention array (2048 MACs/cycle"));
    assert!(share(&array) < share(&vector));
}

#[test]
fn json_totals_match_the_closed_forms() {
    let v = json_of(&["--model", "smollm2-135m", "--prompt", "8", "--batch", "2"]);
    let card = workloads::shipped("smollm2-135m").expect("card");
    let decode_macs = workloads::phase_macs(&card, workloads::Phase::Decode { kv_len: 9 }, 2);
    assert_eq!(v["decode"]["macs"].as_u64(), Some(decode_macs));
    // KV written per decode step: 30 layers x K and V x 2 sequences x 192 features x 1 byte.
    assert_eq!(
        v["decode"]["dram_write_bytes"].as_u64(),
        Some(30 * 2 * 2 * 192)
    );
    // edgecim-65nm: 8 tiles x 4 macros.
    assert_eq!(v["macros"].as_u64(), Some(32));
    assert_eq!(v["tile_cols"].as_u64(), Some(64));
    let ops = v["decode"]["ops"].as_array().expect("ops");
    let q = ops
        .iter()
        .find(|o| o["name"] == "layer0.q_proj")
        .expect("q_proj");
    assert_eq!(q["tiles"].as_u64(), Some(27));
    assert!(v["decode"]["time_s"].as_f64().is_some_and(|t| t > 0.0));
}

#[test]
fn every_mapping_and_int8_weights_compile() {
    for mapping in [
        "sequential",
        "double-buffered",
        "balanced-pipeline",
        "resident",
    ] {
        let v = json_of(&[
            "--model",
            "qwen2.5-0.5b",
            "--prompt",
            "4",
            "--mapping",
            mapping,
            "--weights",
            "int8",
        ]);
        assert_eq!(v["mapping"], mapping);
        assert_eq!(v["weight_bits"].as_u64(), Some(8));
        // INT8: 256 bit-columns hold 32 weights.
        assert_eq!(v["tile_cols"].as_u64(), Some(32));
        assert!(v["decode"]["tasks"].as_u64().is_some_and(|n| n > 0));
    }
    // The sequential mapping is never faster than the pipelined default.
    let seq = json_of(&[
        "--model",
        "qwen2.5-0.5b",
        "--prompt",
        "4",
        "--mapping",
        "sequential",
    ]);
    let bal = json_of(&["--model", "qwen2.5-0.5b", "--prompt", "4"]);
    let t = |v: &serde_json::Value| v["decode"]["time_s"].as_f64().unwrap_or(f64::NAN);
    assert!(
        t(&seq) >= t(&bal),
        "sequential {} < balanced {}",
        t(&seq),
        t(&bal)
    );
}

#[test]
fn resident_mapping_keeps_a_small_model_on_chip() {
    // 1024 x 16 macros hold all ~8200 tiles of SmolLM2-135M: decode reads only the new token's
    // embedding row (288 bytes) and the KV cache.
    let v = json_of(&[
        "--model",
        "smollm2-135m",
        "--prompt",
        "8",
        "--mapping",
        "resident",
        "--set",
        "chip.tiles=1024",
        "--set",
        "chip.macros_per_tile=16",
    ]);
    let kv_read = 30 * 2 * 8 * 192;
    assert_eq!(v["decode"]["dram_read_bytes"].as_u64(), Some(288 + kv_read));
    assert_eq!(v["decode"]["resident_matrices"].as_u64(), Some(30 * 7 + 1));
}

#[test]
fn roofline_devices_get_a_roofline_summary() {
    cimsim()
        .args([
            "compile",
            "--model",
            "llama3.2-1b",
            "--config",
            "sim/tests/fixtures/roofline-device.toml",
            "--prompt",
            "16",
        ])
        .assert()
        .success()
        .stdout(contains("roofline"))
        .stdout(contains("bound by"));
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["--model", "gpt-9"], "unknown model"),
        (
            &["--model", "smollm2-135m", "--mapping", "greedy"],
            "balanced-pipeline, sequential, double-buffered, resident",
        ),
        (
            &["--model", "smollm2-135m", "--prompt", "0"],
            "--prompt must be at least 1",
        ),
        (
            &["--model", "smollm2-135m", "--batch", "0"],
            "--batch must be at least 1",
        ),
        (
            &["--model", "smollm2-135m", "--kv", "9000"],
            "beyond smollm2-135m's context",
        ),
        (
            &["--model", "smollm2-135m", "--config", "no-such-chip"],
            "no-such-chip",
        ),
        (
            &[
                "--model",
                "smollm2-135m",
                "--mapping",
                "double-buffered",
                "--set",
                "chip.tiles=1",
                "--set",
                "chip.macros_per_tile=1",
            ],
            "at least 2 macros",
        ),
    ];
    for (args, message) in cases {
        cimsim()
            .arg("compile")
            .args(*args)
            .assert()
            .code(2)
            .stderr(contains(*message));
    }
}

#[test]
fn decode_overlap_shows_where_the_stream_stalls() {
    // qwen3-0.6b at KV length 129 on the default design: the global buffer fills during
    // attention, so the DRAM streams through only part of attn_value (the README's example).
    let v = json_of(&["--model", "qwen3-0.6b"]);
    let ops = v["decode_overlap"].as_array().expect("decode_overlap");
    let find = |name: &str| {
        ops.iter()
            .find(|o| o["op"] == name)
            .unwrap_or_else(|| panic!("{name} in {ops:?}"))
    };
    for o in ops {
        let (vs, ds) = (
            o["vector_s"].as_f64().unwrap(),
            o["dram_during_s"].as_f64().unwrap(),
        );
        assert!(ds >= 0.0 && ds <= vs * (1.0 + 1e-12), "{o}");
    }
    let share = |name: &str| {
        let o = find(name);
        o["dram_during_s"].as_f64().unwrap() / o["vector_s"].as_f64().unwrap()
    };
    assert!(
        share("attn_value") < 0.5,
        "attn_value {}",
        share("attn_value")
    );
    assert!(share("input_norm") > 0.99);
    // The last op waits for everything: nothing left to stream.
    assert_eq!(share("argmax"), 0.0);
    let text = cimsim()
        .args(["compile", "--model", "qwen3-0.6b"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("What the DRAM streams while"));
}
