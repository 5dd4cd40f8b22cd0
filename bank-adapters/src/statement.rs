//! The normalized line of any bank's daily statement, and the error that rejects a whole file.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::csv::Reader;
use crate::{BankCode, Vnd};

/// One line of a bank's daily statement, in PayHub's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    /// Which bank's statement it comes from.
    pub bank: BankCode,
    /// 1-based line number in the file, for reports that point back at it.
    pub line_no: usize,
    /// The bank's transaction id (of the refund itself, for a refund line where the layout has one).
    pub bank_txn_id: String,
    /// PayHub's attempt reference.
    pub reference: String,
    /// Always non-negative; [`StatementLine::kind`] says which way the money went.
    pub amount: Vnd,
    /// Payment to the merchant, or refund to the citizen.
    pub kind: LineKind,
    /// Whether the money moved.
    pub status: LineStatus,
    /// When the bank booked it.
    pub at: DateTime<FixedOffset>,
    /// The account credited (VCB, BIDV), or for VNPAY the terminal code, which VNPAY settles to
    /// the account registered for that terminal (statements.md "VNPAY").
    pub credited_to: Option<String>,
    /// The bank's fee, when the layout states one.
    pub fee: Option<Vnd>,
    /// For a refund line, the bank transaction id of the payment refunded, when the layout says.
    pub original_txn_id: Option<String>,
    /// For a credit to the account by a transfer (VietQR, vietqr.md §4), the transfer content as
    /// the bank received it; its [`StatementLine::reference`] is empty, because only the hub can
    /// tell which of the content's candidates ([`crate::vietqr::reference_candidates`]) is an
    /// attempt of PayHub's. `None` for gateway payments and refunds.
    pub transfer_content: Option<String>,
}

/// Which way the money of a [`StatementLine`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// From the citizen to the merchant.
    Payment,
    /// Back to the citizen.
    Refund,
}

/// The state a statement gives a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// A payment whose money moved.
    Paid,
    /// A refund whose money moved (or a payment the bank reports as refunded).
    Refunded,
    /// A line that records a failure: no money moved.
    Failed,
    /// A state the layout does not define, kept verbatim: no money is assumed to have moved.
    Other(String),
}

/// Why a statement file was rejected whole (statements.md: "a run never reconciles half a file").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("statement line {line}: {reason}")]
pub struct StatementError {
    /// 1-based line number of the offending line (the header's line for totals it got wrong).
    pub line: usize,
    /// What is wrong with it, for the finance officer.
    pub reason: String,
}

impl StatementError {
    pub(crate) fn new(line: usize, reason: impl Into<String>) -> StatementError {
        StatementError {
            line,
            reason: reason.into(),
        }
    }
}

/// statements.md: "Files are UTF-8". A byte-order mark (spreadsheet exports add one) is dropped.
pub(crate) fn utf8_text(file: &[u8]) -> Result<&str, StatementError> {
    let file = file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file);
    std::str::from_utf8(file).map_err(|e| {
        let line = 1 + file[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        StatementError::new(line, "the file is not UTF-8")
    })
}

/// Parses a whole-đồng amount column, naming the column in the error.
pub(crate) fn parse_vnd(line: usize, column: &str, text: &str) -> Result<Vnd, StatementError> {
    Vnd::parse(text).map_err(|e| StatementError::new(line, format!("{column} {text:?}: {e}")))
}

/// Parses a CSV statement whose first row must be exactly `header`, each following record having
/// exactly its `N` fields, with `parse_line(line number, fields)`, handing each line to `emit` as
/// it is parsed. Any bad line rejects the file (the caller drops what was emitted).
pub(crate) fn each_csv_line<const N: usize>(
    file: &[u8],
    header: &[&str; N],
    parse_line: impl Fn(usize, &[String; N]) -> Result<StatementLine, StatementError>,
    mut emit: impl FnMut(StatementLine),
) -> Result<(), StatementError> {
    let mut reader = Reader::new(utf8_text(file)?);
    let mut fields = Vec::with_capacity(N);
    let Some(first) = reader.next_into(&mut fields)? else {
        return Err(StatementError::new(
            1,
            "the file is empty; a header row is required",
        ));
    };
    if fields != header {
        return Err(StatementError::new(
            first,
            format!("the header must be {}", header.join(",")),
        ));
    }
    while let Some(line) = reader.next_into(&mut fields)? {
        let row: &[String; N] = fields.as_slice().try_into().map_err(|_| {
            StatementError::new(line, format!("expected {N} fields, found {}", fields.len()))
        })?;
        emit(parse_line(line, row)?);
    }
    Ok(())
}

/// [`each_csv_line`], collected.
pub(crate) fn parse_csv_statement<const N: usize>(
    file: &[u8],
    header: &[&str; N],
    parse_line: impl Fn(usize, &[String; N]) -> Result<StatementLine, StatementError>,
) -> Result<Vec<StatementLine>, StatementError> {
    let mut lines = Vec::new();
    each_csv_line(file, header, parse_line, |line| lines.push(line))?;
    Ok(lines)
}

/// Rejects the line when one of its required `(column, value)` pairs is empty.
pub(crate) fn require(line: usize, columns: &[(&str, &str)]) -> Result<(), StatementError> {
    match columns.iter().find(|(_, value)| value.is_empty()) {
        Some((column, _)) => Err(StatementError::new(line, format!("{column} is empty"))),
        None => Ok(()),
    }
}

/// `None` for an empty optional column.
pub(crate) fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_reported_on_its_line() {
        let err = utf8_text(b"a\nb\n\xFFc").unwrap_err();
        assert_eq!(err.line, 3);
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        assert_eq!(utf8_text(b"\xEF\xBB\xBFabc").unwrap(), "abc");
    }
}
