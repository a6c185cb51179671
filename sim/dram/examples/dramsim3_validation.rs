//! Helper of `validation/run.sh`, the side-by-side run against DRAMsim3.
//!
//! `dramsim3_validation traces CONFIG.ini OUT_DIR`: writes `stream.trace`, `random.trace` and
//! `mixed.trace` for the config and prints `READ_DELAY WRITE_DELAY` (cycles, RL + burst and
//! WL + burst), which the DRAMsim3 driver needs to date completions.
//! `dramsim3_validation cimsim CONFIG.ini TRACE_KIND`: prints `cycles,row_hits,activates`.
//! `dramsim3_validation accept DIR`: tries every `.ini` of DIR, prints accepted/rejected.
//! `dramsim3_validation presets`: the README's preset table.

use dram::{validation, DramSpec};
use std::path::Path;

fn fail(msg: String) -> ! {
    eprintln!("{msg}");
    std::process::exit(1)
}

fn load(path: &str) -> DramSpec {
    DramSpec::from_ini_file(Path::new(path)).unwrap_or_else(|e| fail(e.to_string()))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("traces") if args.len() == 4 => {
            let spec = load(&args[2]);
            for kind in validation::KINDS {
                let t = validation::trace(&spec, kind).unwrap_or_default();
                let path = Path::new(&args[3]).join(format!("{kind}.trace"));
                std::fs::write(&path, validation::trace_text(&t))
                    .unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
            }
            println!(
                "{} {}",
                spec.read_latency() + spec.burst_cycles(),
                spec.write_latency() + spec.burst_cycles()
            );
        }
        Some("cimsim") if args.len() == 4 => {
            let spec = load(&args[2]);
            let t = validation::trace(&spec, &args[3])
                .unwrap_or_else(|| fail(format!("unknown trace kind {}", args[3])));
            let m = validation::measure(&spec, &t);
            println!(
                "{},{},{},{}",
                m.cycles, m.row_hits, m.activates, m.last_read
            );
        }
        Some("accept") if args.len() == 3 => {
            let mut entries: Vec<_> = std::fs::read_dir(&args[2])
                .unwrap_or_else(|e| fail(format!("{}: {e}", args[2])))
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "ini"))
                .collect();
            entries.sort();
            for p in entries {
                match DramSpec::from_ini_file(&p) {
                    Ok(s) => println!(
                        "accepted {} {} ({} notes)",
                        p.display(),
                        s.protocol.name(),
                        s.not_modelled.len()
                    ),
                    Err(e) => println!("rejected {e}"),
                }
            }
        }
        Some("presets") => {
            // README table: one channel, and the channel count that reaches ~230 GB/s.
            for name in dram::presets::names() {
                let Some(s) = dram::presets::get(name) else {
                    continue;
                };
                let phy = dram::phy_estimate(&s);
                println!(
                    "| `{name}` | {} | {} bits | {:.1} | {:.2} | {:.2} | {:.2} |",
                    s.protocol.name(),
                    s.organization.bus_width,
                    s.peak_bandwidth_gbps(),
                    s.idd_energy_pj_per_bit_estimate(),
                    phy.io_pj_per_bit,
                    phy.area_mm2
                );
            }
        }
        _ => fail(
            "usage: dramsim3_validation traces CONFIG.ini OUT_DIR | cimsim CONFIG.ini KIND | \
             accept DIR"
                .to_string(),
        ),
    }
}
