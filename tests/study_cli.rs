//! `cimsim study`: the reduced EdgeCIM study regenerates its committed report byte for byte,
//! `--report-only` rewrites it from the finished sweep, and bad input exits 2 writing nothing.

use assert_cmd::Command;

fn cimsim() -> Command {
    Command::cargo_bin("cimsim").unwrap_or_else(|e| panic!("binary: {e}"))
}

const SPEC: &str = "examples/edgecim/study-small.toml";
const FIXTURE: &str = "examples/edgecim/study-small-report.md";

#[test]
fn the_reduced_study_regenerates_its_report_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = cimsim()
        .args([
            "study",
            SPEC,
            "--fidelity",
            "analytic",
            "--jobs",
            "2",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let expected = std::fs::read_to_string(FIXTURE).unwrap();
    let got = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert_eq!(
        got, expected,
        "the report moved: regenerate {FIXTURE} with `cimsim study {SPEC} --out DIR --fidelity \
         analytic` and say in the commit what moved and why"
    );
    // Standard output: the sweep's summary, then the report.
    assert!(String::from_utf8_lossy(&run.stdout).ends_with(&expected));
    // The report again from the finished sweep, without running it.
    std::fs::remove_file(out.join("report.md")).unwrap();
    let again = cimsim()
        .args(["study", SPEC, "--report-only", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(
        std::fs::read_to_string(out.join("report.md")).unwrap(),
        expected
    );
}

#[test]
fn report_only_without_a_sweep_is_bad_input_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("empty");
    std::fs::create_dir(&out).unwrap();
    let run = cimsim()
        .args(["study", SPEC, "--report-only", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("sweep.json"), "{err}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}
