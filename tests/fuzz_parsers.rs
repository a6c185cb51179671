//! Fuzzing of every input parser: model cards, Hugging Face `config.json`, hardware TOML and
//! `--set`, DRAMsim3 `.ini`, DRAM TOML, traces, sweep specs, and the CSV and JSON files that
//! `plot` reads. Inputs are random bytes and shipped files mutated (see `fuzz_common`). Each test
//! asserts that nothing panics (debug builds also trap integer overflow), that every error names
//! its source, and that what parses is usable: counts, areas, DRAM figures and short DRAM runs
//! are computed from it and are finite.
//!
//! Bounded case counts keep the suite fast; `FUZZ_CASES=100000 cargo test --release --test
//! fuzz_parsers` is the deep run.

mod fuzz_common;

use fuzz_common::{config, input, text};
use proptest::prelude::*;
use std::path::Path;

fn shipped_cards() -> Vec<Vec<u8>> {
    workloads::shipped_names()
        .iter()
        .filter_map(|n| workloads::shipped_toml(n))
        .map(|t| t.as_bytes().to_vec())
        .collect()
}

fn hf_configs() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads/tests/fixtures/hf");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("HF fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).expect("fixture"))
        .collect()
}

fn presets() -> Vec<Vec<u8>> {
    sim::config::preset_names()
        .iter()
        .filter_map(|n| sim::config::preset_text(n))
        .map(|t| t.as_bytes().to_vec())
        .collect()
}

fn dram_inis() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/dram/tests/fixtures");
    ["DDR4_8Gb_x16_3200.ini", "LPDDR4_8Gb_x16_2400.ini"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).expect("ini fixture"))
        .collect()
}

fn dram_tomls() -> Vec<Vec<u8>> {
    dram::presets::names()
        .iter()
        .filter_map(|n| dram::presets::get(n))
        .map(|s| s.to_toml_string().into_bytes())
        .collect()
}

fn trace_seed() -> Vec<Vec<u8>> {
    let mut t = String::from("# a mixed trace\n");
    for i in 0..24u64 {
        let op = if i % 3 == 0 { "WRITE" } else { "READ" };
        t.push_str(&format!("0x{:x} {op} {}\n", i * 4096 + (i % 5) * 64, i * 7));
    }
    vec![t.into_bytes(), b"100 r 0\n200 W 3\n".to_vec()]
}

fn sweep_specs() -> Vec<Vec<u8>> {
    let quick =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sweeps/quick.toml"))
            .expect("quick.toml");
    let random = br#"base = "cim-small-65nm"
models = ["smollm2-135m", "qwen3-0.6b"]
constraints = ["area_mm2 <= 60", "power_w < 8"]
objectives = ["decode_s_per_token", "decode_j_per_token", "area_mm2"]
[workload]
prompt = 16
generate = 4
batch = 2
weights = "int8"
mapping = "sequential"
[space]
"chip.tiles" = { from = 2, to = 16, mul = 2 }
"clock.freq_mhz" = { from = 100.0, to = 300.0, step = 50.0 }
weights = ["int4", "int8"]
[search]
kind = "nsga2"
population = 8
generations = 2
seed = 7
screen_margin = 0.1
"#;
    vec![quick, random.to_vec()]
}

fn results_csv() -> Vec<Vec<u8>> {
    let csv = "point_id,model,chip.tiles,decode_s_per_token,decode_j_per_token,decode_tokens_per_s,feasible,error\n\
               0,smollm2-135m,4,0.0021,0.0009,476.1,true,\n\
               1,smollm2-135m,8,0.0013,0.0011,769.2,true,\n\
               2,qwen3-0.6b,4,0.0101,0.0042,99.0,false,\n\
               3,qwen3-0.6b,8,,,,false,\"does not fit, see \"\"x\"\"\"\n";
    vec![csv.as_bytes().to_vec()]
}

/// A finite, non-negative figure.
fn sane(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// Exercises a DRAM spec that parsed: derived figures and a short trace through the controller.
fn exercise_dram(spec: &dram::DramSpec) {
    assert!(spec.request_bytes() > 0);
    let _ = spec.channel_bytes();
    assert!(sane(spec.peak_bandwidth_gbps()), "{spec:?}");
    assert!(sane(spec.idd_energy_pj_per_bit_estimate()), "{spec:?}");
    let requests: Vec<dram::TraceRequest> = (0..12u64)
        .map(|i| dram::TraceRequest {
            addr: i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 20,
            is_write: i % 4 == 0,
            cycle: i * 3,
        })
        .collect();
    let r = within_seconds(10, spec, move |spec| dram::run_trace(&spec, &requests));
    assert_eq!(r.requests, 12);
    assert!(sane(r.energy_pj) && sane(r.bandwidth_gbps), "{r:?}");
}

/// Runs `f` on another thread and fails (naming the spec) if it does not finish in time: a
/// DRAM model that never completes a request is a hang, not a slow case.
fn within_seconds<T: Send + 'static>(
    seconds: u64,
    spec: &dram::DramSpec,
    f: impl FnOnce(dram::DramSpec) -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = spec.clone();
    std::thread::spawn(move || {
        let _ = tx.send(f(owned));
    });
    match rx.recv_timeout(std::time::Duration::from_secs(seconds)) {
        Ok(v) => v,
        Err(_) => panic!("no result within {seconds} s for {spec:#?}"),
    }
}

fn write_temp(bytes: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write input");
    (dir, path)
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn model_cards(bytes in input(shipped_cards())) {
        match workloads::ModelCard::from_toml_str(&text(&bytes), "fuzz-card.toml") {
            Ok(card) => {
                let counts = card.counts();
                prop_assert!(counts.params >= counts.non_embedding_params);
                let _ = workloads::phase_macs(&card, workloads::Phase::Prefill { tokens: card.max_context }, 1);
                let g = workloads::build_graph(&card, workloads::Phase::Decode { kv_len: 1 }, 1);
                prop_assert_eq!(
                    g.ops_in_order().iter().map(|o| o.macs).sum::<u64>(),
                    workloads::phase_macs(&card, workloads::Phase::Decode { kv_len: 1 }, 1)
                );
                let back = workloads::ModelCard::from_toml_str(&card.to_toml_string(&[]), "again")
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(back, card);
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz-card.toml"), "{}", e),
        }
    }

    #[test]
    fn hf_config_json(bytes in input(hf_configs())) {
        let path = Path::new("fuzz/Fuzz-1B.config.json");
        match workloads::import_hf_str(&text(&bytes), path, None) {
            Ok(card) => {
                prop_assert!(card.validate("imported").is_ok());
                let _ = card.counts();
            }
            Err(e) => prop_assert!(e.to_string().contains("Fuzz-1B.config.json"), "{}", e),
        }
    }

    #[test]
    fn hardware_toml(bytes in input(presets())) {
        match sim::config::parse_config(&text(&bytes), "fuzz-hw.toml", &[]) {
            Ok(cfg) => {
                let area = sim::components::chip::area_mm2(&cfg);
                prop_assert!(sane(area.total_mm2), "{:?}", area);
                prop_assert!(sane(sim::components::chip::peak_macs_per_s(&cfg, cfg.precision.activation_bits)));
                let _ = cfg.dram_spec().map(|s| s.peak_bandwidth_gbps());
                let again = sim::config::parse_config(&cfg.to_toml_string(), "again", &[])
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(again, cfg);
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz-hw.toml"), "{}", e),
        }
    }

    #[test]
    fn set_overrides(
        preset in prop::sample::select(sim::config::preset_names().to_vec()),
        sets in prop::collection::vec(set_arg(), 1..4),
    ) {
        match sim::config::load_config(preset, &sets) {
            Ok(cfg) => prop_assert!(sane(sim::components::chip::area_mm2(&cfg).total_mm2)),
            Err(e) => prop_assert!(e.to_string().contains("--set"), "{}", e),
        }
    }

    #[test]
    fn dramsim3_ini(bytes in input(dram_inis())) {
        match dram::ini::spec_from_ini_str(&text(&bytes), "fuzz.ini", "fuzz") {
            Ok(spec) => exercise_dram(&spec),
            Err(e) => prop_assert!(e.to_string().contains("fuzz.ini"), "{}", e),
        }
    }

    #[test]
    fn dram_toml(bytes in input(dram_tomls())) {
        match dram::DramSpec::from_toml_str(&text(&bytes), "fuzz-dram.toml") {
            Ok(spec) => exercise_dram(&spec),
            Err(e) => prop_assert!(e.to_string().contains("fuzz-dram.toml"), "{}", e),
        }
    }

    #[test]
    fn traces(bytes in input(trace_seed())) {
        match dram::parse_trace(&text(&bytes), "fuzz.trace") {
            Ok(requests) => {
                // Idle cycles cost host time too (refreshes): keep each run to milliseconds.
                let last = requests.iter().map(|r| r.cycle).max().unwrap_or(0);
                if requests.len() <= 64 && last <= 1 << 32 {
                    let spec = dram::presets::get("lpddr4-3200").expect("preset");
                    let r = dram::run_trace(&spec, &requests);
                    prop_assert_eq!(r.requests, requests.len() as u64);
                    prop_assert!(sane(r.energy_pj) && sane(r.avg_read_latency_cycles));
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz.trace:"), "{}", e),
        }
    }

    #[test]
    fn sweep_spec(bytes in input(sweep_specs())) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sweeps");
        match cimsim::explore::spec::parse_spec(&text(&bytes), "fuzz-spec.toml", &dir) {
            Ok(spec) => {
                let _ = cimsim::explore::meta::spec_hash(&spec, "analytic");
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz-spec.toml"), "{}", e),
        }
    }

    #[test]
    fn csv_rows(bytes in input(results_csv())) {
        let t = text(&bytes);
        for line in t.lines() {
            // Line breaks inside fields become `; ` by design (one row, one line).
            let parsed = cimsim::explore::csvio::parse_line(line)
                .filter(|f| !f.iter().any(|x| x.contains(['\r', '\n'])));
            if let Some(fields) = parsed {
                let again = cimsim::explore::csvio::csv_line(fields.iter().map(String::as_str));
                prop_assert_eq!(cimsim::explore::csvio::parse_line(&again), Some(fields));
            }
            let _ = cimsim::explore::csvio::line_id(line);
        }
    }
}

proptest! {
    #![proptest_config(config(150))]

    #[test]
    fn plot_csv(bytes in input(results_csv())) {
        let (_dir, path) = write_temp(&bytes, "fuzz-results.csv");
        match reports::plot::read_plot_points(&path, "decode_s_per_token", "decode_j_per_token", None) {
            Ok(points) => {
                prop_assert!(!points.is_empty());
                let xs: Vec<f64> = points.iter().map(|p| p.x).filter(|x| x.is_finite()).collect();
                let axis = reports::plot::Axis::fit(xs, true);
                let _ = axis.format(axis.magnitude());
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz-results.csv"), "{}", e),
        }
    }

    #[test]
    fn breakdown_json(bytes in input(vec![breakdown_seed()])) {
        let (_dir, path) = write_temp(&bytes, "fuzz-run.json");
        match reports::plot::read_breakdown_runs(std::slice::from_ref(&path)) {
            Ok(runs) => prop_assert!(!runs.is_empty()),
            Err(e) => {
                let m = e.to_string();
                prop_assert!(m.contains("fuzz-run.json") || m.contains("nothing to plot"), "{}", m);
            }
        }
    }
}

/// `KEY=VALUE` arguments: valid key paths (sometimes misspelt) with nasty or plausible values.
fn set_arg() -> impl Strategy<Value = String> {
    let keys = sim::config::key_paths();
    let value = prop_oneof![
        prop::sample::select(fuzz_common::NASTY.to_vec()).prop_map(str::to_string),
        (0u64..5000).prop_map(|v| v.to_string()),
        (0.0f64..1000.0).prop_map(|v| format!("{v}")),
        "[a-z0-9.\\-]{0,12}",
    ];
    (prop::sample::select(keys), any::<u8>(), value).prop_map(|(key, typo, value)| {
        let key = match typo % 8 {
            0 => key.replacen('.', "_", 1),
            1 => format!("{key}s"),
            2 => key[..key.len() / 2].to_string(),
            _ => key,
        };
        if typo % 16 == 15 {
            key
        } else {
            format!("{key}={value}")
        }
    })
}

fn breakdown_seed() -> Vec<u8> {
    let card = workloads::shipped("smollm2-135m").expect("card");
    let cfg = sim::config::preset("edgecim-65nm").expect("preset");
    let opts = cimsim::run::RunOptions {
        prompt_tokens: 8,
        generate_tokens: 2,
        fidelity: cimsim::run::RunFidelity::Analytic,
        ..Default::default()
    };
    let out = cimsim::run::simulate(&card, &cfg, "edgecim-65nm", &opts).expect("run");
    serde_json::to_vec_pretty(&out.record).expect("json")
}
