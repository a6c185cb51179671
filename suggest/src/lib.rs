//! Nearest-name hints for error messages, shared by every parser of the workspace: `did you mean` for a misspelt key, also added to the
//! "unknown field" messages of serde, which list the valid names but do not pick one.

/// `; did you mean `X`?` for the candidate nearest to `wrong` by edit distance, when it is near
/// enough to be a plausible misspelling; otherwise empty.
pub fn did_you_mean<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let limit = (wrong.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| {
            (
                edit_distance(&wrong.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Adds a `did you mean` to the line of a serde message of the form "unknown field `x`,
/// expected one of `a`, `b`, ..." (or "expected `a`"); other messages are returned as they are.
pub fn with_unknown_field_hint(message: &str) -> String {
    let mut out = Vec::new();
    for line in message.lines() {
        let hint = unknown_field_hint(line);
        out.push(format!("{line}{hint}"));
    }
    out.join("\n")
}

fn unknown_field_hint(line: &str) -> String {
    const MARK: &str = "unknown field `";
    let Some(start) = line.find(MARK) else {
        return String::new();
    };
    let rest = &line[start + MARK.len()..];
    let Some(end) = rest.find('`') else {
        return String::new();
    };
    let wrong = &rest[..end];
    let Some(expected) = rest.find("expected") else {
        return String::new();
    };
    // The names are the odd-numbered pieces between backquotes.
    let candidates = rest[expected..].split('`').skip(1).step_by(2);
    did_you_mean(wrong, candidates)
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_get_the_nearest_name() {
        let m = "TOML parse error at line 5, column 1\n  |\nunknown field `hidden_sise`, expected one of `name`, `hidden_size`, `head_dim`";
        let out = with_unknown_field_hint(m);
        assert!(
            out.ends_with("`head_dim`; did you mean `hidden_size`?"),
            "{out}"
        );
        assert!(out.starts_with("TOML parse error at line 5"));
    }

    #[test]
    fn far_names_get_no_hint() {
        assert_eq!(did_you_mean("zzzzzzzz", ["rows", "columns"]), "");
        assert_eq!(did_you_mean("tCKK", ["tck", "cl"]), "; did you mean `tck`?");
        assert_eq!(
            with_unknown_field_hint("missing field `x`"),
            "missing field `x`"
        );
    }
}
