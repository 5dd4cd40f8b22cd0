//! Applying a verified bank report (a callback, a query answer, a settlement) exactly once: attempt, order, payment row and outbox row in
//! one transaction. "Exactly once" comes from the unique (bank, bank_txn_id) key of `payments`
//! (STYLE rule 4), not from a prior check, so retries and concurrent repeats cannot double it.

use chrono::{DateTime, Utc};

use super::attempts::{attempt_by_reference_tx, transition_attempt};
use super::transitions::{lock_order_of_attempt, record_event, transition_locked_order};
use super::{on_tx, Store, StoreError, Tx};
use crate::domain::attempt::{Attempt, BankReport, PaymentKind, Reported};
use crate::domain::state::{
    AttemptEvent, AttemptStatus, AttemptTransition, OrderEvent, OrderStatus, OrderTransition,
};

/// What applying a callback did. Each bank's reply code is chosen from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The first success of the order: it is paid now (flagged if it had expired or been cancelled).
    Paid,
    /// A failure or cancellation, recorded on the attempt.
    FailureRecorded,
    /// This result was already recorded: nothing changed.
    Repeat,
    /// Money for an order another transaction had already paid: recorded, to be refunded.
    /// `attempt_was_final` tells VNPAY's "already confirmed" from a new attempt's payment.
    DuplicatePayment { attempt_was_final: bool },
    /// Money whose amount or currency differs from the attempt's: recorded, to be refunded.
    AmountMismatch,
    /// Not a final result (the bank is still processing): nothing changed.
    NotFinal,
    /// No attempt has this reference at this bank: nothing changed.
    UnknownReference,
}

impl Store {
    /// Applies a bank's report (a query answer, a recovered payment) in one transaction.
    pub async fn apply_report(
        &self,
        report: &BankReport,
        now: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let mut tx = self.begin().await?;
        let applied = apply_report_in(&mut tx, report, now).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Applies a callback a bank sent and writes its inbound-ledger row, built by `ledger` from
    /// what was applied, in the same transaction: one commit per callback, and no applied
    /// callback without its row. On an error nothing is written and the caller ledgers it alone.
    pub async fn apply_callback_ledgered<'a>(
        &self,
        report: &BankReport,
        now: DateTime<Utc>,
        ledger: impl FnOnce(Applied) -> InboundCallback<'a>,
    ) -> Result<InboundCallback<'a>, StoreError> {
        let mut tx = self.begin().await?;
        let applied = apply_report_in(&mut tx, report, now).await?;
        let row = ledger(applied);
        insert_inbound(&mut tx, &row, now).await?;
        tx.commit().await?;
        Ok(row)
    }
}

/// `apply_report` inside a transaction the caller commits, for operations that must apply a
/// result together with other writes (an admin's settlement and its audit row).
pub(crate) async fn apply_report_in(
    tx: &mut Tx,
    report: &BankReport,
    now: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    // The order's lock first, then the attempt read under it: a concurrent repeat of this
    // callback waits here and then reads what the first one wrote.
    let Some(order_status) = lock_order_of_attempt(tx, &report.reference).await? else {
        return Ok(Applied::UnknownReference);
    };
    let attempt = attempt_by_reference_tx(tx, &report.reference)
        .await?
        .ok_or(StoreError::NotFound)?;
    if !report.is_about(&attempt) {
        return Ok(Applied::UnknownReference);
    }
    Ok(match &report.outcome {
        Reported::Paid => apply_success(tx, report, &attempt, order_status, now).await?,
        Reported::Failed { code } => apply_failure(tx, &attempt, code, now).await?,
        Reported::Cancelled => apply_failure(tx, &attempt, "cancelled", now).await?,
        Reported::NotFinal(_) => Applied::NotFinal,
    })
}

async fn apply_failure(
    tx: &mut Tx,
    attempt: &Attempt,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    Ok(
        match transition_attempt(tx, attempt, AttemptEvent::Failed, Some(code), now).await? {
            AttemptTransition::To(_) => Applied::FailureRecorded,
            AttemptTransition::AlreadyFinal | AttemptTransition::Refused => Applied::Repeat,
        },
    )
}

async fn apply_success(
    tx: &mut Tx,
    cb: &BankReport,
    attempt: &Attempt,
    order_status: OrderStatus,
    now: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    let Some(txn_id) = cb.bank_txn_id.as_deref().filter(|t| !t.is_empty()) else {
        return Err(StoreError::Corrupt(
            "a success without a bank transaction id".into(),
        ));
    };
    if cb.amount.is_zero() {
        // A "success" that moved no money: nothing to record or refund (payments hold positive
        // amounts); the bank is told the amount is wrong.
        return Ok(Applied::AmountMismatch);
    }
    let kind = if !cb.currency_is_vnd || cb.amount != attempt.amount {
        PaymentKind::AmountMismatch
    } else if order_status.is_paid() {
        PaymentKind::Duplicate
    } else {
        PaymentKind::Payment
    };
    let paid_at = cb.paid_at.unwrap_or(now);
    if !insert_payment(tx, cb, attempt, txn_id, kind, paid_at, now).await? {
        return Ok(Applied::Repeat);
    }
    let success = Success {
        report: cb,
        attempt,
        txn_id,
        order_status,
        actor: format!("bank:{}", cb.bank),
        now,
    };
    match kind {
        PaymentKind::AmountMismatch => success.amount_mismatch(tx).await,
        PaymentKind::Duplicate => success.duplicate(tx).await,
        PaymentKind::Payment => success.payment(tx, paid_at).await,
    }
}

/// A success whose payment row was just written, and what it does to attempt and order.
struct Success<'a> {
    report: &'a BankReport,
    attempt: &'a Attempt,
    txn_id: &'a str,
    order_status: OrderStatus,
    actor: String,
    now: DateTime<Utc>,
}

impl Success<'_> {
    /// Whether the attempt had its result before: VNPAY's "already confirmed" tells it apart.
    fn attempt_was_final(&self) -> bool {
        matches!(
            self.attempt.status,
            AttemptStatus::Succeeded | AttemptStatus::Failed
        )
    }

    async fn event(&self, tx: &mut Tx, event: &str, detail: &str) -> Result<(), StoreError> {
        let (order_id, status) = (&self.attempt.order_id, self.order_status);
        record_event(
            tx,
            order_id,
            event,
            Some(status),
            status,
            &self.actor,
            self.now,
            Some(detail),
        )
        .await
    }

    /// Money of another amount or currency: recorded for refund, the attempt and order unmoved.
    async fn amount_mismatch(&self, tx: &mut Tx) -> Result<Applied, StoreError> {
        let detail = format!(
            "{}: {} đồng against {}",
            self.txn_id, self.report.amount, self.attempt.amount
        );
        self.event(tx, "amount_mismatch", &detail).await?;
        Ok(Applied::AmountMismatch)
    }

    /// Money for an order already paid: the attempt succeeded, the money is to be refunded.
    async fn duplicate(&self, tx: &mut Tx) -> Result<Applied, StoreError> {
        let was_final = self.attempt_was_final();
        transition_attempt(
            tx,
            self.attempt,
            AttemptEvent::Succeeded,
            Some("00"),
            self.now,
        )
        .await?;
        self.event(tx, "duplicate_payment", self.txn_id).await?;
        Ok(Applied::DuplicatePayment {
            attempt_was_final: was_final,
        })
    }

    /// The order's payment: attempt and order move, the outbox row is written.
    async fn payment(&self, tx: &mut Tx, paid_at: DateTime<Utc>) -> Result<Applied, StoreError> {
        let was_final = self.attempt_was_final();
        let (attempt, now) = (self.attempt, self.now);
        transition_attempt(tx, attempt, AttemptEvent::Succeeded, Some("00"), now).await?;
        let event = OrderEvent::PaymentSucceeded;
        let order_id = &attempt.order_id;
        match transition_locked_order(tx, order_id, self.order_status, event, &self.actor, now)
            .await?
        {
            OrderTransition::To(_) | OrderTransition::ToFlagged(..) => {
                on_tx!(tx, |c| sqlx::query(
                    "update orders set paid_at = $2 where id = $1"
                )
                .bind(order_id)
                .bind(paid_at)
                .execute(c)
                .await
                .map(|r| r.rows_affected())?);
                Ok(Applied::Paid)
            }
            // Unreachable while the order's lock is held (the kind was chosen from its status),
            // but the state machine has the last word: record the money as a duplicate rather
            // than lose it.
            OrderTransition::DuplicatePayment | OrderTransition::Refused => {
                on_tx!(tx, |c| sqlx::query(
                    "update payments set kind = 'duplicate' where bank = $1 and bank_txn_id = $2"
                )
                .bind(self.report.bank.as_str())
                .bind(self.txn_id)
                .execute(c)
                .await
                .map(|r| r.rows_affected())?);
                Ok(Applied::DuplicatePayment {
                    attempt_was_final: was_final,
                })
            }
        }
    }
}

/// Inserts the payment row; `false` when this (bank, transaction) is already recorded.
async fn insert_payment(
    tx: &mut Tx,
    cb: &BankReport,
    attempt: &Attempt,
    txn_id: &str,
    kind: PaymentKind,
    paid_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = on_tx!(tx, |c| sqlx::query(
        "insert into payments (order_id, attempt_id, bank, bank_txn_id, amount_vnd, kind,
           credit_account, paid_at, recorded_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (bank, bank_txn_id) do nothing"
    )
    .bind(&attempt.order_id)
    .bind(attempt.id)
    .bind(cb.bank.as_str())
    .bind(txn_id)
    .bind(cb.amount.dong())
    .bind(kind.as_str())
    .bind(cb.credit_account.as_deref())
    .bind(paid_at)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())?);
    Ok(inserted == 1)
}

/// One row of the inbound ledger: a callback as received, what we decided and what we replied.
pub struct InboundCallback<'a> {
    pub bank: &'a str,
    pub endpoint: &'a str,
    pub raw_query: Option<&'a str>,
    pub raw_headers: String,
    pub raw_body: &'a [u8],
    pub reference: Option<&'a str>,
    pub verdict: String,
    pub reply_status: u16,
    pub reply_body: String,
}

impl Store {
    /// Writes a ledger row on its own: a callback refused before applying, or one whose apply
    /// failed (see [`Store::apply_callback_ledgered`] for the others).
    pub async fn record_inbound(
        &self,
        c: &InboundCallback<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        insert_inbound(&mut tx, c, now).await?;
        tx.commit().await
    }
}

pub(super) async fn insert_inbound(
    tx: &mut Tx,
    c: &InboundCallback<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let body = String::from_utf8_lossy(c.raw_body);
    on_tx!(tx, |conn| sqlx::query(
        "insert into inbound_callbacks (bank, endpoint, received_at, raw_query, raw_headers,
           raw_body, reference, verdict, reply_status, reply_body)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(c.bank)
    .bind(c.endpoint)
    .bind(now)
    .bind(c.raw_query.map(storable))
    .bind(storable(&c.raw_headers))
    .bind(storable(&body))
    .bind(c.reference.map(storable))
    .bind(storable(&c.verdict))
    .bind(i32::from(c.reply_status))
    .bind(storable(&c.reply_body))
    .execute(conn)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// The ledger keeps what arrived, whatever it holds; PostgreSQL refuses NUL in text, so a NUL is
/// kept as the six characters `\u0000` (on both backends, so the ledger reads the same).
fn storable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        std::borrow::Cow::Owned(text.replace('\0', "\\u0000"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_is_stored_as_its_escape_and_other_text_as_it_is() {
        assert_eq!(storable("ref\u{0}1"), "ref\\u00001");
        assert!(matches!(
            storable("vnp_TxnRef=A1"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
