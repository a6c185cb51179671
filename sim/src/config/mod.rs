//! Accelerator configuration: schema, presets, loading, validation and `--set` overrides.
//!
//! Loading goes text → TOML value tree → `--set` overrides applied on the tree → per-key checks
//! (unknown keys, types, ranges) → deserialise → cross-key validation. Working on the tree makes
//! every field overridable and lets every error name its key path.

mod bounds;
mod error;
mod keys;
mod presets;
pub mod schema;
mod validate;

pub use bounds::{keys_bounded_by, Limit};
pub use error::ConfigError;
pub use keys::{
    key_help, key_help_for, key_info, key_paths, key_scope, Accepts, KeyInfo, KeyScope,
    CONDITIONAL_KEYS, DESCRIPTIVE_KEYS, LIMIT_KEYS,
};
pub use presets::{preset_names, preset_text, DEFAULT_PRESET};
pub use schema::*;
pub use validate::MAX_TOTAL_MACROS;

use std::path::Path;
use toml::{Table, Value};

/// A shipped preset, parsed. `None` for an unknown name.
pub fn preset(name: &str) -> Option<HardwareConfig> {
    let text = preset_text(name)?;
    parse_config(text, &preset_origin(name), &[]).ok()
}

fn preset_origin(name: &str) -> String {
    format!("preset `{name}`")
}

/// Loads a preset name or a TOML file, applies `overrides` (`key.path=value`, in order) and
/// validates the result. A preset name wins over a file of the same name in the current
/// directory (write `./NAME` for the file).
pub fn load_config(
    name_or_path: &str,
    overrides: &[String],
) -> Result<HardwareConfig, ConfigError> {
    if let Some(text) = preset_text(name_or_path) {
        return parse_config(text, &preset_origin(name_or_path), overrides);
    }
    if crate::device::is_device(name_or_path) {
        return Err(ConfigError::Invalid {
            origin: name_or_path.to_string(),
            message: "a measured-device baseline (kind = \"device\"), not a CIM design: compare \
                      against it with `simulate --baseline`, or use `cimsim baseline validate`"
                .into(),
        });
    }
    let path = Path::new(name_or_path);
    let looks_like_path = name_or_path.contains(['/', '\\']) || name_or_path.ends_with(".toml");
    if !path.exists() && !looks_like_path {
        return Err(ConfigError::UnknownConfig {
            name: name_or_path.to_string(),
            presets: preset_names().join(", "),
            hint: error::did_you_mean(name_or_path, preset_names().iter().copied()),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        origin: path.display().to_string(),
        source,
    })?;
    parse_config(&text, &path.display().to_string(), overrides)
}

/// Parses configuration `text`; `origin` (a file path or preset name) is what errors report.
pub fn parse_config(
    text: &str,
    origin: &str,
    overrides: &[String],
) -> Result<HardwareConfig, ConfigError> {
    let mut tree: Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Syntax {
            origin: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
    for arg in overrides {
        keys::apply_override(&mut tree, arg)?;
    }
    let origin = if overrides.is_empty() {
        origin.to_string()
    } else {
        format!("{origin} with --set {}", overrides.join(" --set "))
    };
    keys::check_tree(&origin, &mut tree)?;
    let cfg: HardwareConfig = Value::Table(tree)
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError::Invalid {
            origin: origin.clone(),
            message: e.message().to_string(),
        })?;
    cfg.validate_as(&origin)?;
    Ok(cfg)
}

impl HardwareConfig {
    /// A complete TOML file for this configuration; [`parse_config`] of it gives back an equal
    /// configuration.
    pub fn to_toml_string(&self) -> String {
        match toml::to_string(self) {
            Ok(s) => s,
            // Every field is a plain number, string, bool or table, which TOML always encodes.
            Err(e) => format!("# cannot encode this configuration as TOML: {e}\n"),
        }
    }

    /// The DRAM model's spec: the `dram.preset` with `dram.channels` channels, devices of
    /// `dram.device_density_gbit` when set, and the flat `dram.energy_pj_per_bit` in place of
    /// the preset's energy model when it is set (an explicit user override).
    pub fn dram_spec(&self) -> Result<dram::DramSpec, ConfigError> {
        let Some(spec) = dram::presets::get(&self.dram.preset) else {
            return Err(ConfigError::OutOfRange {
                origin: format!("configuration `{}`", self.name),
                key: "dram.preset".into(),
                value: format!("\"{}\"", self.dram.preset),
                allowed: keys::allowed(keys::Rule::DramPreset),
            });
        };
        let mut spec = spec.with_channels(self.dram.channels);
        if let Some(gbit) = self.dram.device_density_gbit {
            let rows = spec.organization.rows;
            let preset = spec.device_density_gbit();
            spec = spec
                .with_device_density_gbit(u64::from(gbit))
                .ok_or_else(|| ConfigError::OutOfRange {
                    origin: format!("configuration `{}`", self.name),
                    key: "dram.device_density_gbit".into(),
                    value: gbit.to_string(),
                    allowed: format!(
                        "a power of two from 1 to 64 whose rows per bank stay within 2^24 (the {} \
                         preset has {preset} Gbit devices with {rows} rows)",
                        self.dram.preset
                    ),
                })?;
        }
        Ok(match self.dram.energy_pj_per_bit {
            Some(pj) => spec.with_energy_pj_per_bit(pj),
            None => spec,
        })
    }
}

#[cfg(test)]
mod tests;
