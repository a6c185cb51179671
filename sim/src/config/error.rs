//! Configuration errors. Every message says where (the file or preset, and the key path), what
//! was wrong, and what is allowed.

use thiserror::Error;

/// An error loading, overriding or validating a hardware configuration. `origin` is the file
/// path or `preset NAME`, possibly followed by the `--set` overrides applied to it.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{origin}: cannot read the file: {source}")]
    Io {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown configuration `{name}`: not a preset ({presets}) and no such file{hint}")]
    UnknownConfig {
        name: String,
        presets: String,
        /// `; did you mean `X`?` or empty.
        hint: String,
    },
    #[error("{origin}: invalid TOML: {message}")]
    Syntax { origin: String, message: String },
    #[error("{origin}: unknown key `{key}`{hint}")]
    UnknownKey {
        origin: String,
        key: String,
        hint: String,
    },
    #[error("{origin}: missing key `{key}` ({expected})")]
    MissingKey {
        origin: String,
        key: String,
        expected: String,
    },
    #[error("{origin}: `{key}` has the wrong type: expected {expected}, found {found}")]
    WrongType {
        origin: String,
        key: String,
        expected: String,
        found: String,
    },
    #[error("{origin}: `{key}` = {value} is out of range: allowed {allowed}")]
    OutOfRange {
        origin: String,
        key: String,
        value: String,
        allowed: String,
    },
    #[error("--set `{arg}`: expected KEY.PATH=VALUE, e.g. macro.rows=128")]
    BadOverride { arg: String },
    #[error("--set `{arg}`: unknown key path `{key}`{hint}")]
    UnknownOverrideKey {
        arg: String,
        key: String,
        hint: String,
    },
    #[error("--set `{arg}`: `{key}` expects {expected}, got `{value}`")]
    OverrideType {
        arg: String,
        key: String,
        expected: String,
        value: String,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl ConfigError {
    /// The key path the error is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::UnknownKey { key, .. }
            | ConfigError::MissingKey { key, .. }
            | ConfigError::WrongType { key, .. }
            | ConfigError::OutOfRange { key, .. }
            | ConfigError::UnknownOverrideKey { key, .. }
            | ConfigError::OverrideType { key, .. } => Some(key),
            _ => None,
        }
    }
}

/// `; did you mean `X`?` for the candidate nearest to `wrong` by edit distance, or empty when
/// there are no candidates.
pub(crate) fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    let best = candidates
        .into_iter()
        .map(|c| (edit_distance(wrong, c), c))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    match best {
        Some((_, c)) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}

pub(crate) use suggest::edit_distance;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_hand_cases() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("macro.rows", "macro.rows"), 0);
        assert_eq!(edit_distance("macro.rowz", "macro.rows"), 1);
    }

    #[test]
    fn suggestion_picks_nearest() {
        let keys = ["macro.rows", "macro.cols", "chip.tiles"];
        assert_eq!(
            did_you_mean("chip.tile", keys.iter().copied()),
            "; did you mean `chip.tiles`?"
        );
        assert_eq!(did_you_mean("x", std::iter::empty()), "");
    }
}
