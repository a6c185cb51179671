//! The README documents what the code defines: the metric set's table lists every headline
//! metric with the line on what it covers (`reports::metrics::METRICS`).

#[test]
fn readme_lists_every_metric_with_what_it_covers() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for m in reports::metrics::METRICS {
        let better = match m.better {
            reports::metrics::Better::Larger => "higher",
            reports::metrics::Better::Smaller => "lower",
        };
        let row = format!("| `{}` | {} | {} |", m.key, m.covers, better);
        assert!(readme.contains(&row), "README lacks the metric row: {row}");
    }
}
