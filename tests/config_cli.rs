//! End-to-end tests of `cimsim configs` and `cimsim config show|keys`: every preset prints a file
//! that loads back unchanged, `--set` reaches nested keys, and each kind of bad value exits with
//! code 2 and a message naming the key.

use assert_cmd::Command;
use predicates::str::contains;
use std::path::Path;

const PRESETS: &[&str] = &[
    "edgecim-65nm",
    "edgecim-lpddr4",
    "edgecim-attn-65nm",
    "cim-small-65nm",
    "cim-analog-65nm",
];

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").unwrap_or_else(|e| panic!("binary: {e}"))
}

fn stdout_of(args: &[&str]) -> String {
    let out = cimsim()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

fn toml_tree(text: &str) -> toml::Table {
    text.parse()
        .unwrap_or_else(|e| panic!("not TOML: {e}\n{text}"))
}

fn json_of(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path.display().to_string()
}

#[test]
fn configs_lists_every_preset_with_its_figures() {
    let out = stdout_of(&["configs"]);
    for name in PRESETS {
        assert!(out.contains(name), "{name} missing:\n{out}");
    }
    for column in [
        "macros",
        "macro size",
        "clock",
        "DRAM",
        "peak bandwidth",
        "area",
    ] {
        assert!(out.contains(column), "{column} missing:\n{out}");
    }
    let default_line = out
        .lines()
        .find(|l| l.starts_with("edgecim-65nm "))
        .unwrap_or_else(|| panic!("no default row:\n{out}"));
    assert!(default_line.contains("32 (8x4)"), "{default_line}");
    assert!(default_line.contains("256x256 INT4"), "{default_line}");
    assert!(default_line.contains("200 MHz"), "{default_line}");
    assert!(default_line.contains("102.4 GB/s"), "{default_line}");
    let orin = out
        .lines()
        .find(|l| l.starts_with("orin-nano-super "))
        .unwrap_or_else(|| panic!("no orin-nano-super row:\n{out}"));
    assert!(
        orin.contains("device") && orin.contains("102.0 GB/s") && orin.contains("llama.cpp"),
        "{orin}"
    );

    let list = json_of(&stdout_of(&["configs", "--json"]));
    let names: Vec<&str> = list
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["name"].as_str()).collect())
        .unwrap_or_default();
    let devices = ["orin-nano-super", "orin-nano", "sa8255p"];
    assert_eq!(names, [PRESETS, &devices[..]].concat());
}

#[test]
fn every_preset_round_trips_through_show_and_a_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for name in PRESETS {
        let shown = stdout_of(&["config", "show", name]);
        let file = write(dir.path(), &format!("{name}.toml"), &shown);
        let again = stdout_of(&["config", "show", &file]);
        assert_eq!(toml_tree(&again), toml_tree(&shown), "{name}");
        // The printed file is a fixed point.
        let file2 = write(dir.path(), &format!("{name}-2.toml"), &again);
        assert_eq!(stdout_of(&["config", "show", &file2]), again, "{name}");
        assert_eq!(
            json_of(&stdout_of(&["config", "show", &file, "--json"])),
            json_of(&stdout_of(&["config", "show", name, "--json"])),
            "{name}"
        );
    }
}

#[test]
fn preset_show_keeps_source_comments() {
    let shown = stdout_of(&["config", "show", "edgecim-65nm"]);
    assert!(shown.contains("sources §"), "{shown}");
    // And ends with the DRAM capacity, as a comment (the file still reads back).
    assert!(shown.contains("# DRAM capacity: 8.0 GiB"), "{shown}");
    assert!(shown.contains("# "), "{shown}");
}

#[test]
fn set_overrides_nested_keys() {
    let out = stdout_of(&[
        "config",
        "show",
        "edgecim-65nm",
        "--set",
        "chip.global_buffer.capacity_kib=512",
        "--set",
        "macro.rows=128",
        "--set",
        "dram.preset=lpddr4-3200",
        "--set",
        "clock.freq_mhz=250",
    ]);
    let t = toml_tree(&out);
    assert_eq!(
        t["chip"]["global_buffer"]["capacity_kib"].as_integer(),
        Some(512)
    );
    assert_eq!(
        t["chip"]["tile_buffer"]["capacity_kib"].as_integer(),
        Some(16)
    );
    assert_eq!(t["macro"]["rows"].as_integer(), Some(128));
    assert_eq!(t["dram"]["preset"].as_str(), Some("lpddr4-3200"));
    assert_eq!(t["clock"]["freq_mhz"].as_float(), Some(250.0));
    let j = json_of(&stdout_of(&[
        "config",
        "show",
        "orin-nano-super",
        "--json",
        "--set",
        "power_mode=25w",
    ]));
    assert_eq!(j["power_mode"].as_str(), Some("25w"));
    assert!(
        j.get("macro").is_none(),
        "a device has no CIM sections: {j}"
    );
}

#[test]
fn keys_lists_paths_with_ranges() {
    let out = stdout_of(&["config", "keys"]);
    for key in [
        "macro.rows",
        "chip.tiles",
        "dram.preset",
        "dram.channels",
        "clock.freq_mhz",
    ] {
        assert!(out.lines().any(|l| l.starts_with(key)), "{key}:\n{out}");
    }
    assert!(out.contains("8..=4096"), "{out}");
}

/// Runs `config show` on the default preset text with `from` replaced by `to`; expects exit
/// code 2 and every word of `words` in the message.
fn rejects_edit(from: &str, to: &str, words: &[&str]) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = stdout_of(&["config", "show", "edgecim-65nm"]);
    assert!(text.contains(from), "{from}");
    let file = write(dir.path(), "bad.toml", &text.replacen(from, to, 1));
    let mut assert = cimsim().args(["config", "show", &file]).assert().code(2);
    assert = assert.stderr(contains("bad.toml"));
    for w in words {
        assert = assert.stderr(contains(*w));
    }
}

fn rejects_set(set: &str, words: &[&str]) {
    let mut assert = cimsim()
        .args(["config", "show", "edgecim-65nm", "--set", set])
        .assert()
        .code(2);
    for w in words {
        assert = assert.stderr(contains(*w));
    }
}

#[test]
fn unknown_key_rejected() {
    rejects_edit(
        "rows = 256",
        "rowz = 256",
        &["unknown key", "macro.rowz", "macro.rows"],
    );
    rejects_set(
        "chip.tilez=3",
        &["unknown key path", "chip.tilez", "chip.tiles"],
    );
}

#[test]
fn wrong_type_rejected() {
    rejects_edit(
        "tiles = 8",
        "tiles = \"eight\"",
        &["chip.tiles", "wrong type", "integer"],
    );
    rejects_set("macro.ping_pong=maybe", &["macro.ping_pong", "boolean"]);
}

#[test]
fn out_of_range_rejected() {
    rejects_edit(
        "rows = 256",
        "rows = 5000",
        &["macro.rows", "out of range", "8..=4096"],
    );
    rejects_set("clock.freq_mhz=9000", &["clock.freq_mhz", "(0, 5000]"]);
    rejects_set("dram.channels=0", &["dram.channels", "1..=64"]);
}

#[test]
fn cols_not_divisible_by_weight_bits_rejected() {
    rejects_set(
        "macro.cols=254",
        &["macro.cols", "multiple of macro.weight_bits"],
    );
}

#[test]
fn unknown_dram_preset_rejected() {
    rejects_edit(
        "preset = \"lpddr5-6400\"",
        "preset = \"hbm9\"",
        &["dram.preset", "\"hbm9\"", "lpddr5-6400"],
    );
}

#[test]
fn zero_tiles_rejected() {
    rejects_set("chip.tiles=0", &["chip.tiles", "1..=4096"]);
}

#[test]
fn unknown_config_and_missing_file_rejected() {
    cimsim()
        .args(["config", "show", "edgecim"])
        .assert()
        .code(2)
        .stderr(contains("edgecim-65nm"));
    cimsim()
        .args(["config", "show", "/nonexistent/hw.toml"])
        .assert()
        .code(2)
        .stderr(contains("/nonexistent/hw.toml"));
}
