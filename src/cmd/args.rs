//! Flags shared by several subcommands, each defined once here and flattened into every
//! subcommand that takes it: the model and workload (`RunArgs`: `-m/--model`, `-b/--batch`,
//! `-w/--weights`, `--mapping`, with the hardware `-c/--config` and `--set`), `-p/--prompt`,
//! `-g/--generate`, the fidelity (`FidelityArgs`: `-f/--fidelity`, `--exact`), and the output
//! path (`OutArgs`: `-o/--out`). Value choices come from the
//! registries they name — the mapping strategies of `mappings`, the presets of `sim::config`,
//! the shipped models of `workloads` — so help and validation cannot go stale.
//!
//! One default per flag, whatever the subcommand: `--fidelity cycle` (except `sensitivity`,
//! which runs hundreds of designs and defaults to `analytic`: `ScreeningFidelityArgs`),
//! `--weights` the configuration's `macro.weight_bits`, `--prompt 128`, `--generate 128`,
//! `--batch 1`, `--mapping balanced-pipeline`.

use super::bad_input;
use clap::builder::PossibleValuesParser;
use clap::{Args, ValueEnum};
use sim::config::{load_config, HardwareConfig, DEFAULT_PRESET};
use std::path::PathBuf;

/// `--model` help: the shipped models, from the registry.
pub fn model_help() -> String {
    format!(
        "A shipped model ({}), a card (.toml) or a Hugging Face config.json; `simulate` also \
         takes several separated by commas, or `all`",
        workloads::shipped_names().join(", ")
    )
}

/// `--config` help: the presets, from the registry.
fn config_help() -> String {
    format!(
        "Hardware preset ({}) or TOML file; `plot context` takes it repeatedly, one line per \
         configuration",
        sim::config::preset_names().join(", ")
    )
}

/// `--set` alone, for commands that name their configuration otherwise (`config show`).
#[derive(Args, Clone, Debug, Default)]
pub struct SetArgs {
    /// Override one configuration key, e.g. `--set chip.tiles=8` (repeatable, applied in
    /// order; `cimsim config keys` lists the keys and their ranges).
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    pub set: Vec<String>,
}

/// `-c/--config` and `--set`.
#[derive(Args, Clone, Debug)]
pub struct HardwareArgs {
    #[arg(short = 'c', long = "config", value_name = "CONFIG", default_value = DEFAULT_PRESET,
          help = config_help())]
    pub configs: Vec<String>,
    #[command(flatten)]
    pub set: SetArgs,
}

impl HardwareArgs {
    /// The one `--config` of a command that takes one (bad input when given more than once).
    pub fn config(&self) -> anyhow::Result<&str> {
        match self.configs.as_slice() {
            [one] => Ok(one),
            [] => Ok(DEFAULT_PRESET),
            many => Err(bad_input(format!(
                "--config given {} times; this command takes one (only `plot context` takes \
                 several)",
                many.len()
            ))),
        }
    }

    /// Loads and validates the configuration; errors are bad input (exit code 2).
    pub fn load(&self) -> anyhow::Result<HardwareConfig> {
        self.load_with(&[])
    }

    /// As [`HardwareArgs::load`], with `extra` overrides applied after the user's.
    pub fn load_with(&self, extra: &[String]) -> anyhow::Result<HardwareConfig> {
        load_named(self.config()?, &self.set.set, extra)
    }
}

/// Loads configuration `name` with the user's overrides, then `extra`.
pub fn load_named(name: &str, set: &[String], extra: &[String]) -> anyhow::Result<HardwareConfig> {
    let mut overrides = set.to_vec();
    overrides.extend_from_slice(extra);
    load_config(name, &overrides).map_err(bad_input)
}

/// The model, hardware and mapping of every subcommand that runs or compiles a model.
#[derive(Args, Clone, Debug)]
pub struct RunArgs {
    #[arg(short = 'm', long, help = model_help())]
    pub model: String,
    #[command(flatten)]
    pub hardware: HardwareArgs,
    #[command(flatten)]
    pub batch: BatchArgs,
    /// Weight precision; sets macro.weight_bits [default: the configuration's macro.weight_bits].
    #[arg(short = 'w', long, value_enum)]
    pub weights: Option<Weights>,
    /// Mapping strategy.
    #[arg(long, default_value = mappings::DEFAULT_STRATEGY,
          value_parser = PossibleValuesParser::new(mappings::strategy_names()))]
    pub mapping: String,
}

/// `-b/--batch` (also in `model graph`).
#[derive(Args, Clone, Copy, Debug)]
pub struct BatchArgs {
    /// Sequences sharing the weights.
    #[arg(short = 'b', long = "batch", default_value_t = 1)]
    pub batch: u64,
}

/// `-p/--prompt`, where a command runs one prompt length (`plot context` varies it).
#[derive(Args, Clone, Copy, Debug)]
pub struct PromptArgs {
    /// Prompt tokens (the prefill).
    #[arg(short = 'p', long = "prompt", default_value_t = 128)]
    pub prompt: u64,
}

/// `-g/--generate`, where a command runs a decode of chosen length.
#[derive(Args, Clone, Copy, Debug)]
pub struct GenerateArgs {
    /// Generated tokens: the first comes out of prefill, then G-1 decode steps (1: prefill
    /// only).
    #[arg(short = 'g', long = "generate", default_value_t = 128)]
    pub generate: u64,
}

/// `-f/--fidelity` and `--exact`, everywhere a model is simulated.
#[derive(Args, Clone, Copy, Debug)]
pub struct FidelityArgs {
    /// Simulation fidelity; the same default everywhere a model runs (`analytic` is the fast
    /// choice for charts of many long contexts).
    #[arg(short = 'f', long, value_enum, default_value_t = FidelityArg::Cycle)]
    pub fidelity: FidelityArg,
    /// Evaluate every decode step: no step sampling (`cycle`: every step command by command;
    /// `analytic`: every step in closed form instead of a sample within 0.5%).
    #[arg(long)]
    pub exact: bool,
}

/// `-f/--fidelity` and `--exact` for `sensitivity`, the one command whose default is
/// `analytic`: it runs a design per key and step (hundreds of runs), so the fast fidelity is
/// the useful default; `--fidelity cycle` checks the ranking at the other fidelity.
#[derive(Args, Clone, Copy, Debug)]
pub struct ScreeningFidelityArgs {
    /// Simulation fidelity of every run (`analytic` here: hundreds of runs in seconds).
    #[arg(short = 'f', long, value_enum, default_value_t = FidelityArg::Analytic)]
    pub fidelity: FidelityArg,
    /// Evaluate every decode step: no step sampling (`cycle`: every step command by command;
    /// `analytic`: every step in closed form instead of a sample within 0.5%).
    #[arg(long)]
    pub exact: bool,
}

/// `-o/--out FILE`, with `--output` kept as a hidden alias. Optional: standard output when
/// absent.
#[derive(Args, Clone, Debug)]
pub struct OutArgs {
    /// Write here instead of standard output.
    #[arg(short = 'o', long = "out", alias = "output", value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `--weights int4|int8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Weights {
    /// 4-bit weights.
    Int4,
    /// 8-bit weights.
    Int8,
}

impl Weights {
    pub fn bits(self) -> u32 {
        match self {
            Weights::Int4 => 4,
            Weights::Int8 => 8,
        }
    }

    /// `INT4`, `INT8`, for titles.
    pub fn label(self) -> &'static str {
        match self {
            Weights::Int4 => "INT4",
            Weights::Int8 => "INT8",
        }
    }
}

impl std::fmt::Display for Weights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Weights::Int4 => "int4",
            Weights::Int8 => "int8",
        })
    }
}

/// `--fidelity cycle|analytic`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FidelityArg {
    /// Event-driven, DRAM command by command.
    Cycle,
    /// Closed-form per-op bounds (fast screening).
    Analytic,
}

impl FidelityArg {
    pub fn to_run(self) -> crate::run::RunFidelity {
        match self {
            FidelityArg::Cycle => crate::run::RunFidelity::Cycle,
            FidelityArg::Analytic => crate::run::RunFidelity::Analytic,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FidelityArg::Cycle => "cycle",
            FidelityArg::Analytic => "analytic",
        }
    }
}

impl std::fmt::Display for FidelityArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
