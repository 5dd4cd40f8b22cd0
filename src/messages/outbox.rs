//! The citizen-message dispatcher (messages.md §1): claims one due message at a time through
//! the database (so several instances share the work), sends it by email or SMS, records the
//! attempt, and retries on the notifications' backoff for a day. A bad number or a mailbox the
//! server refuses for good is final; a channel without its config section is skipped.

use std::time::{Duration, Instant};

use crate::app::{AppState, Shutdown};
use crate::notify::{error_text, next_step};
use crate::store::citizen_messages::{ClaimedMessage, MessageStep};
use crate::store::notifications::NextStep;
use crate::store::StoreError;
use crate::workers::Outcome;

use super::citizen::{email, facts, sms_text};
use super::email::{EmailError, Mailer};
use super::sms::{self, SmsRequest, SmsResult};

/// Longer than an SMTP exchange or an SMS call can take.
const LEASE: chrono::Duration = chrono::Duration::seconds(120);
const IDLE_PAUSE: Duration = Duration::from_secs(1);

/// What one attempt came to.
struct Attempted {
    outcome: Option<String>,
    error: Option<String>,
    /// Sent, or refused for good (`Some(false)`), or worth retrying (`None`).
    done: Option<bool>,
    skipped: bool,
}

impl Attempted {
    fn retry(error: String) -> Attempted {
        Attempted {
            outcome: None,
            error: Some(error),
            done: None,
            skipped: false,
        }
    }
}

/// One pass: claims one due message, makes its attempt and records it.
pub async fn deliver_due(app: &AppState) -> Result<Outcome, StoreError> {
    let now = app.clock.now();
    let Some(claimed) = app.store.claim_citizen_message(now, now + LEASE).await? else {
        return Ok(Outcome::Idle);
    };
    let started = Instant::now();
    let attempted = attempt(app, &claimed).await?;
    let latency = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let now = app.clock.now();
    let step = match (attempted.skipped, attempted.done) {
        (true, _) => MessageStep::Skipped,
        (false, Some(true)) => MessageStep::Sent,
        (false, Some(false)) => MessageStep::Refused,
        (false, None) => match next_step(false, claimed.attempt, claimed.created_at, now) {
            NextStep::RetryAt(at) => MessageStep::RetryAt(at),
            NextStep::Delivered | NextStep::Dead => MessageStep::Dead,
        },
    };
    tracing::info!(message_id = claimed.id, channel = %claimed.channel, attempt = claimed.attempt,
        outcome = ?attempted.outcome, error = ?attempted.error, ?step, "citizen message attempt");
    app.store
        .record_message_attempt(
            &claimed,
            attempted.outcome.as_deref(),
            latency,
            attempted.error.as_deref(),
            step,
            now,
        )
        .await?;
    Ok(Outcome::Done)
}

async fn attempt(app: &AppState, claimed: &ClaimedMessage) -> Result<Attempted, StoreError> {
    let skipped = |section: &str| Attempted {
        outcome: Some("skipped".into()),
        error: Some(format!(
            "[messages.{section}] is not configured: channel off"
        )),
        done: None,
        skipped: true,
    };
    let Some(order) = app.store.order(&claimed.order_id).await? else {
        return Err(StoreError::NotFound);
    };
    let facts = facts(app, &order, &claimed.event).await?;
    Ok(match claimed.channel.as_str() {
        "sms" => {
            let Some(config) = &app.config.messages.sms else {
                return Ok(skipped("sms"));
            };
            let request = SmsRequest {
                request_id: claimed.request_id.clone(),
                brandname: config.brandname.clone(),
                phone: claimed.recipient.clone(),
                message: sms_text(&facts),
            };
            match sms::send(&app.http, config, &request).await.0 {
                SmsResult::Accepted => done("00", true),
                SmsResult::BadNumber => done("01", false),
                SmsResult::Retry(why) => Attempted::retry(why),
            }
        }
        _ => {
            let Some(config) = &app.config.messages.email else {
                return Ok(skipped("email"));
            };
            let mailer = match Mailer::new(config) {
                Ok(m) => m,
                Err(e) => return Ok(Attempted::retry(e.to_string())),
            };
            match mailer.send(&email(&facts, &claimed.recipient)).await {
                Ok(()) => done("250", true),
                Err(EmailError::Send(e)) if e.is_permanent() => Attempted {
                    outcome: Some("permanent".into()),
                    error: Some(error_text(&e)),
                    done: Some(false),
                    skipped: false,
                },
                Err(e) => Attempted::retry(error_text(&e)),
            }
        }
    })
}

fn done(outcome: &str, sent: bool) -> Attempted {
    Attempted {
        outcome: Some(outcome.into()),
        error: None,
        done: Some(sent),
        skipped: false,
    }
}

/// Sends messages until shutdown, pausing when none is due or the database fails.
pub async fn run(app: AppState, stop: Shutdown) {
    crate::workers::repeat("citizen messages", IDLE_PAUSE, stop, || deliver_due(&app)).await
}
