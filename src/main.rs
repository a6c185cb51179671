//! The `cimsim` command line: a thin layer over the library crates. Each subcommand lives in its
//! own module under `cmd/` with its own clap `Args` struct; this file only dispatches and maps
//! errors to exit codes (2 = bad input, 1 = anything else).

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cimsim",
    version,
    about = "Cycle-level simulator of compute-in-memory accelerators for small language models",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the shipped model cards.
    Models(cmd::models::ModelsArgs),
    /// Show, import or graph a model.
    #[command(subcommand)]
    Model(cmd::models::ModelCommand),
    /// List the embedded hardware presets.
    Configs(cmd::config::ConfigsArgs),
    /// Show a hardware configuration.
    #[command(subcommand)]
    Config(cmd::config::ConfigCommand),
    /// Run a DRAMsim3-format trace through the cycle-level DRAM model.
    Dram(cmd::dram::DramArgs),
    /// Show how a model is mapped onto a configuration: tiles, stages, stage times, bottleneck.
    Compile(cmd::compile::CompileArgs),
    /// Simulate a model on a hardware configuration: latency, energy and breakdowns.
    Simulate(cmd::simulate::SimulateArgs),
    /// Charts as PNG or SVG: Pareto front, breakdown, latency vs context, roofline.
    #[command(subcommand)]
    Plot(cmd::plot::PlotCommand),
    /// Explore a design space: every point simulated in parallel, streamed to results.csv.
    Sweep(cmd::sweep::SweepArgs),
    /// Join the outputs of sweep shards and recompute the Pareto fronts.
    Merge(cmd::merge::MergeArgs),
    /// Time the performance scenarios (simulate, DRAM, sweeps, memory, scaling) and print a table.
    Bench(cmd::bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Models(args) => cmd::models::run_models(args),
        Command::Model(c) => cmd::models::run_model(c),
        Command::Configs(args) => cmd::config::run_configs(args),
        Command::Config(c) => cmd::config::run_config(c),
        Command::Dram(args) => cmd::dram::run(args),
        Command::Compile(args) => cmd::compile::run(args),
        Command::Simulate(args) => cmd::simulate::run(args),
        Command::Plot(c) => cmd::plot::run(c),
        Command::Sweep(args) => cmd::sweep::run(args),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Bench(args) => cmd::bench::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if cmd::is_bad_input(&err) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
