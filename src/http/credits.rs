//! Credit notifications (vietqr.md §4): VCB and BIDV tell PayHub that an agency's account was
//! credited by a transfer. Verified by the bank's own signature, ledgered with the verdict and
//! our reply, recorded once per bank transaction, and applied to the VietQR attempt the content
//! names through the same exactly-once path as every callback. Nothing is guessed from the
//! amount: a credit whose content names no VietQR attempt is recorded as unidentified.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bank_adapters::{bidv, vcb, vietqr::Credit};

use super::callbacks::{headers_text, json_response};
use crate::app::AppState;
use crate::banks::{self, credits::account_credit};
use crate::domain::credit::CreditOutcome;
use crate::store::payments::InboundCallback;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(vcb::CREDITS_CALLBACK_PATH, post(vcb_credit))
        .route(bidv::CREDITS_CALLBACK_PATH, post(bidv_credit))
}

/// The bank's reply for: stored (or a repeat), signed but unreadable, PayHub failed.
#[derive(Clone, Copy)]
enum Verdict {
    Stored,
    Unstorable,
    Failed,
}

/// Records a verified credit with its ledger row; returns the row (with the reply to send).
async fn record(
    app: &AppState,
    bank: &str,
    headers: &HeaderMap,
    body: &[u8],
    credit: Credit,
    reply: impl Fn(Verdict) -> (u16, String),
) -> (u16, String) {
    let now = app.clock.now();
    let credit = match account_credit(credit) {
        Ok(credit) => credit,
        Err(reason) => {
            let (s, b) = reply(Verdict::Unstorable);
            let verdict = format!("refused: {reason}");
            return write_alone(app, bank, headers, body, None, verdict, s, b).await;
        }
    };
    let attempt = match app.store.vietqr_attempt_named(&credit.candidates).await {
        Ok(attempt) => attempt,
        Err(e) => {
            tracing::warn!(error.cause_chain = ?e, bank, "finding a credit's attempt failed");
            return reply(Verdict::Failed);
        }
    };
    let reference = attempt.as_ref().map(|a| a.reference.as_str());
    let stored = reply(Verdict::Stored);
    let recorded = (app.store)
        .record_credit_ledgered(&credit, attempt.as_ref(), now, |outcome| InboundCallback {
            bank,
            endpoint: "credits",
            raw_query: None,
            raw_headers: headers_text(headers),
            raw_body: body,
            reference,
            verdict: format!("credit {}", outcome.as_str()),
            reply_status: stored.0,
            reply_body: stored.1.clone(),
        })
        .await;
    match recorded {
        Ok((outcome, row)) => {
            if outcome == CreditOutcome::Paid {
                app.metrics.payment(credit.bank);
            }
            (row.reply_status, row.reply_body)
        }
        Err(e) => {
            tracing::error!(error.cause_chain = ?e, bank, "recording a credit failed");
            let (s, b) = reply(Verdict::Failed);
            let verdict = format!("error: {e}");
            write_alone(app, bank, headers, body, reference, verdict, s, b).await
        }
    }
}

/// Ledgers a request answered without recording a credit (refused, or PayHub failed).
#[allow(clippy::too_many_arguments)]
async fn write_alone(
    app: &AppState,
    bank: &str,
    headers: &HeaderMap,
    body: &[u8],
    reference: Option<&str>,
    verdict: String,
    reply_status: u16,
    reply_body: String,
) -> (u16, String) {
    let row = InboundCallback {
        bank,
        endpoint: "credits",
        raw_query: None,
        raw_headers: headers_text(headers),
        raw_body: body,
        reference,
        verdict,
        reply_status,
        reply_body,
    };
    if let Err(e) = app.store.record_inbound(&row, app.clock.now()).await {
        tracing::error!(error.cause_chain = ?e, bank, "inbound ledger write failed");
    }
    (row.reply_status, row.reply_body)
}

/// vietqr.md §4, VCB: signed with the `X-VCB-*` headers over the exact bytes; `{"code":"00"}`
/// once stored (a repeat too), `97` with 401 for a bad signature; the reply is signed.
async fn vcb_credit(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(merchant) = banks::vcb::merchant(&app.config) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let now = app.clock.now().timestamp();
    let signed =
        vcb::SignedHeaders::from_lookup(|name| headers.get(name).and_then(|v| v.to_str().ok()));
    let answer = |r: vcb::NotifyReply| (r.http_status(), r.body());
    let (status, reply_body) = match vcb::verify_credit(&merchant, &signed, &body, now) {
        Err(e) => {
            let verdict = format!("refused: {e}");
            let (s, b) = answer(e.notify_reply());
            write_alone(&app, "vcb", &headers, &body, None, verdict, s, b).await
        }
        Ok(credit) => {
            let reply = |v: Verdict| {
                answer(match v {
                    Verdict::Stored => vcb::NotifyReply::Recorded,
                    Verdict::Unstorable => vcb::NotifyReply::Malformed,
                    Verdict::Failed => vcb::NotifyReply::InternalError,
                })
            };
            record(&app, "vcb", &headers, &body, credit, reply).await
        }
    };
    let mut response = json_response(status, reply_body.clone());
    for (name, value) in vcb::sign_headers(&merchant, now, reply_body.as_bytes()) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// vietqr.md §4, BIDV: `ChuKy` over `MaDoiTac|SoTaiKhoan|SoTien|MaGiaoDich|ThoiGian|NoiDung`;
/// `{"MaLoi":"00"}` once stored, `97` for a bad checksum, `99` when PayHub failed (BIDV retries).
async fn bidv_credit(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(partner) = banks::bidv::partner(&app.config) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (status, reply_body) = match bidv::verify_credit(&partner, &body) {
        Err(e) => {
            let verdict = format!("refused: {e}");
            let code = e.notify_code().as_str();
            let b = bidv::credit_reply(code);
            write_alone(&app, "bidv", &headers, &body, None, verdict, 200, b).await
        }
        Ok(credit) => {
            let reply = |v: Verdict| {
                let code = match v {
                    Verdict::Stored => "00",
                    Verdict::Unstorable | Verdict::Failed => "99",
                };
                (200, bidv::credit_reply(code))
            };
            record(&app, "bidv", &headers, &body, credit, reply).await
        }
    };
    json_response(status, reply_body)
}
