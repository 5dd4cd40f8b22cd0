//! Scheduled reconciliation: per bank a cron expression (`[reconciliation]` in the config, with
//! seconds, read in GMT+7), each firing reconciling the previous business day.
//!
//! Several instances may share one PostgreSQL. Every instance looks at the clock; whichever
//! first inserts the `(job, slot)` row into `job_runs` runs it (STYLE rule 10: `on conflict do
//! nothing` + `rows_affected()`), so a slot runs once however many instances saw it. The claim
//! is a lease the running instance renews; a slot whose instance died mid-run (no outcome, lease
//! past) is claimed again by whichever instance looks next.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use cron::Schedule;
use tokio::task::JoinSet;

use crate::app::AppState;
use crate::app::Shutdown;
use crate::clock::vietnam;
use crate::domain::bank::BankCode;
use crate::recon::fetch::{fetch_with_backoff, Backoff};
use crate::recon::progress::Quiet;
use crate::recon::{reconcile_statement, Statement};
use crate::store::reconciliation::RunSource;
use crate::store::StoreError;
use crate::workers::Outcome;

/// How often an instance looks for due slots.
const TICK: Duration = Duration::from_secs(20);
/// A slot missed by at most this much (an instance was restarting) still runs; older ones do
/// not, so a new deployment does not replay days nobody asked for.
const LOOKBACK: chrono::Duration = chrono::Duration::hours(6);
/// How long a claim holds without renewal (PayHub's clock), and how often a running job renews
/// it (the process's): a claim outlives a renewal missed under load, not a dead instance.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(5);
const RENEW_EVERY: Duration = Duration::from_secs(60);
/// The actor of scheduled runs, in runs and the audit log.
pub const SCHEDULER_ACTOR: &str = "system:scheduler";

#[derive(Debug, thiserror::Error)]
#[error("reconciliation.{bank}: {reason}")]
pub struct BadSchedule {
    pub bank: BankCode,
    pub reason: String,
}

/// One bank's reconciliation schedule.
#[derive(Debug, Clone)]
pub struct BankSchedule {
    pub bank: BankCode,
    pub schedule: Schedule,
}

/// The configured schedules; a bank without an expression is not scheduled.
pub fn schedules(app: &AppState) -> Result<Vec<BankSchedule>, BadSchedule> {
    let c = &app.config.reconciliation;
    let configured = [
        (BankCode::Vnpay, &c.vnpay),
        (BankCode::Vcb, &c.vcb),
        (BankCode::Bidv, &c.bidv),
    ];
    configured
        .into_iter()
        .filter_map(|(bank, cron)| Some((bank, cron.as_deref()?)))
        .map(|(bank, cron)| {
            let schedule = Schedule::from_str(cron).map_err(|e| BadSchedule {
                bank,
                reason: e.to_string(),
            })?;
            Ok(BankSchedule { bank, schedule })
        })
        .collect()
}

/// The latest firing of `schedule` at or before `now` (GMT+7), if within the lookback.
pub fn latest_slot(schedule: &Schedule, now: DateTime<Utc>) -> Option<DateTime<FixedOffset>> {
    let now = now.with_timezone(&vietnam());
    let slot = schedule
        .after(&(now + chrono::Duration::seconds(1)))
        .next_back()?;
    (slot <= now && now - slot <= LOOKBACK).then_some(slot)
}

/// A claimed slot: this instance runs it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub job: String,
    pub slot: String,
    pub bank: BankCode,
    /// The previous business day of the slot, the day reconciled.
    pub date: NaiveDate,
}

/// How a job ended, as `job_runs.outcome` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Succeeded { run_id: i64 },
    Failed(String),
}

/// This process, for `job_runs.claimed_by`.
pub(crate) fn instance() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "payhub".into());
    format!("{host}#{}", std::process::id())
}

/// Claims the due slot of every schedule that no instance has claimed yet.
pub async fn claim_due(
    app: &AppState,
    schedules: &[BankSchedule],
    now: DateTime<Utc>,
) -> Result<Vec<Claimed>, StoreError> {
    let mut claimed = Vec::new();
    for s in schedules {
        let Some(slot) = latest_slot(&s.schedule, now) else {
            continue;
        };
        let job = format!("reconcile:{}", s.bank);
        let slot_name = slot.to_rfc3339();
        if app
            .store
            .claim_job(&job, &slot_name, &instance(), now, now + LEASE)
            .await?
        {
            let date = slot.date_naive().pred_opt().expect("a day before any slot");
            claimed.push(Claimed {
                job,
                slot: slot_name,
                bank: s.bank,
                date,
            });
        }
    }
    Ok(claimed)
}

/// Fetches (retrying while the bank has not closed the day), reconciles, and records the
/// outcome in `job_runs`.
#[tracing::instrument(skip_all, fields(job = %job.job, slot = %job.slot, date = %job.date))]
pub async fn run_job(
    app: &AppState,
    job: &Claimed,
    backoff: Backoff,
    stop: Shutdown,
) -> JobOutcome {
    let work = reconcile_day(app, job, backoff, stop);
    tokio::pin!(work);
    let outcome = loop {
        tokio::select! {
            outcome = &mut work => break outcome,
            _ = tokio::time::sleep(RENEW_EVERY) => renew_lease(app, job).await,
        }
    };
    record_outcome(app, job, &outcome).await;
    outcome
}

async fn renew_lease(app: &AppState, job: &Claimed) {
    let until = app.clock.now() + LEASE;
    match (app.store)
        .renew_job_lease(&job.job, &job.slot, &instance(), until)
        .await
    {
        Ok(true) => {}
        // Another instance took the slot over (this one stalled past its lease): both runs are
        // kept, the newest current, as for any re-run of a day.
        Ok(false) => tracing::warn!("the job's lease was taken over by another instance"),
        Err(e) => tracing::error!(error.cause_chain = ?e, "renewing the job's lease failed"),
    }
}

async fn reconcile_day(
    app: &AppState,
    job: &Claimed,
    backoff: Backoff,
    mut stop: Shutdown,
) -> JobOutcome {
    match fetch_with_backoff(app, job.bank, job.date, backoff, &mut stop).await {
        Err(e) => JobOutcome::Failed(e.to_string()),
        Ok(file) => {
            let statement = Statement {
                bank: job.bank,
                date: job.date,
                file,
                source: RunSource::Fetched,
                file_name: None,
            };
            match reconcile_statement(app, statement, SCHEDULER_ACTOR, Arc::new(Quiet)).await {
                Ok(run_id) => JobOutcome::Succeeded { run_id },
                Err(e) => JobOutcome::Failed(e.to_string()),
            }
        }
    }
}

async fn record_outcome(app: &AppState, job: &Claimed, outcome: &JobOutcome) {
    let (name, run_id, detail) = match outcome {
        JobOutcome::Succeeded { run_id } => ("succeeded", Some(*run_id), None),
        JobOutcome::Failed(why) => ("failed", None, Some(why.as_str())),
    };
    if let JobOutcome::Failed(why) = outcome {
        tracing::error!(reason = %why, "scheduled reconciliation failed");
    }
    let now = app.clock.now();
    if let Err(e) = app
        .store
        .finish_job(&job.job, &job.slot, name, run_id, detail, now)
        .await
    {
        tracing::error!(error.cause_chain = ?e, "recording the job's outcome failed");
    }
}

/// Claims every job due at `at` and runs each to its end, in turn: a tick of the loop that
/// waits for its jobs, for tests to call (concurrently, as several instances would).
pub async fn run_due(
    app: &AppState,
    at: DateTime<Utc>,
    backoff: Backoff,
    stop: Shutdown,
) -> Result<Vec<JobOutcome>, StoreError> {
    let schedules = schedules(app).unwrap_or_else(|e| {
        tracing::error!(error = %e, "a reconciliation schedule is invalid");
        Vec::new()
    });
    let mut outcomes = Vec::new();
    for job in claim_due(app, &schedules, at).await? {
        outcomes.push(run_job(app, &job, backoff, stop.clone()).await);
    }
    Ok(outcomes)
}

/// The loop: every tick, claim what is due and run each claimed job in a task of its own (a
/// job may wait hours for a bank to close its day). Stops on shutdown, letting jobs end.
pub async fn run(app: AppState, mut stop: Shutdown) {
    let schedules = match schedules(&app) {
        Ok(s) if s.is_empty() => return,
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "reconciliation is not scheduled");
            return;
        }
    };
    let mut tried = HashMap::new();
    let mut jobs = JoinSet::new();
    while !*stop.borrow() {
        let outcome = tick(&app, &schedules, &mut tried, &mut jobs, &stop).await;
        while jobs.try_join_next().is_some() {}
        if outcome == Outcome::Done {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while jobs.join_next().await.is_some() {}
    })
    .await;
}

/// When this instance last asked for each bank's slot, and when it asks again.
type Tried = HashMap<BankCode, (DateTime<FixedOffset>, DateTime<Utc>)>;

/// One pass: claims the slots this instance has not asked for within a lease (a slot stays due
/// for the whole lookback, and asking the database every tick would be a write each time; asking
/// again after a lease takes over a slot whose instance died).
async fn tick(
    app: &AppState,
    schedules: &[BankSchedule],
    tried: &mut Tried,
    jobs: &mut JoinSet<JobOutcome>,
    stop: &Shutdown,
) -> Outcome {
    let now = app.clock.now();
    let fresh: Vec<BankSchedule> = schedules
        .iter()
        .filter(|s| {
            latest_slot(&s.schedule, now).is_some_and(|slot| match tried.get(&s.bank) {
                Some(&(asked, again)) if asked == slot && now < again => false,
                _ => {
                    tried.insert(s.bank, (slot, now + LEASE));
                    true
                }
            })
        })
        .cloned()
        .collect();
    match claim_due(app, &fresh, now).await {
        Ok(claimed) if claimed.is_empty() => Outcome::Idle,
        Ok(claimed) => {
            for job in claimed {
                let (app, stop) = (app.clone(), stop.clone());
                jobs.spawn(async move { run_job(&app, &job, Backoff::SCHEDULED, stop).await });
            }
            Outcome::Done
        }
        Err(e) => {
            tracing::error!(error.cause_chain = ?e, "claiming scheduled jobs failed");
            tried.clear();
            Outcome::Idle
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_slot_is_the_latest_firing_in_vietnam_time() {
        let daily = Schedule::from_str("0 30 1 * * *").unwrap();
        // 01:30 GMT+7 on 31 May is 18:30 UTC on 30 May.
        let slot = latest_slot(&daily, at("2026-05-30T18:30:00Z")).unwrap();
        assert_eq!(slot.to_rfc3339(), "2026-05-31T01:30:00+07:00");
        let later = latest_slot(&daily, at("2026-05-30T19:10:05Z")).unwrap();
        assert_eq!(later, slot, "the same slot until the next firing");
        assert_eq!(
            latest_slot(&daily, at("2026-05-30T18:29:59Z")),
            None,
            "yesterday's is past the lookback"
        );
    }

    #[test]
    fn a_slot_reconciles_the_previous_business_day() {
        let slot = DateTime::parse_from_rfc3339("2026-06-01T01:30:00+07:00").unwrap();
        assert_eq!(
            slot.date_naive().pred_opt().unwrap().to_string(),
            "2026-05-31"
        );
    }
}
