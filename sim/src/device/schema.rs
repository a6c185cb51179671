//! The schema of a measured-device baseline (`kind = "device"`): only the fields a device has.
//! Units are in the names; key paths (`power_mode`, `decode.bandwidth_efficiency`, ...) are
//! what `--set` takes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A measured edge device running one named runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Always `device`.
    pub kind: DeviceKind,
    /// The runtime the figures represent (its version and flags), e.g. `llama.cpp b9292`.
    pub runtime: String,
    /// Peak DRAM bandwidth.
    pub bandwidth_gbps: f64,
    /// The selected power mode: a key of `power_modes`.
    pub power_mode: String,
    /// The modes this device has, by name.
    pub power_modes: BTreeMap<String, PowerMode>,
    pub weights: WeightFormats,
    pub kv: KvCache,
    pub decode: DecodeFit,
    pub prefill: PrefillModel,
    pub power: DevicePower,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Device,
}

/// One power mode: the accelerator (GPU/NPU) clock that scales fixed costs and power.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerMode {
    /// GPU (Jetson) or NPU (Hexagon) clock.
    pub clock_mhz: f64,
    /// CPU clock, for reference (descriptive: the model does not use it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_mhz: Option<f64>,
}

/// The runtime's weight formats and their bits per weight (block scales included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightFormats {
    /// The format used when a run names none: a key of `bits_per_weight`.
    pub default: String,
    pub bits_per_weight: BTreeMap<String, f64>,
}

/// Which KV positions a decode step reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KvRead {
    /// The positions in use (llama.cpp, MLC).
    Used,
    /// The whole compiled allocation, whatever is in use (Genie).
    Allocation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KvCache {
    /// Bits per K or V element.
    pub bits: u32,
    pub read: KvRead,
    /// The context the runtime allocates (llama.cpp `-c`, Genie's compiled length).
    pub allocation_tokens: u64,
}

/// The decode model's free parameters (fitted by `cimsim baseline fit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecodeFit {
    /// Fixed cycles per token, in thousands, at the accelerator clock.
    pub per_token_kcycles: f64,
    /// Fixed cycles per layer per token, in thousands.
    pub per_layer_kcycles: f64,
    /// Fraction of peak bandwidth decode streaming reaches.
    pub bandwidth_efficiency: f64,
}

/// Prefill: compute-bound at the clock-scaled peak (not fitted; see the preset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefillModel {
    /// Dense INT8 tera-ops per second at `power.reference_clock_mhz`.
    pub peak_dense_tops_at_ref: f64,
    pub compute_efficiency: f64,
}

/// Whether a device's energy rests on measurement or is a model only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnergyBasis {
    /// Fitted to measured rail power.
    Measured,
    /// No public power measurement: modelled, and marked as an estimate wherever it appears.
    Estimate,
}

impl EnergyBasis {
    pub fn name(self) -> &'static str {
        match self {
            EnergyBasis::Measured => "measured",
            EnergyBasis::Estimate => "estimate",
        }
    }
}

/// Power while decoding. Chip = the accelerator rail (a Jetson's `VDD_CPU_GPU_CV`), system =
/// the board input (`VDD_IN`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevicePower {
    pub energy: EnergyBasis,
    pub chip_static_w: f64,
    /// Chip power that does not depend on the traffic but scales with the clock like the
    /// energy per byte (clock tree, idle SMs/cores kept clocked), at `reference_clock_mhz`.
    pub chip_clocked_w_at_ref: f64,
    /// Chip energy per byte streamed, at `reference_clock_mhz`.
    pub chip_nj_per_byte_at_ref: f64,
    /// How energy per byte grows with the clock: `(clock / ref)^clock_exponent`.
    pub clock_exponent: f64,
    pub reference_clock_mhz: f64,
    /// System minus chip power.
    pub board_overhead_w: f64,
}

impl DeviceConfig {
    /// The selected power mode (validation guarantees it exists).
    pub fn mode(&self) -> Option<&PowerMode> {
        self.power_modes.get(&self.power_mode)
    }

    /// The clock of the selected mode, in MHz.
    pub fn clock_mhz(&self) -> f64 {
        self.mode()
            .map(|m| m.clock_mhz)
            .unwrap_or(self.power.reference_clock_mhz)
    }

    /// The clock of mode `name`, if the device has it.
    pub fn clock_mhz_of(&self, name: &str) -> Option<f64> {
        self.power_modes.get(name).map(|m| m.clock_mhz)
    }

    /// Bits per weight of format `name`, if the runtime has it.
    pub fn bits_per_weight(&self, name: &str) -> Option<f64> {
        self.weights.bits_per_weight.get(name).copied()
    }
}
