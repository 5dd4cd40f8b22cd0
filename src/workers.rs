//! Background work: each worker is a loop over an outcome, claimed through the database so that
//! several instances can share one PostgreSQL, and stopped by the shutdown signal.

use tokio::task::JoinHandle;

use crate::http::AppState;
use crate::startup::Shutdown;

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
    let sync = tokio::spawn(crate::pending_sync::run(state.clone(), stop.clone()));
    vec![notify, sync]
}
