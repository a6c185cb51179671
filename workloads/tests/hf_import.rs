//! Import of Hugging Face configs that are not shipped (made-up sizes of each supported family,
//! counted by hand) and every error case, each of which must name the file and the field.

use serde_json::{json, Value};
use std::path::Path;
use workloads::{import_hf_str, ModelCard};

fn import(v: &Value) -> Result<ModelCard, String> {
    import_hf_str(&v.to_string(), Path::new("dir/made-up.config.json"), None)
        .map_err(|e| e.to_string())
}

/// A Qwen3 size that does not exist: hidden 1536, 20 layers, 12 heads of 128, 4 KV heads.
fn qwen3_made_up() -> Value {
    json!({
        "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
        "hidden_size": 1536, "intermediate_size": 4608, "num_hidden_layers": 20,
        "num_attention_heads": 12, "num_key_value_heads": 4, "head_dim": 128,
        "vocab_size": 151936, "tie_word_embeddings": true, "max_position_embeddings": 40960,
        "rms_norm_eps": 1e-6, "rope_theta": 1000000, "hidden_act": "silu",
        "attention_bias": false, "some_future_key": {"nested": [1, 2]}
    })
}

/// A Llama size that does not exist, without head_dim (derived as 1280 / 20 = 64), untied.
fn llama_made_up() -> Value {
    json!({
        "model_type": "llama", "hidden_size": 1280, "intermediate_size": 3456,
        "num_hidden_layers": 10, "num_attention_heads": 20, "num_key_value_heads": 5,
        "vocab_size": 32000, "tie_word_embeddings": false, "max_position_embeddings": 4096,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0
    })
}

#[test]
fn made_up_qwen3_is_counted_by_hand() {
    let card = import(&qwen3_made_up()).unwrap();
    assert_eq!(card.name, "made-up");
    assert!(card.qk_norm && !card.qkv_bias && card.tie_word_embeddings);
    let (h, q, kv, i) = (1536u64, 12 * 128u64, 4 * 128u64, 4608u64);
    let per_layer = h * q + 2 * h * kv + q * h + 3 * h * i + 2 * h + 2 * 128;
    let expected = 151_936 * h + 20 * per_layer + h;
    assert_eq!(card.counts().params, expected);
}

#[test]
fn made_up_llama_is_counted_by_hand() {
    let card = import(&llama_made_up()).unwrap();
    assert_eq!(card.head_dim, 64);
    assert_eq!(card.num_kv_heads, 5);
    let h = 1280u64;
    let per_layer = h * h + 2 * h * (5 * 64) + h * h + 3 * h * 3456 + 2 * h;
    let expected = 2 * 32_000 * h + 10 * per_layer + h;
    assert_eq!(card.counts().params, expected);
}

#[test]
fn defaults_follow_the_config_classes() {
    // Llama without num_key_value_heads (multi-head), tie flag, eps, theta or context.
    let mut v = llama_made_up();
    let o = v.as_object_mut().unwrap();
    for k in [
        "num_key_value_heads",
        "tie_word_embeddings",
        "rms_norm_eps",
        "rope_theta",
        "max_position_embeddings",
    ] {
        o.remove(k);
    }
    let card = import(&v).unwrap();
    assert_eq!(card.num_kv_heads, 20);
    assert!(!card.tie_word_embeddings);
    assert_eq!(card.norm_eps, 1e-6);
    assert_eq!(card.rope_theta, 10_000.0);
    assert_eq!(card.max_context, 2048);
    // Newer files keep rope_theta under rope_parameters.
    let mut v = llama_made_up();
    v.as_object_mut().unwrap().remove("rope_theta");
    v["rope_parameters"] = json!({"rope_type": "default", "rope_theta": 123456.0});
    assert_eq!(import(&v).unwrap().rope_theta, 123_456.0);
}

#[test]
fn smollm3_nope_from_interval_list_and_default() {
    let mut v = llama_made_up();
    v["model_type"] = json!("smollm3");
    v["num_hidden_layers"] = json!(8);
    v["no_rope_layer_interval"] = json!(3);
    assert_eq!(import(&v).unwrap().nope_layers, vec![2, 5]);
    v["no_rope_layers"] = json!([0, 1, 1, 1, 1, 1, 1, 0]);
    assert_eq!(import(&v).unwrap().nope_layers, vec![0, 7]);
    let o = v.as_object_mut().unwrap();
    o.remove("no_rope_layers");
    o.remove("no_rope_layer_interval");
    o.remove("tie_word_embeddings");
    let card = import(&v).unwrap();
    assert_eq!(card.nope_layers, vec![3, 7]);
    assert!(card.tie_word_embeddings, "SmolLM3Config ties by default");
}

#[test]
fn mistral_phi3_and_qwen2_flags() {
    let mut v = llama_made_up();
    v["model_type"] = json!("mistral");
    v["head_dim"] = Value::Null;
    v["sliding_window"] = json!(4096);
    let card = import(&v).unwrap();
    assert_eq!(card.head_dim, 64);
    assert!(!card.qkv_bias && !card.fused_qkv);

    v["model_type"] = json!("qwen2");
    let card = import(&v).unwrap();
    assert!(
        card.qkv_bias,
        "Qwen2 has q/k/v biases whatever the file says"
    );
    let h = 1280u64;
    let bias = h + 2 * 5 * 64;
    let plain = import(&llama_made_up()).unwrap();
    assert_eq!(card.counts().params, plain.counts().params + 10 * bias);

    v["model_type"] = json!("phi3");
    v["head_dim"] = json!(999); // Phi-3 ignores it: head_dim is hidden / heads.
    let card = import(&v).unwrap();
    assert!(card.fused_qkv && card.fused_gate_up);
    assert_eq!(card.head_dim, 64);
    assert_eq!(card.counts().params, plain.counts().params);
}

/// Applies `edit` to a valid config and checks the error names the file and `field`.
fn assert_error(base: Value, edit: impl FnOnce(&mut serde_json::Map<String, Value>), field: &str) {
    let mut v = base;
    edit(v.as_object_mut().unwrap());
    let e = import(&v).expect_err(field);
    assert!(
        e.contains("dir/made-up.config.json") && e.contains(&format!("`{field}`")),
        "error for {field}: {e}"
    );
}

#[test]
fn every_bad_field_is_named_with_the_file() {
    let q = qwen3_made_up;
    assert_error(
        q(),
        |o| {
            o.insert("model_type".into(), json!("gpt2"));
        },
        "model_type",
    );
    assert_error(
        q(),
        |o| {
            o.remove("model_type");
        },
        "model_type",
    );
    assert_error(
        q(),
        |o| {
            o.insert("model_type".into(), json!(3));
        },
        "model_type",
    );
    assert_error(
        q(),
        |o| {
            o.remove("hidden_size");
        },
        "hidden_size",
    );
    assert_error(
        q(),
        |o| {
            o.insert("hidden_size".into(), json!("1536"));
        },
        "hidden_size",
    );
    assert_error(
        q(),
        |o| {
            o.insert("intermediate_size".into(), json!(4608.5));
        },
        "intermediate_size",
    );
    assert_error(
        q(),
        |o| {
            o.insert("num_hidden_layers".into(), json!(0));
        },
        "num_hidden_layers",
    );
    assert_error(
        q(),
        |o| {
            o.insert("num_hidden_layers".into(), json!(1u64 << 33));
        },
        "num_hidden_layers",
    );
    assert_error(
        q(),
        |o| {
            o.insert("num_hidden_layers".into(), json!(5000));
        },
        "num_hidden_layers",
    );
    assert_error(
        q(),
        |o| {
            o.insert("num_attention_heads".into(), json!(-12));
        },
        "num_attention_heads",
    );
    assert_error(
        q(),
        |o| {
            o.insert("num_key_value_heads".into(), json!(5));
        },
        "num_key_value_heads",
    );
    assert_error(
        q(),
        |o| {
            o.insert("num_key_value_heads".into(), json!(24));
        },
        "num_key_value_heads",
    );
    assert_error(
        q(),
        |o| {
            o.insert("vocab_size".into(), json!(null));
        },
        "vocab_size",
    );
    assert_error(
        q(),
        |o| {
            o.insert("vocab_size".into(), json!(1u64 << 40));
        },
        "vocab_size",
    );
    assert_error(
        q(),
        |o| {
            o.insert("head_dim".into(), json!(0));
        },
        "head_dim",
    );
    assert_error(
        q(),
        |o| {
            o.insert("rms_norm_eps".into(), json!("1e-6"));
        },
        "rms_norm_eps",
    );
    assert_error(
        q(),
        |o| {
            o.insert("rms_norm_eps".into(), json!(0.0));
        },
        "rms_norm_eps",
    );
    assert_error(
        q(),
        |o| {
            o.insert("rope_theta".into(), json!(-1.0));
        },
        "rope_theta",
    );
    assert_error(
        q(),
        |o| {
            o.insert("tie_word_embeddings".into(), json!("yes"));
        },
        "tie_word_embeddings",
    );
    assert_error(
        q(),
        |o| {
            o.insert("hidden_act".into(), json!("gelu"));
        },
        "hidden_act",
    );
    assert_error(
        q(),
        |o| {
            o.insert("attention_bias".into(), json!(true));
        },
        "attention_bias",
    );
    assert_error(
        q(),
        |o| {
            o.insert("mlp_bias".into(), json!(true));
        },
        "mlp_bias",
    );
    assert_error(
        q(),
        |o| {
            o.insert("max_position_embeddings".into(), json!([1]));
        },
        "max_position_embeddings",
    );
    // Hidden size not divisible by heads when head_dim is absent.
    assert_error(
        llama_made_up(),
        |o| {
            o.insert("hidden_size".into(), json!(1290));
        },
        "hidden_size",
    );
    // SmolLM3 NoPE list: wrong length, wrong element, wrong type.
    let smol = || {
        let mut v = llama_made_up();
        v["model_type"] = json!("smollm3");
        v
    };
    assert_error(
        smol(),
        |o| {
            o.insert("no_rope_layers".into(), json!([1, 0]));
        },
        "no_rope_layers",
    );
    assert_error(
        smol(),
        |o| {
            o.insert(
                "no_rope_layers".into(),
                json!([1, 1, 1, 2, 1, 1, 1, 1, 1, 1]),
            );
        },
        "no_rope_layers[3]",
    );
    assert_error(
        smol(),
        |o| {
            o.insert("no_rope_layers".into(), json!("all"));
        },
        "no_rope_layers",
    );
    assert_error(
        smol(),
        |o| {
            o.insert("no_rope_layer_interval".into(), json!(0));
        },
        "no_rope_layer_interval",
    );
}

#[test]
fn malformed_files_name_the_file() {
    for text in ["{\"model_type\": ", "[1, 2]", ""] {
        let e = import_hf_str(text, Path::new("broken/config.json"), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("broken/config.json"), "{e}");
    }
    let e = workloads::import_hf_file(Path::new("/no/such/config.json"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("/no/such/config.json"), "{e}");
}

#[test]
fn bad_name_override_is_rejected() {
    let e = import_hf_str(
        &qwen3_made_up().to_string(),
        Path::new("x.json"),
        Some("two words"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("name"), "{e}");
}
