//! Chrome trace-event JSON (opens in Perfetto and chrome://tracing): one track per resource.

use serde::Serialize;
use std::collections::BTreeMap;

/// One span on one resource's track.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEvent {
    /// Track name, e.g. `dram`, `macro_group_3`, `vector`.
    pub track: String,
    /// Span name, e.g. `layer3.q_proj`.
    pub name: String,
    pub start_ps: u64,
    pub end_ps: u64,
}

#[derive(Serialize)]
struct ChromeEvent<'a> {
    name: &'a str,
    cat: &'static str,
    ph: &'static str,
    /// Microseconds, as the format requires.
    ts: f64,
    dur: f64,
    pid: u32,
    tid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Option<BTreeMap<&'static str, String>>,
}

/// Renders events as a Chrome trace-event JSON document. Tracks are numbered in order of first
/// appearance and named with metadata events, so the output is deterministic.
pub fn chrome_trace_json(events: &[TraceEvent]) -> String {
    let mut tracks: Vec<&str> = Vec::new();
    let mut out: Vec<ChromeEvent> = Vec::with_capacity(events.len() + 8);
    for e in events {
        if !tracks.contains(&e.track.as_str()) {
            tracks.push(e.track.as_str());
        }
    }
    for (i, t) in tracks.iter().enumerate() {
        let mut args = BTreeMap::new();
        args.insert("name", t.to_string());
        out.push(ChromeEvent {
            name: "thread_name",
            cat: "__metadata",
            ph: "M",
            ts: 0.0,
            dur: 0.0,
            pid: 1,
            tid: i as u32,
            args: Some(args),
        });
    }
    for e in events {
        let tid = tracks.iter().position(|t| *t == e.track).unwrap_or(0) as u32;
        out.push(ChromeEvent {
            name: &e.name,
            cat: "cimsim",
            ph: "X",
            ts: e.start_ps as f64 / 1e6,
            dur: e.end_ps.saturating_sub(e.start_ps) as f64 / 1e6,
            pid: 1,
            tid,
            args: None,
        });
    }
    serde_json::json!({ "traceEvents": out, "displayTimeUnit": "ns" }).to_string()
}

/// [`chrome_trace_json`] with a note on what the timeline covers, in the file's `otherData`
/// (shown by Perfetto's "Info and stats" and by chrome://tracing's metadata view).
pub fn chrome_trace_json_with_coverage(events: &[TraceEvent], coverage: &str) -> String {
    let mut doc: serde_json::Value =
        serde_json::from_str(&chrome_trace_json(events)).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut doc {
        map.insert(
            "otherData".to_string(),
            serde_json::json!({ "coverage": coverage }),
        );
    }
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_track_per_resource_with_microsecond_times() {
        let events = vec![
            TraceEvent {
                track: "dram".into(),
                name: "w".into(),
                start_ps: 0,
                end_ps: 2_000_000,
            },
            TraceEvent {
                track: "vector".into(),
                name: "norm".into(),
                start_ps: 1_000_000,
                end_ps: 1_500_000,
            },
            TraceEvent {
                track: "dram".into(),
                name: "kv".into(),
                start_ps: 2_000_000,
                end_ps: 3_000_000,
            },
        ];
        let v: serde_json::Value = serde_json::from_str(&chrome_trace_json(&events)).unwrap();
        let evs = v["traceEvents"].as_array().unwrap();
        let meta: Vec<_> = evs.iter().filter(|e| e["ph"] == "M").collect();
        assert_eq!(meta.len(), 2);
        let spans: Vec<_> = evs.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(spans.len(), 3);
        assert_eq!(spans[0]["dur"], 2.0);
        assert_eq!(spans[1]["ts"], 1.0);
        assert_eq!(spans[0]["tid"], spans[2]["tid"]);
        assert_ne!(spans[0]["tid"], spans[1]["tid"]);
    }
}
