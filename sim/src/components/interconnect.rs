//! The on-chip interconnect between the global buffer and the tiles: a fixed latency plus the
//! serialisation of the payload over its width, and an energy per bit moved.

use super::div_ceil;
use crate::config::InterconnectConfig;

/// Cycles to move `bytes`: `latency_cycles + ceil(bytes / bandwidth_bytes_per_cycle)`; 0 bytes
/// take 0 cycles (nothing is sent).
pub fn transfer_cycles(ic: &InterconnectConfig, bytes: u64) -> u64 {
    if bytes == 0 {
        return 0;
    }
    u64::from(ic.latency_cycles)
        .saturating_add(div_ceil(bytes, u64::from(ic.bandwidth_bytes_per_cycle)))
}

/// Energy of moving `bytes`: `bytes * 8 * energy_pj_per_bit`.
pub fn transfer_energy_pj(ic: &InterconnectConfig, bytes: u64) -> f64 {
    bytes as f64 * 8.0 * ic.energy_pj_per_bit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::test_util::interconnect;

    #[test]
    fn latency_plus_serialisation() {
        let ic = interconnect();
        // 4 cycles latency + 4096 B / 64 B per cycle = 4 + 64 = 68.
        assert_eq!(transfer_cycles(&ic, 4096), 68);
        // 1 B: 4 + 1.
        assert_eq!(transfer_cycles(&ic, 1), 5);
        assert_eq!(transfer_cycles(&ic, 0), 0);
        // 4096 B x 8 x 0.1 pJ = 3276.8 pJ.
        assert!((transfer_energy_pj(&ic, 4096) - 3276.8).abs() < 1e-9);
    }
}
