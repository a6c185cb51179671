//! The measured-device model: a roofline plus the terms the measurements show.
//!
//! One decode token costs a fixed time and a streaming time:
//!
//! ```text
//! t_token = (per_token_kcycles + layers × per_layer_kcycles) × 1e3 / clock_hz
//!         + (weight bytes streamed + KV bytes read) / (bandwidth × bandwidth_efficiency)
//! ```
//!
//! The fixed part is kernel launches, synchronisation and sampling: work done at the GPU/NPU
//! clock, so it is counted in cycles and a power mode's clock scales it. Weight bytes follow the
//! runtime's bits per weight (block scales included); KV bytes follow the runtime's KV precision
//! and either the positions in use or the whole compiled allocation (Genie reads all of it).
//!
//! Chip power while decoding is a static part, plus a clocked part and an energy per byte
//! streamed that both grow with the clock (a higher clock runs at a higher voltage):
//!
//! ```text
//! P_chip = chip_static_w + (clock / ref)^clock_exponent
//!          × (chip_clocked_w_at_ref + nj_per_byte_at_ref × GB/s)
//! ```
//!
//! The system (board) power adds `board_overhead_w`. Every function here is pure; units are in
//! the names.

use super::schema::{DecodeFit, DevicePower, PrefillModel};

/// What one decode step streams and how many layers it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeDemand {
    /// Weight bytes read per token at the runtime's bits per weight.
    pub weight_bytes: f64,
    /// KV-cache bytes read per token.
    pub kv_read_bytes: f64,
    pub layers: u32,
}

impl DecodeDemand {
    pub fn bytes(&self) -> f64 {
        self.weight_bytes + self.kv_read_bytes
    }
}

/// The fixed per-token time: `(per_token_kcycles + layers × per_layer_kcycles) × 1e3 / clock`.
pub fn fixed_s_per_token(fit: &DecodeFit, layers: u32, clock_mhz: f64) -> f64 {
    (fit.per_token_kcycles + f64::from(layers) * fit.per_layer_kcycles) * 1e3 / (clock_mhz * 1e6)
}

/// Streaming time: `bytes / (bandwidth_gbps × 1e9 × efficiency)`.
pub fn stream_s(bytes: f64, bandwidth_gbps: f64, bandwidth_efficiency: f64) -> f64 {
    bytes / (bandwidth_gbps * 1e9 * bandwidth_efficiency)
}

/// One decode token: fixed time plus streaming time.
pub fn decode_s_per_token(
    fit: &DecodeFit,
    bandwidth_gbps: f64,
    clock_mhz: f64,
    demand: &DecodeDemand,
) -> f64 {
    fixed_s_per_token(fit, demand.layers, clock_mhz)
        + stream_s(demand.bytes(), bandwidth_gbps, fit.bandwidth_efficiency)
}

/// Energy per byte streamed at `clock_mhz`: `nj_per_byte_at_ref × (clock / ref)^exponent`.
pub fn chip_nj_per_byte(power: &DevicePower, clock_mhz: f64) -> f64 {
    power.chip_nj_per_byte_at_ref * clock_power_scale(power, clock_mhz)
}

/// How clock-dependent power scales from the reference clock: `(clock / ref)^clock_exponent`.
pub fn clock_power_scale(power: &DevicePower, clock_mhz: f64) -> f64 {
    (clock_mhz / power.reference_clock_mhz).powf(power.clock_exponent)
}

/// Chip-rail power while streaming `bytes_per_s`: static, plus the clocked part and the energy
/// per byte × rate, both scaled by [`clock_power_scale`].
pub fn chip_power_w(power: &DevicePower, clock_mhz: f64, bytes_per_s: f64) -> f64 {
    power.chip_static_w
        + power.chip_clocked_w_at_ref * clock_power_scale(power, clock_mhz)
        + chip_nj_per_byte(power, clock_mhz) * bytes_per_s * 1e-9
}

/// Board power: the chip rail plus the rest of the board.
pub fn system_power_w(power: &DevicePower, chip_w: f64) -> f64 {
    chip_w + power.board_overhead_w
}

/// Prefill of a prompt: the slower of compute (`2 × MACs` at the clock-scaled peak times the
/// efficiency) and streaming the weights once, plus one fixed token cost.
pub fn prefill_s(
    prefill: &PrefillModel,
    fixed_s: f64,
    clock_ratio: f64,
    macs: f64,
    stream_s: f64,
) -> f64 {
    let ops_per_s =
        prefill.peak_dense_tops_at_ref * 1e12 * clock_ratio * prefill.compute_efficiency;
    (2.0 * macs / ops_per_s).max(stream_s) + fixed_s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit() -> DecodeFit {
        DecodeFit {
            per_token_kcycles: 1000.0,
            per_layer_kcycles: 100.0,
            bandwidth_efficiency: 0.5,
        }
    }

    fn power() -> DevicePower {
        DevicePower {
            energy: super::super::schema::EnergyBasis::Measured,
            chip_static_w: 2.0,
            chip_clocked_w_at_ref: 1.0,
            chip_nj_per_byte_at_ref: 0.2,
            clock_exponent: 1.5,
            reference_clock_mhz: 1000.0,
            board_overhead_w: 2.0,
        }
    }

    #[test]
    fn fixed_time_is_cycles_over_the_clock() {
        // (1000 + 10 × 100) kcycles = 2e6 cycles at 1 GHz = 2 ms; at 500 MHz 4 ms.
        assert!((fixed_s_per_token(&fit(), 10, 1000.0) - 2e-3).abs() < 1e-12);
        assert!((fixed_s_per_token(&fit(), 10, 500.0) - 4e-3).abs() < 1e-12);
    }

    #[test]
    fn decode_adds_streaming_at_the_effective_bandwidth() {
        // 100 MB at 100 GB/s × 0.5 = 2 ms, plus 2 ms fixed.
        let d = DecodeDemand {
            weight_bytes: 80e6,
            kv_read_bytes: 20e6,
            layers: 10,
        };
        let t = decode_s_per_token(&fit(), 100.0, 1000.0, &d);
        assert!((t - 4e-3).abs() < 1e-12, "{t}");
    }

    #[test]
    fn power_grows_with_clock_and_rate() {
        let p = power();
        // At the reference clock, 50 GB/s × 0.2 nJ/B = 10 W, plus 2 W static and 1 W clocked.
        assert!((chip_power_w(&p, 1000.0, 50e9) - 13.0).abs() < 1e-9);
        // At a quarter of the clock the energy per byte is 0.25^1.5 = 1/8 of it.
        assert!((chip_nj_per_byte(&p, 250.0) - 0.025).abs() < 1e-12);
        assert!((system_power_w(&p, 13.0) - 15.0).abs() < 1e-12);
    }

    #[test]
    fn prefill_takes_the_slower_bound() {
        let m = PrefillModel {
            peak_dense_tops_at_ref: 10.0,
            compute_efficiency: 0.5,
        };
        // 2.5e12 MACs = 5e12 ops at 5 TOPS = 1 s; streaming 0.1 s; fixed 1 ms.
        let t = prefill_s(&m, 1e-3, 1.0, 2.5e12, 0.1);
        assert!((t - 1.001).abs() < 1e-12);
        assert!((prefill_s(&m, 0.0, 1.0, 1.0, 0.1) - 0.1).abs() < 1e-12);
    }
}
