//! Fetching a bank's daily statement over HTTP (statements.md: "PayHub fetches it over HTTP on a
//! schedule"), with retries while the bank has not closed the day.

use std::time::Duration;

use bank_adapters::vcb;
use chrono::NaiveDate;

use crate::banks::{bidv_partner, vcb_merchant, vcb_send};
use crate::domain::bank::BankCode;
use crate::http::AppState;
use crate::startup::Shutdown;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0} is not configured")]
    NotConfigured(BankCode),
    #[error("{bank} has not closed {date} yet")]
    NotClosed { bank: BankCode, date: NaiveDate },
    #[error("{0} could not be reached: {1}")]
    Unreachable(BankCode, reqwest::Error),
    #[error("{0} refused the statement request: {1}")]
    Refused(BankCode, String),
    #[error("stopped while waiting for {0}'s statement")]
    Stopped(BankCode),
}

impl FetchError {
    /// Worth asking again later: the day is not closed, or the bank did not answer.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::NotClosed { .. } | FetchError::Unreachable(..) => true,
            FetchError::NotConfigured(_) | FetchError::Refused(..) | FetchError::Stopped(_) => {
                false
            }
        }
    }
}

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

/// One request for `bank`'s statement of `date`: the file's exact bytes.
#[tracing::instrument(skip(app))]
pub async fn fetch_statement(
    app: &AppState,
    bank: BankCode,
    date: NaiveDate,
) -> Result<Vec<u8>, FetchError> {
    let unreachable = |e| FetchError::Unreachable(bank, e);
    let reply = match bank {
        BankCode::Vcb => return fetch_vcb(app, date).await,
        BankCode::Bidv => {
            let cfg = app
                .config
                .banks
                .bidv
                .as_ref()
                .ok_or(FetchError::NotConfigured(bank))?;
            let partner = bidv_partner(&app.config).ok_or(FetchError::NotConfigured(bank))?;
            let ngay = date.format("%Y%m%d").to_string();
            let url = format!("{}/thuho/v1/statement", cfg.base_url);
            app.http
                .get(url)
                .query(&[("MaDoiTac", partner.code), ("Ngay", &ngay)])
        }
        BankCode::Vnpay => {
            let cfg = app
                .config
                .banks
                .vnpay
                .as_ref()
                .ok_or(FetchError::NotConfigured(bank))?;
            // VNPAY has no statement API (vnpay.md §4): PayHub's reference path sits beside
            // the merchant API.
            let api = reqwest::Url::parse(&cfg.api_url)
                .map_err(|e| FetchError::Refused(bank, e.to_string()))?;
            let url = format!(
                "{}/merchant_webapi/statement",
                api.origin().ascii_serialization()
            );
            app.http
                .get(url)
                .query(&[("date", date.format("%Y%m%d").to_string())])
        }
    };
    let reply = reply.send().await.map_err(unreachable)?;
    if !reply.status().is_success() {
        return Err(FetchError::Refused(
            bank,
            format!("HTTP {}", reply.status()),
        ));
    }
    Ok(reply.bytes().await.map_err(unreachable)?.to_vec())
}

/// vcb.md §5: signed like any response (checked on the exact bytes); `404` until the day closes.
async fn fetch_vcb(app: &AppState, date: NaiveDate) -> Result<Vec<u8>, FetchError> {
    let bank = BankCode::Vcb;
    let cfg = app
        .config
        .banks
        .vcb
        .as_ref()
        .ok_or(FetchError::NotConfigured(bank))?;
    let merchant = vcb_merchant(&app.config).ok_or(FetchError::NotConfigured(bank))?;
    let url = format!(
        "{}/v1/statements?date={}",
        cfg.base_url,
        date.format("%Y-%m-%d")
    );
    let received = vcb_send(app, &merchant, url, None, app.clock.now().timestamp())
        .await
        .map_err(|e| FetchError::Unreachable(bank, e))?;
    let reply = received.reply();
    let verified = vcb::verify_signed(
        &merchant,
        &reply.headers,
        reply.body,
        app.clock.now().timestamp(),
    );
    match (reply.status, verified) {
        (200, Ok(())) => Ok(reply.body.to_vec()),
        (404, Ok(())) => Err(FetchError::NotClosed { bank, date }),
        (_, Err(e)) => Err(FetchError::Refused(bank, e.to_string())),
        (other, Ok(())) => Err(FetchError::Refused(bank, format!("HTTP {other}"))),
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
