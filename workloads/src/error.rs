//! The one error type of the crate. Every variant says where the problem is (file, key or field)
//! and, where it helps, what is allowed.

use std::path::PathBuf;
use thiserror::Error;

/// Anything that can go wrong loading, importing or validating a model.
#[derive(Debug, Error)]
pub enum WorkloadError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A card is not valid TOML or does not match the card schema (unknown key, wrong type, ...).
    #[error("{source_name}: invalid model card: {message}")]
    CardSyntax {
        source_name: String,
        message: String,
    },
    /// A card parsed but one of its values is out of range or inconsistent with another.
    #[error("{source_name}: key `{key}`: {message}")]
    CardValue {
        source_name: String,
        key: String,
        message: String,
    },
    /// A Hugging Face `config.json` is not valid JSON or not a JSON object.
    #[error("{path}: not a Hugging Face config: {message}")]
    HfSyntax { path: PathBuf, message: String },
    /// A Hugging Face `config.json` field is missing, of the wrong type, zero or inconsistent.
    #[error("{path}: field `{field}`: {message}")]
    HfField {
        path: PathBuf,
        field: String,
        message: String,
    },
    /// A name that is neither a shipped model nor an existing file.
    #[error("unknown model `{name}`: not a shipped model and no such file (shipped: {shipped})")]
    UnknownModel { name: String, shipped: String },
}
