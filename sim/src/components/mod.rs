//! Component models of a CIM accelerator: pure functions of the configuration that give the
//! timing (cycles of the accelerator clock), energy (pJ) and area (mm²) of each hardware block.
//! The engine composes them; nothing here keeps state.
//!
//! Conventions shared by every function: cycles are whole cycles rounded up (a partly used cycle
//! is still spent), energies are `f64` picojoules, and zero work costs zero time and energy.

pub mod attention;
pub mod buffer;
pub mod chip;
pub mod cim_macro;
pub mod interconnect;
pub mod vector;
pub mod voltage;

pub use attention::*;
pub use buffer::*;
pub use chip::*;
pub use cim_macro::*;
pub use interconnect::*;
pub use vector::*;
pub use voltage::*;

/// `ceil(a / b)` for `b > 0`; `b == 0` is treated as 1 so a misconfigured divisor cannot panic
/// (validation rejects zero divisors before any model runs).
pub(crate) fn div_ceil(a: u64, b: u64) -> u64 {
    a.div_ceil(b.max(1))
}

/// Leakage energy of `power_mw` over `time_ps`: 1 mW for 1 ps is 1e-3 W x 1e-12 s = 1e-3 pJ.
pub fn leakage_energy_pj(power_mw: f64, time_ps: u64) -> f64 {
    power_mw * time_ps as f64 * 1e-3
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::config::*;

    /// The `edgecim-65nm` macro written out by hand, so component tests do not depend on the
    /// preset files: 256 rows x 256 bit-columns, INT4 weights, bit-serial inputs, 200 MHz.
    pub fn digital_macro() -> MacroConfig {
        MacroConfig {
            kind: MacroKind::Digital,
            rows: 256,
            cols: 256,
            weight_bits: 4,
            input_bits_per_cycle: 1,
            pipeline_depth_cycles: 3,
            energy_pj_per_mac: 0.1,
            write_bits_per_cycle: 256,
            write_energy_pj_per_bit: 0.5,
            ping_pong: true,
            leakage_nw_per_bit: 30.517_578_125,
            area_um2_per_bit: 6.866_455_078_125,
            adc: None,
        }
    }

    /// An analog macro: 256 rows x 128 bit-columns, INT4 weights, two columns per ADC.
    pub fn analog_macro() -> MacroConfig {
        MacroConfig {
            kind: MacroKind::Analog,
            rows: 256,
            cols: 128,
            weight_bits: 4,
            input_bits_per_cycle: 1,
            pipeline_depth_cycles: 2,
            energy_pj_per_mac: 0.05,
            write_bits_per_cycle: 128,
            write_energy_pj_per_bit: 0.5,
            ping_pong: false,
            leakage_nw_per_bit: 30.517_578_125,
            area_um2_per_bit: 6.103_515_625,
            adc: Some(AdcConfig {
                bits: 5,
                columns_per_adc: 2,
                reference_bits: 5,
                energy_pj_per_conversion: 0.5,
                area_mm2_per_adc: 0.002,
            }),
        }
    }

    pub fn buffer(capacity_kib: u64, bw: u32, pj_per_bit: f64) -> BufferConfig {
        BufferConfig {
            capacity_kib,
            bandwidth_bytes_per_cycle: bw,
            energy_pj_per_bit: pj_per_bit,
            leakage_mw: Some(1.5),
            area_mm2: Some(0.25),
        }
    }

    pub fn vector_unit() -> VectorConfig {
        VectorConfig {
            lanes: 32,
            rmsnorm_cycles_per_element: 2.0,
            rope_cycles_per_element: 2.0,
            softmax_cycles_per_element: 4.0,
            silu_cycles_per_element: 4.0,
            gelu_cycles_per_element: 5.0,
            add_cycles_per_element: 1.0,
            argmax_cycles_per_element: 1.0,
            mac_cycles_per_element: 1.0,
            energy_pj_per_op: 1.0,
            energy_pj_per_mac: 0.5,
            area_mm2_per_lane: 0.015_625,
        }
    }

    pub fn interconnect() -> InterconnectConfig {
        InterconnectConfig {
            bandwidth_bytes_per_cycle: 64,
            latency_cycles: 4,
            energy_pj_per_bit: 0.1,
            area_mm2_per_byte: 0.0,
        }
    }

    /// A 4-tile x 4-macro chip around [`digital_macro`], 200 MHz, LPDDR5-6400 x 4 channels.
    pub fn chip_config() -> HardwareConfig {
        HardwareConfig {
            name: "test-chip".into(),
            description: String::new(),
            kind: HardwareKind::Cim,
            clock: ClockConfig { freq_mhz: 200.0 },
            cim_macro: digital_macro(),
            chip: ChipConfig {
                tiles: 4,
                macros_per_tile: 4,
                resident_weight_kib: 0,
                kv_buffer_kib: 0,
                weight_path: WeightPath::GlobalBuffer,
                attention: AttentionPlacement::Vector,
                attention_array: None,
                global_buffer: buffer(256, 64, 2.0),
                tile_buffer: buffer(16, 32, 0.5),
                vector: vector_unit(),
                interconnect: interconnect(),
                other_area_mm2: 5.0,
            },
            dram: DramSection {
                preset: "lpddr5-6400".into(),
                channels: 4,
                energy_pj_per_bit: None,
                device_density_gbit: None,
            },
            precision: PrecisionConfig {
                activation_bits: 8,
                kv_bits: 8,
            },
            technology: TechnologyConfig::cmos_65nm(),
            roofline: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leakage_energy_units() {
        // 2 mW for 1 us = 2e-3 W x 1e-6 s = 2e-9 J = 2000 pJ.
        assert!((leakage_energy_pj(2.0, 1_000_000) - 2000.0).abs() < 1e-9);
        assert_eq!(leakage_energy_pj(5.0, 0), 0.0);
    }

    #[test]
    fn div_ceil_rounds_up_and_tolerates_zero() {
        assert_eq!(div_ceil(10, 3), 4);
        assert_eq!(div_ceil(9, 3), 3);
        assert_eq!(div_ceil(0, 3), 0);
        assert_eq!(div_ceil(7, 0), 7);
    }
}
