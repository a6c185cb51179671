//! DRAMsim3-format traces (`0xADDR READ|WRITE cycle`, one request per line) and a runner that
//! plays one through a [`DramSystem`] to completion.

use crate::error::DramError;
use crate::spec::DramSpec;
use crate::stats::DramStats;
use crate::system::DramSystem;
use serde::Serialize;
use std::path::Path;

/// One trace request: a burst at `addr`, issued no earlier than DRAM cycle `cycle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceRequest {
    pub addr: u64,
    pub is_write: bool,
    pub cycle: u64,
}

/// Latest issue cycle a trace may name: 2^40 cycles is minutes of host time for the controller
/// to step through (refreshes keep coming while idle), and hours of DRAM time.
pub const MAX_TRACE_CYCLE: u64 = 1 << 40;

/// Parses trace text. Blank lines and lines starting with `#` are skipped. The address is hex
/// (with or without `0x`), the operation `READ` or `WRITE` (also `R`/`W`, any case), the cycle
/// a decimal integer.
pub fn parse_trace(text: &str, origin: &str) -> Result<Vec<TraceRequest>, DramError> {
    let mut out = Vec::with_capacity(text.len() / 24);
    for (i, line) in text.lines().enumerate() {
        let s = line.trim();
        if s.is_empty() || s.starts_with('#') {
            continue;
        }
        let err = |message: String| DramError::Trace {
            path: origin.to_string(),
            line: i + 1,
            message,
        };
        let mut parts = s.split_whitespace();
        let (Some(a), Some(op), Some(c), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err(format!(
                "expected `0xADDR READ|WRITE cycle`, got `{s}`"
            )));
        };
        let hex = a
            .strip_prefix("0x")
            .or_else(|| a.strip_prefix("0X"))
            .unwrap_or(a);
        let addr = u64::from_str_radix(hex, 16)
            .map_err(|_| err(format!("address `{a}` is not a 64-bit hexadecimal number")))?;
        // Compared without case and without allocating: traces run to millions of lines.
        let is = |names: [&str; 3]| names.iter().any(|n| op.eq_ignore_ascii_case(n));
        let is_write = if is(["READ", "R", "RD"]) {
            false
        } else if is(["WRITE", "W", "WR"]) {
            true
        } else {
            return Err(err(format!("operation `{op}` is not READ or WRITE")));
        };
        let cycle = c
            .parse::<u64>()
            .map_err(|_| err(format!("cycle `{c}` is not a non-negative integer")))?;
        if cycle > MAX_TRACE_CYCLE {
            return Err(err(format!(
                "cycle {cycle} is too late; allowed 0..={MAX_TRACE_CYCLE}"
            )));
        }
        out.push(TraceRequest {
            addr,
            is_write,
            cycle,
        });
    }
    Ok(out)
}

/// Reads and parses a trace file.
pub fn read_trace_file(path: &Path) -> Result<Vec<TraceRequest>, DramError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| DramError::Io {
        path: shown.clone(),
        source,
    })?;
    parse_trace(&text, &shown)
}

/// Result of running a trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceReport {
    pub requests: u64,
    pub request_bytes: u64,
    /// DRAM cycle at which the last request completed.
    pub cycles: u64,
    pub tck_ns: f64,
    /// requests × request_bytes / (cycles × tCK).
    pub bandwidth_gbps: f64,
    pub avg_read_latency_cycles: f64,
    pub row_hits: u64,
    pub activates: u64,
    pub refreshes: u64,
    pub energy_pj: f64,
    #[serde(skip)]
    pub stats: DramStats,
}

/// Plays `requests` in order: each enters the controller at the first cycle ≥ its `cycle` at
/// which its queue has room and every earlier request has entered (as DRAMsim3's trace front
/// end does, except that several may enter in one cycle). Runs until all complete.
pub fn run_trace(spec: &DramSpec, requests: &[TraceRequest]) -> TraceReport {
    let mut sys = DramSystem::new(spec);
    run_on(&mut sys, requests)
}

/// [`run_trace`] on a given system (e.g. one with the command log enabled).
pub fn run_on(sys: &mut DramSystem, requests: &[TraceRequest]) -> TraceReport {
    // Only the counters and the last completion cycle are reported: completions need not wake
    // the controllers (same commands, same cycles, fewer simulated cycles with nothing to do).
    sys.set_lazy_completions(true);
    let mut completed = Vec::with_capacity(64);
    let mut next = 0usize;
    loop {
        let now = sys.cycle();
        let mut blocked = false;
        while let Some(r) = requests.get(next) {
            if r.cycle > now {
                break;
            }
            if !sys.try_enqueue(r.addr, r.is_write, next as u64) {
                blocked = true;
                break;
            }
            next += 1;
        }
        if next == requests.len() && sys.is_idle() {
            break;
        }
        let mut target = sys.next_event_cycle();
        if let Some(r) = requests.get(next) {
            if !blocked {
                target = target.min(r.cycle.max(now));
            }
        }
        if target > now {
            sys.advance_to(target, &mut completed);
        } else {
            sys.tick(&mut completed);
        }
        completed.clear();
    }
    sys.set_lazy_completions(false);
    let last_completion = sys.last_completion();
    let s = sys.stats().clone();
    let spec = sys.spec();
    let n = requests.len() as u64;
    let seconds_ns = last_completion as f64 * spec.tck_ns();
    TraceReport {
        requests: n,
        request_bytes: spec.request_bytes(),
        cycles: last_completion,
        tck_ns: spec.tck_ns(),
        bandwidth_gbps: if seconds_ns > 0.0 {
            (n * spec.request_bytes()) as f64 / seconds_ns
        } else {
            0.0
        },
        avg_read_latency_cycles: s.avg_read_latency_cycles(),
        row_hits: s.row_hits,
        activates: s.activates,
        refreshes: s.refreshes,
        energy_pj: s.energy_pj,
        stats: s,
    }
}
