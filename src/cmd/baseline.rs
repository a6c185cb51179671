//! `cimsim baseline`: measured-device baselines. `fit` calibrates a device's free parameters
//! to a CSV of measurements and writes the calibrated device file; `validate` prints predicted
//! against measured for every point. The work is in `crate::baseline`.

use super::args::{GenerateArgs, PromptArgs, SetArgs};
use super::{bad_input, write_atomic};
use crate::baseline::measurements::{parse_measurements, Measurement};
use crate::baseline::validate::{render_markdown, validate};
use crate::baseline::{fit::fit_device, shipped_measurements};
use clap::{Args, Subcommand};
use sim::device::{device_preset_names, load_device, DeviceConfig};
use std::path::PathBuf;

fn device_help() -> String {
    format!(
        "Device preset ({}) or a device file (kind = \"device\")",
        device_preset_names().join(", ")
    )
}

#[derive(Subcommand)]
pub enum BaselineCommand {
    /// Fit a device's fixed costs, bandwidth efficiency and power to your measurements and
    /// write the calibrated device file, printing the error on every point.
    Fit(FitArgs),
    /// Predicted against measured for every point, with median and worst errors.
    Validate(ValidateArgs),
    /// A device's predicted decode tokens/s, tokens/J (system and chip) and time to first
    /// token for one model and workload, in its selected power mode (`--set power_mode=25w`).
    Predict(PredictArgs),
}

#[derive(Args)]
pub struct PredictArgs {
    #[arg(help = device_help())]
    pub device: String,
    #[arg(short = 'm', long, help = super::args::model_help())]
    pub model: String,
    #[command(flatten)]
    pub prompt: PromptArgs,
    #[command(flatten)]
    pub generate: GenerateArgs,
    /// The runtime's weight format [default: the device's weights.default].
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub set: SetArgs,
}

#[derive(Args)]
pub struct FitArgs {
    #[arg(help = device_help())]
    pub device: String,
    /// Measurements CSV: model, weights, prompt, generate, tokens_per_s [, power_w,
    /// power_mode, context_tokens, holdout, source].
    pub measurements: PathBuf,
    /// Where to write the calibrated device file (TOML).
    #[arg(short = 'o', long = "out", alias = "output", value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub set: SetArgs,
}

#[derive(Args)]
pub struct ValidateArgs {
    #[arg(help = device_help())]
    pub device: String,
    /// Measurements CSV [default: the device preset's shipped baselines/DEVICE.csv].
    #[arg(long, value_name = "CSV")]
    pub measurements: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub set: SetArgs,
}

pub fn run(c: BaselineCommand) -> anyhow::Result<()> {
    match c {
        BaselineCommand::Fit(a) => run_fit(a),
        BaselineCommand::Validate(a) => run_validate(a),
        BaselineCommand::Predict(a) => run_predict(a),
    }
}

fn load(device: &str, set: &SetArgs) -> anyhow::Result<DeviceConfig> {
    load_device(device, &set.set).map_err(bad_input)
}

fn read_points(path: &PathBuf) -> anyhow::Result<Vec<Measurement>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad_input(format!("{}: cannot read the file: {e}", path.display())))?;
    parse_measurements(&text, &path.display().to_string()).map_err(bad_input)
}

fn run_fit(a: FitArgs) -> anyhow::Result<()> {
    super::check_output(&a.out)?;
    let dev = load(&a.device, &a.set)?;
    let points = read_points(&a.measurements)?;
    let origin = a.measurements.display().to_string();
    let fitted = fit_device(&dev, &points).map_err(|e| bad_input(format!("{origin}: {e}")))?;
    let v = validate(&fitted, &points).map_err(|e| bad_input(format!("{origin}: {e}")))?;
    let d = &fitted.decode;
    let p = &fitted.power;
    let text = format!(
        "# {} calibrated by `cimsim baseline fit` on {origin} ({} points, {} held out).\n\
         # decode median |error| {:.1} %, worst {:.1} %.\n{}",
        fitted.name,
        points.len(),
        points
            .iter()
            .filter(|m| m.role != crate::baseline::measurements::Role::Fit)
            .count(),
        v.median_abs_error_pct,
        v.worst_abs_error_pct,
        fitted.to_toml_string()
    );
    write_atomic(&a.out, text.as_bytes())?;
    print!("{}", render_markdown(&v));
    println!(
        "fitted: decode.per_token_kcycles = {:.6}, decode.per_layer_kcycles = {:.6}, \
         decode.bandwidth_efficiency = {:.6}; power.chip_static_w = {:.6}, \
         power.chip_clocked_w_at_ref = {:.6}, power.chip_nj_per_byte_at_ref = {:.6}, power.clock_exponent = {:.2}",
        d.per_token_kcycles,
        d.per_layer_kcycles,
        d.bandwidth_efficiency,
        p.chip_static_w,
        p.chip_clocked_w_at_ref,
        p.chip_nj_per_byte_at_ref,
        p.clock_exponent
    );
    println!("wrote {}", a.out.display());
    Ok(())
}

fn run_validate(a: ValidateArgs) -> anyhow::Result<()> {
    let dev = load(&a.device, &a.set)?;
    let (points, origin) = match &a.measurements {
        Some(path) => (read_points(path)?, path.display().to_string()),
        None => {
            let Some(text) = shipped_measurements(&a.device) else {
                return Err(bad_input(format!(
                    "`{}` has no shipped measurements; give a CSV (shipped: {})",
                    a.device,
                    device_preset_names().join(", ")
                )));
            };
            let origin = format!("baselines/{}.csv", a.device);
            (
                parse_measurements(text, &origin).map_err(bad_input)?,
                origin,
            )
        }
    };
    let v = validate(&dev, &points).map_err(|e| bad_input(format!("{origin}: {e}")))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", render_markdown(&v));
    }
    Ok(())
}

fn run_predict(a: PredictArgs) -> anyhow::Result<()> {
    let dev = load(&a.device, &a.set)?;
    let card = crate::baseline::load_baseline_model(&a.model).map_err(bad_input)?;
    let w = crate::baseline::DeviceWorkload {
        weights: a.format.unwrap_or_else(|| dev.weights.default.clone()),
        prompt_tokens: a.prompt.prompt,
        generate_tokens: a.generate.generate,
        context_tokens: None,
        power_mode: None,
    };
    if w.prompt_tokens == 0 || w.generate_tokens == 0 {
        return Err(bad_input(
            "--prompt and --generate must be at least 1 token",
        ));
    }
    let p = crate::baseline::predict(&dev, &card, &w).map_err(bad_input)?;
    if a.json {
        let mut v = serde_json::to_value(p)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("device".into(), dev.name.clone().into());
            o.insert("power_mode".into(), dev.power_mode.clone().into());
            o.insert("weights".into(), w.weights.clone().into());
            o.insert("energy".into(), dev.power.energy.name().into());
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let mark = crate::baseline::estimate_mark(&dev);
    println!(
        "{} on {} ({}, {} weights, mode {} at {} MHz)",
        card.name, dev.name, dev.runtime, w.weights, dev.power_mode, p.clock_mhz
    );
    println!(
        "  decode throughput    {:.2} tokens/s",
        p.decode_tokens_per_s
    );
    println!(
        "  decode tok/J         {:.3} system, {:.3} chip{mark}",
        p.decode_tokens_per_j, p.decode_chip_tokens_per_j
    );
    println!(
        "  decode power         {:.2} W system, {:.2} W chip{mark}",
        p.system_power_w, p.chip_power_w
    );
    println!(
        "  time to first token  {:.1} ms (not validated)",
        p.ttft_s * 1e3
    );
    Ok(())
}
