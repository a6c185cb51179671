//! Whole-chip figures: macro count, area breakdown, static (leakage) power and peak MAC rate.
//! Every on-chip store and unit costs area and leakage in proportion to its size: macros by
//! their bits (and the ping-pong copy), buffers and the KV buffer by capacity and port width,
//! the vector unit by lanes, the bus by width and endpoints (see each component's module).
//! Leakage is stated at nominal voltage and scaled by the clock's supply voltage
//! ([`super::voltage`]).
//! A roofline baseline (`kind = "roofline"`) has no component model: its area, idle power and
//! peak come from its `roofline` section and the CIM sections are ignored.

use super::attention::{attention_array_area_mm2, attention_array_leakage_mw};
use super::buffer::{buffer_area_mm2, buffer_leakage_mw, sram_area_mm2, sram_leakage_mw};
use super::cim_macro::{
    adcs_per_macro, bits_per_macro, input_cycles_per_vector, macro_array_area_mm2,
    macro_leakage_mw, weights_per_macro,
};
use super::interconnect::{interconnect_area_mm2, interconnect_leakage_mw};
use super::vector::{vector_area_mm2, vector_leakage_mw};
use super::voltage::energy_scale_or_nominal;
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
    /// The on-chip KV-cache buffer (`chip.kv_buffer_kib`).
    pub kv_buffer_mm2: f64,
    pub vector_mm2: f64,
    /// The dedicated attention array (`chip.attention_array`), when there is one.
    pub attention_array_mm2: f64,
    pub interconnect_mm2: f64,
    /// Control, I/O, PHY; for a roofline device, its whole die.
    pub other_mm2: f64,
    pub total_mm2: f64,
}

impl AreaBreakdown {
    /// `(component, mm²)` pairs in a fixed order, for reports.
    pub fn entries(&self) -> [(&'static str, f64); 9] {
        [
            ("macros", self.macros_mm2),
            ("adc", self.adc_mm2),
            ("global_buffer", self.global_buffer_mm2),
            ("tile_buffers", self.tile_buffers_mm2),
            ("kv_buffer", self.kv_buffer_mm2),
            ("vector", self.vector_mm2),
            ("attention_array", self.attention_array_mm2),
            ("interconnect", self.interconnect_mm2),
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
        Some(adc) => {
            macros
                * adcs_per_macro(&cfg.cim_macro) as f64
                * adc.area_mm2_per_adc
                * super::cim_macro::adc_scale(adc)
        }
        None => 0.0,
    };
    let t = &cfg.technology;
    let mut a = AreaBreakdown {
        macros_mm2: macros * macro_array_area_mm2(&cfg.cim_macro, t),
        adc_mm2,
        global_buffer_mm2: buffer_area_mm2(&chip.global_buffer, t),
        tile_buffers_mm2: f64::from(chip.tiles) * buffer_area_mm2(&chip.tile_buffer, t),
        kv_buffer_mm2: kv_buffer_area_mm2(cfg),
        vector_mm2: vector_area_mm2(&chip.vector),
        attention_array_mm2: chip
            .attention_array
            .as_ref()
            .map_or(0.0, attention_array_area_mm2),
        interconnect_mm2: interconnect_area_mm2(&chip.interconnect, chip.tiles),
        other_mm2: chip.other_area_mm2,
        total_mm2: 0.0,
    };
    a.total_mm2 = a.entries().iter().map(|(_, v)| v).sum();
    a
}

/// The KV buffer's area: an SRAM array with one port as wide as the tile buffers'.
pub fn kv_buffer_area_mm2(cfg: &HardwareConfig) -> f64 {
    let kib = cfg.chip.kv_buffer_kib;
    if kib == 0 {
        return 0.0;
    }
    let t = &cfg.technology;
    sram_area_mm2(t, kib)
        + f64::from(cfg.chip.tile_buffer.bandwidth_bytes_per_cycle) * t.sram_port_area_mm2_per_byte
}

/// Leakage power at nominal voltage of every on-chip store and unit, mW.
pub fn nominal_static_power_mw(cfg: &HardwareConfig) -> f64 {
    let chip = &cfg.chip;
    let t = &cfg.technology;
    total_macros(cfg) as f64 * macro_leakage_mw(&cfg.cim_macro, t)
        + buffer_leakage_mw(&chip.global_buffer, t)
        + f64::from(chip.tiles) * buffer_leakage_mw(&chip.tile_buffer, t)
        + sram_leakage_mw(t, chip.kv_buffer_kib)
        + vector_leakage_mw(&chip.vector, t)
        + chip
            .attention_array
            .as_ref()
            .map_or(0.0, |a| attention_array_leakage_mw(a, t))
        + interconnect_leakage_mw(&chip.interconnect, chip.tiles, t)
}

/// Leakage power of macros, buffers, KV buffer, vector unit and bus at the clock's supply
/// voltage, in mW. A roofline device reports its idle power.
pub fn static_power_mw(cfg: &HardwareConfig) -> f64 {
    if let Some(r) = roofline(cfg) {
        return r.idle_power_w * 1e3;
    }
    nominal_static_power_mw(cfg) * energy_scale_or_nominal(cfg).leakage
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
        // Area: 16 x (0.45 array + 8 KiB ping-pong copy x 0.01183 = 0.54464) = 8.71424 macros
        // + 0.25 global + 4 x 0.25 tile + 32 lanes x 0.015625 = 0.5 vector + 5 other
        // = 15.46424 mm².
        let a = area_mm2(&cfg);
        assert!(close(a.macros_mm2, 8.714_24));
        assert_eq!(a.adc_mm2, 0.0);
        assert!(close(a.tile_buffers_mm2, 1.0));
        assert!(close(a.total_mm2, 15.464_24));
        // Leakage at 200 MHz, the nominal clock: 16 x (2 + 8 KiB x 0.0078125) = 33 macros
        // + 1.5 + 4 x 1.5 + 0.5 mm² x 2 mW/mm² = 41.5 mW.
        assert!(close(static_power_mw(&cfg), 41.5));
        // A KV buffer is SRAM like any other: 1 GiB costs ~12,400 mm².
        let mut kv = cfg.clone();
        kv.chip.kv_buffer_kib = 1 << 20;
        assert!(area_mm2(&kv).kv_buffer_mm2 > 12_000.0);
        assert!(static_power_mw(&kv) > static_power_mw(&cfg) + 8000.0);
        // A faster clock needs a higher voltage: leakage power rises with it.
        let mut fast = cfg.clone();
        fast.clock.freq_mhz = 400.0;
        assert!(
            close(static_power_mw(&fast), 41.5 * 1.0016 / 0.6544) || static_power_mw(&fast) > 63.0
        );
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
