//! Spec checks: every kind of bad spec names its line and key; good specs expand as written.

use super::*;

fn parse(text: &str) -> Result<SweepSpec, SpecError> {
    parse_spec(text, "s.toml", Path::new("."))
}

const HEAD: &str = "models = [\"smollm2-135m\"]\n";

#[test]
fn a_good_spec_keeps_spec_order_and_defaults() {
    let s = parse(&format!(
        "{HEAD}constraints = [\"area_mm2 <= 50\", \"power_w<5\"]\n[workload]\nprompt = 16\n\
         [space]\n\"macro.rows\" = [128, 256]\n\"chip.tiles\" = {{from = 4, to = 16, mul = 2}}\nmapping = [\"sequential\"]\n"
    ))
    .unwrap();
    let keys: Vec<&str> = s.params.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["macro.rows", "chip.tiles", "mapping"]);
    assert_eq!(s.params[1].values.len(), 3);
    assert_eq!(s.workload.prompt_tokens, 16);
    assert_eq!(s.workload.generate_tokens, 128);
    assert_eq!(s.base, sim::config::DEFAULT_PRESET);
    assert_eq!(s.objectives, ["decode_s_per_token", "decode_j_per_token"]);
    assert_eq!(s.constraints[1].op, CmpOp::Lt);
    assert!(s.constraints[0].holds(50.0) && !s.constraints[0].holds(50.1));
    assert!((s.constraints[0].violation(75.0) - 0.5).abs() < 1e-12);
    assert_eq!(s.search, Search::Grid);
    assert_eq!(s.screen_margin, DEFAULT_SCREEN_MARGIN);
    assert_eq!(s.screen_budget, DEFAULT_SCREEN_BUDGET);
    let s = parse(&format!(
        "{HEAD}[search]\nkind = \"grid\"\nscreen_budget = 7\n"
    ))
    .unwrap();
    assert_eq!(s.screen_budget, 7);
}

#[test]
fn bad_specs_name_line_and_key() {
    let cases: &[(&str, usize, &[&str])] = &[
        (
            "[space]\n\"macro.row\" = [128]\n",
            3,
            &["macro.row", "did you mean `macro.rows`"],
        ),
        (
            "[space]\n\"chip.tiles\" = []\n",
            3,
            &["chip.tiles", "empty"],
        ),
        (
            "[space]\n\"chip.tiles\" = {from = 1, to = 8, step = 0}\n",
            3,
            &["chip.tiles", "`step` = 0"],
        ),
        (
            "[space]\n\"chip.tiles\" = {from = 8, to = 1, step = 1}\n",
            3,
            &["chip.tiles", "empty range"],
        ),
        (
            "[space]\n\"chip.tiles\" = {from = 1, to = 8, mul = 1}\n",
            3,
            &["chip.tiles", "greater than 1"],
        ),
        (
            "objectives = [\"decode_s_per_token\", \"energy_per_token\"]\n",
            2,
            &["energy_per_token", "did you mean `e2e_j_per_token`"],
        ),
        (
            "constraints = [\"area <= 50\"]\n",
            2,
            &["`area`", "area_mm2"],
        ),
        (
            "constraints = [\"area_mm2 ~ 50\"]\n",
            2,
            &["area_mm2 ~ 50", "METRIC <= NUMBER"],
        ),
        (
            "[space]\n\"chip.tiles\" = [\"many\"]\n",
            3,
            &["chip.tiles", "expects an integer"],
        ),
        (
            "[space]\n\"macro.rows\" = [4]\n",
            3,
            &["macro.rows", "out of range", "8..=4096"],
        ),
        (
            "[space]\n\"dram.preset\" = [\"lpddr9\"]\n",
            3,
            &["dram.preset", "lpddr9"],
        ),
        (
            "[space]\nmapping = [\"balanced\"]\n",
            3,
            &["mapping", "balanced-pipeline"],
        ),
        ("[workload]\nprompt = 0\n", 3, &["prompt", "at least 1"]),
        ("[workload]\nweights = \"fp16\"\n", 3, &["weights", "int4"]),
        (
            "[search]\nkind = \"grdi\"\n",
            3,
            &["grdi", "did you mean `grid`"],
        ),
        ("[search]\nkind = \"random\"\n", 2, &["`n` is required"]),
        (
            "[search]\nkind = \"grid\"\nn = 5\n",
            4,
            &["`n` does not apply"],
        ),
        (
            "[search]\nkind = \"grid\"\nscreen_budget = 0\n",
            4,
            &["`screen_budget` = 0", "allowed an integer 1..=1000000"],
        ),
        (
            "[search]\nkind = \"grid\"\nscreen_budget = -5\n",
            4,
            &["`screen_budget` = -5", "1..=1000000"],
        ),
        (
            "[search]\nkind = \"grid\"\nscreen_budget = 2000000\n",
            4,
            &["`screen_budget` = 2000000", "1..=1000000"],
        ),
        (
            "[search]\nkind = \"grid\"\nscreen_budget = 1.5\n",
            4,
            &["`screen_budget` = 1.5", "an integer"],
        ),
        (
            "[search]\nkind = \"grid\"\nscreen_budget = \"all\"\n",
            4,
            &["`screen_budget` = \"all\"", "an integer"],
        ),
        ("colour = 1\n", 2, &["unknown field `colour`"]),
        ("base = \"edgecim-65mn\"\n", 2, &["base", "edgecim-65nm"]),
    ];
    for (tail, line, words) in cases {
        let err = parse(&format!("{HEAD}{tail}")).unwrap_err();
        assert_eq!(err.line, Some(*line), "{tail}: {err}");
        let text = err.to_string();
        assert!(text.starts_with(&format!("s.toml:{line}: ")), "{text}");
        for w in *words {
            assert!(text.contains(w), "{tail}: `{text}` lacks `{w}`");
        }
    }
    let err = parse("models = [\"smolm2-135m\"]\n").unwrap_err();
    assert!(err.to_string().contains("smollm2-135m"), "{err}");
    let err = parse("").unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn combination_errors_are_left_to_the_points() {
    // 4096 rows is in range for the key, even if some combination rejects it.
    let s = parse(&format!(
        "{HEAD}[space]\n\"macro.write_bits_per_cycle\" = [256, 65536]\n"
    ))
    .unwrap();
    assert_eq!(s.params[0].values.len(), 2);
}
