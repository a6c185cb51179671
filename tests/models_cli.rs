//! End-to-end tests of `cimsim models` and `cimsim model show|import|graph`.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").unwrap()
}

fn fixture(stem: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("workloads/tests/fixtures/hf")
        .join(format!("{stem}.config.json"))
}

fn stdout_json(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn models_lists_every_shipped_model() {
    let out = cimsim()
        .arg("models")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for name in workloads::shipped_names() {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(text.contains("596,049,920") && text.contains("16/8"));
    assert_eq!(text.lines().count(), 1 + 13);

    let rows = stdout_json(cimsim().args(["models", "--json"]));
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 13);
    let phi = rows.iter().find(|r| r["name"] == "phi3.5-mini").unwrap();
    assert_eq!(phi["params"], 3_821_079_552u64);
    assert_eq!(phi["num_kv_heads"], 32);
}

#[test]
fn model_show_json_has_the_documented_keys() {
    let doc = stdout_json(cimsim().args(["model", "show", "qwen3-0.6b", "--json"]));
    for key in [
        "name",
        "params",
        "non_embedding_params",
        "layers",
        "hidden_size",
        "vocab_size",
        "linear_macs_per_token",
        "lm_head_macs",
        "kv_bytes_per_token",
        "weight_bytes_int4",
        "weight_bytes_int8",
    ] {
        assert!(doc.get(key).is_some(), "missing {key}");
    }
    assert_eq!(doc["params"], 596_049_920u64);
    assert_eq!(doc["layers"], 28);
    // 2 (K, V) x 28 layers x 8 KV heads x 128 at one byte.
    assert_eq!(doc["kv_bytes_per_token"], 57_344);
    assert_eq!(doc["lm_head_macs"], 151_936u64 * 1024);

    // The same model given as a Hugging Face config.json has the same counts.
    let path = fixture("Qwen3-0.6B");
    let from_json = stdout_json(cimsim().args(["model", "show", path.to_str().unwrap(), "--json"]));
    assert_eq!(from_json["params"], doc["params"]);
    assert_eq!(
        from_json["linear_macs_per_token"],
        doc["linear_macs_per_token"]
    );

    let plain = cimsim()
        .args(["model", "show", "smollm3-3b"])
        .assert()
        .success();
    let text = String::from_utf8(plain.get_output().stdout.clone()).unwrap();
    assert!(text.contains("3,075,098,624") && text.contains("nope_layers = [3, 7"));
}

#[test]
fn import_writes_a_card_that_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("tiny.toml");
    cimsim()
        .args(["model", "import"])
        .arg(fixture("TinyLlama-1.1B-Chat-v1.0"))
        .args(["--name", "my-tinyllama", "-o"])
        .arg(&card)
        .assert()
        .success();
    let text = std::fs::read_to_string(&card).unwrap();
    assert!(text.starts_with("# my-tinyllama — imported from"));
    assert!(text.contains("tie_word_embeddings = false"));
    let doc = stdout_json(cimsim().args(["model", "show", card.to_str().unwrap(), "--json"]));
    assert_eq!(doc["name"], "my-tinyllama");
    assert_eq!(doc["params"], 1_100_048_384u64);
    // Only the card is left in the directory: no temporary file.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // Without -o the card goes to standard output.
    cimsim()
        .args(["model", "import"])
        .arg(fixture("Phi-3.5-mini-instruct"))
        .assert()
        .success()
        .stdout(predicate::str::contains("name = \"phi-3.5-mini-instruct\""))
        .stdout(predicate::str::contains("fused_qkv = true"));
}

#[test]
fn bad_input_exits_2_naming_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.config.json");
    std::fs::write(
        &bad,
        r#"{"model_type": "qwen3", "hidden_size": "wide", "intermediate_size": 8,
            "num_hidden_layers": 2, "num_attention_heads": 2, "vocab_size": 10}"#,
    )
    .unwrap();
    let out = dir.path().join("out.toml");
    cimsim()
        .args(["model", "import"])
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.config.json"))
        .stderr(predicate::str::contains("`hidden_size`"));
    assert!(!out.exists(), "nothing is written on error");

    std::fs::write(&bad, r#"{"model_type": "gpt_neox", "hidden_size": 8}"#).unwrap();
    cimsim()
        .args(["model", "show"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`model_type`"))
        .stderr(predicate::str::contains("gpt_neox"));

    let card = dir.path().join("bad.toml");
    std::fs::write(&card, "name = \"x\"\nhidden_sise = 3\n").unwrap();
    cimsim()
        .args(["model", "show"])
        .arg(&card)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml"))
        .stderr(predicate::str::contains("hidden_sise"));

    cimsim()
        .args(["model", "show", "no-such-model"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("qwen3-0.6b"));
    cimsim()
        .args([
            "model",
            "graph",
            "qwen3-0.6b",
            "--phase",
            "decode",
            "--tokens",
            "4",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--tokens"));
    cimsim()
        .args([
            "model",
            "graph",
            "qwen3-0.6b",
            "--phase",
            "decode",
            "--kv",
            "0",
        ])
        .assert()
        .code(2);
    cimsim()
        .args([
            "model",
            "graph",
            "qwen3-0.6b",
            "--phase",
            "prefill",
            "--batch",
            "0",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--batch"));
}

#[test]
fn graph_writes_dot_and_json() {
    let out = cimsim()
        .args([
            "model",
            "graph",
            "qwen3-0.6b",
            "--phase",
            "decode",
            "--kv",
            "128",
            "--format",
            "dot",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let dot = String::from_utf8(out).unwrap();
    assert!(dot.starts_with("digraph decoder {") && dot.trim_end().ends_with('}'));
    assert!(dot.contains("layer27.q_norm") && dot.contains("lm_head"));
    assert!(dot.contains("AttentionScore h16/kv8 d128 q1 L128"));

    // -o writes the same bytes atomically.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g.dot");
    cimsim()
        .args([
            "model",
            "graph",
            "qwen3-0.6b",
            "--phase",
            "decode",
            "--kv",
            "128",
            "-o",
        ])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), dot);

    // JSON MACs equal the closed form for a batched prefill.
    let doc = stdout_json(cimsim().args([
        "model",
        "graph",
        "smollm3-3b",
        "--phase",
        "prefill",
        "--tokens",
        "16",
        "--batch",
        "3",
        "--format",
        "json",
    ]));
    let card = workloads::shipped("smollm3-3b").unwrap();
    let expected = workloads::phase_macs(&card, workloads::Phase::Prefill { tokens: 16 }, 3);
    assert_eq!(doc["total_macs"].as_u64(), Some(expected));
    assert_eq!(doc["model"], "smollm3-3b");
    let ops = doc["ops"].as_array().unwrap();
    let ropes = ops.iter().filter(|o| o["kind"]["type"] == "rope").count();
    assert_eq!(ropes, 36 - 9, "NoPE layers have no RoPE op");
}
