//! Reading one delimited file row by row for the importers: BOM and CRLF tolerant, byte-level
//! (so invalid UTF-8 costs one row, not the file), with per-row column-count checks and the
//! bookkeeping that turns a bad row into a [`Rejection`] naming file, line, record and field.

use crate::sources::ingest::{ImportReport, IngestError, Rejection};
use csv::{ByteRecord, ReaderBuilder};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why one row was not imported; the reader adds file, line and record id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowError {
    pub field: Option<String>,
    pub reason: String,
}

impl RowError {
    pub(crate) fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: Some(field.into()), reason: reason.into() }
    }

    pub(crate) fn row(reason: impl Into<String>) -> Self {
        Self { field: None, reason: reason.into() }
    }
}

/// Which canonical fields are read from which header, and which field holds the record id.
#[derive(Debug, Clone)]
pub(crate) struct Layout<'a> {
    /// (canonical field, header in the file).
    pub columns: Vec<(&'a str, &'a str)>,
    pub id_field: Option<&'a str>,
}

struct Column<'a> {
    field: &'a str,
    header: String,
    index: usize,
}

/// One data row, with access to the mapped fields by canonical name.
pub(crate) struct Row<'a> {
    pub file: &'a Path,
    pub line: u64,
    record: &'a ByteRecord,
    columns: &'a [Column<'a>],
}

impl Row<'_> {
    fn column(&self, field: &str) -> Option<&Column<'_>> {
        self.columns.iter().find(|c| c.field == field)
    }

    /// The header a field is read from, for messages; the field name when it is not mapped.
    pub(crate) fn header(&self, field: &str) -> String {
        self.column(field).map_or_else(|| field.to_owned(), |c| c.header.clone())
    }

    /// Whether the field is mapped to a column of this file.
    pub(crate) fn has(&self, field: &str) -> bool {
        self.column(field).is_some()
    }

    /// The trimmed value, or `None` when the field is unmapped or the cell is blank.
    pub(crate) fn get(&self, field: &str) -> Result<Option<&str>, RowError> {
        let Some(column) = self.column(field) else {
            return Ok(None);
        };
        let bytes = self.record.get(column.index).unwrap_or_default();
        let text = std::str::from_utf8(bytes)
            .map_err(|e| RowError::field(&column.header, format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
        let text = text.trim();
        Ok((!text.is_empty()).then_some(text))
    }

    /// The value of a field that must be present.
    pub(crate) fn required(&self, field: &str) -> Result<&str, RowError> {
        self.get(field)?.ok_or_else(|| RowError::field(self.header(field), "missing value"))
    }

    /// Parses a present value, naming the column on failure; blank stays `None`.
    pub(crate) fn parse<T>(
        &self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, RowError> {
        match self.get(field)? {
            None => Ok(None),
            Some(text) => parse(text).map(Some).map_err(|reason| RowError::field(self.header(field), reason)),
        }
    }

    /// Parses a value that must be present.
    pub(crate) fn parse_required<T>(
        &self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, RowError> {
        let text = self.required(field)?;
        parse(text).map_err(|reason| RowError::field(self.header(field), reason))
    }
}

/// Remembers where each key was first accepted, so a repeat is rejected naming the first.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    first: HashMap<String, (PathBuf, u64)>,
}

impl Seen {
    /// Fails when `key` was accepted before. Call only once the row is otherwise good, so a
    /// rejected first occurrence does not block a good second one.
    pub(crate) fn check(&self, key: &str, what: &str, field: &str, row: &Row<'_>) -> Result<(), RowError> {
        match self.first.get(key) {
            None => Ok(()),
            Some((file, line)) if file == row.file => {
                Err(RowError::field(row.header(field), format!("duplicate {what} {key:?}: first seen on line {line}")))
            }
            Some((file, line)) => Err(RowError::field(
                row.header(field),
                format!("duplicate {what} {key:?}: first seen in {} line {line}", file.display()),
            )),
        }
    }

    pub(crate) fn insert(&mut self, key: String, row: &Row<'_>) {
        self.first.entry(key).or_insert_with(|| (row.file.to_path_buf(), row.line));
    }
}

fn read_error(path: &Path, source: std::io::Error) -> IngestError {
    IngestError::Read { path: path.to_path_buf(), source }
}

/// Line numbers from byte offsets. The parser's own line count lags by one after a CRLF
/// terminator, so lines are counted here from the record's first byte instead.
struct Lines<'a> {
    bytes: &'a [u8],
    cursor: usize,
    line: u64,
}

impl Lines<'_> {
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.bytes.len());
        // The reported start can sit on the previous record's line ending.
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.cursor {
            let newlines = self.bytes[self.cursor..start].iter().filter(|b| **b == b'\n').count();
            self.line += newlines as u64;
            self.cursor = start;
        }
        self.line
    }
}
/// Finds a header exactly, else ignoring case and surrounding spaces.
fn find_header(headers: &[String], wanted: &str) -> Option<usize> {
    headers.iter().position(|h| h == wanted).or_else(|| {
        let wanted = wanted.trim().to_lowercase();
        headers.iter().position(|h| h.trim().to_lowercase() == wanted)
    })
}

/// Reads `path` and calls `each` for every data row of the right width. Bad rows (wrong width,
/// or `each` failing) become rejections in `report`; an empty or header-only file becomes a
/// note. A mapped header missing from the file stops the import: the mapping does not fit it.
pub(crate) fn read_rows(
    path: &Path,
    delimiter: u8,
    layout: &Layout<'_>,
    report: &mut ImportReport,
    mut each: impl FnMut(&Row<'_>) -> Result<(), RowError>,
) -> Result<(), IngestError> {
    let bytes = std::fs::read(path).map_err(|e| read_error(path, e))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    read_from(bytes, path, delimiter, layout, report, &mut each)
}

fn read_from(
    bytes: &[u8],
    path: &Path,
    delimiter: u8,
    layout: &Layout<'_>,
    report: &mut ImportReport,
    each: &mut dyn FnMut(&Row<'_>) -> Result<(), RowError>,
) -> Result<(), IngestError> {
    let mut reader = ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(false).from_reader(bytes);
    let mut lines = Lines { bytes, cursor: 0, line: 1 };
    let mut record = ByteRecord::new();
    let has_header = next_record(&mut reader, &mut record, path)?;
    let headers: Vec<String> = record.iter().map(|h| String::from_utf8_lossy(h).trim().to_owned()).collect();
    if !has_header || headers.iter().all(String::is_empty) {
        report.notes.push(format!("{}: empty file, nothing imported", path.display()));
        return Ok(());
    }
    let mut columns = Vec::with_capacity(layout.columns.len());
    for (field, header) in &layout.columns {
        let index = find_header(&headers, header).ok_or_else(|| IngestError::Invalid {
            path: path.to_path_buf(),
            reason: format!("no column {header:?} (mapped to field {field:?}); the header has: {}", headers.join(", ")),
        })?;
        columns.push(Column { field, header: headers[index].clone(), index });
    }
    let id_index = layout.id_field.and_then(|id| columns.iter().find(|c| c.field == id)).map(|c| c.index);
    let mut rows = 0u64;
    while next_record(&mut reader, &mut record, path)? {
        rows += 1;
        report.records_read += 1;
        let line = lines.line_at(record.position().map_or(0, csv::Position::byte));
        let record_id = id_index
            .and_then(|i| record.get(i))
            .map(|b| String::from_utf8_lossy(b).trim().to_owned())
            .filter(|s| !s.is_empty());
        let outcome = if record.len() == headers.len() {
            each(&Row { file: path, line, record: &record, columns: &columns })
        } else {
            Err(RowError::row(format!("wrong column count: expected {}, found {}", headers.len(), record.len())))
        };
        if let Err(error) = outcome {
            report.rejections.push(Rejection {
                file: path.to_path_buf(),
                line,
                record: record_id,
                field: error.field,
                reason: error.reason,
            });
        }
    }
    if rows == 0 {
        report.notes.push(format!("{}: header only, no records", path.display()));
    }
    Ok(())
}

/// Reads the next record; I/O failures stop the import, anything else the parser reports
/// cannot happen with flexible byte records but is surfaced as an I/O error all the same.
fn next_record(reader: &mut csv::Reader<impl Read>, record: &mut ByteRecord, path: &Path) -> Result<bool, IngestError> {
    reader.read_byte_record(record).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(source) => read_error(path, source),
        other => read_error(path, std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{other:?}"))),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> (Vec<(u64, String, String)>, ImportReport) {
        let layout = Layout { columns: vec![("id", "Id"), ("name", "Name")], id_field: Some("id") };
        let mut report = ImportReport::default();
        let mut rows = Vec::new();
        read_from(bytes, Path::new("t.csv"), b',', &layout, &mut report, &mut |row| {
            let id = row.required("id")?.to_owned();
            let name = row.get("name")?.unwrap_or("").to_owned();
            rows.push((row.line, id, name));
            Ok(())
        })
        .unwrap();
        (rows, report)
    }

    #[test]
    fn bom_crlf_and_quoted_newlines_keep_line_numbers() {
        let (rows, report) = read(b"\xEF\xBB\xBFId,Name\r\n1,a\r\n2,\"b\r\nc\"\r\n3,d\r\n");
        assert_eq!(rows.iter().map(|r| (r.0, r.1.as_str())).collect::<Vec<_>>(), vec![(2, "1"), (3, "2"), (5, "3")]);
        assert!(report.rejections.is_empty());
        assert_eq!(report.records_read, 3);
        // Blank lines are skipped by the parser but still count.
        let (rows, _) = read(b"Id,Name\r\n\r\n1,a\n\n\n2,b");
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![3, 6]);
    }

    #[test]
    fn bad_rows_are_rejected_and_the_rest_land() {
        let (rows, report) = read(b"Id,Name\n1,a\n2,b,extra\n3,\xFF\n,e\n4,f\n");
        assert_eq!(rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), vec!["1", "4"]);
        let reasons: Vec<String> = report.rejections.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            reasons,
            vec![
                "t.csv:3: record 2: wrong column count: expected 2, found 3",
                "t.csv:4: record 3: field Name: invalid UTF-8 at byte 0",
                "t.csv:5: field Id: missing value",
            ]
        );
    }

    #[test]
    fn empty_and_header_only_files_are_notes() {
        let (rows, report) = read(b"");
        assert!(rows.is_empty());
        assert_eq!(report.notes, vec!["t.csv: empty file, nothing imported"]);
        let (rows, report) = read(b"\xEF\xBB\xBFId,Name\r\n");
        assert!(rows.is_empty());
        assert_eq!(report.notes, vec!["t.csv: header only, no records"]);
    }

    #[test]
    fn a_missing_mapped_header_names_the_file_and_column() {
        let layout = Layout { columns: vec![("id", "Id"), ("name", "Full name")], id_field: Some("id") };
        let err =
            read_from(b"ID,Name\n1,a\n", Path::new("t.csv"), b',', &layout, &mut ImportReport::default(), &mut |_| {
                Ok(())
            })
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.csv") && err.contains("\"Full name\""), "{err}");
    }
}
