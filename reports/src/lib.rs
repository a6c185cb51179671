//! Result records, exporters (JSON, CSV, Markdown, plain text), Chrome trace-event output, Pareto
//! fronts and charts.
//! Knows nothing of simulation internals: the simulator fills a [`RunRecord`] and a list of
//! [`TraceEvent`]s, and this crate only formats them.

pub mod export;
pub mod metrics;
pub mod pareto;
pub mod plot;
pub mod record;
pub mod trace;

pub use export::{exporter_by_name, CsvExporter, Exporter, JsonExporter, MarkdownExporter};
pub use record::RunRecord;
pub use trace::{chrome_trace_json, chrome_trace_json_with_coverage, TraceEvent};
