//! `cimsim configs` (the embedded presets as a table) and `cimsim config show` (a complete TOML
//! file, or JSON, of a preset or file with `--set` overrides applied).

use super::args::{HardwareArgs, SetArgs};
use super::bad_input;
use clap::{Args, Subcommand};
use serde_json::json;
use sim::components::{area_mm2, total_macros};
use sim::config::{load_config, preset, preset_names, preset_text, HardwareConfig, HardwareKind};

#[derive(Args)]
pub struct ConfigsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Print a complete hardware configuration that `--config FILE` accepts back.
    Show {
        /// Preset name or TOML file.
        config: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        set: SetArgs,
    },
    /// List every settable key path with the values it accepts in a configuration (the ranges
    /// that depend on other keys, such as chip.resident_weight_kib, are resolved for it).
    Keys {
        #[command(flatten)]
        hardware: HardwareArgs,
    },
}

/// One row of the presets table.
struct Row {
    name: String,
    kind: &'static str,
    macros: String,
    macro_size: String,
    clock: String,
    dram: String,
    bandwidth_gbps: Option<f64>,
    area_mm2: Option<f64>,
}

fn row(cfg: &HardwareConfig) -> Row {
    let m = &cfg.cim_macro;
    let mut dram = format!("{} x{}", cfg.dram.preset, cfg.dram.channels);
    if let (HardwareKind::Cim, Ok(spec)) = (cfg.kind, cfg.dram_spec()) {
        dram.push_str(&format!(" ({})", super::dram::gib(spec.capacity_bytes())));
    }
    match (cfg.kind, &cfg.roofline) {
        (HardwareKind::Roofline, Some(r)) => Row {
            name: cfg.name.clone(),
            kind: "roofline",
            macros: "-".into(),
            macro_size: "-".into(),
            clock: "-".into(),
            dram,
            bandwidth_gbps: Some(r.bandwidth_gbps),
            area_mm2: Some(r.area_mm2),
        },
        _ => Row {
            name: cfg.name.clone(),
            kind: match m.kind {
                sim::config::MacroKind::Digital => "cim",
                sim::config::MacroKind::Analog => "cim-analog",
            },
            macros: format!(
                "{} ({}x{})",
                total_macros(cfg),
                cfg.chip.tiles,
                cfg.chip.macros_per_tile
            ),
            macro_size: format!("{}x{} INT{}", m.rows, m.cols, m.weight_bits),
            clock: format!("{} MHz", cfg.clock.freq_mhz),
            dram,
            bandwidth_gbps: cfg.dram_spec().ok().map(|s| s.peak_bandwidth_gbps()),
            area_mm2: Some(area_mm2(cfg).total_mm2),
        },
    }
}

pub fn run_configs(args: ConfigsArgs) -> anyhow::Result<()> {
    let rows: Vec<Row> = preset_names()
        .iter()
        .map(|n| preset(n).map(|c| row(&c)))
        .collect::<Option<_>>()
        .ok_or_else(|| anyhow::anyhow!("an embedded preset does not load"))?;
    let mut rows = rows;
    for name in sim::device::device_preset_names() {
        let d = sim::device::load_device(name, &[])
            .map_err(|e| anyhow::anyhow!("an embedded device preset does not load: {e}"))?;
        rows.push(Row {
            name: d.name.clone(),
            kind: "device",
            macros: "-".into(),
            macro_size: "-".into(),
            clock: format!("{} MHz ({})", d.clock_mhz(), d.power_mode),
            dram: d.runtime.clone(),
            bandwidth_gbps: Some(d.bandwidth_gbps),
            area_mm2: None,
        });
    }
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "name": r.name, "kind": r.kind, "macros": r.macros, "macro_size": r.macro_size,
                    "clock": r.clock, "dram": r.dram, "peak_bandwidth_gbps": r.bandwidth_gbps,
                    "area_mm2": r.area_mm2,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    let header = [
        "name",
        "kind",
        "macros",
        "macro size",
        "clock",
        "DRAM (device: runtime)",
        "peak bandwidth",
        "area",
    ];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.kind.to_string(),
                r.macros.clone(),
                r.macro_size.clone(),
                r.clock.clone(),
                r.dram.clone(),
                r.bandwidth_gbps
                    .map_or("-".into(), |b| format!("{b:.1} GB/s")),
                r.area_mm2.map_or("-".into(), |a| format!("{a:.1} mm²")),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for c in &cells {
        for (w, s) in widths.iter_mut().zip(c) {
            *w = (*w).max(s.chars().count());
        }
    }
    let line = |items: Vec<&str>| {
        let padded: Vec<String> = items
            .iter()
            .zip(&widths)
            .map(|(s, w)| format!("{s}{}", " ".repeat(w - s.chars().count())))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for c in &cells {
        line(c.iter().map(String::as_str).collect());
    }
    println!(
        "\nDefault: {}. Print one with `cimsim config show NAME`.",
        preset_names()[0]
    );
    Ok(())
}

/// The DRAM capacity of a CIM configuration, as a TOML comment (the file still reads back).
fn print_capacity(cfg: &HardwareConfig) {
    if let (HardwareKind::Cim, Ok(spec)) = (cfg.kind, cfg.dram_spec()) {
        println!(
            "\n# DRAM capacity: {} ({} of {}), for weights + KV cache",
            super::dram::gib(spec.capacity_bytes()),
            spec.capacity_description(),
            spec.name
        );
    }
}

pub fn run_config(cmd: ConfigCommand) -> anyhow::Result<()> {
    match cmd {
        ConfigCommand::Show { config, json, set } if sim::device::is_device(&config) => {
            let dev = sim::device::load_device(&config, &set.set).map_err(bad_input)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&dev)?);
            } else if let (Some(text), true) =
                (sim::device::device_preset_text(&config), set.set.is_empty())
            {
                print!("{text}");
            } else {
                print!("{}", dev.to_toml_string());
            }
            Ok(())
        }
        ConfigCommand::Show { config, json, set } => {
            let set = set.set;
            let cfg = load_config(&config, &set).map_err(bad_input)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&cfg)?);
            } else if let (Some(text), true) = (preset_text(&config), set.is_empty()) {
                // An unmodified preset prints as shipped, with its source comments.
                print!("{text}");
                print_capacity(&cfg);
            } else {
                print!("{}", cfg.to_toml_string());
                print_capacity(&cfg);
            }
            Ok(())
        }
        ConfigCommand::Keys { hardware } if sim::device::is_device(hardware.config()?) => {
            let dev = sim::device::load_device(hardware.config()?, &hardware.set.set)
                .map_err(bad_input)?;
            for (key, value) in dev.key_values() {
                println!("{key}  (now {value})");
            }
            Ok(())
        }
        ConfigCommand::Keys { hardware } => {
            let cfg = hardware.load()?;
            let help = sim::config::key_help_for(&cfg);
            let width = help.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            for (key, what) in help {
                println!("{key:width$}  {what}");
            }
            Ok(())
        }
    }
}
