//! Bank callbacks (api.md, "Bank callbacks"): verify, apply exactly once, reply in the bank's own
//! format and codes. Every request lands in the inbound ledger with its verdict and our reply; a
//! forged or stale one changes nothing else.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bank_adapters::{bidv, vcb, vnpay, Callback, TxnStatus};

use super::AppState;
use crate::banks::{bidv_partner, description, vcb_merchant};
use crate::domain::state::OrderStatus;
use crate::store::payments::{Applied, InboundCallback};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/callbacks/vnpay/ipn", get(vnpay_ipn))
        .route("/callbacks/vcb", post(vcb_notify))
        .route("/callbacks/bidv/inquiry", post(bidv_inquiry))
        .route("/callbacks/bidv/notify", post(bidv_notify))
}

/// What happened to one callback, for the ledger.
struct Verdict<'a> {
    reference: Option<&'a str>,
    verdict: String,
}

impl<'a> Verdict<'a> {
    fn of(cb: &'a Callback, applied: &Result<Applied, crate::store::StoreError>) -> Verdict<'a> {
        let verdict = match applied {
            Ok(a) => format!("{a:?}"),
            Err(e) => format!("error: {e}"),
        };
        Verdict {
            reference: Some(&cb.reference),
            verdict,
        }
    }

    fn refused(reason: impl std::fmt::Display) -> Verdict<'a> {
        Verdict {
            reference: None,
            verdict: format!("refused: {reason}"),
        }
    }
}

fn headers_text(headers: &HeaderMap) -> String {
    headers
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("<binary>")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[allow(clippy::too_many_arguments)]
async fn ledger(
    app: &AppState,
    bank: &str,
    endpoint: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    verdict: Verdict<'_>,
    reply_status: u16,
    reply_body: &str,
) {
    let row = InboundCallback {
        bank,
        endpoint,
        raw_query: query,
        raw_headers: headers_text(headers),
        raw_body: body,
        reference: verdict.reference,
        verdict: &verdict.verdict,
        reply_status,
        reply_body,
    };
    if let Err(e) = app.store.record_inbound(&row, app.clock.now()).await {
        tracing::error!(error.cause_chain = ?e, bank, "inbound ledger write failed");
    }
}

/// Applies a verified callback, first checking what the adapters leave to the hub.
async fn apply(app: &AppState, cb: &Callback) -> Result<Applied, crate::store::StoreError> {
    let public_url = &app.config.server.public_url;
    app.store
        .apply_callback(cb, app.clock.now(), public_url)
        .await
}

fn json_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, [("content-type", "application/json")], body).into_response()
}

/// vnpay.md §2: verify, check terminal, reference and amount, apply, answer `RspCode`.
async fn vnpay_ipn(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let verified = vnpay::verify_ipn(&query, |code| app.config.vnpay_secret(code));
    let (reply, verdict) = match &verified {
        Err(e) => (e.ipn_reply(), Verdict::refused(e)),
        Ok(cb) => {
            let applied = vnpay_apply(&app, cb).await;
            (vnpay_reply(&applied), Verdict::of(cb, &applied))
        }
    };
    let body = reply.body();
    ledger(
        &app,
        "vnpay",
        "ipn",
        Some(&query),
        &headers,
        b"",
        verdict,
        200,
        &body,
    )
    .await;
    json_response(200, body)
}

/// api.md: a reference of another terminal is unknown to this one (01).
async fn vnpay_apply(app: &AppState, cb: &Callback) -> Result<Applied, crate::store::StoreError> {
    let attempt = app.store.attempt_by_reference(&cb.reference).await?;
    match attempt {
        Some(a) if a.terminal_code.as_deref() == Some(cb.merchant.as_str()) => apply(app, cb).await,
        _ => Ok(Applied::UnknownReference),
    }
}

fn vnpay_reply(applied: &Result<Applied, crate::store::StoreError>) -> vnpay::IpnReply {
    use vnpay::IpnReply::*;
    match applied {
        Ok(Applied::Paid | Applied::FailureRecorded) => ConfirmSuccess,
        Ok(Applied::DuplicatePayment {
            attempt_was_final: false,
        }) => ConfirmSuccess,
        Ok(
            Applied::Repeat
            | Applied::DuplicatePayment {
                attempt_was_final: true,
            },
        ) => AlreadyConfirmed,
        Ok(Applied::AmountMismatch) => InvalidAmount,
        Ok(Applied::UnknownReference) => OrderNotFound,
        // Not final yet (e.g. 07, held for review): ask VNPAY to retry; pending sync also asks.
        Ok(Applied::NotFinal) | Err(_) => UnknownError,
    }
}

/// vcb.md §2: verify the exact bytes, apply, answer a signed `{"code","message"}`.
async fn vcb_notify(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(merchant) = vcb_merchant(&app.config) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let now = app.clock.now().timestamp();
    let signed =
        vcb::SignedHeaders::from_lookup(|name| headers.get(name).and_then(|v| v.to_str().ok()));
    let verified = vcb::verify_notification(&merchant, &signed, &body, now);
    let (reply, verdict) = match &verified {
        Err(e) => (e.notify_reply(), Verdict::refused(e)),
        Ok(cb) => {
            let applied = apply(&app, cb).await;
            (vcb_reply(&applied), Verdict::of(cb, &applied))
        }
    };
    let reply_body = reply.body();
    ledger(
        &app,
        "vcb",
        "notify",
        None,
        &headers,
        &body,
        verdict,
        reply.http_status(),
        &reply_body,
    )
    .await;
    let mut response = json_response(reply.http_status(), reply_body.clone());
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

fn vcb_reply(applied: &Result<Applied, crate::store::StoreError>) -> vcb::NotifyReply {
    use vcb::NotifyReply::*;
    match applied {
        Ok(Applied::Paid | Applied::FailureRecorded | Applied::Repeat | Applied::NotFinal) => {
            Recorded
        }
        Ok(Applied::DuplicatePayment { .. }) => Recorded,
        Ok(Applied::AmountMismatch) => AmountMismatch,
        Ok(Applied::UnknownReference) => UnknownOrderRef,
        Err(_) => InternalError,
    }
}

/// bidv.md §2: tell BIDV what the bill is; never changes state.
async fn bidv_inquiry(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(partner) = bidv_partner(&app.config) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let now = app.clock.now();
    let reply = match bidv::verify_inquiry(&partner, &body, now.timestamp()) {
        Err(e) => bidv::InquiryReply::refusal_echoing(e.inquiry_code(), &body),
        Ok(inquiry) => bill_answer(&app, &inquiry.bill_code, now).await,
    };
    let reply_body = reply.to_json(&partner);
    let verdict = Verdict {
        reference: Some(&reply.bill_code),
        verdict: format!("inquiry {}", reply.code.as_str()),
    };
    ledger(
        &app,
        "bidv",
        "inquiry",
        None,
        &headers,
        &body,
        verdict,
        200,
        &reply_body,
    )
    .await;
    json_response(200, reply_body)
}

async fn bill_answer(
    app: &AppState,
    bill: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> bidv::InquiryReply {
    use bidv::InquiryCode::*;
    let attempt = match app.store.attempt_by_reference(bill).await {
        Ok(Some(a)) if a.bank == bank_adapters::BankCode::Bidv => a,
        Ok(_) => return bidv::InquiryReply::refusal(NotFound, bill),
        Err(_) => return bidv::InquiryReply::refusal(Error, bill),
    };
    let Ok(Some(order)) = app.store.order(&attempt.order_id).await else {
        return bidv::InquiryReply::refusal(Error, bill);
    };
    match order.status {
        s if s.is_paid() => bidv::InquiryReply::refusal(AlreadyPaid, bill),
        OrderStatus::Pending if order.expires_at > now => {
            let name = vnpay::sanitize_order_info(&order.payer_name).to_uppercase();
            bidv::InquiryReply::payable(bill, attempt.amount, &description(&order), &name)
        }
        _ => bidv::InquiryReply::refusal(ExpiredOrCancelled, bill),
    }
}

/// bidv.md §3: BIDV notifies successes only; apply and answer a signed `MaLoi`.
async fn bidv_notify(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(partner) = bidv_partner(&app.config) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let verified = bidv::verify_notification(&partner, &body);
    let (reply, verdict) = match &verified {
        Err(e) => (
            bidv::NotifyReply::echoing(e.notify_code(), &body),
            Verdict::refused(e),
        ),
        Ok(cb) if cb.status != TxnStatus::Paid => {
            let reply = bidv::NotifyReply::echoing(bidv::NotifyCode::Error, &body);
            (
                reply,
                Verdict::refused("a BIDV notification that is not a success"),
            )
        }
        Ok(cb) => {
            let applied = apply(&app, cb).await;
            let code = bidv_code(&applied);
            let txn = cb.bank_txn_id.clone().unwrap_or_default();
            (
                bidv::NotifyReply {
                    code,
                    bank_txn_id: txn,
                },
                Verdict::of(cb, &applied),
            )
        }
    };
    let reply_body = reply.to_json(&partner);
    ledger(
        &app,
        "bidv",
        "notify",
        None,
        &headers,
        &body,
        verdict,
        200,
        &reply_body,
    )
    .await;
    json_response(200, reply_body)
}

fn bidv_code(applied: &Result<Applied, crate::store::StoreError>) -> bidv::NotifyCode {
    use bidv::NotifyCode::*;
    match applied {
        Ok(Applied::Paid | Applied::Repeat | Applied::FailureRecorded | Applied::NotFinal) => {
            Recorded
        }
        Ok(Applied::DuplicatePayment { .. }) => PaidByAnother,
        Ok(Applied::AmountMismatch) => AmountMismatch,
        Ok(Applied::UnknownReference) => BillNotFound,
        Err(_) => Error,
    }
}
