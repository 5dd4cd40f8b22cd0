//! A strict RFC 4180 reader for the CSV statements (statements.md: "RFC 4180 quoting"). Strict,
//! because a statement that parses loosely could be reconciled wrong; a file that is not valid
//! CSV is rejected whole with its line number.

use std::iter::Peekable;
use std::str::Chars;

use crate::StatementError;

/// One CSV record and the physical line it starts on (1-based).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Reads every record. Records end in `\n` or `\r\n`; blank lines (a spreadsheet's trailing
/// ones, typically) are skipped; quoted fields may hold commas, quotes (`""`) and line breaks.
pub(crate) fn read_records(text: &str) -> Result<Vec<Record>, StatementError> {
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut records = Vec::new();
    while chars.peek().is_some() {
        let start = line;
        let fields = read_record(&mut chars, &mut line)?;
        if !(fields.len() == 1 && fields[0].is_empty()) {
            records.push(Record {
                line: start,
                fields,
            });
        }
    }
    Ok(records)
}

fn read_record(
    chars: &mut Peekable<Chars>,
    line: &mut usize,
) -> Result<Vec<String>, StatementError> {
    let mut fields = Vec::new();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            read_quoted(chars, line, &mut field)?;
        } else {
            while let Some(&c) = chars.peek() {
                match c {
                    ',' | '\n' | '\r' => break,
                    '"' => {
                        return Err(StatementError::new(
                            *line,
                            "a quote inside an unquoted field",
                        ))
                    }
                    _ => {
                        field.push(c);
                        chars.next();
                    }
                }
            }
        }
        fields.push(field);
        match chars.next() {
            Some(',') => continue,
            None => return Ok(fields),
            Some('\n') => {
                *line += 1;
                return Ok(fields);
            }
            Some('\r') => match chars.next() {
                Some('\n') | None => {
                    *line += 1;
                    return Ok(fields);
                }
                Some(_) => {
                    return Err(StatementError::new(
                        *line,
                        "a carriage return without a line feed",
                    ))
                }
            },
            Some(_) => unreachable!("a field stops only at a comma or a line end"),
        }
    }
}

fn read_quoted(
    chars: &mut Peekable<Chars>,
    line: &mut usize,
    field: &mut String,
) -> Result<(), StatementError> {
    let opened_on = *line;
    loop {
        match chars.next() {
            None => {
                return Err(StatementError::new(
                    opened_on,
                    "a quoted field is never closed",
                ))
            }
            Some('"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            Some('"') => break,
            Some(c) => {
                if c == '\n' {
                    *line += 1;
                }
                field.push(c);
            }
        }
    }
    match chars.peek() {
        None | Some(',' | '\n' | '\r') => Ok(()),
        Some(_) => Err(StatementError::new(*line, "text after a closing quote")),
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
