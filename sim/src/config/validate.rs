//! Validation of a whole configuration: the per-key ranges of `keys.rs` (run on the serialised
//! tree, so a configuration built in code is held to the same rules as a file) and the checks
//! that involve several keys.

use super::error::ConfigError;
use super::keys::check_tree;
use super::schema::{HardwareConfig, HardwareKind, MacroKind};
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
        self.cross_checks(origin)
    }

    fn cross_checks(&self, origin: &str) -> Result<(), ConfigError> {
        let m = &self.cim_macro;
        let out_of_range = |key: &str, value: String, allowed: String| ConfigError::OutOfRange {
            origin: origin.to_string(),
            key: key.to_string(),
            value,
            allowed,
        };
        if m.cols.checked_rem(m.weight_bits) != Some(0) {
            return Err(out_of_range(
                "macro.cols",
                m.cols.to_string(),
                format!("a multiple of macro.weight_bits ({})", m.weight_bits),
            ));
        }
        let bits_per_macro = u64::from(m.rows) * u64::from(m.cols);
        if u64::from(m.write_bits_per_cycle) > bits_per_macro {
            return Err(out_of_range(
                "macro.write_bits_per_cycle",
                m.write_bits_per_cycle.to_string(),
                format!("1..={bits_per_macro} (macro.rows x macro.cols)"),
            ));
        }
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
            (MacroKind::Analog, Some(adc)) if adc.columns_per_adc > m.cols => {
                return Err(out_of_range(
                    "macro.adc.columns_per_adc",
                    adc.columns_per_adc.to_string(),
                    format!("1..={} (macro.cols)", m.cols),
                ))
            }
            _ => {}
        }
        if self.dram.device_density_gbit.is_some() {
            // A density the preset's organisation cannot take (not a power of two, too many
            // rows) is reported on the key.
            self.dram_spec()?;
        }
        let macros = u64::from(self.chip.tiles) * u64::from(self.chip.macros_per_tile);
        if macros > MAX_TOTAL_MACROS {
            return Err(out_of_range(
                "chip.macros_per_tile",
                self.chip.macros_per_tile.to_string(),
                format!("chip.tiles x chip.macros_per_tile <= {MAX_TOTAL_MACROS}"),
            ));
        }
        let capacity_kib = macros * bits_per_macro / 8 / 1024;
        if self.chip.resident_weight_kib > capacity_kib {
            return Err(out_of_range(
                "chip.resident_weight_kib",
                self.chip.resident_weight_kib.to_string(),
                format!("0..={capacity_kib} (the CIM capacity of all macros)"),
            ));
        }
        if self.kind == HardwareKind::Cim {
            let t = &self.technology;
            for (key, freq) in [
                ("clock.freq_mhz", self.clock.freq_mhz),
                ("technology.nominal_freq_mhz", t.nominal_freq_mhz),
            ] {
                match crate::components::supply_voltage_v(t, freq) {
                    Ok(_) => {}
                    Err(e @ crate::components::VoltageError::AboveCeiling { .. }) => {
                        return Err(out_of_range(
                            key,
                            format!("{freq:?}"),
                            format!("a clock the V-f curve reaches: {e}"),
                        ))
                    }
                    Err(e) => return Err(invalid(origin, e.to_string())),
                }
            }
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
            (HardwareKind::Roofline, Some(r)) if r.idle_power_w > r.power_w => {
                return Err(out_of_range(
                    "roofline.idle_power_w",
                    format!("{:?}", r.idle_power_w),
                    format!("0..={:?} (roofline.power_w)", r.power_w),
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
