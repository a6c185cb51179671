//! The cycle-level DRAM model: JEDEC timing, FR-FCFS scheduling with open pages, refresh and
//! IDD-based energy. Reads DRAMsim3 `.ini` configs and runs DRAMsim3-format traces.
//!
//! The controller follows DRAMsim3's structure (read queue and write buffer, per-bank or
//! per-rank command queues, round-robin over queues, first ready command per queue, on-demand
//! precharge with a row-hit cap of 4, refresh that drains the rank first), so that its results
//! can be checked against DRAMsim3's on the same `.ini` and trace: on DRAMsim3's
//! `LPDDR4_8Gb_x16_2400.ini` and the reference traces it lands within 0.1% of DRAMsim3's
//! completion cycles (tests/reference.rs).
//!
//! Entry points: [`DramSpec`] (from [`presets::get`], a DRAMsim3 `.ini` or this crate's TOML),
//! [`DramSystem`] (`try_enqueue` one burst, `tick` one DRAM cycle, `skip_to` while idle,
//! `stats`), [`run_trace`] for DRAMsim3-format traces, and [`check_command_log`], an
//! independent JEDEC rule checker for the optional command log.
//!
//! Timing conventions: one request is one burst of `bus_width/8 × BL` bytes; a read completes
//! when its last data beat has been transferred (RD issue + AL + CL + burst), a write when its
//! data has been written (WR issue + AL + CWL + burst); a request spends one cycle moving from
//! the transaction queue to its command queue, so an unloaded read to a closed row takes
//! 1 + tRCD + RL + burst cycles. Energy is in pJ (DRAMsim3's V·mA·cycle products × tCK in ns).

pub mod address;
mod channel;
pub mod checker;
pub mod command;
mod controller;
pub mod energy;
pub mod error;
pub mod ini;
mod ini_keys;
pub mod phy;
pub mod presets;
mod presets_edge;
mod protocol;
mod refresh;
pub mod spec;
mod spec_check;
pub mod stats;
pub mod synthetic;
mod system;
pub mod timing;
pub mod trace;
pub mod validation;

pub use address::{AddressMapping, Location};
pub use checker::{check_command_log, CheckSummary, TimingViolation};
pub use command::{CommandKind, CommandRecord};
pub use energy::{EnergyIncrements, EnergyRates};
pub use error::DramError;
pub use phy::{phy_estimate, PhyEstimate};
pub use spec::{
    ControllerConfig, DramSpec, IddCurrents, Organization, Power, Protocol, QueueStructure,
    RefreshPolicy, RowBufferPolicy, Timing,
};
pub use stats::{DramStats, EnergyBreakdown};
pub use system::DramSystem;
pub use trace::{parse_trace, read_trace_file, run_on, run_trace, TraceReport, TraceRequest};

/// `8`, `0.5`, `1.25`: a number without trailing zeros (up to 3 decimals).
pub(crate) fn trim_number(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}
