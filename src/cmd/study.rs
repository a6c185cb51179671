//! `cimsim study SPEC --out DIR`: run a study's sweep (as `cimsim sweep`, resumable) and write
//! its report, `DIR/report.md`, beside the paper's figures (the work is in `crate::study`).

use super::sweep::SweepArgs;
use super::{bad_input, write_atomic};
use crate::study::report::BaselineRow;
use crate::study::{load, paper, report, Study};
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
    let baselines = baselines(&study)?;
    let text = report::render(&study, &baselines);
    let path = out.join(REPORT_FILE);
    write_atomic(&path, text.as_bytes())?;
    eprintln!("{}: the study's report", path.display());
    super::emit(&text)
}

/// The paper's two comparisons (LLaMA3.2-1B on the Orin Nano, LLaMA3.2-3B on the SA8255P) and
/// every model of the study on the Orin Nano Super (llama.cpp, MAXN), each on the study's
/// workload and the device's default weight format, for the models the study has.
fn baselines(study: &Study) -> anyhow::Result<Vec<BaselineRow>> {
    let mut pairs: Vec<(&str, &str, Option<f64>, Option<f64>)> = vec![
        (
            "llama3.2-1b",
            "orin-nano",
            Some(paper::ORIN_NANO_THROUGHPUT_X),
            Some(paper::ORIN_NANO_EFFICIENCY_X),
        ),
        (
            "llama3.2-3b",
            "sa8255p",
            Some(paper::SA8255P_THROUGHPUT_X),
            None,
        ),
    ];
    for m in &study.models {
        pairs.push((m.as_str(), "orin-nano-super", None, None));
    }
    let mut out = Vec::new();
    for (model, device, px, pe) in pairs {
        if !study.models.iter().any(|m| m == model) {
            continue;
        }
        let dev = sim::device::load_device(device, &[]).map_err(|e| anyhow::anyhow!("{e}"))?;
        let card = workloads::load_model(model).map_err(bad_input)?;
        let w = crate::baseline::DeviceWorkload {
            weights: dev.weights.default.clone(),
            prompt_tokens: study.prompt_tokens,
            generate_tokens: study.generate_tokens,
            context_tokens: None,
            power_mode: None,
        };
        let p = crate::baseline::predict(&dev, &card, &w).map_err(bad_input)?;
        out.push(BaselineRow {
            model: model.to_string(),
            device: format!("{} ({}, {})", dev.name, dev.runtime, dev.power_mode),
            device_tokens_per_s: p.decode_tokens_per_s,
            device_tokens_per_j: p.decode_tokens_per_j,
            device_chip_tokens_per_j: p.decode_chip_tokens_per_j,
            energy_estimated: !crate::baseline::estimate_mark(&dev).is_empty(),
            paper_throughput_x: px,
            paper_efficiency_x: pe,
        });
    }
    Ok(out)
}
