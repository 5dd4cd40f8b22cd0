//! Refunds: money given back against one payment row (the order's payment, or a duplicate or
//! amount-mismatch payment to return).
//!
//! Two transactions around the bank call, so no lock is held while the bank answers:
//! `begin_refund` claims the `Idempotency-Key` (STYLE rule 4), checks the amount against what is
//! left of the payment (refunded plus refunds still pending) and writes the refund `pending`, just
//! before the call; `finish_refund` sets it from the bank's answer and, on success, moves the
//! money columns and the order (through `transition_order`, which writes the outbox row).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::audit::{append_audit, Change};
use super::orders::StoredReply;
use super::pending_sync::attempt_by_id_tx;
use super::rows::{parse_col, vnd};
use super::transitions::{lock_order, record_event, transition_order};
use super::{on_tx, with_pool, Store, StoreError, Tx};
use crate::domain::attempt::{Attempt, PaymentKind};
pub use crate::domain::refund::{PendingRefund, RefundOutcome, RefundedPayment};
use crate::domain::refund::{Refund, RefundState};
use crate::domain::state::OrderEvent;
use crate::domain::Vnd;

#[derive(sqlx::FromRow)]
struct RefundRow {
    id: i64,
    order_id: String,
    payment_id: i64,
    refund_ref: String,
    amount_vnd: i64,
    reason: String,
    status: String,
    bank_refund_id: Option<String>,
    failure_reason: Option<String>,
    requested_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl RefundRow {
    fn into_domain(self) -> Result<Refund, StoreError> {
        Ok(Refund {
            amount: vnd(self.amount_vnd)?,
            status: parse_col("refunds.status", &self.status, RefundState::parse)?,
            id: self.id,
            order_id: self.order_id,
            payment_id: self.payment_id,
            refund_ref: self.refund_ref,
            reason: self.reason,
            bank_refund_id: self.bank_refund_id,
            failure_reason: self.failure_reason,
            requested_by: self.requested_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const REFUND_COLUMNS: &str = "id, order_id, payment_id, refund_ref, amount_vnd, reason, status, \
    bank_refund_id, failure_reason, requested_by, created_at, updated_at";

/// What finance asks for.
pub struct NewRefund<'a> {
    pub order_id: &'a str,
    pub payment_id: Option<i64>,
    pub amount: Vnd,
    pub reason: &'a str,
    pub actor: &'a str,
    pub key_id: i64,
    pub idempotency_key: &'a str,
    pub fingerprint: &'a str,
    pub refund_ref: &'a str,
}

pub enum RefundStart {
    /// The same key and request were answered before: the first reply.
    Replay(StoredReply),
    Started(Box<PendingRefund>),
}

#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyMismatch,
    #[error("a request with this Idempotency-Key is still being processed")]
    InProgress,
    #[error("the order has no payment to refund")]
    NoPayment,
    #[error("payment {0} is not a payment of this order")]
    UnknownPayment(i64),
    #[error("the amount is more than the {0} đồng left to refund of this payment")]
    AboveRemainder(Vnd),
    #[error("{0} is not configured: PayHub cannot ask it to refund")]
    BankNotConfigured(crate::domain::bank::BankCode),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RefundError {
    fn from(e: sqlx::Error) -> Self {
        RefundError::Store(e.into())
    }
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    id: i64,
    attempt_id: i64,
    bank_txn_id: String,
    amount_vnd: i64,
    refunded_vnd: i64,
    kind: String,
}

/// Claims the key; `Some(reply)` when it was claimed before.
async fn claim_key(
    tx: &mut Tx,
    new: &NewRefund<'_>,
    now: DateTime<Utc>,
) -> Result<Option<StoredReply>, RefundError> {
    let claimed = on_tx!(tx, |c| sqlx::query(
        "insert into idempotency_keys (api_key_id, idempotency_key, request_fingerprint,
           response_status, response_body, created_at)
         values ($1, $2, $3, 0, '', $4) on conflict do nothing"
    )
    .bind(new.key_id)
    .bind(new.idempotency_key)
    .bind(new.fingerprint)
    .bind(now)
    .execute(c)
    .await?
    .rows_affected());
    if claimed == 1 {
        return Ok(None);
    }
    let (print, status, body): (String, i32, String) = on_tx!(tx, |c| sqlx::query_as(
        "select request_fingerprint, response_status, response_body from idempotency_keys
         where api_key_id = $1 and idempotency_key = $2"
    )
    .bind(new.key_id)
    .bind(new.idempotency_key)
    .fetch_one(c)
    .await?);
    match (print == new.fingerprint, status) {
        (false, _) => Err(RefundError::IdempotencyMismatch),
        // Claimed by a request whose bank call has not come back yet.
        (true, 0) => Err(RefundError::InProgress),
        (true, status) => Ok(Some(StoredReply {
            status: status as u16,
            body,
            replayed: true,
        })),
    }
}

async fn payment_to_refund(tx: &mut Tx, new: &NewRefund<'_>) -> Result<PaymentRow, RefundError> {
    let sql = "select id, attempt_id, bank_txn_id, amount_vnd, refunded_vnd, kind from payments
               where order_id = $1 and ($2 is null or id = $2)
                 and ($2 is not null or kind = 'payment')
               order by id limit 1";
    let row: Option<PaymentRow> = on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(new.order_id)
        .bind(new.payment_id)
        .fetch_optional(c)
        .await?);
    row.ok_or(match new.payment_id {
        Some(id) => RefundError::UnknownPayment(id),
        None => RefundError::NoPayment,
    })
}

/// What is left to refund: the payment less what was refunded and what is pending at the bank.
async fn remainder(tx: &mut Tx, p: &PaymentRow) -> Result<Vnd, RefundError> {
    let (pending,): (i64,) = on_tx!(tx, |c| sqlx::query_as(
        "select cast(coalesce(sum(amount_vnd), 0) as bigint) from refunds
         where payment_id = $1 and status = 'pending'"
    )
    .bind(p.id)
    .fetch_one(c)
    .await?);
    Ok(vnd((p.amount_vnd - p.refunded_vnd - pending).max(0))?)
}

impl Store {
    /// Claims the key, checks the amount and writes the refund `pending`. A refused request
    /// rolls everything back, the key included, so it can be retried once corrected.
    #[tracing::instrument(skip_all, fields(order_id = new.order_id))]
    pub async fn begin_refund(
        &self,
        new: &NewRefund<'_>,
        can_call: impl Fn(&Attempt) -> bool,
        now: DateTime<Utc>,
    ) -> Result<RefundStart, RefundError> {
        let mut tx = self.begin().await?;
        lock_order(&mut tx, new.order_id).await?;
        if let Some(reply) = claim_key(&mut tx, new, now).await? {
            return Ok(RefundStart::Replay(reply));
        }
        let p = payment_to_refund(&mut tx, new).await?;
        let left = remainder(&mut tx, &p).await?;
        if new.amount > left {
            return Err(RefundError::AboveRemainder(left));
        }
        let attempt = attempt_by_id_tx(&mut tx, p.attempt_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        // Checked before the row is written: a refund is never `pending` without a bank call.
        if !can_call(&attempt) {
            return Err(RefundError::BankNotConfigured(attempt.bank));
        }
        let (id,): (i64,) = on_tx!(&mut tx, |c| sqlx::query_as(
            "insert into refunds (payment_id, order_id, refund_ref, amount_vnd, reason, status,
               bank_code, requested_by, created_at, updated_at)
             values ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $8) returning id"
        )
        .bind(p.id)
        .bind(new.order_id)
        .bind(new.refund_ref)
        .bind(new.amount.dong())
        .bind(new.reason)
        .bind(attempt.bank.as_str())
        .bind(new.actor)
        .bind(now)
        .fetch_one(c)
        .await?);
        tx.commit().await?;
        Ok(RefundStart::Started(Box::new(PendingRefund {
            id,
            order_id: new.order_id.to_owned(),
            refund_ref: new.refund_ref.to_owned(),
            amount: new.amount,
            reason: new.reason.to_owned(),
            payment: RefundedPayment {
                id: p.id,
                bank_txn_id: p.bank_txn_id,
                amount: vnd(p.amount_vnd)?,
                refunded: vnd(p.refunded_vnd)?,
                kind: parse_col("payments.kind", &p.kind, PaymentKind::parse)?,
                attempt,
            },
        })))
    }

    /// Sets the refund from the bank's answer, moves money and order on success, audits, and
    /// stores the reply for the key. Returns the reply (201 with the refund).
    #[tracing::instrument(skip_all, fields(refund_id = r.id))]
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_refund(
        &self,
        r: &PendingRefund,
        outcome: &RefundOutcome,
        actor: &str,
        key_id: i64,
        idempotency_key: &str,
        now: DateTime<Utc>,
    ) -> Result<StoredReply, StoreError> {
        let mut tx = self.begin().await?;
        let (status, bank_id, failure) = match outcome {
            RefundOutcome::Succeeded { bank_refund_id } => {
                (RefundState::Succeeded, bank_refund_id.as_deref(), None)
            }
            RefundOutcome::Pending { bank_refund_id } => {
                (RefundState::Pending, bank_refund_id.as_deref(), None)
            }
            RefundOutcome::Failed { reason } => (RefundState::Failed, None, Some(reason.as_str())),
        };
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "update refunds set status = $2, bank_refund_id = $3, failure_reason = $4, updated_at = $5
             where id = $1 and status = 'pending'"
        )
        .bind(r.id)
        .bind(status.as_str())
        .bind(bank_id)
        .bind(failure)
        .bind(now)
        .execute(c)
        .await
        .map(|x| x.rows_affected())?
        });
        if status == RefundState::Succeeded {
            record_refunded_money(&mut tx, r, actor, now).await?;
        }
        let refund = refund_by_id(&mut tx, r.id).await?;
        let change = Change {
            actor,
            action: "refund.request",
            subject: format!("order:{}", r.order_id),
            before: None,
            after: Some(json!(refund)),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        let body = json!(refund).to_string();
        on_tx!(&mut tx, |c| sqlx::query(
            "update idempotency_keys set response_status = 201, response_body = $3
             where api_key_id = $1 and idempotency_key = $2"
        )
        .bind(key_id)
        .bind(idempotency_key)
        .bind(&body)
        .execute(c)
        .await
        .map(|x| x.rows_affected())?);
        tx.commit().await?;
        Ok(StoredReply {
            status: 201,
            body,
            replayed: false,
        })
    }

    /// The order's refunds, oldest first.
    pub async fn refunds_of_order(&self, order_id: &str) -> Result<Vec<Refund>, StoreError> {
        let sql = format!("select {REFUND_COLUMNS} from refunds where order_id = $1 order by id");
        let rows = with_pool!(self, |pool| sqlx::query_as::<_, RefundRow>(&sql)
            .bind(order_id)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(RefundRow::into_domain).collect()
    }
}

async fn refund_by_id(tx: &mut Tx, id: i64) -> Result<Refund, StoreError> {
    let sql = format!("select {REFUND_COLUMNS} from refunds where id = $1");
    let row = on_tx!(tx, |c| sqlx::query_as::<_, RefundRow>(&sql)
        .bind(id)
        .fetch_one(c)
        .await?);
    row.into_domain()
}

/// The money went back: the payment's (and, for the order's own payment, the order's) refunded
/// sum grows; the order becomes partially refunded or refunded. A duplicate's or mismatch's
/// refund leaves the order's status alone (api.md: it is not the order's money) but is an event.
async fn record_refunded_money(
    tx: &mut Tx,
    r: &PendingRefund,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (refunded,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
        "update payments set refunded_vnd = refunded_vnd + $2 where id = $1 returning refunded_vnd"
    )
    .bind(r.payment.id)
    .bind(r.amount.dong())
    .fetch_one(c)
    .await?
    });
    let detail = format!(
        "{} đồng of payment {} ({})",
        r.amount, r.payment.id, r.refund_ref
    );
    if r.payment.kind != PaymentKind::Payment {
        let status = lock_order(tx, &r.order_id).await?;
        let event = format!("{}_refunded", r.payment.kind.as_str());
        return record_event(
            tx,
            &r.order_id,
            &event,
            Some(status),
            status,
            actor,
            now,
            Some(&detail),
        )
        .await;
    }
    on_tx!(tx, |c| sqlx::query(
        "update orders set refunded_vnd = refunded_vnd + $2 where id = $1"
    )
    .bind(&r.order_id)
    .bind(r.amount.dong())
    .execute(c)
    .await
    .map(|x| x.rows_affected())?);
    let full = refunded >= r.payment.amount.dong();
    transition_order(tx, &r.order_id, OrderEvent::Refunded { full }, actor, now).await?;
    Ok(())
}
