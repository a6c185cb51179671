//! On-chip SRAM buffers (the global buffer and the per-tile input/output buffers): access time
//! from the port width, access energy per bit, leakage.

use super::{div_ceil, leakage_energy_pj};
use crate::config::BufferConfig;

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

/// Leakage energy of one buffer over `time_ps`.
pub fn buffer_leakage_energy_pj(b: &BufferConfig, time_ps: u64) -> f64 {
    leakage_energy_pj(b.leakage_mw, time_ps)
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
        assert!((buffer_leakage_energy_pj(&b, 2_000_000) - 3000.0).abs() < 1e-9);
    }
}
