//! The engine: executes Programs on a hardware configuration and reports time, work and energy.
//!
//! Time is kept in integer picoseconds: the accelerator cycle is `round(1e6 / freq_mhz)` ps and
//! the DRAM cycle is the DRAM's `tck_ps`. The engine is event-driven (time jumps to the next task
//! finish or DRAM clock edge, see `sched.rs`) and holds the live DRAM model, so programs run
//! back to back on one `Engine` (prefill, then each decode step) with DRAM state — open rows,
//! refresh timers, background energy — carried from one to the next.
//!
//! Two fidelities share the scheduler: `Cycle` feeds DRAM tasks request by request to the
//! cycle-level DRAM model; `Analytic` times each DRAM task in closed form (burst bytes at peak
//! bandwidth, plus the DRAM's measured unloaded latency) and charges DRAM energy per bit.
//!
//! Every task and every DRAM request of a program is simulated; the engine has no shortcut of
//! its own. A caller that wants fewer (a few layers or steps standing for many) builds the
//! smaller programs itself (`cimsim`'s run module samples that way).

mod cost;
mod dram_port;
mod idle;
mod sched;
#[cfg(test)]
mod simple_dram;
mod stats;
#[cfg(test)]
mod tests;
mod timeline;

pub use idle::DRAM_IDLE_CAUSES;
pub use stats::{PhaseStats, RunTotals};
pub use timeline::{resource_name, TimelineEvent};

use crate::components::{
    clock_period_ps, energy_scale_or_nominal, peak_macs_per_s, static_power_mw, total_macros,
};
use crate::config::{HardwareConfig, HardwareKind};
use crate::program::Program;

use cost::CostModel;
use dram_port::{DramCounters, DramModel, DramPort};
use sched::Scratch;
use stats::{busy_map, class_map, energy_map, utilization, EnergyKind};

/// How closely the engine models the hardware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fidelity {
    /// DRAM simulated command by command; macros, vector unit and interconnect as resources
    /// with occupancy and dependencies.
    #[default]
    Cycle,
    /// Same scheduling, but each DRAM task takes its burst bytes at peak bandwidth plus the
    /// unloaded latency, without a DRAM command model.
    Analytic,
}

/// Options of one engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EngineOptions {
    pub fidelity: Fidelity,
    /// Record one [`TimelineEvent`] per task in [`PhaseStats::timeline`].
    pub record_timeline: bool,
}

/// Guards that turn runaway inputs into errors instead of exhausted memory or endless loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineLimits {
    pub max_tasks_per_program: u64,
    /// Timeline events kept per program when recording (each is 40 bytes).
    pub max_timeline_events: u64,
    /// Task events plus DRAM cycles simulated in one program.
    pub max_events_per_program: u64,
    /// DRAM cycles with requests outstanding but none completing before the model is declared
    /// stuck.
    pub dram_stall_cycles: u64,
}

impl Default for EngineLimits {
    fn default() -> Self {
        EngineLimits {
            max_tasks_per_program: 1 << 31,
            max_timeline_events: 20_000_000,
            max_events_per_program: 1 << 40,
            dram_stall_cycles: 10_000_000,
        }
    }
}

/// Why a program could not be executed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error(
        "task {task} depends on task {dep}, which does not come before it; every dependency \
         must point to an earlier task"
    )]
    ForwardDependency { task: u32, dep: u32 },
    #[error("task {task}: {reason}")]
    InvalidProgram { task: u32, reason: String },
    #[error(
        "task {task} asks for {macros} macros but the configuration has {available} \
         (chip.tiles x chip.macros_per_tile); a macro task needs 1 to {available} macros"
    )]
    TooManyMacros {
        task: u32,
        macros: u32,
        available: u64,
    },
    #[error(
        "deadlock: task {task} can never start ({finished} of {total} tasks finished; it still \
         waits on tasks {waiting_on:?})"
    )]
    Deadlock {
        task: u32,
        finished: u64,
        total: u64,
        waiting_on: Vec<u32>,
    },
    #[error(
        "{what}: {count} is over the engine's limit of {limit}; split the workload (fewer tokens \
         or layers per program) or turn off timeline recording"
    )]
    TooManyEvents {
        what: &'static str,
        count: u64,
        limit: u64,
    },
    #[error(
        "the DRAM model completed no request for {cycles} cycles while requests were outstanding \
         (at {at_ps} ps); the DRAM configuration cannot make progress"
    )]
    DramStalled { cycles: u64, at_ps: u64 },
    #[error("the DRAM model reported completion of request tag {tag}, which was not outstanding")]
    DramProtocol { tag: u64 },
    #[error(
        "configuration `{name}` is a roofline device (kind = \"roofline\"); the engine simulates \
         CIM designs only"
    )]
    Roofline { name: String },
    #[error("configuration `{name}`: {reason}")]
    Config { name: String, reason: String },
    #[error(
        "an earlier program failed on this engine, so its state is undefined; create a new engine"
    )]
    Poisoned,
}

/// Closed-form DRAM timing and energy for the analytic fidelity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AnalyticDram {
    request_bytes: u64,
    peak_bandwidth_gbps: f64,
    latency_ps: u64,
    /// The DRAM energy method in closed form (the same IDD increments as the cycle model).
    energy: dram::EnergyRates,
}

impl AnalyticDram {
    /// (DRAM-resource occupancy, task duration) of `bursts` bursts, ps.
    pub(crate) fn timing(&self, bursts: u64) -> (u64, u64) {
        if bursts == 0 {
            return (0, 0);
        }
        // GB/s is bytes per ns, so bytes x 1000 / GB/s is ps.
        let bytes = bursts.saturating_mul(self.request_bytes) as f64;
        let occupancy = (bytes * 1000.0 / self.peak_bandwidth_gbps.max(1e-9)).ceil() as u64;
        (occupancy, occupancy.saturating_add(self.latency_ps))
    }

    /// Dynamic DRAM energy of `bursts` read (or written) bursts, by term (act_pre,
    /// read_write, io, refresh, background: the last two are 0, charged per phase).
    pub(crate) fn energy_pj(&self, bursts: u64, is_write: bool) -> [(&'static str, f64); 5] {
        let bytes = bursts.saturating_mul(self.request_bytes);
        let (r, w) = if is_write { (0, bytes) } else { (bytes, 0) };
        self.energy.phase_pj(r, w, 0.0, 0.0)
    }
}

/// The DRAM model and its figures, as the engine needs them.
pub(crate) struct DramParts {
    pub(crate) model: Box<dyn DramModel + Send>,
    pub(crate) tck_ps: u64,
    pub(crate) request_bytes: u64,
    pub(crate) peak_bandwidth_gbps: f64,
    /// The DRAM energy method in closed form, for the analytic fidelity.
    pub(crate) energy_rates: dram::EnergyRates,
    /// Flat DRAM energy per bit when the DRAM spec uses one instead of IDD currents.
    pub(crate) energy_pj_per_bit: Option<f64>,
    /// A fresh model of the same kind, to measure the unloaded latency on.
    pub(crate) probe: Box<dyn DramModel + Send>,
    /// Time one refresh command blocks the DRAM, averaged over its ranks: `tRFC / (channels x
    /// ranks)`, ps (each refresh blocks one rank of one channel).
    pub(crate) refresh_blocked_ps: f64,
}

/// Executes Programs on one hardware configuration; see the module documentation.
pub struct Engine {
    cfg: HardwareConfig,
    opts: EngineOptions,
    limits: EngineLimits,
    cost: CostModel,
    dram: Option<DramPort>,
    analytic_dram: AnalyticDram,
    request_bytes: u64,
    tck_ps: u64,
    unloaded_dram_latency_ps: u64,
    total_macros: u64,
    peak_macs_per_s: f64,
    static_power_mw: f64,
    /// `(V / V_nominal)²` at the configured clock (see `components::voltage`).
    dynamic_energy_scale: f64,
    dram_energy_pj_per_bit: Option<f64>,
    refresh_blocked_ps: f64,
    now_ps: u64,
    totals: RunTotals,
    scratch: Scratch,
    poisoned: bool,
}

impl Engine {
    /// An engine for `cfg` (a CIM design) with an idle DRAM at time 0.
    pub fn new(cfg: &HardwareConfig, opts: EngineOptions) -> Result<Engine, EngineError> {
        if cfg.kind == HardwareKind::Roofline {
            return Err(EngineError::Roofline {
                name: cfg.name.clone(),
            });
        }
        let parts = real_dram(cfg)?;
        Engine::with_dram(cfg, opts, parts)
    }

    pub(crate) fn with_dram(
        cfg: &HardwareConfig,
        opts: EngineOptions,
        parts: DramParts,
    ) -> Result<Engine, EngineError> {
        let cycle_ps = clock_period_ps(cfg);
        let latency_cycles = measure_unloaded_latency(parts.probe);
        let tck_ps = parts.tck_ps.max(1);
        let unloaded_dram_latency_ps = latency_cycles.saturating_mul(tck_ps);
        // A flat pJ/bit from the configuration or from the DRAM preset itself.
        let dram_energy_pj_per_bit = cfg.dram.energy_pj_per_bit.or(parts.energy_pj_per_bit);
        let analytic_dram = AnalyticDram {
            request_bytes: parts.request_bytes.max(1),
            peak_bandwidth_gbps: parts.peak_bandwidth_gbps,
            latency_ps: unloaded_dram_latency_ps,
            energy: match dram_energy_pj_per_bit {
                Some(pj) => dram::EnergyRates {
                    read_pj_per_bit: pj,
                    write_pj_per_bit: pj,
                    flat: true,
                    ..dram::EnergyRates::default()
                },
                None => parts.energy_rates,
            },
        };
        let dram = match opts.fidelity {
            Fidelity::Cycle => Some(DramPort::new(parts.model, tck_ps, parts.request_bytes)),
            Fidelity::Analytic => None,
        };
        Ok(Engine {
            cfg: cfg.clone(),
            opts,
            limits: EngineLimits::default(),
            cost: CostModel::new(cfg, cycle_ps),
            dram,
            analytic_dram,
            request_bytes: parts.request_bytes.max(1),
            tck_ps,
            unloaded_dram_latency_ps,
            total_macros: total_macros(cfg),
            peak_macs_per_s: peak_macs_per_s(cfg, cfg.precision.activation_bits),
            static_power_mw: static_power_mw(cfg),
            dynamic_energy_scale: energy_scale_or_nominal(cfg).dynamic,
            dram_energy_pj_per_bit,
            refresh_blocked_ps: parts.refresh_blocked_ps,
            now_ps: 0,
            totals: RunTotals::new(),
            scratch: Scratch::default(),
            poisoned: false,
        })
    }

    /// Replaces the runaway guards.
    pub fn with_limits(mut self, limits: EngineLimits) -> Engine {
        self.limits = limits;
        self
    }

    /// Executes one program starting when the previous one finished; returns its stats.
    pub fn run(&mut self, program: &Program) -> Result<PhaseStats, EngineError> {
        if self.poisoned {
            return Err(EngineError::Poisoned);
        }
        let start_ps = self.now_ps;
        let before = self.dram_counters();
        let mut timeline = Vec::new();
        // Errors found before any task runs leave the engine usable; later ones poison it.
        let raw = self.execute(program, &mut timeline)?;
        // Bring an idle DRAM up to the end of the program so its background energy and
        // refreshes up to here are charged to this program.
        if let Some(port) = self.dram.as_mut() {
            port.align_idle_to(raw.end_ps);
        }
        let after = self.dram_counters();
        let dram = after.minus(&before);
        let stats = self.phase_stats(program, start_ps, &raw, dram, timeline);
        Ok(stats)
    }

    fn phase_stats(
        &mut self,
        program: &Program,
        start_ps: u64,
        raw: &sched::RawStats,
        dram: DramCounters,
        timeline: Vec<TimelineEvent>,
    ) -> PhaseStats {
        let time_ps = raw.end_ps - start_ps;
        let mut energy = raw.energy;
        let burst_bytes = (raw.read_bursts + raw.write_bursts) * self.request_bytes;
        match (self.opts.fidelity, self.dram_energy_pj_per_bit) {
            (Fidelity::Cycle, Some(pj_per_bit)) => {
                // The flat override has no breakdown: all of it is read/write.
                energy[EnergyKind::DramReadWrite as usize] = burst_bytes as f64 * 8.0 * pj_per_bit;
            }
            (Fidelity::Cycle, None) => {
                for (k, pj) in EnergyKind::DRAM.iter().zip(dram.energy_terms_pj) {
                    energy[*k as usize] = pj.max(0.0);
                }
            }
            // Dynamic energy charged per task by the analytic DRAM; refresh and background
            // power over the phase (busy while the DRAM resource was occupied).
            (Fidelity::Analytic, _) => {
                let busy_ns = raw.busy.busy_ps()[stats::BusyKind::Dram as usize] as f64 * 1e-3;
                let terms =
                    self.analytic_dram
                        .energy
                        .phase_pj(0, 0, busy_ns, time_ps as f64 * 1e-3);
                for (k, (_, pj)) in EnergyKind::DRAM.iter().zip(terms) {
                    energy[*k as usize] += pj;
                }
            }
        }
        // The cost model charges energies at the nominal operating point; the clock's supply
        // voltage scales the on-chip switching energy here, once per program.
        for kind in EnergyKind::ALL {
            if kind.scales_with_v_squared() {
                energy[kind as usize] *= self.dynamic_energy_scale;
            }
        }
        energy[EnergyKind::Leakage as usize] = self.static_power_mw * time_ps as f64 * 1e-3;
        let stats = PhaseStats {
            start_ps,
            time_ps,
            macs: raw.macs,
            macro_macs: raw.macro_macs,
            dram_read_bytes: raw.read_bytes,
            dram_write_bytes: raw.write_bytes,
            dram_read_bursts: raw.read_bursts,
            dram_write_bursts: raw.write_bursts,
            dram_read_burst_bytes: raw.read_bursts * self.request_bytes,
            dram_write_burst_bytes: raw.write_bursts * self.request_bytes,
            dram_bytes_by_class: class_map(&raw.class_bytes),
            dram_activates: dram.activates,
            dram_row_hits: dram.row_hits,
            dram_refreshes: dram.refreshes,
            energy_pj: energy_map(&energy),
            busy_ps: busy_map(&raw.busy.busy_ps()),
            dram_idle_ps: idle::idle_map(&raw.dram_idle),
            dram_refresh_ps: (dram.refreshes as f64 * self.refresh_blocked_ps).round() as u64,
            macro_utilization: utilization(raw.macro_macs, self.peak_macs_per_s, time_ps),
            tasks: program.tasks.len() as u64,
            dram_requests: raw.read_bursts + raw.write_bursts,
            timeline,
        };
        self.totals.add(&stats, self.peak_macs_per_s);
        stats
    }

    /// Totals over every program run so far (leakage over the total time, DRAM energy including
    /// background up to the end of the last program).
    pub fn finish(self) -> RunTotals {
        self.totals
    }

    /// Totals so far, without consuming the engine.
    pub fn totals(&self) -> &RunTotals {
        &self.totals
    }

    /// Absolute time the next program will start at, ps.
    pub fn now_ps(&self) -> u64 {
        self.now_ps
    }

    /// Accelerator clock period, ps.
    pub fn clock_period_ps(&self) -> u64 {
        self.cost.cycle_ps
    }

    /// DRAM clock period, ps.
    pub fn dram_tck_ps(&self) -> u64 {
        self.tck_ps
    }

    /// Bytes per DRAM request (one burst).
    pub fn dram_request_bytes(&self) -> u64 {
        self.request_bytes
    }

    /// Time from enqueueing one read on an idle DRAM to its completion, ps (measured once on a
    /// fresh model at construction).
    pub fn unloaded_dram_latency_ps(&self) -> u64 {
        self.unloaded_dram_latency_ps
    }

    /// Peak macro MAC rate used for utilisation.
    pub fn peak_macs_per_s(&self) -> f64 {
        self.peak_macs_per_s
    }

    pub fn options(&self) -> EngineOptions {
        self.opts
    }

    pub fn config(&self) -> &HardwareConfig {
        &self.cfg
    }

    fn dram_counters(&self) -> DramCounters {
        self.dram
            .as_ref()
            .map(|p| p.model.counters())
            .unwrap_or_default()
    }
}

/// Enqueues one read on a fresh model at cycle 0 and counts cycles until it completes.
fn measure_unloaded_latency(mut probe: Box<dyn DramModel + Send>) -> u64 {
    let start = probe.cycle();
    if !probe.try_enqueue(0, false, 0) {
        return 0;
    }
    let mut completed = Vec::with_capacity(4);
    // A sane model answers within far fewer cycles; the cap keeps a broken one from hanging.
    for _ in 0..1_000_000u32 {
        probe.tick(&mut completed);
        if !completed.is_empty() {
            return probe.cycle() - start;
        }
    }
    0
}

/// The configured DRAM (preset, channels, optional pJ/bit) as a cycle-level model.
fn real_dram(cfg: &HardwareConfig) -> Result<DramParts, EngineError> {
    let spec = cfg.dram_spec().map_err(|e| EngineError::Config {
        name: cfg.name.clone(),
        reason: e.to_string(),
    })?;
    Ok(DramParts {
        model: Box::new(dram::DramSystem::new(&spec)),
        probe: Box::new(dram::DramSystem::new(&spec)),
        tck_ps: spec.tck_ps(),
        request_bytes: spec.request_bytes(),
        peak_bandwidth_gbps: spec.peak_bandwidth_gbps(),
        energy_rates: dram::EnergyRates::of(&spec),
        energy_pj_per_bit: spec.power.energy_pj_per_bit,
        refresh_blocked_ps: (spec.timing.trfc * spec.tck_ps()) as f64
            / f64::from((spec.organization.channels * spec.organization.ranks).max(1)),
    })
}
