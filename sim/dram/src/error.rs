//! Errors of the DRAM crate: bad configuration files and values, and malformed traces. Each
//! message names the file, the key or line, and what is allowed.

use thiserror::Error;

/// Anything that can go wrong while loading a DRAM description or a trace.
#[derive(Debug, Error)]
pub enum DramError {
    /// A file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A `.ini` line that is neither a section, a `key = value` pair, a comment nor blank.
    #[error("{path}:{line}: cannot parse `{text}` (expected `[section]` or `key = value`)")]
    IniSyntax {
        path: String,
        line: usize,
        text: String,
    },
    /// A key is missing from a configuration.
    #[error("{path}: missing key `{key}`")]
    MissingKey { path: String, key: String },
    /// A key has a value of the wrong form or out of range.
    #[error("{path}: `{key}` = {value}: {allowed}")]
    BadValue {
        path: String,
        key: String,
        value: String,
        allowed: String,
    },
    /// A TOML file that does not parse or has unknown keys / wrong types.
    #[error("{path}: {message}")]
    Toml { path: String, message: String },
    /// A malformed trace line.
    #[error("{path}:{line}: {message}")]
    Trace {
        path: String,
        line: usize,
        message: String,
    },
}

impl DramError {
    pub(crate) fn bad(
        path: &str,
        key: &str,
        value: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> DramError {
        DramError::BadValue {
            path: path.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}
