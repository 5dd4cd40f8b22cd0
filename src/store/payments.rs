//! Applying a verified bank callback exactly once: attempt, order, payment row and outbox row in
//! one transaction. "Exactly once" comes from the unique (bank, bank_txn_id) key of `payments`
//! (STYLE rule 4), not from a prior check, so retries and concurrent repeats cannot double it.

use bank_adapters::{BankCode, Callback, TxnStatus};
use chrono::{DateTime, Utc};

use super::attempts::{attempt_by_reference_tx, transition_attempt, Attempt};
use super::transitions::{lock_order_of_attempt, record_event, transition_locked_order};
use super::{on_tx, Store, StoreError, Tx};
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

/// Why a payment row was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PaymentKind {
    Payment,
    Duplicate,
    AmountMismatch,
}

impl PaymentKind {
    fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Payment => "payment",
            PaymentKind::Duplicate => "duplicate",
            PaymentKind::AmountMismatch => "amount_mismatch",
        }
    }
}

impl Store {
    /// Applies a verified callback (or a querydr/query answer) in one transaction.
    pub async fn apply_callback(
        &self,
        cb: &Callback,
        now: DateTime<Utc>,
        public_url: &str,
    ) -> Result<Applied, StoreError> {
        let mut tx = self.begin().await?;
        let applied = apply_callback_in(&mut tx, cb, now, public_url).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Applies a callback a bank sent and writes its inbound-ledger row, built by `ledger` from
    /// what was applied, in the same transaction: one commit per callback, and no applied
    /// callback without its row. On an error nothing is written and the caller ledgers it alone.
    pub async fn apply_callback_ledgered<'a>(
        &self,
        cb: &Callback,
        now: DateTime<Utc>,
        public_url: &str,
        ledger: impl FnOnce(Applied) -> InboundCallback<'a>,
    ) -> Result<InboundCallback<'a>, StoreError> {
        let mut tx = self.begin().await?;
        let applied = apply_callback_in(&mut tx, cb, now, public_url).await?;
        let row = ledger(applied);
        insert_inbound(&mut tx, &row, now).await?;
        tx.commit().await?;
        Ok(row)
    }
}

/// `apply_callback` inside a transaction the caller commits, for operations that must apply a
/// result together with other writes (an admin's settlement and its audit row).
pub(crate) async fn apply_callback_in(
    tx: &mut Tx,
    cb: &Callback,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<Applied, StoreError> {
    // The order's lock first, then the attempt read under it: a concurrent repeat of this
    // callback waits here and then reads what the first one wrote.
    let Some(order_status) = lock_order_of_attempt(tx, &cb.reference).await? else {
        return Ok(Applied::UnknownReference);
    };
    let attempt = attempt_by_reference_tx(tx, &cb.reference)
        .await?
        .ok_or(StoreError::NotFound)?;
    if !is_addressed_to(&attempt, cb) {
        return Ok(Applied::UnknownReference);
    }
    Ok(match &cb.status {
        TxnStatus::Paid => apply_success(tx, cb, &attempt, order_status, now, public_url).await?,
        TxnStatus::Failed { code } => apply_failure(tx, &attempt, code, now).await?,
        TxnStatus::Cancelled => apply_failure(tx, &attempt, "cancelled", now).await?,
        TxnStatus::Pending | TxnStatus::Refunded | TxnStatus::Unknown(_) => Applied::NotFinal,
    })
}

/// Whether `cb` speaks of this attempt: the same bank and, for VNPAY, the attempt's own terminal
/// (api.md: a reference of another terminal is unknown to this one, `01`).
fn is_addressed_to(attempt: &Attempt, cb: &Callback) -> bool {
    attempt.bank == cb.bank
        && (cb.bank != BankCode::Vnpay || attempt.terminal_code.as_deref() == Some(&*cb.merchant))
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
    cb: &Callback,
    attempt: &Attempt,
    order_status: OrderStatus,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<Applied, StoreError> {
    let Some(txn_id) = cb.bank_txn_id.as_deref().filter(|t| !t.is_empty()) else {
        return Err(StoreError::Corrupt(
            "a success without a bank transaction id".into(),
        ));
    };
    let kind = if !cb.currency_is_vnd || cb.amount != attempt.amount {
        PaymentKind::AmountMismatch
    } else if order_status.is_paid() {
        PaymentKind::Duplicate
    } else {
        PaymentKind::Payment
    };
    let paid_at = cb.paid_at.map(|t| t.with_timezone(&Utc)).unwrap_or(now);
    if !insert_payment(tx, cb, attempt, txn_id, kind, paid_at, now).await? {
        return Ok(Applied::Repeat);
    }
    let was_final = matches!(
        attempt.status,
        AttemptStatus::Succeeded | AttemptStatus::Failed
    );
    let actor = format!("bank:{}", cb.bank);
    match kind {
        PaymentKind::AmountMismatch => {
            let detail = format!("{txn_id}: {} đồng against {}", cb.amount, attempt.amount);
            record_event(
                tx,
                &attempt.order_id,
                "amount_mismatch",
                Some(order_status),
                order_status,
                &actor,
                now,
                Some(&detail),
            )
            .await?;
            return Ok(Applied::AmountMismatch);
        }
        PaymentKind::Duplicate => {
            transition_attempt(tx, attempt, AttemptEvent::Succeeded, Some("00"), now).await?;
            record_event(
                tx,
                &attempt.order_id,
                "duplicate_payment",
                Some(order_status),
                order_status,
                &actor,
                now,
                Some(txn_id),
            )
            .await?;
            return Ok(Applied::DuplicatePayment {
                attempt_was_final: was_final,
            });
        }
        PaymentKind::Payment => {}
    }
    transition_attempt(tx, attempt, AttemptEvent::Succeeded, Some("00"), now).await?;
    match transition_locked_order(
        tx,
        &attempt.order_id,
        order_status,
        OrderEvent::PaymentSucceeded,
        &actor,
        now,
        public_url,
    )
    .await?
    {
        OrderTransition::To(_) | OrderTransition::ToFlagged(..) => {
            on_tx!(tx, |c| sqlx::query(
                "update orders set paid_at = $2 where id = $1"
            )
            .bind(&attempt.order_id)
            .bind(paid_at)
            .execute(c)
            .await
            .map(|r| r.rows_affected())?);
            Ok(Applied::Paid)
        }
        // Unreachable while the order's lock is held (kind was chosen from its status), but the
        // state machine has the last word: record the money as a duplicate rather than lose it.
        OrderTransition::DuplicatePayment | OrderTransition::Refused => {
            on_tx!(tx, |c| sqlx::query(
                "update payments set kind = 'duplicate' where bank = $1 and bank_txn_id = $2"
            )
            .bind(cb.bank.as_str())
            .bind(txn_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())?);
            Ok(Applied::DuplicatePayment {
                attempt_was_final: was_final,
            })
        }
    }
}

/// Inserts the payment row; `false` when this (bank, transaction) is already recorded.
async fn insert_payment(
    tx: &mut Tx,
    cb: &Callback,
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

async fn insert_inbound(
    tx: &mut Tx,
    c: &InboundCallback<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    on_tx!(tx, |conn| sqlx::query(
        "insert into inbound_callbacks (bank, endpoint, received_at, raw_query, raw_headers,
           raw_body, reference, verdict, reply_status, reply_body)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(c.bank)
    .bind(c.endpoint)
    .bind(now)
    .bind(c.raw_query)
    .bind(&c.raw_headers)
    .bind(String::from_utf8_lossy(c.raw_body).into_owned())
    .bind(c.reference)
    .bind(&c.verdict)
    .bind(i32::from(c.reply_status))
    .bind(&c.reply_body)
    .execute(conn)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}
