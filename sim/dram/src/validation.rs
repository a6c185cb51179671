//! The side-by-side check against DRAMsim3 (`validation/run.sh` produces the reference,
//! `tests/dramsim3_fixture.rs` checks it): the three trace kinds every accepted DRAMsim3
//! configuration is run on, and the reference CSV's format.
//!
//! Traces: 20,000 requests each, all issued at cycle 0 (each enters as soon as the controller
//! accepts it), drawn by [`crate::synthetic`] with its default seed: `stream` (sequential reads
//! from address 0), `random` (uniform random reads over the capacity) and `mixed` (random, one
//! request in four a write). Completion cycle = the last request's completion, RD issue + RL +
//! burst or WR issue + WL + burst, on both sides.

use crate::spec::DramSpec;
use crate::synthetic::{synthetic_trace, TraceKind, DEFAULT_SEED};
use crate::trace::TraceRequest;

/// Requests per validation trace.
pub const REQUESTS: u64 = 20_000;

/// Share of writes in the mixed trace.
pub const MIXED_WRITE_SHARE: f64 = 0.25;

/// Names of the trace kinds, in fixture order.
pub const KINDS: [&str; 3] = ["stream", "random", "mixed"];

/// The validation trace `kind` (one of [`KINDS`]) for `spec`; `None` for another name.
pub fn trace(spec: &DramSpec, kind: &str) -> Option<Vec<TraceRequest>> {
    let k = match kind {
        "stream" => TraceKind::Sequential,
        "random" => TraceKind::Random,
        "mixed" => TraceKind::Mixed {
            write_share: MIXED_WRITE_SHARE,
        },
        _ => return None,
    };
    Some(synthetic_trace(spec, k, REQUESTS, DEFAULT_SEED))
}

/// What one validation run measures on cimsim's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    /// Last completion of any request.
    pub cycles: u64,
    /// Last completion of a read (RD issue + RL + burst).
    pub last_read: u64,
    pub row_hits: u64,
    pub activates: u64,
}

/// Runs `requests` on `spec` with the command log on and measures them.
pub fn measure(spec: &DramSpec, requests: &[TraceRequest]) -> Measured {
    let mut sys = crate::DramSystem::new(spec);
    sys.enable_command_log();
    let r = crate::run_on(&mut sys, requests);
    let read_delay = spec.read_latency() + spec.burst_cycles();
    let last_read = sys
        .command_log()
        .iter()
        .filter(|c| c.kind.is_read())
        .map(|c| c.cycle + read_delay)
        .max()
        .unwrap_or(0);
    Measured {
        cycles: r.cycles,
        last_read,
        row_hits: r.row_hits,
        activates: r.activates,
    }
}

/// DRAMsim3-format text of a trace (`0xADDR READ|WRITE cycle` per line).
pub fn trace_text(requests: &[TraceRequest]) -> String {
    let mut out = String::with_capacity(requests.len() * 24);
    for r in requests {
        let op = if r.is_write { "WRITE" } else { "READ" };
        out.push_str(&format!("0x{:x} {op} {}\n", r.addr, r.cycle));
    }
    out
}

/// Header of the reference CSV (`validation/dramsim3_reference.csv`).
pub const CSV_HEADER: &str = "config,protocol,trace,dramsim3_cycles,dramsim3_row_hits,\
dramsim3_activates,cimsim_cycles,cimsim_row_hits,cimsim_activates,error_pct";

/// Relative completion-cycle error in percent: (cimsim − DRAMsim3) / DRAMsim3 × 100.
pub fn error_pct(cimsim_cycles: u64, dramsim3_cycles: u64) -> f64 {
    if dramsim3_cycles == 0 {
        return 0.0;
    }
    (cimsim_cycles as f64 - dramsim3_cycles as f64) / dramsim3_cycles as f64 * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_relative_to_dramsim3() {
        // 1,010 against 1,000 cycles: +1.0 %.
        assert!((error_pct(1010, 1000) - 1.0).abs() < 1e-12);
        assert!((error_pct(990, 1000) + 1.0).abs() < 1e-12);
    }

    #[test]
    fn traces_have_the_stated_size_and_mix() {
        let spec = crate::presets::get("lpddr4-3200").unwrap();
        for k in KINDS {
            assert_eq!(trace(&spec, k).unwrap().len() as u64, REQUESTS);
        }
        let mixed = trace(&spec, "mixed").unwrap();
        let writes = mixed.iter().filter(|r| r.is_write).count() as f64;
        assert!((writes / REQUESTS as f64 - MIXED_WRITE_SHARE).abs() < 0.02);
        assert!(trace(&spec, "other").is_none());
        assert_eq!(trace_text(&mixed[..1]).lines().count(), 1);
    }
}
