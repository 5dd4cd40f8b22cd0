//! From the adapters' statement lines and the store's rows to the engine's input.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reconciliation::{
    AccountHistory, AccountSetting, BusinessDay, FeeKind, FeeKinds, LineKind, LineStatus, Record,
    RecordKind, RecordStatus, SettingKind, StatementLine,
};

use crate::clock::vietnam;
use crate::domain::attempt::PaymentKind;
use crate::domain::refund::RefundState;
use crate::domain::state::AttemptStatus;
use crate::store::reconciliation::{AccountRow, AttemptRecordRow, RecordRow, RefundRecordRow};
use crate::store::rows::{parse_col, vnd};
use crate::store::StoreError;

/// The adapters already normalise each bank's layout (VCB's negative refunds made positive with
/// `original_txn_id`, VNPAY types 02/03 as refunds with the terminal in `credited_to`, BIDV
/// `REFUNDED` as refunded); this only changes representation, moving the ids, not copying them.
pub fn engine_line(line: bank_adapters::StatementLine) -> StatementLine {
    StatementLine {
        line_no: u32::try_from(line.line_no).unwrap_or(u32::MAX),
        bank_txn_id: line.bank_txn_id,
        reference: line.reference,
        amount: line.amount,
        kind: match line.kind {
            bank_adapters::LineKind::Payment => LineKind::Payment,
            bank_adapters::LineKind::Refund => LineKind::Refund,
        },
        status: match line.status {
            bank_adapters::LineStatus::Paid => LineStatus::Paid,
            bank_adapters::LineStatus::Refunded => LineStatus::Refunded,
            bank_adapters::LineStatus::Failed => LineStatus::Failed,
            bank_adapters::LineStatus::Other(_) => LineStatus::Other,
        },
        at: line.at.timestamp(),
        credited_to: line.credited_to,
        original_txn_id: line.original_txn_id,
    }
}

/// The engine's business day of a calendar date.
pub fn business_day(date: NaiveDate) -> BusinessDay {
    use chrono::Datelike;
    BusinessDay::from_date(date.year(), date.month(), date.day())
        .expect("a chrono date is a Gregorian date")
}

/// 00:00 GMT+7 of `date`, as an instant.
pub fn day_start(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    vietnam()
        .from_local_datetime(&midnight)
        .single()
        .expect("GMT+7 has no gaps")
        .with_timezone(&Utc)
}

/// The records a run reads: the day before, the day, and the day after (lib.rs of the engine:
/// "so lines that crossed midnight still find their record").
pub fn record_window(date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let day = chrono::Duration::days(1);
    (day_start(date) - day, day_start(date) + day + day)
}

/// PayHub's record of one row of the store: one per payment row (money PayHub saw move), one per
/// attempt without one (pending or failed: a paid line against a pending one is a lost
/// callback), one per refund.
pub fn engine_record(row: RecordRow<'_>) -> Result<Record, StoreError> {
    match row {
        RecordRow::Attempt(row) => attempt_record(&row),
        RecordRow::Refund(row) => refund_record(&row),
    }
}

/// `orders.item_kinds` (bit 1 fee, bit 2 charge, bit 4 service) as the engine's set.
fn fee_kinds(mask: i32) -> FeeKinds {
    [
        (1, FeeKind::Fee),
        (2, FeeKind::Charge),
        (4, FeeKind::Service),
    ]
    .into_iter()
    .filter(|&(bit, _)| mask & bit != 0)
    .fold(FeeKinds::NONE, |set, (_, kind)| set.with(kind))
}

fn fee_kind(text: &str) -> Option<FeeKind> {
    match text {
        "fee" => Some(FeeKind::Fee),
        "charge" => Some(FeeKind::Charge),
        "service" => Some(FeeKind::Service),
        _ => None,
    }
}

fn attempt_record(row: &AttemptRecordRow<'_>) -> Result<Record, StoreError> {
    let (payment_id, amount, status, at) = match (row.payment_id, row.payment_kind) {
        (Some(id), Some(kind)) => {
            let paid = vnd(row.paid_vnd.unwrap_or_default())?;
            let refunded = vnd(row.refunded_vnd.unwrap_or_default())?;
            // An amount_mismatch payment keeps the attempt's amount: what PayHub asked for is
            // PayHub's side of the difference.
            let kind = parse_col("payments.kind", kind, PaymentKind::parse)?;
            let amount = match kind {
                PaymentKind::AmountMismatch => vnd(row.attempt_amount_vnd)?,
                PaymentKind::Payment | PaymentKind::Duplicate => paid,
            };
            let status = payment_status(kind, paid, refunded);
            (
                format!("p{id}"),
                amount,
                status,
                row.paid_at.unwrap_or(row.created_at),
            )
        }
        _ => {
            let status = parse_col(
                "payment_attempts.status",
                row.attempt_status,
                AttemptStatus::parse,
            )?;
            let status = match status {
                AttemptStatus::Failed => RecordStatus::Failed,
                // `succeeded` without a payment row cannot happen (both are written together);
                // counted as pending so a line for it reads as a lost callback, not as matched.
                AttemptStatus::Created
                | AttemptStatus::Redirected
                | AttemptStatus::Unknown
                | AttemptStatus::Succeeded => RecordStatus::Pending,
            };
            let amount = vnd(row.attempt_amount_vnd)?;
            (
                format!("a{}", row.attempt_id),
                amount,
                status,
                row.created_at,
            )
        }
    };
    Ok(Record {
        payment_id,
        order_id: row.order_id.to_owned(),
        agency_code: row.agency_code.to_owned(),
        procedure_code: Some(row.procedure_code.to_owned()),
        fee_kinds: fee_kinds(row.item_kinds),
        reference: row.reference.to_owned(),
        bank_txn_id: row.bank_txn_id.map(str::to_owned),
        amount,
        kind: RecordKind::Payment,
        status,
        paid_at: at,
    })
}

fn payment_status(
    kind: PaymentKind,
    paid: payhub_money::Vnd,
    refunded: payhub_money::Vnd,
) -> RecordStatus {
    match kind {
        PaymentKind::Duplicate => RecordStatus::Duplicate,
        PaymentKind::AmountMismatch => RecordStatus::Paid,
        PaymentKind::Payment if refunded == payhub_money::Vnd::ZERO => RecordStatus::Paid,
        PaymentKind::Payment if refunded >= paid => RecordStatus::Refunded,
        PaymentKind::Payment => RecordStatus::PartiallyRefunded,
    }
}

fn refund_record(row: &RefundRecordRow<'_>) -> Result<Record, StoreError> {
    let status = match parse_col("refunds.status", row.status, RefundState::parse)? {
        RefundState::Succeeded => RecordStatus::Refunded,
        RefundState::Pending => RecordStatus::Pending,
        RefundState::Failed => RecordStatus::Failed,
    };
    Ok(Record {
        payment_id: format!("r{}", row.refund_id),
        order_id: row.order_id.to_owned(),
        agency_code: row.agency_code.to_owned(),
        procedure_code: Some(row.procedure_code.to_owned()),
        fee_kinds: fee_kinds(row.item_kinds),
        reference: row.reference.to_owned(),
        bank_txn_id: row.bank_refund_id.map(str::to_owned),
        amount: vnd(row.amount_vnd)?,
        kind: RecordKind::Refund,
        status,
        paid_at: row.updated_at,
    })
}

/// The bank's beneficiary settings with their history (VNPAY's by terminal code).
pub fn account_history(rows: &[AccountRow]) -> Result<AccountHistory, StoreError> {
    let settings = rows
        .iter()
        .map(|row| {
            Ok(AccountSetting {
                agency_code: row.agency_code.clone(),
                fee_kind: parse_col("beneficiary_accounts.fee_kind", &row.fee_kind, setting_kind)?,
                procedure_code: row.procedure_code.clone(),
                account: row.account.clone(),
                effective_from: row.effective_from.timestamp(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(AccountHistory::new(settings))
}

fn setting_kind(text: &str) -> Option<SettingKind> {
    match text {
        "any" => Some(SettingKind::Any),
        other => fee_kind(other).map(SettingKind::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_three_business_days_in_vietnam() {
        let date = NaiveDate::from_ymd_opt(2026, 5, 30).unwrap();
        let (from, to) = record_window(date);
        assert_eq!(from.to_rfc3339(), "2026-05-28T17:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-05-31T17:00:00+00:00");
        assert_eq!(day_start(date).timestamp(), business_day(date).start());
    }

    #[test]
    fn a_refunded_payment_row_reads_as_refunded_in_full_or_in_part() {
        let v = |d| payhub_money::Vnd::from_dong(d).unwrap();
        let payment = PaymentKind::Payment;
        assert_eq!(payment_status(payment, v(100), v(0)), RecordStatus::Paid);
        assert_eq!(
            payment_status(payment, v(100), v(40)),
            RecordStatus::PartiallyRefunded
        );
        assert_eq!(
            payment_status(payment, v(100), v(100)),
            RecordStatus::Refunded
        );
        assert_eq!(
            payment_status(PaymentKind::Duplicate, v(100), v(0)),
            RecordStatus::Duplicate
        );
        assert_eq!(PaymentKind::parse("gift"), None);
    }
}
