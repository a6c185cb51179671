//! The accelerator configuration schema. Every field carries its unit in its name; the TOML key
//! paths (`macro.rows`, `chip.tiles`, `dram.preset`, ...) are a public interface used by `--set`
//! and by sweep specs, so renaming a field is a breaking change.
//!
//! Validation (ranges, cross-field checks) lives in `validate.rs`; presets in `sim/presets/`.

use serde::{Deserialize, Serialize};

/// A whole accelerator: either a CIM design or a roofline baseline device. Every section is
/// present in both kinds so a file has one shape; a roofline device is described by its
/// `roofline` section (plus `precision` and `dram.energy_pj_per_bit`) and its `clock`, `macro`
/// and `chip` sections are validated but ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HardwareConfig {
    /// Short name, e.g. `edgecim-65nm`.
    pub name: String,
    /// One line saying what this design is.
    #[serde(default)]
    pub description: String,
    /// `cim` (simulated) or `roofline` (a baseline device described by bandwidth, peak and power).
    #[serde(default)]
    pub kind: HardwareKind,
    pub clock: ClockConfig,
    #[serde(rename = "macro")]
    pub cim_macro: MacroConfig,
    pub chip: ChipConfig,
    pub dram: DramSection,
    pub precision: PrecisionConfig,
    /// Process figures the area, leakage and supply voltage of a CIM design follow from
    /// (65 nm defaults when absent; see [`TechnologyConfig`]).
    #[serde(default)]
    pub technology: TechnologyConfig,
    /// Only for `kind = "roofline"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roofline: Option<RooflineConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HardwareKind {
    #[default]
    Cim,
    Roofline,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockConfig {
    /// Accelerator clock (macros, buffers, vector unit, interconnect).
    pub freq_mhz: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MacroKind {
    /// Digital SRAM CIM: bit-serial inputs, adder tree, shift-add.
    #[default]
    Digital,
    /// Analog SRAM CIM: bit-line accumulation read out by shared ADCs.
    Analog,
}

/// One CIM macro. Weight-stationary: a macro holds a `rows` x (`cols` / `weight_bits`) weight
/// block and computes that many dot products of length `rows` per input vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacroConfig {
    #[serde(default)]
    pub kind: MacroKind,
    /// Dot-product length (word lines activated together).
    pub rows: u32,
    /// Bit columns; `cols / weight_bits` output channels.
    pub cols: u32,
    /// Bits per stored weight (4 = INT4, 8 = INT8). `--weights int8` sets this.
    pub weight_bits: u32,
    /// Input bits applied per cycle (bit-serial: 1).
    pub input_bits_per_cycle: u32,
    /// Adder-tree + shift-add pipeline latency added to every tile, in cycles.
    pub pipeline_depth_cycles: u32,
    /// Energy of one MAC at `weight_bits` x activation bits, at the nominal operating point
    /// (`technology.nominal_freq_mhz` and the supply voltage the V-f curve gives there).
    pub energy_pj_per_mac: f64,
    /// Weight-write bandwidth into the array.
    pub write_bits_per_cycle: u32,
    pub write_energy_pj_per_bit: f64,
    /// Two weight copies: write one while computing on the other. The shadow copy is plain
    /// SRAM: it costs `technology.sram_*` area and leakage per bit.
    pub ping_pong: bool,
    /// Leakage per bit of the compute array (cells, adder trees, drivers), at nominal voltage.
    pub leakage_nw_per_bit: f64,
    /// Area per bit of the compute array with its periphery; a macro is `rows x cols` bits.
    pub area_um2_per_bit: f64,
    /// Analog variant only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adc: Option<AdcConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdcConfig {
    pub bits: u32,
    /// The resolution `energy_pj_per_conversion` and `area_mm2_per_adc` are stated at; at
    /// `bits` both scale by `2^(bits - reference_bits)` (`cim_macro::adc_scale`).
    pub reference_bits: u32,
    /// Columns sharing one ADC (conversions are serialized over them).
    pub columns_per_adc: u32,
    pub energy_pj_per_conversion: f64,
    pub area_mm2_per_adc: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipConfig {
    pub tiles: u32,
    pub macros_per_tile: u32,
    /// CIM capacity set aside to keep weights between tokens (used by the `resident` mapping).
    /// 0 means: all macros may hold resident weights.
    pub resident_weight_kib: u64,
    /// On-chip KV-cache buffer; 0 = the KV cache lives in DRAM.
    /// SRAM like every buffer: it costs area and leakage per KiB (`technology.sram_*`), and
    /// reads and writes of the cache there cost the global buffer's energy per bit.
    pub kv_buffer_kib: u64,
    /// How streamed weights reach the macros: through the global buffer (DRAM -> global
    /// buffer -> interconnect -> tile buffer -> macro) or directly (DRAM -> interconnect ->
    /// tile buffer -> macro, staged in the tile buffers only).
    #[serde(default)]
    pub weight_path: WeightPath,
    /// Where the attention score and value MACs run: the vector unit (the default) or a
    /// dedicated attention array (`attention_array`, required then).
    #[serde(default)]
    pub attention: AttentionPlacement,
    /// A dedicated MAC array for attention; costs area and leakage whenever present, and runs
    /// the attention MACs when `attention = "array"` (kept otherwise, so a sweep can switch the
    /// placement on one base design).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention_array: Option<AttentionArrayConfig>,
    pub global_buffer: BufferConfig,
    pub tile_buffer: BufferConfig,
    pub vector: VectorConfig,
    pub interconnect: InterconnectConfig,
    /// Area of everything not modelled separately (control, I/O, PHY).
    pub other_area_mm2: f64,
}

/// Where attention's MACs (Q·Kᵀ and P·V) run. Softmax and normalisation stay on the vector
/// unit in every placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttentionPlacement {
    /// The vector unit's lanes (`chip.vector.mac_cycles_per_element`, `energy_pj_per_mac`).
    #[default]
    Vector,
    /// The dedicated array of `chip.attention_array`.
    Array,
}

impl AttentionPlacement {
    pub fn name(self) -> &'static str {
        match self {
            AttentionPlacement::Vector => "vector",
            AttentionPlacement::Array => "array",
        }
    }
}

/// A dedicated attention MAC array: `lanes` MACs per cycle at `energy_pj_per_mac` (nominal
/// voltage, scaled with the supply like every on-chip energy), `area_mm2_per_lane` of logic
/// that leaks at `technology.logic_leakage_mw_per_mm2`. Its operands come as the vector unit's
/// do (K and V from DRAM or the KV buffer, Q from the projection).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttentionArrayConfig {
    pub lanes: u32,
    pub energy_pj_per_mac: f64,
    pub area_mm2_per_lane: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightPath {
    #[default]
    GlobalBuffer,
    Direct,
}

impl WeightPath {
    pub fn name(self) -> &'static str {
        match self {
            WeightPath::GlobalBuffer => "global_buffer",
            WeightPath::Direct => "direct",
        }
    }
}

/// An SRAM buffer. Its area and leakage follow from its capacity and port width
/// (`technology.sram_*`) unless `area_mm2` / `leakage_mw` override them explicitly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BufferConfig {
    pub capacity_kib: u64,
    /// Port width: bytes read or written per cycle.
    pub bandwidth_bytes_per_cycle: u32,
    /// Access energy at the nominal operating point.
    pub energy_pj_per_bit: f64,
    /// Explicit override of the derived leakage (a measured figure); absent = derived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leakage_mw: Option<f64>,
    /// Explicit override of the derived area; absent = derived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_mm2: Option<f64>,
}

/// The vector / special-function unit: `lanes` elements per cycle, with per-op cycle and energy
/// costs per element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorConfig {
    pub lanes: u32,
    /// Cycles per `lanes` elements, per op kind.
    pub rmsnorm_cycles_per_element: f64,
    pub rope_cycles_per_element: f64,
    pub softmax_cycles_per_element: f64,
    pub silu_cycles_per_element: f64,
    /// GELU (tanh approximation) of GeGLU MLPs; files written before it existed get 5.0.
    #[serde(default = "default_gelu_cycles_per_element")]
    pub gelu_cycles_per_element: f64,
    pub add_cycles_per_element: f64,
    pub argmax_cycles_per_element: f64,
    /// MAC-like work done on the vector unit (attention score/value when not mapped to CIM).
    pub mac_cycles_per_element: f64,
    pub energy_pj_per_op: f64,
    pub energy_pj_per_mac: f64,
    /// Logic area per lane (datapath, registers, function units); leakage follows the area
    /// (`technology.logic_leakage_mw_per_mm2`).
    pub area_mm2_per_lane: f64,
}

fn default_gelu_cycles_per_element() -> f64 {
    5.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterconnectConfig {
    /// Bus width: bytes per cycle, shared by every transfer (activations and streamed weights).
    pub bandwidth_bytes_per_cycle: u32,
    pub latency_cycles: u32,
    pub energy_pj_per_bit: f64,
    /// Drivers and repeaters per byte of width at each endpoint (the global buffer and every
    /// tile); the wires route over logic. Leakage follows the area.
    pub area_mm2_per_byte: f64,
}

/// Process figures of a CIM design: SRAM and logic density and leakage, and the supply voltage
/// the clock needs. Sources in `docs/sources.md` §11; the defaults are the 65 nm figures.
///
/// Voltage follows the alpha-power law (Sakurai & Newton): the highest clock at supply V is
/// `f(V) = curve_freq_mhz * g(V) / g(curve_voltage_v)` with `g(V) = (V - Vth)^alpha / V`,
/// clamped to `[min_voltage_v, max_voltage_v]`. The presets' energies and leakages are stated
/// at `nominal_freq_mhz`; at another clock dynamic energy scales with `(V / V_nominal)^2` and
/// leakage power with `V / V_nominal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TechnologyConfig {
    pub sram_area_mm2_per_kib: f64,
    pub sram_leakage_mw_per_kib: f64,
    /// SRAM port periphery (sense amplifiers, drivers, muxes) per byte of port width.
    pub sram_port_area_mm2_per_byte: f64,
    pub logic_leakage_mw_per_mm2: f64,
    /// The clock at which the configuration's energy and leakage figures are stated.
    pub nominal_freq_mhz: f64,
    /// A measured (frequency, voltage) point the V-f curve passes through.
    pub curve_freq_mhz: f64,
    pub curve_voltage_v: f64,
    pub threshold_voltage_v: f64,
    pub alpha: f64,
    pub min_voltage_v: f64,
    pub max_voltage_v: f64,
}

impl TechnologyConfig {
    /// 65 nm CMOS (sources §11).
    pub fn cmos_65nm() -> TechnologyConfig {
        TechnologyConfig {
            sram_area_mm2_per_kib: 0.011_83,
            sram_leakage_mw_per_kib: 0.007_812_5,
            sram_port_area_mm2_per_byte: 0.008_07,
            logic_leakage_mw_per_mm2: 2.0,
            nominal_freq_mhz: 200.0,
            curve_freq_mhz: 350.0,
            curve_voltage_v: 0.9,
            threshold_voltage_v: 0.4,
            alpha: 1.3,
            min_voltage_v: 0.6,
            max_voltage_v: 1.2,
        }
    }
}

impl Default for TechnologyConfig {
    fn default() -> Self {
        TechnologyConfig::cmos_65nm()
    }
}

/// DRAM: a named preset (timing, organisation, currents) with the fields users sweep most.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DramSection {
    /// `lpddr4-3200`, `lpddr4x-4266`, `lpddr5-6400`, `ddr4-3200`.
    pub preset: String,
    pub channels: u32,
    /// An explicit user override: when set, DRAM energy is bytes x this figure instead of the
    /// preset's IDD-current model (no preset sets it; the breakdown is then all read/write).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_pj_per_bit: Option<f64>,
    /// Density of one DRAM device in Gbit (a power of two), in place of the preset's: more
    /// rows per bank, same timing. Sets the capacity with `channels`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_density_gbit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrecisionConfig {
    pub activation_bits: u32,
    pub kv_bits: u32,
}

/// A baseline device modelled as a roofline (no cycle-level model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RooflineConfig {
    pub bandwidth_gbps: f64,
    pub peak_tops: f64,
    pub power_w: f64,
    pub idle_power_w: f64,
    /// Fraction of peak bandwidth reachable in practice.
    pub bandwidth_efficiency: f64,
    /// Fraction of peak compute reachable in practice.
    pub compute_efficiency: f64,
    pub area_mm2: f64,
}
