//! Exact parameter counts of the shipped cards against the published table
//! (`shared/reference/README.md`, computed from each model's config.json), plus the derived
//! counts checked by hand for one model.

use workloads::{shipped, shipped_names};

/// (shipped name, reference config file stem, exact parameter count).
pub const REFERENCE: &[(&str, &str, u64)] = &[
    ("qwen3-0.6b", "Qwen3-0.6B", 596_049_920),
    ("qwen3-1.7b", "Qwen3-1.7B", 1_720_574_976),
    ("qwen3-4b", "Qwen3-4B", 4_022_468_096),
    ("llama3.2-1b", "Llama-3.2-1B", 1_235_814_400),
    ("llama3.2-3b", "Llama-3.2-3B", 3_212_749_824),
    ("smollm2-135m", "SmolLM2-135M", 134_515_008),
    ("smollm2-1.7b", "SmolLM2-1.7B", 1_711_376_384),
    ("smollm3-3b", "SmolLM3-3B", 3_075_098_624),
    ("tinyllama-1.1b", "TinyLlama-1.1B-Chat-v1.0", 1_100_048_384),
    ("qwen2.5-0.5b", "Qwen2.5-0.5B", 494_032_768),
    ("qwen2.5-1.5b", "Qwen2.5-1.5B", 1_543_714_304),
    ("qwen2.5-3b", "Qwen2.5-3B", 3_085_938_688),
    ("phi3.5-mini", "Phi-3.5-mini-instruct", 3_821_079_552),
];

#[test]
fn shipped_cards_match_the_reference_parameter_counts_exactly() {
    assert_eq!(shipped_names().len(), REFERENCE.len());
    for (name, _, params) in REFERENCE {
        let card = shipped(name).unwrap_or_else(|| panic!("{name} not shipped"));
        assert_eq!(card.counts().params, *params, "{name}");
    }
}

#[test]
fn qwen3_0_6b_derived_counts_by_hand() {
    let c = shipped("qwen3-0.6b").unwrap().counts();
    // Embedding 151936 x 1024 (tied, so no separate LM head).
    let embedding = 151_936u64 * 1024;
    assert_eq!(c.non_embedding_params, 596_049_920 - embedding);
    // Per layer: q 1024x2048, k and v 1024x1024, o 2048x1024, gate/up/down 1024x3072 each.
    let per_layer = 1024 * 2048 + 2 * 1024 * 1024 + 2048 * 1024 + 3 * 1024 * 3072;
    assert_eq!(c.linear_macs_per_token, 28 * per_layer);
    assert_eq!(c.lm_head_macs, embedding);
    // K and V, 8 KV heads x 128, 28 layers, 1 byte each.
    assert_eq!(c.kv_bytes_per_token, 2 * 28 * 8 * 128);
    assert_eq!(c.weight_bytes_int8, 596_049_920);
    assert_eq!(c.weight_bytes_int4, 298_024_960);
}

#[test]
fn untied_lm_head_counts_as_non_embedding() {
    let c = shipped("tinyllama-1.1b").unwrap().counts();
    assert_eq!(c.non_embedding_params, 1_100_048_384 - 32_000 * 2048);
    assert_eq!(c.weight_bytes_int4, 1_100_048_384 / 2);
}

fn fixture(stem: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hf")
        .join(format!("{stem}.config.json"))
}

#[test]
fn imported_configs_match_the_reference_parameter_counts_exactly() {
    for (name, stem, params) in REFERENCE {
        let card = workloads::import_hf_file(&fixture(stem), None).unwrap();
        assert_eq!(card.counts().params, *params, "{stem}");
        assert_eq!(card.name, stem.to_ascii_lowercase());
        // The import reproduces the shipped card field by field, not just its count.
        let named = workloads::import_hf_file(&fixture(stem), Some(name)).unwrap();
        assert_eq!(Some(named), shipped(name), "{stem}");
    }
}

#[test]
fn load_model_accepts_names_cards_and_configs() {
    let by_name = workloads::load_model("smollm3-3b").unwrap();
    let by_json = workloads::load_model(fixture("SmolLM3-3B").to_str().unwrap()).unwrap();
    assert_eq!(by_json.nope_layers, by_name.nope_layers);
    assert_eq!(by_json.counts(), by_name.counts());
    let card_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/smollm3-3b.toml");
    let by_card = workloads::load_model(card_path.to_str().unwrap()).unwrap();
    assert_eq!(by_card, by_name);
}
