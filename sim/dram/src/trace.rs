//! DRAMsim3-format traces (`0xADDR READ|WRITE cycle`, one request per line) and a runner that
//! plays one through a [`DramSystem`] to completion.

use crate::error::DramError;
use crate::spec::DramSpec;
use crate::stats::DramStats;
use crate::system::DramSystem;
use serde::Serialize;
use std::collections::BTreeMap;
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
/// a decimal integer. Fields are separated by whitespace (as `char::is_whitespace` defines it).
pub fn parse_trace(text: &str, origin: &str) -> Result<Vec<TraceRequest>, DramError> {
    let bytes = text.as_bytes();
    // About 17 bytes a line in a typical trace; a guess only saves reallocations.
    let mut out = Vec::with_capacity(bytes.len() / 16);
    let mut pos = 0;
    let mut line_no = 0;
    while pos < bytes.len() {
        line_no += 1;
        // Traces run to millions of lines: a line of the usual form (`0xADDR OP cycle`, single
        // spaces, no signs, at most 16 hex and 19 decimal digits) is read in one pass over its
        // bytes; any other line takes the general path, which gives it the same meaning.
        if let Some((r, next)) = canonical_line(bytes, pos) {
            out.push(r);
            pos = next;
            continue;
        }
        let end = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| pos + i);
        // Both ends are at ASCII characters (or the ends of the text), so on char boundaries.
        let line = text.get(pos..end).unwrap_or("");
        pos = end + 1;
        if let Some(r) = general_line(line, line_no, origin)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// One line of any form: `None` for a blank line or a comment.
fn general_line(
    line: &str,
    line_no: usize,
    origin: &str,
) -> Result<Option<TraceRequest>, DramError> {
    // ASCII lines are split without decoding characters.
    let mut fields = [""; 3];
    let count = if line.is_ascii() {
        ascii_fields(line, &mut fields)
    } else {
        let mut n = 0;
        for f in line.split_whitespace() {
            if n < 3 {
                fields[n] = f;
            }
            n += 1;
        }
        n
    };
    if count == 0 || fields[0].starts_with('#') {
        return Ok(None);
    }
    let err = |message: String| DramError::Trace {
        path: origin.to_string(),
        line: line_no,
        message,
    };
    if count != 3 {
        return Err(err(format!(
            "expected `0xADDR READ|WRITE cycle`, got `{}`",
            line.trim()
        )));
    }
    let [a, op, c] = fields;
    let hex = a
        .strip_prefix("0x")
        .or_else(|| a.strip_prefix("0X"))
        .unwrap_or(a);
    let addr = u64::from_str_radix(hex, 16)
        .map_err(|_| err(format!("address `{a}` is not a 64-bit hexadecimal number")))?;
    // Compared without case and without allocating.
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
    Ok(Some(TraceRequest {
        addr,
        is_write,
        cycle,
    }))
}

/// Value of each byte as a hex digit; 0xFF for other bytes.
const HEX_DIGIT: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The line starting at `pos` if it is exactly `HEX OP DEC` (optional `0x`/`0X`, 1-16 hex
/// digits; `READ`, `WRITE`, `R`, `W`, `RD` or `WR` in any case; 1-19 decimal digits, at most
/// `MAX_TRACE_CYCLE`) separated by single spaces and ended by LF, CR LF or the end of the
/// text, with the position of the next line; `None` for anything else.
fn canonical_line(bytes: &[u8], pos: usize) -> Option<(TraceRequest, usize)> {
    let line = bytes.get(pos..)?;
    let mut i = 0;
    if line.len() > 2 && line[0] == b'0' && (line[1] == b'x' || line[1] == b'X') {
        i = 2;
    }
    let start = i;
    let mut addr = 0u64;
    while let Some(&b) = line.get(i) {
        let d = HEX_DIGIT[usize::from(b)];
        if d == 0xFF {
            break;
        }
        if i - start == 16 {
            // A 17th digit could overflow: the general path decides.
            return None;
        }
        addr = (addr << 4) | u64::from(d);
        i += 1;
    }
    if i == start || line.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    let op_start = i;
    while line.get(i).is_some_and(|&b| b != b' ') {
        i += 1;
    }
    let op = &line[op_start..i];
    let is_write = if op.eq_ignore_ascii_case(b"READ")
        || op.eq_ignore_ascii_case(b"R")
        || op.eq_ignore_ascii_case(b"RD")
    {
        false
    } else if op.eq_ignore_ascii_case(b"WRITE")
        || op.eq_ignore_ascii_case(b"W")
        || op.eq_ignore_ascii_case(b"WR")
    {
        true
    } else {
        return None;
    };
    if line.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    let c_start = i;
    let mut cycle = 0u64;
    while let Some(&b) = line.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        if i - c_start == 19 {
            // A 20th digit could overflow: the general path decides.
            return None;
        }
        cycle = cycle * 10 + u64::from(b - b'0');
        i += 1;
    }
    if i == c_start || cycle > MAX_TRACE_CYCLE {
        return None;
    }
    let next = match line.get(i..) {
        Some([]) | Some([b'\r']) => line.len(),
        Some([b'\n', ..]) => i + 1,
        Some([b'\r', b'\n', ..]) => i + 2,
        _ => return None,
    };
    Some((
        TraceRequest {
            addr,
            is_write,
            cycle,
        },
        pos + next,
    ))
}

/// Splits an ASCII line at whitespace (the ASCII characters `char::is_whitespace` accepts:
/// space, tab, LF, vertical tab, form feed, CR) into its first three fields; returns how many
/// fields there are (counting on past three only as far as a fourth).
fn ascii_fields<'a>(line: &'a str, fields: &mut [&'a str; 3]) -> usize {
    let bytes = line.as_bytes();
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        if is_space(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !is_space(bytes[i]) {
            i += 1;
        }
        if n == 3 {
            return 4;
        }
        // Both ends are at ASCII characters, so on character boundaries.
        fields[n] = line.get(start..i).unwrap_or("");
        n += 1;
    }
    n
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
    /// `energy_pj` by term: `act_pre` (ACT with its PRE), `read_write` (bursts, core
    /// supply), `io` (bursts, VDDQ), `refresh`, `background` (standby + power-down +
    /// self-refresh); they add up to `energy_pj`.
    pub energy_breakdown_pj: BTreeMap<String, f64>,
    /// `background` by state: `standby`, `power_down`, `self_refresh` (exits included).
    pub background_breakdown_pj: BTreeMap<String, f64>,
    /// Rank-cycles in power-down (active + precharge) and in self-refresh.
    pub power_down_rank_cycles: u64,
    pub self_refresh_rank_cycles: u64,
    /// Capacity of the DRAM system (all channels), bytes.
    pub capacity_bytes: u64,
    /// What the configuration had that is not simulated (from a DRAMsim3 `.ini`: its
    /// `[thermal]` section, keys DRAMsim3 itself does not read); absent when nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_modelled: Vec<String>,
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
        let event = sys.next_event_cycle();
        // The next arrival (later than now, or it would have been queued); a blocked request
        // waits for the model.
        let arrival = match requests.get(next) {
            Some(r) if !blocked => r.cycle.max(now),
            _ => u64::MAX,
        };
        if arrival <= event {
            // Requests arriving in a cycle enter before it is simulated.
            sys.advance_to(arrival, &mut completed);
        } else {
            // Nothing happens before the event, and no request can enter until it has been
            // simulated (a blocked queue stays full): skip to it and simulate it.
            sys.advance_to(event, &mut completed);
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
        energy_breakdown_pj: s
            .energy
            .terms()
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        background_breakdown_pj: [
            ("standby", s.energy.standby_pj),
            ("power_down", s.energy.power_down_pj),
            ("self_refresh", s.energy.self_refresh_pj),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect(),
        power_down_rank_cycles: s.active_power_down_rank_cycles
            + s.precharge_power_down_rank_cycles,
        self_refresh_rank_cycles: s.self_refresh_rank_cycles,
        capacity_bytes: spec.capacity_bytes(),
        not_modelled: spec.not_modelled.clone(),
        stats: s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The parser as it was before lines were split byte-wise (`str::trim` and
    /// `split_whitespace` on every line): the fast one must agree with it on everything.
    fn reference(text: &str, origin: &str) -> Result<Vec<TraceRequest>, DramError> {
        let mut out = Vec::new();
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

    /// Both parsers' results, errors compared by message.
    fn both(
        text: &str,
    ) -> (
        Result<Vec<TraceRequest>, String>,
        Result<Vec<TraceRequest>, String>,
    ) {
        (
            parse_trace(text, "t.trace").map_err(|e| e.to_string()),
            reference(text, "t.trace").map_err(|e| e.to_string()),
        )
    }

    #[test]
    fn tricky_traces_parse_as_before() {
        let texts = [
            "",
            "\n\n",
            "# comment\n0x40 READ 0\n",
            "  # indented comment\n\t0X80\tWRITE\t5\r\n0x0 r 7\r\n",
            "ff rd 1\nFF Wr 2\n0xAbC w 3",
            "40 READ 0\r",
            "0x40 READ 0\n\r\n  \t \n0x80 WRITE 1\n",
            "0x40\x0bREAD\x0c9\n",
            "0x40 READ 0 extra\n",
            "0x40 READ\n",
            "0x40 FETCH 1\n",
            "0xZZ READ 1\n",
            "0x READ 1\n",
            "0x+40 READ +1\n",
            "0x-40 READ 1\n",
            "0x10000000000000000 READ 1\n",
            "0x40 READ -1\n",
            "0x40 READ 1099511627776\n",
            "0x40 READ 1099511627777\n",
            "0x40 READ 99999999999999999999\n",
            "0x40\u{a0}READ\u{a0}3\n",
            "\u{3000}0x40 READ 3\u{2028}\n",
            "0x40 READ 3\u{a0}extra\n",
            "0x40 RÉAD 3\n",
            "#\n0x1 READ 0\n0x2 WRITE 0\n0x3 R 1\n0x4 W 2\nbad\n",
            "0x40#x READ 0\n",
            "0 READ 1\n0x READ 1\n",
            "0x",
            "0xffffffffffffffff WRITE 1099511627776\n",
            "0x00000000000000001 READ 0000000000000000000001\n",
            "0x10000000000000000 READ 1\n",
            "ffffffffffffffff1 READ 1\n",
            "0x40  READ 1\n0x40 READ  1\n0x40 READ 1 \n 0x40 READ 1\n",
            "0x40 READ 1\rjunk\n",
            "0x40 READ 1\r\r\n0x41 READ 2\r",
            "0x40 READ 12a\n",
            "0x4g READ 1\n",
            "0x40 REA 1\n0x40 WRITEX 1\n",
            "0x40 write 3\n0x41 Rd 4\n0x42 wR 5\n0x43 r 6\n0x44 W 7",
        ];
        for text in texts {
            let (fast, slow) = both(text);
            assert_eq!(fast, slow, "{text:?}");
        }
        // A few hand checks that the agreement is not agreement on nothing.
        assert_eq!(
            parse_trace("# c\n\t0X80\tWRITE\t5\r\n0x0 r 7\r\n", "t").unwrap(),
            vec![
                TraceRequest {
                    addr: 0x80,
                    is_write: true,
                    cycle: 5
                },
                TraceRequest {
                    addr: 0,
                    is_write: false,
                    cycle: 7
                },
            ]
        );
        let e = parse_trace("0x40 READ 0\n\n0x40 READ\n", "f.trace").unwrap_err();
        assert_eq!(
            e.to_string(),
            reference("0x40 READ 0\n\n0x40 READ\n", "f.trace")
                .unwrap_err()
                .to_string()
        );
        assert!(e.to_string().contains("f.trace") && e.to_string().contains(":3"));
    }

    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("0x40".to_string()),
            Just("0X7f".to_string()),
            Just("ff".to_string()),
            Just("READ".to_string()),
            Just("write".to_string()),
            Just("Rd".to_string()),
            Just("w".to_string()),
            Just("#".to_string()),
            Just("12".to_string()),
            Just("+3".to_string()),
            Just("-3".to_string()),
            Just("1099511627777".to_string()),
            Just("é".to_string()),
            Just("0xffffffffffffffff".to_string()),
            Just("10000000000000000".to_string()),
            Just("1099511627776".to_string()),
            Just("9999999999999999999".to_string()),
            Just("00000000000000000000001".to_string()),
            "[0-9a-fA-Fx#+-]{1,6}",
        ]
    }

    fn separator() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(" ".to_string()),
            Just("\t".to_string()),
            Just("  ".to_string()),
            Just("\u{0b}".to_string()),
            Just("\u{0c}".to_string()),
            Just("\r".to_string()),
            Just("\u{a0}".to_string()),
            Just("\u{3000}".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just(" ".to_string()),
            Just("\n".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn random_traces_parse_as_before(
            parts in proptest::collection::vec((token(), separator()), 0..24)
        ) {
            let text: String = parts.iter().map(|(t, s)| format!("{t}{s}")).collect();
            let (fast, slow) = both(&text);
            prop_assert_eq!(fast, slow, "{:?}", text);
        }
    }
}
