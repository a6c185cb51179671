//! Whole-chip figures: macro count, area breakdown, static (leakage) power and peak MAC rate.
//! A roofline baseline (`kind = "roofline"`) has no component model: its area, idle power and
//! peak come from its `roofline` section and the CIM sections are ignored.

use super::cim_macro::{
    adcs_per_macro, bits_per_macro, input_cycles_per_vector, weights_per_macro,
};
use crate::config::{HardwareConfig, HardwareKind, RooflineConfig};
use serde::Serialize;

/// Chip area per component, in mm².
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct AreaBreakdown {
    /// All CIM macros (arrays and their digital periphery), without ADCs.
    pub macros_mm2: f64,
    /// ADCs of analog macros.
    pub adc_mm2: f64,
    pub global_buffer_mm2: f64,
    /// All tile buffers (one per tile).
    pub tile_buffers_mm2: f64,
    pub vector_mm2: f64,
    /// Control, I/O, PHY; for a roofline device, its whole die.
    pub other_mm2: f64,
    pub total_mm2: f64,
}

impl AreaBreakdown {
    /// `(component, mm²)` pairs in a fixed order, for reports.
    pub fn entries(&self) -> [(&'static str, f64); 6] {
        [
            ("macros", self.macros_mm2),
            ("adc", self.adc_mm2),
            ("global_buffer", self.global_buffer_mm2),
            ("tile_buffers", self.tile_buffers_mm2),
            ("vector", self.vector_mm2),
            ("other", self.other_mm2),
        ]
    }
}

fn roofline(cfg: &HardwareConfig) -> Option<&RooflineConfig> {
    match cfg.kind {
        HardwareKind::Roofline => cfg.roofline.as_ref(),
        HardwareKind::Cim => None,
    }
}

/// `tiles * macros_per_tile`.
pub fn total_macros(cfg: &HardwareConfig) -> u64 {
    u64::from(cfg.chip.tiles) * u64::from(cfg.chip.macros_per_tile)
}

/// Weights all macros hold at once (one copy each).
pub fn total_macro_weights(cfg: &HardwareConfig) -> u64 {
    total_macros(cfg).saturating_mul(weights_per_macro(&cfg.cim_macro))
}

/// Weight bits all macros hold at once (one copy each).
pub fn total_macro_bits(cfg: &HardwareConfig) -> u64 {
    total_macros(cfg).saturating_mul(bits_per_macro(&cfg.cim_macro))
}

/// Area per component and in total.
pub fn area_mm2(cfg: &HardwareConfig) -> AreaBreakdown {
    if let Some(r) = roofline(cfg) {
        return AreaBreakdown {
            other_mm2: r.area_mm2,
            total_mm2: r.area_mm2,
            ..AreaBreakdown::default()
        };
    }
    let macros = total_macros(cfg) as f64;
    let chip = &cfg.chip;
    let adc_mm2 = match &cfg.cim_macro.adc {
        Some(adc) => macros * adcs_per_macro(&cfg.cim_macro) as f64 * adc.area_mm2_per_adc,
        None => 0.0,
    };
    let mut a = AreaBreakdown {
        macros_mm2: macros * cfg.cim_macro.area_mm2,
        adc_mm2,
        global_buffer_mm2: chip.global_buffer.area_mm2,
        tile_buffers_mm2: f64::from(chip.tiles) * chip.tile_buffer.area_mm2,
        vector_mm2: chip.vector.area_mm2,
        other_mm2: chip.other_area_mm2,
        total_mm2: 0.0,
    };
    a.total_mm2 = a.entries().iter().map(|(_, v)| v).sum();
    a
}

/// Leakage power of macros, global and tile buffers and the vector unit, in mW. A roofline
/// device reports its idle power.
pub fn static_power_mw(cfg: &HardwareConfig) -> f64 {
    if let Some(r) = roofline(cfg) {
        return r.idle_power_w * 1e3;
    }
    let chip = &cfg.chip;
    total_macros(cfg) as f64 * cfg.cim_macro.leakage_mw
        + chip.global_buffer.leakage_mw
        + f64::from(chip.tiles) * chip.tile_buffer.leakage_mw
        + chip.vector.leakage_mw
}

/// Peak MAC rate with every macro busy: `macros * weights_per_macro * f / input_cycles`.
/// A roofline device: `peak_tops * 1e12 / 2` (one MAC = two ops), before its efficiency factor.
pub fn peak_macs_per_s(cfg: &HardwareConfig, activation_bits: u32) -> f64 {
    if let Some(r) = roofline(cfg) {
        return r.peak_tops * 1e12 / 2.0;
    }
    let cycles = input_cycles_per_vector(&cfg.cim_macro, activation_bits).max(1) as f64;
    total_macros(cfg) as f64 * weights_per_macro(&cfg.cim_macro) as f64 * cfg.clock.freq_mhz * 1e6
        / cycles
}

/// Clock period in picoseconds, rounded to the nearest integer picosecond.
pub fn clock_period_ps(cfg: &HardwareConfig) -> u64 {
    (1e6 / cfg.clock.freq_mhz).round().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::compute_energy_pj;
    use crate::components::test_util::{analog_macro, chip_config};
    use crate::config::{HardwareKind, RooflineConfig};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn digital_chip_figures() {
        let cfg = chip_config();
        assert_eq!(total_macros(&cfg), 16);
        assert_eq!(total_macro_weights(&cfg), 16 * 16_384);
        assert_eq!(total_macro_bits(&cfg), 16 * 65_536);
        // Area: 16 x 0.45 = 7.2 macros + 0.25 global + 4 x 0.25 tile + 0.5 vector + 5 other
        // = 13.95 mm².
        let a = area_mm2(&cfg);
        assert!(close(a.macros_mm2, 7.2));
        assert_eq!(a.adc_mm2, 0.0);
        assert!(close(a.tile_buffers_mm2, 1.0));
        assert!(close(a.total_mm2, 13.95));
        // Leakage: 16 x 2 + 1.5 + 4 x 1.5 + 2 = 41.5 mW.
        assert!(close(static_power_mw(&cfg), 41.5));
        // Peak: 16 macros x 16384 weights x 200e6 / 8 cycles = 6.5536e12 MAC/s.
        assert!(close(peak_macs_per_s(&cfg, 8), 6.5536e12));
        // INT4 activations double it.
        assert!(close(peak_macs_per_s(&cfg, 4), 1.31072e13));
        assert_eq!(clock_period_ps(&cfg), 5000);
    }

    #[test]
    fn analog_chip_counts_adcs() {
        let mut cfg = chip_config();
        cfg.cim_macro = analog_macro();
        // 16 macros x 64 ADCs x 0.002 mm² = 2.048 mm².
        assert!(close(area_mm2(&cfg).adc_mm2, 2.048));
        // Peak: 16 x (256 x 32) x 200e6 / 16 cycles = 1.6384e12 MAC/s.
        assert!(close(peak_macs_per_s(&cfg, 8), 1.6384e12));
        // 8192 MACs at INT4 activations: 8192 x 0.05 + (8192 x 4 x 4 / 256 = 512) x 0.5 = 665.6.
        cfg.precision.activation_bits = 4;
        let bits = cfg.precision.activation_bits;
        assert!(close(compute_energy_pj(&cfg.cim_macro, bits, 8192), 665.6));
    }

    #[test]
    fn roofline_device_uses_its_own_figures() {
        let mut cfg = chip_config();
        cfg.kind = HardwareKind::Roofline;
        cfg.roofline = Some(RooflineConfig {
            bandwidth_gbps: 68.0,
            peak_tops: 20.0,
            power_w: 15.0,
            idle_power_w: 5.0,
            bandwidth_efficiency: 0.8,
            compute_efficiency: 0.5,
            area_mm2: 200.0,
        });
        assert!(close(peak_macs_per_s(&cfg, 8), 1.0e13));
        assert!(close(static_power_mw(&cfg), 5000.0));
        let a = area_mm2(&cfg);
        assert!(close(a.total_mm2, 200.0));
        assert_eq!(a.macros_mm2, 0.0);
    }
}
