//! `cimsim sweep SPEC`: explore a design space in parallel, streaming one CSV row per point,
//! resumable (`--resume`), shardable (`--shard i/N`), with a progress bar on a terminal and a
//! clean stop on Ctrl-C.

use super::bad_input;
use crate::explore::meta::{PARETO_FILE, REFINED_FILE, RESULTS_FILE};
use crate::explore::search::Shard;
use crate::explore::{
    load_spec, run_sweep, Progress, SweepError, SweepFidelity, SweepOptions, SweepSummary,
};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy, ValueEnum)]
pub enum FidelityArg {
    /// Closed-form model on every point.
    Analytic,
    /// Cycle-level simulation on every point (slow).
    Cycle,
    /// Analytic on every point, then cycle-level on the points nearest the front (within
    /// [search] screen_margin, at most screen_budget per model).
    Screen,
}

#[derive(Args)]
pub struct SweepArgs {
    /// The sweep spec (TOML); see examples/sweeps/.
    pub spec: PathBuf,
    /// Output directory (results.csv, pareto.csv, sweep.json, plots).
    #[arg(
        short = 'o',
        long,
        alias = "output",
        value_name = "DIR",
        default_value = "sweep-out"
    )]
    pub out: PathBuf,
    /// Worker threads [default: all cores].
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,
    /// How points are evaluated.
    #[arg(short = 'f', long, value_enum, default_value = "screen")]
    pub fidelity: FidelityArg,
    /// Run only the points whose id mod N is I (e.g. 0/4), for a cluster job array.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Continue a sweep in --out: finished points are skipped.
    #[arg(long)]
    pub resume: bool,
    /// Allow a sweep of more than 10,000,000 points (up to N).
    #[arg(long, value_name = "N")]
    pub max_points: Option<u64>,
}

pub fn run(args: SweepArgs) -> anyhow::Result<()> {
    let spec = load_spec(&args.spec).map_err(bad_input)?;
    let shard = match &args.shard {
        Some(s) => Some(s.parse::<Shard>().map_err(bad_input)?),
        None => None,
    };
    let jobs = match args.jobs {
        Some(0) => return Err(bad_input("--jobs must be at least 1")),
        Some(n) => n,
        None => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    };
    let fidelity = match args.fidelity {
        FidelityArg::Analytic => SweepFidelity::Analytic,
        FidelityArg::Cycle => SweepFidelity::Cycle,
        FidelityArg::Screen => SweepFidelity::Screen,
    };
    super::check_output_dir(&args.out)?;
    let opts = SweepOptions {
        spec_label: args.spec.display().to_string(),
        out_dir: args.out.clone(),
        jobs,
        fidelity,
        shard,
        resume: args.resume,
        max_points: args.max_points,
    };
    // Ctrl-C sets the flag: workers start no new point, rows in flight are written.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| anyhow::anyhow!("cannot install the Ctrl-C handler: {e}"))?;
    }
    let progress = Bar::new();
    let summary = match run_sweep(&spec, &opts, &stop, &progress) {
        Ok(s) => s,
        Err(SweepError::BadInput(m)) => return Err(bad_input(m)),
        Err(SweepError::Interrupted(m)) => {
            return Err(anyhow::anyhow!(
                "{m}\nresume with: cimsim sweep {} --out {}{}{} --resume",
                args.spec.display(),
                args.out.display(),
                args.shard
                    .as_ref()
                    .map(|s| format!(" --shard {s}"))
                    .unwrap_or_default(),
                if matches!(args.fidelity, FidelityArg::Screen) {
                    String::new()
                } else {
                    format!(" --fidelity {}", fidelity.name())
                }
            ))
        }
        Err(SweepError::Io(m)) => return Err(anyhow::anyhow!(m)),
    };
    let plot = super::merge::write_pareto_plot(&args.out);
    print_summary(&args.out, &summary, fidelity, plot.as_deref());
    Ok(())
}

fn print_summary(out: &Path, s: &SweepSummary, fidelity: SweepFidelity, plot: Option<&Path>) {
    let rate = if s.eval_s > 0.0 {
        s.evaluated as f64 / s.eval_s
    } else {
        0.0
    };
    eprintln!(
        "{} points planned, {} evaluated in {:.2} s ({rate:.1} points/s), {} resumed; {} rows could not run",
        s.planned, s.evaluated, s.eval_s, s.resumed, s.error_rows
    );
    if s.shared_runs > 0 {
        eprintln!(
            "{} points share a run with a point of the same design whose mapping plans it \
             identically (see the same_plan_as column): evaluated once",
            s.shared_runs
        );
    }
    println!("{}: {} rows", out.join(RESULTS_FILE).display(), s.rows);
    if fidelity == SweepFidelity::Screen {
        println!(
            "{}: {} rows refined at cycle fidelity",
            out.join(REFINED_FILE).display(),
            s.refined_rows
        );
        if let Some(screening) = &s.screening {
            println!("{}", screening.describe());
        }
    }
    println!(
        "{}: {} points on the fronts",
        out.join(PARETO_FILE).display(),
        s.pareto_rows
    );
    if let Some(p) = plot {
        println!("{}", p.display());
    }
}

/// An indicatif bar on stderr when it is a terminal; nothing otherwise.
struct Bar {
    bar: Mutex<Option<ProgressBar>>,
    enabled: bool,
}

impl Bar {
    fn new() -> Bar {
        Bar {
            bar: Mutex::new(None),
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Bar {
    fn start(&self, label: &str, total: u64, done: u64) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} points, {per_sec}, ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label.to_string());
        bar.set_position(done);
        bar.reset_eta();
        *self.bar.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar);
    }

    fn inc(&self) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            b.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
            b.finish_and_clear();
        }
    }
}
