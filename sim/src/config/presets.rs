//! The preset configurations shipped inside the binary (`sim/presets/*.toml`, each number
//! commented with its source).

/// The default design.
pub const DEFAULT_PRESET: &str = "edgecim-65nm";

/// `(name, file text)`, default first.
const PRESETS: &[(&str, &str)] = &[
    (
        "edgecim-65nm",
        include_str!("../../presets/edgecim-65nm.toml"),
    ),
    (
        "edgecim-lpddr4",
        include_str!("../../presets/edgecim-lpddr4.toml"),
    ),
    (
        "edgecim-attn-65nm",
        include_str!("../../presets/edgecim-attn-65nm.toml"),
    ),
    (
        "cim-small-65nm",
        include_str!("../../presets/cim-small-65nm.toml"),
    ),
    (
        "cim-analog-65nm",
        include_str!("../../presets/cim-analog-65nm.toml"),
    ),
];

const NAMES: &[&str] = &[
    "edgecim-65nm",
    "edgecim-lpddr4",
    "edgecim-attn-65nm",
    "cim-small-65nm",
    "cim-analog-65nm",
];

/// Preset names, the default first.
pub fn preset_names() -> &'static [&'static str] {
    NAMES
}

/// The commented TOML text of a preset, as shipped.
pub fn preset_text(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_embedded_files() {
        let embedded: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
        assert_eq!(embedded, NAMES);
        assert_eq!(NAMES[0], DEFAULT_PRESET);
        for (name, text) in PRESETS {
            assert!(
                text.contains(&format!("name = \"{name}\"")),
                "{name}: the file's name key differs"
            );
        }
    }
}
