//! A table of bad inputs of every kind — model cards, Hugging Face configs, hardware TOML,
//! `--set`, DRAMsim3 `.ini`, DRAM TOML, traces, sweep specs, CSV and JSON for `plot` and
//! `merge`, workloads too large to count or simulate, output paths that cannot be written — each
//! run through the `cimsim` binary, asserting the exit code (2 for bad input, never a panic) and
//! the words of the message: the file, the key or line, and what is allowed.

use assert_cmd::Command;
use std::path::Path;

/// One bad input: files to create in a fresh directory, the arguments, and what must be said.
struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    args: Vec<&'static str>,
    code: i32,
    words: Vec<&'static str>,
}

fn case(
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    args: &[&'static str],
    words: &[&'static str],
) -> Case {
    Case {
        name,
        files,
        args: args.to_vec(),
        code: 2,
        words: words.to_vec(),
    }
}

fn repo(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect("repository file")
}

/// `text` with the first line starting with `from` replaced by `to` (removed when `to` is
/// empty); panics if no line matches, so the table cannot silently test a valid file.
fn edit(text: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(text.to_vec()).expect("utf-8");
    let mut done = false;
    let mut out = String::new();
    for line in text.lines() {
        if !done && line.trim_start().starts_with(from) {
            done = true;
            if !to.is_empty() {
                out.push_str(to);
                out.push('\n');
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(done, "no line starts with `{from}`");
    out.into_bytes()
}

fn card() -> Vec<u8> {
    repo("workloads/models/qwen3-0.6b.toml")
}

fn hf() -> Vec<u8> {
    repo("workloads/tests/fixtures/hf/Qwen3-0.6B.config.json")
}

fn hw() -> Vec<u8> {
    sim::config::preset_text("edgecim-65nm")
        .expect("preset")
        .as_bytes()
        .to_vec()
}

fn ini() -> Vec<u8> {
    repo("sim/dram/tests/fixtures/DDR4_8Gb_x16_3200.ini")
}

fn dram_toml() -> Vec<u8> {
    dram::presets::get("lpddr4-3200")
        .expect("preset")
        .to_toml_string()
        .into_bytes()
}

fn trace() -> Vec<u8> {
    b"0x100 READ 0\n0x200 WRITE 10\n".to_vec()
}

fn spec(space: &str) -> Vec<u8> {
    format!(
        "models = [\"smollm2-135m\"]\nobjectives = [\"decode_s_per_token\", \"decode_j_per_token\"]\n\
         [workload]\nprompt = 8\ngenerate = 2\n[space]\n{space}\n"
    )
    .into_bytes()
}

fn csv() -> Vec<u8> {
    b"point_id,model,decode_s_per_token,decode_j_per_token\n0,m,0.001,0.002\n1,m,0.002,0.001\n"
        .to_vec()
}

const BINARY: &[u8] = &[
    0x7f, b'E', b'L', b'F', 0xff, 0xfe, 0x00, 0x01, 0xc3, 0x28, 0x80, 0x9f,
];

const SIM: &[&str] = &["simulate", "--fidelity", "analytic"];

fn sim(extra: &[&'static str]) -> Vec<&'static str> {
    SIM.iter().copied().chain(extra.iter().copied()).collect()
}

const BIG_CARD: &str = "name = \"big-14b\"\nhidden_size = 5120\nintermediate_size = 13824\n\
num_layers = 48\nnum_attention_heads = 40\nnum_kv_heads = 8\nhead_dim = 128\n\
vocab_size = 152064\ntie_word_embeddings = false\nmax_context = 131072\nnorm_eps = 1e-6\n\
rope_theta = 1000000.0\n";

fn cases() -> Vec<Case> {
    let q = &["--model", "qwen3-0.6b"];
    let with_q =
        |extra: &[&'static str]| -> Vec<&'static str> { sim(&[q as &[&str], extra].concat()) };
    vec![
        // Model cards.
        case("card: empty", vec![("m.toml", vec![])], &sim(&["--model", "m.toml"]), &["m.toml", "missing field `name`"]),
        case("card: binary", vec![("m.toml", BINARY.to_vec())], &sim(&["--model", "m.toml"]), &["m.toml", "UTF-8"]),
        case("card: syntax", vec![("m.toml", edit(&card(), "num_layers", "num_layers = 28 x"))], &sim(&["--model", "m.toml"]), &["m.toml", "line 7", "expected newline"]),
        case("card: wrong type", vec![("m.toml", edit(&card(), "hidden_size", "hidden_size = \"big\""))], &sim(&["--model", "m.toml"]), &["m.toml", "line 5", "invalid type", "expected u64"]),
        case("card: missing key", vec![("m.toml", edit(&card(), "vocab_size", ""))], &sim(&["--model", "m.toml"]), &["m.toml", "missing field `vocab_size`"]),
        case("card: unknown key", vec![("m.toml", edit(&card(), "hidden_size", "hidden_sise = 1024"))], &sim(&["--model", "m.toml"]), &["m.toml", "line 5", "`hidden_sise`", "did you mean `hidden_size`"]),
        case("card: zero", vec![("m.toml", edit(&card(), "hidden_size", "hidden_size = 0"))], &sim(&["--model", "m.toml"]), &["m.toml", "`hidden_size`", "allowed 1..="]),
        case("card: negative", vec![("m.toml", edit(&card(), "num_layers", "num_layers = -3"))], &sim(&["--model", "m.toml"]), &["m.toml", "`-3`", "expected u32"]),
        case("card: NaN", vec![("m.toml", edit(&card(), "norm_eps", "norm_eps = nan"))], &sim(&["--model", "m.toml"]), &["m.toml", "`norm_eps`", "NaN", "0 < norm_eps < 1"]),
        case("card: infinite", vec![("m.toml", edit(&card(), "rope_theta", "rope_theta = inf"))], &sim(&["--model", "m.toml"]), &["m.toml", "`rope_theta`", "finite"]),
        case("card: heads", vec![("m.toml", edit(&card(), "num_kv_heads", "num_kv_heads = 3"))], &sim(&["--model", "m.toml"]), &["m.toml", "`num_kv_heads`", "must divide"]),
        case("card: too large", vec![("m.toml", edit(&card(), "vocab_size", "vocab_size = 99999999999"))], &sim(&["--model", "m.toml"]), &["m.toml", "`vocab_size`", "allowed 1..=16777216"]),
        case("model: unknown name", vec![], &sim(&["--model", "qwen3-0.6"]), &["qwen3-0.6", "not a shipped model", "qwen3-0.6b"]),
        // Hugging Face config.json.
        case("hf: empty", vec![("config.json", vec![])], &["model", "import", "config.json"], &["config.json", "not a Hugging Face config", "EOF"]),
        case("hf: not an object", vec![("config.json", b"[1, 2]".to_vec())], &["model", "import", "config.json"], &["config.json", "must be a JSON object"]),
        case("hf: model type", vec![("config.json", edit(&hf(), "\"model_type\"", "  \"model_type\": \"gpt2\","))], &["model", "import", "config.json"], &["config.json", "`model_type`", "`gpt2`", "supported: llama"]),
        case("hf: missing key", vec![("config.json", edit(&hf(), "\"hidden_size\"", ""))], &["model", "import", "config.json"], &["config.json", "`hidden_size`", "missing", "positive integer"]),
        case("hf: wrong type", vec![("config.json", edit(&hf(), "\"hidden_size\"", "  \"hidden_size\": \"1024\","))], &["model", "import", "config.json"], &["config.json", "`hidden_size`", "found a string"]),
        case("hf: zero", vec![("config.json", edit(&hf(), "\"num_hidden_layers\"", "  \"num_hidden_layers\": 0,"))], &["model", "import", "config.json"], &["config.json", "`num_hidden_layers`", "positive integer"]),
        case("hf: binary", vec![("config.json", BINARY.to_vec())], &["model", "import", "config.json"], &["config.json", "UTF-8"]),
        // Hardware TOML.
        case("hw: empty", vec![("hw.toml", vec![])], &with_q(&["--config", "hw.toml"]), &["hw.toml", "missing key `chip`"]),
        case("hw: binary", vec![("hw.toml", BINARY.to_vec())], &with_q(&["--config", "hw.toml"]), &["hw.toml", "UTF-8"]),
        case("hw: syntax", vec![("hw.toml", edit(&hw(), "tiles", "tiles = = 4"))], &with_q(&["--config", "hw.toml"]), &["hw.toml", "line"]),
        case("hw: wrong type", vec![("hw.toml", edit(&hw(), "tiles", "tiles = \"4\""))], &with_q(&["--config", "hw.toml"]), &["hw.toml", "`chip.tiles`", "expected an integer"]),
        case("hw: missing key", vec![("hw.toml", edit(&hw(), "freq_mhz", ""))], &with_q(&["--config", "hw.toml"]), &["hw.toml", "missing key `clock.freq_mhz`", "(0, 5000]"]),
        case("hw: unknown key", vec![("hw.toml", edit(&hw(), "rows", "rowz = 256"))], &with_q(&["--config", "hw.toml"]), &["hw.toml", "`macro.rowz`", "did you mean `macro.rows`"]),
        case("hw: zero", vec![("hw.toml", edit(&hw(), "tiles", "tiles = 0"))], &with_q(&["--config", "hw.toml"]), &["hw.toml", "`chip.tiles`", "allowed 1..=4096"]),
        case("hw: NaN", vec![("hw.toml", edit(&hw(), "freq_mhz", "freq_mhz = nan"))], &with_q(&["--config", "hw.toml"]), &["hw.toml", "`clock.freq_mhz`", "NaN", "(0, 5000]"]),
        case("hw: missing file", vec![], &with_q(&["--config", "nosuch.toml"]), &["nosuch.toml", "No such file"]),
        // --set.
        case("set: unknown key", vec![], &with_q(&["--set", "chip.tilez=4"]), &["--set", "`chip.tilez`", "did you mean `chip.tiles`"]),
        case("set: wrong type", vec![], &with_q(&["--set", "chip.tiles=abc"]), &["--set", "`chip.tiles`", "expects an integer"]),
        case("set: infinite", vec![], &with_q(&["--set", "clock.freq_mhz=inf"]), &["--set", "`clock.freq_mhz`", "inf", "(0, 5000]"]),
        case("set: negative", vec![], &with_q(&["--set", "macro.energy_pj_per_mac=-1"]), &["--set", "`macro.energy_pj_per_mac`", "[0, 1000]"]),
        case("set: overflow", vec![], &with_q(&["--set", "chip.tiles=99999999999999999999"]), &["--set", "`chip.tiles`", "out of range", "allowed 1..=4096"]),
        case("set: too large in exponent form", vec![], &with_q(&["--set", "chip.tiles=1e23"]), &["--set", "`chip.tiles` = 1e23", "out of range", "allowed 1..=4096"]),
        case("set: no value", vec![], &with_q(&["--set", "chip.tiles"]), &["--set", "expected KEY.PATH=VALUE"]),
        // DRAMsim3 .ini.
        case("ini: empty", vec![("d.ini", vec![]), ("t.trace", trace())], &["dram", "--config", "d.ini", "--trace", "t.trace"], &["d.ini", "protocol", "tCK"]),
        case("ini: binary", vec![("d.ini", BINARY.to_vec()), ("t.trace", trace())], &["dram", "--config", "d.ini", "--trace", "t.trace"], &["d.ini", "UTF-8"]),
        case("ini: syntax", vec![("d.ini", edit(&ini(), "tCK", "tCK 0.63")), ("t.trace", trace())], &["dram", "--config", "d.ini", "--trace", "t.trace"], &["d.ini:11", "expected `[section]` or `key = value`"]),
        case("ini: unknown section", vec![("d.ini", edit(&ini(), "[timing]", "[timming]")), ("t.trace", trace())], &["dram", "--config", "d.ini", "--trace", "t.trace"], &["d.ini:10", "[timming]", "did you mean `timing`"]),
        case("ini: unknown key", vec![("d.ini", edit(&ini(), "tCK", "tCKK = 0.63")), ("t.trace", trace())], &["dram", "--config", "d.ini", "--trace", "t.trace"], &["d.ini:11", "timing.tCKK", "did you mean `tck`"]),
        case("ini: missing key", vec![("d.ini", edit(&ini(), "tCK", "")), ("t.trace", trace())], &["dram", "--config", "d.ini", "--trace", "t.trace"], &["d.ini", "missing key `timing.tck`"]),
        case("ini: NaN", vec![("d.ini", edit(&ini(), "tCK", "tCK = nan")), ("t.trace", trace())], &["dram", "--config", "d.ini", "--trace", "t.trace"], &["d.ini:11", "timing.tck", "a non-negative number"]),
        case("ini: wrong type", vec![("d.ini", edit(&ini(), "rows", "rows = many")), ("t.trace", trace())], &["dram", "--config", "d.ini", "--trace", "t.trace"], &["d.ini:5", "dram_structure.rows", "a non-negative integer"]),
        case("ini: protocol", vec![("d.ini", edit(&ini(), "protocol", "protocol = GDDR7")), ("t.trace", trace())], &["dram", "--config", "d.ini", "--trace", "t.trace"], &["d.ini", "dram_structure.protocol", "one of DDR3, DDR4"]),
        // DRAM TOML.
        case("dram toml: unknown key", vec![("d.toml", edit(&dram_toml(), "tck_ps", "tck_pss = 625")), ("t.trace", trace())], &["dram", "--config", "d.toml", "--trace", "t.trace"], &["d.toml", "`tck_pss`", "did you mean `tck_ps`"]),
        case("dram toml: zero", vec![("d.toml", edit(&dram_toml(), "channels", "channels = 0")), ("t.trace", trace())], &["dram", "--config", "d.toml", "--trace", "t.trace"], &["d.toml", "organization.channels", "a power of two"]),
        case("dram: unknown preset", vec![("t.trace", trace())], &["dram", "--config", "lpddr9", "--trace", "t.trace"], &["lpddr9", "not a preset", "lpddr5-6400"]),
        // Traces.
        case("trace: empty", vec![("t.trace", vec![])], &["dram", "--config", "lpddr4-3200", "--trace", "t.trace"], &["t.trace", "no requests", "READ|WRITE"]),
        case("trace: binary", vec![("t.trace", BINARY.to_vec())], &["dram", "--config", "lpddr4-3200", "--trace", "t.trace"], &["t.trace", "UTF-8"]),
        case("trace: operation", vec![("t.trace", b"0x100 READ 0\n0x10 READX 5\n".to_vec())], &["dram", "--config", "lpddr4-3200", "--trace", "t.trace"], &["t.trace:2", "`READX`", "READ or WRITE"]),
        case("trace: address", vec![("t.trace", b"0xZZ READ 0\n".to_vec())], &["dram", "--config", "lpddr4-3200", "--trace", "t.trace"], &["t.trace:1", "`0xZZ`", "hexadecimal"]),
        case("trace: negative cycle", vec![("t.trace", b"0x10 WRITE -5\n".to_vec())], &["dram", "--config", "lpddr4-3200", "--trace", "t.trace"], &["t.trace:1", "`-5`", "non-negative integer"]),
        case("trace: cycle too late", vec![("t.trace", b"0x10 READ 18446744073709551615\n".to_vec())], &["dram", "--config", "lpddr4-3200", "--trace", "t.trace"], &["t.trace:1", "too late", "allowed 0..=1099511627776"]),
        case("trace: missing file", vec![], &["dram", "--config", "lpddr4-3200", "--trace", "nosuch.trace"], &["nosuch.trace", "No such file"]),
        // Sweep specs.
        case("spec: empty", vec![("s.toml", vec![])], &["sweep", "s.toml", "--out", "o"], &["s.toml", "empty", "models"]),
        case("spec: binary", vec![("s.toml", BINARY.to_vec())], &["sweep", "s.toml", "--out", "o"], &["s.toml", "not a text file"]),
        case("spec: unknown top key", vec![("s.toml", [b"bogus = 1\n".as_slice(), &spec("")].concat())], &["sweep", "s.toml", "--out", "o"], &["s.toml:1", "`bogus`"]),
        case("spec: unknown space key", vec![("s.toml", spec("\"macro.row\" = [128, 256]"))], &["sweep", "s.toml", "--out", "o"], &["s.toml:7", "`macro.row`", "did you mean `macro.rows`"]),
        case("spec: zero step", vec![("s.toml", spec("\"chip.tiles\" = { from = 4, to = 32, step = 0 }"))], &["sweep", "s.toml", "--out", "o"], &["s.toml:7", "`step` = 0", "positive"]),
        case("spec: mul 1", vec![("s.toml", spec("\"chip.tiles\" = { from = 4, to = 32, mul = 1 }"))], &["sweep", "s.toml", "--out", "o"], &["s.toml:7", "`mul` = 1", "greater than 1"]),
        case("spec: out of range", vec![("s.toml", spec("\"chip.tiles\" = [0, 4]"))], &["sweep", "s.toml", "--out", "o"], &["s.toml:7", "chip.tiles", "1..=4096"]),
        case("spec: negative prompt", vec![("s.toml", edit(&spec(""), "prompt", "prompt = -3"))], &["sweep", "s.toml", "--out", "o"], &["s.toml:4", "`-3`", "expected u64"]),
        case("spec: unknown objective", vec![("s.toml", edit(&spec(""), "objectives", "objectives = [\"latency\"]"))], &["sweep", "s.toml", "--out", "o"], &["s.toml:2", "unknown metric `latency`", "allowed"]),
        case("spec: too many points", vec![("s.toml", spec("\"chip.tiles\" = { from = 1, to = 4096, step = 1 }\n\"clock.freq_mhz\" = { from = 1.0, to = 5000.0, step = 1.0 }"))], &["sweep", "s.toml", "--out", "o"], &["20480000 points", "--max-points 20480000"]),
        case("spec: zero screen budget", vec![("s.toml", spec("\"chip.tiles\" = [2]\n[search]\nkind = \"grid\"\nscreen_budget = 0"))], &["sweep", "s.toml", "--out", "o"], &["s.toml:10", "[search] `screen_budget` = 0", "allowed an integer 1..=1000000"]),
        case("spec: fractional screen budget", vec![("s.toml", spec("\"chip.tiles\" = [2]\n[search]\nkind = \"grid\"\nscreen_budget = 2.5"))], &["sweep", "s.toml", "--out", "o"], &["s.toml:10", "`screen_budget` = 2.5", "an integer 1..=1000000"]),
        case("spec: huge screen budget", vec![("s.toml", spec("\"chip.tiles\" = [2]\n[search]\nkind = \"grid\"\nscreen_budget = 99999999999"))], &["sweep", "s.toml", "--out", "o"], &["s.toml:10", "`screen_budget` = 99999999999", "1..=1000000"]),
        case("sweep: bad shard", vec![("s.toml", spec(""))], &["sweep", "s.toml", "--out", "o", "--shard", "4/4"], &["--shard", "0 <= I < N"]),
        // CSVs for plot and merge, JSON for plot.
        case("csv: empty", vec![("r.csv", vec![])], &["plot", "pareto", "r.csv", "-o", "p.svg"], &["r.csv", "no data rows"]),
        case("csv: binary", vec![("r.csv", BINARY.to_vec())], &["plot", "pareto", "r.csv", "-o", "p.svg"], &["r.csv", "UTF-8"]),
        case("csv: unknown column", vec![("r.csv", csv())], &["plot", "pareto", "r.csv", "--x", "latency", "-o", "p.svg"], &["r.csv", "latency"]),
        case("csv: not a number", vec![("r.csv", [csv(), b"2,m,fast,0.1\n".to_vec()].concat())], &["plot", "pareto", "r.csv", "-o", "p.svg"], &["r.csv", "line 4", "decode_s_per_token", "fast"]),
        case("csv: ragged row", vec![("r.csv", [csv(), b"2,m,0.1\n".to_vec()].concat())], &["plot", "pareto", "r.csv", "-o", "p.svg"], &["r.csv", "line: 4", "3 fields"]),
        case("json: breakdown", vec![("run.json", b"{\"model\": 3}".to_vec())], &["plot", "breakdown", "run.json", "-o", "b.svg"], &["run.json"]),
        case("merge: not a directory", vec![("r.csv", csv())], &["merge", "r.csv", "--out", "m"], &["r.csv", "not a directory"]),
        case("merge: not a sweep", vec![("d/results.csv", csv())], &["merge", "d", "--out", "m"], &["d", "no sweep.json", "not a sweep directory"]),
        case("merge: bad sweep.json", vec![("d/sweep.json", b"{ not json".to_vec()), ("d/results.csv", csv())], &["merge", "d", "--out", "m"], &["sweep.json"]),
        // Workloads too large, outputs that cannot be written.
        case("workload: prompt 0", vec![], &with_q(&["--prompt", "0"]), &["--prompt", "at least 1"]),
        case("workload: beyond context", vec![], &with_q(&["--prompt", "40000", "--generate", "1000"]), &["41000", "exceeds the context", "40960"]),
        case("workload: 64-bit overflow", vec![("big.toml", BIG_CARD.as_bytes().to_vec())], &sim(&["--model", "big.toml", "--prompt", "130000", "--generate", "1000", "--batch", "65536"]), &["big-14b", "MACs", "64-bit", "smaller --prompt"]),
        case("workload: cycle too costly", vec![("big.toml", BIG_CARD.as_bytes().to_vec())], &["simulate", "--model", "big.toml", "--prompt", "100000", "--generate", "2", "--set", "dram.channels=16"], &["too large for the cycle fidelity", "DRAM events", "--fidelity analytic"]),
        case("workload: beyond the DRAM", vec![("big.toml", BIG_CARD.as_bytes().to_vec())], &["simulate", "--model", "big.toml", "--prompt", "100000", "--generate", "2"], &["big-14b", "6.9 GiB of weights", "9.2 GiB of KV cache", "= 16.0 GiB", "holds 8.0 GiB", "dram.channels", "dram.device_density_gbit"]),
        case("config: device density", vec![], &with_q(&["--set", "dram.device_density_gbit=24"]), &["dram.device_density_gbit", "24", "a power of two"]),
        case("workload: program too large", vec![], &["compile", "--model", "qwen3-0.6b", "--prompt", "40000", "--batch", "4096"], &["token rows", "too large", "allowed up to 4194304"]),
        case("mapping: resident on one macro", vec![], &with_q(&["--mapping", "resident", "--set", "chip.tiles=1", "--set", "chip.macros_per_tile=1"]), &["`resident`", "at least 2 macros", "chip.tiles x chip.macros_per_tile = 1"]),
        case("mapping: unknown", vec![], &with_q(&["--mapping", "balanced"]), &["'balanced'", "--mapping", "balanced-pipeline"]),
        case("output: missing directory", vec![], &with_q(&["--csv", "nodir/run.csv"]), &["nodir/run.csv", "does not exist"]),
        case("output: directory is a file", vec![("f", vec![]), ("cfg.json", hf())], &["model", "import", "cfg.json", "-o", "f/card.toml"], &["f/card.toml", "(it is a file)"]),
        case("output: plot format", vec![("r.csv", csv())], &["plot", "pareto", "r.csv", "-o", "p.txt"], &["p.txt", ".png or .svg"]),
        case("output: sweep under a file", vec![("s.toml", spec("")), ("f", vec![])], &["sweep", "s.toml", "--out", "f/out"], &["f/out", "f is a file"]),
    ]
}

#[test]
fn every_bad_input_is_refused_with_a_clear_message() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, bytes) in &c.files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("fixture dir");
            }
            std::fs::write(&path, bytes).expect("fixture");
        }
        let out = Command::cargo_bin("cimsim")
            .expect("binary")
            .args(&c.args)
            .current_dir(dir.path())
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("run cimsim");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        let missing: Vec<&&str> = c.words.iter().filter(|w| !stderr.contains(**w)).collect();
        if code != Some(c.code) || !missing.is_empty() || stderr.contains("panicked") {
            failures.push(format!(
                "{}: exit {code:?} (want {}), missing {missing:?}\n  stderr: {}",
                c.name,
                c.code,
                stderr.trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
