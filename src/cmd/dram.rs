//! `cimsim dram`: run a DRAMsim3-format trace through the cycle-level DRAM model.

use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct DramArgs {
    /// DRAM preset name, DRAMsim3 .ini file or cimsim DRAM .toml file.
    #[arg(long)]
    pub config: String,
    /// Trace file: one `0xADDR READ|WRITE cycle` request per line.
    #[arg(long)]
    pub trace: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: DramArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
