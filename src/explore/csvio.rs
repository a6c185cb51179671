//! Sweep CSV files: the column layout, one row per point written as one line in one `write` (so
//! a killed process leaves complete lines plus at most one torn last line, which resume drops),
//! and the final rewrite sorted by point id as an external merge sort (memory is one run of
//! at most [`SORT_RUN_BYTES`] of row text, whatever the file's size), written to a temporary
//! file and renamed.

use super::metrics::record_keys;
use super::space::Param;
use std::collections::BinaryHeap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes of rows (text plus per-row bookkeeping) sorted in memory at a time by [`sort_rows`]:
/// a cap in bytes, not rows, so the memory of the final sort is the same for 10,000 points as
/// for 10,000,000 (rows are ~1.5 KB; 4 MiB is a few thousand rows, and a sorted run written to
/// disk costs one sequential write and read).
pub const SORT_RUN_BYTES: usize = 4 << 20;

/// Runs merged at once; more runs are first merged in groups of this many into longer runs, so
/// the open files and read buffers stay bounded however long the sweep.
pub const SORT_FAN_IN: usize = 64;

/// What one buffered row costs besides its text: the `(id, String)` entry.
const ROW_OVERHEAD_BYTES: usize = std::mem::size_of::<(u64, String)>();

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Bad { path: String, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CsvError + '_ {
    move |source| CsvError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn bad(path: &Path, message: String) -> CsvError {
    CsvError::Bad {
        path: path.display().to_string(),
        message,
    }
}

/// The columns of `results.csv`: `point_id`, `model`, the varied parameters, every record
/// metric (except those already a column), `feasible`, `error`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub columns: Vec<String>,
    /// Parameter keys, in column order starting at column 2.
    pub params: Vec<String>,
}

impl Layout {
    pub fn new(params: &[Param]) -> Layout {
        let keys: Vec<String> = params.iter().map(|p| p.key.clone()).collect();
        let mut columns = vec!["point_id".to_string(), "model".to_string()];
        columns.extend(keys.iter().cloned());
        for k in record_keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
        for extra in ["feasible", "error"] {
            columns.push(extra.to_string());
        }
        Layout {
            columns,
            params: keys,
        }
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The header line, with its newline.
    pub fn header_line(&self) -> String {
        csv_line(self.columns.iter().map(String::as_str))
    }
}

/// One CSV line (quoted where needed, newline-terminated). Newlines inside fields become `; `
/// so every row is exactly one line. The bytes are those of the `csv` crate's writer (quotes
/// only where a field holds a comma or a quote, quotes doubled, a lone empty field as `""`),
/// without building a writer per row, but for a field that starts with a byte-order mark,
/// which is quoted so that reading the line back keeps it.
pub fn csv_line<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    push_csv_line(&mut out, fields);
    out
}

/// [`csv_line`] appended to `out`.
pub fn push_csv_line<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    let start = out.len();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cleaned;
        let field = if field.contains(['\n', '\r']) {
            cleaned = field.replace("\r\n", "; ").replace(['\n', '\r'], "; ");
            cleaned.as_str()
        } else {
            field
        };
        // A field that starts with a byte-order mark is quoted, so the mark is read back as
        // data, not dropped as the start of the line.
        if field.contains([',', '"']) || field.starts_with('\u{feff}') {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    if out.len() == start {
        // A record of one empty field: quoted, so it is not read back as no record.
        out.push_str("\"\"");
    }
    out.push('\n');
}

/// Parses one line (without its newline) into fields. Lines without quotes or line breaks
/// (every row a sweep writes, but for an error message with a comma) are split at commas
/// directly; the others go through the `csv` crate's reader, whose reading this matches.
pub fn parse_line(line: &str) -> Option<Vec<String>> {
    // A leading byte-order mark is not data (the CSV reader drops it too): both paths agree.
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    if line.is_empty() {
        return None;
    }
    if !line.contains(['"', '\r', '\n']) {
        return Some(line.split(',').map(str::to_string).collect());
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    let rec = r.records().next()?.ok()?;
    Some(rec.iter().map(str::to_string).collect())
}

/// The point id at the start of a row line.
pub fn line_id(line: &str) -> Option<u64> {
    line.split(',').next()?.parse().ok()
}

/// An append-only results file: each row is one `write_all` of a whole line on an unbuffered
/// file, so it reaches the operating system before the next row starts.
pub struct RowWriter {
    file: File,
    path: PathBuf,
}

impl RowWriter {
    /// Opens `path` for appending, creating it with `header` when absent. An existing file must
    /// start with `header`; a torn last line (no newline: the process died mid-write) is cut off.
    /// Returns the writer and whether the file already had rows.
    pub fn open(path: &Path, header: &str) -> Result<(RowWriter, bool), CsvError> {
        let exists = path.exists();
        if exists {
            check_header(path, header)?;
            drop_torn_tail(path)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io(path))?;
        let mut has_rows = false;
        if !exists {
            file.write_all(header.as_bytes()).map_err(io(path))?;
        } else {
            has_rows = file.metadata().map_err(io(path))?.len() > header.len() as u64;
        }
        Ok((
            RowWriter {
                file,
                path: path.to_path_buf(),
            },
            has_rows,
        ))
    }

    pub fn write_line(&mut self, line: &str) -> Result<(), CsvError> {
        self.file.write_all(line.as_bytes()).map_err(io(&self.path))
    }
}

/// Fails unless the file's first line is `header`.
pub fn check_header(path: &Path, header: &str) -> Result<(), CsvError> {
    let f = File::open(path).map_err(io(path))?;
    let mut first = String::new();
    BufReader::new(f)
        .take(1 << 20)
        .read_line(&mut first)
        .map_err(io(path))?;
    if first != header {
        return Err(bad(
            path,
            "its columns differ from this sweep's (a different spec or cimsim version)".into(),
        ));
    }
    Ok(())
}

/// Cuts the file after its last newline, dropping a torn last line. Returns the bytes dropped.
pub fn drop_torn_tail(path: &Path) -> Result<u64, CsvError> {
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io(path))?;
    let len = f.metadata().map_err(io(path))?.len();
    let mut end = len;
    let mut buf = [0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        f.seek(SeekFrom::Start(start)).map_err(io(path))?;
        f.read_exact(chunk).map_err(io(path))?;
        if let Some(p) = chunk.iter().rposition(|b| *b == b'\n') {
            let keep = start + p as u64 + 1;
            if keep < len {
                f.set_len(keep).map_err(io(path))?;
            }
            return Ok(len - keep);
        }
        end = start;
    }
    Err(bad(path, "no complete header line".into()))
}

/// Calls `f(line)` for every row line (header skipped, newline removed) of each file in order.
pub fn for_each_line(
    path: &Path,
    mut f: impl FnMut(&str) -> Result<(), CsvError>,
) -> Result<(), CsvError> {
    let file = File::open(path).map_err(io(path))?;
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    let mut first = true;
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(io(path))? == 0 {
            return Ok(());
        }
        if std::mem::take(&mut first) {
            continue;
        }
        if !line.ends_with('\n') {
            // Only a killed writer leaves this; resume cuts it before reading.
            return Ok(());
        }
        f(line.trim_end_matches('\n'))?;
    }
}

/// Writes the rows of every file in `inputs` (each starting with `header`) to `out` sorted by
/// point id: sorted runs of at most [`SORT_RUN_BYTES`] in `tmp_dir`, merged. A point present
/// twice with identical rows is kept once; with different rows it is an error. Returns the row
/// count.
pub fn sort_rows(
    inputs: &[PathBuf],
    header: &str,
    out: &Path,
    tmp_dir: &Path,
) -> Result<u64, CsvError> {
    sort_rows_in_runs(inputs, header, out, tmp_dir, SORT_RUN_BYTES, SORT_FAN_IN)
}

/// [`sort_rows`] with runs of at most `run_bytes` and merges of at most `fan_in` runs.
pub fn sort_rows_in_runs(
    inputs: &[PathBuf],
    header: &str,
    out: &Path,
    tmp_dir: &Path,
    run_bytes: usize,
    fan_in: usize,
) -> Result<u64, CsvError> {
    let mut runs: Vec<PathBuf> = Vec::new();
    // Runs are numbered 1, 2, ...; every one made is removed at the end, whatever happened.
    let made = std::cell::Cell::new(0usize);
    let nth_run = |n: usize| tmp_dir.join(format!(".sort-run-{n}.{}.tmp", std::process::id()));
    let run_path = || {
        made.set(made.get() + 1);
        nth_run(made.get())
    };
    let mut buffer: Vec<(u64, String)> = Vec::new();
    let mut buffered_bytes = 0usize;
    let result = (|| {
        for input in inputs {
            check_header(input, header)?;
            for_each_line(input, |line| {
                let id = line_id(line).ok_or_else(|| {
                    bad(
                        input,
                        format!("a row without a point id: `{}`", truncate(line)),
                    )
                })?;
                buffer.push((id, line.to_string()));
                buffered_bytes += line.len() + ROW_OVERHEAD_BYTES;
                if buffered_bytes >= run_bytes {
                    let p = run_path();
                    runs.push(p.clone());
                    write_run(&mut buffer, &p)?;
                    buffered_bytes = 0;
                }
                Ok(())
            })?;
        }
        let tmp_out = tmp_dir.join(format!(".{}.tmp{}", file_name(out), std::process::id()));
        let file = File::create(&tmp_out).map_err(io(&tmp_out))?;
        let mut w = BufWriter::new(file);
        w.write_all(header.as_bytes()).map_err(io(&tmp_out))?;
        let mut count = 0u64;
        let mut last: Option<(u64, String)> = None;
        let mut emit = |id: u64, line: String| -> Result<(), CsvError> {
            if let Some((lid, lline)) = &last {
                if *lid == id {
                    if *lline != line {
                        return Err(bad(out, format!("point {id} appears twice with different values (inputs from different sweeps?)")));
                    }
                    return Ok(());
                }
            }
            w.write_all(line.as_bytes())
                .and_then(|_| w.write_all(b"\n"))
                .map_err(io(&tmp_out))?;
            count += 1;
            last = Some((id, line));
            Ok(())
        };
        if runs.is_empty() {
            buffer.sort_by_key(|(id, _)| *id);
            for (id, line) in buffer.drain(..) {
                emit(id, line)?;
            }
        } else {
            if !buffer.is_empty() {
                let p = run_path();
                runs.push(p.clone());
                write_run(&mut buffer, &p)?;
            }
            // Long sweeps: merge groups of runs into longer runs until one merge can take them
            // all. Duplicates stay (adjacent) until the final merge decides on them.
            let fan_in = fan_in.max(2);
            while runs.len() > fan_in {
                let mut merged = Vec::new();
                for group in runs.chunks(fan_in) {
                    let p = run_path();
                    merged.push(p.clone());
                    let mut w = BufWriter::new(File::create(&p).map_err(io(&p))?);
                    merge_runs(group, |_, line| {
                        w.write_all(line.as_bytes())
                            .and_then(|_| w.write_all(b"\n"))
                            .map_err(io(&p))
                    })?;
                    w.flush().map_err(io(&p))?;
                    for r in group {
                        let _ = std::fs::remove_file(r);
                    }
                }
                runs = merged;
            }
            merge_runs(&runs, &mut emit)?;
        }
        let file = w.into_inner().map_err(|e| io(&tmp_out)(e.into_error()))?;
        file.sync_all().map_err(io(&tmp_out))?;
        std::fs::rename(&tmp_out, out).map_err(io(out))?;
        Ok(count)
    })();
    for n in 1..=made.get() {
        let _ = std::fs::remove_file(nth_run(n));
    }
    result
}

/// Merges sorted run files, calling `emit` with each row in id order.
fn merge_runs(
    runs: &[PathBuf],
    mut emit: impl FnMut(u64, String) -> Result<(), CsvError>,
) -> Result<(), CsvError> {
    let mut readers = Vec::new();
    for r in runs {
        readers.push(BufReader::new(File::open(r).map_err(io(r))?));
    }
    let mut heap = BinaryHeap::new();
    for (k, rd) in readers.iter_mut().enumerate() {
        if let Some((id, line)) = next_run_line(rd, &runs[k])? {
            heap.push(std::cmp::Reverse((id, k, line)));
        }
    }
    while let Some(std::cmp::Reverse((id, k, line))) = heap.pop() {
        emit(id, line)?;
        if let Some((nid, nline)) = next_run_line(&mut readers[k], &runs[k])? {
            heap.push(std::cmp::Reverse((nid, k, nline)));
        }
    }
    Ok(())
}

fn write_run(buffer: &mut Vec<(u64, String)>, path: &Path) -> Result<(), CsvError> {
    buffer.sort_by_key(|(id, _)| *id);
    let mut w = BufWriter::new(File::create(path).map_err(io(path))?);
    for (_, line) in buffer.drain(..) {
        w.write_all(line.as_bytes())
            .and_then(|_| w.write_all(b"\n"))
            .map_err(io(path))?;
    }
    w.flush().map_err(io(path))
}

fn next_run_line(r: &mut BufReader<File>, path: &Path) -> Result<Option<(u64, String)>, CsvError> {
    let mut line = String::new();
    if r.read_line(&mut line).map_err(io(path))? == 0 {
        return Ok(None);
    }
    if line.ends_with('\n') {
        line.pop();
    }
    let id = line_id(&line).ok_or_else(|| bad(path, "corrupt sort run".into()))?;
    Ok(Some((id, line)))
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into())
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_tail_is_dropped_and_rows_sort_with_dedup() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        std::fs::write(&p, "point_id,x\n3,c\n1,a\n2,b\n5,e\n1,a\n4,d\n7,tor").unwrap();
        assert_eq!(drop_torn_tail(&p).unwrap(), 5);
        let out = dir.path().join("s.csv");
        assert_eq!(
            sort_rows(std::slice::from_ref(&p), "point_id,x\n", &out, dir.path()).unwrap(),
            5
        );
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "point_id,x\n1,a\n2,b\n3,c\n4,d\n5,e\n"
        );
        std::fs::write(&p, "point_id,x\n1,a\n1,b\n").unwrap();
        let err =
            sort_rows(std::slice::from_ref(&p), "point_id,x\n", &out, dir.path()).unwrap_err();
        assert!(err.to_string().contains("point 1 appears twice"), "{err}");
        assert!(sort_rows(&[p], "point_id,y\n", &out, dir.path()).is_err());
    }

    #[test]
    fn sorting_in_runs_merges_every_input() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, "point_id,x\n9,i\n3,c\n7,g\n1,a\n5,e\n").unwrap();
        std::fs::write(&b, "point_id,x\n8,h\n2,b\n6,f\n4,d\n3,c\n").unwrap();
        let out = dir.path().join("s.csv");
        // Runs of 2 rows (4 bytes each + bookkeeping), merged 2 at a time: several levels.
        let run_bytes = 2 * (3 + ROW_OVERHEAD_BYTES);
        let n = sort_rows_in_runs(&[a, b], "point_id,x\n", &out, dir.path(), run_bytes, 2).unwrap();
        assert_eq!(n, 9);
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            text,
            "point_id,x\n1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n7,g\n8,h\n9,i\n"
        );
        // No run files are left behind.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("sort-run"))
            .collect();
        assert!(left.is_empty());
    }

    /// The csv crate's writer, which [`csv_line`] must match byte for byte.
    fn reference_line(fields: &[String]) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let cleaned: Vec<String> = fields
            .iter()
            .map(|f| f.replace("\r\n", "; ").replace(['\n', '\r'], "; "))
            .collect();
        w.write_record(&cleaned).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn a_leading_byte_order_mark_survives_a_round_trip_and_is_dropped_before_a_row() {
        let fields = ["\u{feff}\0a", "4", ""];
        let line = csv_line(fields);
        assert_eq!(line, "\"\u{feff}\0a\",4,\n");
        // With or without its newline, by either path of the reader.
        for l in [line.as_str(), line.trim_end_matches('\n')] {
            assert_eq!(
                parse_line(l),
                Some(fields.map(String::from).to_vec()),
                "{l:?}"
            );
        }
        // An unquoted mark at the start of a line is not data, on both paths.
        assert_eq!(
            parse_line("\u{feff}1,a"),
            Some(vec!["1".into(), "a".into()])
        );
        assert_eq!(
            parse_line("\u{feff}1,\"a\""),
            Some(vec!["1".into(), "a".into()])
        );
        assert_eq!(parse_line("\u{feff}"), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn lines_are_the_csv_crates_and_read_back(
            fields in proptest::collection::vec("[a-c ,\"\r\n;.0-9]{0,6}", 0..6)
        ) {
            let line = csv_line(fields.iter().map(String::as_str));
            proptest::prop_assert_eq!(&line, &reference_line(&fields));
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(line.trim_end_matches('\n').as_bytes());
            let expected = r
                .records()
                .next()
                .and_then(|r| r.ok())
                .map(|r| r.iter().map(str::to_string).collect::<Vec<_>>());
            proptest::prop_assert_eq!(parse_line(line.trim_end_matches('\n')), expected);
        }

        #[test]
        fn sorting_in_small_runs_equals_sorting_in_memory(
            ids in proptest::collection::vec(0u64..40, 0..60),
            run_bytes in 1usize..200,
            fan_in in 2usize..5,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let input = dir.path().join("in.csv");
            let mut text = String::from("point_id,x\n");
            for id in &ids {
                // Rows of one id are equal (kept once); lengths vary with the id.
                text.push_str(&format!("{id},{}\n", "v".repeat(*id as usize % 7)));
            }
            std::fs::write(&input, &text).unwrap();
            let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
            let inputs = std::slice::from_ref(&input);
            let n = sort_rows_in_runs(inputs, "point_id,x\n", &a, dir.path(), run_bytes, fan_in).unwrap();
            let m = sort_rows_in_runs(inputs, "point_id,x\n", &b, dir.path(), usize::MAX, fan_in).unwrap();
            proptest::prop_assert_eq!(n, m);
            let mut unique = ids.clone();
            unique.sort_unstable();
            unique.dedup();
            proptest::prop_assert_eq!(n, unique.len() as u64);
            proptest::prop_assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
            let left = std::fs::read_dir(dir.path()).unwrap().count();
            proptest::prop_assert_eq!(left, 3);
        }
    }

    #[test]
    fn fields_with_commas_and_newlines_stay_one_line() {
        let line = csv_line(["1", "a,b", "x\ny"]);
        assert_eq!(line, "1,\"a,b\",x; y\n");
        assert_eq!(
            parse_line(line.trim_end()).unwrap(),
            vec!["1", "a,b", "x; y"]
        );
        assert_eq!(line_id(&line), Some(1));
    }
}
