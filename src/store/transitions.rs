//! Order state changes inside a transaction: the state machine decides, the change, its event
//! row and its outbox row are written together, so a crash leaves all or nothing.

use chrono::{DateTime, Utc};

use super::orders::load_order;
use super::rows::parse_col;
use super::{on_tx, StoreError, Tx};
use crate::domain::state::{order_transition, OrderEvent, OrderStatus, OrderTransition};

/// Takes the order's row lock (PostgreSQL) and reads its status in one statement, so that two
/// transactions touching one order run one after the other; SQLite's `begin immediate` already
/// serialises writers.
pub(crate) async fn lock_order(tx: &mut Tx, order_id: &str) -> Result<OrderStatus, StoreError> {
    let status: Option<(String,)> = on_tx!(tx, |c| sqlx::query_as(
        "update orders set updated_at = updated_at where id = $1 returning status"
    )
    .bind(order_id)
    .fetch_optional(c)
    .await?);
    let (status,) = status.ok_or(StoreError::NotFound)?;
    parse_col("orders.status", &status, OrderStatus::parse)
}

/// [`lock_order`] for the order of the attempt with this reference; `None` when no attempt has it.
pub(crate) async fn lock_order_of_attempt(
    tx: &mut Tx,
    reference: &str,
) -> Result<Option<OrderStatus>, StoreError> {
    let status: Option<(String,)> = on_tx!(tx, |c| sqlx::query_as(
        "update orders set updated_at = updated_at
         where id = (select order_id from payment_attempts where reference = $1)
         returning status"
    )
    .bind(reference)
    .fetch_optional(c)
    .await?);
    status
        .map(|(s,)| parse_col("orders.status", &s, OrderStatus::parse))
        .transpose()
}

/// Applies `event` to the order if the state machine allows it.
pub(crate) async fn transition_order(
    tx: &mut Tx,
    order_id: &str,
    event: OrderEvent,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<OrderTransition, StoreError> {
    let from = lock_order(tx, order_id).await?;
    transition_locked_order(tx, order_id, from, event, actor, now).await
}

/// [`transition_order`] for an order this transaction has already locked and found in `from`.
pub(crate) async fn transition_locked_order(
    tx: &mut Tx,
    order_id: &str,
    from: OrderStatus,
    event: OrderEvent,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<OrderTransition, StoreError> {
    let transition = order_transition(from, event);
    let (to, review) = match transition {
        OrderTransition::To(to) => (to, None),
        OrderTransition::ToFlagged(to, reason) => (to, Some(reason.as_str())),
        OrderTransition::DuplicatePayment | OrderTransition::Refused => return Ok(transition),
    };
    on_tx!(tx, |c| {
        sqlx::query(
        "update orders set status = $2, updated_at = $3, review_reason = coalesce($4, review_reason)
         where id = $1"
    )
    .bind(order_id)
    .bind(to.as_str())
    .bind(now)
    .bind(review)
    .execute(c)
    .await
    .map(|r| r.rows_affected())?
    });
    record_event(
        tx,
        order_id,
        event_name(event),
        Some(from),
        to,
        actor,
        now,
        review,
    )
    .await?;
    enqueue_notification(tx, order_id, to, now).await?;
    Ok(transition)
}

fn event_name(event: OrderEvent) -> &'static str {
    match event {
        OrderEvent::PaymentSucceeded => "payment_succeeded",
        OrderEvent::Expire => "expired",
        OrderEvent::Cancel => "cancelled",
        OrderEvent::Refunded { .. } => "refunded",
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_event(
    tx: &mut Tx,
    order_id: &str,
    event: &str,
    from: Option<OrderStatus>,
    to: OrderStatus,
    actor: &str,
    now: DateTime<Utc>,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    on_tx!(tx, |c| sqlx::query(
        "insert into order_events (order_id, at, event, from_status, to_status, actor, detail)
         values ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(order_id)
    .bind(now)
    .bind(event)
    .bind(from.map(OrderStatus::as_str))
    .bind(to.as_str())
    .bind(actor)
    .bind(detail)
    .execute(c)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// Writes the outbox row for the agency's dossier system, with the order as it now is (its
/// snapshot: the notifier adds the links when it sends), and a CONFIRM for the partner of the
/// previous platform when an INIT order becomes paid.
async fn enqueue_notification(
    tx: &mut Tx,
    order_id: &str,
    status: OrderStatus,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let order = load_order(tx, order_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let url: Option<(Option<String>,)> = on_tx!(tx, |c| sqlx::query_as(
        "select notify_url from agencies where code = $1"
    )
    .bind(&order.agency_code)
    .fetch_optional(c)
    .await?);
    if status == OrderStatus::Paid {
        super::legacy::enqueue_confirm(tx, &order, now).await?;
    }
    // The payer's own messages (messages.md §1), in the same transaction.
    // One message per refund: the event names the order's refunded total after it.
    let citizen_event = match status {
        OrderStatus::Paid => Some("order.paid".to_owned()),
        OrderStatus::Refunded | OrderStatus::PartiallyRefunded => {
            Some(format!("order.refunded.{}", order.refunded.dong()))
        }
        _ => None,
    };
    if let Some(event) = citizen_event {
        super::citizen_messages::enqueue_citizen_messages(tx, order_id, &event, now).await?;
    }
    let Some((Some(url),)) = url else {
        return Ok(());
    };
    let payload = order.snapshot().to_string();
    on_tx!(tx, |c| sqlx::query(
        "insert into notifications (order_id, event, target, url, payload, status, attempts,
           next_attempt_at, lease_until, created_at)
         values ($1, $2, 'webhook', $3, $4, 'pending', 0, $5, $5, $5)"
    )
    .bind(order_id)
    .bind(format!("order.{}", status.as_str()))
    .bind(url)
    .bind(payload)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

impl super::Store {
    /// Applies one event to one order in its own transaction; returns the transition taken.
    pub async fn apply_order_event(
        &self,
        order_id: &str,
        event: OrderEvent,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<OrderTransition, StoreError> {
        let mut tx = self.begin().await?;
        let transition = transition_order(&mut tx, order_id, event, actor, now).await?;
        tx.commit().await?;
        Ok(transition)
    }

    /// Expires pending orders past `expires_at`, at most `limit`; returns how many it expired.
    /// Safe with several instances: each order is locked and re-checked, so it expires once.
    pub async fn expire_due_orders(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<usize, StoreError> {
        let due: Vec<(String,)> = super::with_pool!(self, |pool| sqlx::query_as(
            "select id from orders where status = 'pending' and expires_at <= $1
             order by expires_at limit $2"
        )
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await?);
        let mut expired = 0;
        for (id,) in due {
            let t = self
                .apply_order_event(&id, OrderEvent::Expire, "expiry", now)
                .await?;
            if matches!(t, OrderTransition::To(_)) {
                expired += 1;
            }
        }
        Ok(expired)
    }
}
