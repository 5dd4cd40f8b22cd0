//! Everything PayHub knows of one order, for the finance staff's order page (issue 14): its
//! attempts with the banks' answers, the payments, the callbacks received (the inbound ledger,
//! by the attempts' references), the state changes, notifications and deliveries, refunds and
//! refund requests, the receipt, the reconciliation entries and the audit entries.

use chrono::{DateTime, Utc};

use super::audit::AuditEntry;
use super::notifications::Notification;
use super::reconciliation::Discrepancy;
use super::refund_requests::RefundRequest;
use super::{with_pool, Store, StoreError};
use crate::domain::order::Order;
use crate::domain::refund::Refund;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoryAttempt {
    pub id: i64,
    pub bank: String,
    pub reference: String,
    pub status: String,
    pub amount_vnd: i64,
    pub account_no: String,
    pub result_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub result_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoryPayment {
    pub id: i64,
    pub bank: String,
    pub bank_txn_id: String,
    pub amount_vnd: i64,
    pub kind: String,
    pub credit_account: Option<String>,
    pub paid_at: DateTime<Utc>,
    pub refunded_vnd: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoryCallback {
    pub id: i64,
    pub bank: String,
    pub endpoint: String,
    pub received_at: DateTime<Utc>,
    pub reference: Option<String>,
    pub verdict: String,
    pub reply_status: i32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoryEvent {
    pub at: DateTime<Utc>,
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub detail: Option<String>,
}

/// One order's whole story, each part oldest first.
pub struct OrderStory {
    pub order: Order,
    pub attempts: Vec<StoryAttempt>,
    pub payments: Vec<StoryPayment>,
    pub callbacks: Vec<StoryCallback>,
    pub events: Vec<StoryEvent>,
    pub notifications: Vec<Notification>,
    pub refunds: Vec<Refund>,
    pub refund_requests: Vec<RefundRequest>,
    pub receipt_at: Option<DateTime<Utc>>,
    pub discrepancies: Vec<Discrepancy>,
    pub audit: Vec<AuditEntry>,
}

impl Store {
    /// The story of order `id`, `None` when there is no such order.
    pub async fn order_story(&self, id: &str) -> Result<Option<OrderStory>, StoreError> {
        let Some(order) = self.order(id).await? else {
            return Ok(None);
        };
        let attempts: Vec<StoryAttempt> = with_pool!(self, |pool| {
            sqlx::query_as(
            "select id, bank, reference, status, amount_vnd, account_no, result_code, created_at,
                    result_at
               from payment_attempts where order_id = $1 order by id"
        )
        .bind(id)
        .fetch_all(pool)
        .await?
        });
        let payments: Vec<StoryPayment> = with_pool!(self, |pool| {
            sqlx::query_as(
            "select id, bank, bank_txn_id, amount_vnd, kind, credit_account, paid_at, refunded_vnd
               from payments where order_id = $1 order by id"
        )
        .bind(id)
        .fetch_all(pool)
        .await?
        });
        // The ledger is keyed by (bank, reference): each attempt's own callbacks.
        let callbacks: Vec<StoryCallback> = with_pool!(self, |pool| sqlx::query_as(
            "select c.id, c.bank, c.endpoint, c.received_at, c.reference, c.verdict,
                    c.reply_status
               from payment_attempts a
               join inbound_callbacks c on c.bank = a.bank and c.reference = a.reference
              where a.order_id = $1 order by c.id"
        )
        .bind(id)
        .fetch_all(pool)
        .await?);
        let events: Vec<StoryEvent> = with_pool!(self, |pool| sqlx::query_as(
            "select at, event, from_status, to_status, actor, detail
               from order_events where order_id = $1 order by id"
        )
        .bind(id)
        .fetch_all(pool)
        .await?);
        let receipt: Option<(DateTime<Utc>,)> = with_pool!(self, |pool| sqlx::query_as(
            "select created_at from receipts where order_id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await?);
        let discrepancies = self.discrepancies_of_order(id).await?;
        let mut audit = self
            .audit_entries(Some(&format!("order:{id}")), None, 500)
            .await?;
        for d in &discrepancies {
            let subject = format!("discrepancy:{}", d.id);
            audit.extend(self.audit_entries(Some(&subject), None, 50).await?);
        }
        audit.sort_by_key(|e| e.id);
        Ok(Some(OrderStory {
            attempts,
            payments,
            callbacks,
            events,
            notifications: self.notifications_of_order(id).await?,
            refunds: self.refunds_of_order(id).await?,
            refund_requests: self.refund_requests(Some(id)).await?,
            receipt_at: receipt.map(|(at,)| at),
            discrepancies,
            audit,
            order,
        }))
    }
}
