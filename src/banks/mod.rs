//! The hub's side of each bank, one file per bank: start a payment, query an attempt, refund,
//! fetch the day's statement, and tell a genuine browser return. The adapters (`bank_adapters`)
//! build and verify every message and hold every wire detail; this module does the I/O through
//! the one shared HTTP client, reads credentials from the configuration, and maps what a bank
//! says to domain types ([`BankReport`], [`RefundOutcome`]).
//!
//! One query serves the pending sync and reconciliation's recovery alike ([`query_attempt`]), so
//! "what does the bank say about this attempt" has one answer.

use bank_adapters::{Callback, TxnStatus};
use chrono::{NaiveDate, Utc};

use crate::app::AppState;
use crate::config::Config;
use crate::domain::attempt::{Attempt, BankReport, Reported};
use crate::domain::bank::BankCode;
use crate::domain::order::Order;
use crate::domain::refund::{PendingRefund, RefundOutcome};

pub mod bidv;
pub mod credits;
pub mod vcb;
pub mod vnpay;

#[derive(Debug, thiserror::Error)]
pub enum BankCallError {
    #[error("{0} is not configured")]
    NotConfigured(BankCode),
    #[error("the bank could not be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the bank refused: {0}")]
    Refused(String),
}

fn refused(e: impl std::fmt::Display) -> BankCallError {
    BankCallError::Refused(e.to_string())
}

/// Where to send the citizen's browser, and the bank's own id for the payment where it gives one
/// (VCB's `paymentId`).
#[derive(Debug)]
pub struct StartedPayment {
    pub url: String,
    pub bank_payment_id: Option<String>,
}

/// What the bank said about an attempt.
#[derive(Debug)]
pub enum QueryAnswer {
    /// A verified answer about this very attempt: paid, failed, or not final yet.
    Found(BankReport),
    /// The bank does not know the attempt: the citizen may never have reached it.
    NotFound,
}

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
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::NotClosed { .. } | FetchError::Unreachable(..) => true,
            FetchError::NotConfigured(_) | FetchError::Refused(..) | FetchError::Stopped(_) => {
                false
            }
        }
    }
}

/// Asks the bank to start `attempt` of `order`.
#[tracing::instrument(skip_all, fields(bank = %attempt.bank, reference = %attempt.reference))]
pub async fn start_payment(
    app: &AppState,
    order: &Order,
    attempt: &Attempt,
) -> Result<StartedPayment, BankCallError> {
    match attempt.bank {
        BankCode::Vnpay => vnpay::start(app, order, attempt),
        BankCode::Vcb => vcb::start(app, order, attempt).await,
        BankCode::Bidv => bidv::start(app, order, attempt).await,
    }
}

/// Asks the bank how `attempt` stands. An answer about another reference is refused: the
/// adapters verify the signature, the hub checks the answer is about what it asked.
#[tracing::instrument(skip_all, fields(bank = %attempt.bank, reference = %attempt.reference))]
pub async fn query_attempt(
    app: &AppState,
    attempt: &Attempt,
) -> Result<QueryAnswer, BankCallError> {
    let answer = match attempt.bank {
        BankCode::Vnpay => vnpay::query(app, attempt).await,
        BankCode::Vcb => vcb::query(app, attempt).await,
        BankCode::Bidv => bidv::query(app, attempt).await,
    };
    record_query(app, attempt, &answer).await;
    match answer? {
        QueryAnswer::Found(report) if report.reference != attempt.reference => {
            Err(refused(format!(
                "the bank answered about {}, not {}",
                report.reference, attempt.reference
            )))
        }
        answer => Ok(answer),
    }
}

/// Keeps whether the bank answered, for the daily report's incidents (`daily_report`) and the
/// metrics; losing this record never fails the query.
async fn record_query(
    app: &AppState,
    attempt: &Attempt,
    answer: &Result<QueryAnswer, BankCallError>,
) {
    let error = answer.as_ref().err().map(ToString::to_string);
    app.metrics
        .bank_call(attempt.bank, "query", error.is_none());
    let outcome = error.as_deref().map_or(Ok(()), Err);
    let now = app.clock.now();
    if let Err(e) = (app.store)
        .record_bank_query(attempt.bank, attempt.id, &attempt.order_id, outcome, now)
        .await
    {
        tracing::warn!(error.cause_chain = ?e, "recording a bank query failed");
    }
}

/// Whether the bank of a refund is configured, checked before anything is written, so that no
/// refund is ever `pending` without a bank call.
pub fn can_refund(config: &Config, attempt: &Attempt) -> bool {
    match attempt.bank {
        BankCode::Vnpay => {
            vnpay::terminal(config, attempt.terminal_code.as_deref().unwrap_or_default()).is_some()
        }
        BankCode::Vcb => vcb::merchant(config).is_some(),
        BankCode::Bidv => bidv::partner(config).is_some(),
    }
}

/// Asks the bank to give back `r` and reads its answer into a refund state that tells the
/// truth: `Pending` only when the bank accepted and said so; a bank that cannot be reached, or
/// refuses, is `Failed` with the reason.
#[tracing::instrument(skip_all, fields(refund_ref = %r.refund_ref))]
pub async fn refund(app: &AppState, r: &PendingRefund, actor: &str) -> RefundOutcome {
    let sent = match r.payment.attempt.bank {
        BankCode::Vnpay => vnpay::refund(app, r, actor).await,
        BankCode::Vcb => vcb::refund(app, r).await,
        BankCode::Bidv => bidv::refund(app, r).await,
    };
    sent.unwrap_or_else(|e| RefundOutcome::Failed {
        reason: refund_failure_reason(&e),
    })
}

/// A refused connection means the bank never saw the request. Any other failure (a timeout, an
/// unreadable or forged reply) came after it was sent: the bank may have refunded, so the reason
/// says to check with it before refunding again.
fn refund_failure_reason(e: &BankCallError) -> String {
    match e {
        BankCallError::Unreachable(cause) if cause.is_connect() => e.to_string(),
        BankCallError::Unreachable(_) | BankCallError::Refused(_) => {
            format!("{e}; if the request reached the bank, it may have refunded: check with the bank before refunding again")
        }
        BankCallError::NotConfigured(_) => e.to_string(),
    }
}

fn refund_outcome(
    status: bank_adapters::RefundStatus,
    bank_refund_id: Option<String>,
) -> RefundOutcome {
    use bank_adapters::RefundStatus;
    match status {
        RefundStatus::Succeeded => RefundOutcome::Succeeded { bank_refund_id },
        RefundStatus::Pending => RefundOutcome::Pending { bank_refund_id },
        RefundStatus::Failed => RefundOutcome::Failed {
            reason: "the bank says the refund failed".into(),
        },
        RefundStatus::Unknown(s) => RefundOutcome::Failed {
            reason: format!("the bank answered status {s:?}"),
        },
    }
}

/// One request for `bank`'s statement of `date`: the file's exact bytes.
#[tracing::instrument(skip(app))]
pub async fn fetch_statement(
    app: &AppState,
    bank: BankCode,
    date: NaiveDate,
) -> Result<Vec<u8>, FetchError> {
    match bank {
        BankCode::Vnpay => vnpay::statement(app, date).await,
        BankCode::Vcb => vcb::statement(app, date).await,
        BankCode::Bidv => bidv::statement(app, date).await,
    }
}

/// Whether a browser return carries the bank's valid signature (BIDV's return has none). The
/// return page only displays, so this only decides whether to show the result at all.
pub fn return_is_genuine(config: &Config, bank: BankCode, query: &str) -> bool {
    match bank {
        BankCode::Vnpay => vnpay::return_is_genuine(config, query),
        BankCode::Vcb => vcb::return_is_genuine(config, query),
        BankCode::Bidv => true,
    }
}

/// What the citizen's payment is described as at the bank, before each bank writes it its own
/// way (e.g. `Thanh toan ho so 000.00.12.H29-260530-0001`).
fn description(order: &Order) -> String {
    format!("Thanh toan ho so {}", order.dossier_code)
}

/// A verified notification or query answer of any bank, in PayHub's terms.
pub fn report(cb: Callback) -> BankReport {
    let outcome = match cb.status {
        TxnStatus::Paid => Reported::Paid,
        TxnStatus::Failed { code } => Reported::Failed { code },
        TxnStatus::Cancelled => Reported::Cancelled,
        TxnStatus::Pending => Reported::NotFinal("pending".into()),
        TxnStatus::Refunded => Reported::NotFinal("refunded".into()),
        TxnStatus::Unknown(code) => Reported::NotFinal(code),
    };
    BankReport {
        bank: cb.bank,
        merchant: cb.merchant,
        reference: cb.reference,
        bank_txn_id: cb.bank_txn_id,
        amount: cb.amount,
        currency_is_vnd: cb.currency_is_vnd,
        outcome,
        paid_at: cb.paid_at.map(|t| t.with_timezone(&Utc)),
        credit_account: cb.credit_account,
    }
}

/// POSTs a JSON body the adapter built and returns the reply's bytes, for the adapter to verify.
async fn post_json(app: &AppState, url: &str, body: String) -> Result<Vec<u8>, reqwest::Error> {
    let reply = app
        .http
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    Ok(reply.bytes().await?.to_vec())
}

/// GETs a statement file; anything but 2xx is a refusal.
async fn get_file(app: &AppState, bank: BankCode, url: &str) -> Result<Vec<u8>, FetchError> {
    let unreachable = |e| FetchError::Unreachable(bank, e);
    let reply = app.http.get(url).send().await.map_err(unreachable)?;
    if !reply.status().is_success() {
        return Err(FetchError::Refused(
            bank,
            format!("HTTP {}", reply.status()),
        ));
    }
    Ok(reply.bytes().await.map_err(unreachable)?.to_vec())
}

/// An attempt as the bank clients' tests need one: `bank`'s, redirected, 150 000 đồng.
#[cfg(test)]
pub(crate) fn test_attempt(bank: BankCode) -> Attempt {
    use crate::domain::state::AttemptStatus;
    Attempt {
        id: 1,
        order_id: "o".into(),
        bank,
        reference: "A7K2M9Q4XYZ1".into(),
        status: AttemptStatus::Redirected,
        amount: crate::domain::Vnd::parse("150000").unwrap(),
        account_no: "12010000123456".into(),
        account_name: "KBNN HA NOI".into(),
        bank_bin: "970418".into(),
        terminal_code: Some("PAYHUB01".into()),
        bank_payment_id: None,
        bank_create_date: None,
        client_ip: None,
        query_count: 0,
        channel: crate::domain::attempt::Channel::Gateway,
        // 2026-05-30 21:03:00 GMT+7.
        created_at: chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 5, 30, 14, 3, 0).unwrap(),
    }
}
