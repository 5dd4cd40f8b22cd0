//! VCB's daily statement, CSV (statements.md "VCB").

use chrono::DateTime;

use crate::statement::{each_csv_line, non_empty, parse_csv_statement, parse_vnd, require};
use crate::{BankCode, LineKind, LineStatus, StatementError, StatementLine};

const HEADER: [&str; 9] = [
    "bank_txn_id",
    "payment_id",
    "order_ref",
    "amount",
    "currency",
    "status",
    "paid_at",
    "credit_account_no",
    "fee",
];

/// Parses the VCB CSV statement. A `REFUNDED` line has a negative amount and names the refunded
/// payment's `bank_txn_id` in `payment_id`; it becomes a [`LineKind::Refund`] with a positive
/// amount and that id in `original_txn_id`. A sign that contradicts the status, a malformed
/// amount or a currency other than VND rejects the file.
pub fn parse_statement(file: &[u8]) -> Result<Vec<StatementLine>, StatementError> {
    parse_csv_statement(file, &HEADER, parse_line)
}

/// [`parse_statement`], each line handed to `emit` as it is parsed.
pub fn each_statement_line(
    file: &[u8],
    emit: impl FnMut(StatementLine),
) -> Result<(), StatementError> {
    each_csv_line(file, &HEADER, parse_line, emit)
}

fn parse_line(line: usize, fields: &[String; 9]) -> Result<StatementLine, StatementError> {
    let [bank_txn_id, payment_id, order_ref, amount, currency, status, paid_at, credit_account_no, fee] =
        fields;
    let error = |reason: String| StatementError::new(line, reason);
    require(
        line,
        &[
            ("bank_txn_id", bank_txn_id),
            ("payment_id", payment_id),
            ("order_ref", order_ref),
        ],
    )?;
    if currency != "VND" {
        return Err(error(format!("currency {currency:?} is not VND")));
    }
    let negative = amount.strip_prefix('-');
    let (kind, status, magnitude, original_txn_id) = match (status.as_str(), negative) {
        ("SUCCESS", None) => (LineKind::Payment, LineStatus::Paid, amount.as_str(), None),
        ("REFUNDED", Some(magnitude)) => (
            LineKind::Refund,
            LineStatus::Refunded,
            magnitude,
            Some(payment_id.clone()),
        ),
        ("SUCCESS", Some(_)) => {
            return Err(error(format!(
                "a SUCCESS line has a negative amount {amount:?}"
            )))
        }
        ("REFUNDED", None) => {
            return Err(error(format!(
                "a REFUNDED line has a non-negative amount {amount:?}"
            )))
        }
        // A state the layout does not define: kept for staff, its sign still says which way.
        (other, None) => (
            LineKind::Payment,
            LineStatus::Other(other.to_owned()),
            amount.as_str(),
            None,
        ),
        (other, Some(magnitude)) => (
            LineKind::Refund,
            LineStatus::Other(other.to_owned()),
            magnitude,
            None,
        ),
    };
    let fee = match fee.as_str() {
        "" => None,
        fee => Some(parse_vnd(line, "fee", fee)?),
    };
    Ok(StatementLine {
        bank: BankCode::Vcb,
        line_no: line,
        bank_txn_id: bank_txn_id.clone(),
        reference: order_ref.clone(),
        amount: parse_vnd(line, "amount", magnitude)?,
        kind,
        status,
        at: DateTime::parse_from_rfc3339(paid_at)
            .map_err(|e| error(format!("paid_at {paid_at:?}: {e}")))?,
        credited_to: non_empty(credit_account_no),
        fee,
        original_txn_id,
    })
}
