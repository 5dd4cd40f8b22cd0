//! Signed notifications to dossier systems (api.md, "Dossier-system notifications"): the outbox
//! dispatcher. Each pass claims one due notification through the database (so several instances
//! can share one PostgreSQL), POSTs its stored order JSON, signed, and records the attempt.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::app::AppState;
use crate::app::Shutdown;
use crate::domain::notification::Target;
use crate::store::notifications::{AttemptRecord, Claimed, NextStep};
use crate::store::StoreError;
use crate::workers::Outcome;

/// Longer than a request can take, so a lease only lapses when its dispatcher is gone.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// api.md: retry "until a 2xx"; we stop a day after the change, when the dossier has moved on.
const RETRY_WINDOW: chrono::Duration = chrono::Duration::hours(24);
const FIRST_BACKOFF_SECS: i64 = 30;
const MAX_BACKOFF_SECS: i64 = 3600;
/// Enough of a reply to see what the receiver complained about, bounded so a big page is cheap.
const SNIPPET_CHARS: usize = 500;
const SNIPPET_READ_BYTES: usize = 4 * SNIPPET_CHARS;
const IDLE_PAUSE: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The `PayHub-Signature` header, as api.md fixes it: `t=<unix>,v1=<hex HMAC-SHA256(secret,
/// "<t>.<body>")>`. The timestamp is signed too, so a receiver can refuse old replays.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any size");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// 30 s after the first failure, doubling each time, never more than an hour apart.
pub fn backoff(attempt: i32) -> chrono::Duration {
    let doublings = attempt.saturating_sub(1).clamp(0, 20) as u32;
    chrono::Duration::seconds((FIRST_BACKOFF_SECS << doublings).min(MAX_BACKOFF_SECS))
}

/// Delivered on a 2xx; otherwise retried after the backoff unless that falls past the window.
pub fn next_step(
    delivered: bool,
    attempt: i32,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> NextStep {
    if delivered {
        return NextStep::Delivered;
    }
    let at = now + backoff(attempt);
    if at > created_at + RETRY_WINDOW {
        NextStep::Dead
    } else {
        NextStep::RetryAt(at)
    }
}

/// One pass: claims one due notification, makes its attempt and records it. `Idle` when none is
/// due. A receiver's failure is recorded, not returned: only the database can fail a pass.
pub async fn deliver_due(app: &AppState) -> Result<Outcome, NotifyError> {
    let now = app.clock.now();
    let Some(claimed) = app.store.claim_notification(now, now + LEASE).await? else {
        return Ok(Outcome::Idle);
    };
    let (record, delivered) = match claimed.target {
        Target::Webhook => {
            let record = send(app, &claimed).await;
            let delivered = record
                .status_code
                .is_some_and(|code| (200..300).contains(&code));
            (record, delivered)
        }
        Target::LegacyConfirm => crate::legacy::confirm::send(app, &claimed).await,
    };
    let now = app.clock.now();
    let next = next_step(delivered, claimed.attempt, claimed.created_at, now);
    app.store
        .record_attempt(&claimed, &record, next, now)
        .await?;
    tracing::info!(notification_id = claimed.id, attempt = claimed.attempt,
        status_code = ?record.status_code, error = ?record.error, next = ?next, "notification attempt");
    Ok(Outcome::Done)
}

#[tracing::instrument(skip_all, fields(notification_id = claimed.id, attempt = claimed.attempt))]
async fn send(app: &AppState, claimed: &Claimed) -> AttemptRecord {
    let t = app.clock.now().timestamp();
    // The row holds the order's snapshot; its links are made now, from this instance's address.
    let payload = crate::links::order_text(&claimed.payload, &app.config.server.public_url);
    let started = Instant::now();
    let sent = app
        .http
        .post(&claimed.url)
        .timeout(REQUEST_TIMEOUT)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            "PayHub-Signature",
            signature(&claimed.webhook_secret, t, &payload),
        )
        .header("PayHub-Event", &claimed.event)
        .header("PayHub-Delivery", claimed.id.to_string())
        .body(payload)
        .send()
        .await;
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match sent {
        Ok(response) => {
            let status_code = Some(response.status().as_u16());
            let (response_snippet, error) = match read_snippet(response).await {
                Ok(snippet) => (Some(snippet), None),
                Err(e) => (None, Some(format!("reading the reply: {}", error_text(&e)))),
            };
            AttemptRecord {
                status_code,
                latency_ms,
                response_snippet,
                error,
            }
        }
        Err(e) => AttemptRecord {
            status_code: None,
            latency_ms,
            response_snippet: None,
            error: Some(error_text(&e)),
        },
    }
}

/// The first `SNIPPET_CHARS` characters of the reply, reading no more than needed for them.
pub(crate) async fn read_snippet(
    mut response: reqwest::Response,
) -> Result<String, reqwest::Error> {
    let mut bytes = Vec::new();
    while bytes.len() < SNIPPET_READ_BYTES {
        match response.chunk().await? {
            Some(chunk) => bytes.extend_from_slice(&chunk),
            None => break,
        }
    }
    Ok(String::from_utf8_lossy(&bytes)
        .chars()
        .take(SNIPPET_CHARS)
        .collect())
}

/// reqwest's own message is "error sending request"; the causes say what went wrong.
pub(crate) fn error_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Delivers notifications until shutdown, pausing when none is due or the database fails. An
/// attempt in flight at shutdown is finished, not abandoned, so its outcome is recorded.
pub async fn run(app: AppState, stop: Shutdown) {
    crate::workers::repeat("notifications", IDLE_PAUSE, stop, || deliver_due(&app)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_a_vector_computed_independently() {
        // python3: hmac.new(b"whsec_test", b'1780000000.{"id":"5f0c","status":"paid"}',
        //                   hashlib.sha256).hexdigest()
        let header = signature(
            "whsec_test",
            1_780_000_000,
            r#"{"id":"5f0c","status":"paid"}"#,
        );
        assert_eq!(
            header,
            "t=1780000000,v1=fc667978f5f99403cf064655d92f13a91d30cb5935370d27f2d8c8c9c6961f22"
        );
    }

    #[test]
    fn the_backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        let secs: Vec<i64> = (1..=9).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(i32::MAX).num_seconds(), 3600);
    }

    #[test]
    fn a_failure_is_retried_until_a_day_after_the_change_then_dead() {
        let created = Utc::now();
        let soon = created + chrono::Duration::minutes(1);
        assert_eq!(
            next_step(false, 1, created, soon),
            NextStep::RetryAt(soon + chrono::Duration::seconds(30))
        );
        assert_eq!(next_step(true, 30, created, soon), NextStep::Delivered);
        let late = created + chrono::Duration::hours(23) + chrono::Duration::minutes(30);
        assert_eq!(next_step(false, 24, created, late), NextStep::Dead);
    }
}
