//! Refunds that take two finance officers (issue 14): one asks, from a discrepancy or an order,
//! and the refund goes to the bank only when another officer, with another key, approves it.
//! Both steps are in the audit log; the approval is claimed by a conditional update, so two
//! officers approving at once send one refund.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::audit::{append_audit, Change};
use super::rows::vnd;
use super::{on_tx, with_pool, Store, StoreError, Tx};
use crate::domain::keys::Caller;
use crate::domain::Vnd;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RefundRequest {
    pub id: i64,
    pub order_id: String,
    pub payment_id: i64,
    pub discrepancy_id: Option<i64>,
    #[serde(rename = "amount", serialize_with = "dong_text")]
    pub amount_vnd: i64,
    pub reason: String,
    /// `awaiting_approval`, `approved` or `rejected`.
    pub status: String,
    pub requested_by: String,
    #[serde(skip)]
    pub requested_key_id: i64,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub refund_id: Option<i64>,
}

fn dong_text<S: serde::Serializer>(dong: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&dong.to_string())
}

const COLUMNS: &str = "id, order_id, payment_id, discrepancy_id, amount_vnd, reason, status, \
    requested_by, requested_key_id, requested_at, decided_by, decided_at, refund_id";

/// What the first officer asks for. Without `payment_id`: the payment the discrepancy names (by
/// its bank transaction id), else the order's own payment. Without `amount`: what is left of it.
pub struct NewRefundRequest<'a> {
    pub order_id: &'a str,
    pub payment_id: Option<i64>,
    pub discrepancy_id: Option<i64>,
    pub amount: Option<Vnd>,
    pub reason: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("no payment of this order can be refunded from here")]
    NoPayment,
    #[error("the discrepancy is not about this order")]
    OtherOrder,
    #[error("the amount is more than the {0} đồng left to refund of this payment")]
    AboveRemainder(Vnd),
    #[error("refund request {0} is not awaiting approval")]
    NotAwaiting(i64),
    #[error("the officer who asked for a refund cannot approve it: another finance key must")]
    SameOfficer,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RequestError {
    fn from(e: sqlx::Error) -> Self {
        RequestError::Store(e.into())
    }
}

/// (payment id, what is left of it) of the payment a request is for: the one named; else, for
/// a discrepancy, the second payment PayHub recorded for the order (a duplicate or a wrong
/// amount: which of two debits the bank lists later is the bank's order, not PayHub's, and the
/// order keeps its own payment), else the payment the discrepancy's line names; else the order's
/// own payment.
async fn payment_for(tx: &mut Tx, new: &NewRefundRequest<'_>) -> Result<(i64, i64), RequestError> {
    let named_txn = match new.discrepancy_id {
        Some(id) => {
            let found: Option<(Option<String>, Option<String>)> = on_tx!(tx, |c| sqlx::query_as(
                "select order_id, bank_txn_id from discrepancies where id = $1"
            )
            .bind(id)
            .fetch_optional(c)
            .await?);
            match found.ok_or(StoreError::NotFound)? {
                (Some(order), txn) if order == new.order_id => txn,
                _ => return Err(RequestError::OtherOrder),
            }
        }
        None => None,
    };
    let payments: Vec<(i64, String, String, i64, i64)> = on_tx!(tx, |c| sqlx::query_as(
        "select id, kind, bank_txn_id, amount_vnd, refunded_vnd from payments
          where order_id = $1 order by id"
    )
    .bind(new.order_id)
    .fetch_all(c)
    .await?);
    let chosen = match (new.payment_id, new.discrepancy_id) {
        (Some(id), _) => payments.iter().find(|p| p.0 == id),
        (None, Some(_)) => payments
            .iter()
            .find(|p| p.1 != "payment")
            .or_else(|| payments.iter().find(|p| Some(&p.2) == named_txn.as_ref())),
        (None, None) => payments.iter().find(|p| p.1 == "payment"),
    };
    let (id, _, _, amount, refunded) = chosen.ok_or(RequestError::NoPayment)?;
    Ok((*id, (amount - refunded).max(0)))
}

impl Store {
    /// Records a request awaiting a second officer; audited as `refund_request.created`.
    pub async fn request_refund(
        &self,
        new: &NewRefundRequest<'_>,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Result<RefundRequest, RequestError> {
        let mut tx = self.begin().await?;
        let (payment_id, left) = payment_for(&mut tx, new).await?;
        let amount = new.amount.map_or(left, |a| a.dong());
        if amount > left || amount == 0 {
            return Err(RequestError::AboveRemainder(vnd(left)?));
        }
        let sql = format!(
            "insert into refund_requests (order_id, payment_id, discrepancy_id, amount_vnd, reason,
               status, requested_by, requested_key_id, requested_at)
             values ($1, $2, $3, $4, $5, 'awaiting_approval', $6, $7, $8) returning {COLUMNS}"
        );
        let actor = caller.actor();
        let request: RefundRequest = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(new.order_id)
            .bind(payment_id)
            .bind(new.discrepancy_id)
            .bind(amount)
            .bind(new.reason)
            .bind(&actor)
            .bind(caller.key_id)
            .bind(now)
            .fetch_one(c)
            .await?);
        let change = Change {
            actor: &actor,
            action: "refund_request.created",
            subject: format!("order:{}", new.order_id),
            before: None,
            after: Some(json!(request)),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        tx.commit().await?;
        Ok(request)
    }

    /// Claims the approval of request `id` for `caller`, who must not be its requester; audited
    /// as `refund_request.approved`. The caller then sends the refund to the bank.
    pub async fn approve_refund_request(
        &self,
        id: i64,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Result<RefundRequest, RequestError> {
        self.decide(id, caller, "approved", now).await
    }

    /// Turns request `id` down (any other finance officer, or its requester withdrawing it).
    pub async fn reject_refund_request(
        &self,
        id: i64,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Result<RefundRequest, RequestError> {
        self.decide(id, caller, "rejected", now).await
    }

    async fn decide(
        &self,
        id: i64,
        caller: &Caller,
        status: &str,
        now: DateTime<Utc>,
    ) -> Result<RefundRequest, RequestError> {
        let mut tx = self.begin().await?;
        let before = request_tx(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        if status == "approved" && before.requested_key_id == caller.key_id {
            return Err(RequestError::SameOfficer);
        }
        let sql = format!(
            "update refund_requests set status = $2, decided_by = $3, decided_key_id = $4,
               decided_at = $5
             where id = $1 and status = 'awaiting_approval' returning {COLUMNS}"
        );
        let actor = caller.actor();
        let after: Option<RefundRequest> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(id)
            .bind(status)
            .bind(&actor)
            .bind(caller.key_id)
            .bind(now)
            .fetch_optional(c)
            .await?);
        let after = after.ok_or(RequestError::NotAwaiting(id))?;
        let action = format!("refund_request.{status}");
        let change = Change {
            actor: &actor,
            action: &action,
            subject: format!("order:{}", after.order_id),
            before: Some(json!(before)),
            after: Some(json!(after)),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        tx.commit().await?;
        Ok(after)
    }

    /// Puts an approved request back to awaiting approval when its refund could not even be
    /// started (the payment was refunded meanwhile, the bank is not configured): nothing went
    /// to the bank, so the approval stands for nothing.
    pub async fn reopen_refund_request(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "update refund_requests set status = 'awaiting_approval', decided_by = null,
               decided_key_id = null, decided_at = null
             where id = $1 and status = 'approved' and refund_id is null"
        )
        .bind(id)
        .execute(c)
        .await
        .map(|_| ())?);
        tx.commit().await
    }

    /// The refund the approval made.
    pub async fn link_refund(&self, id: i64, refund_id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "update refund_requests set refund_id = $2 where id = $1"
        )
        .bind(id)
        .bind(refund_id)
        .execute(c)
        .await
        .map(|_| ())?);
        tx.commit().await
    }

    pub async fn refund_request(&self, id: i64) -> Result<Option<RefundRequest>, StoreError> {
        let sql = format!("select {COLUMNS} from refund_requests where id = $1");
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await?))
    }

    /// An order's requests, oldest first; with `order_id` `None`, every request still awaiting
    /// approval, oldest first.
    pub async fn refund_requests(
        &self,
        order_id: Option<&str>,
    ) -> Result<Vec<RefundRequest>, StoreError> {
        let sql = format!(
            "select {COLUMNS} from refund_requests
             where ($1 is not null and order_id = $1)
                or ($1 is null and status = 'awaiting_approval')
             order by id limit 500"
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(order_id)
            .fetch_all(pool)
            .await?))
    }
}

async fn request_tx(tx: &mut Tx, id: i64) -> Result<Option<RefundRequest>, StoreError> {
    let sql = format!("select {COLUMNS} from refund_requests where id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await?))
}
