//! Sweep CSV files: the column layout, one row per point written as one line in one `write` (so
//! a killed process leaves complete lines plus at most one torn last line, which resume drops),
//! and the final rewrite sorted by point id as an external merge sort (memory is one run of
//! rows, not the file), written to a temporary file and renamed.

use super::metrics::record_keys;
use super::space::Param;
use std::collections::BinaryHeap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Rows sorted in memory at a time by [`sort_rows`].
pub const SORT_RUN_ROWS: usize = 200_000;

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
/// metric (except those already a column), `power_w`, `feasible`, `error`.
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
        for extra in ["power_w", "feasible", "error"] {
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
/// so every row is exactly one line.
pub fn csv_line<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let cleaned: Vec<String> = fields
        .into_iter()
        .map(|f| f.replace("\r\n", "; ").replace(['\n', '\r'], "; "))
        .collect();
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&cleaned);
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// Parses one line (without its newline) into fields.
pub fn parse_line(line: &str) -> Option<Vec<String>> {
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
/// point id: sorted runs of [`SORT_RUN_ROWS`] rows in `tmp_dir`, merged. A point present twice
/// with identical rows is kept once; with different rows it is an error. Returns the row count.
pub fn sort_rows(
    inputs: &[PathBuf],
    header: &str,
    out: &Path,
    tmp_dir: &Path,
) -> Result<u64, CsvError> {
    sort_rows_in_runs(inputs, header, out, tmp_dir, SORT_RUN_ROWS)
}

/// [`sort_rows`] with runs of `run_rows` rows.
pub fn sort_rows_in_runs(
    inputs: &[PathBuf],
    header: &str,
    out: &Path,
    tmp_dir: &Path,
    run_rows: usize,
) -> Result<u64, CsvError> {
    let mut runs: Vec<PathBuf> = Vec::new();
    let mut buffer: Vec<(u64, String)> = Vec::new();
    let run_path = |n: usize| tmp_dir.join(format!(".sort-run-{n}.{}.tmp", std::process::id()));
    let cleanup = |runs: &[PathBuf]| {
        for r in runs {
            let _ = std::fs::remove_file(r);
        }
    };
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
                if buffer.len() >= run_rows.max(1) {
                    let p = run_path(runs.len());
                    write_run(&mut buffer, &p)?;
                    runs.push(p);
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
        let mut emit = |id: u64, line: String, w: &mut BufWriter<File>| -> Result<(), CsvError> {
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
                emit(id, line, &mut w)?;
            }
        } else {
            if !buffer.is_empty() {
                let p = run_path(runs.len());
                write_run(&mut buffer, &p)?;
                runs.push(p);
            }
            let mut readers = Vec::new();
            for r in &runs {
                readers.push(BufReader::new(File::open(r).map_err(io(r))?));
            }
            let mut heap = BinaryHeap::new();
            for (k, rd) in readers.iter_mut().enumerate() {
                if let Some((id, line)) = next_run_line(rd, &runs[k])? {
                    heap.push(std::cmp::Reverse((id, k, line)));
                }
            }
            while let Some(std::cmp::Reverse((id, k, line))) = heap.pop() {
                emit(id, line, &mut w)?;
                if let Some((nid, nline)) = next_run_line(&mut readers[k], &runs[k])? {
                    heap.push(std::cmp::Reverse((nid, k, nline)));
                }
            }
        }
        let file = w.into_inner().map_err(|e| io(&tmp_out)(e.into_error()))?;
        file.sync_all().map_err(io(&tmp_out))?;
        std::fs::rename(&tmp_out, out).map_err(io(out))?;
        Ok(count)
    })();
    cleanup(&runs);
    result
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
    let line = line.trim_end_matches('\n').to_string();
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
        let n = sort_rows_in_runs(&[a, b], "point_id,x\n", &out, dir.path(), 2).unwrap();
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
