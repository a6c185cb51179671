//! `cimsim sensitivity`: how much each configuration key moves decode tokens/s, J/token, area
//! and power about one design (the method is in `crate::sensitivity`). Prints the ranked
//! tables, or JSON (the input of `cimsim plot sensitivity`), and writes CSV on request.

use super::args::{GenerateArgs, PromptArgs, RunArgs, ScreeningFidelityArgs};
use super::{bad_input, write_atomic};
use crate::run::{RunError, RunOptions};
use crate::sensitivity::{sensitivity, KeyResult, SensitivityOptions, SensitivityReport, StepKind};
use clap::Args;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use workloads::load_model;

#[derive(Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub prompt: PromptArgs,
    #[command(flatten)]
    pub generate: GenerateArgs,
    #[command(flatten)]
    pub fidelity: ScreeningFidelityArgs,
    /// Numbers are tried at x / FACTOR and x * FACTOR (clamped to their valid range).
    #[arg(long, default_value_t = 2.0)]
    pub factor: f64,
    /// Rank by one figure's change only: decode_tokens_per_s, decode_j_per_token, area_mm2
    /// or power_w [default: the largest change of any of them].
    #[arg(long, value_name = "FIGURE")]
    pub sort: Option<String>,
    /// Print the whole analysis as JSON (every step's figures; `cimsim plot sensitivity`
    /// draws it).
    #[arg(long)]
    pub json: bool,
    /// Also write every step as CSV (one row per key and tried value).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

pub fn run(args: SensitivityArgs) -> anyhow::Result<()> {
    if let Some(path) = &args.csv {
        super::check_output(path)?;
    }
    let card = load_model(&args.run.model).map_err(bad_input)?;
    let config = args.run.hardware.config()?;
    let cfg = args.run.hardware.load()?;
    let opts = SensitivityOptions {
        run: RunOptions {
            prompt_tokens: args.prompt.prompt,
            generate_tokens: args.generate.generate,
            batch: args.run.batch.batch,
            weight_bits: args.run.weights.map(super::args::Weights::bits),
            mapping: args.run.mapping.clone(),
            fidelity: args.fidelity.fidelity.to_run(),
            exact: args.fidelity.exact,
            record_timeline: false,
        },
        factor: args.factor,
        sort_by: args.sort.clone(),
    };
    let started = Instant::now();
    let report = sensitivity(&card, &cfg, config, &opts).map_err(|e| match e {
        RunError::BadInput(m) => bad_input(m),
        RunError::Internal(m) => anyhow::anyhow!(m),
    })?;
    let elapsed_s = started.elapsed().as_secs_f64();
    if let Some(path) = &args.csv {
        write_atomic(path, render_csv(&report)?.as_bytes())?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_table(&report, elapsed_s));
    }
    Ok(())
}

const HEADS: [&str; 4] = ["tok/s", "J/token", "area", "power"];

fn signed(x: Option<f64>, percent: bool) -> String {
    match x {
        Some(v) if percent => format!("{:+.1}%", v * 100.0),
        Some(v) => format!("{v:+.3}"),
        None => "-".into(),
    }
}

/// Per figure: whether a scaled key's two valid steps both moved it the same way (by more
/// than 0.1%).
fn turns(k: &KeyResult) -> [bool; 4] {
    let changes: Vec<[f64; 4]> = k
        .steps
        .iter()
        .filter_map(|s| s.change.map(|c| c.values()))
        .collect();
    let mut out = [false; 4];
    if let [a, b] = changes.as_slice() {
        for i in 0..4 {
            out[i] = a[i].abs() > 1e-3 && b[i].abs() > 1e-3 && (a[i] > 0.0) == (b[i] > 0.0);
        }
    }
    out
}

/// The valid tried values of a key, and the invalid ones with their reasons.
fn tried(k: &KeyResult) -> String {
    k.steps
        .iter()
        .filter(|s| s.figures.is_some())
        .map(|s| s.value.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plain-text report: elasticities of the scaled keys, changes of the others, then what
/// moved nothing, what was not a valid design and what was not tried.
pub fn render_table(r: &SensitivityReport, elapsed_s: f64) -> String {
    let mut out = String::new();
    let b = &r.base;
    let _ = writeln!(
        out,
        "Sensitivity of {} ({}, {}, prompt {}, generate {}, batch {}) on {}, {} fidelity",
        r.model,
        r.weights,
        r.mapping,
        r.prompt_tokens,
        r.generated_tokens,
        r.batch,
        r.config,
        r.fidelity
    );
    let _ = writeln!(
        out,
        "Base: {:.1} decode tokens/s, {:.3} mJ/token, {:.2} mm², {:.3} W; {} runs in {:.1} s",
        b.decode_tokens_per_s,
        b.decode_j_per_token * 1e3,
        b.area_mm2,
        b.power_w,
        r.runs,
        elapsed_s
    );
    let _ = writeln!(
        out,
        "Numbers tried at /{f} and x{f} (clamped to their valid range), keys at 0 one step up, \
         choices at every alternative; ranked by the largest change of {}.",
        r.sorted_by.as_deref().unwrap_or("any figure"),
        f = r.factor
    );
    let moved: Vec<&KeyResult> = r.keys.iter().filter(|k| k.moved).collect();
    let width = r.keys.iter().map(|k| k.key.len()).max().unwrap_or(3).max(3);
    let scaled: Vec<&&KeyResult> = moved
        .iter()
        .filter(|k| k.kind == StepKind::Scaled)
        .collect();
    if !scaled.is_empty() {
        let _ = writeln!(
            out,
            "\nElasticity (% change of the figure per +1% of the key, across the steps):"
        );
        let _ = writeln!(
            out,
            "{:<width$}  {:>12}  {:<22} {:>8} {:>8} {:>8} {:>8}",
            "key", "value", "tried", HEADS[0], HEADS[1], HEADS[2], HEADS[3]
        );
        let mut any_turn = false;
        for k in scaled {
            let e = k.elasticity.map(|e| e.values()).unwrap_or([None; 4]);
            let turn = turns(k);
            any_turn |= turn.iter().any(|t| *t);
            let cell = |i: usize| {
                let mark = if turn[i] { "*" } else { "" };
                format!("{}{mark}", signed(e[i], false))
            };
            let _ = writeln!(
                out,
                "{:<width$}  {:>12}  {:<22} {:>8} {:>8} {:>8} {:>8}",
                k.key,
                k.value,
                tried(k),
                cell(0),
                cell(1),
                cell(2),
                cell(3)
            );
        }
        if any_turn {
            let _ = writeln!(
                out,
                "* both steps move the figure the same way: the design sits near a turning point \
                 of it, and the slope across the steps understates the change (see the JSON or \
                 CSV for each step)"
            );
        }
    }
    let others: Vec<&&KeyResult> = moved
        .iter()
        .filter(|k| k.kind != StepKind::Scaled)
        .collect();
    if !others.is_empty() {
        let _ = writeln!(
            out,
            "\nSteps from 0 and alternatives (change against the base):"
        );
        let _ = writeln!(
            out,
            "{:<width$}  {:>14}  {:<14} {:>8} {:>8} {:>8} {:>8}",
            "key", "value", "tried", HEADS[0], HEADS[1], HEADS[2], HEADS[3]
        );
        for k in others {
            let mut first = true;
            for s in k.steps.iter().filter(|s| s.change.is_some()) {
                let c = s.change.map(|c| c.values()).unwrap_or([0.0; 4]);
                let (key, value) = if first {
                    (k.key.as_str(), k.value.as_str())
                } else {
                    ("", "")
                };
                first = false;
                let _ = writeln!(
                    out,
                    "{:<width$}  {:>14}  {:<14} {:>8} {:>8} {:>8} {:>8}",
                    key,
                    value,
                    s.value,
                    signed(Some(c[0]), true),
                    signed(Some(c[1]), true),
                    signed(Some(c[2]), true),
                    signed(Some(c[3]), true)
                );
            }
        }
    }
    let still: Vec<&KeyResult> = r
        .keys
        .iter()
        .filter(|k| !k.moved && k.steps.iter().any(|s| s.figures.is_some()))
        .collect();
    if !still.is_empty() {
        let _ = writeln!(out, "\nChanged no figure in this design:");
        for k in still {
            let why = k.note.as_deref().unwrap_or(
                "no effect found at these steps (a key that should act: please report it)",
            );
            let _ = writeln!(out, "  {} = {} (tried {}): {why}", k.key, k.value, tried(k));
        }
    }
    let invalid: Vec<(&KeyResult, &str, &str)> = r
        .keys
        .iter()
        .flat_map(|k| {
            k.steps
                .iter()
                .filter_map(move |s| Some((k, s.value.as_str(), s.error.as_deref()?)))
        })
        .collect();
    if !invalid.is_empty() {
        let _ = writeln!(out, "\nTried values that are not valid designs:");
        for (k, v, e) in invalid {
            let _ = writeln!(out, "  {} = {v}: {}", k.key, one_line(e));
        }
    }
    if !r.skipped.is_empty() {
        let _ = writeln!(out, "\nNot tried:");
        let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
        for s in &r.skipped {
            match reasons.iter_mut().find(|(why, _)| *why == s.reason) {
                Some((_, keys)) => keys.push(&s.key),
                None => reasons.push((&s.reason, vec![&s.key])),
            }
        }
        for (why, keys) in reasons {
            let _ = writeln!(out, "  {}: {why}", keys.join(", "));
        }
    }
    out
}

/// The first line of an error, without the configuration's origin repeated at its start.
fn one_line(e: &str) -> String {
    e.lines().next().unwrap_or(e).to_string()
}

/// Every step as one CSV row, with the key's elasticities repeated on each of its rows.
pub fn render_csv(r: &SensitivityReport) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["key", "kind", "value", "tried", "valid", "error"];
    let figures = crate::sensitivity::FIGURES;
    let names: Vec<String> = figures
        .iter()
        .map(|f| f.to_string())
        .chain(figures.iter().map(|f| format!("change_{f}")))
        .chain(figures.iter().map(|f| format!("elasticity_{f}")))
        .collect();
    header.extend(names.iter().map(String::as_str));
    w.write_record(&header)?;
    let num = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_default();
    for k in &r.keys {
        let kind = match k.kind {
            StepKind::Scaled => "scaled",
            StepKind::FromZero => "from_zero",
            StepKind::Alternatives => "alternative",
        };
        let e = k.elasticity.map(|e| e.values()).unwrap_or([None; 4]);
        for s in &k.steps {
            let f = s.figures.map(|f| f.values().map(Some)).unwrap_or([None; 4]);
            let c = s.change.map(|c| c.values().map(Some)).unwrap_or([None; 4]);
            let mut row = vec![
                k.key.clone(),
                kind.to_string(),
                k.value.clone(),
                s.value.clone(),
                s.figures.is_some().to_string(),
                s.error.clone().unwrap_or_default(),
            ];
            row.extend(f.iter().chain(&c).chain(&e).map(|x| num(*x)));
            w.write_record(&row)?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
