//! Every chart renders to PNG and SVG: the files are non-empty, PNGs carry the PNG signature and
//! the chart's size, SVGs contain the title and axis labels (with units) as text. Rendering is
//! deterministic. Outputs stay in Cargo's scratch directory for inspection.

use reports::plot::{
    breakdown_chart, context_chart, pareto_chart, pareto_chart_points, read_breakdown_runs,
    roofline_chart, BreakdownRun, ContextSeries, LogAxes, OperatingPoint, ParetoChartOptions,
    PlotError, PlotPoint, RooflineSpec,
};
use std::path::{Path, PathBuf};

fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("plots")
        .join(test);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

fn check_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() > 10_000,
        "{} is {} bytes",
        path.display(),
        bytes.len()
    );
    assert_eq!(bytes[..8], PNG_SIGNATURE);
    // IHDR: width and height, big-endian, at bytes 16..24.
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), (1400, 900));
}

fn check_svg(path: &Path, texts: &[&str]) {
    let svg = std::fs::read_to_string(path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    assert!(svg.trim_end().ends_with("</svg>"));
    for t in texts {
        assert!(svg.contains(t), "{} lacks `{t}`", path.display());
    }
}

/// Three models with a latency/energy trade-off (energy ~ 1/latency) plus scatter.
fn sweep_points() -> Vec<PlotPoint> {
    let mut state = 12345u64;
    let mut rand = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let mut pts = Vec::new();
    for (g, name) in ["qwen3-0.6b", "llama3.2-1b", "smollm2-135m"]
        .iter()
        .enumerate()
    {
        for _ in 0..60 {
            let latency_s = 2e-4 * (1.0 + 20.0 * rand()) * (g as f64 + 1.0);
            let energy_j = 4e-6 / latency_s * (1.0 + 2.0 * rand()) * (g as f64 + 1.0);
            pts.push(PlotPoint {
                group: name.to_string(),
                x: latency_s,
                y: energy_j,
                feasible: true,
            });
        }
    }
    pts.push(PlotPoint {
        group: "qwen3-0.6b".into(),
        x: f64::NAN,
        y: 1.0,
        feasible: true,
    });
    // Better than everything, but it broke a constraint: never on a front.
    pts.push(PlotPoint {
        group: "qwen3-0.6b".into(),
        x: 1e-4,
        y: 1e-4,
        feasible: false,
    });
    pts
}

#[test]
fn pareto_panels_filter_normalise_and_log_axes() {
    let dir = out_dir("pareto-options");
    let pts = sweep_points();
    let base = ParetoChartOptions::default();
    let all = pareto_chart_points(&pts, &base, &dir.join("all.svg")).unwrap();
    // One panel per series, each titled with its series and its knee labelled.
    let panels = ParetoChartOptions {
        panels: true,
        ..base.clone()
    };
    let p = pareto_chart_points(&pts, &panels, &dir.join("panels.svg")).unwrap();
    assert_eq!(p, all, "panels change the drawing, not the fronts");
    let svg = std::fs::read_to_string(dir.join("panels.svg")).unwrap();
    for g in &all.groups {
        assert!(svg.contains(&g.group), "{}", g.group);
    }
    assert!(svg.matches("knee").count() > all.groups.len());
    // A filter keeps the named series only, with the same fronts.
    let first = all.groups[0].group.clone();
    let only = ParetoChartOptions {
        only: vec![first.clone()],
        ..base.clone()
    };
    let o = pareto_chart_points(&pts, &only, &dir.join("only.png")).unwrap();
    assert_eq!(o.groups.len(), 1);
    assert_eq!(o.groups[0], all.groups[0]);
    let unknown = ParetoChartOptions {
        only: vec!["no-such-model".into()],
        ..base.clone()
    };
    let err = pareto_chart_points(&pts, &unknown, &dir.join("x.png")).unwrap_err();
    assert!(err.to_string().contains("no such series"), "{err}");
    assert!(!dir.join("x.png").exists());
    // Normalised: each front's best is 1 on both (minimised) axes; the front is the same set.
    let norm = ParetoChartOptions {
        normalise: true,
        ..base.clone()
    };
    let n = pareto_chart_points(&pts, &norm, &dir.join("norm.png")).unwrap();
    for (g, a) in n.groups.iter().zip(&all.groups) {
        assert_eq!(g.front.len(), a.front.len());
        let min_x = g.front.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let min_y = g.front.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        assert!((min_x - 1.0).abs() < 1e-12 && (min_y - 1.0).abs() < 1e-12);
    }
    // Forced log axes render; a log axis over values <= 0 is refused.
    for log in [LogAxes::X, LogAxes::Y, LogAxes::Both, LogAxes::None] {
        let opts = ParetoChartOptions {
            log,
            ..base.clone()
        };
        pareto_chart_points(&pts, &opts, &dir.join("log.png")).unwrap();
    }
    let mut negative = pts.clone();
    negative[0].x = -1.0;
    let opts = ParetoChartOptions {
        log: LogAxes::X,
        ..base
    };
    let err = pareto_chart_points(&negative, &opts, &dir.join("neg.png")).unwrap_err();
    assert!(err.to_string().contains("positive"), "{err}");
}

#[test]
fn pareto_chart_renders_png_and_svg() {
    let dir = out_dir("pareto");
    let pts = sweep_points();
    let opts = ParetoChartOptions::default();
    let summary = pareto_chart_points(&pts, &opts, &dir.join("pareto.png")).unwrap();
    check_png(&dir.join("pareto.png"));
    assert_eq!(summary.points, 182);
    assert_eq!(summary.excluded_non_finite, 1);
    assert_eq!(summary.infeasible, 1);
    assert_eq!(summary.groups.len(), 3);
    for g in &summary.groups {
        assert!(!g.front.contains(&(1e-4, 1e-4)));
        let knee = g.knee.unwrap();
        assert!(g.front.contains(&knee));
        // Front in order of increasing latency, decreasing energy (both minimised).
        for w in g.front.windows(2) {
            assert!(w[0].0 <= w[1].0 && w[0].1 >= w[1].1, "{w:?}");
        }
    }
    pareto_chart_points(&pts, &opts, &dir.join("pareto.svg")).unwrap();
    check_svg(
        &dir.join("pareto.svg"),
        &[
            "Pareto front: Decode energy vs Decode latency",
            "Decode latency (ms/token)",
            "Decode energy (mJ/token)",
            "qwen3-0.6b (front",
            "knee",
            "infeasible (1)",
        ],
    );
    // Same input, same bytes.
    let again = dir.join("again.png");
    pareto_chart_points(&pts, &opts, &again).unwrap();
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(dir.join("pareto.png")).unwrap()
    );
}

#[test]
fn pareto_chart_from_csv_with_maximised_axis() {
    let dir = out_dir("pareto_csv");
    let csv = dir.join("results.csv");
    let mut text = String::from(
        "point,model,mapping,decode_tokens_per_s,decode_j_per_token,area_mm2,feasible,error\n",
    );
    for i in 0..40 {
        let t = 50.0 + 10.0 * f64::from(i);
        let e = 1e-3 * (1.0 + f64::from(i % 7)) * t / 100.0;
        let mapping = if i % 2 == 0 {
            "sequential"
        } else {
            "balanced-pipeline"
        };
        text += &format!("{i},m,{mapping},{t},{e},{},true,\n", 10 + i);
    }
    text += "40,m,sequential,,0.1,3,false,compile failed\n"; // failed point: empty cell
    text += "41,m,sequential,9000,1e-9,3,false,\n"; // best of all, but infeasible
    std::fs::write(&csv, text).unwrap();
    let opts = ParetoChartOptions {
        x: "decode_tokens_per_s".into(),
        y: "decode_j_per_token".into(),
        by: Some("mapping".into()),
        title: Some("Throughput against energy".into()),
        ..ParetoChartOptions::default()
    };
    let out = dir.join("tps.svg");
    let summary = pareto_chart(&csv, &opts, &out).unwrap();
    assert_eq!(summary.infeasible, 2);
    assert_eq!(summary.excluded_non_finite, 0);
    assert_eq!(summary.groups.len(), 2);
    // tokens/s maximised: the highest throughput of each group is on its front.
    for g in &summary.groups {
        let best = g.front.iter().map(|p| p.0).fold(0.0, f64::max);
        assert!((430.0..9000.0).contains(&best), "{g:?}");
    }
    check_svg(
        &out,
        &[
            "Throughput against energy",
            "Decode throughput (tokens/s)",
            "sequential",
        ],
    );
    pareto_chart(&csv, &opts, &dir.join("tps.png")).unwrap();
    check_png(&dir.join("tps.png"));
}

#[test]
fn pareto_chart_input_errors_name_the_problem() {
    let dir = out_dir("pareto_errors");
    let opts = ParetoChartOptions::default();
    let out = dir.join("x.png");
    let csv = dir.join("bad.csv");
    std::fs::write(
        &csv,
        "model,decode_s_per_token,decode_j_per_token\nm,1e-3,abc\n",
    )
    .unwrap();
    let e = pareto_chart(&csv, &opts, &out).unwrap_err();
    assert!(matches!(e, PlotError::NonNumeric { line: 2, .. }), "{e}");
    assert!(e.to_string().contains("`abc`"), "{e}");

    std::fs::write(&csv, "model,decode_s_per_token\nm,1e-3\n").unwrap();
    let e = pareto_chart(&csv, &opts, &out).unwrap_err();
    assert!(
        e.to_string().contains("no column `decode_j_per_token`"),
        "{e}"
    );

    std::fs::write(&csv, "model,decode_s_per_token,decode_j_per_token\n").unwrap();
    assert!(matches!(
        pareto_chart(&csv, &opts, &out),
        Err(PlotError::EmptyCsv { .. })
    ));
    std::fs::write(&csv, "").unwrap();
    assert!(pareto_chart(&csv, &opts, &out).is_err());

    let e = pareto_chart(&dir.join("missing.csv"), &opts, &out).unwrap_err();
    assert!(matches!(e, PlotError::Read { .. }), "{e}");

    std::fs::write(
        &csv,
        "model,decode_s_per_token,decode_j_per_token\nm,1e-3,1\n",
    )
    .unwrap();
    let e = pareto_chart(&csv, &opts, &dir.join("x.pdf")).unwrap_err();
    assert!(matches!(e, PlotError::Format { .. }), "{e}");
    // Nothing half-written on failure.
    assert!(!out.exists());
}

fn run(label: &str, scale: f64) -> BreakdownRun {
    BreakdownRun {
        label: label.into(),
        energy_j: [
            ("dram", 1.58),
            ("buffer", 1.25),
            ("macro_write", 0.15),
            ("macro_compute", 0.013),
            ("leakage", 0.037),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v * scale))
        .collect(),
        time_s: [("dram", 0.42), ("macro_write", 0.37), ("vector", 0.63)]
            .iter()
            .map(|(k, v)| (k.to_string(), v * scale))
            .collect(),
        simulated_s: 1.03 * scale,
    }
}

#[test]
fn breakdown_chart_renders_from_simulate_json() {
    let dir = out_dir("breakdown");
    let json = dir.join("run.json");
    std::fs::write(
        &json,
        r#"{"model":"qwen3-0.6b","config":"edgecim-65nm","mapping":"sequential",
            "simulated_s":1.03,"energy_breakdown_j":{"dram":1.58,"buffer":1.25},
            "time_breakdown_s":{"dram":0.42,"vector":0.63}}"#,
    )
    .unwrap();
    let runs = read_breakdown_runs(&[json.clone(), json.clone()]).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].energy_j["dram"], 1.58);
    // Identical labels are told apart (mapping, then file name).
    assert_eq!(
        runs[0].label,
        "qwen3-0.6b @ edgecim-65nm (sequential) (run)"
    );
    let out = dir.join("one.svg");
    breakdown_chart(&runs[..1], None, &out).unwrap();
    check_svg(
        &out,
        &[
            "Where energy and time go",
            "Energy, stacked by component (J)",
            "dram",
        ],
    );

    let many = vec![
        run("qwen3-0.6b @ edgecim-65nm", 1.0),
        run("llama3.2-1b @ edgecim-65nm", 2.1),
    ];
    breakdown_chart(&many, None, &dir.join("two.png")).unwrap();
    check_png(&dir.join("two.png"));

    std::fs::write(&json, r#"{"model":"m","simulated_s":1}"#).unwrap();
    let e = read_breakdown_runs(&[json]).unwrap_err();
    assert!(e.to_string().contains("energy_breakdown_j"), "{e}");
}

#[test]
fn context_and_roofline_charts_render() {
    let dir = out_dir("context_roofline");
    let series = vec![
        ContextSeries {
            label: "edgecim-65nm".into(),
            points: (1..=8)
                .map(|i| (i * 512, 6e-3 + 1e-6 * (i * 512) as f64))
                .collect(),
        },
        ContextSeries {
            label: "edgecim-lpddr4".into(),
            points: (1..=8)
                .map(|i| (i * 512, 9e-3 + 2e-6 * (i * 512) as f64))
                .collect(),
        },
    ];
    let title = "Per-token latency vs context: qwen3-0.6b";
    context_chart(&series, title, &dir.join("context.png")).unwrap();
    check_png(&dir.join("context.png"));
    context_chart(&series, title, &dir.join("context.svg")).unwrap();
    check_svg(
        &dir.join("context.svg"),
        &[
            title,
            "Context length (tokens attended)",
            "Decode latency (ms/token)",
        ],
    );

    let spec = RooflineSpec {
        label: "edgecim-65nm".into(),
        peak_macs_per_s: 6.5536e12,
        dram_bandwidth_gbps: 102.4,
    };
    assert_eq!(spec.ridge_macs_per_byte(), 6.5536e12 / 102.4e9);
    let points = vec![
        OperatingPoint {
            label: "decode".into(),
            macs_per_byte: 1.9,
            macs_per_s: 1.5e11,
        },
        OperatingPoint {
            label: "prefill".into(),
            macs_per_byte: 240.0,
            macs_per_s: 2.4e12,
        },
    ];
    let title = "Roofline: qwen3-0.6b on edgecim-65nm";
    roofline_chart(&spec, &points, title, &dir.join("roofline.png")).unwrap();
    check_png(&dir.join("roofline.png"));
    roofline_chart(&spec, &points, title, &dir.join("roofline.svg")).unwrap();
    check_svg(
        &dir.join("roofline.svg"),
        &[
            title,
            "Arithmetic intensity",
            "Performance (TMAC/s)",
            "decode",
            "prefill",
        ],
    );
    let bad = RooflineSpec {
        dram_bandwidth_gbps: 0.0,
        ..spec
    };
    assert!(roofline_chart(&bad, &points, title, &dir.join("bad.png")).is_err());
}
