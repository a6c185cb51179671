//! `cimsim models` and `cimsim model show|import|graph`.

use clap::{Args, Subcommand};

#[derive(Args)]
pub struct ModelsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Print a model card and its analytic counts.
    Show {
        /// A shipped model name, a card (.toml) or a Hugging Face config.json.
        model: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run_models(_args: ModelsArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}

pub fn run_model(_cmd: ModelCommand) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
