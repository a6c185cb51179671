//! The cycle-level DRAM model: JEDEC timing, FR-FCFS scheduling with open pages, refresh and
//! IDD-based energy. Reads DRAMsim3 `.ini` configs and runs DRAMsim3-format traces.
//!
//! The controller follows DRAMsim3's structure (read queue and write buffer, per-bank or
//! per-rank command queues, round-robin over queues, first ready command per queue, on-demand
//! precharge with a row-hit cap of 4, refresh that drains the rank first), so that its results
//! can be checked against DRAMsim3's on the same `.ini` and trace.

pub mod address;
mod channel;
pub mod checker;
pub mod command;
mod controller;
pub mod energy;
pub mod error;
pub mod ini;
pub mod presets;
mod refresh;
pub mod spec;
pub mod stats;
mod system;
pub mod timing;
pub mod trace;

pub use address::{AddressMapping, Location};
pub use checker::{check_command_log, CheckSummary, TimingViolation};
pub use command::{CommandKind, CommandRecord};
pub use energy::EnergyIncrements;
pub use error::DramError;
pub use spec::{
    ControllerConfig, DramSpec, IddCurrents, Organization, Power, Protocol, QueueStructure,
    RefreshPolicy, RowBufferPolicy, Timing,
};
pub use stats::{DramStats, EnergyBreakdown};
pub use system::DramSystem;
pub use trace::{parse_trace, read_trace_file, run_on, run_trace, TraceReport, TraceRequest};
