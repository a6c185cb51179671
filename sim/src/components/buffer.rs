//! On-chip SRAM buffers (the global buffer, the per-tile input/output buffers, the KV buffer):
//! access time from the port width, access energy per bit, and area and leakage from the
//! capacity and the port: `capacity_kib x sram_area_mm2_per_kib + port bytes x
//! sram_port_area_mm2_per_byte`, `capacity_kib x sram_leakage_mw_per_kib` (at nominal voltage),
//! unless the buffer overrides them.

use super::{div_ceil, leakage_energy_pj};
use crate::config::{BufferConfig, TechnologyConfig};

/// SRAM array area of `kib` KiB (no port): `kib x sram_area_mm2_per_kib`.
pub fn sram_area_mm2(t: &TechnologyConfig, kib: u64) -> f64 {
    kib as f64 * t.sram_area_mm2_per_kib
}

/// SRAM leakage of `kib` KiB at nominal voltage, mW.
pub fn sram_leakage_mw(t: &TechnologyConfig, kib: u64) -> f64 {
    kib as f64 * t.sram_leakage_mw_per_kib
}

/// Area of a buffer: its array plus its port periphery, or its explicit `area_mm2`.
pub fn buffer_area_mm2(b: &BufferConfig, t: &TechnologyConfig) -> f64 {
    b.area_mm2.unwrap_or_else(|| {
        sram_area_mm2(t, b.capacity_kib)
            + f64::from(b.bandwidth_bytes_per_cycle) * t.sram_port_area_mm2_per_byte
    })
}

/// Leakage of a buffer at nominal voltage (its array), or its explicit `leakage_mw`.
pub fn buffer_leakage_mw(b: &BufferConfig, t: &TechnologyConfig) -> f64 {
    b.leakage_mw
        .unwrap_or_else(|| sram_leakage_mw(t, b.capacity_kib))
}

/// Energy of reading or writing `bytes`: `bytes * 8 * energy_pj_per_bit`.
pub fn buffer_access_energy_pj(b: &BufferConfig, bytes: u64) -> f64 {
    bytes as f64 * 8.0 * b.energy_pj_per_bit
}

/// Cycles to move `bytes` through the buffer port: `ceil(bytes / bandwidth_bytes_per_cycle)`.
pub fn buffer_access_cycles(b: &BufferConfig, bytes: u64) -> u64 {
    div_ceil(bytes, u64::from(b.bandwidth_bytes_per_cycle))
}

/// Capacity in bytes.
pub fn buffer_capacity_bytes(b: &BufferConfig) -> u64 {
    b.capacity_kib.saturating_mul(1024)
}

/// Leakage energy of one buffer over `time_ps`, at nominal voltage.
pub fn buffer_leakage_energy_pj(b: &BufferConfig, t: &TechnologyConfig, time_ps: u64) -> f64 {
    leakage_energy_pj(buffer_leakage_mw(b, t), time_ps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::test_util::buffer;

    #[test]
    fn access_energy_and_cycles() {
        let b = buffer(256, 64, 2.0);
        // 1 KiB = 8192 bits x 2 pJ = 16384 pJ; 1024 B / 64 B per cycle = 16 cycles.
        assert!((buffer_access_energy_pj(&b, 1024) - 16_384.0).abs() < 1e-9);
        assert_eq!(buffer_access_cycles(&b, 1024), 16);
        // 65 B needs a second cycle.
        assert_eq!(buffer_access_cycles(&b, 65), 2);
        assert_eq!(buffer_access_cycles(&b, 0), 0);
        assert_eq!(buffer_capacity_bytes(&b), 262_144);
        // 1.5 mW over 2 us = 3e-9 J = 3000 pJ.
        let t = TechnologyConfig::cmos_65nm();
        assert!((buffer_leakage_energy_pj(&b, &t, 2_000_000) - 3000.0).abs() < 1e-9);
    }

    #[test]
    fn area_and_leakage_follow_capacity_and_port() {
        let t = TechnologyConfig::cmos_65nm();
        let mut b = buffer(512, 64, 2.0);
        b.area_mm2 = None;
        b.leakage_mw = None;
        // 512 KiB x 0.01183 = 6.057 mm² of array + 64 B x 0.00807 = 0.516 mm² of port.
        assert!((buffer_area_mm2(&b, &t) - (6.056_96 + 0.516_48)).abs() < 1e-9);
        // 512 KiB x 0.0078125 mW = 4 mW.
        assert!((buffer_leakage_mw(&b, &t) - 4.0).abs() < 1e-12);
        // 1 GB of SRAM (2^20 KiB) is about 12,400 mm²: a KV buffer that size cannot be free.
        assert!(sram_area_mm2(&t, 1 << 20) > 12_000.0);
        // An explicit figure overrides the derivation.
        b.area_mm2 = Some(1.0);
        assert_eq!(buffer_area_mm2(&b, &t), 1.0);
    }
}
