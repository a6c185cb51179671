//! Flags shared by several subcommands, defined once: the hardware configuration (`--config`,
//! `--set`), the weight precision and the fidelity.

use super::bad_input;
use clap::{Args, ValueEnum};
use sim::config::{load_config, HardwareConfig, DEFAULT_PRESET};

/// `--config` and `--set`.
#[derive(Args, Clone, Debug)]
pub struct HardwareArgs {
    /// Hardware preset (see `cimsim configs`) or TOML file.
    #[arg(long, default_value = DEFAULT_PRESET)]
    pub config: String,
    /// Override one configuration key, e.g. `--set chip.tiles=8` (repeatable, applied in
    /// order; `cimsim config keys` lists them).
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    pub set: Vec<String>,
}

impl HardwareArgs {
    /// Loads and validates the configuration; errors are bad input (exit code 2).
    pub fn load(&self) -> anyhow::Result<HardwareConfig> {
        self.load_with(&[])
    }

    /// As [`HardwareArgs::load`], with `extra` overrides applied after the user's.
    pub fn load_with(&self, extra: &[String]) -> anyhow::Result<HardwareConfig> {
        let mut overrides = self.set.clone();
        overrides.extend_from_slice(extra);
        load_config(&self.config, &overrides).map_err(bad_input)
    }
}

/// `--weights int4|int8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Weights {
    Int4,
    Int8,
}

impl Weights {
    pub fn bits(self) -> u32 {
        match self {
            Weights::Int4 => 4,
            Weights::Int8 => 8,
        }
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
    pub fn to_run(self) -> cimsim::run::RunFidelity {
        match self {
            FidelityArg::Cycle => cimsim::run::RunFidelity::Cycle,
            FidelityArg::Analytic => cimsim::run::RunFidelity::Analytic,
        }
    }
}
