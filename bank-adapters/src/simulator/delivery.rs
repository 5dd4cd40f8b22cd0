//! Delivering one payment's callbacks to PayHub: the copies, the delay, the retries until PayHub
//! acknowledges, and a record of every attempt in the ledger.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::controls::Controls;
use super::ledger::{CallbackAttempt, CallbackState};
use super::TxnId;

type SendFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One transaction's callback: how to make one attempt (each bank builds and judges its own
/// request; VCB re-signs every attempt with a fresh timestamp).
#[derive(Clone)]
pub(crate) struct Outgoing {
    pub(crate) txn: TxnId,
    send: Arc<dyn Fn() -> SendFuture + Send + Sync>,
}

impl Outgoing {
    pub(crate) fn new<F, Fut>(txn: TxnId, send: F) -> Outgoing
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        Outgoing {
            txn,
            send: Arc::new(move || Box::pin(send()) as SendFuture),
        }
    }
}

/// What one attempt came to.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) http_status: Option<u16>,
    pub(crate) code: Option<String>,
    pub(crate) acknowledged: bool,
    pub(crate) error: Option<String>,
}

impl Outcome {
    /// No usable reply: a transport error or timeout, which every spec retries.
    pub(crate) fn failed(error: impl ToString) -> Outcome {
        Outcome {
            http_status: None,
            code: None,
            acknowledged: false,
            error: Some(error.to_string()),
        }
    }
}

/// One payment's callbacks (two for a double payment) and how to send them.
pub(crate) struct Job {
    pub(crate) outgoing: Vec<Outgoing>,
    pub(crate) copies: u32,
    pub(crate) concurrent: bool,
    pub(crate) delay: Duration,
}

/// Marks the job's callbacks as delivering before any attempt, so a test that waits for
/// [`CallbackState::Finished`] cannot see a callback finish before it started.
pub(crate) fn mark_delivering(controls: &Controls, job: &Job) {
    controls.update(|ledger| {
        for out in &job.outgoing {
            let log = &mut ledger.get_mut(out.txn).callback;
            log.state = CallbackState::Delivering;
            log.in_flight += job.copies;
        }
    });
}

/// Sends a job's callbacks one after another (a double payment is notified after the first).
pub(crate) async fn run(controls: Controls, job: Job) {
    tokio::time::sleep(job.delay).await;
    for out in job.outgoing {
        if job.concurrent {
            let mut copies = JoinSet::new();
            for copy in 1..=job.copies {
                let (controls, out) = (controls.clone(), out.clone());
                copies.spawn(async move { deliver(&controls, &out, copy).await });
            }
            while copies.join_next().await.is_some() {}
        } else {
            for copy in 1..=job.copies {
                deliver(&controls, &out, copy).await;
            }
        }
    }
}

/// One copy: attempts until PayHub acknowledges or the retry schedule runs out.
async fn deliver(controls: &Controls, out: &Outgoing, copy: u32) {
    let mut attempt = 1;
    loop {
        let outcome = (out.send)().await;
        if outcome.error.is_some() || !outcome.acknowledged {
            tracing::warn!(
                txn = out.txn.0,
                copy,
                attempt,
                ?outcome,
                "callback not acknowledged"
            );
        }
        let acknowledged = outcome.acknowledged;
        let record = CallbackAttempt {
            copy,
            attempt,
            at: controls.clock().now(),
            http_status: outcome.http_status,
            code: outcome.code,
            acknowledged,
            error: outcome.error,
        };
        controls.update(|ledger| ledger.get_mut(out.txn).callback.attempts.push(record));
        let retry = attempt as usize; // attempt n is followed by retry n
        match controls.retry().delay_before(retry) {
            Some(delay) if !acknowledged => tokio::time::sleep(delay).await,
            _ => break,
        }
        attempt += 1;
    }
    controls.update(|ledger| {
        let log = &mut ledger.get_mut(out.txn).callback;
        log.in_flight = log.in_flight.saturating_sub(1);
        if log.in_flight == 0 {
            log.state = CallbackState::Finished;
        }
    });
}
