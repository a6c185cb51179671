//! `cimsim bench`: the performance scenarios of the project's targets, timed on this machine.
//!
//! Each scenario is run several times and the median wall time reported, with what it simulated
//! and a rate:
//! - `simulate`: a `cycle` run of each shipped model at the default workload (prompt 128,
//!   generate 128) on one core; simulated seconds ÷ wall seconds (≥ 1: faster than the hardware);
//! - `dram`: 1,000,000-request traces through the cycle-level DRAM model, requests/s;
//! - `sweep`: 10,000-point `analytic` and `screen` sweeps of one model with 1 and 2 workers,
//!   points/s (each sweep runs in a child process, so its memory is its own);
//! - `memory`: peak resident memory of a 100,000-point sweep against a 10,000-point one;
//! - `scaling`: the engine's wall time against generated tokens and against decoder layers.
//!
//! `--quick` runs every group on smaller sizes. The numbers are what the README's "Performance"
//! section quotes.

mod scenarios;
pub mod sweeps;

pub use scenarios::Group;

use std::time::Instant;

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Smaller sizes and fewer models (a minute or so instead of many).
    pub quick: bool,
    /// Runs per scenario (the median is reported).
    pub runs: usize,
    /// Groups to run (all when empty).
    pub groups: Vec<Group>,
    /// The `cimsim` binary the DRAM and sweep scenarios run as child processes (default: this
    /// executable).
    pub exe: Option<std::path::PathBuf>,
}

impl BenchOptions {
    /// The `cimsim` binary for child processes.
    pub fn exe(&self) -> Result<std::path::PathBuf, String> {
        match &self.exe {
            Some(p) => Ok(p.clone()),
            None => {
                std::env::current_exe().map_err(|e| format!("cannot find the cimsim binary: {e}"))
            }
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    pub group: Group,
    pub scenario: String,
    pub runs: usize,
    /// Median wall time, s.
    pub wall_s: f64,
    /// Simulated hardware time, s (0 when the scenario simulates none).
    pub simulated_s: f64,
    /// The scenario's own rate, e.g. `2.41 M requests/s`, `950 points/s`.
    pub rate: String,
    /// Whether the scenario meets its target, and the target (`None`: no target).
    pub target: Option<(bool, String)>,
}

impl BenchRow {
    /// Simulated seconds per wall second.
    pub fn ratio(&self) -> Option<f64> {
        (self.simulated_s > 0.0 && self.wall_s > 0.0).then(|| self.simulated_s / self.wall_s)
    }
}

/// Median of `xs` (the mean of the middle two for an even count); 0 for none.
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Runs `f` `runs` times; returns the median wall time and the last result.
pub fn timed<T, E>(runs: usize, mut f: impl FnMut() -> Result<T, E>) -> Result<(f64, T), E> {
    let mut walls = Vec::with_capacity(runs.max(1));
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t0 = Instant::now();
        let out = f()?;
        walls.push(t0.elapsed().as_secs_f64());
        last = Some(out);
    }
    match last {
        Some(v) => Ok((median(&walls), v)),
        None => unreachable!("at least one run"),
    }
}

/// Runs the chosen groups in order, calling `on_row` as each row is ready.
pub fn run(
    opts: &BenchOptions,
    mut on_row: impl FnMut(&BenchRow),
) -> Result<Vec<BenchRow>, String> {
    let groups: Vec<Group> = if opts.groups.is_empty() {
        Group::ALL.to_vec()
    } else {
        opts.groups.clone()
    };
    let mut rows = Vec::new();
    for g in groups {
        scenarios::run_group(g, opts, &mut |row| {
            on_row(&row);
            rows.push(row);
        })?;
    }
    Ok(rows)
}

/// Formats a time in s, ms or µs.
pub fn fmt_time(s: f64) -> String {
    if s <= 0.0 {
        "-".to_string()
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// The Markdown table of `rows`.
pub fn table(rows: &[BenchRow]) -> String {
    let mut out = String::from(
        "| scenario | runs | wall (median) | simulated | simulated/wall | rate | target |\n\
         |---|---:|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        let ratio = r.ratio().map_or("-".to_string(), |x| format!("{x:.2}"));
        let target = match &r.target {
            Some((true, t)) => format!("met ({t})"),
            Some((false, t)) => format!("**not met** ({t})"),
            None => String::new(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.scenario,
            r.runs,
            fmt_time(r.wall_s),
            fmt_time(r.simulated_s),
            ratio,
            r.rate,
            target
        ));
    }
    out
}

/// The machine the numbers come from: cores, CPU model, load averages.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_string());
    format!("{cores} cores, {cpu}, load average {load}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn the_table_shows_the_ratio_and_the_verdict() {
        let row = BenchRow {
            group: Group::Simulate,
            scenario: "x".into(),
            runs: 3,
            wall_s: 0.5,
            simulated_s: 1.0,
            rate: "r".into(),
            target: Some((false, "simulated ≥ wall".into())),
        };
        let t = table(&[row]);
        assert!(
            t.contains("| x | 3 | 500.0 ms | 1.00 s | 2.00 | r | **not met** (simulated ≥ wall) |")
        );
    }
}
