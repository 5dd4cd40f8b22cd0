//! Fetching a bank's daily statement on a schedule (statements.md: "PayHub fetches it over HTTP
//! on a schedule"), with retries while the bank has not closed the day. The request itself is
//! the bank client's ([`crate::banks::fetch_statement`]).

use std::time::Duration;

use chrono::NaiveDate;

use crate::app::{AppState, Shutdown};
use crate::banks::fetch_statement;
pub use crate::banks::FetchError;
use crate::domain::bank::BankCode;

/// How long to keep asking: waits double from `first` up to `max`, for at most `attempts`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub attempts: u32,
}

impl Backoff {
    /// The scheduler's: VCB closes a day at 01:00 (vcb.md §5); from a minute up to half an hour
    /// apart, for about half a day.
    pub const SCHEDULED: Backoff = Backoff {
        first: Duration::from_secs(60),
        max: Duration::from_secs(30 * 60),
        attempts: 30,
    };
    /// One request, for a person waiting on the API or the CLI.
    pub const ONCE: Backoff = Backoff {
        first: Duration::ZERO,
        max: Duration::ZERO,
        attempts: 1,
    };

    fn wait_before(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(2).min(20);
        (self.first * 2u32.pow(doublings)).min(self.max)
    }
}

/// Fetches, retrying transient failures with `backoff`; stops early when `stop` fires.
pub async fn fetch_with_backoff(
    app: &AppState,
    bank: BankCode,
    date: NaiveDate,
    backoff: Backoff,
    stop: &mut Shutdown,
) -> Result<Vec<u8>, FetchError> {
    let mut attempt = 1;
    loop {
        match fetch_statement(app, bank, date).await {
            Err(e) if e.is_transient() && attempt < backoff.attempts => {
                attempt += 1;
                let wait = backoff.wait_before(attempt);
                tracing::info!(%bank, %date, error = %e, ?wait, "statement not available yet");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return Err(FetchError::Stopped(bank)),
                }
            }
            done => return done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheduled_backoff_doubles_from_a_minute_to_half_an_hour() {
        let b = Backoff::SCHEDULED;
        let waits: Vec<u64> = (2..=8).map(|a| b.wait_before(a).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1800, 1800]);
    }
}
