//! `cimsim configs` and `cimsim config show`.

use clap::{Args, Subcommand};

#[derive(Args)]
pub struct ConfigsArgs {}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Print a complete hardware configuration that `--config FILE` accepts back.
    Show {
        /// Preset name or TOML file.
        config: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run_configs(_args: ConfigsArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}

pub fn run_config(_cmd: ConfigCommand) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
