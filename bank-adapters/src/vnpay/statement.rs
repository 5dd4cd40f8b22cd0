//! PayHub's reference layout of VNPAY's daily statement (statements.md "VNPAY"; vnpay.md §4: a
//! contract's real layout replaces this file alone).

use super::wire::amount_from_x100;
use crate::statement::{each_csv_line, non_empty, parse_csv_statement, require};
use crate::{compact_time, BankCode, LineKind, LineStatus, StatementError, StatementLine};

const HEADER: [&str; 9] = [
    "tmn_code",
    "txn_ref",
    "transaction_no",
    "bank_code",
    "amount_x100",
    "pay_date",
    "transaction_type",
    "transaction_status",
    "fee_x100",
];

/// Parses the VNPAY CSV statement. The header row is required. Lines of every status are kept;
/// only status `00` lines are money that moved. `amount_x100` or `fee_x100` that is not a whole
/// number of đồng rejects the file: PayHub never rounds.
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
    let [tmn_code, txn_ref, transaction_no, _bank_code, amount_x100, pay_date, transaction_type, transaction_status, fee_x100] =
        fields;
    let error = |reason: String| StatementError::new(line, reason);
    require(
        line,
        &[
            ("tmn_code", tmn_code),
            ("txn_ref", txn_ref),
            ("transaction_no", transaction_no),
        ],
    )?;
    let kind = match transaction_type.as_str() {
        "01" => LineKind::Payment,
        "02" | "03" => LineKind::Refund,
        other => {
            return Err(error(format!(
                "transaction_type {other:?} is not 01, 02 or 03"
            )))
        }
    };
    let status = match (transaction_status.as_str(), kind) {
        ("00", LineKind::Payment) => LineStatus::Paid,
        ("00", LineKind::Refund) => LineStatus::Refunded,
        ("02", _) => LineStatus::Failed,
        (other, _) => LineStatus::Other(other.to_owned()),
    };
    let fee = match fee_x100.as_str() {
        "" => None,
        fee => Some(amount_from_x100(fee).map_err(|e| error(format!("fee_x100: {e}")))?),
    };
    Ok(StatementLine {
        bank: BankCode::Vnpay,
        line_no: line,
        bank_txn_id: transaction_no.clone(),
        reference: txn_ref.clone(),
        amount: amount_from_x100(amount_x100).map_err(|e| error(format!("amount_x100: {e}")))?,
        kind,
        status,
        at: compact_time::parse(pay_date)
            .ok_or_else(|| error(format!("pay_date {pay_date:?} is not yyyyMMddHHmmss")))?,
        // VNPAY settles a terminal to the account registered for it (statements.md).
        credited_to: non_empty(tmn_code),
        fee,
        // The reference layout names no original transaction for a refund; txn_ref links it.
        original_txn_id: None,
        transfer_content: None,
    })
}
