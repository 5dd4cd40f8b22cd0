//! A strict RFC 4180 reader for the CSV statements (statements.md: "RFC 4180 quoting"). Strict,
//! because a statement that parses loosely could be reconciled wrong; a file that is not valid
//! CSV is rejected whole with its line number.

use crate::StatementError;

/// One CSV record and the physical line it starts on (1-based).
#[cfg(test)]
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Reads every record at once (the tests' view of [`Reader`]).
#[cfg(test)]
pub(crate) fn read_records(text: &str) -> Result<Vec<Record>, StatementError> {
    let mut reader = Reader::new(text);
    let mut records = Vec::new();
    let mut fields = Vec::new();
    while let Some(line) = reader.next_into(&mut fields)? {
        records.push(Record {
            line,
            fields: fields.clone(),
        });
    }
    Ok(records)
}

/// Reads records one at a time into a caller's buffer, so a million-line statement needs neither
/// a second copy of itself nor an allocation per field. Records end in `\n` or `\r\n`; blank
/// lines (a spreadsheet's trailing ones, typically) are skipped; quoted fields may hold commas,
/// quotes (`""`) and line breaks. The bytes it stops at are ASCII, so slicing there keeps UTF-8.
pub(crate) struct Reader<'t> {
    rest: &'t str,
    line: usize,
}

impl<'t> Reader<'t> {
    pub fn new(text: &'t str) -> Reader<'t> {
        Reader {
            rest: text,
            line: 1,
        }
    }

    /// The next record's fields into `fields` (their strings reused); returns the physical line
    /// it starts on, or `None` at the end.
    pub fn next_into(&mut self, fields: &mut Vec<String>) -> Result<Option<usize>, StatementError> {
        while !self.rest.is_empty() {
            let start = self.line;
            let n = self.read_record(fields)?;
            fields.truncate(n);
            if !(n == 1 && fields[0].is_empty()) {
                return Ok(Some(start));
            }
        }
        Ok(None)
    }

    /// Reads one record into `fields[..n]`; returns `n`.
    fn read_record(&mut self, fields: &mut Vec<String>) -> Result<usize, StatementError> {
        let mut n = 0;
        loop {
            if fields.len() == n {
                fields.push(String::new());
            }
            let field = &mut fields[n];
            field.clear();
            n += 1;
            if let Some(quoted) = self.rest.strip_prefix('"') {
                self.rest = quoted;
                self.read_quoted(field)?;
            } else {
                let end = self
                    .rest
                    .bytes()
                    .position(|b| matches!(b, b',' | b'\n' | b'\r' | b'"'))
                    .unwrap_or(self.rest.len());
                if self.rest[end..].starts_with('"') {
                    return Err(StatementError::new(
                        self.line,
                        "a quote inside an unquoted field",
                    ));
                }
                field.push_str(&self.rest[..end]);
                self.rest = &self.rest[end..];
            }
            let mut chars = self.rest.chars();
            match chars.next() {
                Some(',') => {
                    self.rest = chars.as_str();
                    continue;
                }
                None => return Ok(n),
                Some('\n') => {
                    self.line += 1;
                    self.rest = chars.as_str();
                    return Ok(n);
                }
                Some('\r') => match chars.next() {
                    Some('\n') | None => {
                        self.line += 1;
                        self.rest = chars.as_str();
                        return Ok(n);
                    }
                    Some(_) => {
                        return Err(StatementError::new(
                            self.line,
                            "a carriage return without a line feed",
                        ))
                    }
                },
                Some(_) => unreachable!("a field stops only at a comma or a line end"),
            }
        }
    }

    fn read_quoted(&mut self, field: &mut String) -> Result<(), StatementError> {
        let opened_on = self.line;
        loop {
            let Some(quote) = self.rest.find('"') else {
                return Err(StatementError::new(
                    opened_on,
                    "a quoted field is never closed",
                ));
            };
            let text = &self.rest[..quote];
            self.line += text.bytes().filter(|&b| b == b'\n').count();
            field.push_str(text);
            self.rest = &self.rest[quote + 1..];
            match self.rest.strip_prefix('"') {
                Some(after) => {
                    field.push('"');
                    self.rest = after;
                }
                None => break,
            }
        }
        match self.rest.as_bytes().first() {
            None | Some(b',' | b'\n' | b'\r') => Ok(()),
            Some(_) => Err(StatementError::new(self.line, "text after a closing quote")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        read_records(text)
            .unwrap()
            .into_iter()
            .map(|r| r.fields)
            .collect()
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        let records = read_records("a,\"b,\"\"c\"\"\",d\r\n\"x\ny\",,z\n").unwrap();
        assert_eq!(records[0].fields, ["a", "b,\"c\"", "d"]);
        assert_eq!(
            records[1],
            Record {
                line: 2,
                fields: vec!["x\ny".into(), "".into(), "z".into()]
            }
        );
    }

    #[test]
    fn blank_lines_are_skipped_and_line_numbers_stay_physical() {
        let records = read_records("h\n\n1,2\n\n").unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].line, 3);
        assert_eq!(fields("a,b"), [["a", "b"]]);
    }

    #[test]
    fn broken_quoting_is_rejected_with_its_line() {
        assert_eq!(read_records("h\na\"b\n").unwrap_err().line, 2);
        assert_eq!(read_records("h\n\"ab\"c\n").unwrap_err().line, 2);
        assert_eq!(read_records("h\nx\n\"open\n").unwrap_err().line, 3);
        assert_eq!(read_records("a\rb\n").unwrap_err().line, 1);
    }
}
