//! The hardware numbers the compiler sizes its plans with and the analytic model evaluates:
//! tile geometry, write and compute time per tile (from `sim::components`, the same functions
//! the engine uses), and the sustained DRAM streaming bandwidth.

use crate::strategy::CompileContext;
use crate::tiling::TileShape;
use crate::MappingError;
use sim::components::{compute_cycles, write_cycles};
use sim::config::MacroConfig;
use sim::dram::{self as dram, DramSpec};
use std::sync::Mutex;

/// Hardware figures of one configuration at one precision.
#[derive(Debug, Clone, PartialEq)]
pub struct HwNumbers {
    pub freq_hz: f64,
    pub macros: u64,
    pub tile: TileShape,
    pub weight_bits: u32,
    pub activation_bits: u32,
    pub dram_peak_bytes_per_s: f64,
    /// Fraction of peak the DRAM model sustains on a weight stream (see
    /// [`dram_streaming_efficiency`]).
    pub dram_efficiency: f64,
    /// Time from issuing one read on an idle DRAM to its data, seconds (see
    /// [`dram_unloaded_latency_s`]).
    pub dram_latency_s: f64,
    /// DRAM energy per bit moved (`dram.energy_pj_per_bit`, else the IDD-model estimate of a
    /// streaming read), for display.
    pub dram_pj_per_bit: f64,
    /// The DRAM energy method in closed form: dynamic energy per bit by term plus refresh and
    /// background power over a phase's time, from the same IDD increments the cycle-level
    /// model charges (activations and streaming background measured on a sequential probe).
    pub dram_energy: dram::EnergyRates,
    pub cim_macro: MacroConfig,
    /// Macros per tile (`chip.macros_per_tile`): a group of `m` macros spans
    /// `ceil(m / macros_per_tile)` tiles, and its weights arrive through that many tile-buffer
    /// ports.
    pub macros_per_tile: u64,
    /// One tile buffer's port, bytes/s (`chip.tile_buffer.bandwidth_bytes_per_cycle` x clock).
    pub tile_port_bytes_per_s: f64,
}

impl HwNumbers {
    pub fn new(ctx: &CompileContext) -> Result<HwNumbers, MappingError> {
        ctx.require_cim()?;
        let mut cim_macro = ctx.cfg.cim_macro.clone();
        cim_macro.weight_bits = ctx.weight_bits;
        let tile = TileShape::of_macro(&cim_macro, ctx.weight_bits)?;
        let macros = crate::strategy::total_macros(ctx)?;
        let spec = ctx
            .cfg
            .dram_spec()
            .map_err(|e| MappingError::Config(e.to_string()))?;
        let dram_pj_per_bit = spec.idd_energy_pj_per_bit_estimate();
        let freq_hz = ctx.cfg.clock.freq_mhz * 1e6;
        if !(freq_hz.is_finite() && freq_hz > 0.0) {
            return Err(MappingError::Config(format!(
                "clock.freq_mhz = {} must be > 0",
                ctx.cfg.clock.freq_mhz
            )));
        }
        Ok(HwNumbers {
            freq_hz,
            macros,
            tile,
            weight_bits: ctx.weight_bits,
            activation_bits: ctx.activation_bits,
            dram_peak_bytes_per_s: spec.peak_bandwidth_gbps() * 1e9,
            dram_efficiency: dram_streaming_efficiency(&spec),
            dram_latency_s: dram_unloaded_latency_s(&spec),
            dram_pj_per_bit,
            dram_energy: dram::EnergyRates::of(&spec),
            cim_macro,
            macros_per_tile: u64::from(ctx.cfg.chip.macros_per_tile).max(1),
            tile_port_bytes_per_s: f64::from(ctx.cfg.chip.tile_buffer.bandwidth_bytes_per_cycle)
                * freq_hz,
        })
    }

    /// Sustained DRAM bandwidth for streaming, bytes/s.
    pub fn dram_bytes_per_s(&self) -> f64 {
        (self.dram_peak_bytes_per_s * self.dram_efficiency).max(1.0)
    }

    /// Seconds to move `bytes` at the sustained bandwidth.
    pub fn dram_s(&self, bytes: u64) -> f64 {
        bytes as f64 / self.dram_bytes_per_s()
    }

    /// The fewest macros whose tiles' buffer ports together take the sustained DRAM stream:
    /// `macros_per_tile x ceil(DRAM bytes/s / one port's bytes/s)`. A stream group smaller
    /// than this is fed no faster than its few ports allow, whatever the DRAM.
    pub fn macros_to_take_dram_stream(&self) -> u64 {
        let ports = (self.dram_bytes_per_s() / self.tile_port_bytes_per_s.max(1.0))
            .ceil()
            .clamp(1.0, 1e9) as u64;
        self.macros_per_tile.saturating_mul(ports)
    }

    /// Bits of a full tile.
    pub fn full_tile_bits(&self) -> u64 {
        self.tile.weights() * u64::from(self.weight_bits)
    }

    /// Seconds to write `bits_per_macro` bits into one macro (macros of a group write in
    /// parallel).
    pub fn write_s(&self, bits_per_macro: u64) -> f64 {
        write_cycles(&self.cim_macro, bits_per_macro) as f64 / self.freq_hz
    }

    /// Seconds for a macro to run `tiles_per_macro` tiles against `vectors` vectors.
    pub fn compute_s(&self, tiles_per_macro: u64, vectors: u64) -> f64 {
        let tiles = u32::try_from(tiles_per_macro).unwrap_or(u32::MAX);
        compute_cycles(&self.cim_macro, self.activation_bits, tiles, vectors) as f64 / self.freq_hz
    }

    /// Seconds for `cycles` accelerator cycles.
    pub fn cycles_s(&self, cycles: u64) -> f64 {
        cycles as f64 / self.freq_hz
    }
}

/// Bytes of the sequential read stream [`dram_streaming_efficiency`] measures: long enough
/// that refresh and the first row misses weigh as they do in a weight stream (several refresh
/// intervals on every preset), short enough to simulate in milliseconds.
const EFFICIENCY_PROBE_BYTES: u64 = 1 << 21;

/// Fraction of peak bandwidth the cycle-level DRAM model sustains on a long sequential read
/// stream — what a weight stream is. Measured once per distinct DRAM spec by running
/// [`EFFICIENCY_PROBE_BYTES`] of sequential burst reads through `dram::run_trace` with the
/// queues kept full, and memoised for the process, so the analytic model uses the same DRAM
/// the cycle-level engine simulates (row hits, bank and bus timing, refresh) without
/// simulating it per design point.
pub fn dram_streaming_efficiency(spec: &DramSpec) -> f64 {
    static MEMO: SpecMemo = SpecMemo::new();
    MEMO.get_or_measure(spec, measure_streaming_efficiency)
}

fn measure_streaming_efficiency(spec: &DramSpec) -> f64 {
    let req = spec.request_bytes().max(1);
    let requests: Vec<dram::TraceRequest> = (0..EFFICIENCY_PROBE_BYTES / req)
        .map(|i| dram::TraceRequest {
            addr: i * req,
            is_write: false,
            cycle: 0,
        })
        .collect();
    let report = dram::run_trace(spec, &requests);
    let peak = spec.peak_bandwidth_gbps();
    if peak > 0.0 && report.bandwidth_gbps.is_finite() {
        (report.bandwidth_gbps / peak).clamp(0.01, 1.0)
    } else {
        1.0
    }
}

/// Time one read takes on an idle DRAM model (activate, CAS latency, burst), seconds. A
/// pipeline whose reads wait for writes (a small staging buffer) pays it once per round trip.
/// Measured once per distinct DRAM spec with `dram::run_trace`, as the engine measures it.
pub fn dram_unloaded_latency_s(spec: &DramSpec) -> f64 {
    static MEMO: SpecMemo = SpecMemo::new();
    MEMO.get_or_measure(spec, measure_unloaded_latency_s)
}

fn measure_unloaded_latency_s(spec: &DramSpec) -> f64 {
    let report = dram::run_trace(
        spec,
        &[dram::TraceRequest {
            addr: 0,
            is_write: false,
            cycle: 0,
        }],
    );
    let latency = report.cycles as f64 * report.tck_ns * 1e-9;
    if latency.is_finite() {
        latency.max(0.0)
    } else {
        0.0
    }
}

/// Most DRAM specs a [`SpecMemo`] remembers; a sweep varies a handful, and a random search
/// over DRAM parameters must not grow the memo without end.
const SPEC_MEMO_ENTRIES: usize = 64;

/// A process-wide memo of one figure per DRAM spec, compared by value (a design point's
/// hot path must not format the spec to look it up), oldest entry evicted first.
struct SpecMemo(Mutex<Vec<(DramSpec, f64)>>);

impl SpecMemo {
    const fn new() -> SpecMemo {
        SpecMemo(Mutex::new(Vec::new()))
    }

    fn get_or_measure(&self, spec: &DramSpec, measure: fn(&DramSpec) -> f64) -> f64 {
        if let Some(v) = self
            .0
            .lock()
            .ok()
            .and_then(|m| m.iter().find(|(s, _)| s == spec).map(|(_, v)| *v))
        {
            return v;
        }
        let v = measure(spec);
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= SPEC_MEMO_ENTRIES {
                m.remove(0);
            }
            m.push((spec.clone(), v));
        }
        v
    }
}
