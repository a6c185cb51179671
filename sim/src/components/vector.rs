//! The vector / special-function unit: `lanes` elements in parallel, each op kind costing a
//! number of cycles per group of `lanes` elements, and an energy per element op and per MAC.
//! Its area is logic per lane and its leakage follows the area, so lanes are not free.

use crate::config::{TechnologyConfig, VectorConfig};
use crate::program::VectorOp;

/// Area of the unit: `lanes x area_mm2_per_lane`.
pub fn vector_area_mm2(v: &VectorConfig) -> f64 {
    f64::from(v.lanes) * v.area_mm2_per_lane
}

/// Leakage at nominal voltage: the unit's logic area x `logic_leakage_mw_per_mm2`.
pub fn vector_leakage_mw(v: &VectorConfig, t: &TechnologyConfig) -> f64 {
    vector_area_mm2(v) * t.logic_leakage_mw_per_mm2
}

/// Cycles per group of `lanes` elements for `op`. An embedding copy streams through the lanes
/// like a residual add (one pass, no arithmetic), so it shares the add cost.
pub fn cycles_per_element(v: &VectorConfig, op: VectorOp) -> f64 {
    match op {
        VectorOp::RmsNorm => v.rmsnorm_cycles_per_element,
        VectorOp::Rope => v.rope_cycles_per_element,
        VectorOp::Softmax => v.softmax_cycles_per_element,
        VectorOp::Silu => v.silu_cycles_per_element,
        VectorOp::Gelu => v.gelu_cycles_per_element,
        VectorOp::Add | VectorOp::Copy => v.add_cycles_per_element,
        VectorOp::Argmax => v.argmax_cycles_per_element,
        VectorOp::Mac => v.mac_cycles_per_element,
    }
}

/// Cycles for `op` over `elements` elements: `ceil(ceil(elements / lanes) * cycles_per_element)`.
/// For [`VectorOp::Mac`], `elements` is the number of MACs (each lane does one MAC per
/// `mac_cycles_per_element` cycles).
pub fn vector_cycles(v: &VectorConfig, op: VectorOp, elements: u64) -> u64 {
    if elements == 0 {
        return 0;
    }
    let groups = elements.div_ceil(u64::from(v.lanes.max(1)));
    let cycles = (groups as f64 * cycles_per_element(v, op)).ceil();
    // Validation keeps costs finite and > 0; the cast saturates on anything larger than u64.
    cycles.max(1.0) as u64
}

/// Energy of `op` over `elements` elements with `macs` MACs of work:
/// `elements * energy_pj_per_op + macs * energy_pj_per_mac`. For [`VectorOp::Mac`] the elements
/// are the MACs themselves, so only the MAC energy is charged.
pub fn vector_energy_pj(v: &VectorConfig, op: VectorOp, elements: u64, macs: u64) -> f64 {
    let op_pj = match op {
        VectorOp::Mac => 0.0,
        _ => elements as f64 * v.energy_pj_per_op,
    };
    op_pj + macs as f64 * v.energy_pj_per_mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::test_util::vector_unit;

    #[test]
    fn lanes_cost_area_and_leakage() {
        let t = TechnologyConfig::cmos_65nm();
        let mut v = vector_unit();
        // 32 lanes x 0.015625 mm² = 0.5 mm²; x 2 mW/mm² = 1 mW.
        assert!((vector_area_mm2(&v) - 0.5).abs() < 1e-12);
        assert!((vector_leakage_mw(&v, &t) - 1.0).abs() < 1e-12);
        v.lanes = 1024;
        assert!((vector_area_mm2(&v) - 16.0).abs() < 1e-12);
    }

    #[test]
    fn cycles_per_op_kind() {
        let v = vector_unit();
        // RMSNorm of 2048 elements on 32 lanes: 64 groups x 2 cycles = 128.
        assert_eq!(vector_cycles(&v, VectorOp::RmsNorm, 2048), 128);
        // Softmax of 100 elements: ceil(100/32) = 4 groups x 4 = 16.
        assert_eq!(vector_cycles(&v, VectorOp::Softmax, 100), 16);
        // Add of 33 elements: 2 groups x 1 = 2; copy costs the same.
        assert_eq!(vector_cycles(&v, VectorOp::Add, 33), 2);
        assert_eq!(vector_cycles(&v, VectorOp::Copy, 33), 2);
        // 1000 MACs: 32 groups x 1 = 32.
        assert_eq!(vector_cycles(&v, VectorOp::Mac, 1000), 32);
        assert_eq!(vector_cycles(&v, VectorOp::Argmax, 0), 0);
    }

    #[test]
    fn fractional_costs_round_up() {
        let mut v = vector_unit();
        v.rope_cycles_per_element = 1.5;
        // 3 groups x 1.5 = 4.5 -> 5 cycles.
        assert_eq!(vector_cycles(&v, VectorOp::Rope, 96), 5);
    }

    #[test]
    fn energy_per_op_and_mac() {
        let v = vector_unit();
        // 2048 element ops x 1 pJ + 2048 MACs (the squares) x 0.5 pJ = 3072 pJ.
        assert!((vector_energy_pj(&v, VectorOp::RmsNorm, 2048, 2048) - 3072.0).abs() < 1e-9);
        // Mac op: 1000 MACs x 0.5 pJ, elements not charged again.
        assert!((vector_energy_pj(&v, VectorOp::Mac, 1000, 1000) - 500.0).abs() < 1e-9);
    }
}
