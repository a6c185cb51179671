//! Voltage-frequency scaling: the clock sets the supply voltage, and the voltage sets what
//! every operation costs.
//!
//! Model (alpha-power law, Sakurai & Newton, JSSC 1990; sources §11): a circuit at supply `V`
//! runs at most at `f(V) = curve_freq_mhz x g(V) / g(curve_voltage_v)`, with
//! `g(V) = (V - Vth)^alpha / V` (increasing in V for alpha >= 1). The clock `freq_mhz` needs
//! the lowest `V` in `[min_voltage_v, max_voltage_v]` with `f(V) >= freq_mhz`; below the
//! floor's frequency the voltage stays at the floor (SRAM retention and read margins), above
//! the ceiling's the clock is out of reach and the configuration is refused.
//!
//! The configuration's energies (per MAC, per bit, per vector op) and leakages are stated at
//! `nominal_freq_mhz`, i.e. at `V_nominal = V(nominal_freq_mhz)`. At the configured clock,
//! switching energy is `C V²`, so every on-chip dynamic energy scales with `(V / V_nominal)²`;
//! leakage power scales with `V / V_nominal` (current roughly constant over this range). DRAM
//! energy is off-chip and does not scale.

use crate::config::{HardwareConfig, TechnologyConfig};

/// `(V - Vth)^alpha / V`, 0 at or below the threshold.
fn g(t: &TechnologyConfig, v: f64) -> f64 {
    let over = v - t.threshold_voltage_v;
    if over <= 0.0 || v <= 0.0 {
        0.0
    } else {
        over.powf(t.alpha) / v
    }
}

/// The highest clock (MHz) a supply of `v` volts sustains.
pub fn max_freq_mhz(t: &TechnologyConfig, v: f64) -> f64 {
    let at_curve = g(t, t.curve_voltage_v);
    if at_curve <= 0.0 {
        return 0.0;
    }
    t.curve_freq_mhz * g(t, v) / at_curve
}

/// Why a clock has no supply voltage.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VoltageError {
    #[error(
        "{freq_mhz} MHz needs more than technology.max_voltage_v = {max_voltage_v} V (the V-f \
         curve reaches {max_freq_mhz:.1} MHz there)"
    )]
    AboveCeiling {
        freq_mhz: f64,
        max_voltage_v: f64,
        max_freq_mhz: f64,
    },
    #[error(
        "the V-f curve is degenerate: technology.threshold_voltage_v ({vth} V) must be below \
         technology.min_voltage_v ({min} V) and technology.curve_voltage_v ({curve} V), and \
         min_voltage_v <= max_voltage_v ({max} V)"
    )]
    Degenerate {
        vth: f64,
        min: f64,
        curve: f64,
        max: f64,
    },
}

/// The supply voltage the clock `freq_mhz` needs, volts.
pub fn supply_voltage_v(t: &TechnologyConfig, freq_mhz: f64) -> Result<f64, VoltageError> {
    let (lo, hi) = (t.min_voltage_v, t.max_voltage_v);
    if !(t.threshold_voltage_v < lo && t.threshold_voltage_v < t.curve_voltage_v && lo <= hi) {
        return Err(VoltageError::Degenerate {
            vth: t.threshold_voltage_v,
            min: lo,
            curve: t.curve_voltage_v,
            max: hi,
        });
    }
    if max_freq_mhz(t, lo) >= freq_mhz {
        return Ok(lo);
    }
    let ceiling = max_freq_mhz(t, hi);
    if ceiling < freq_mhz {
        return Err(VoltageError::AboveCeiling {
            freq_mhz,
            max_voltage_v: hi,
            max_freq_mhz: ceiling,
        });
    }
    // Bisection on the increasing f(V): 60 halvings pin V far below a microvolt.
    let (mut a, mut b) = (lo, hi);
    for _ in 0..60 {
        let mid = 0.5 * (a + b);
        if max_freq_mhz(t, mid) >= freq_mhz {
            b = mid;
        } else {
            a = mid;
        }
    }
    Ok(b)
}

/// How the configured clock scales the nominal energy and leakage figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnergyScale {
    /// Supply at the configured clock, volts.
    pub voltage_v: f64,
    /// Supply at `nominal_freq_mhz`, where the figures are stated.
    pub nominal_voltage_v: f64,
    /// `(V / V_nominal)²`: multiplies every on-chip dynamic energy.
    pub dynamic: f64,
    /// `V / V_nominal`: multiplies every leakage power.
    pub leakage: f64,
}

/// The operating point of `cfg` (a CIM design) at its clock.
pub fn energy_scale(cfg: &HardwareConfig) -> Result<EnergyScale, VoltageError> {
    let t = &cfg.technology;
    let v = supply_voltage_v(t, cfg.clock.freq_mhz)?;
    let vn = supply_voltage_v(t, t.nominal_freq_mhz)?;
    let r = v / vn;
    Ok(EnergyScale {
        voltage_v: v,
        nominal_voltage_v: vn,
        dynamic: r * r,
        leakage: r,
    })
}

/// [`energy_scale`], or no scaling when the curve cannot place the clock (validation refuses
/// such configurations before anything runs; this keeps cost functions total).
pub fn energy_scale_or_nominal(cfg: &HardwareConfig) -> EnergyScale {
    energy_scale(cfg).unwrap_or(EnergyScale {
        voltage_v: 1.0,
        nominal_voltage_v: 1.0,
        dynamic: 1.0,
        leakage: 1.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::test_util::chip_config;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn the_curve_passes_through_its_point_and_rises() {
        let t = TechnologyConfig::cmos_65nm();
        // 350 MHz at 0.9 V by construction.
        assert!(close(max_freq_mhz(&t, 0.9), 350.0, 1e-9));
        // g(1.2) / g(0.9) = (0.8^1.3 / 1.2) / (0.5^1.3 / 0.9) = 0.62332 / 0.45123 = 1.3814.
        assert!(close(max_freq_mhz(&t, 1.2), 483.5, 0.1));
        assert!(max_freq_mhz(&t, 0.7) < max_freq_mhz(&t, 0.8));
        assert_eq!(max_freq_mhz(&t, 0.4), 0.0);
    }

    #[test]
    fn the_clock_sets_the_voltage_within_its_limits() {
        let t = TechnologyConfig::cmos_65nm();
        let v = supply_voltage_v(&t, 350.0).unwrap();
        assert!(close(v, 0.9, 1e-9));
        // 200 MHz: g(V) = 0.45123 x 200 / 350 = 0.25785; (0.6544 - 0.4)^1.3 / 0.6544 = 0.2578.
        let v200 = supply_voltage_v(&t, 200.0).unwrap();
        assert!(close(v200, 0.6544, 1e-4), "{v200}");
        // 100 MHz would need ~0.52 V: held at the 0.6 V floor.
        assert_eq!(supply_voltage_v(&t, 100.0).unwrap(), 0.6);
        // 400 MHz: g = 0.5157 -> (1.0016 - 0.4)^1.3 / 1.0016 = 0.5157.
        let v400 = supply_voltage_v(&t, 400.0).unwrap();
        assert!(close(v400, 1.0016, 1e-4), "{v400}");
        // Beyond 483.5 MHz the 1.2 V ceiling is not enough.
        assert!(matches!(
            supply_voltage_v(&t, 500.0),
            Err(VoltageError::AboveCeiling { .. })
        ));
    }

    #[test]
    fn energy_per_op_follows_v_squared_and_leakage_v() {
        let mut cfg = chip_config();
        cfg.technology.nominal_freq_mhz = 200.0;
        cfg.clock.freq_mhz = 200.0;
        let nominal = energy_scale(&cfg).unwrap();
        assert!(close(nominal.dynamic, 1.0, 1e-12) && close(nominal.leakage, 1.0, 1e-12));
        // 400 MHz: (1.0016 / 0.6544)² = 2.342x the energy per MAC, 1.53x the leakage power.
        cfg.clock.freq_mhz = 400.0;
        let fast = energy_scale(&cfg).unwrap();
        assert!(close(fast.dynamic, 2.342, 0.002), "{fast:?}");
        assert!(close(fast.leakage, fast.dynamic.sqrt(), 1e-12));
        // 100 MHz sits on the 0.6 V floor: (0.6 / 0.6544)² = 0.841x.
        cfg.clock.freq_mhz = 100.0;
        let slow = energy_scale(&cfg).unwrap();
        assert!(close(slow.dynamic, 0.841, 0.002), "{slow:?}");
    }
}
