//! Background work: each worker is a loop over an outcome, claimed through the database so that
//! several instances can share one PostgreSQL, and stopped by the shutdown signal.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::app::Shutdown;

/// What one pass of a worker did: `Idle` means sleep before the next pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Idle,
}

pub fn spawn_all(state: &AppState, stop: Shutdown) -> Vec<JoinHandle<()>> {
    if !state.config.server.workers {
        return Vec::new();
    }
    let notify = tokio::spawn(crate::notify::run(state.clone(), stop.clone()));
    let expiry = tokio::spawn(expire_orders(state.clone(), stop.clone()));
    // Reconciliation schedule (src/scheduler.rs): claims each (bank, slot) in `job_runs`.
    let reconciliation = tokio::spawn(crate::scheduler::run(state.clone(), stop.clone()));
    let sync = tokio::spawn(crate::pending_sync::run(state.clone(), stop.clone()));
    // The daily operations report (src/daily_report/schedule.rs): claims each firing likewise.
    let report = tokio::spawn(crate::daily_report::schedule::run(
        state.clone(),
        stop.clone(),
    ));
    // The payer's email and SMS (src/messages/outbox.rs).
    let messages = tokio::spawn(crate::messages::outbox::run(state.clone(), stop.clone()));
    vec![notify, expiry, reconciliation, sync, report, messages]
}

/// Calls `pass` until shutdown; sleeps `idle` after an idle pass and longer after an error.
pub async fn repeat<F, Fut, E>(name: &'static str, idle: Duration, mut stop: Shutdown, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Outcome, E>>,
    E: std::fmt::Debug,
{
    while !*stop.borrow() {
        let pause = match pass().await {
            Ok(Outcome::Done) => continue,
            Ok(Outcome::Idle) => idle,
            Err(e) => {
                tracing::error!(worker = name, error.cause_chain = ?e, "worker pass failed");
                idle * 5
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}

/// The expiry worker: pending orders past `expires_at` become `expired`, a batch per pass.
/// Several instances may run it: each order is locked and re-checked, so it expires once.
async fn expire_orders(app: AppState, stop: Shutdown) {
    const BATCH: i64 = 200;
    repeat("expiry", Duration::from_secs(5), stop, || {
        let app = app.clone();
        async move {
            let n = app.store.expire_due_orders(app.clock.now(), BATCH).await?;
            Ok::<_, crate::store::StoreError>(if n as i64 == BATCH {
                Outcome::Done
            } else {
                Outcome::Idle
            })
        }
    })
    .await
}
