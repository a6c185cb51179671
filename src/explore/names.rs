//! Helpers for messages about names: the nearest valid name to a wrong one, and the line of a
//! byte offset in a file.

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// `; did you mean `X`?` for the nearest candidate by edit distance, or empty when even the
/// nearest is too far to be a misspelling (more than a third of the name, and more than 2).
pub fn did_you_mean<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let limit = (wrong.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (suggest::edit_distance(wrong, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Adds a `did you mean` to a serde message "unknown field `x`, expected one of `a`, `b`, ..."
/// (the names are the odd-numbered pieces between backquotes after "expected").
pub fn with_unknown_field_hint(message: &str) -> String {
    let hint = (|| {
        let rest = &message[message.find("unknown field `")? + "unknown field `".len()..];
        let wrong = &rest[..rest.find('`')?];
        let expected = &rest[rest.find("expected")?..];
        Some(did_you_mean(wrong, expected.split('`').skip(1).step_by(2)))
    })();
    format!("{message}{}", hint.unwrap_or_default())
}
