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

/// The header of a statement that includes account credits (statements.md "VCB"): the nine
/// columns and `description`, the transfer content.
const HEADER_WITH_CREDITS: [&str; 10] = [
    "bank_txn_id",
    "payment_id",
    "order_ref",
    "amount",
    "currency",
    "status",
    "paid_at",
    "credit_account_no",
    "fee",
    "description",
];

/// Whether the file's header is the ten-column one (a BOM before it allowed).
fn has_credits(file: &[u8]) -> bool {
    let file = file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file);
    let first = file.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    first == HEADER_WITH_CREDITS.join(",").as_bytes()
}

/// Parses the VCB CSV statement, of nine columns or of ten with the transfers' `description`. A `REFUNDED` line has a negative amount and names the refunded
/// payment's `bank_txn_id` in `payment_id`; it becomes a [`LineKind::Refund`] with a positive
/// amount and that id in `original_txn_id`. A sign that contradicts the status, a malformed
/// amount or a currency other than VND rejects the file.
pub fn parse_statement(file: &[u8]) -> Result<Vec<StatementLine>, StatementError> {
    if has_credits(file) {
        return parse_csv_statement(file, &HEADER_WITH_CREDITS, parse_credit_line);
    }
    parse_csv_statement(file, &HEADER, parse_line)
}

/// [`parse_statement`], each line handed to `emit` as it is parsed.
pub fn each_statement_line(
    file: &[u8],
    emit: impl FnMut(StatementLine),
) -> Result<(), StatementError> {
    if has_credits(file) {
        return each_csv_line(file, &HEADER_WITH_CREDITS, parse_credit_line, emit);
    }
    each_csv_line(file, &HEADER, parse_line, emit)
}

/// A line of the ten-column layout. A transfer has `payment_id` and `order_ref` empty, status
/// `SUCCESS` and its content in `description`; a gateway line leaves `description` empty and
/// reads as in the nine-column layout.
fn parse_credit_line(line: usize, fields: &[String; 10]) -> Result<StatementLine, StatementError> {
    let [bank_txn_id, payment_id, order_ref, amount, currency, status, paid_at, credit_account_no, fee, description] =
        fields;
    if !(payment_id.is_empty() && order_ref.is_empty()) {
        let nine = [
            bank_txn_id,
            payment_id,
            order_ref,
            amount,
            currency,
            status,
            paid_at,
            credit_account_no,
            fee,
        ]
        .map(Clone::clone);
        return parse_line(line, &nine);
    }
    let error = |reason: String| StatementError::new(line, reason);
    require(
        line,
        &[
            ("bank_txn_id", bank_txn_id),
            ("credit_account_no", credit_account_no),
        ],
    )?;
    if currency != "VND" {
        return Err(error(format!("currency {currency:?} is not VND")));
    }
    if status != "SUCCESS" {
        return Err(error(format!(
            "a transfer line has status {status:?}, not SUCCESS"
        )));
    }
    let fee = match fee.as_str() {
        "" => None,
        fee => Some(parse_vnd(line, "fee", fee)?),
    };
    Ok(StatementLine {
        bank: BankCode::Vcb,
        line_no: line,
        bank_txn_id: bank_txn_id.clone(),
        reference: String::new(),
        amount: parse_vnd(line, "amount", amount)?,
        kind: LineKind::Payment,
        status: LineStatus::Paid,
        at: DateTime::parse_from_rfc3339(paid_at)
            .map_err(|e| error(format!("paid_at {paid_at:?}: {e}")))?,
        credited_to: Some(credit_account_no.clone()),
        fee,
        original_txn_id: None,
        transfer_content: Some(description.clone()),
    })
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
        transfer_content: None,
    })
}
