//! Exporters: one trait, one implementation per format, chosen by name.

use crate::record::RunRecord;
use std::io::{self, Write};

/// Writes a set of run records in one format.
pub trait Exporter {
    /// Format name (`json`, `csv`, `markdown`).
    fn name(&self) -> &'static str;
    fn write(&self, records: &[RunRecord], out: &mut dyn Write) -> io::Result<()>;
}

/// `json`: one object for one record, an array for several.
pub struct JsonExporter;
/// `csv`: one header row (flattened keys) and one row per record.
pub struct CsvExporter;
/// `markdown`: a table with one row per record and the headline metrics as columns.
pub struct MarkdownExporter;

pub fn exporter_by_name(name: &str) -> Option<Box<dyn Exporter>> {
    match name {
        "json" => Some(Box::new(JsonExporter)),
        "csv" => Some(Box::new(CsvExporter)),
        "markdown" | "md" => Some(Box::new(MarkdownExporter)),
        _ => None,
    }
}

impl Exporter for JsonExporter {
    fn name(&self) -> &'static str {
        "json"
    }
    fn write(&self, records: &[RunRecord], out: &mut dyn Write) -> io::Result<()> {
        let text = if records.len() == 1 {
            serde_json::to_string_pretty(&records[0])
        } else {
            serde_json::to_string_pretty(records)
        }
        .map_err(io::Error::other)?;
        writeln!(out, "{text}")
    }
}

impl Exporter for CsvExporter {
    fn name(&self) -> &'static str {
        "csv"
    }
    fn write(&self, records: &[RunRecord], out: &mut dyn Write) -> io::Result<()> {
        // The union of keys, in first-seen order, so records with different breakdown
        // components still share one header.
        let mut header: Vec<String> = Vec::new();
        let rows: Vec<Vec<(String, String)>> = records.iter().map(|r| r.flat_fields()).collect();
        for row in &rows {
            for (k, _) in row {
                if !header.contains(k) {
                    header.push(k.clone());
                }
            }
        }
        let mut w = csv::Writer::from_writer(out);
        w.write_record(&header).map_err(io::Error::other)?;
        for row in &rows {
            let cells: Vec<&str> = header
                .iter()
                .map(|h| {
                    row.iter()
                        .find(|(k, _)| k == h)
                        .map(|(_, v)| v.as_str())
                        .unwrap_or("")
                })
                .collect();
            w.write_record(&cells).map_err(io::Error::other)?;
        }
        w.flush()
    }
}

impl Exporter for MarkdownExporter {
    fn name(&self) -> &'static str {
        "markdown"
    }
    fn write(&self, records: &[RunRecord], out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "| model | config | mapping | decode tokens/s | decode tokens/J | TTFT (ms) | decode (ms/token) | decode mJ/token | end-to-end tokens/J | power (W) | bound |"
        )?;
        writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|")?;
        // A run without decode steps has no decode figures: shown as `-`.
        let opt = |v: Option<f64>, scale: f64, digits: usize| match v {
            Some(v) => format!("{:.*}", digits, v * scale),
            None => "-".to_string(),
        };
        for r in records {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {:.2} | {} | {} | {:.2} | {:.2} | {} |",
                r.model,
                r.config,
                r.mapping,
                opt(r.decode_tokens_per_s, 1.0, 1),
                opt(r.decode_tokens_per_j, 1.0, 2),
                r.ttft_s * 1e3,
                opt(r.decode_s_per_token, 1e3, 3),
                opt(r.decode_j_per_token, 1e3, 3),
                r.e2e_tokens_per_j,
                r.power_w,
                r.bound.as_deref().unwrap_or("-")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::sample;

    fn render(e: &dyn Exporter, records: &[RunRecord]) -> String {
        let mut buf = Vec::new();
        e.write(records, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn json_round_trips_the_keys() {
        let text = render(&JsonExporter, &[sample()]);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["model"], "m");
        assert_eq!(v["energy_breakdown_j"]["dram"], 0.4);
        let two = render(&JsonExporter, &[sample(), sample()]);
        let v: serde_json::Value = serde_json::from_str(&two).unwrap();
        assert_eq!(v.as_array().map(|a| a.len()), Some(2));
    }

    #[test]
    fn csv_has_header_and_one_row_per_record() {
        let mut other = sample();
        other.energy_breakdown_j.insert("vector".into(), 0.01);
        let text = render(&CsvExporter, &[sample(), other]);
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let header = rdr.headers().unwrap().clone();
        assert!(header.iter().any(|h| h == "energy_breakdown_j.vector"));
        let rows: Vec<_> = rdr.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        let col = header
            .iter()
            .position(|h| h == "energy_breakdown_j.vector")
            .unwrap();
        assert_eq!(&rows[0][col], "");
        assert_eq!(&rows[1][col], "0.01");
    }

    #[test]
    fn markdown_has_a_row_per_record() {
        let text = render(&MarkdownExporter, &[sample(), sample()]);
        assert_eq!(text.lines().count(), 4);
        assert!(text.contains("| m | c | balanced-pipeline | 5000.0 |"));
    }

    #[test]
    fn exporters_are_found_by_name() {
        for n in ["json", "csv", "markdown"] {
            assert_eq!(exporter_by_name(n).map(|e| e.name()), Some(n));
        }
        assert!(exporter_by_name("xml").is_none());
    }
}
