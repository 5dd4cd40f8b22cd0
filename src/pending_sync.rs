//! Pending sync: attempts still `redirected` (the citizen went to the bank, no callback came) are
//! asked about with the bank's query API on a backoff schedule. A final answer goes through
//! `apply_callback`, the one exactly-once path; an attempt the bank cannot resolve by the end
//! of the schedule becomes `unknown`, for finance staff to settle by hand.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::app::{AppState, Shutdown};
use crate::banks::{query_attempt, QueryAnswer};
use crate::domain::attempt::Attempt;
use crate::store::payments::Applied;
use crate::store::pending_sync::NextQuery;
use crate::store::StoreError;
use crate::workers::Outcome;

/// When to ask, counted from the attempt's creation. reference-data.md: integrations poll
/// unresolved payments from 30 minutes to 3 days; we start at 5 minutes (checkout's first
/// `next_query_at`) because most lost callbacks are found early. The same for every bank: each
/// bank's spec lets a merchant query at any time.
pub const SCHEDULE_MINUTES: [i64; 10] = [5, 15, 30, 60, 180, 360, 720, 1440, 2880, 4320];

/// Longer than a query can take, so a claim only lapses when its instance is gone.
const LEASE: chrono::Duration = chrono::Duration::minutes(2);
const IDLE_PAUSE: Duration = Duration::from_secs(5);
const ERROR_PAUSE: Duration = Duration::from_secs(10);
/// One pass stops after this many attempts, so a backlog cannot hold a pass forever.
const PASS_LIMIT: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The next time on the schedule after `now`, or `GiveUp` when the schedule is over. Times
/// already past are skipped, so an instance that was down does not fire a burst of queries.
pub fn next_query(created_at: DateTime<Utc>, now: DateTime<Utc>) -> NextQuery {
    SCHEDULE_MINUTES
        .iter()
        .map(|m| created_at + chrono::Duration::minutes(*m))
        .find(|at| *at > now)
        .map_or(NextQuery::GiveUp, NextQuery::At)
}

/// One attempt: claims the most overdue one, asks its bank, applies or reschedules.
pub async fn sync_one(app: &AppState) -> Result<Outcome, SyncError> {
    let now = app.clock.now();
    let Some(attempt) = app.store.claim_due_attempt(now, now + LEASE).await? else {
        return Ok(Outcome::Idle);
    };
    let (result, next) = ask(app, &attempt).await?;
    tracing::info!(attempt_id = attempt.id, bank = %attempt.bank, result, next = ?next, "pending sync");
    app.store
        .record_query(&attempt, &result, next, app.clock.now())
        .await?;
    Ok(Outcome::Done)
}

/// Every due attempt, one after another; returns how many were queried. For tests and for
/// the loop below.
pub async fn sync_pass(app: &AppState) -> Result<usize, SyncError> {
    let mut done = 0;
    while done < PASS_LIMIT && sync_one(app).await? == Outcome::Done {
        done += 1;
    }
    Ok(done)
}

/// Asks the bank; a final result is applied. Returns what to record and what comes next. A
/// bank that cannot be reached or answers nothing usable counts as "not resolved".
async fn ask(app: &AppState, attempt: &Attempt) -> Result<(String, NextQuery), SyncError> {
    let now = app.clock.now();
    let unresolved = |result: String| (result, next_query(attempt.created_at, now));
    let report = match query_attempt(app, attempt).await {
        Ok(QueryAnswer::Found(report)) => report,
        Ok(QueryAnswer::NotFound) => {
            // The checkout's open attempt rule reads this answer too (payments::open_attempt).
            app.store.attempt_not_paid(attempt, now).await?;
            return Ok(unresolved("not found at the bank".into()));
        }
        Err(e) => return Ok(unresolved(format!("query failed: {e}"))),
    };
    let applied = app.store.apply_report(&report, now).await?;
    if applied == Applied::Paid {
        app.metrics.payment(attempt.bank);
    }
    Ok(match applied {
        Applied::Paid
        | Applied::FailureRecorded
        | Applied::Repeat
        | Applied::DuplicatePayment { .. }
        | Applied::AmountMismatch => (format!("{applied:?}"), NextQuery::Resolved),
        Applied::NotFinal | Applied::UnknownReference => {
            if applied == Applied::NotFinal {
                app.store.attempt_not_paid(attempt, now).await?;
            }
            unresolved(format!("{applied:?}: {:?}", report.outcome))
        }
    })
}

/// Syncs until shutdown, pausing when nothing is due or the database fails.
pub async fn run(app: AppState, mut stop: Shutdown) {
    while !*stop.borrow() {
        let pause = match sync_one(&app).await {
            Ok(Outcome::Done) => continue,
            Ok(Outcome::Idle) => IDLE_PAUSE,
            Err(e) => {
                tracing::error!(error.cause_chain = ?e, "pending sync pass failed");
                ERROR_PAUSE
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_skips_past_times_and_ends_after_three_days() {
        let created = Utc::now();
        let at = |m: i64| created + chrono::Duration::minutes(m);
        assert_eq!(next_query(created, at(5)), NextQuery::At(at(15)));
        assert_eq!(next_query(created, at(200)), NextQuery::At(at(360)));
        assert_eq!(next_query(created, at(4319)), NextQuery::At(at(4320)));
        assert_eq!(next_query(created, at(4320)), NextQuery::GiveUp);
    }
}
