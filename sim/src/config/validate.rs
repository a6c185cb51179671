//! Validation of a whole configuration: the per-key ranges of `keys.rs` (run on the serialised
//! tree, so a configuration built in code is held to the same rules as a file) and the checks
//! that involve several keys: the structural ones here, the bounds of one key by others in
//! `bounds.rs` (which `config keys` reads too).

use super::error::ConfigError;
use super::keys::check_tree;
use super::schema::{AttentionPlacement, HardwareConfig, HardwareKind, MacroKind};
use toml::Value;

/// Largest macro count a chip may have (`chip.tiles * chip.macros_per_tile`).
pub const MAX_TOTAL_MACROS: u64 = 1 << 20;

impl HardwareConfig {
    /// Checks every key's range and the cross-key rules; the error names the key path and what
    /// is allowed.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_as(&format!("configuration `{}`", self.name))
    }

    /// [`HardwareConfig::validate`] reporting `origin` (a file path or preset) in errors.
    pub(crate) fn validate_as(&self, origin: &str) -> Result<(), ConfigError> {
        let mut tree = match Value::try_from(self) {
            Ok(Value::Table(t)) => t,
            Ok(_) => {
                return Err(invalid(origin, "the configuration is not a table".into()));
            }
            Err(e) => return Err(invalid(origin, format!("cannot serialise: {e}"))),
        };
        check_tree(origin, &mut tree)?;
        self.cross_checks(origin)?;
        super::bounds::check(self, &tree, origin)
    }

    fn cross_checks(&self, origin: &str) -> Result<(), ConfigError> {
        if self.chip.attention == AttentionPlacement::Array && self.chip.attention_array.is_none() {
            return Err(ConfigError::MissingKey {
                origin: origin.to_string(),
                key: "chip.attention_array".into(),
                expected: "a table (lanes, energy_pj_per_mac, area_mm2_per_lane), required when \
                           chip.attention = \"array\""
                    .into(),
            });
        }
        let m = &self.cim_macro;
        match (m.kind, &m.adc) {
            (MacroKind::Analog, None) => {
                return Err(ConfigError::MissingKey {
                    origin: origin.to_string(),
                    key: "macro.adc".into(),
                    expected: "a table, required when macro.kind = \"analog\"".into(),
                })
            }
            (MacroKind::Digital, Some(_)) => {
                return Err(invalid(
                    origin,
                    "`macro.adc` is only allowed when macro.kind = \"analog\"; remove it or set \
                     macro.kind = \"analog\""
                        .into(),
                ))
            }
            _ => {}
        }
        if self.dram.device_density_gbit.is_some() {
            // A density the preset's organisation cannot take (not a power of two, too many
            // rows) is reported on the key.
            self.dram_spec()?;
        }
        match (self.kind, &self.roofline) {
            (HardwareKind::Roofline, None) => {
                return Err(ConfigError::MissingKey {
                    origin: origin.to_string(),
                    key: "roofline".into(),
                    expected: "a table, required when kind = \"roofline\"".into(),
                })
            }
            (HardwareKind::Cim, Some(_)) => {
                return Err(invalid(
                    origin,
                    "`roofline` is only allowed when kind = \"roofline\"; remove it or set \
                     kind = \"roofline\""
                        .into(),
                ))
            }
            _ => {}
        }
        Ok(())
    }
}

fn invalid(origin: &str, message: String) -> ConfigError {
    ConfigError::Invalid {
        origin: origin.to_string(),
        message,
    }
}
