//! The study's report as Markdown: the per-model table, the averages beside the paper's, and
//! what the paper's headline implies. Numbers are printed at fixed precision so the text is
//! byte-identical from run to run.

use std::fmt::Write as _;

use super::{paper, ChipDesign, Study};

/// A measured-device comparison the caller adds (the baselines are separate runs).
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineRow {
    pub model: String,
    pub device: String,
    pub device_tokens_per_s: f64,
    /// System (board) and chip (accelerator rail) energy efficiency of the device.
    pub device_tokens_per_j: f64,
    pub device_chip_tokens_per_j: f64,
    /// The device's energy is modelled, not measured.
    pub energy_estimated: bool,
    /// The paper's ratios for this comparison, when it published them.
    pub paper_throughput_x: Option<f64>,
    pub paper_efficiency_x: Option<f64>,
}

fn chip_line(c: &Option<ChipDesign>) -> String {
    match c {
        Some(c) => format!(
            "{:.2} tokens/s, {:.2} tokens/J (chip {:.2}); {}; up to {:.2} mm², {:.2} W",
            c.mean_tokens_per_s,
            c.mean_tokens_per_j,
            c.mean_chip_tokens_per_j,
            c.design,
            c.area_mm2,
            c.power_w
        ),
        None => "no design is feasible for every model".to_string(),
    }
}

/// The whole report.
pub fn render(s: &Study, baselines: &[BaselineRow]) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# EdgeCIM study: {} ({} fidelity)\n", s.spec, s.fidelity);
    let _ = writeln!(
        o,
        "{} points over {} models, {} feasible; axes: {}.\n",
        s.points,
        s.models.len(),
        s.feasible,
        s.axes.join(", ")
    );
    let paper_set = s.models.len() == paper::MODELS.len()
        && paper::MODELS
            .iter()
            .all(|m| s.models.iter().any(|x| x == m));
    let _ = writeln!(o, "## Per model: the two ends of each front\n");
    let _ = writeln!(
        o,
        "| model | best decode tokens/s | tokens/J (chip) | area mm² | power W | design | best decode tokens/J | chip tokens/J | tokens/s | design |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---|---:|---:|---:|---|");
    for (f, e) in &s.best {
        let _ = writeln!(
            o,
            "| {} | {:.2} | {:.2} ({:.2}) | {:.2} | {:.2} | {} | {:.2} | {:.2} | {:.2} | {} |",
            f.model,
            f.decode_tokens_per_s,
            f.decode_tokens_per_j,
            f.decode_chip_tokens_per_j,
            f.area_mm2,
            f.power_w,
            f.design,
            e.decode_tokens_per_j,
            e.decode_chip_tokens_per_j,
            e.decode_tokens_per_s,
            e.design
        );
    }
    let _ = writeln!(o, "\n## Averages over the models, beside the paper\n");
    let _ = writeln!(
        o,
        "Arithmetic means over the {} models (decode only, INT4 as swept). The paper averages over \
         its 12 models{}.\n",
        s.best.len(),
        if paper_set {
            " — the same 12 here"
        } else {
            "; this study's model set differs, so compare with care"
        }
    );
    let _ = writeln!(
        o,
        "| average | decode tokens/s | decode tokens/J (system) | chip tokens/J | assumption |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---|");
    let chip_row = |name: &str, c: &Option<ChipDesign>, what: &str| match c {
        Some(c) => format!(
            "| {name} | {:.2} | {:.2} | {:.2} | {what}: {} |",
            c.mean_tokens_per_s, c.mean_tokens_per_j, c.mean_chip_tokens_per_j, c.design
        ),
        None => format!("| {name} | - | - | - | no design feasible for every model |"),
    };
    let _ = writeln!(
        o,
        "{}",
        chip_row(
            "one chip, fastest",
            &s.one_chip_fastest,
            "the design with the highest mean tokens/s"
        )
    );
    let _ = writeln!(
        o,
        "{}",
        chip_row(
            "one chip, most efficient",
            &s.one_chip_efficient,
            "the design with the highest mean tokens/J"
        )
    );
    let _ = writeln!(
        o,
        "| each model's own best | {:.2} | {:.2} | {:.2} | tokens/s and tokens/J each at its own best design (two designs per model) |",
        s.own_best_mean_tokens_per_s(),
        s.own_best_mean_tokens_per_j(),
        s.own_best_mean_chip_tokens_per_j()
    );
    let _ = writeln!(
        o,
        "| paper (arXiv 2604.11512) | {:.2} | {:.2} | - | not stated: design, energy scope and DRAM unpublished |",
        paper::MEAN_DECODE_TOKENS_PER_S,
        paper::MEAN_DECODE_TOKENS_PER_J
    );
    let _ = writeln!(
        o,
        "\nOne chip, fastest: {}.\nOne chip, most efficient: {}.",
        chip_line(&s.one_chip_fastest),
        chip_line(&s.one_chip_efficient)
    );

    let _ = writeln!(o, "\n## What the paper's headline implies\n");
    let need = s.implied_bandwidth_gbps(paper::MEAN_DECODE_TOKENS_PER_S);
    let ours = s.implied_bandwidth_gbps(s.own_best_mean_tokens_per_s());
    let _ = writeln!(
        o,
        "- Bandwidth: streaming each model's bytes per decode step (its weights at the swept \
         precision plus its KV reads, from its fastest design's run) once per token, a mean of \
         {:.2} tokens/s over these models needs {:.1} GB/s sustained; this study's own-best mean \
         of {:.2} tokens/s corresponds to {:.1} GB/s.",
        paper::MEAN_DECODE_TOKENS_PER_S,
        need,
        s.own_best_mean_tokens_per_s(),
        ours
    );
    let cap = s.dram_only_tokens_per_j_cap();
    let _ = writeln!(
        o,
        "- Energy: at each model's most efficient design's DRAM energy per byte (every DRAM term: \
         activate, read/write, I/O, refresh, background), DRAM alone caps the mean at {:.2} \
         tokens/J, {}.",
        cap,
        if cap < paper::MEAN_DECODE_TOKENS_PER_J {
            format!(
                "below the paper's {:.2}: with DRAM energy counted the headline is out of reach; \
                 it can only be a chip-only figure (this study's best chip-only mean: {:.2})",
                paper::MEAN_DECODE_TOKENS_PER_J,
                s.own_best_mean_chip_tokens_per_j()
            )
        } else {
            format!(
                "above the paper's {:.2}: DRAM energy alone does not rule it out",
                paper::MEAN_DECODE_TOKENS_PER_J
            )
        }
    );

    let _ = writeln!(o, "\n## Against measured edge devices\n");
    if baselines.is_empty() {
        let _ = writeln!(o, "No baseline was run.");
    } else {
        let _ = writeln!(
            o,
            "This study's fastest design of the model against the device's decode tokens/s, and \
             its most efficient design against the device's tokens/J: system energy (this \
             design's chip and DRAM against the device's board rail) and chip energy (this \
             chip against the device's accelerator rail). A device energy marked * is modelled, \
             not measured. Devices are predicted by their calibrated presets (`cimsim baseline \
             validate`) on the study's workload, {} prompt and {} generated tokens.\n",
            s.prompt_tokens, s.generate_tokens
        );
        let _ = writeln!(
            o,
            "| model | device | device tokens/s | device tokens/J (chip) | throughput x | paper | efficiency x, system | efficiency x, chip | paper |"
        );
        let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for b in baselines {
            let Some((f, e)) = s.best.iter().find(|(f, _)| f.model == b.model) else {
                continue;
            };
            let opt = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.2}x"));
            let star = if b.energy_estimated { "*" } else { "" };
            let _ = writeln!(
                o,
                "| {} | {} | {:.2} | {:.3}{star} ({:.3}{star}) | {:.2}x | {} | {:.2}x | {:.2}x | {} |",
                b.model,
                b.device,
                b.device_tokens_per_s,
                b.device_tokens_per_j,
                b.device_chip_tokens_per_j,
                f.decode_tokens_per_s / b.device_tokens_per_s,
                opt(b.paper_throughput_x),
                e.decode_tokens_per_j / b.device_tokens_per_j,
                e.decode_chip_tokens_per_j / b.device_chip_tokens_per_j,
                opt(b.paper_efficiency_x),
            );
        }
    }
    o
}
