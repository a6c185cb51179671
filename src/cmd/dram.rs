//! `cimsim dram`: run a DRAMsim3-format trace through the cycle-level DRAM model and report
//! completion time, bandwidth, latency, row hits, activates, refreshes and energy.

use super::bad_input;
use clap::Args;
use dram::{presets, read_trace_file, run_trace, DramSpec, TraceReport};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct DramArgs {
    #[arg(short = 'c', long, default_value_t = default_dram(), help = config_help())]
    pub config: String,
    /// Trace file: one `0xADDR READ|WRITE cycle` request per line.
    #[arg(short = 't', long)]
    pub trace: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The DRAM of the default hardware preset.
pub fn default_dram() -> String {
    sim::config::preset(sim::config::DEFAULT_PRESET)
        .map(|c| c.dram.preset)
        .unwrap_or_else(|| presets::names()[0].to_string())
}

/// `--config` help: the DRAM presets, from the registry.
fn config_help() -> String {
    format!(
        "DRAM preset ({}), DRAMsim3 .ini file or cimsim DRAM .toml file; the default is the \
         DRAM of the default hardware preset",
        presets::names().join(", ")
    )
}

/// A preset name, or a `.ini` (DRAMsim3) or `.toml` (cimsim) file.
fn load_spec(config: &str) -> anyhow::Result<DramSpec> {
    if let Some(spec) = presets::get(config) {
        return Ok(spec);
    }
    let path = Path::new(config);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "ini" => DramSpec::from_ini_file(path).map_err(bad_input),
        "toml" => DramSpec::from_toml_file(path).map_err(bad_input),
        _ => Err(bad_input(format!(
            "--config {config}: not a preset ({}) nor a .ini or .toml file",
            presets::names().join(", ")
        ))),
    }
}

pub fn run(args: DramArgs) -> anyhow::Result<()> {
    let spec = load_spec(&args.config)?;
    let requests = read_trace_file(&args.trace).map_err(bad_input)?;
    if requests.is_empty() {
        return Err(bad_input(format!(
            "{}: no requests; expected lines of `0xADDR READ|WRITE cycle`",
            args.trace.display()
        )));
    }
    let report = run_trace(&spec, &requests);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&spec, &report));
    }
    Ok(())
}

fn table(spec: &DramSpec, r: &TraceReport) -> String {
    let mut s = String::new();
    let rows: [(&str, String); 12] = [
        ("config", spec.name.clone()),
        ("requests", r.requests.to_string()),
        ("request_bytes", r.request_bytes.to_string()),
        ("cycles", r.cycles.to_string()),
        ("tck_ns", format!("{:.3}", r.tck_ns)),
        ("bandwidth_gbps", format!("{:.3}", r.bandwidth_gbps)),
        (
            "peak_bandwidth_gbps",
            format!("{:.3}", spec.peak_bandwidth_gbps()),
        ),
        (
            "avg_read_latency_cycles",
            format!("{:.2}", r.avg_read_latency_cycles),
        ),
        ("row_hits", r.row_hits.to_string()),
        ("activates", r.activates.to_string()),
        ("refreshes", r.refreshes.to_string()),
        ("energy_pj", format!("{:.1}", r.energy_pj)),
    ];
    for (k, v) in rows {
        let _ = writeln!(s, "{k:<24} {v:>20}");
    }
    s
}
