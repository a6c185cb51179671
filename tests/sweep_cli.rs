//! End-to-end tests of `cimsim sweep` and `cimsim merge`: sharding, resuming after SIGKILL,
//! thread-count independence, bad specs failing before any point runs, refusing another spec's
//! results, the point limit, NSGA-II and screening. Small analytic sweeps, so they run in seconds.

mod common;

use assert_cmd::assert::Assert;
use assert_cmd::Command;
use common::{data_lines, read, spawn, sweep, sweep_cmd, wait_for_rows, write_spec};
use std::path::{Path, PathBuf};

/// 24 points: 3 x 2 x 2 x 2.
const SMALL: &str = r#"
models = ["smollm2-135m"]
constraints = ["area_mm2 <= 40"]
[workload]
prompt = 8
generate = 4
[space]
"chip.tiles" = [2, 4, 8]
"macro.rows" = [128, 256]
"dram.preset" = ["lpddr4-3200", "lpddr5-6400"]
mapping = ["balanced-pipeline", "sequential"]
"#;

/// `SMALL` as `dir/a.toml` and, with `from` replaced by `to`, as `dir/b.toml`.
fn small_and_changed(dir: &Path, from: &str, to: &str) -> (PathBuf, PathBuf) {
    let a = write_spec(dir, "a.toml", SMALL);
    let b = write_spec(dir, "b.toml", &SMALL.replace(from, to));
    (a, b)
}

/// `SMALL` searched by NSGA-II with a population of 6.
fn small_nsga2(generations: u32, seed: u64) -> String {
    format!(
        "{SMALL}[search]\nkind = \"nsga2\"\npopulation = 6\ngenerations = {generations}\nseed = {seed}\n"
    )
}

/// Runs `spec` analytically on one thread into `dir/j1` and on two into `dir/j2`.
fn on_one_and_two_threads(spec: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let (one, two) = (dir.join("j1"), dir.join("j2"));
    sweep(spec, &one, &["--jobs", "1"]);
    sweep(spec, &two, &["--jobs", "2"]);
    (one, two)
}

/// The files a screened sweep writes its rows to.
const SCREENED: [&str; 3] = ["results.csv", "refined.csv", "pareto.csv"];

/// `cimsim merge <dirs> --out <out>`, run.
fn merge(dirs: &[PathBuf], out: &Path) -> Assert {
    Command::cargo_bin("cimsim")
        .unwrap()
        .arg("merge")
        .args(dirs)
        .arg("--out")
        .arg(out)
        .assert()
}

/// Runs `cimsim sweep <spec> --out <out> <args>` and asserts that it fails as bad input (exit
/// code 2) with every one of `words` in its message.
fn refused(spec: &Path, out: &Path, args: &[&str], words: &[&str]) {
    let mut assert = sweep_cmd(spec, out, args).assert().code(2);
    for w in words {
        assert = assert.stderr(predicates::str::contains(*w));
    }
}

/// The point id that starts a results row.
fn point_id(row: &str) -> u64 {
    row.split(',').next().unwrap().parse().unwrap()
}

/// The metadata a sweep wrote to `out/sweep.json`.
fn sweep_json(out: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&out.join("sweep.json"))).unwrap()
}

/// What a finished run printed on stdout.
fn stdout_of(run: &Assert) -> String {
    String::from_utf8_lossy(&run.get_output().stdout).to_string()
}

/// Asserts that `files` have the same bytes in directories `a` and `b`.
fn assert_same_files(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        assert_eq!(read(&a.join(f)), read(&b.join(f)), "{f}");
    }
}

/// Runs `spec` in `shards` shards (`dir/shard<i>`, each with `extra` arguments) at its own
/// fidelity and merges them into `dir/merged`; returns the shard directories and the merged one.
fn shard_and_merge(
    spec: &Path,
    dir: &Path,
    shards: u32,
    extra: &[&str],
) -> (Vec<PathBuf>, PathBuf) {
    let mut dirs = Vec::new();
    for i in 0..shards {
        let d = dir.join(format!("shard{i}"));
        sweep_cmd(spec, &d, &["--shard", &format!("{i}/{shards}")])
            .args(extra)
            .assert()
            .success();
        dirs.push(d);
    }
    let merged = dir.join("merged");
    merge(&dirs, &merged).success();
    (dirs, merged)
}

#[test]
fn rows_have_the_documented_columns_and_a_front() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), "s.toml", SMALL);
    let out = dir.path().join("out");
    sweep(&spec, &out, &["--jobs", "2"]);
    let results = read(&out.join("results.csv"));
    let header: Vec<&str> = results.lines().next().unwrap().split(',').collect();
    assert_eq!(
        &header[..6],
        [
            "point_id",
            "model",
            "chip.tiles",
            "macro.rows",
            "dram.preset",
            "mapping"
        ]
    );
    for col in [
        "decode_s_per_token",
        "decode_j_per_token",
        "area_mm2",
        "energy_breakdown_j.dram_read_write",
        "energy_breakdown_j.dram_background",
        "power_w",
    ] {
        assert!(header.contains(&col), "{col} missing");
    }
    assert_eq!(header[header.len() - 2..], ["feasible", "error"]);
    let rows = data_lines(&results);
    assert_eq!(rows.len(), 24);
    let ids: Vec<u64> = rows.iter().map(|r| point_id(r)).collect();
    assert_eq!(ids, (0..24).collect::<Vec<_>>());
    // Point 23 = last value of every parameter (the last varies fastest).
    assert!(
        rows[23].starts_with("23,smollm2-135m,8,256,lpddr5-6400,sequential,"),
        "{}",
        rows[23]
    );
    let pareto = read(&out.join("pareto.csv"));
    assert!(pareto.lines().next().unwrap().ends_with(",knee"));
    let front = data_lines(&pareto);
    assert!(!front.is_empty());
    assert_eq!(
        front.iter().filter(|l| l.ends_with(",true")).count(),
        1,
        "one knee"
    );
    let meta = sweep_json(&out);
    assert_eq!(meta["complete"], true);
    assert_eq!(meta["rows"], 24);
}

#[test]
fn shards_union_equals_the_unsharded_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), "s.toml", SMALL);
    let whole = dir.path().join("whole");
    sweep(&spec, &whole, &[]);
    let mut shard_dirs = Vec::new();
    let mut union: Vec<String> = Vec::new();
    for i in 0..3 {
        let d = dir.path().join(format!("shard{i}"));
        sweep(&spec, &d, &["--shard", &format!("{i}/3")]);
        let rows = data_lines(&read(&d.join("results.csv")));
        assert_eq!(rows.len(), 8);
        assert!(rows.iter().all(|r| point_id(r) % 3 == i));
        union.extend(rows);
        shard_dirs.push(d);
    }
    union.sort_by_key(|r| point_id(r));
    let whole_text = read(&whole.join("results.csv"));
    assert_eq!(union, data_lines(&whole_text), "same rows, same values");

    let merged = dir.path().join("merged");
    merge(&shard_dirs, &merged).success();
    assert_eq!(read(&merged.join("results.csv")), whole_text);
    assert_same_files(&merged, &whole, &["pareto.csv"]);
}

#[test]
fn merge_refuses_mixed_specs_and_incomplete_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = small_and_changed(dir.path(), "prompt = 8", "prompt = 9");
    sweep(&a, &dir.path().join("a"), &["--shard", "0/2"]);
    sweep(&b, &dir.path().join("b"), &["--shard", "1/2"]);
    merge(
        &[dir.path().join("a"), dir.path().join("b")],
        &dir.path().join("m"),
    )
    .code(2)
    .stderr(predicates::str::contains("different sweeps"));
}

#[test]
fn one_and_two_threads_give_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), "s.toml", SMALL);
    let (one, two) = on_one_and_two_threads(&spec, dir.path());
    assert_same_files(&one, &two, &["results.csv", "pareto.csv", "sweep.json"]);
}

#[test]
fn a_killed_sweep_resumes_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    // 144 points, slow enough on one thread to be killed midway.
    let spec = write_spec(dir.path(), "s.toml", common::SPEC_144);
    let reference = dir.path().join("reference");
    sweep(&spec, &reference, &["--jobs", "2"]);
    let expected = read(&reference.join("results.csv"));
    assert_eq!(data_lines(&expected).len(), 144);

    let out = dir.path().join("killed");
    let results = out.join("results.csv");
    let mut child = spawn(&spec, &out, "analytic", false);
    let killed_with = wait_for_rows(&mut child, &results, 5);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(killed_with >= 5, "the sweep never wrote 5 rows");
    let partial = read(&results);
    let partial_rows = data_lines(&partial);
    assert!(partial_rows.len() < 144, "killed midway, not after the end");
    // Simulate a torn last write as well: half a row without its newline.
    std::fs::write(&results, format!("{partial}143,smollm2-135m,8,512,lpdd")).unwrap();

    sweep(&spec, &out, &["--jobs", "2", "--resume"]);
    assert_eq!(read(&results), expected);
    assert_same_files(&out, &reference, &["pareto.csv"]);
    // Resuming a finished sweep changes nothing.
    sweep(&spec, &out, &["--resume"]);
    assert_eq!(read(&results), expected);
}

#[test]
fn resume_refuses_another_specs_results_and_fresh_runs_refuse_a_used_dir() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = small_and_changed(dir.path(), "area_mm2 <= 40", "area_mm2 <= 30");
    let out = dir.path().join("out");
    sweep(&a, &out, &[]);
    let before = read(&out.join("results.csv"));
    let analytic_resume = ["--fidelity", "analytic", "--resume"];
    refused(&b, &out, &analytic_resume, &["different sweep"]);
    let screen_resume = ["--fidelity", "screen", "--resume"];
    refused(&a, &out, &screen_resume, &["different sweep"]);
    refused(&a, &out, &["--fidelity", "analytic"], &["--resume"]);
    assert_eq!(
        read(&out.join("results.csv")),
        before,
        "refusals leave the results alone"
    );
}

#[test]
fn bad_specs_fail_before_any_point_runs_naming_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let head = "models = [\"smollm2-135m\"]\n";
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "[space]\n\"macro.row\" = [128]\n",
            ":3:",
            &["macro.row", "did you mean `macro.rows`"],
        ),
        (
            "[space]\n\"chip.tiles\" = []\n",
            ":3:",
            &["chip.tiles", "empty"],
        ),
        (
            "[space]\n\"chip.tiles\" = {from = 1, to = 8, step = 0}\n",
            ":3:",
            &["chip.tiles", "step"],
        ),
        (
            "[space]\n\"chip.tiles\" = {from = 1, to = 8, mul = 1}\n",
            ":3:",
            &["chip.tiles", "mul"],
        ),
        (
            "objectives = [\"latency\"]\n",
            ":2:",
            &["objectives", "latency"],
        ),
        (
            "constraints = [\"watts <= 5\"]\n",
            ":2:",
            &["watts", "unknown metric"],
        ),
        ("[search]\nkind = \"nsga3\"\n", ":3:", &["nsga3", "nsga2"]),
    ];
    for (i, (tail, line, words)) in cases.iter().enumerate() {
        let spec = write_spec(
            dir.path(),
            &format!("bad{i}.toml"),
            &format!("{head}{tail}"),
        );
        let out = dir.path().join(format!("out{i}"));
        let assert = sweep_cmd(&spec, &out, &[]).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(
            stderr.contains(&format!("bad{i}.toml{line}")),
            "{tail}: {stderr}"
        );
        for w in *words {
            assert!(stderr.contains(w), "{tail}: `{stderr}` lacks `{w}`");
        }
        assert!(!out.exists(), "nothing runs for a bad spec");
    }
}

#[test]
fn a_grid_over_the_limit_says_how_many_points_and_asks_for_max_points() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "big.toml",
        "models = [\"smollm2-135m\"]\n[space]\n\"chip.tiles\" = {from = 1, to = 4096, step = 1}\n\"macro.rows\" = {from = 8, to = 4096, step = 1}\n",
    );
    let out = dir.path().join("out");
    refused(&spec, &out, &[], &["16748544 points", "--max-points"]);
    assert!(!out.exists());
    // A small sweep obeys a smaller explicit limit too.
    let small = write_spec(dir.path(), "s.toml", SMALL);
    refused(&small, &out, &["--max-points", "10"], &["24 points"]);
}

#[test]
fn nsga2_is_seeded_and_thread_count_independent() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), "s.toml", &small_nsga2(3, 5));
    let (one, two) = on_one_and_two_threads(&spec, dir.path());
    assert_same_files(&one, &two, &["results.csv", "pareto.csv"]);
    let r1 = read(&one.join("results.csv"));
    // At most population x (generations + 1) distinct points, at least the first generation.
    let n = data_lines(&r1).len();
    assert!((6..=24).contains(&n), "{n} rows");
    let sharded = dir.path().join("sharded");
    refused(&spec, &sharded, &["--shard", "0/2"], &["nsga2"]);
}

#[test]
fn invalid_points_become_error_rows() {
    let dir = tempfile::tempdir().unwrap();
    // 65536 write bits per cycle exceeds rows x cols for 128-row macros only.
    let spec = write_spec(
        dir.path(),
        "s.toml",
        "models = [\"smollm2-135m\"]\n[workload]\nprompt = 4\ngenerate = 2\n[space]\n\"macro.rows\" = [128, 256]\n\"macro.write_bits_per_cycle\" = [256, 65536]\n",
    );
    let out = dir.path().join("out");
    sweep(&spec, &out, &[]);
    let rows = data_lines(&read(&out.join("results.csv")));
    assert_eq!(rows.len(), 4);
    // Point 1 = rows 128, 65536 bits: more than 128 x 256.
    assert!(
        rows[1].contains("macro.write_bits_per_cycle"),
        "{}",
        rows[1]
    );
    assert!(
        rows[1].contains(",false,"),
        "error rows are not feasible: {}",
        rows[1]
    );
    assert!(rows[0].ends_with(",true,"), "{}", rows[0]);
}

/// Cycle-level runs are slow in debug builds; the release suite (`cargo test --release`) runs it.
#[test]
#[cfg_attr(debug_assertions, ignore)]
fn screen_refines_the_candidates_at_cycle_fidelity() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "s.toml",
        "models = [\"smollm2-135m\"]\n[workload]\nprompt = 4\ngenerate = 2\n[space]\n\"chip.tiles\" = [2, 4, 8]\n\"dram.preset\" = [\"lpddr4-3200\", \"lpddr5-6400\"]\n[search]\nkind = \"grid\"\nscreen_margin = 0.0\n",
    );
    let out = dir.path().join("out");
    sweep_cmd(&spec, &out, &["--jobs", "2"]).assert().success();
    let results = data_lines(&read(&out.join("results.csv")));
    assert_eq!(results.len(), 6);
    assert!(results.iter().all(|r| r.contains(",analytic,")));
    let refined = data_lines(&read(&out.join("refined.csv")));
    assert!(
        !refined.is_empty() && refined.len() < 6,
        "{} refined",
        refined.len()
    );
    assert!(refined.iter().all(|r| r.contains(",cycle,")));
    let front = data_lines(&read(&out.join("pareto.csv")));
    assert!(front.iter().all(|r| r.contains(",cycle,")));

    // Shards refine the candidates of their own fronts (a superset); the merge keeps those of
    // the whole, so it equals the unsharded sweep.
    let (_, merged) = shard_and_merge(&spec, dir.path(), 2, &[]);
    assert_same_files(&merged, &out, &SCREENED);
}

#[test]
fn an_interrupted_nsga2_search_resumes_to_the_same_generations() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), "s.toml", &small_nsga2(4, 11));
    let whole = dir.path().join("whole");
    sweep(&spec, &whole, &[]);
    let full = read(&whole.join("results.csv"));
    let lines: Vec<&str> = full.lines().collect();
    assert!(lines.len() > 8);
    // What an interruption leaves: the metadata of an incomplete run and some rows, out of
    // order, the last one torn.
    let out = dir.path().join("cut");
    std::fs::create_dir_all(&out).unwrap();
    let meta = read(&whole.join("sweep.json")).replace("\"complete\": true", "\"complete\": false");
    std::fs::write(out.join("sweep.json"), meta).unwrap();
    let mut partial = format!("{}\n", lines[0]);
    for l in [lines[5], lines[2], lines[7]] {
        partial.push_str(l);
        partial.push('\n');
    }
    partial.push_str(&lines[3][..20]);
    std::fs::write(out.join("results.csv"), partial).unwrap();
    sweep(&spec, &out, &["--resume", "--jobs", "2"]);
    assert_eq!(read(&out.join("results.csv")), full);
    assert_same_files(&out, &whole, &["pareto.csv"]);
}

/// The objectives of each eligible row of a results file: (id, decode_s, energy_j).
fn eligible_objectives(text: &str) -> Vec<(u64, f64, f64)> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let (id, lat, en, feasible, error) = (
        col("point_id"),
        col("decode_s_per_token"),
        col("decode_j_per_token"),
        col("feasible"),
        col("error"),
    );
    lines
        .map(|l| l.split(',').collect::<Vec<&str>>())
        .filter(|f| f[feasible] == "true" && f[error].is_empty())
        .map(|f| {
            (
                f[id].parse().unwrap(),
                f[lat].parse().unwrap(),
                f[en].parse().unwrap(),
            )
        })
        .collect()
}

/// Cycle-level runs are slow in debug builds; the release suite (`cargo test --release`) runs it.
#[test]
#[cfg_attr(debug_assertions, ignore)]
fn screen_budget_refines_the_closest_candidates_and_says_what_it_guarantees() {
    let dir = tempfile::tempdir().unwrap();
    let budget = 6;
    let spec = write_spec(
        dir.path(),
        "s.toml",
        &format!(
            "models = [\"smollm2-135m\"]\n[workload]\nprompt = 4\ngenerate = 2\n[space]\n\
             \"chip.tiles\" = [2, 4, 8]\n\"dram.preset\" = [\"lpddr4-3200\", \"lpddr5-6400\"]\n\
             \"clock.freq_mhz\" = [100.0, 200.0, 300.0]\n\
             [search]\nkind = \"grid\"\nscreen_margin = 0.5\nscreen_budget = {budget}\n"
        ),
    );
    let out = dir.path().join("out");
    let stdout = stdout_of(&sweep_cmd(&spec, &out, &["--jobs", "2"]).assert().success());

    // The expected choice, from the analytic rows: the front; the candidates, whose
    // b(p) = max over the other front points of min_k p_k / f_k, minus 1, is within the margin;
    // and the `budget` candidates with the smallest gap g(p) = min over the front points of
    // max_k p_k / f_k, minus 1 (ties by id).
    let rows = eligible_objectives(&read(&out.join("results.csv")));
    let front: Vec<&(u64, f64, f64)> = rows
        .iter()
        .filter(|p| {
            !rows
                .iter()
                .any(|q| q.1 <= p.1 && q.2 <= p.2 && (q.1 < p.1 || q.2 < p.2))
        })
        .collect();
    let mut candidates: Vec<(f64, u64)> = rows
        .iter()
        .map(|p| {
            let b = front
                .iter()
                .filter(|f| f.0 != p.0)
                .map(|f| (p.1 / f.1).min(p.2 / f.2) - 1.0)
                .fold(-1.0f64, f64::max);
            let g = front
                .iter()
                .map(|f| (p.1 / f.1).max(p.2 / f.2) - 1.0)
                .fold(f64::INFINITY, f64::min);
            (b, g, p.0)
        })
        .filter(|(b, _, _)| *b <= 0.5)
        .map(|(_, g, id)| (g, id))
        .collect();
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    assert!(
        candidates.len() > budget + 1 && front.len() < budget,
        "the test needs a front within the budget and more candidates: {candidates:?}"
    );
    let mut expected: Vec<u64> = candidates.iter().take(budget).map(|c| c.1).collect();
    expected.sort_unstable();
    let refined: Vec<u64> = data_lines(&read(&out.join("refined.csv")))
        .iter()
        .map(|l| point_id(l))
        .collect();
    assert_eq!(refined, expected, "candidates by distance: {candidates:?}");

    // sweep.json and the last lines say what was admitted, refined and guaranteed.
    let meta = sweep_json(&out);
    let s = &meta["screening"];
    assert_eq!(s["candidates"], candidates.len() as u64, "{s}");
    assert_eq!(s["refined"], budget as u64);
    assert_eq!(s["budget_per_model"], budget as u64);
    let effective = s["effective_margin"].as_f64().unwrap();
    let closest = s["models"][0]["closest_unrefined"].as_f64().unwrap();
    assert!((effective - candidates[budget - 1].0).abs() < 1e-12, "{s}");
    assert!((closest - candidates[budget].0).abs() < 1e-12, "{s}");
    assert!(
        stdout.contains(&format!(
            "screening: {} points within the 50.000 % margin of their analytic front, {budget} refined at cycle fidelity (budget {budget} per model); every point within {:.3} % of the front in every objective was refined",
            candidates.len(),
            effective * 100.0
        )),
        "{stdout}"
    );

    // Shards rank against their own fronts; the merge chooses over the whole by the same rule
    // (running the chosen points no shard refined) and equals the unsharded sweep.
    let (shards, merged) = shard_and_merge(&spec, dir.path(), 3, &["--jobs", "1"]);
    assert_same_files(&merged, &out, &SCREENED);
    assert_eq!(sweep_json(&merged)["screening"], meta["screening"]);

    // A shard that spent its budget on other points: the chosen points it lacks run in the
    // merge, which still equals the unsharded sweep.
    let chosen_in = |d: &PathBuf| {
        data_lines(&read(&d.join("refined.csv")))
            .iter()
            .filter(|l| expected.contains(&point_id(l)))
            .count()
    };
    let emptied = shards.iter().max_by_key(|d| chosen_in(d)).unwrap();
    let lacking = chosen_in(emptied);
    assert!(lacking > 0, "no shard refined a chosen point");
    let text = read(&emptied.join("refined.csv"));
    std::fs::write(
        emptied.join("refined.csv"),
        text.lines().next().unwrap().to_string() + "\n",
    )
    .unwrap();
    let merged2 = dir.path().join("merged2");
    let stdout = stdout_of(&merge(&shards, &merged2).success());
    assert!(
        stdout.contains(&format!(
            "{lacking} chosen points were refined by no shard and ran at cycle fidelity here"
        )),
        "{stdout}"
    );
    assert_same_files(&merged2, &out, &SCREENED);
}

/// Two mapping names that plan a design identically are one run: the rows carry the same
/// figures, each its own name and the other's in `same_plan_as`, and the sweep says so.
#[test]
fn mappings_with_the_same_plan_are_evaluated_once() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "s.toml",
        "models = [\"smollm2-135m\"]\n[workload]\nprompt = 8\ngenerate = 4\n[space]\n\
         mapping = [\"balanced-pipeline\", \"double-buffered\"]\n",
    );
    let out = dir.path().join("out");
    let assert = sweep_cmd(&spec, &out, &["--fidelity", "analytic"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("1 points share a run"), "{stderr}");
    let text = read(&out.join("results.csv"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| {
            csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes())
                .records()
                .next()
                .unwrap()
                .unwrap()
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    assert_eq!(rows[0][col("mapping")], "balanced-pipeline");
    assert_eq!(rows[1][col("mapping")], "double-buffered");
    assert_eq!(rows[0][col("same_plan_as")], "[\"double-buffered\"]");
    assert_eq!(rows[1][col("same_plan_as")], "[\"balanced-pipeline\"]");
    for m in [
        "decode_s_per_token",
        "decode_j_per_token",
        "ttft_s",
        "area_mm2",
    ] {
        assert_eq!(rows[0][col(m)], rows[1][col(m)], "{m}");
    }
}
