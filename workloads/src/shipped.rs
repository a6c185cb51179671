//! The model cards shipped inside the binary (`workloads/models/*.toml`), and `load_model`, which
//! accepts a shipped name, a card file or a Hugging Face `config.json`.

use crate::card::ModelCard;
use crate::error::WorkloadError;
use crate::hf;
use std::path::Path;

/// (name, TOML text) of every shipped card, in listing order.
const SHIPPED: &[(&str, &str)] = &[
    ("qwen3-0.6b", include_str!("../models/qwen3-0.6b.toml")),
    ("qwen3-1.7b", include_str!("../models/qwen3-1.7b.toml")),
    ("qwen3-4b", include_str!("../models/qwen3-4b.toml")),
    ("llama3.2-1b", include_str!("../models/llama3.2-1b.toml")),
    ("llama3.2-3b", include_str!("../models/llama3.2-3b.toml")),
    ("smollm2-135m", include_str!("../models/smollm2-135m.toml")),
    ("smollm2-1.7b", include_str!("../models/smollm2-1.7b.toml")),
    ("smollm3-3b", include_str!("../models/smollm3-3b.toml")),
    (
        "tinyllama-1.1b",
        include_str!("../models/tinyllama-1.1b.toml"),
    ),
    ("qwen2.5-0.5b", include_str!("../models/qwen2.5-0.5b.toml")),
    ("qwen2.5-1.5b", include_str!("../models/qwen2.5-1.5b.toml")),
    ("qwen2.5-3b", include_str!("../models/qwen2.5-3b.toml")),
    ("phi3.5-mini", include_str!("../models/phi3.5-mini.toml")),
];

const NAMES: &[&str] = &[
    "qwen3-0.6b",
    "qwen3-1.7b",
    "qwen3-4b",
    "llama3.2-1b",
    "llama3.2-3b",
    "smollm2-135m",
    "smollm2-1.7b",
    "smollm3-3b",
    "tinyllama-1.1b",
    "qwen2.5-0.5b",
    "qwen2.5-1.5b",
    "qwen2.5-3b",
    "phi3.5-mini",
];

/// Names of the shipped models, in listing order.
pub fn shipped_names() -> &'static [&'static str] {
    NAMES
}

/// The TOML text of a shipped card, comments included (for printing and copying).
pub fn shipped_toml(name: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// A shipped card by name. The embedded cards are validated by the test suite, so `None` means
/// only "no such name".
pub fn shipped(name: &str) -> Option<ModelCard> {
    let text = shipped_toml(name)?;
    ModelCard::from_toml_str(text, &format!("shipped:{name}")).ok()
}

/// A shipped name, a card `.toml` or a Hugging Face `config.json` path. A path ending in `.json`
/// is imported as a Hugging Face config (named after the file); anything else is read as a card.
pub fn load_model(name_or_path: &str) -> Result<ModelCard, WorkloadError> {
    if let Some(card) = shipped(name_or_path) {
        return Ok(card);
    }
    let path = Path::new(name_or_path);
    if !path.is_file() {
        return Err(WorkloadError::UnknownModel {
            name: name_or_path.to_string(),
            shipped: NAMES.join(", "),
        });
    }
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        hf::import_hf_file(path, None)
    } else {
        ModelCard::from_toml_file(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_card_parses_validates_and_carries_its_name() {
        assert_eq!(SHIPPED.len(), NAMES.len());
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(SHIPPED[i].0, *name);
            let card = ModelCard::from_toml_str(SHIPPED[i].1, name).unwrap();
            assert_eq!(card.name, *name);
            assert!(SHIPPED[i].1.starts_with(&format!("# {name} — source:")));
        }
    }

    #[test]
    fn unknown_name_lists_shipped_models() {
        let e = load_model("no-such-model").unwrap_err().to_string();
        assert!(
            e.contains("no-such-model") && e.contains("qwen3-0.6b"),
            "{e}"
        );
    }
}
