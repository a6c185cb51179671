//! `cimsim bench`: runs the performance scenarios (simulate faster than the hardware, DRAM
//! requests/s, sweep points/s and thread scaling, memory against sweep size, engine scaling)
//! and prints the table the README's "Performance" section quotes.

use super::bad_input;
use crate::bench::{self, BenchOptions, Group};
use crate::explore::SweepFidelity;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct BenchArgs {
    /// Smaller sizes and fewer models (about a minute).
    #[arg(short = 'q', long)]
    pub quick: bool,
    /// Runs per scenario; the table shows the median.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Only these groups (comma-separated): simulate, dram, sweep, memory, scaling.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Internal: run one sweep in this process and print its figures (used by the sweep and
    /// memory scenarios, so each sweep's memory is its own).
    #[arg(long, hide = true)]
    pub sweep_child: Option<PathBuf>,
    /// Internal: the child sweep's output directory.
    #[arg(long, hide = true)]
    pub child_out: Option<PathBuf>,
    /// Internal: the child sweep's worker threads.
    #[arg(long, hide = true, default_value_t = 1)]
    pub child_jobs: usize,
    /// Internal: the child sweep's fidelity.
    #[arg(long, hide = true, default_value = "analytic")]
    pub child_fidelity: String,
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    if let Some(spec) = &args.sweep_child {
        let fidelity = match args.child_fidelity.as_str() {
            "analytic" => SweepFidelity::Analytic,
            "screen" => SweepFidelity::Screen,
            "cycle" => SweepFidelity::Cycle,
            other => return Err(bad_input(format!("unknown sweep fidelity `{other}`"))),
        };
        let out = args
            .child_out
            .clone()
            .ok_or_else(|| bad_input("--sweep-child needs --child-out"))?;
        return bench::sweeps::child_main(spec, out, args.child_jobs, fidelity)
            .map_err(anyhow::Error::msg);
    }
    if args.runs == 0 || args.runs > 100 {
        return Err(bad_input(format!(
            "--runs must be 1..=100, got {}",
            args.runs
        )));
    }
    let mut groups = Vec::new();
    for name in &args.only {
        groups.push(Group::parse(name.trim()).ok_or_else(|| {
            bad_input(format!(
                "--only: unknown group `{name}`; allowed: simulate, dram, sweep, memory, scaling"
            ))
        })?);
    }
    let opts = BenchOptions {
        quick: args.quick,
        runs: args.runs,
        groups,
        exe: None,
    };
    println!("machine: {}", bench::machine());
    println!(
        "cimsim bench{}{} (median of {} runs per scenario)\n",
        if args.quick { " --quick" } else { "" },
        if args.only.is_empty() {
            String::new()
        } else {
            format!(" --only {}", args.only.join(","))
        },
        args.runs
    );
    let rows = bench::run(&opts, |row| {
        eprintln!(
            "  {:<72} {:>10}  {}",
            row.scenario,
            bench::fmt_time(row.wall_s),
            row.rate
        );
    })
    .map_err(anyhow::Error::msg)?;
    print!("{}", bench::table(&rows));
    println!("\nload average after: {}", bench::machine());
    Ok(())
}
