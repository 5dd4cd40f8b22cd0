//! The citizen-message outbox (messages.md §1): the payer's contact kept with the order, one
//! message per (order, event, channel) written in the transaction that pays or refunds the
//! order, claimed for one delivery attempt at a time under a lease, every attempt kept.
//!
//! Exactly once per attempt, as the notification outbox (STYLE rule 4): the claim bumps
//! `attempts` and inserts the `(message_id, attempt)` delivery row in one transaction. A repeat
//! of the payment cannot add a message: the unique (order, event, channel) key refuses it.

use chrono::{DateTime, Utc};

use super::{on_tx, with_pool, Store, StoreError, Tx};
use crate::domain::order::Contact;

/// A message claimed for one delivery attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedMessage {
    pub id: i64,
    pub order_id: String,
    pub event: String,
    pub channel: String,
    pub recipient: String,
    pub request_id: String,
    pub attempt: i32,
    pub created_at: DateTime<Utc>,
}

/// What happens to a message after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStep {
    Sent,
    /// Final refusal (a bad number, a mailbox that does not exist): not retried.
    Refused,
    /// The channel is off (no config section): nothing sent, not retried.
    Skipped,
    RetryAt(DateTime<Utc>),
    Dead,
}

impl MessageStep {
    fn status(self) -> &'static str {
        match self {
            MessageStep::Sent => "sent",
            MessageStep::Refused => "refused",
            MessageStep::Skipped => "skipped",
            MessageStep::RetryAt(_) => "pending",
            MessageStep::Dead => "dead",
        }
    }
}

/// One delivery attempt as the API shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageDelivery {
    pub message_id: i64,
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    pub outcome: Option<String>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CitizenMessage {
    pub id: i64,
    pub order_id: String,
    pub event: String,
    pub channel: String,
    pub recipient: String,
    pub request_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    pub deliveries: Vec<MessageDelivery>,
}

const IN_FLIGHT: &str = "no outcome recorded: the dispatcher stopped during this attempt";

pub(crate) async fn insert_contact(
    tx: &mut Tx,
    order_id: &str,
    contact: &Contact,
) -> Result<(), StoreError> {
    if contact.phone.is_none() && contact.email.is_none() {
        return Ok(());
    }
    on_tx!(tx, |c| sqlx::query(
        "insert into payer_contacts (order_id, phone, email) values ($1, $2, $3)"
    )
    .bind(order_id)
    .bind(contact.phone.as_deref())
    .bind(contact.email.as_deref())
    .execute(c)
    .await
    .map(|_| ())?);
    Ok(())
}

/// Writes the order's messages for `event` (`order.paid`, `order.refunded`): one per channel
/// the payer gave a contact for, none without. A repeat of the event adds nothing.
pub(crate) async fn enqueue_citizen_messages(
    tx: &mut Tx,
    order_id: &str,
    event: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let contact: Option<(Option<String>, Option<String>)> = on_tx!(tx, |c| sqlx::query_as(
        "select phone, email from payer_contacts where order_id = $1"
    )
    .bind(order_id)
    .fetch_optional(c)
    .await?);
    let Some((phone, email)) = contact else {
        return Ok(());
    };
    for (channel, recipient) in [("email", email), ("sms", phone)] {
        let Some(recipient) = recipient else { continue };
        let request_id = uuid::Uuid::new_v4().simple().to_string();
        on_tx!(tx, |c| sqlx::query(
            "insert into citizen_messages (order_id, event, channel, recipient, request_id, status,
               attempts, next_attempt_at, lease_until, created_at)
             values ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6)
             on conflict (order_id, event, channel) do nothing"
        )
        .bind(order_id)
        .bind(event)
        .bind(channel)
        .bind(&recipient)
        .bind(&request_id)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())?);
    }
    Ok(())
}

fn claim_sql(store: &Store) -> String {
    let skip_locked = match store {
        Store::Postgres(_) => " for update skip locked",
        Store::Sqlite(..) => "",
    };
    format!(
        "update citizen_messages set attempts = attempts + 1, lease_until = $2
         where status = 'pending' and lease_until <= $1 and id = (
             select id from citizen_messages
             where status = 'pending' and next_attempt_at <= $1 and lease_until <= $1
             order by next_attempt_at, id limit 1{skip_locked})
         returning id, attempts"
    )
}

impl Store {
    /// Claims the most overdue message until `lease_until` and reserves its next attempt.
    pub async fn claim_citizen_message(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<ClaimedMessage>, StoreError> {
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
        let reserved = on_tx!(&mut tx, |c| {
            sqlx::query(
            "insert into citizen_message_deliveries (message_id, attempt, attempted_at, latency_ms, error)
             values ($1, $2, $3, 0, $4) on conflict (message_id, attempt) do nothing"
        )
        .bind(id)
        .bind(attempt)
        .bind(now)
        .bind(IN_FLIGHT)
        .execute(c)
        .await?
        .rows_affected()
        });
        let details: ClaimedMessage = on_tx!(&mut tx, |c| sqlx::query_as(
            "select id, order_id, event, channel, recipient, request_id, attempts as attempt,
                    created_at
             from citizen_messages where id = $1"
        )
        .bind(id)
        .fetch_one(c)
        .await?);
        tx.commit().await?;
        if reserved == 0 {
            return Err(StoreError::Conflict(format!(
                "attempt {attempt} of message {id} was already made"
            )));
        }
        Ok(Some(details))
    }

    /// Records the attempt's outcome and moves the message on.
    pub async fn record_message_attempt(
        &self,
        claimed: &ClaimedMessage,
        outcome: Option<&str>,
        latency_ms: i64,
        error: Option<&str>,
        step: MessageStep,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "update citizen_message_deliveries set outcome = $3, latency_ms = $4, error = $5
             where message_id = $1 and attempt = $2"
        )
        .bind(claimed.id)
        .bind(claimed.attempt)
        .bind(outcome)
        .bind(latency_ms)
        .bind(error)
        .execute(c)
        .await
        .map(|_| ())?);
        let next_at = match step {
            MessageStep::RetryAt(at) => at,
            _ => now,
        };
        let sent_at = (step == MessageStep::Sent).then_some(now);
        on_tx!(&mut tx, |c| sqlx::query(
            "update citizen_messages set status = $3, next_attempt_at = $4, lease_until = $5,
               sent_at = coalesce(sent_at, $6)
             where id = $1 and status = 'pending' and attempts = $2"
        )
        .bind(claimed.id)
        .bind(claimed.attempt)
        .bind(step.status())
        .bind(next_at)
        .bind(now)
        .bind(sent_at)
        .execute(c)
        .await
        .map(|_| ())?);
        tx.commit().await
    }

    /// The order's messages, oldest first, each with every delivery attempt.
    pub async fn citizen_messages_of_order(
        &self,
        order_id: &str,
    ) -> Result<Vec<CitizenMessage>, StoreError> {
        let mut messages: Vec<CitizenMessage> = with_pool!(self, |pool| sqlx::query_as(
            "select id, order_id, event, channel, recipient, request_id, status, attempts,
                    next_attempt_at, created_at, sent_at
             from citizen_messages where order_id = $1 order by id"
        )
        .bind(order_id)
        .fetch_all(pool)
        .await?);
        let deliveries: Vec<MessageDelivery> = with_pool!(self, |pool| sqlx::query_as(
            "select d.message_id, d.attempt, d.attempted_at, d.outcome, d.latency_ms, d.error
             from citizen_message_deliveries d
             join citizen_messages m on m.id = d.message_id
             where m.order_id = $1 order by d.message_id, d.attempt"
        )
        .bind(order_id)
        .fetch_all(pool)
        .await?);
        for d in deliveries {
            if let Some(m) = messages.iter_mut().find(|m| m.id == d.message_id) {
                m.deliveries.push(d);
            }
        }
        Ok(messages)
    }
}
