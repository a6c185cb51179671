//! Running a sweep: plan the points, check the limits and the output directory, evaluate in
//! parallel on a local rayon pool, stream each finished row to `results.csv`, resume what an
//! earlier run finished, refine the screened candidates at cycle fidelity, and finish with the
//! files sorted by point id and the Pareto front.
//!
//! Determinism: a row depends only on its point id and fidelity, every file is rewritten sorted
//! by id at the end, and searches are seeded, so the files are the same bytes whatever the
//! thread count, the sharding or the interruptions.

use super::csvio::{line_id, sort_rows, RowWriter};
use super::eval::Evaluator;
use super::front::{fronts, screen_candidates, write_pareto, ScreenSummary};
use super::meta::{
    read_meta, shard_text, spec_hash, write_meta, SweepMeta, META_FILE, PARETO_FILE, REFINED_FILE,
    RESULTS_FILE,
};
use super::nsga2::{self, Fitness, Nsga2Config};
use super::search::{random_ids, shard_count, PlannedIds, Shard};
use super::spec::{Search, SweepSpec};
use super::{SweepError, DEFAULT_MAX_POINTS};
use crate::run::RunFidelity;
use rayon::prelude::*;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Points handed to the pool at a time: enough to keep every thread busy, few enough that the
/// planned ids are never all in memory.
const CHUNK: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepFidelity {
    Analytic,
    Cycle,
    /// Analytic on every point, then cycle on the candidates near the front.
    Screen,
}

impl SweepFidelity {
    pub fn name(self) -> &'static str {
        match self {
            SweepFidelity::Analytic => "analytic",
            SweepFidelity::Cycle => "cycle",
            SweepFidelity::Screen => "screen",
        }
    }

    fn first_pass(self) -> RunFidelity {
        match self {
            SweepFidelity::Cycle => RunFidelity::Cycle,
            _ => RunFidelity::Analytic,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The spec file as given (recorded in `sweep.json`).
    pub spec_label: String,
    pub out_dir: PathBuf,
    pub jobs: usize,
    pub fidelity: SweepFidelity,
    pub shard: Option<Shard>,
    pub resume: bool,
    pub max_points: Option<u64>,
}

/// Progress reporting (a terminal progress bar in the CLI; nothing in tests).
pub trait Progress: Sync {
    /// A pass over `total` points starts, `done` of them already finished earlier.
    fn start(&self, label: &str, total: u64, done: u64);
    fn inc(&self);
    fn finish(&self);
}

/// A no-op [`Progress`].
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64, _: u64) {}
    fn inc(&self) {}
    fn finish(&self) {}
}

#[derive(Debug, Clone, Default)]
pub struct SweepSummary {
    /// Points this run is meant to cover.
    pub planned: u64,
    /// Points evaluated by this invocation (all passes).
    pub evaluated: u64,
    /// Points found finished in the output directory and skipped.
    pub resumed: u64,
    /// Rows of `results.csv`.
    pub rows: u64,
    /// Rows whose point could not run (an `error` cell).
    pub error_rows: u64,
    /// Rows of `refined.csv`.
    pub refined_rows: u64,
    pub pareto_rows: u64,
    /// `screen` fidelity: what the margin admitted and what was refined.
    pub screening: Option<ScreenSummary>,
    /// Seconds spent evaluating points in this invocation.
    pub eval_s: f64,
    /// Points whose run was shared with a point of the same design under a mapping that plans
    /// it identically (not simulated again).
    pub shared_runs: u64,
}

/// Runs (or resumes) a sweep into `opts.out_dir`.
pub fn run_sweep(
    spec: &SweepSpec,
    opts: &SweepOptions,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> Result<SweepSummary, SweepError> {
    let ev = Evaluator::new(spec).map_err(SweepError::BadInput)?;
    let size = ev.space.size();
    let random_list = match spec.search {
        Search::Random { n, seed } => Some(random_ids(size, n, seed)),
        _ => None,
    };
    let planned = match (&spec.search, &random_list) {
        (Search::Nsga2 { .. }, _) if opts.shard.is_some() => {
            return Err(SweepError::BadInput(
                "--shard does not apply to an nsga2 search: each generation depends on all the previous ones; run it whole (it evaluates only population x (generations + 1) points per model)".into(),
            ))
        }
        (Search::Nsga2 { population, generations, .. }, _) => {
            (*population as u64).saturating_mul(*generations as u64 + 1).saturating_mul(spec.models.len() as u64)
        }
        (_, Some(list)) => list.iter().filter(|id| opts.shard.is_none_or(|s| s.contains(**id))).count() as u64,
        _ => shard_count(size, opts.shard),
    };
    let limit = opts.max_points.unwrap_or(DEFAULT_MAX_POINTS);
    if planned > limit {
        let dims: Vec<String> = std::iter::once(format!("{} models", spec.models.len()))
            .chain(
                spec.params
                    .iter()
                    .map(|p| format!("{} {}", p.values.len(), p.key)),
            )
            .collect();
        return Err(SweepError::BadInput(format!(
            "this sweep would run {planned} points ({}), more than the limit of {limit}; pass --max-points {planned} to run it, or shard it with --shard",
            dims.join(" x ")
        )));
    }

    let dir = &opts.out_dir;
    let hash = spec_hash(spec, opts.fidelity.name());
    prepare_dir(dir, opts, &hash)?;
    let mut meta = SweepMeta {
        cimsim_version: env!("CARGO_PKG_VERSION").to_string(),
        spec: opts.spec_label.clone(),
        spec_hash: hash,
        fidelity: opts.fidelity.name().to_string(),
        shard: shard_text(opts.shard),
        points_planned: planned,
        complete: false,
        rows: 0,
        refined_rows: 0,
        pareto_rows: 0,
        screening: None,
        merged_shards: Vec::new(),
        checked_spec: spec.clone(),
    };
    write_meta(dir, &meta)?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| SweepError::Io(format!("cannot start {} worker threads: {e}", opts.jobs)))?;
    let mut summary = SweepSummary {
        planned,
        ..SweepSummary::default()
    };
    let started = Instant::now();
    let results = dir.join(RESULTS_FILE);
    let header = ev.layout.header_line();
    let pass = Pass {
        ev: &ev,
        pool: &pool,
        stop,
        progress,
    };

    let outcome = (|| -> Result<(), SweepError> {
        let fid = opts.fidelity.first_pass();
        match (&spec.search, random_list) {
            (
                Search::Nsga2 {
                    population,
                    generations,
                    seed,
                },
                _,
            ) => {
                let cfg = Nsga2Config {
                    population: *population,
                    generations: *generations,
                    seed: *seed,
                    crossover_prob: 0.9,
                    mutation_prob: None,
                };
                pass.nsga2(&results, &header, &cfg, fid, planned, &mut summary)?;
            }
            (_, Some(list)) => {
                let ids = PlannedIds::List {
                    ids: list.into_iter(),
                    shard: opts.shard,
                };
                pass.listed(&results, &header, ids, planned, fid, "sweep", &mut summary)?;
            }
            _ => {
                let ids = PlannedIds::grid(&ev.space, opts.shard);
                pass.listed(&results, &header, ids, planned, fid, "sweep", &mut summary)?;
            }
        }
        summary.rows = sort_rows(std::slice::from_ref(&results), &header, &results, dir)?;
        let mut final_file = results.clone();
        if opts.fidelity == SweepFidelity::Screen {
            let analytic_fronts = fronts(&ev, &results)?;
            let screening = screen_candidates(
                &ev,
                &results,
                &analytic_fronts,
                spec.screen_margin,
                spec.screen_budget,
            )?;
            let refined = dir.join(REFINED_FILE);
            let n = screening.ids.len() as u64;
            summary.screening = Some(screening.summary);
            pass.listed(
                &refined,
                &header,
                screening.ids.into_iter(),
                n,
                RunFidelity::Cycle,
                "cycle refinement",
                &mut summary,
            )?;
            summary.refined_rows =
                sort_rows(std::slice::from_ref(&refined), &header, &refined, dir)?;
            final_file = refined;
        }
        summary.error_rows = count_errors(&ev, &results)?;
        let model_fronts = fronts(&ev, &final_file)?;
        summary.pareto_rows =
            write_pareto(&ev.layout, &model_fronts, &dir.join(PARETO_FILE))? as u64;
        Ok(())
    })();
    summary.eval_s = started.elapsed().as_secs_f64();
    summary.shared_runs = ev.reused_runs();
    match outcome {
        Ok(()) => {
            meta.complete = true;
            meta.rows = summary.rows;
            meta.refined_rows = summary.refined_rows;
            meta.pareto_rows = summary.pareto_rows;
            meta.screening = summary.screening.clone();
            write_meta(dir, &meta)?;
            Ok(summary)
        }
        Err(e) => Err(e),
    }
}

/// Runs the points `ids` (increasing) that `path` lacks at cycle fidelity, appending them, and
/// sorts the file; returns its rows. `merge` uses it for screened points no shard refined.
pub fn refine_points(
    ev: &Evaluator,
    path: &Path,
    ids: &[u64],
    jobs: usize,
) -> Result<u64, SweepError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| SweepError::Io(format!("cannot start {jobs} worker threads: {e}")))?;
    let stop = AtomicBool::new(false);
    let pass = Pass {
        ev,
        pool: &pool,
        stop: &stop,
        progress: &NoProgress,
    };
    let header = ev.layout.header_line();
    let mut summary = SweepSummary::default();
    pass.listed(
        path,
        &header,
        ids.iter().copied(),
        ids.len() as u64,
        RunFidelity::Cycle,
        "cycle refinement",
        &mut summary,
    )?;
    let dir = path.parent().unwrap_or(Path::new("."));
    Ok(sort_rows(&[path.to_path_buf()], &header, path, dir)?)
}

/// Refuses a directory that holds another sweep, or any sweep without `--resume`.
fn prepare_dir(dir: &Path, opts: &SweepOptions, hash: &str) -> Result<(), SweepError> {
    if dir.exists() && !dir.is_dir() {
        return Err(SweepError::BadInput(format!(
            "--out {}: exists and is not a directory",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| SweepError::Io(format!("cannot create {}: {e}", dir.display())))?;
    let meta = read_meta(dir)?;
    let has_rows = dir.join(RESULTS_FILE).exists();
    match (&meta, opts.resume) {
        (None, _) if has_rows => Err(SweepError::BadInput(format!(
            "{} has a {RESULTS_FILE} but no {META_FILE}: cannot tell which spec produced it; choose another --out",
            dir.display()
        ))),
        (None, _) => Ok(()),
        (Some(_), false) => Err(SweepError::BadInput(format!(
            "{} already holds a sweep; pass --resume to continue it, or choose another --out",
            dir.display()
        ))),
        (Some(m), true) => {
            if m.spec_hash != hash || m.fidelity != opts.fidelity.name() {
                return Err(SweepError::BadInput(format!(
                    "--resume: {} holds the results of a different sweep (spec {}, {} fidelity, spec hash {}; this one is {} fidelity, spec hash {hash}); choose another --out",
                    dir.display(),
                    m.spec,
                    m.fidelity,
                    m.spec_hash,
                    opts.fidelity.name()
                )));
            }
            if m.shard != shard_text(opts.shard) {
                return Err(SweepError::BadInput(format!(
                    "--resume: {} holds shard {} but this run is shard {}",
                    dir.display(),
                    m.shard.as_deref().unwrap_or("(none)"),
                    shard_text(opts.shard).as_deref().unwrap_or("(none)")
                )));
            }
            Ok(())
        }
    }
}

fn count_errors(ev: &Evaluator, path: &Path) -> Result<u64, SweepError> {
    let mut n = 0;
    super::front::for_each_row(ev, path, |info, _| {
        n += u64::from(info.is_error);
        Ok(())
    })?;
    Ok(n)
}

/// One output file being filled: the rows already there (sorted, from an earlier run) and the
/// appending writer.
struct Target {
    writer: Mutex<RowWriter>,
    done: DoneIds,
    resumed: u64,
}

fn open_target(path: &Path, header: &str) -> Result<Target, SweepError> {
    let mut resumed = 0;
    if path.exists() {
        super::csvio::drop_torn_tail(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        resumed = sort_rows(&[path.to_path_buf()], header, path, dir)?;
    }
    let (writer, _) = RowWriter::open(path, header)?;
    let done = DoneIds::open(path)?;
    Ok(Target {
        writer: Mutex::new(writer),
        done,
        resumed,
    })
}

/// The ids of a sorted file's rows as it was when opened (rows appended later are not read),
/// consulted in increasing id order.
struct DoneIds {
    reader: Option<BufReader<std::io::Take<File>>>,
    head: Option<u64>,
}

impl DoneIds {
    fn open(path: &Path) -> Result<DoneIds, SweepError> {
        let io = |e: std::io::Error| SweepError::Io(format!("{}: {e}", path.display()));
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut reader = BufReader::new(file.take(len));
        let mut header = String::new();
        reader.read_line(&mut header).map_err(io)?;
        let mut d = DoneIds {
            reader: Some(reader),
            head: None,
        };
        d.advance()?;
        Ok(d)
    }

    fn advance(&mut self) -> Result<(), SweepError> {
        self.head = None;
        if let Some(r) = &mut self.reader {
            let mut line = String::new();
            if r.read_line(&mut line)
                .map_err(|e| SweepError::Io(e.to_string()))?
                > 0
            {
                self.head = line_id(&line);
            }
        }
        Ok(())
    }

    /// True when `id` is already done. Calls must come in increasing `id` order.
    fn contains(&mut self, id: u64) -> Result<bool, SweepError> {
        while let Some(h) = self.head {
            if h >= id {
                return Ok(h == id);
            }
            self.advance()?;
        }
        Ok(false)
    }
}

struct Pass<'a> {
    ev: &'a Evaluator<'a>,
    pool: &'a rayon::ThreadPool,
    stop: &'a AtomicBool,
    progress: &'a dyn Progress,
}

impl Pass<'_> {
    /// Evaluates `ids` (increasing) into `path`, skipping rows already there.
    #[allow(clippy::too_many_arguments)]
    fn listed(
        &self,
        path: &Path,
        header: &str,
        ids: impl Iterator<Item = u64>,
        total: u64,
        fidelity: RunFidelity,
        label: &str,
        summary: &mut SweepSummary,
    ) -> Result<(), SweepError> {
        let mut target = open_target(path, header)?;
        summary.resumed += target.resumed;
        self.progress.start(label, total, target.resumed.min(total));
        let mut ids = ids.peekable();
        let mut chunk: Vec<u64> = Vec::with_capacity(CHUNK);
        let result = loop {
            chunk.clear();
            while chunk.len() < CHUNK {
                let Some(id) = ids.next() else { break };
                if !target.done.contains(id)? {
                    chunk.push(id);
                }
            }
            if chunk.is_empty() {
                break Ok(());
            }
            let (done, err) = self.run_chunk(&chunk, fidelity, &target.writer, |_, _| {});
            summary.evaluated += done;
            if let Some(e) = err {
                break Err(e);
            }
            if self.stop.load(Ordering::SeqCst) {
                break Err(self.interrupted(path));
            }
        };
        self.progress.finish();
        result
    }

    /// Evaluates `ids` in parallel, writing each row as it finishes; `each` sees every result.
    /// Returns how many finished and the first write error.
    fn run_chunk(
        &self,
        ids: &[u64],
        fidelity: RunFidelity,
        writer: &Mutex<RowWriter>,
        each: impl Fn(u64, &Fitness) + Sync,
    ) -> (u64, Option<SweepError>) {
        let failed: Mutex<Option<SweepError>> = Mutex::new(None);
        let abort = AtomicBool::new(false);
        let done = self.pool.install(|| {
            ids.par_iter()
                .map(|&id| {
                    if self.stop.load(Ordering::SeqCst) || abort.load(Ordering::SeqCst) {
                        return 0u64;
                    }
                    let row = self.ev.evaluate(id, fidelity);
                    let written = writer
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .write_line(&row.line);
                    if let Err(e) = written {
                        abort.store(true, Ordering::SeqCst);
                        failed
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(e.into());
                        return 0;
                    }
                    each(id, &row.fitness);
                    self.progress.inc();
                    1
                })
                .sum()
        });
        (done, failed.into_inner().unwrap_or_else(|p| p.into_inner()))
    }

    fn interrupted(&self, path: &Path) -> SweepError {
        SweepError::Interrupted(format!(
            "interrupted; every finished point is in {}",
            path.display()
        ))
    }

    /// NSGA-II per model. Points already in `path` (an interrupted run) are read back instead of
    /// evaluated again, so a resumed search replays the same generations.
    fn nsga2(
        &self,
        path: &Path,
        header: &str,
        cfg: &Nsga2Config,
        fidelity: RunFidelity,
        total: u64,
        summary: &mut SweepSummary,
    ) -> Result<(), SweepError> {
        let target = open_target(path, header)?;
        summary.resumed += target.resumed;
        let mut cache: HashMap<u64, Fitness> = HashMap::new();
        super::front::for_each_row(self.ev, path, |info, _| {
            cache.insert(info.id, info.fitness.clone());
            Ok(())
        })?;
        self.progress.start("nsga2 evaluations", total, 0);
        let radix: Vec<usize> = self
            .ev
            .space
            .param_radix()
            .iter()
            .map(|r| *r as usize)
            .collect();
        let mut result = Ok(());
        for model in 0..self.ev.spec.models.len() {
            // A distinct, reproducible stream per model.
            let model_cfg = Nsga2Config {
                seed: cfg.seed ^ (model as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                ..*cfg
            };
            let run = nsga2::run(&radix, &model_cfg, |genomes| {
                let ids: Vec<u64> = genomes
                    .iter()
                    .map(|g| self.ev.space.encode(model, g))
                    .collect();
                let mut fresh: Vec<u64> = ids
                    .iter()
                    .copied()
                    .filter(|id| !cache.contains_key(id))
                    .collect();
                fresh.sort_unstable();
                fresh.dedup();
                let found = Mutex::new(Vec::new());
                let (done, err) = self.run_chunk(&fresh, fidelity, &target.writer, |id, f| {
                    found
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((id, f.clone()));
                });
                summary.evaluated += done;
                // Repeated and cached genomes count as done too.
                for _ in done..ids.len() as u64 {
                    self.progress.inc();
                }
                cache.extend(found.into_inner().unwrap_or_else(|p| p.into_inner()));
                if let Some(e) = err {
                    return Err(e);
                }
                if self.stop.load(Ordering::SeqCst) {
                    return Err(self.interrupted(path));
                }
                ids.iter()
                    .map(|id| {
                        cache
                            .get(id)
                            .cloned()
                            .ok_or_else(|| SweepError::Io(format!("point {id} was not evaluated")))
                    })
                    .collect()
            });
            if let Err(e) = run {
                result = Err(e);
                break;
            }
        }
        self.progress.finish();
        result
    }
}
