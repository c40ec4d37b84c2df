//! CSV: records found by a quote-aware newline scan, fields split from byte slices.
//!
//! The reader thread only finds where records end (one `memchr2` pass for `\n` and `"`); the
//! workers split records into fields ([`split_record`]) in parallel. Records without a quote —
//! every record of the usual export — are split at commas with no copy; a record with quotes is
//! unquoted into a scratch buffer (RFC 4180: a field starting with `"` runs to the next lone
//! `"`, `""` inside it is one `"`; a quote inside an unquoted field is kept as is).

use super::header::header_positions;
use super::mapped::MappedFile;
use super::table::{RawTable, RecordSource};
use crate::error::{InputExcerpt, RuntimeError};
use pol_compiler::tir::EntitySchema;
use std::borrow::Cow;
use std::io::Read;
use std::ops::ControlFlow;
use std::path::Path;

/// Reads records (CSV with `quotes`, or plain lines) from a byte stream.
pub(crate) struct LineReader<R> {
    reader: R,
    /// The bytes read so far (unused when the file is mapped).
    buffer: Vec<u8>,
    /// The whole file, when it is mapped (then `end` is its length and `eof` is set).
    mapped: Option<MappedFile>,
    /// Start of the unconsumed bytes.
    start: usize,
    /// End of the filled bytes.
    end: usize,
    /// Where the scan for the current record's end resumes.
    scan: usize,
    /// Whether the scan is inside a quoted field.
    in_quotes: bool,
    /// Line breaks inside the current record so far.
    inner_lines: u64,
    /// Whether the current record has a `"`.
    has_quote: bool,
    /// Whether the last record returned had a `"`.
    last_quoted: bool,
    eof: bool,
    /// The line of the next record.
    line: u64,
    /// Bytes consumed.
    consumed: u64,
    /// Whether `"` quotes line breaks (CSV) or not (JSON lines).
    quotes: bool,
    started: bool,
    /// Where the open quote of the current record is (offset from the record's start) and its
    /// line, while `in_quotes`.
    quote: (usize, u64),
    /// The longest record, in bytes ([`MAX_RECORD_BYTES`] but in tests).
    max_bytes: usize,
    /// The most line breaks inside one record ([`MAX_RECORD_LINES`] but in tests).
    max_lines: u64,
}

const INITIAL_BUFFER: usize = 1 << 20;

/// The longest record (a CSV record or a JSON line), in bytes: 1 MiB. A row of real data is a
/// few hundred bytes; a file without line ends (a binary file, `/dev/zero`) would otherwise
/// grow the read buffer until memory runs out.
pub(crate) const MAX_RECORD_BYTES: usize = 1 << 20;

/// The most lines one CSV record may span (line breaks inside quoted fields): 1,000. A real
/// field with line breaks (an address) spans a few; a quote left open would otherwise swallow
/// the rest of the file as one field.
pub(crate) const MAX_RECORD_LINES: u64 = 1_000;

/// Why no next record could be read.
#[derive(Debug)]
pub(crate) enum RecordError {
    /// The system's read failed.
    Io(std::io::Error),
    /// A record longer than the limit: its line and first bytes.
    TooLong { line: u64, start: String },
    /// A quote still open at the end of the file or at a limit: the quote's line, that line's
    /// text with the quote at `column` (a byte offset in `text`), and why.
    OpenQuote { line: u64, text: String, column: usize, reason: String },
}

impl RecordError {
    /// The diagnostic for `file_name` (at `path`).
    pub(crate) fn into_runtime(self, path: &Path, file_name: &str) -> RuntimeError {
        match self {
            RecordError::Io(error) => RuntimeError::read(path, &error),
            RecordError::TooLong { line, start } => RuntimeError::RecordTooLong {
                file: file_name.to_string(),
                line,
                limit: "1 MiB".to_string(),
                at: (0, start.len()).into(),
                excerpt: InputExcerpt::new(file_name, start, line),
            },
            RecordError::OpenQuote { line, text, column, reason } => RuntimeError::UnterminatedQuote {
                file: file_name.to_string(),
                line,
                reason,
                max_lines: MAX_RECORD_LINES,
                at: (column, 1).into(),
                excerpt: InputExcerpt::new(file_name, text, line),
            },
        }
    }
}

impl From<std::io::Error> for RecordError {
    fn from(error: std::io::Error) -> RecordError {
        RecordError::Io(error)
    }
}

/// `bytes` as text for a diagnostic: invalid UTF-8 replaced, control characters escaped.
fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .flat_map(|c| if c.is_control() { c.escape_debug().collect::<Vec<_>>() } else { vec![c] })
        .collect()
}

impl<R: Read> LineReader<R> {
    /// A reader of the records of `mapped` when given (then `reader` is not read), else of
    /// `reader`; `quotes` makes line breaks inside `"…"` part of the record.
    fn new(reader: R, mapped: Option<MappedFile>, quotes: bool) -> LineReader<R> {
        let end = mapped.as_ref().map_or(0, |mapped| mapped.bytes().len());
        LineReader {
            reader,
            buffer: if mapped.is_some() { Vec::new() } else { vec![0; INITIAL_BUFFER] },
            eof: mapped.is_some(),
            mapped,
            start: 0,
            end,
            scan: 0,
            in_quotes: false,
            inner_lines: 0,
            has_quote: false,
            last_quoted: false,
            line: 1,
            consumed: 0,
            quotes,
            started: false,
            quote: (0, 0),
            max_bytes: MAX_RECORD_BYTES,
            max_lines: MAX_RECORD_LINES,
        }
    }

    /// Bytes consumed so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Whether the record last returned holds a `"` (and so may need unquoting).
    pub(crate) fn last_quoted(&self) -> bool {
        self.last_quoted
    }

    /// The next non-empty record (without its line end) and its line, or `None` at the end.
    ///
    /// Fails on a record longer than [`MAX_RECORD_BYTES`], and on a quoted field still open at
    /// the end of the file or after [`MAX_RECORD_LINES`] lines.
    pub(crate) fn next_record(&mut self) -> Result<Option<(&[u8], u64)>, RecordError> {
        if let Some(mapped) = self.mapped.as_mut() {
            // Every record before `start` has been returned, and the caller is done with it.
            mapped.release_before(self.start);
        }
        loop {
            if !self.started {
                self.fill()?;
                self.started = true;
                if bytes(&self.buffer, &self.mapped)
                    .get(self.start..self.end)
                    .is_some_and(|bytes| bytes.starts_with(b"\xEF\xBB\xBF"))
                {
                    self.start += 3;
                    self.scan = self.start;
                    self.consumed += 3;
                }
            }
            if let Some(newline) = self.find_end()? {
                let record_start = self.start;
                if newline - record_start > self.max_bytes {
                    return Err(self.too_long());
                }
                let line = self.line;
                self.line += 1 + self.inner_lines;
                self.consumed += (newline + 1 - record_start) as u64;
                self.start = newline + 1;
                self.scan = self.start;
                self.inner_lines = 0;
                self.in_quotes = false;
                self.last_quoted = std::mem::take(&mut self.has_quote);
                let mut record_end = newline;
                if record_end > record_start && bytes(&self.buffer, &self.mapped).get(record_end - 1) == Some(&b'\r') {
                    record_end -= 1;
                }
                if record_end == record_start {
                    continue;
                }
                return Ok(bytes(&self.buffer, &self.mapped)
                    .get(record_start..record_end)
                    .map(|record| (record, line)));
            }
            if self.eof {
                if self.start >= self.end {
                    return Ok(None);
                }
                if self.in_quotes {
                    return Err(self.open_quote("this quote is never closed".to_string()));
                }
                if self.end - self.start > self.max_bytes {
                    return Err(self.too_long());
                }
                let (record_start, record_end) = (self.start, self.end);
                let line = self.line;
                self.last_quoted = std::mem::take(&mut self.has_quote);
                self.consumed += (record_end - record_start) as u64;
                self.start = self.end;
                self.scan = self.end;
                let all = bytes(&self.buffer, &self.mapped);
                let trimmed_end = if all.get(record_end - 1) == Some(&b'\r') { record_end - 1 } else { record_end };
                if trimmed_end == record_start {
                    return Ok(None);
                }
                return Ok(all.get(record_start..trimmed_end).map(|record| (record, line)));
            }
            if self.end - self.start > self.max_bytes {
                return Err(if self.in_quotes {
                    self.open_quote("this quote is not closed within 1 MiB".to_string())
                } else {
                    self.too_long()
                });
            }
            self.fill()?;
        }
    }

    /// The error for the current record, too long.
    fn too_long(&self) -> RecordError {
        let all = bytes(&self.buffer, &self.mapped);
        let start = all.get(self.start..self.end.min(self.start + 32)).unwrap_or_default();
        RecordError::TooLong { line: self.line, start: printable(start) }
    }

    /// The error for the current record's open quote.
    fn open_quote(&self, reason: String) -> RecordError {
        let all = bytes(&self.buffer, &self.mapped);
        let record = all.get(self.start..self.end).unwrap_or_default();
        let (quote_offset, quote_line) = self.quote;
        // The quote's line, from at most 80 bytes before the quote to at most 40 after it.
        let line_start = record
            .get(..quote_offset)
            .and_then(|before| memchr::memrchr(b'\n', before))
            .map_or(0, |newline| newline + 1);
        let from = line_start.max(quote_offset.saturating_sub(80));
        let rest = record.get(quote_offset..).unwrap_or_default();
        let to = quote_offset + memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(40);
        let before = printable(record.get(from..quote_offset).unwrap_or_default());
        let text = printable(record.get(from..to).unwrap_or_default());
        RecordError::OpenQuote { line: quote_line, column: before.len(), text, reason }
    }

    /// The index of the newline ending the current record, scanning from `scan`.
    fn find_end(&mut self) -> Result<Option<usize>, RecordError> {
        let all = bytes(&self.buffer, &self.mapped);
        let Some(window) = all.get(self.scan..self.end) else { return Ok(None) };
        if !self.quotes {
            let found = memchr::memchr(b'\n', window).map(|offset| self.scan + offset);
            if found.is_none() {
                self.scan = self.end;
            }
            return Ok(found);
        }
        for offset in memchr::memchr2_iter(b'\n', b'"', window) {
            let index = self.scan + offset;
            if all.get(index) == Some(&b'"') {
                self.in_quotes = !self.in_quotes;
                self.has_quote = true;
                // The field's opening quote, not the second `"` of a `""` inside it.
                if self.in_quotes && (index == self.start || all.get(index - 1) != Some(&b'"')) {
                    self.quote = (index - self.start, self.line + self.inner_lines);
                }
            } else if self.in_quotes {
                self.inner_lines += 1;
                if self.inner_lines > self.max_lines {
                    self.scan = index;
                    let reason = format!("this quote is not closed within {} lines", self.max_lines);
                    return Err(self.open_quote(reason));
                }
            } else {
                return Ok(Some(index));
            }
        }
        self.scan = self.end;
        Ok(None)
    }

    /// Moves the unconsumed bytes to the front (growing the buffer when a record fills it) and
    /// reads more.
    fn fill(&mut self) -> std::io::Result<()> {
        if self.mapped.is_some() {
            self.eof = true;
            return Ok(());
        }
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scan -= self.start;
            self.start = 0;
        }
        if self.end == self.buffer.len() {
            let grown = self.buffer.len() * 2;
            self.buffer.resize(grown, 0);
        }
        let Some(free) = self.buffer.get_mut(self.end..) else { return Ok(()) };
        let read = loop {
            match self.reader.read(free) {
                Ok(read) => break read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        };
        if read == 0 {
            self.eof = true;
        }
        self.end += read;
        Ok(())
    }
}

impl LineReader<std::fs::File> {
    /// A reader of a file's records: the file is mapped when it can be (see [`MappedFile`]),
    /// and read otherwise.
    pub(crate) fn open(file: std::fs::File, quotes: bool) -> LineReader<std::fs::File> {
        let mapped = MappedFile::new(&file);
        LineReader::new(file, mapped, quotes)
    }
}

/// The bytes a [`LineReader`] finds records in: the mapped file, or its buffer.
fn bytes<'a>(buffer: &'a [u8], mapped: &'a Option<MappedFile>) -> &'a [u8] {
    match mapped {
        Some(mapped) => mapped.bytes(),
        None => buffer,
    }
}

/// Splits a CSV record into fields. Returns `false` when `fields` are spans of `record`, `true`
/// when the record had quotes and `fields` are spans of `scratch` (the unquoted record).
/// `quoted` says whether the record may hold a `"` (`false` only when it certainly holds none).
pub(crate) fn split_record(
    record: &[u8],
    quoted: bool,
    fields: &mut Vec<(usize, usize)>,
    scratch: &mut Vec<u8>,
) -> bool {
    fields.clear();
    if !quoted || memchr::memchr(b'"', record).is_none() {
        let mut start = 0;
        for_each_comma(record, |comma| {
            fields.push((start, comma));
            start = comma + 1;
        });
        fields.push((start, record.len()));
        return false;
    }
    scratch.clear();
    let mut index = 0;
    loop {
        let field_start = scratch.len();
        if record.get(index) == Some(&b'"') {
            index += 1;
            loop {
                match record.get(index) {
                    None => break,
                    Some(b'"') if record.get(index + 1) == Some(&b'"') => {
                        scratch.push(b'"');
                        index += 2;
                    }
                    Some(b'"') => {
                        index += 1;
                        break;
                    }
                    Some(byte) => {
                        scratch.push(*byte);
                        index += 1;
                    }
                }
            }
        }
        // Unquoted text, or text after a closing quote, up to the next comma.
        let rest = record.get(index..).unwrap_or(&[]);
        let run = memchr::memchr(b',', rest).unwrap_or(rest.len());
        scratch.extend_from_slice(rest.get(..run).unwrap_or(&[]));
        fields.push((field_start, scratch.len()));
        index += run;
        if index >= record.len() {
            break;
        }
        index += 1; // the comma
    }
    true
}

/// Calls `found` with the index of every `,` of `bytes`, in order. Fields are short, so this
/// looks at 8 bytes at a time (SWAR: an exact per-byte equality test on a `u64`) rather than
/// calling a search function per comma.
#[inline]
pub(crate) fn for_each_comma(bytes: &[u8], mut found: impl FnMut(usize)) {
    let _: ControlFlow<()> = commas_until(bytes, |comma| {
        found(comma);
        ControlFlow::Continue(())
    });
}

/// Calls `found` with the index of every `,` of `bytes`, in order, until it breaks, as
/// [`for_each_comma`] does.
#[inline(always)]
fn commas_until<B>(bytes: &[u8], mut found: impl FnMut(usize) -> ControlFlow<B>) -> ControlFlow<B> {
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let mut commas = comma_bits(word);
        while commas != 0 {
            found(offset + (commas.trailing_zeros() / 8) as usize)?;
            commas &= commas - 1;
        }
        offset += 8;
    }
    for (index, byte) in words.remainder().iter().enumerate() {
        if *byte == b',' {
            found(offset + index)?;
        }
    }
    ControlFlow::Continue(())
}

/// The high bit of each byte of an 8-byte `word` that is a `,` (SWAR: an exact per-byte
/// equality test on a `u64`, with no borrow between bytes).
#[inline(always)]
fn comma_bits(word: &[u8]) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const COMMAS: u64 = 0x2C2C_2C2C_2C2C_2C2C;
    let mut array = [0u8; 8];
    array.copy_from_slice(word);
    let x = u64::from_le_bytes(array) ^ COMMAS;
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Field `position` of a CSV record, if the record has it (`quoted` as in [`split_record`]).
pub(crate) fn field(record: &[u8], position: usize, quoted: bool) -> Option<Cow<'_, [u8]>> {
    if !quoted || memchr::memchr(b'"', record).is_none() {
        // Ids are in the first columns: the scan stops at the field's end.
        let (mut field, mut start) = (0, 0);
        let range = match commas_until(record, |comma| {
            if field == position {
                return ControlFlow::Break(start..comma);
            }
            field += 1;
            start = comma + 1;
            ControlFlow::Continue(())
        }) {
            ControlFlow::Break(range) => range,
            ControlFlow::Continue(()) if field == position => start..record.len(),
            ControlFlow::Continue(()) => return None,
        };
        return record.get(range).map(Cow::Borrowed);
    }
    let mut fields = Vec::new();
    let mut scratch = Vec::new();
    split_record(record, true, &mut fields, &mut scratch);
    let (start, end) = *fields.get(position)?;
    scratch.get(start..end).map(|bytes| Cow::Owned(bytes.to_vec()))
}

/// A CSV file's records.
pub(crate) struct CsvSource {
    lines: LineReader<std::fs::File>,
    path: std::path::PathBuf,
    file_name: String,
}

impl CsvSource {
    /// Opens a CSV file and checks its header against the schema: returns the reader, the
    /// header position of each schema column, and the header.
    pub(crate) fn open(
        file: std::fs::File,
        path: &Path,
        file_name: &str,
        schema: &EntitySchema,
    ) -> Result<(CsvSource, Vec<usize>, Vec<String>), RuntimeError> {
        let mut lines = LineReader::open(file, true);
        let expected = || schema.columns.iter().map(|column| column.name.as_str()).collect::<Vec<_>>().join(",");
        let header = match lines.next_record().map_err(|error| error.into_runtime(path, file_name))? {
            Some((record, _)) => {
                let mut fields = Vec::new();
                let mut scratch = Vec::new();
                let quoted = split_record(record, true, &mut fields, &mut scratch);
                let base = if quoted { scratch.as_slice() } else { record };
                let mut names = Vec::with_capacity(fields.len());
                for (position, (start, end)) in fields.iter().enumerate() {
                    let bytes = base.get(*start..*end).unwrap_or(&[]);
                    let name = std::str::from_utf8(bytes).map_err(|_| RuntimeError::NotUtf8 {
                        file: file_name.to_string(),
                        line: 1,
                        place: format!("column {}", position + 1),
                    })?;
                    names.push(name.to_string());
                }
                names
            }
            None => return Err(RuntimeError::EmptyFile { file: file_name.to_string(), expected: expected() }),
        };
        let positions = header_positions(&header, file_name, schema)?;
        Ok((CsvSource { lines, path: path.to_path_buf(), file_name: file_name.to_string() }, positions, header))
    }
}

impl RecordSource for CsvSource {
    fn next_into(&mut self, table: &mut RawTable) -> Result<bool, RuntimeError> {
        match self.lines.next_record() {
            Ok(Some((record, line))) => {
                table.push(record, &[], line, None);
                let quoted = self.lines.last_quoted();
                if let Some(row) = table.rows.last_mut() {
                    row.quoted = quoted;
                }
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(error) => Err(error.into_runtime(&self.path, &self.file_name)),
        }
    }

    fn position(&self) -> u64 {
        self.lines.consumed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<(String, u64)> {
        let mut reader = LineReader::new(text.as_bytes(), None, true);
        let mut out = Vec::new();
        while let Ok(Some((record, line))) = reader.next_record() {
            out.push((String::from_utf8_lossy(record).into_owned(), line));
        }
        out
    }

    fn split(record: &str) -> Vec<String> {
        let mut fields = Vec::new();
        let mut scratch = Vec::new();
        let quoted = split_record(record.as_bytes(), true, &mut fields, &mut scratch);
        let base = if quoted { scratch.as_slice() } else { record.as_bytes() };
        fields
            .iter()
            .map(|(start, end)| String::from_utf8_lossy(base.get(*start..*end).unwrap_or(&[])).into_owned())
            .collect()
    }

    #[test]
    fn records_follow_quotes_and_count_lines() {
        let text = "\u{feff}a,b\r\n1,\"x\ny\"\n\n2,\"q\"\"\"\n3,z";
        assert_eq!(
            records(text),
            vec![("a,b".into(), 1), ("1,\"x\ny\"".into(), 2), ("2,\"q\"\"\"".into(), 5), ("3,z".into(), 6)]
        );
    }

    #[test]
    fn mapped_files_give_the_records_read_files_give() {
        let mut text = String::from("\u{feff}a,b\r\n1,\"x\ny\"\n\n");
        // Past two release steps, so pages already read are let go while reading goes on.
        while text.len() < 20 << 20 {
            text.push_str("P00000001,H0000001,郑娟婷,false,2011-08-19\n");
        }
        text.push_str("3,\"q\"\"\"\r\nlast,z");
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut file, text.as_bytes()).expect("write");
        let opened = std::fs::File::open(file.path()).expect("open");
        let mut mapped = LineReader::open(opened, true);
        assert!(mapped.mapped.is_some());
        let mut read = LineReader::new(text.as_bytes(), None, true);
        let mut count = 0;
        loop {
            let from_map = mapped.next_record().expect("mapped").map(|(record, line)| (record.to_vec(), line));
            let from_read = read.next_record().expect("read").map(|(record, line)| (record.to_vec(), line));
            assert_eq!(from_map, from_read);
            assert_eq!(mapped.last_quoted(), read.last_quoted());
            if from_map.is_none() {
                break;
            }
            count += 1;
        }
        assert_eq!(mapped.consumed(), read.consumed());
        assert!(count > 400_000);
        // An empty file is read, not mapped.
        let empty = tempfile::NamedTempFile::new().expect("temp file");
        let mut reader = LineReader::open(std::fs::File::open(empty.path()).expect("open"), true);
        assert!(reader.mapped.is_none());
        assert_eq!(reader.next_record().expect("empty").map(|(record, _)| record.to_vec()), None);
    }

    /// Records as the format defines them, one byte at a time: a line break ends a record
    /// unless inside quotes; empty records are skipped; a `\r` before the break is dropped.
    /// The flag says whether the last record ends inside quotes (then reading it fails).
    fn records_byte_by_byte(text: &[u8]) -> (Vec<(Vec<u8>, u64)>, bool) {
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        let (mut out, mut current, mut in_quotes, mut line, mut first_line) = (Vec::new(), Vec::new(), false, 1, 1);
        let mut finish = |current: &mut Vec<u8>, first_line: u64| {
            if current.last() == Some(&b'\r') {
                current.pop();
            }
            if !current.is_empty() {
                out.push((std::mem::take(current), first_line));
            }
            current.clear();
        };
        for &byte in text {
            match byte {
                b'"' => {
                    in_quotes = !in_quotes;
                    current.push(byte);
                }
                b'\n' if in_quotes => {
                    line += 1;
                    current.push(byte);
                }
                b'\n' => {
                    finish(&mut current, first_line);
                    line += 1;
                    first_line = line;
                }
                _ => current.push(byte),
            }
        }
        finish(&mut current, first_line);
        if in_quotes {
            out.pop();
        }
        (out, in_quotes)
    }

    /// A reader that hands out at most `step` bytes per read.
    struct Trickle<'a> {
        text: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let count = self.step.min(buffer.len()).min(self.text.len());
            buffer[..count].copy_from_slice(&self.text[..count]);
            self.text = &self.text[count..];
            Ok(count)
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn records_are_found_across_reads_and_windows(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "a", "bc", ",", "\"", "\n", "\r\n", "\"x\ny\"", "\"\"", "王", "P00000001,H0000001,false",
            ]), 0..400),
            step in 1usize..5000,
            repeat in 1usize..300,
        ) {
            let text: String = pieces.concat().repeat(repeat);
            let (expected, open_at_end) = records_byte_by_byte(text.as_bytes());
            let mut reader = LineReader::new(Trickle { text: text.as_bytes(), step }, None, true);
            // The limits are tested on their own; here records of any size are found.
            reader.max_bytes = usize::MAX;
            reader.max_lines = u64::MAX;
            let mut found = Vec::new();
            let end = loop {
                match reader.next_record() {
                    Ok(Some((record, line))) => found.push((record.to_vec(), line)),
                    Ok(None) => break None,
                    Err(error) => break Some(error),
                }
            };
            proptest::prop_assert_eq!(found, expected);
            proptest::prop_assert_eq!(matches!(end, Some(RecordError::OpenQuote { .. })), open_at_end);
            proptest::prop_assert!(open_at_end || end.is_none());
        }
    }

    #[test]
    fn small_buffers_grow_to_the_longest_record() {
        let long = "x".repeat(MAX_RECORD_BYTES);
        let text = format!("h\n{long}\nend\n");
        let found = records(&text);
        assert_eq!(found.len(), 3);
        assert_eq!(found.get(1).map(|(record, _)| record.len()), Some(long.len()));
    }

    /// The first error reading `text` with the given limits, after the records before it.
    fn first_error(text: &str, max_bytes: usize, max_lines: u64) -> (Vec<String>, Option<RecordError>) {
        let mut reader = LineReader::new(Trickle { text: text.as_bytes(), step: 7 }, None, true);
        reader.max_bytes = max_bytes;
        reader.max_lines = max_lines;
        let mut found = Vec::new();
        loop {
            match reader.next_record() {
                Ok(Some((record, _))) => found.push(String::from_utf8_lossy(record).into_owned()),
                Ok(None) => return (found, None),
                Err(error) => return (found, Some(error)),
            }
        }
    }

    #[test]
    fn a_record_longer_than_the_limit_is_an_error_at_its_line() {
        let (found, error) = first_error("h\nshort\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nend\n", 20, 10);
        assert_eq!(found, ["h", "short"]);
        match error {
            Some(RecordError::TooLong { line, start }) => {
                assert_eq!(line, 3);
                // The record's first bytes (at most 32; as many as were read when it was found).
                assert!(start.len() > 20 && start.len() <= 32 && start.chars().all(|c| c == 'x'), "{start}");
            }
            other => panic!("expected a record too long, got {other:?}"),
        }
        // A file without any line end, as `/dev/zero` is, stops at the limit.
        let (found, error) = first_error(&"\0".repeat(200), 50, 10);
        assert!(found.is_empty());
        assert!(matches!(error, Some(RecordError::TooLong { line: 1, .. })), "{error:?}");
        // A record of exactly the limit is read.
        let (found, error) = first_error(&format!("{}\n", "y".repeat(20)), 20, 10);
        assert_eq!((found.len(), error.is_none()), (1, true));
    }

    #[test]
    fn an_open_quote_names_its_line_at_the_end_of_the_file_or_at_a_limit() {
        let text = "h\nH1,x\nH2,\"unclosed, ok\nH3,y\nH4,z\n";
        let (found, error) = first_error(text, 1 << 20, 10);
        assert_eq!(found, ["h", "H1,x"]);
        match error {
            Some(RecordError::OpenQuote { line, text, column, reason }) => {
                assert_eq!((line, text.as_str(), column), (3, "H2,\"unclosed, ok", 3));
                assert_eq!(reason, "this quote is never closed");
            }
            other => panic!("expected an open quote, got {other:?}"),
        }
        // The field's opening quote is named, not the second quote of a `""` inside it.
        let (_, error) = first_error("a\n\"b\"\"c\n", 1 << 20, 10);
        assert!(matches!(error, Some(RecordError::OpenQuote { line: 2, column: 0, .. })), "{error:?}");
        // Too many lines inside quotes, or too many bytes, stop before the end of the file.
        let many = format!("h\n\"{}", "line\n".repeat(20));
        let (_, error) = first_error(&many, 1 << 20, 5);
        assert!(
            matches!(&error, Some(RecordError::OpenQuote { line: 2, reason, .. }) if reason.contains("5 lines")),
            "{error:?}"
        );
        let (_, error) = first_error(&many, 30, 1000);
        assert!(
            matches!(&error, Some(RecordError::OpenQuote { line: 2, reason, .. }) if reason.contains("1 MiB")),
            "{error:?}"
        );
        // A quoted field with line breaks within the limits is one record.
        let (found, error) = first_error("h\n\"a\nb\",c\n", 1 << 20, 5);
        assert_eq!((found, error.is_none()), (vec!["h".to_string(), "\"a\nb\",c".to_string()], true));
    }

    #[test]
    fn commas_are_found_eight_bytes_at_a_time() {
        for text in [
            "",
            ",",
            "a,b",
            ",,,,,,,,,",
            "abcdefgh,ijklmnop,",
            "王建国,1970-03-01,true,false,0,,x",
            "\u{2c}\u{ac}\u{12c},,\u{ff}",
        ] {
            let mut found = Vec::new();
            for_each_comma(text.as_bytes(), |index| found.push(index));
            let expected: Vec<usize> =
                text.bytes().enumerate().filter(|(_, byte)| *byte == b',').map(|(index, _)| index).collect();
            assert_eq!(found, expected, "{text}");
        }
    }

    #[test]
    fn fields_split_with_and_without_quotes() {
        assert_eq!(split("a,,b"), vec!["a", "", "b"]);
        assert_eq!(split(""), vec![""]);
        assert_eq!(split("\"a,b\",c"), vec!["a,b", "c"]);
        assert_eq!(split("\"say \"\"hi\"\"\",x\"y"), vec!["say \"hi\"", "x\"y"]);
        assert_eq!(split("\"ab\"cd,\"\""), vec!["abcd", ""]);
        assert_eq!(split("a,\"unterminated"), vec!["a", "unterminated"]);
        assert_eq!(field(b"a,b,c", 2, false).as_deref(), Some(&b"c"[..]));
        assert_eq!(field(b"a,b", 2, true), None);
        assert_eq!(field(b"\"a,b\",c", 0, true).as_deref(), Some(&b"a,b"[..]));
    }

    #[test]
    fn a_field_found_alone_is_the_field_split_finds() {
        for record in [
            "",
            ",",
            "P00000001,H0000001,郑娟婷,false,2011-08-19,0",
            "abcdefgh,ijklmnop,qrstuvwx",
            "abcdefg,,hijklmno,",
            "a,b,c,d,e,f,g,h,i,j,k,l",
            "\"a,b\",c,\"d\"\"e\"",
        ] {
            let fields = split(record);
            for position in 0..fields.len() + 2 {
                let found = field(record.as_bytes(), position, true).map(|bytes| bytes.into_owned());
                assert_eq!(found, fields.get(position).map(|text| text.as_bytes().to_vec()), "{record} {position}");
            }
        }
    }
}
