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
    let mut rows: Vec<(String, String)> = vec![
        ("config".into(), spec.name.clone()),
        (
            "capacity".into(),
            format!(
                "{} ({})",
                gib(spec.capacity_bytes()),
                spec.capacity_description()
            ),
        ),
        ("requests".into(), r.requests.to_string()),
        ("request_bytes".into(), r.request_bytes.to_string()),
        ("cycles".into(), r.cycles.to_string()),
        ("tck_ns".into(), format!("{:.3}", r.tck_ns)),
        ("bandwidth_gbps".into(), format!("{:.3}", r.bandwidth_gbps)),
        (
            "peak_bandwidth_gbps".into(),
            format!("{:.3}", spec.peak_bandwidth_gbps()),
        ),
        (
            "avg_read_latency_cycles".into(),
            format!("{:.2}", r.avg_read_latency_cycles),
        ),
        ("row_hits".into(), r.row_hits.to_string()),
        ("activates".into(), r.activates.to_string()),
        ("refreshes".into(), r.refreshes.to_string()),
        (
            "power_down_rank_cycles".into(),
            r.power_down_rank_cycles.to_string(),
        ),
        (
            "self_refresh_rank_cycles".into(),
            r.self_refresh_rank_cycles.to_string(),
        ),
        ("energy_pj".into(), format!("{:.1}", r.energy_pj)),
    ];
    // The breakdown in its documented order (act/pre, read/write, I/O, refresh, background),
    // then the background's parts.
    for (k, v) in r.stats.energy.terms() {
        rows.push((format!("  {k}_pj"), format!("{v:.1}")));
    }
    for (k, v) in &r.background_breakdown_pj {
        rows.push((format!("    {k}_pj"), format!("{v:.1}")));
    }
    for (k, v) in rows {
        let _ = writeln!(s, "{k:<24} {v:>20}");
    }
    if !r.not_modelled.is_empty() {
        let _ = writeln!(s, "not modelled (accepted, ignored):");
        for n in &r.not_modelled {
            let _ = writeln!(s, "  {n}");
        }
    }
    s
}

/// Bytes in GiB with one decimal, e.g. `8.0 GiB`.
pub(crate) fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}
