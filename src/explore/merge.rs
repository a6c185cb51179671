//! Joining the output directories of shards (or of any complete runs of one spec): the
//! results sorted by point id, the front recomputed over the whole, and, for `screen` sweeps,
//! the points to refine chosen again by the same rule (margin and budget) over the whole. The
//! cycle-level rows of the chosen points come from the shards' `refined.csv`; a shard ranks its
//! points against its own, weaker front, so with a budget it may have spent it on points the
//! whole sweep does not choose, and the chosen points no shard refined are run here (cycle rows
//! depend only on the point). So a merge of all shards gives the same files as the unsharded
//! sweep.

use super::csvio::{for_each_line, line_id, sort_rows};
use super::eval::Evaluator;
use super::front::{fronts, screen_candidates, write_pareto, ScreenSummary};
use super::meta::{
    read_meta, write_meta, SweepMeta, META_FILE, PARETO_FILE, REFINED_FILE, RESULTS_FILE,
};
use super::search::Shard;
use super::SweepError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a merge produced.
#[derive(Debug, Clone, Default)]
pub struct MergeSummary {
    pub inputs: usize,
    pub rows: u64,
    pub refined_rows: u64,
    pub pareto_rows: u64,
    /// `I/N` of each shard merged, sorted.
    pub shards: Vec<String>,
    /// Shards of the same count that are not among the inputs.
    pub missing_shards: Vec<String>,
    /// `screen`: what the margin admitted over the whole and what was refined.
    pub screening: Option<ScreenSummary>,
    /// `screen`: chosen points no shard had refined, run at cycle fidelity by the merge.
    pub refined_by_merge: u64,
}

/// Merges sweep directories `inputs` into `out` (which must not hold a sweep yet).
pub fn merge_dirs(inputs: &[PathBuf], out: &Path) -> Result<MergeSummary, SweepError> {
    let bad = SweepError::BadInput;
    if inputs.is_empty() {
        return Err(bad("merge needs at least one sweep directory".into()));
    }
    let mut metas: Vec<SweepMeta> = Vec::new();
    for dir in inputs {
        if !dir.is_dir() {
            return Err(bad(format!("{}: not a directory", dir.display())));
        }
        let meta = read_meta(dir)?.ok_or_else(|| {
            bad(format!(
                "{}: no {META_FILE}; not a sweep directory",
                dir.display()
            ))
        })?;
        if !meta.complete {
            return Err(bad(format!(
                "{}: the sweep is not complete (interrupted?); finish it with `cimsim sweep {} --out {}{} --resume` first",
                dir.display(),
                meta.spec,
                dir.display(),
                meta.shard.as_ref().map(|s| format!(" --shard {s}")).unwrap_or_default()
            )));
        }
        if let Some(first) = metas.first() {
            if meta.spec_hash != first.spec_hash || meta.fidelity != first.fidelity {
                return Err(bad(format!(
                    "{} and {} come from different sweeps (spec hash {} {} vs {} {}); merge only shards of one spec",
                    inputs[0].display(),
                    dir.display(),
                    first.spec_hash,
                    first.fidelity,
                    meta.spec_hash,
                    meta.fidelity
                )));
            }
        }
        metas.push(meta);
    }
    let same_dir = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    };
    if inputs.iter().any(|d| same_dir(d, out)) {
        return Err(bad(format!(
            "--out {} is one of the inputs; choose a new directory",
            out.display()
        )));
    }
    if out.join(META_FILE).exists() || out.join(RESULTS_FILE).exists() {
        return Err(bad(format!(
            "--out {} already holds a sweep; choose a new directory",
            out.display()
        )));
    }

    // Shards: distinct, of one count.
    let mut shards: Vec<Shard> = Vec::new();
    for (m, dir) in metas.iter().zip(inputs) {
        if let Some(s) = &m.shard {
            let shard: Shard = s
                .parse()
                .map_err(|e: String| bad(format!("{}: {e}", dir.display())))?;
            if shards.contains(&shard) {
                return Err(bad(format!(
                    "shard {shard} is given twice ({})",
                    dir.display()
                )));
            }
            if shards.first().is_some_and(|f| f.count != shard.count) {
                return Err(bad(format!(
                    "{}: shard {shard} is of another sharding than {}",
                    dir.display(),
                    shards[0]
                )));
            }
            shards.push(shard);
        }
    }
    shards.sort_by_key(|s| s.index);
    let missing: Vec<String> = match shards.first() {
        Some(f) if metas.iter().all(|m| m.shard.is_some()) => (0..f.count)
            .filter(|i| !shards.iter().any(|s| s.index == *i))
            .map(|i| format!("{i}/{}", f.count))
            .collect(),
        _ => Vec::new(),
    };

    let spec = metas[0].checked_spec.clone();
    let ev = Evaluator::for_reading(&spec).map_err(bad)?;
    let header = ev.layout.header_line();
    std::fs::create_dir_all(out)
        .map_err(|e| SweepError::Io(format!("cannot create {}: {e}", out.display())))?;
    let results = out.join(RESULTS_FILE);
    let result_inputs: Vec<PathBuf> = inputs.iter().map(|d| d.join(RESULTS_FILE)).collect();
    let rows = sort_rows(&result_inputs, &header, &results, out)?;

    let mut refined_rows = 0;
    let mut refined_by_merge = 0;
    let mut screening = None;
    let mut final_file = results.clone();
    if metas[0].fidelity == "screen" {
        let analytic = fronts(&ev, &results)?;
        let chosen = screen_candidates(
            &ev,
            &results,
            &analytic,
            spec.screen_margin,
            spec.screen_budget,
        )?;
        let refined = out.join(REFINED_FILE);
        let refined_inputs: Vec<PathBuf> = inputs.iter().map(|d| d.join(REFINED_FILE)).collect();
        sort_rows(&refined_inputs, &header, &refined, out)?;
        refined_rows = keep_only(&refined, &header, &chosen.ids)?;
        if refined_rows < chosen.ids.len() as u64 {
            let runner = Evaluator::new(&spec).map_err(|e| {
                bad(format!(
                    "{} chosen points were refined by no shard and must run here, but: {e}",
                    chosen.ids.len() as u64 - refined_rows
                ))
            })?;
            let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
            let before = refined_rows;
            refined_rows = super::runner::refine_points(&runner, &refined, &chosen.ids, jobs)?;
            refined_by_merge = refined_rows - before;
        }
        screening = Some(chosen.summary);
        final_file = refined;
    }
    let model_fronts = fronts(&ev, &final_file)?;
    let pareto_rows = write_pareto(&ev.layout, &model_fronts, &out.join(PARETO_FILE))? as u64;

    let shard_names: Vec<String> = shards.iter().map(|s| s.to_string()).collect();
    let meta = SweepMeta {
        shard: None,
        points_planned: metas.iter().map(|m| m.points_planned).sum(),
        complete: missing.is_empty(),
        rows,
        refined_rows,
        pareto_rows,
        screening: screening.clone(),
        merged_shards: shard_names.clone(),
        ..metas[0].clone()
    };
    write_meta(out, &meta)?;
    Ok(MergeSummary {
        inputs: inputs.len(),
        rows,
        refined_rows,
        pareto_rows,
        shards: shard_names,
        missing_shards: missing,
        screening,
        refined_by_merge,
    })
}

/// Rewrites `path` (sorted) keeping only the rows whose id is in `keep` (sorted).
fn keep_only(path: &Path, header: &str, keep: &[u64]) -> Result<u64, SweepError> {
    let mut text = header.to_string();
    let mut next = 0;
    let mut kept = 0;
    for_each_line(path, |line| {
        let id = line_id(line).unwrap_or(u64::MAX);
        while next < keep.len() && keep[next] < id {
            next += 1;
        }
        if next < keep.len() && keep[next] == id {
            text.push_str(line);
            text.push('\n');
            kept += 1;
        }
        Ok(())
    })?;
    let mut f = Vec::new();
    f.write_all(text.as_bytes())
        .map_err(|e| SweepError::Io(e.to_string()))?;
    super::write_atomic(path, &f)
        .map_err(|e| SweepError::Io(format!("cannot write {}: {e}", path.display())))?;
    Ok(kept)
}
