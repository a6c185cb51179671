//! `cimsim study SPEC --out DIR`: run a study's sweep (as `cimsim sweep`, resumable) and write
//! its report, `DIR/report.md`, beside the paper's figures (the work is in `crate::study`).

use super::sweep::SweepArgs;
use super::{bad_input, write_atomic};
use crate::study::{load, report};
use clap::Args;

/// The report's file name in the output directory.
pub const REPORT_FILE: &str = "report.md";

#[derive(Args)]
pub struct StudyArgs {
    #[command(flatten)]
    pub sweep: SweepArgs,
    /// Do not run the sweep: write the report from the finished sweep already in --out.
    #[arg(long)]
    pub report_only: bool,
}

pub fn run(args: StudyArgs) -> anyhow::Result<()> {
    let out = args.sweep.out.clone();
    if !args.report_only {
        super::sweep::run(args.sweep)?;
    }
    let study = load(&out).map_err(|e| {
        bad_input(format!(
            "{e} (is --out a finished sweep of this spec? run without --report-only first)"
        ))
    })?;
    let text = report::render(&study, &[]);
    let path = out.join(REPORT_FILE);
    write_atomic(&path, text.as_bytes())?;
    eprintln!("{}: the study's report", path.display());
    super::emit(&text)
}
