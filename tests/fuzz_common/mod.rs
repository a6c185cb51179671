//! Shared pieces of the fuzz tests: the case count (bounded in the normal suite, raised with
//! `FUZZ_CASES=N` for a deep run) and input strategies — random bytes, and valid files mutated
//! byte by byte, line by line and value by value with the values that break parsers (zero,
//! negatives, NaN, infinities, numbers past 2^32 and 2^64, wrong types, stray brackets).

#![allow(dead_code)]

use proptest::prelude::*;
use proptest::test_runner::Config;

/// Cases per fuzz test: `FUZZ_CASES` when set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Like [`config`], for slow cases: `FUZZ_CASES / divisor` (at least `default`) when set.
pub fn config_slow(default: u32, divisor: u32) -> Config {
    let n = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(default, |n| (n / divisor.max(1)).max(default));
    Config {
        cases: n,
        ..config(default)
    }
}

/// Seed of the normal suite's fuzz cases: the same inputs on every run, so the suite (and CI)
/// passes or fails on the code alone. A deep run (`FUZZ_CASES=N`) draws new inputs each time.
pub const SUITE_SEED: u64 = 0x00C1_5151_0000_0006;

/// A proptest configuration for fuzzing: `cases(default)` cases, no regression files written
/// (inputs that fail are printed, shrunk), a bounded shrink; a fixed seed unless `FUZZ_CASES`
/// is set.
pub fn config(default: u32) -> Config {
    let deep = std::env::var_os("FUZZ_CASES").is_some();
    Config {
        cases: cases(default),
        failure_persistence: None,
        max_shrink_iters: 2_000,
        rng_seed: if deep {
            proptest::test_runner::RngSeed::Random
        } else {
            proptest::test_runner::RngSeed::Fixed(SUITE_SEED)
        },
        ..Config::default()
    }
}

/// Values that break parsers, spliced into files and `--set` arguments.
pub const NASTY: &[&str] = &[
    "0",
    "-1",
    "-0",
    "1",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "+inf",
    "1e308",
    "1e-320",
    "-1e308",
    "0.0",
    "0.5",
    "4294967295",
    "65536",
    "1048576",
    "2147483648",
    "1099511627776",
    "1e20",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "99999999999999999999999999",
    "0x10",
    "1_000",
    "true",
    "false",
    "\"\"",
    "\"x\"",
    "\"lpddr5-6400\"",
    "[]",
    "[1, 2]",
    "{}",
    "{ from = 1, to = 8, mul = 2 }",
    "''",
    "[",
    "]",
    "=",
    "\"",
    "#",
    ",",
    ";",
    "\n",
    "\r\n",
    "\t",
    "\u{0}",
    "\u{feff}",
    "é",
    "[x]",
    "[[y]]",
    "a = 1",
    "0x",
    "READ",
    "WRITE",
];

/// One edit of a file.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Overwrite one byte.
    Flip(usize, u8),
    /// Insert a [`NASTY`] token at a byte.
    Insert(usize, usize),
    /// Delete a byte range.
    Delete(usize, usize),
    /// Cut the file at a byte.
    Truncate(usize),
    /// Repeat a line.
    DuplicateLine(usize),
    /// Remove a line.
    DropLine(usize),
    /// Swap two lines.
    SwapLines(usize, usize),
    /// Replace what follows the first `=` (or `,` or space, for traces and CSVs) on a line with a
    /// [`NASTY`] token.
    ReplaceValue(usize, usize),
    /// Replace the n-th number in the file with a [`NASTY`] token.
    ReplaceNumber(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = NASTY.len();
    prop_oneof![
        2 => (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        2 => (any::<usize>(), 0..n).prop_map(|(p, t)| Mutation::Insert(p, t)),
        1 => (any::<usize>(), 1usize..16).prop_map(|(p, l)| Mutation::Delete(p, l)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        2 => any::<usize>().prop_map(Mutation::DropLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        4 => (any::<usize>(), 0..n).prop_map(|(l, t)| Mutation::ReplaceValue(l, t)),
        4 => (any::<usize>(), 0..n).prop_map(|(k, t)| Mutation::ReplaceNumber(k, t)),
    ]
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    lines.join(&b'\n')
}

/// Applies one mutation; positions are taken modulo the file's size.
pub fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    match *m {
        Mutation::Flip(p, b) if len > 0 => bytes[p % len] = b,
        Mutation::Insert(p, t) => {
            let at = p % (len + 1);
            bytes.splice(at..at, NASTY[t].bytes());
        }
        Mutation::Delete(p, l) if len > 0 => {
            let at = p % len;
            bytes.drain(at..(at + l).min(len));
        }
        Mutation::Truncate(p) => bytes.truncate(p % (len + 1)),
        Mutation::DuplicateLine(i) => {
            let mut ls = lines(bytes);
            let i = i % ls.len();
            let copy = ls[i].clone();
            ls.insert(i, copy);
            *bytes = join(&ls);
        }
        Mutation::DropLine(i) => {
            let mut ls = lines(bytes);
            ls.remove(i % ls.len());
            *bytes = join(&ls);
        }
        Mutation::SwapLines(a, b) => {
            let mut ls = lines(bytes);
            let n = ls.len();
            ls.swap(a % n, b % n);
            *bytes = join(&ls);
        }
        Mutation::ReplaceValue(i, t) => {
            let mut ls = lines(bytes);
            let n = ls.len();
            let line = &mut ls[i % n];
            if let Some(at) = line.iter().position(|b| matches!(b, b'=' | b',' | b' ')) {
                line.truncate(at + 1);
                line.extend_from_slice(NASTY[t].as_bytes());
            }
            *bytes = join(&ls);
        }
        Mutation::ReplaceNumber(k, t) => {
            let spans = number_spans(bytes);
            if !spans.is_empty() {
                let (s, e) = spans[k % spans.len()];
                bytes.splice(s..e, NASTY[t].bytes());
            }
        }
        _ => {}
    }
}

/// Byte ranges of the runs of digits (with a decimal point or exponent) in `bytes`.
fn number_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || matches!(bytes[i], b'.' | b'e'))
            {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    spans
}

/// Inputs for a parser whose valid files are `seeds`: mostly mutated seeds (1 to 6 edits),
/// sometimes random bytes or random printable text.
pub fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let mutated = (
        prop::sample::select(seeds),
        prop::collection::vec(mutation(), 1..7),
    )
        .prop_map(|(mut bytes, ms)| {
            for m in &ms {
                apply(&mut bytes, m);
            }
            bytes
        });
    prop_oneof![
        8 => mutated,
        1 => prop::collection::vec(any::<u8>(), 0..512),
        1 => "[ -~\n]{0,300}".prop_map(String::into_bytes),
    ]
}

/// The text a `&str` parser sees for `bytes` (a file reader refuses non-UTF-8 before parsing).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
