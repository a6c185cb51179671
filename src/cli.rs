//! The `cimsim` command line: the clap definitions (one `Args` struct per subcommand under
//! `cmd/`, the shared flags in `cmd/args.rs`), the dispatch and the exit-code contract:
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success (also when standard output is closed early, as by `| head`) |
//! | 2 | bad input or an output path that cannot be written; clap's usage errors too |
//! | 1 | an internal failure (a bug), reported in one line, never with a backtrace |
//!
//! [`Cli::command`] (from `clap::CommandFactory`) is the whole tree, for tests, the man page
//! and the shell completions.

use crate::cmd;
use clap::{ColorChoice, CommandFactory, Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Parser)]
#[command(
    name = "cimsim",
    version,
    about = "Cycle-level simulator of compute-in-memory accelerators for small language models",
    long_about = None,
    after_help = "Exit codes: 0 success, 2 bad input or an unwritable output path, 1 an internal \
                  failure. Colours follow NO_COLOR and CLICOLOR."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// List the shipped model cards.
    Models(cmd::models::ModelsArgs),
    /// Show, import or graph a model.
    #[command(subcommand)]
    Model(cmd::models::ModelCommand),
    /// List the embedded hardware presets.
    Configs(cmd::config::ConfigsArgs),
    /// Show a hardware configuration or list its keys.
    #[command(subcommand)]
    Config(cmd::config::ConfigCommand),
    /// Run a DRAMsim3-format trace through the cycle-level DRAM model.
    Dram(cmd::dram::DramArgs),
    /// Show how a model is mapped onto a configuration: tiles, stages, stage times, bottleneck.
    Compile(cmd::compile::CompileArgs),
    /// Simulate a model on a hardware configuration: latency, energy and breakdowns.
    Simulate(cmd::simulate::SimulateArgs),
    /// How much each configuration key moves decode tokens/s, J/token, area and power: every
    /// key perturbed (x0.5, x2, each alternative), elasticities ranked (analytic by default).
    Sensitivity(cmd::sensitivity::SensitivityArgs),
    /// Charts as PNG or SVG: Pareto front, breakdown, latency vs context, roofline, tornado.
    #[command(subcommand)]
    Plot(cmd::plot::PlotCommand),
    /// Measured-device baselines: fit a device to your measurements, validate it.
    #[command(subcommand)]
    Baseline(cmd::baseline::BaselineCommand),
    /// Explore a design space: every point simulated in parallel, streamed to results.csv.
    Sweep(cmd::sweep::SweepArgs),
    /// Run a study's sweep and write its report beside the EdgeCIM paper's figures (report.md).
    Study(cmd::study::StudyArgs),
    /// Join the outputs of sweep shards and recompute the Pareto fronts.
    Merge(cmd::merge::MergeArgs),
    /// Time the performance scenarios (simulate, DRAM, sweeps, memory, scaling) and print a table.
    Bench(cmd::bench::BenchArgs),
    /// Print a shell completion script, e.g. `cimsim completions bash > /etc/bash_completion.d/cimsim`.
    Completions(cmd::docs::CompletionsArgs),
    /// Print the man page (roff), or write one page per subcommand with `-o DIR`.
    Man(cmd::docs::ManArgs),
}

/// Set when a write to standard output failed because the reader went away: the run then ends
/// quietly with success, as ripgrep does.
static BROKEN_PIPE: AtomicBool = AtomicBool::new(false);

/// Set once the panic hook has said its line, so a panic in several threads says it once.
static PANIC_REPORTED: AtomicBool = AtomicBool::new(false);

/// Hidden: when set to 1, `cimsim` panics right after parsing, to test that an internal failure
/// exits with 1 and one line, no backtrace. Not for users.
pub const TEST_PANIC_ENV: &str = "CIMSIM_TEST_INTERNAL_PANIC";

/// The panic message of a payload, when it is a string.
fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Replaces the default panic output (message, thread, `RUST_BACKTRACE` hint or backtrace) by
/// one line; a broken pipe on standard output (println! panics on it) says nothing at all.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let text = payload_text(info.payload());
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            BROKEN_PIPE.store(true, Ordering::SeqCst);
            return;
        }
        if PANIC_REPORTED.swap(true, Ordering::SeqCst) {
            return;
        }
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "error: internal error (a bug in cimsim, please report it): {text}{place}"
        );
    }));
}

/// True when any error in the chain is an I/O broken pipe.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Colour for clap's help and errors: never with `NO_COLOR` set (non-empty), else automatic
/// (a terminal, `CLICOLOR`, `CLICOLOR_FORCE`).
fn color_choice() -> ColorChoice {
    match std::env::var_os("NO_COLOR") {
        Some(v) if !v.is_empty() => ColorChoice::Never,
        _ => ColorChoice::Auto,
    }
}

/// The command tree with the run-time settings (colour) applied.
pub fn command() -> clap::Command {
    Cli::command().color(color_choice())
}

fn dispatch(cmd_: Command) -> anyhow::Result<()> {
    match cmd_ {
        Command::Models(args) => cmd::models::run_models(args),
        Command::Model(c) => cmd::models::run_model(c),
        Command::Configs(args) => cmd::config::run_configs(args),
        Command::Config(c) => cmd::config::run_config(c),
        Command::Dram(args) => cmd::dram::run(args),
        Command::Compile(args) => cmd::compile::run(args),
        Command::Sensitivity(args) => cmd::sensitivity::run(args),
        Command::Simulate(args) => cmd::simulate::run(args),
        Command::Plot(c) => cmd::plot::run(c),
        Command::Baseline(c) => cmd::baseline::run(c),
        Command::Sweep(args) => cmd::sweep::run(args),
        Command::Study(args) => cmd::study::run(args),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Bench(args) => cmd::bench::run(args),
        Command::Completions(args) => cmd::docs::completions(args, command()),
        Command::Man(args) => cmd::docs::man(args, command()),
    }
}

/// The whole program: parse, run, map the outcome to the exit-code contract.
pub fn main() -> ExitCode {
    install_panic_hook();
    let matches = match command().try_get_matches() {
        Ok(m) => m,
        // Usage errors exit with 2, `--help` and `--version` with 0; a closed pipe is quiet.
        Err(e) => {
            let code = e.exit_code();
            if e.print().is_err() {
                return ExitCode::SUCCESS;
            }
            return ExitCode::from(code.clamp(0, 255) as u8);
        }
    };
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    let outcome = std::panic::catch_unwind(|| {
        if std::env::var_os(TEST_PANIC_ENV).is_some_and(|v| v == "1") {
            panic!("{TEST_PANIC_ENV}=1 asked for a panic");
        }
        let result = dispatch(cli.command);
        // Flush here so a closed pipe shows as an error rather than at exit.
        let flushed = std::io::stdout().flush();
        result.and_then(|()| flushed.map_err(anyhow::Error::new))
    });
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            if cmd::is_bad_input(&err) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
        Err(_) if BROKEN_PIPE.load(Ordering::SeqCst) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}
