//! `cimsim completions SHELL` and `cimsim man`: shell completions (clap_complete) and the man
//! page (clap_mangen), both generated from the clap definitions, so they cannot go stale.

use super::bad_input;
use clap::Args;
use clap_complete::Shell;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Args)]
pub struct ManArgs {
    /// Write one page per command and subcommand (cimsim.1, cimsim-simulate.1, ...) into this
    /// directory instead of printing cimsim.1 to standard output.
    #[arg(short = 'o', long, alias = "output", value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs, mut command: clap::Command) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut command, "cimsim", &mut buf);
    std::io::stdout().write_all(&buf)?;
    Ok(())
}

pub fn man(args: ManArgs, command: clap::Command) -> anyhow::Result<()> {
    match &args.out {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(command).render(&mut buf)?;
            std::io::stdout().write_all(&buf)?;
        }
        Some(dir) => {
            super::check_output_dir(dir)?;
            std::fs::create_dir_all(dir).map_err(|e| {
                bad_input(format!("--out {}: cannot create it: {e}", dir.display()))
            })?;
            super::check_writable_dir(dir)?;
            clap_mangen::generate_to(command, dir).map_err(|e| {
                bad_input(format!(
                    "--out {}: cannot write the pages: {e}",
                    dir.display()
                ))
            })?;
            println!("{}", dir.display());
        }
    }
    Ok(())
}
