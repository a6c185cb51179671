//! The habits of the command line (issue 14): a help line for every flag of every subcommand,
//! the shared flags alike wherever they appear, `-o/--out` for every output, quiet success on a
//! closed pipe, no backtrace ever, completions and a man page from the clap tree, `NO_COLOR`,
//! and the exit-code contract of the README — 0 success, 2 bad input or an unwritable output
//! path (for every subcommand), 1 an internal failure.

use assert_cmd::Command;
use clap::CommandFactory;
use predicates::str::contains;
use std::collections::BTreeMap;
use std::io::Read;
use std::process::Stdio;

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").unwrap()
}

fn tree() -> clap::Command {
    let mut c = cimsim::cli::Cli::command();
    c.build();
    c
}

/// Every (sub)command with its path, `cimsim plot context` style.
fn walk(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
    out.push((path.clone(), cmd.clone()));
    // clap's own `help` subcommands are not ours.
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        walk(sub, format!("{path} {}", sub.get_name()), out);
    }
}

fn commands() -> Vec<(String, clap::Command)> {
    let mut out = Vec::new();
    walk(&tree(), "cimsim".into(), &mut out);
    out
}

/// The leaf subcommands (`cimsim model show`, not `cimsim model`), without clap's `help`.
fn leaves() -> Vec<String> {
    commands()
        .into_iter()
        .filter(|(_, c)| !c.has_subcommands())
        .map(|(p, _)| p.trim_start_matches("cimsim ").to_string())
        .collect()
}

#[test]
fn every_flag_of_every_subcommand_has_a_help_line() {
    let mut missing = Vec::new();
    let mut seen = 0;
    for (path, cmd) in commands() {
        if cmd
            .get_about()
            .is_none_or(|a| a.to_string().trim().is_empty())
            && path != "cimsim"
        {
            missing.push(format!("{path}: no about line"));
        }
        for arg in cmd.get_arguments() {
            seen += 1;
            let help = arg
                .get_help()
                .or(arg.get_long_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            if help.trim().is_empty() {
                missing.push(format!("{path}: {}", arg.get_id()));
            }
        }
    }
    assert!(seen > 80, "only {seen} arguments walked");
    assert!(missing.is_empty(), "without help:\n{}", missing.join("\n"));
}

#[test]
fn the_help_of_every_subcommand_shows_every_flag_with_its_line() {
    // What a user sees: `--help` of each command lists each visible flag with text after it.
    for (path, cmd) in commands() {
        let args: Vec<&str> = path.split(' ').skip(1).chain(["--help"]).collect();
        let out = cimsim().args(&args).assert().success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let name = match (arg.get_long(), arg.get_value_names()) {
                (Some(l), _) => format!("--{l}"),
                (None, Some(v)) => format!("<{}>", v[0]),
                (None, None) => format!("<{}>", arg.get_id().as_str().to_uppercase()),
            };
            let line = text.lines().find(|l| l.contains(&name));
            assert!(
                line.is_some_and(|l| l.split(&name).nth(1).is_some_and(|rest| {
                    rest.trim().len() > 1 || text.contains(&format!("{name}\n"))
                })),
                "`{path} --help` shows no line for {name}:\n{text}"
            );
        }
    }
}

/// The flags shared by several subcommands: the same short flag, help, default and choices
/// wherever they appear (they are one definition, `src/cmd/args.rs`).
#[test]
fn shared_flags_agree_everywhere() {
    let shared = [
        "model", "config", "set", "prompt", "generate", "batch", "weights", "mapping", "fidelity",
        "exact",
    ];
    // (flag) -> [(command, short, help, defaults, choices)]
    let mut seen: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for (path, cmd) in commands() {
        // `dram --config` names a DRAM, `sweep --fidelity` (and `study`, which runs a sweep)
        // has a screen mode and `sensitivity --fidelity` defaults to analytic: other flags.
        for arg in cmd.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let Some(name) = shared.iter().find(|s| **s == long) else {
                continue;
            };
            if (path == "cimsim dram" && long == "config")
                || (path == "cimsim sweep" && long == "fidelity")
                || (path == "cimsim study" && long == "fidelity")
                || (path == "cimsim sensitivity" && long == "fidelity")
            {
                continue;
            }
            let sig = format!(
                "short {:?}, help {:?}, default {:?}, choices {:?}",
                arg.get_short(),
                arg.get_help().map(|h| h.to_string()),
                arg.get_default_values(),
                arg.get_possible_values()
                    .iter()
                    .map(|v| v.get_name().to_string())
                    .collect::<Vec<_>>()
            );
            seen.entry(name).or_default().push((path.clone(), sig));
        }
    }
    for (flag, uses) in &seen {
        let first = &uses[0].1;
        for (path, sig) in uses {
            assert_eq!(
                sig, first,
                "--{flag} differs in `{path}` from `{}`",
                uses[0].0
            );
        }
    }
    for flag in ["model", "mapping", "fidelity", "prompt"] {
        let users: Vec<&str> = seen[flag].iter().map(|(p, _)| p.as_str()).collect();
        for c in ["cimsim simulate", "cimsim plot roofline"] {
            assert!(users.contains(&c), "--{flag} missing from {c}: {users:?}");
        }
    }
    // The choices come from the registries.
    let sim = tree();
    let sim = sim.find_subcommand("simulate").unwrap();
    let mapping = sim
        .get_arguments()
        .find(|a| a.get_long() == Some("mapping"))
        .unwrap();
    let names: Vec<String> = mapping
        .get_possible_values()
        .iter()
        .map(|v| v.get_name().to_string())
        .collect();
    assert_eq!(names, mappings::strategy_names());
    let fidelity = sim
        .get_arguments()
        .find(|a| a.get_long() == Some("fidelity"))
        .unwrap();
    assert_eq!(fidelity.get_default_values(), ["cycle"]);
    let config = sim
        .get_arguments()
        .find(|a| a.get_long() == Some("config"))
        .unwrap();
    let help = config.get_help().unwrap().to_string();
    for p in sim::config::preset_names() {
        assert!(help.contains(p), "--config help lacks preset {p}: {help}");
    }
}

#[test]
fn every_output_flag_is_dash_o_dash_dash_out() {
    let mut outputs = 0;
    for (path, cmd) in commands() {
        for arg in cmd.get_arguments() {
            let long = arg.get_long().unwrap_or_default();
            if long == "out" || long == "output" || arg.get_short() == Some('o') {
                outputs += 1;
                assert_eq!(long, "out", "{path}");
                assert_eq!(arg.get_short(), Some('o'), "{path} --out has no -o");
                let aliases = arg.get_all_aliases().unwrap_or_default();
                assert!(
                    aliases.contains(&"output"),
                    "{path}: no hidden --output alias"
                );
            }
        }
    }
    assert!(outputs >= 9, "{outputs} output flags");
}

#[test]
fn short_flags_and_the_old_output_spelling_work() {
    let long = cimsim()
        .args([
            "simulate",
            "--model",
            "smollm2-135m",
            "--config",
            "edgecim-65nm",
            "--prompt",
            "8",
            "--generate",
            "2",
            "--batch",
            "1",
            "--weights",
            "int4",
            "--fidelity",
            "analytic",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let short = cimsim()
        .args([
            "simulate",
            "-m",
            "smollm2-135m",
            "-c",
            "edgecim-65nm",
            "-p",
            "8",
            "-g",
            "2",
            "-b",
            "1",
            "-w",
            "int4",
            "-f",
            "analytic",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(long, short);
    let dir = tempfile::tempdir().unwrap();
    for (i, flag) in ["-o", "--out", "--output"].iter().enumerate() {
        let path = dir.path().join(format!("g{i}.dot"));
        cimsim()
            .args([
                "model",
                "graph",
                "smollm2-135m",
                "--phase",
                "decode",
                "--kv",
                "4",
                flag,
            ])
            .arg(&path)
            .assert()
            .success();
        assert!(std::fs::read_to_string(&path).unwrap().contains("digraph"));
    }
    // `dram` has a default --config: the DRAM of the default hardware preset.
    let trace = dir.path().join("t.trace");
    std::fs::write(&trace, "0x100 READ 0\n0x200 WRITE 10\n").unwrap();
    cimsim()
        .args(["dram", "-t"])
        .arg(&trace)
        .assert()
        .success()
        .stdout(contains("lpddr5-6400"));
}

/// Spawns `cimsim args` with its standard output closed before it writes: every write fails
/// with a broken pipe.
fn run_with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let bin = assert_cmd::cargo::cargo_bin("cimsim");
    let mut child = std::process::Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code(), stderr)
}

#[test]
fn config_keys_into_a_closed_pipe_ends_quietly_with_success() {
    for args in [
        &["config", "keys"][..],
        &["models"],
        &["configs", "--json"],
        &["model", "show", "qwen3-0.6b"],
        &["--help"],
        &["simulate", "--help"],
        &["completions", "bash"],
        &["man"],
    ] {
        let (code, stderr) = run_with_closed_stdout(args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn config_keys_piped_to_head_exits_0_with_nothing_on_stderr() {
    // The shell pipeline of the issue, `cimsim config keys | head -1`, with pipefail so the
    // status is cimsim's own.
    let bin = assert_cmd::cargo::cargo_bin("cimsim");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; for i in 1 2 3 4 5; do '{}' config keys | head -1 >/dev/null || exit $?; done",
            bin.display()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn exit_0_on_success() {
    for args in [
        &["models"][..],
        &["configs"],
        &["config", "keys"],
        &["config", "show", "edgecim-65nm"],
        &["model", "show", "smollm2-135m"],
        &["compile", "-m", "smollm2-135m", "-p", "8"],
        &[
            "simulate",
            "-m",
            "smollm2-135m",
            "-p",
            "8",
            "-g",
            "2",
            "-f",
            "analytic",
        ],
        &["completions", "zsh"],
        &["man"],
        &["--version"],
        &["--help"],
    ] {
        cimsim().args(args).assert().code(0);
    }
}

fn root() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("workloads/tests/fixtures/hf/Qwen3-0.6B.config.json"),
    )
    .unwrap()
}

/// Files every exit-2 case may use, in a fresh directory.
fn fixtures(dir: &std::path::Path) {
    std::fs::write(dir.join("hf.json"), root()).unwrap();
    std::fs::write(dir.join("t.trace"), "0x100 READ 0\n").unwrap();
    std::fs::write(
        dir.join("r.csv"),
        "point_id,model,decode_s_per_token,energy_j_per_token\n0,m,0.001,0.002\n1,m,0.002,0.001\n",
    )
    .unwrap();
    let run = cimsim()
        .args([
            "simulate",
            "-m",
            "smollm2-135m",
            "-p",
            "8",
            "-g",
            "2",
            "-f",
            "analytic",
            "--json",
        ])
        .output()
        .unwrap();
    std::fs::write(dir.join("run.json"), run.stdout).unwrap();
    std::fs::write(
        dir.join("s.toml"),
        "models = [\"smollm2-135m\"]\n[workload]\nprompt = 8\ngenerate = 2\n[space]\n\"chip.tiles\" = [2]\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("shard")).unwrap();
}

/// One bad input for every leaf subcommand (a test below checks the list is complete).
fn bad_inputs() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("models", vec!["models", "--jsn"]),
        ("model show", vec!["model", "show", "no-such-model"]),
        ("model import", vec!["model", "import", "r.csv"]),
        (
            "model graph",
            vec![
                "model",
                "graph",
                "smollm2-135m",
                "--phase",
                "decode",
                "--kv",
                "0",
            ],
        ),
        ("configs", vec!["configs", "--bogus"]),
        ("config show", vec!["config", "show", "no-such-preset"]),
        (
            "config keys",
            vec!["config", "keys", "-c", "no-such-preset"],
        ),
        ("dram", vec!["dram", "-c", "lpddr9", "-t", "t.trace"]),
        (
            "compile",
            vec!["compile", "-m", "smollm2-135m", "--set", "chip.tiles=1e23"],
        ),
        (
            "sensitivity",
            vec!["sensitivity", "-m", "smollm2-135m", "--factor", "0.5"],
        ),
        (
            "plot sensitivity",
            vec!["plot", "sensitivity", "no-such.json", "-o", "t.png"],
        ),
        (
            "simulate",
            vec!["simulate", "-m", "smollm2-135m", "--set", "chip.tiles=1e23"],
        ),
        (
            "plot pareto",
            vec!["plot", "pareto", "r.csv", "--x", "latency", "-o", "p.svg"],
        ),
        (
            "plot breakdown",
            vec!["plot", "breakdown", "r.csv", "-o", "b.svg"],
        ),
        (
            "plot context",
            vec![
                "plot",
                "context",
                "-m",
                "smollm2-135m",
                "--points",
                "0",
                "-o",
                "c.svg",
            ],
        ),
        (
            "plot roofline",
            vec![
                "plot",
                "roofline",
                "-m",
                "smollm2-135m",
                "-c",
                "nope",
                "-o",
                "r.svg",
            ],
        ),
        (
            "baseline fit",
            vec![
                "baseline",
                "fit",
                "orin-nano",
                "missing.csv",
                "-o",
                "d.toml",
            ],
        ),
        (
            "baseline validate",
            vec![
                "baseline",
                "validate",
                "orin-nano",
                "--set",
                "power_mode=25w",
            ],
        ),
        (
            "baseline predict",
            vec![
                "baseline",
                "predict",
                "sa8255p",
                "-m",
                "llama3.2-1b",
                "--format",
                "q8_0",
            ],
        ),
        ("sweep", vec!["sweep", "r.csv", "-o", "out"]),
        ("study", vec!["study", "r.csv", "-o", "out"]),
        ("merge", vec!["merge", "r.csv", "-o", "merged"]),
        ("bench", vec!["bench", "--runs", "0"]),
        ("completions", vec!["completions", "tcsh"]),
        ("man", vec!["man", "--bogus"]),
    ]
}

/// An output path that cannot be written for every leaf subcommand that writes files.
fn unwritable_outputs() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "model import",
            vec!["model", "import", "hf.json", "-o", "/proc/card.toml"],
        ),
        (
            "model graph",
            vec![
                "model",
                "graph",
                "smollm2-135m",
                "--phase",
                "decode",
                "-o",
                "/proc/g.dot",
            ],
        ),
        (
            "simulate",
            vec![
                "simulate",
                "-m",
                "smollm2-135m",
                "-f",
                "analytic",
                "--csv",
                "/proc/x.csv",
            ],
        ),
        (
            "simulate",
            vec![
                "simulate",
                "-m",
                "smollm2-135m",
                "-p",
                "8",
                "-g",
                "2",
                "--trace",
                "/proc/t.json",
            ],
        ),
        (
            "plot pareto",
            vec!["plot", "pareto", "r.csv", "-o", "/proc/p.svg"],
        ),
        (
            "plot breakdown",
            vec!["plot", "breakdown", "run.json", "-o", "/proc/b.svg"],
        ),
        (
            "plot context",
            vec!["plot", "context", "-m", "smollm2-135m", "-o", "/proc/c.svg"],
        ),
        (
            "plot roofline",
            vec![
                "plot",
                "roofline",
                "-m",
                "smollm2-135m",
                "-o",
                "/proc/r.svg",
            ],
        ),
        (
            "sensitivity",
            vec!["sensitivity", "-m", "smollm2-135m", "--csv", "/proc/s.csv"],
        ),
        (
            "plot sensitivity",
            vec!["plot", "sensitivity", "s.json", "-o", "/proc/s.png"],
        ),
        (
            "baseline fit",
            vec![
                "baseline",
                "fit",
                "orin-nano",
                "baselines/orin-nano.csv",
                "-o",
                "/proc/d.toml",
            ],
        ),
        ("sweep", vec!["sweep", "s.toml", "-o", "/proc/nope"]),
        ("study", vec!["study", "s.toml", "-o", "/proc/nope"]),
        ("merge", vec!["merge", "shard", "-o", "/proc/nope"]),
        ("man", vec!["man", "-o", "/proc/nope"]),
    ]
}

#[test]
fn the_exit_2_tables_cover_every_subcommand() {
    let covered: Vec<&str> = bad_inputs().iter().map(|(c, _)| *c).collect();
    for leaf in leaves() {
        assert!(
            covered.contains(&leaf.as_str()),
            "no bad-input case for `{leaf}`"
        );
    }
    // Every subcommand with an output flag has an unwritable-output case.
    let with_output: Vec<&str> = unwritable_outputs().iter().map(|(c, _)| *c).collect();
    for (path, cmd) in commands() {
        let writes = cmd.get_arguments().any(|a| {
            matches!(a.get_long(), Some("out" | "csv" | "trace")) && path != "cimsim dram"
        });
        let leaf = path.trim_start_matches("cimsim ");
        if writes {
            assert!(
                with_output.contains(&leaf),
                "no unwritable-output case for `{leaf}`"
            );
        }
    }
}

fn assert_exit(code: i32, name: &str, args: &[&str], dir: &std::path::Path) {
    let out = cimsim()
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{name} {args:?}: {stderr}");
    assert!(stderr.contains("error"), "{name} {args:?}: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn exit_2_on_bad_input_in_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    fixtures(dir.path());
    for (name, args) in bad_inputs() {
        assert_exit(2, name, &args, dir.path());
    }
}

#[test]
#[cfg(target_os = "linux")]
fn exit_2_on_an_unwritable_output_path_in_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    fixtures(dir.path());
    for (name, args) in unwritable_outputs() {
        assert_exit(2, name, &args, dir.path());
    }
}

#[test]
fn exit_1_on_an_internal_failure_in_one_line_without_a_backtrace() {
    for args in [&["models"][..], &["simulate", "-m", "smollm2-135m"]] {
        let out = cimsim()
            .args(args)
            .env(cimsim::cli::TEST_PANIC_ENV, "1")
            .env("RUST_BACKTRACE", "full")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: internal error"), "{stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_readme_exit_code_table_matches_these_tests() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    for row in ["| 0 |", "| 2 |", "| 1 |"] {
        assert!(readme.contains(row), "README has no exit-code row `{row}`");
    }
}

#[test]
fn completions_and_man_page_come_from_the_clap_tree() {
    for (shell, marker, flag) in [
        ("bash", "_cimsim", "--mapping"),
        ("zsh", "#compdef cimsim", "--mapping"),
        ("fish", "complete -c cimsim", "-l mapping"),
    ] {
        cimsim()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(contains(marker))
            .stdout(contains("simulate"))
            .stdout(contains(flag))
            .stdout(contains("balanced-pipeline"));
    }
    cimsim()
        .arg("man")
        .assert()
        .success()
        .stdout(contains(".TH cimsim 1"))
        .stdout(contains("simulate"));
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    cimsim().args(["man", "-o"]).arg(&pages).assert().success();
    for page in ["cimsim.1", "cimsim-simulate.1", "cimsim-plot-context.1"] {
        let text = std::fs::read_to_string(pages.join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
    let sim_page = std::fs::read_to_string(pages.join("cimsim-simulate.1")).unwrap();
    assert!(sim_page.contains("balanced\\-pipeline"), "{sim_page}");
}

#[test]
fn no_color_is_respected() {
    let colored = cimsim()
        .args(["simulate", "--bogus"])
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&colored.stderr).contains('\u{1b}'));
    let plain = cimsim()
        .args(["simulate", "--bogus"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(plain.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&plain.stderr).contains('\u{1b}'));
}
