//! Result records, exporters (JSON, CSV, Markdown), Pareto fronts, charts and Chrome traces.
//! Knows nothing of simulation internals.
