//! The dedicated attention array (`chip.attention_array`): `lanes` MAC units that run the
//! attention score (Q·Kᵀ) and value (P·V) MACs when `chip.attention = "array"`, one MAC per
//! lane per cycle, at `energy_pj_per_mac` each. Its area is logic per lane and its leakage
//! follows the area, like the vector unit's. Softmax and normalisation stay on the vector unit.

use crate::config::{AttentionArrayConfig, TechnologyConfig};

/// Cycles for `macs` MACs: `ceil(macs / lanes)`.
pub fn attention_array_cycles(a: &AttentionArrayConfig, macs: u64) -> u64 {
    macs.div_ceil(u64::from(a.lanes.max(1)))
}

/// Energy of `macs` MACs at nominal voltage: `macs x energy_pj_per_mac`.
pub fn attention_array_energy_pj(a: &AttentionArrayConfig, macs: u64) -> f64 {
    macs as f64 * a.energy_pj_per_mac
}

/// Area: `lanes x area_mm2_per_lane`.
pub fn attention_array_area_mm2(a: &AttentionArrayConfig) -> f64 {
    f64::from(a.lanes) * a.area_mm2_per_lane
}

/// Leakage at nominal voltage: the array's logic area x `logic_leakage_mw_per_mm2`.
pub fn attention_array_leakage_mw(a: &AttentionArrayConfig, t: &TechnologyConfig) -> f64 {
    attention_array_area_mm2(a) * t.logic_leakage_mw_per_mm2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array() -> AttentionArrayConfig {
        AttentionArrayConfig {
            lanes: 1024,
            energy_pj_per_mac: 0.45,
            area_mm2_per_lane: 0.002,
        }
    }

    #[test]
    fn one_mac_per_lane_per_cycle() {
        let a = array();
        assert_eq!(attention_array_cycles(&a, 0), 0);
        assert_eq!(attention_array_cycles(&a, 1), 1);
        assert_eq!(attention_array_cycles(&a, 1024), 1);
        assert_eq!(attention_array_cycles(&a, 1025), 2);
        // 1e6 MACs x 0.45 pJ = 0.45 uJ.
        assert!((attention_array_energy_pj(&a, 1_000_000) - 450_000.0).abs() < 1e-6);
    }

    #[test]
    fn lanes_cost_area_and_leakage() {
        let t = TechnologyConfig::cmos_65nm();
        let mut a = array();
        // 1024 x 0.002 = 2.048 mm², leaking 2.048 x 2 mW/mm².
        assert!((attention_array_area_mm2(&a) - 2.048).abs() < 1e-12);
        assert!((attention_array_leakage_mw(&a, &t) - 4.096).abs() < 1e-12);
        a.lanes *= 2;
        assert!((attention_array_area_mm2(&a) - 4.096).abs() < 1e-12);
    }
}
