//! The memory interface on the accelerator's side: PHY area and I/O energy per standard, for
//! the explorer's bandwidth-for-energy-and-area trade (`dram::phy_estimate`).
//!
//! Model: area = data pins of all channels × the family's area per DQ (the PHY's command /
//! address and clocking lanes folded in); I/O energy per bit = the spec's own VDDQ read term
//! (VDDQ·IDDQ4R·burst / bits of a burst) where it has one, else the family's figure. Figures
//! per family are [INFERRED] (docs/sources.md §14, "DRAM standards and edge presets"): no vendor
//! publishes PHY areas, so they are set from the pin counts and bump pitches the standards
//! imply: a PCB-facing DDR/LPDDR lane ≈ 0.04 mm² per DQ (x32 ≈ 1.3 mm²), a GDDR lane with its
//! faster, terminated drivers 0.06 mm², an HBM lane under 55 µm microbumps 0.01 mm² (the
//! 1,024-bit PHY ≈ 10 mm²).

use crate::energy::EnergyIncrements;
use crate::spec::{DramSpec, Protocol};

/// Interface figures of a DRAM system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhyEstimate {
    /// PHY area on the accelerator die, all channels, mm².
    pub area_mm2: f64,
    /// I/O energy per bit read, pJ.
    pub io_pj_per_bit: f64,
}

/// Area per data pin (mm²) and I/O energy per bit (pJ) of a standard's PHY, [INFERRED] as the
/// module doc says; the I/O figures are those of the presets (LPDDR4 3.2 pJ/bit, DDR4 3.83,
/// GDDR6 3.5, HBM2E 0.5; LPDDR5's 0.5 V VDDQ: 1.2).
pub fn phy_area_mm2_per_dq_and_io_pj_per_bit(protocol: Protocol) -> (f64, f64) {
    match protocol {
        Protocol::Ddr3 | Protocol::Ddr4 => (0.04, 3.83),
        Protocol::Lpddr | Protocol::Lpddr3 | Protocol::Lpddr4 => (0.04, 3.2),
        Protocol::Lpddr5 => (0.04, 1.2),
        Protocol::Gddr5 | Protocol::Gddr5x | Protocol::Gddr6 => (0.06, 3.5),
        Protocol::Hbm | Protocol::Hbm2 => (0.01, 0.5),
    }
}

/// PHY area and I/O energy per bit of `spec` (all its channels).
pub fn phy_estimate(spec: &DramSpec) -> PhyEstimate {
    let (area_per_dq, io_default) = phy_area_mm2_per_dq_and_io_pj_per_bit(spec.protocol);
    let pins = f64::from(spec.organization.bus_width) * f64::from(spec.channels());
    let bits = (spec.request_bytes() * 8) as f64;
    let io = EnergyIncrements::new(spec).io_read_pj;
    PhyEstimate {
        area_mm2: pins * area_per_dq,
        io_pj_per_bit: if io > 0.0 && bits > 0.0 {
            io / bits
        } else {
            io_default
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;

    #[test]
    fn area_scales_with_pins_and_io_comes_from_the_preset() {
        // 16 x16 LPDDR5X channels: 256 DQ × 0.04 = 10.24 mm².
        let lp5x = presets::get("lpddr5x-8533").unwrap().with_channels(16);
        let p = phy_estimate(&lp5x);
        assert!((p.area_mm2 - 10.24).abs() < 1e-9);
        // VDDQ 0.5 V × 181.8 mA × 4 cycles × 0.938 ns / 512 bits = 0.666 pJ/bit.
        assert!((p.io_pj_per_bit - 0.5 * 181.8 * 4.0 * 0.938 / 512.0).abs() < 1e-9);
        // One HBM2E stack (8 × 128 DQ): 10.24 mm²; 1.2 V × 170.7 mA × 1.25 ns / 512 = 0.5.
        let hbm = phy_estimate(&presets::get("hbm2e-3200").unwrap().with_channels(8));
        assert!((hbm.area_mm2 - 10.24).abs() < 1e-9);
        assert!((hbm.io_pj_per_bit - 0.5).abs() < 0.001);
        // Without I/O currents (DRAMsim3 files), the family's figure.
        let mut s = presets::get("gddr6-16000").unwrap();
        s.power.idd.as_mut().unwrap().vddq = None;
        assert_eq!(phy_estimate(&s).io_pj_per_bit, 3.5);
    }
}
