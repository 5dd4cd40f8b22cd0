//! The notification outbox: claiming a due notification for one attempt, recording how the
//! attempt went, listing an order's notifications, and an admin's redelivery.
//!
//! Exactly once per attempt (STYLE rule 4): the claim bumps `attempts` under a lease and, in the
//! same transaction, inserts the `(notification_id, attempt)` delivery row with `on conflict do
//! nothing`. Only the dispatcher whose insert went in may send that attempt.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::audit::{append_audit, Change};
use super::{on_tx, with_pool, Store, StoreError};
use crate::domain::notification::{DeliveryStatus, Target};

/// A notification claimed for one delivery attempt: this dispatcher owns `attempt`.
/// No `Debug`: it carries the agency's webhook secret.
#[derive(Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub event: String,
    #[sqlx(try_from = "String")]
    pub target: Target,
    pub url: String,
    pub payload: String,
    pub attempt: i32,
    pub created_at: DateTime<Utc>,
    pub webhook_secret: String,
}

/// What one attempt got back; `status_code` is `None` when no response arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub response_snippet: Option<String>,
    pub error: Option<String>,
}

/// What happens to a notification after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    Delivered,
    RetryAt(DateTime<Utc>),
    Dead,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub order_id: String,
    pub event: String,
    pub url: String,
    #[sqlx(try_from = "String")]
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    pub deliveries: Vec<Delivery>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub notification_id: i64,
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub response_snippet: Option<String>,
    pub error: Option<String>,
}

const NOTIFICATION_COLUMNS: &str =
    "id, order_id, event, url, status, attempts, next_attempt_at, created_at, delivered_at";

/// What a delivery row says until the attempt's outcome is recorded: if the dispatcher stops
/// mid-attempt, this is the truth, and the lease lets another dispatcher make the next attempt.
const IN_FLIGHT: &str = "no outcome recorded: the dispatcher stopped during this attempt";

/// The one dialect difference: PostgreSQL dispatchers skip rows another one is claiming, so they
/// do not queue on its lock; SQLite's `begin immediate` already lets one writer in at a time.
/// Both targets share the queue: `webhook` rows and the previous platform's `legacy_confirm`
/// rows have one retry schedule and one delivery log; only the signing differs (notify.rs).
fn claim_sql(store: &Store) -> String {
    let skip_locked = match store {
        Store::Postgres(_) => " for update skip locked",
        Store::Sqlite(..) => "",
    };
    format!(
        "update notifications set attempts = attempts + 1, lease_until = $2
         where status = 'pending' and lease_until <= $1 and id = (
             select id from notifications
             where status = 'pending'
               and next_attempt_at <= $1 and lease_until <= $1
             order by next_attempt_at, id limit 1{skip_locked})
         returning id, attempts"
    )
}

impl Store {
    /// Claims the most overdue notification until `lease_until` and reserves its next attempt.
    #[tracing::instrument(skip_all)]
    pub async fn claim_notification(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Claimed>, StoreError> {
        let sql = claim_sql(self);
        let mut tx = self.begin().await?;
        let claimed: Option<(i64, i32)> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(now)
            .bind(lease_until)
            .fetch_optional(c)
            .await?);
        let Some((id, attempt)) = claimed else {
            return Ok(None);
        };
        let reserved = on_tx!(&mut tx, |c| sqlx::query(
            "insert into notification_deliveries
               (notification_id, attempt, attempted_at, latency_ms, error)
             values ($1, $2, $3, 0, $4)
             on conflict (notification_id, attempt) do nothing"
        )
        .bind(id)
        .bind(attempt)
        .bind(now)
        .bind(IN_FLIGHT)
        .execute(c)
        .await?
        .rows_affected());
        let details: Claimed = on_tx!(&mut tx, |c| {
            sqlx::query_as(
            "select n.id, n.event, n.target, n.url, n.payload, n.attempts as attempt, n.created_at,
                    a.webhook_secret
             from notifications n
             join orders o on o.id = n.order_id
             join agencies a on a.code = o.agency_code
             where n.id = $1"
        )
        .bind(id)
        .fetch_one(c)
        .await?
        });
        // Committed even when the attempt was taken, so the next pass moves on to a fresh one.
        tx.commit().await?;
        if reserved == 0 {
            return Err(StoreError::Conflict(format!(
                "attempt {attempt} of notification {id} was already made"
            )));
        }
        Ok(Some(details))
    }

    /// Records the attempt's outcome and moves the notification on. A 2xx delivers it whoever
    /// holds the lease now; a failure only reschedules it while this attempt is still the latest.
    #[tracing::instrument(skip_all, fields(notification_id = claimed.id, attempt = claimed.attempt))]
    pub async fn record_attempt(
        &self,
        claimed: &Claimed,
        record: &AttemptRecord,
        next: NextStep,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "update notification_deliveries
             set status_code = $3, latency_ms = $4, response_snippet = $5, error = $6
             where notification_id = $1 and attempt = $2"
        )
        .bind(claimed.id)
        .bind(claimed.attempt)
        .bind(record.status_code.map(i32::from))
        .bind(record.latency_ms)
        .bind(record.response_snippet.as_deref())
        .bind(record.error.as_deref())
        .execute(c)
        .await
        .map(|_| ())?);
        on_tx!(&mut tx, |c| {
            let moved_on = match next {
                NextStep::Delivered => sqlx::query(
                    "update notifications set status = 'delivered', delivered_at = $2, lease_until = $2
                     where id = $1 and status = 'pending'",
                )
                .bind(claimed.id)
                .bind(now),
                NextStep::RetryAt(at) => sqlx::query(
                    "update notifications set next_attempt_at = $3, lease_until = $4
                     where id = $1 and status = 'pending' and attempts = $2",
                )
                .bind(claimed.id)
                .bind(claimed.attempt)
                .bind(at)
                .bind(now),
                NextStep::Dead => sqlx::query(
                    "update notifications set status = 'dead', lease_until = $3
                     where id = $1 and status = 'pending' and attempts = $2",
                )
                .bind(claimed.id)
                .bind(claimed.attempt)
                .bind(now),
            };
            moved_on.execute(c).await.map(|_| ())?
        });
        tx.commit().await
    }

    /// The order's notifications, oldest first, each with every attempt made.
    pub async fn notifications_of_order(
        &self,
        order_id: &str,
    ) -> Result<Vec<Notification>, StoreError> {
        let sql = format!(
            "select {NOTIFICATION_COLUMNS} from notifications where order_id = $1 order by id"
        );
        let mut notifications: Vec<Notification> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(order_id)
            .fetch_all(pool)
            .await?);
        let deliveries: Vec<Delivery> = with_pool!(self, |pool| sqlx::query_as(
            "select d.notification_id, d.attempt, d.attempted_at, d.status_code, d.latency_ms,
                    d.response_snippet, d.error
             from notification_deliveries d
             join notifications n on n.id = d.notification_id
             where n.order_id = $1
             order by d.notification_id, d.attempt"
        )
        .bind(order_id)
        .fetch_all(pool)
        .await?);
        for delivery in deliveries {
            if let Some(n) = notifications
                .iter_mut()
                .find(|n| n.id == delivery.notification_id)
            {
                n.deliveries.push(delivery);
            }
        }
        Ok(notifications)
    }

    /// Makes a delivered or dead notification due again now, keeping its attempts (so attempt
    /// numbers stay unique), and audits who asked. A pending one is a conflict.
    pub async fn redeliver(
        &self,
        notification_id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Notification, StoreError> {
        let select = format!("select {NOTIFICATION_COLUMNS} from notifications where id = $1");
        let mut tx = self.begin().await?;
        let before: Notification = on_tx!(&mut tx, |c| sqlx::query_as(&select)
            .bind(notification_id)
            .fetch_optional(c)
            .await?)
        .ok_or(StoreError::NotFound)?;
        let reset = on_tx!(&mut tx, |c| sqlx::query(
            "update notifications
             set status = 'pending', next_attempt_at = $2, lease_until = $2, delivered_at = null
             where id = $1 and status in ('delivered', 'dead')"
        )
        .bind(notification_id)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected());
        if reset == 0 {
            return Err(StoreError::Conflict(format!(
                "notification {notification_id} is already pending delivery"
            )));
        }
        let after: Notification = on_tx!(&mut tx, |c| sqlx::query_as(&select)
            .bind(notification_id)
            .fetch_one(c)
            .await?);
        let change = Change {
            actor,
            action: "notification.redelivered",
            subject: format!("notification:{notification_id}"),
            before: Some(audit_view(&before)),
            after: Some(audit_view(&after)),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        tx.commit().await?;
        self.notifications_of_order(&before.order_id)
            .await?
            .into_iter()
            .find(|n| n.id == notification_id)
            .ok_or(StoreError::NotFound)
    }
}

/// The fields a redelivery changes; the payload is the order, audited with the order itself.
fn audit_view(n: &Notification) -> Value {
    json!({"order_id": n.order_id, "event": n.event, "status": n.status,
           "attempts": n.attempts, "next_attempt_at": n.next_attempt_at,
           "delivered_at": n.delivered_at})
}
