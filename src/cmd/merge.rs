//! `cimsim merge DIR... --out DIR`: join the outputs of sweep shards (refusing mixed specs),
//! sort by point id, recompute the fronts and write results.csv, pareto.csv and the plot.
//! Also home of the Pareto plot a sweep or merge writes at its end.

use super::bad_input;
use crate::explore::merge::merge_dirs;
use crate::explore::meta::{PARETO_FILE, REFINED_FILE, RESULTS_FILE};
use crate::explore::SweepError;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct MergeArgs {
    /// Sweep output directories (e.g. one per shard).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Directory for the merged results (must not hold a sweep yet).
    #[arg(short = 'o', long, alias = "output", value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: MergeArgs) -> anyhow::Result<()> {
    super::check_output_dir(&args.out)?;
    let summary = merge_dirs(&args.dirs, &args.out).map_err(|e| match e {
        SweepError::BadInput(m) => bad_input(m),
        other => anyhow::anyhow!(other.to_string()),
    })?;
    if !summary.missing_shards.is_empty() {
        eprintln!(
            "warning: shards {} were not given; the merge covers only part of the sweep",
            summary.missing_shards.join(", ")
        );
    }
    let plot = write_pareto_plot(&args.out);
    eprintln!(
        "merged {} directories ({})",
        summary.inputs,
        summary.shards.join(", ")
    );
    println!(
        "{}: {} rows",
        args.out.join(RESULTS_FILE).display(),
        summary.rows
    );
    if summary.refined_rows > 0 {
        println!(
            "{}: {} rows",
            args.out.join(REFINED_FILE).display(),
            summary.refined_rows
        );
    }
    if let Some(screening) = &summary.screening {
        if summary.refined_by_merge > 0 {
            println!(
                "{} chosen points were refined by no shard and ran at cycle fidelity here",
                summary.refined_by_merge
            );
        }
        println!("{}", screening.describe());
    }
    println!(
        "{}: {} points on the fronts",
        args.out.join(PARETO_FILE).display(),
        summary.pareto_rows
    );
    if let Some(p) = plot {
        println!("{}", p.display());
    }
    Ok(())
}

/// Writes the Pareto chart of a finished sweep directory (`pareto.png`, `pareto.svg`) and
/// returns the PNG's path; `None`, with a warning, when no chart could be drawn. A missing chart
/// never fails the sweep: the CSVs are the results.
pub fn write_pareto_plot(dir: &Path) -> Option<PathBuf> {
    match crate::explore::plot::write_pareto_plots(dir) {
        Ok(paths) => paths.into_iter().next(),
        Err(e) => {
            eprintln!("warning: no Pareto chart: {e}");
            None
        }
    }
}
