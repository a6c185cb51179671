//! One CIM macro: weight-stationary, `rows` x (`cols` / `weight_bits`) weights, one input vector
//! of length `rows` applied `input_bits_per_cycle` bits at a time (bit-serial when 1). A digital
//! macro reduces each input bit-plane with an adder tree and accumulates with shift-add; an
//! analog macro accumulates on the bit lines and digitises every bit column once per input pass
//! with ADCs shared by `columns_per_adc` columns, so conversions serialise over the shared
//! columns.

use super::{div_ceil, leakage_energy_pj};
use crate::config::{AdcConfig, MacroConfig, MacroKind, TechnologyConfig};

/// Weights one macro holds: `rows * (cols / weight_bits)`.
pub fn weights_per_macro(m: &MacroConfig) -> u64 {
    u64::from(m.rows) * outputs_per_macro(m)
}

/// Output channels (dot products) one macro produces per input vector: `cols / weight_bits`.
pub fn outputs_per_macro(m: &MacroConfig) -> u64 {
    u64::from(m.cols) / u64::from(m.weight_bits.max(1))
}

/// Weight bits one macro stores (one copy; ping-pong keeps a second copy for writing).
pub fn bits_per_macro(m: &MacroConfig) -> u64 {
    u64::from(m.rows) * u64::from(m.cols)
}

/// Input passes per vector: `ceil(activation_bits / input_bits_per_cycle)`.
pub fn input_passes(m: &MacroConfig, activation_bits: u32) -> u64 {
    div_ceil(
        u64::from(activation_bits),
        u64::from(m.input_bits_per_cycle),
    )
}

/// ADC serialisation factor: cycles one input pass occupies. 1 for a digital macro; for an
/// analog macro each ADC converts its `columns_per_adc` columns one after another.
pub fn adc_serialisation(m: &MacroConfig) -> u64 {
    match (m.kind, &m.adc) {
        (MacroKind::Analog, Some(adc)) => u64::from(adc.columns_per_adc.max(1)),
        _ => 1,
    }
}

/// Cycles to apply one input vector: `input_passes * adc_serialisation`.
pub fn input_cycles_per_vector(m: &MacroConfig, activation_bits: u32) -> u64 {
    input_passes(m, activation_bits) * adc_serialisation(m)
}

/// Cycles for one macro to run `tiles_per_macro` weight tiles against `vectors` input vectors
/// each: `tiles * vectors * input_cycles + pipeline_depth_cycles` (the adder-tree / shift-add
/// pipeline fills once per call; consecutive vectors stream through it). No work takes 0 cycles.
pub fn compute_cycles(
    m: &MacroConfig,
    activation_bits: u32,
    tiles_per_macro: u32,
    vectors: u64,
) -> u64 {
    let work = u64::from(tiles_per_macro).saturating_mul(vectors);
    if work == 0 {
        return 0;
    }
    work.saturating_mul(input_cycles_per_vector(m, activation_bits))
        .saturating_add(u64::from(m.pipeline_depth_cycles))
}

/// Cycles to write `bits_per_macro` weight bits into one macro: `ceil(bits / write_bits_per_cycle)`.
pub fn write_cycles(m: &MacroConfig, bits_per_macro: u64) -> u64 {
    div_ceil(bits_per_macro, u64::from(m.write_bits_per_cycle))
}

/// ADC conversions for `macs` MACs at `activation_bits`: each conversion digitises one bit
/// column (one weight bit) over `rows` products for one input pass, so a MAC costs
/// `weight_bits * passes / rows` conversions. 0 for a digital macro.
pub fn adc_conversions(m: &MacroConfig, activation_bits: u32, macs: u64) -> f64 {
    match (m.kind, &m.adc) {
        (MacroKind::Analog, Some(_)) => {
            macs as f64 * f64::from(m.weight_bits) * input_passes(m, activation_bits) as f64
                / f64::from(m.rows.max(1))
        }
        _ => 0.0,
    }
}

/// Energy of `macs` MACs at `activation_bits`: `macs * energy_pj_per_mac`, plus for an analog
/// macro `adc_conversions * energy_pj_per_conversion * adc_scale` (the conversion count follows the input
/// passes, so the activation precision is an argument rather than an assumption).
pub fn compute_energy_pj(m: &MacroConfig, activation_bits: u32, macs: u64) -> f64 {
    let array_pj = macs as f64 * m.energy_pj_per_mac;
    let adc_pj = match &m.adc {
        Some(adc) => {
            adc_conversions(m, activation_bits, macs)
                * adc.energy_pj_per_conversion
                * adc_scale(adc)
        }
        None => 0.0,
    };
    array_pj + adc_pj
}

/// Energy of writing `bits` weight bits: `bits * write_energy_pj_per_bit`.
pub fn write_energy_pj(m: &MacroConfig, bits: u64) -> f64 {
    bits as f64 * m.write_energy_pj_per_bit
}

/// Bits of the ping-pong shadow copy (0 without ping-pong): plain SRAM beside the array.
pub fn shadow_bits_per_macro(m: &MacroConfig) -> u64 {
    if m.ping_pong {
        bits_per_macro(m)
    } else {
        0
    }
}

/// Extra periphery of a macro wider than its native ports, mm². `area_um2_per_bit` is the
/// figure of a macro that writes one row per cycle (`write_bits_per_cycle = cols`) and takes
/// inputs bit-serially (`input_bits_per_cycle = 1`), which is how every shipped preset is
/// configured. A wider write port needs more write drivers, more input bits per cycle more
/// input drivers and adder-tree slices; both are charged at the SRAM port periphery per byte of
/// width (`technology.sram_port_area_mm2_per_byte`, sources §11) [INFERRED: the same figure
/// as a buffer port, for want of a published macro-port one]:
/// `((write_bits - cols)+ / 8 + (input_bits - 1) x rows / 8) x port_mm2_per_byte`.
/// Narrower-than-native settings save nothing: the array's own row path stays.
pub fn macro_port_area_mm2(m: &MacroConfig, t: &TechnologyConfig) -> f64 {
    let extra_write_bits = m.write_bits_per_cycle.saturating_sub(m.cols);
    let extra_input_bits = u64::from(m.input_bits_per_cycle.saturating_sub(1)) * u64::from(m.rows);
    (f64::from(extra_write_bits) + extra_input_bits as f64) / 8.0 * t.sram_port_area_mm2_per_byte
}

/// Leakage of one macro at nominal voltage, mW: the compute array at
/// `leakage_nw_per_bit`, plus the shadow copy as SRAM, plus any extra port periphery as logic
/// (`technology.logic_leakage_mw_per_mm2`).
pub fn macro_leakage_mw(m: &MacroConfig, t: &TechnologyConfig) -> f64 {
    bits_per_macro(m) as f64 * m.leakage_nw_per_bit * 1e-6
        + shadow_bits_per_macro(m) as f64 / 8192.0 * t.sram_leakage_mw_per_kib
        + macro_port_area_mm2(m, t) * t.logic_leakage_mw_per_mm2
}

/// Leakage energy of one macro over `time_ps`, at nominal voltage.
pub fn macro_leakage_energy_pj(m: &MacroConfig, t: &TechnologyConfig, time_ps: u64) -> f64 {
    leakage_energy_pj(macro_leakage_mw(m, t), time_ps)
}

/// How an ADC's energy per conversion and area scale from the resolution they are stated at:
/// `2^(bits - reference_bits)` (Walden: energy per conversion = FOM x 2^ENOB; a SAR ADC's
/// capacitor DAC doubles per bit).
pub fn adc_scale(adc: &AdcConfig) -> f64 {
    2f64.powi(adc.bits as i32 - adc.reference_bits as i32)
}

/// ADCs in one macro: `ceil(cols / columns_per_adc)`; 0 for a digital macro.
pub fn adcs_per_macro(m: &MacroConfig) -> u64 {
    match (m.kind, &m.adc) {
        (MacroKind::Analog, Some(adc)) => {
            div_ceil(u64::from(m.cols), u64::from(adc.columns_per_adc))
        }
        _ => 0,
    }
}

/// Area of one macro without its ADCs, mm²: `rows x cols x area_um2_per_bit` for the compute
/// array, plus the shadow copy as SRAM, plus any extra port periphery
/// ([`macro_port_area_mm2`]).
pub fn macro_array_area_mm2(m: &MacroConfig, t: &TechnologyConfig) -> f64 {
    bits_per_macro(m) as f64 * m.area_um2_per_bit * 1e-6
        + shadow_bits_per_macro(m) as f64 / 8192.0 * t.sram_area_mm2_per_kib
        + macro_port_area_mm2(m, t)
}

/// Area of one macro including its ADCs.
pub fn macro_area_mm2(m: &MacroConfig, t: &TechnologyConfig) -> f64 {
    let adc_mm2 = match &m.adc {
        Some(adc) => adcs_per_macro(m) as f64 * adc.area_mm2_per_adc * adc_scale(adc),
        None => 0.0,
    };
    macro_array_area_mm2(m, t) + adc_mm2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::test_util::{analog_macro, digital_macro};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn digital_macro_geometry() {
        let m = digital_macro();
        // 256 bit-columns / 4-bit weights = 64 outputs; 256 rows x 64 = 16384 weights.
        assert_eq!(outputs_per_macro(&m), 64);
        assert_eq!(weights_per_macro(&m), 16_384);
        assert_eq!(bits_per_macro(&m), 65_536);
        let mut int8 = m.clone();
        int8.weight_bits = 8;
        assert_eq!(outputs_per_macro(&int8), 32);
        assert_eq!(weights_per_macro(&int8), 8_192);
    }

    #[test]
    fn bit_serial_input_cycles() {
        let mut m = digital_macro();
        // 1 bit per cycle: INT8 activations take 8 cycles, INT4 take 4.
        assert_eq!(input_cycles_per_vector(&m, 8), 8);
        assert_eq!(input_cycles_per_vector(&m, 4), 4);
        // 3 bits per cycle: ceil(8 / 3) = 3 passes.
        m.input_bits_per_cycle = 3;
        assert_eq!(input_cycles_per_vector(&m, 8), 3);
    }

    #[test]
    fn gemv_tile_cycles() {
        let m = digital_macro();
        // One tile, one vector, INT8: 8 input cycles + 3 pipeline = 11.
        assert_eq!(compute_cycles(&m, 8, 1, 1), 11);
        // 3 tiles x 5 vectors x 8 cycles + 3 = 123.
        assert_eq!(compute_cycles(&m, 8, 3, 5), 123);
        assert_eq!(compute_cycles(&m, 8, 0, 5), 0);
        assert_eq!(compute_cycles(&m, 8, 3, 0), 0);
    }

    #[test]
    fn analog_adc_serialises_columns() {
        let m = analog_macro();
        // 8 input passes x 2 columns per ADC = 16 cycles per vector; + 2 pipeline.
        assert_eq!(input_cycles_per_vector(&m, 8), 16);
        assert_eq!(compute_cycles(&m, 8, 1, 1), 18);
        // 128 columns / 2 per ADC = 64 ADCs.
        assert_eq!(adcs_per_macro(&m), 64);
        let t = TechnologyConfig::cmos_65nm();
        // 256 x 128 bits x 6.1035 um² = 0.2 mm², no shadow copy, + 64 ADCs x 0.002 mm².
        assert!(close(macro_area_mm2(&m, &t), 0.2 + 64.0 * 0.002));
    }

    #[test]
    fn weight_write_cycles_and_energy() {
        let m = digital_macro();
        // A full macro: 65536 bits / 256 bits per cycle = 256 cycles.
        assert_eq!(write_cycles(&m, 65_536), 256);
        // A partial row still costs a whole cycle: ceil(300 / 256) = 2.
        assert_eq!(write_cycles(&m, 300), 2);
        assert_eq!(write_cycles(&m, 0), 0);
        // 65536 bits x 0.5 pJ/bit = 32768 pJ.
        assert!(close(write_energy_pj(&m, 65_536), 32_768.0));
    }

    #[test]
    fn compute_energy_digital_and_analog() {
        let d = digital_macro();
        // 16384 MACs x 0.1 pJ = 1638.4 pJ at any activation precision; no ADC.
        assert!(close(compute_energy_pj(&d, 8, 16_384), 1638.4));
        assert!(close(compute_energy_pj(&d, 4, 16_384), 1638.4));
        assert_eq!(adc_conversions(&d, 8, 16_384), 0.0);

        let a = analog_macro();
        // One full vector: 256 x 32 = 8192 MACs. Conversions: 128 columns x 8 passes = 1024,
        // and by formula 8192 x 4 x 8 / 256 = 1024. Energy: 8192 x 0.05 + 1024 x 0.5 = 921.6.
        assert!(close(adc_conversions(&a, 8, 8192), 1024.0));
        assert!(close(compute_energy_pj(&a, 8, 8192), 921.6));
        // INT4 activations halve the passes: 8192 x 0.05 + 512 x 0.5 = 665.6.
        assert!(close(compute_energy_pj(&a, 4, 8192), 665.6));
    }

    #[test]
    fn leakage_over_time() {
        let mut m = digital_macro();
        m.ping_pong = false;
        let t = TechnologyConfig::cmos_65nm();
        // 2 mW over 1 ms = 2e-6 J = 2e6 pJ.
        assert!(close(macro_leakage_energy_pj(&m, &t, 1_000_000_000), 2.0e6));
    }
}

#[cfg(test)]
mod cost_tests {
    use super::*;
    use crate::components::test_util::digital_macro;

    #[test]
    fn area_and_leakage_follow_the_bits_and_the_shadow_copy() {
        let t = TechnologyConfig::cmos_65nm();
        let mut m = digital_macro();
        // 65536 bits x 6.8665 um² = 0.45 mm²; the ping-pong copy is 8 KiB of SRAM,
        // 8 x 0.01183 = 0.09464 mm².
        assert!((macro_array_area_mm2(&m, &t) - (0.45 + 0.094_64)).abs() < 1e-9);
        // 65536 x 30.52 nW = 2 mW, + 8 KiB x 0.0078125 mW = 0.0625 mW.
        assert!((macro_leakage_mw(&m, &t) - 2.0625).abs() < 1e-9);
        m.ping_pong = false;
        assert!((macro_array_area_mm2(&m, &t) - 0.45).abs() < 1e-9);
        // Twice the rows, twice the array.
        m.rows = 512;
        assert!((macro_array_area_mm2(&m, &t) - 0.9).abs() < 1e-9);
        assert!((macro_leakage_mw(&m, &t) - 4.0).abs() < 1e-9);
    }

    #[test]
    fn adc_energy_and_area_double_per_bit() {
        let mut m = crate::components::test_util::analog_macro();
        let adc = m.adc.clone().unwrap();
        assert_eq!(adc_scale(&adc), 1.0);
        m.energy_pj_per_mac = 0.0;
        let at_ref = compute_energy_pj(&m, 8, 1 << 20);
        let area_ref = macro_area_mm2(&m, &TechnologyConfig::cmos_65nm());
        m.adc.as_mut().unwrap().bits = adc.reference_bits + 2;
        // Two bits more: 4x the energy per conversion and 4x the ADC area.
        assert!((compute_energy_pj(&m, 8, 1 << 20) - 4.0 * at_ref).abs() < 1e-9 * at_ref);
        let adc_area = adcs_per_macro(&m) as f64 * adc.area_mm2_per_adc;
        let area = macro_area_mm2(&m, &TechnologyConfig::cmos_65nm());
        assert!((area - (area_ref + 3.0 * adc_area)).abs() < 1e-9);
    }

    #[test]
    fn ports_wider_than_native_cost_periphery() {
        let t = TechnologyConfig::cmos_65nm();
        let mut m = digital_macro();
        m.ping_pong = false;
        // Native: one row (256 bits) per cycle, bit-serial inputs: the array alone.
        assert_eq!(m.write_bits_per_cycle, m.cols);
        assert_eq!(macro_port_area_mm2(&m, &t), 0.0);
        // 512 bits per cycle: 256 extra bits = 32 B x 0.00807 mm² = 0.25824 mm².
        m.write_bits_per_cycle = 512;
        assert!((macro_port_area_mm2(&m, &t) - 0.258_24).abs() < 1e-9);
        assert!((macro_array_area_mm2(&m, &t) - (0.45 + 0.258_24)).abs() < 1e-9);
        // ... leaking as logic: 0.25824 mm² x 2 mW/mm².
        assert!((macro_leakage_mw(&m, &t) - (2.0 + 0.516_48)).abs() < 1e-9);
        // 2 input bits per cycle on 256 rows: another 32 B of drivers.
        m.input_bits_per_cycle = 2;
        assert!((macro_port_area_mm2(&m, &t) - 2.0 * 0.258_24).abs() < 1e-9);
        // Narrower than native saves nothing.
        m.write_bits_per_cycle = 64;
        m.input_bits_per_cycle = 1;
        assert_eq!(macro_port_area_mm2(&m, &t), 0.0);
    }
}
