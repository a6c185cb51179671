//! Statistics of one executed program ([`PhaseStats`]) and of a whole run ([`RunTotals`]), and the
//! fixed-size accumulators the event loop fills (plain arrays indexed by small enums, so the hot
//! loop neither hashes nor allocates; the string-keyed maps are built once per program).

use std::collections::BTreeMap;

use super::timeline::TimelineEvent;

/// Energy components, in the order of [`EnergyKind::ALL`]; their names are the keys of
/// [`PhaseStats::energy_pj`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnergyKind {
    /// DRAM ACT/PRE.
    DramActPre = 0,
    /// DRAM read and write bursts, core supply (a flat `dram.energy_pj_per_bit`: all of it).
    DramReadWrite = 1,
    /// DRAM I/O (VDDQ).
    DramIo = 2,
    DramRefresh = 3,
    /// DRAM standby, power-down and self-refresh.
    DramBackground = 4,
    MacroCompute = 5,
    MacroWrite = 6,
    Vector = 7,
    Interconnect = 8,
    Buffer = 9,
    Leakage = 10,
    /// The dedicated attention array's MACs.
    Attention = 11,
}

/// Number of [`EnergyKind`]s.
pub(crate) const ENERGY_KINDS: usize = 12;

impl EnergyKind {
    pub(crate) const ALL: [EnergyKind; ENERGY_KINDS] = [
        EnergyKind::DramActPre,
        EnergyKind::DramReadWrite,
        EnergyKind::DramIo,
        EnergyKind::DramRefresh,
        EnergyKind::DramBackground,
        EnergyKind::MacroCompute,
        EnergyKind::MacroWrite,
        EnergyKind::Vector,
        EnergyKind::Interconnect,
        EnergyKind::Buffer,
        EnergyKind::Leakage,
        EnergyKind::Attention,
    ];

    /// On-chip switching energy, which scales with the supply voltage squared (DRAM is
    /// off-chip; leakage scales with the voltage itself, in the static power).
    pub(crate) fn scales_with_v_squared(self) -> bool {
        match self {
            EnergyKind::MacroCompute
            | EnergyKind::MacroWrite
            | EnergyKind::Vector
            | EnergyKind::Interconnect
            | EnergyKind::Buffer
            | EnergyKind::Attention => true,
            EnergyKind::DramActPre
            | EnergyKind::DramReadWrite
            | EnergyKind::DramIo
            | EnergyKind::DramRefresh
            | EnergyKind::DramBackground
            | EnergyKind::Leakage => false,
        }
    }

    /// The DRAM kinds, in the order of `dram::EnergyBreakdown::terms` (act_pre, read_write,
    /// io, refresh, background). Every energy key starting with `dram` is off-chip energy.
    pub(crate) const DRAM: [EnergyKind; 5] = [
        EnergyKind::DramActPre,
        EnergyKind::DramReadWrite,
        EnergyKind::DramIo,
        EnergyKind::DramRefresh,
        EnergyKind::DramBackground,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            EnergyKind::DramActPre => "dram_act_pre",
            EnergyKind::DramReadWrite => "dram_read_write",
            EnergyKind::DramIo => "dram_io",
            EnergyKind::DramRefresh => "dram_refresh",
            EnergyKind::DramBackground => "dram_background",
            EnergyKind::MacroCompute => "macro_compute",
            EnergyKind::MacroWrite => "macro_write",
            EnergyKind::Vector => "vector",
            EnergyKind::Interconnect => "interconnect",
            EnergyKind::Buffer => "buffer",
            EnergyKind::Leakage => "leakage",
            EnergyKind::Attention => "attention",
        }
    }
}

/// Kinds of work whose busy time is reported; the names are the keys of [`PhaseStats::busy_ps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BusyKind {
    Dram = 0,
    MacroWrite = 1,
    MacroCompute = 2,
    Vector = 3,
    Interconnect = 4,
    Attention = 5,
}

impl BusyKind {
    pub(crate) const ALL: [BusyKind; 6] = [
        BusyKind::Dram,
        BusyKind::MacroWrite,
        BusyKind::MacroCompute,
        BusyKind::Vector,
        BusyKind::Interconnect,
        BusyKind::Attention,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            BusyKind::Dram => "dram",
            BusyKind::MacroWrite => "macro_write",
            BusyKind::MacroCompute => "macro_compute",
            BusyKind::Vector => "vector",
            BusyKind::Interconnect => "interconnect",
            BusyKind::Attention => "attention",
        }
    }
}

/// Busy time per kind as the *union* of the intervals during which at least one task of that
/// kind was running (so parallel macro groups do not count twice and busy ≤ elapsed time).
#[derive(Debug, Clone, Default)]
pub(crate) struct BusyTracker {
    active: [u32; 6],
    since_ps: [u64; 6],
    busy_ps: [u64; 6],
}

impl BusyTracker {
    pub(crate) fn start(&mut self, kind: BusyKind, now_ps: u64) {
        let k = kind as usize;
        if self.active[k] == 0 {
            self.since_ps[k] = now_ps;
        }
        self.active[k] += 1;
    }

    pub(crate) fn end(&mut self, kind: BusyKind, now_ps: u64) {
        let k = kind as usize;
        debug_assert!(self.active[k] > 0, "busy end without start");
        self.active[k] = self.active[k].saturating_sub(1);
        if self.active[k] == 0 {
            self.busy_ps[k] += now_ps.saturating_sub(self.since_ps[k]);
        }
    }

    pub(crate) fn busy_ps(&self) -> [u64; 6] {
        self.busy_ps
    }
}

/// What one program (prefill, or one decode step) did and cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhaseStats {
    /// Absolute time the program started (the previous program's finish), in ps.
    pub start_ps: u64,
    /// Elapsed time from start to the finish of its last task.
    pub time_ps: u64,
    /// MACs executed: macro computes plus vector MAC work (equals [`crate::program::Program::macs`]).
    pub macs: u64,
    /// MACs executed on the CIM macros only.
    pub macro_macs: u64,
    /// Bytes the program asked the DRAM to read / write (before rounding to bursts).
    pub dram_read_bytes: u64,
    pub dram_write_bytes: u64,
    /// DRAM requests (bursts of `request_bytes`) actually issued; bytes moved = bursts x request bytes.
    pub dram_read_bursts: u64,
    pub dram_write_bursts: u64,
    /// Bytes in those bursts.
    pub dram_read_burst_bytes: u64,
    pub dram_write_burst_bytes: u64,
    /// Requested bytes per data class and direction: `weights_read`, `kv_cache_read`,
    /// `kv_cache_write`, `activations_read`, `activations_write`, ...
    pub dram_bytes_by_class: BTreeMap<String, u64>,
    /// Row activations, row-buffer hits and refreshes the DRAM model counted during the program
    /// (0 at `analytic` fidelity, which does not model rows).
    pub dram_activates: u64,
    pub dram_row_hits: u64,
    pub dram_refreshes: u64,
    /// Energy by component, pJ: `dram`, `macro_compute`, `macro_write`, `vector`,
    /// `interconnect`, `buffer`, `leakage` (all keys always present).
    pub energy_pj: BTreeMap<String, f64>,
    /// Busy time by kind of work, ps: `dram`, `macro_write`, `macro_compute`, `vector`,
    /// `interconnect`; each is the time at least one task of that kind was running.
    pub busy_ps: BTreeMap<String, u64>,
    /// Time no DRAM task was in flight, by what the DRAM waited for, ps: `buffer_full`,
    /// `macros_computing`, `vector_work`, `op_boundary`, `step_boundary` (all keys always
    /// present; see `engine::idle`). They add up to `time_ps - busy_ps["dram"]`.
    pub dram_idle_ps: BTreeMap<String, u64>,
    /// Time the DRAM's refreshes blocked it, averaged over its ranks (refreshes x tRFC ÷
    /// ranks); 0 at `analytic` fidelity. Refreshes fall in busy and idle time alike: not an idle
    /// cause.
    pub dram_refresh_ps: u64,
    /// Macro MACs ÷ (peak macro MAC rate x elapsed time), in [0, 1].
    pub macro_utilization: f64,
    /// Tasks executed and DRAM requests issued (work counters for performance reports).
    pub tasks: u64,
    pub dram_requests: u64,
    /// One event per task when the engine records a timeline, otherwise empty.
    pub timeline: Vec<TimelineEvent>,
}

impl PhaseStats {
    /// Sum of all energy components, pJ.
    pub fn total_energy_pj(&self) -> f64 {
        self.energy_pj.values().sum()
    }

    /// Finish time of the program (absolute ps).
    pub fn end_ps(&self) -> u64 {
        self.start_ps + self.time_ps
    }
}

/// Totals over every program an [`super::Engine`] ran, back to back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunTotals {
    /// Programs executed.
    pub phases: u64,
    pub time_ps: u64,
    pub macs: u64,
    pub macro_macs: u64,
    pub dram_read_bytes: u64,
    pub dram_write_bytes: u64,
    pub dram_read_bursts: u64,
    pub dram_write_bursts: u64,
    pub dram_read_burst_bytes: u64,
    pub dram_write_burst_bytes: u64,
    pub dram_bytes_by_class: BTreeMap<String, u64>,
    pub dram_activates: u64,
    pub dram_row_hits: u64,
    pub dram_refreshes: u64,
    /// Energy by component over the whole run, pJ (leakage over the total time; DRAM including
    /// background energy up to the end of the last program).
    pub energy_pj: BTreeMap<String, f64>,
    pub busy_ps: BTreeMap<String, u64>,
    pub dram_idle_ps: BTreeMap<String, u64>,
    pub dram_refresh_ps: u64,
    pub macro_utilization: f64,
    pub tasks: u64,
    pub dram_requests: u64,
}

impl RunTotals {
    pub(crate) fn new() -> RunTotals {
        RunTotals {
            energy_pj: EnergyKind::ALL
                .iter()
                .map(|k| (k.name().to_string(), 0.0))
                .collect(),
            busy_ps: BusyKind::ALL
                .iter()
                .map(|k| (k.name().to_string(), 0))
                .collect(),
            ..RunTotals::default()
        }
    }

    /// Adds one program's statistics.
    pub(crate) fn add(&mut self, p: &PhaseStats, peak_macs_per_s: f64) {
        self.phases += 1;
        self.time_ps += p.time_ps;
        self.macs += p.macs;
        self.macro_macs += p.macro_macs;
        self.dram_read_bytes += p.dram_read_bytes;
        self.dram_write_bytes += p.dram_write_bytes;
        self.dram_read_bursts += p.dram_read_bursts;
        self.dram_write_bursts += p.dram_write_bursts;
        self.dram_read_burst_bytes += p.dram_read_burst_bytes;
        self.dram_write_burst_bytes += p.dram_write_burst_bytes;
        for (k, v) in &p.dram_bytes_by_class {
            *self.dram_bytes_by_class.entry(k.clone()).or_insert(0) += v;
        }
        self.dram_activates += p.dram_activates;
        self.dram_row_hits += p.dram_row_hits;
        self.dram_refreshes += p.dram_refreshes;
        for (k, v) in &p.energy_pj {
            *self.energy_pj.entry(k.clone()).or_insert(0.0) += v;
        }
        for (k, v) in &p.busy_ps {
            *self.busy_ps.entry(k.clone()).or_insert(0) += v;
        }
        for (k, v) in &p.dram_idle_ps {
            *self.dram_idle_ps.entry(k.clone()).or_insert(0) += v;
        }
        self.dram_refresh_ps += p.dram_refresh_ps;
        self.tasks += p.tasks;
        self.dram_requests += p.dram_requests;
        self.macro_utilization = utilization(self.macro_macs, peak_macs_per_s, self.time_ps);
    }

    /// Sum of all energy components, pJ.
    pub fn total_energy_pj(&self) -> f64 {
        self.energy_pj.values().sum()
    }
}

/// MACs ÷ (peak rate x time); 0 when no time elapsed or the peak is unknown.
pub(crate) fn utilization(macs: u64, peak_macs_per_s: f64, time_ps: u64) -> f64 {
    let capacity = peak_macs_per_s * time_ps as f64 * 1e-12;
    if capacity > 0.0 && capacity.is_finite() {
        macs as f64 / capacity
    } else {
        0.0
    }
}

/// Index into the per-class byte counters: class x direction.
pub(crate) fn class_slot(class: crate::program::DataClass, is_write: bool) -> usize {
    use crate::program::DataClass;
    let c = match class {
        DataClass::Weights => 0,
        DataClass::KvCache => 1,
        DataClass::Activations => 2,
        DataClass::State => 3,
    };
    c * 2 + usize::from(is_write)
}

pub(crate) const CLASS_SLOTS: usize = 8;

pub(crate) const CLASS_SLOT_NAMES: [&str; CLASS_SLOTS] = [
    "weights_read",
    "weights_write",
    "kv_cache_read",
    "kv_cache_write",
    "activations_read",
    "activations_write",
    "state_read",
    "state_write",
];

/// Builds the string-keyed maps of a [`PhaseStats`] from the fixed-size accumulators.
pub(crate) fn energy_map(energy: &[f64; ENERGY_KINDS]) -> BTreeMap<String, f64> {
    EnergyKind::ALL
        .iter()
        .map(|k| (k.name().to_string(), energy[*k as usize]))
        .collect()
}

pub(crate) fn busy_map(busy: &[u64; 6]) -> BTreeMap<String, u64> {
    BusyKind::ALL
        .iter()
        .map(|k| (k.name().to_string(), busy[*k as usize]))
        .collect()
}

pub(crate) fn class_map(bytes: &[u64; CLASS_SLOTS]) -> BTreeMap<String, u64> {
    CLASS_SLOT_NAMES
        .iter()
        .zip(bytes.iter())
        .filter(|(_, &b)| b > 0)
        .map(|(n, &b)| (n.to_string(), b))
        .collect()
}
