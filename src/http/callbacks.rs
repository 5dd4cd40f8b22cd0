//! Bank callbacks (api.md, "Bank callbacks"): verify, apply exactly once, reply in the bank's own
//! format and codes. Every request lands in the inbound ledger with its verdict and our reply; a
//! forged or stale one changes nothing else.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bank_adapters::{bidv, vcb, vnpay, Callback};

use crate::app::AppState;
use crate::banks::{self, report};
use crate::domain::text::text_problem;
use crate::store::payments::{Applied, InboundCallback};
use crate::store::StoreError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/callbacks/vnpay/ipn", get(vnpay_ipn))
        .route("/callbacks/vcb", post(vcb_notify))
        .route("/callbacks/bidv/inquiry", post(bidv_inquiry))
        .route("/callbacks/bidv/notify", post(bidv_notify))
}

/// A request as the bank sent it, for its inbound-ledger row.
struct Received<'a> {
    bank: &'a str,
    endpoint: &'a str,
    query: Option<&'a str>,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl<'a> Received<'a> {
    fn row(
        &self,
        reference: Option<&'a str>,
        verdict: String,
        (reply_status, reply_body): (u16, String),
    ) -> InboundCallback<'a> {
        InboundCallback {
            bank: self.bank,
            endpoint: self.endpoint,
            raw_query: self.query,
            raw_headers: headers_text(self.headers),
            raw_body: self.body,
            reference,
            verdict,
            reply_status,
            reply_body,
        }
    }

    /// Ledgers a request answered without applying anything (refused, or an inquiry).
    async fn answered(
        &self,
        app: &AppState,
        reference: Option<&'a str>,
        verdict: String,
        reply: (u16, String),
    ) -> InboundCallback<'a> {
        self.record(app, self.row(reference, verdict, reply)).await
    }

    async fn record(&self, app: &AppState, row: InboundCallback<'a>) -> InboundCallback<'a> {
        if let Err(e) = app.store.record_inbound(&row, app.clock.now()).await {
            tracing::error!(error.cause_chain = ?e, bank = self.bank, "inbound ledger write failed");
        }
        row
    }

    /// Applies a verified callback with its ledger row in the same transaction; `reply` is the
    /// bank's answer to what was applied. A failed apply changed nothing and is ledgered alone.
    async fn applied(
        &self,
        app: &AppState,
        cb: &'a Callback,
        reply: impl Fn(&Result<Applied, StoreError>) -> (u16, String),
    ) -> InboundCallback<'a> {
        if cb.status == bank_adapters::TxnStatus::Paid && cb.amount.is_zero() {
            // Checked before any SQL: a success that moved no money is the bank's amount error.
            let refusal = reply(&Ok(Applied::AmountMismatch));
            let verdict = "refused: a success of 0 đồng".to_owned();
            return self
                .answered(app, Some(&cb.reference), verdict, refusal)
                .await;
        }
        if let Some(reason) = text_refusal(cb) {
            // Signed, but naming nothing a person or PayHub could have made: no such order.
            let refusal = reply(&Ok(Applied::UnknownReference));
            return self
                .answered(app, None, format!("refused: {reason}"), refusal)
                .await;
        }
        let row = |applied: Result<Applied, StoreError>| {
            let verdict = match &applied {
                Ok(a) => format!("{a:?}"),
                Err(e) => format!("error: {e}"),
            };
            self.row(Some(&cb.reference), verdict, reply(&applied))
        };
        let now = app.clock.now();
        let bank_report = report(cb.clone());
        let count = |a: &Applied| {
            if *a == Applied::Paid {
                app.metrics.payment(cb.bank);
                if let Some(paid_at) = bank_report.paid_at {
                    let delay = (now - paid_at).num_milliseconds().max(0) as f64 / 1000.0;
                    app.metrics.callback_delay(cb.bank, delay);
                }
            }
        };
        match (app.store)
            .apply_callback_ledgered(&bank_report, now, |a| {
                count(&a);
                row(Ok(a))
            })
            .await
        {
            Ok(row) => row,
            // The database is out of reach: the ledger write would wait as long and fail too, so
            // the bank gets its retry code at once and the retry is ledgered.
            Err(e) if e.is_unavailable() => {
                tracing::warn!(error.cause_chain = ?e, bank = self.bank, "database unavailable; the bank will retry");
                row(Err(e))
            }
            Err(e) => {
                tracing::error!(error.cause_chain = ?e, bank = self.bank, "applying a callback failed");
                self.record(app, row(Err(e))).await
            }
        }
    }
}

/// Why the texts of a verified callback cannot be applied: the one text rule (`domain::text`)
/// holds for what a bank signs too, before any of it reaches SQL.
fn text_refusal(cb: &Callback) -> Option<String> {
    let fields = [
        ("reference", Some(&cb.reference)),
        ("merchant", Some(&cb.merchant)),
        ("bank_txn_id", cb.bank_txn_id.as_ref()),
        ("credit_account", cb.credit_account.as_ref()),
    ];
    fields.into_iter().find_map(|(name, value)| {
        let reason = text_problem(value?, BANK_ID_CHARS)?;
        Some(format!("{name} {reason}"))
    })
}

/// The longest reference, transaction id or account a bank may name.
const BANK_ID_CHARS: usize = 100;

pub(super) fn headers_text(headers: &HeaderMap) -> String {
    headers
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("<binary>")))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn json_response(status: u16, body: String) -> Response {
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
    let received = Received {
        bank: "vnpay",
        endpoint: "ipn",
        query: Some(&query),
        headers: &headers,
        body: b"",
    };
    let verified = vnpay::verify_ipn(&query, |code| app.config.vnpay_secret(code));
    let row = match &verified {
        Err(e) => {
            let reply = (200, e.ipn_reply().body());
            received
                .answered(&app, None, format!("refused: {e}"), reply)
                .await
        }
        Ok(cb) => {
            let reply = |applied: &_| (200, vnpay_reply(applied).body());
            received.applied(&app, cb, reply).await
        }
    };
    json_response(row.reply_status, row.reply_body)
}

fn vnpay_reply(applied: &Result<Applied, StoreError>) -> vnpay::IpnReply {
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
    let Some(merchant) = banks::vcb::merchant(&app.config) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let received = Received {
        bank: "vcb",
        endpoint: "notify",
        query: None,
        headers: &headers,
        body: &body,
    };
    let now = app.clock.now().timestamp();
    let signed =
        vcb::SignedHeaders::from_lookup(|name| headers.get(name).and_then(|v| v.to_str().ok()));
    let verified = vcb::verify_notification(&merchant, &signed, &body, now);
    let row = match &verified {
        Err(e) => {
            let reply = e.notify_reply();
            let reply = (reply.http_status(), reply.body());
            received
                .answered(&app, None, format!("refused: {e}"), reply)
                .await
        }
        Ok(cb) => {
            let reply = |applied: &_| {
                let reply = vcb_reply(applied);
                (reply.http_status(), reply.body())
            };
            received.applied(&app, cb, reply).await
        }
    };
    let mut response = json_response(row.reply_status, row.reply_body.clone());
    for (name, value) in vcb::sign_headers(&merchant, now, row.reply_body.as_bytes()) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn vcb_reply(applied: &Result<Applied, StoreError>) -> vcb::NotifyReply {
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
    let Some(partner) = banks::bidv::partner(&app.config) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let now = app.clock.now();
    let reply = match bidv::verify_inquiry(&partner, &body, now.timestamp()) {
        Err(e) => bidv::InquiryReply::refusal_echoing(e.inquiry_code(), &body),
        Ok(inquiry) => banks::bidv::answer_inquiry(&app, &inquiry.bill_code, now).await,
    };
    let received = Received {
        bank: "bidv",
        endpoint: "inquiry",
        query: None,
        headers: &headers,
        body: &body,
    };
    let verdict = format!("inquiry {}", reply.code.as_str());
    let answer = (200, reply.to_json(&partner));
    let row = received
        .answered(&app, Some(&reply.bill_code), verdict, answer)
        .await;
    json_response(row.reply_status, row.reply_body)
}

/// bidv.md §3: BIDV notifies successes only; apply and answer a signed `MaLoi`.
async fn bidv_notify(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(partner) = banks::bidv::partner(&app.config) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let received = Received {
        bank: "bidv",
        endpoint: "notify",
        query: None,
        headers: &headers,
        body: &body,
    };
    let verified = bidv::verify_notification(&partner, &body);
    let refused = |code| {
        (
            200,
            bidv::NotifyReply::echoing(code, &body).to_json(&partner),
        )
    };
    let row = match &verified {
        Err(e) => {
            let reply = refused(e.notify_code());
            received
                .answered(&app, None, format!("refused: {e}"), reply)
                .await
        }
        Ok(cb) if cb.status != bank_adapters::TxnStatus::Paid => {
            let reply = refused(bidv::NotifyCode::Error);
            let verdict = "refused: a BIDV notification that is not a success".to_owned();
            received.answered(&app, None, verdict, reply).await
        }
        Ok(cb) => {
            let reply = |applied: &_| {
                let reply = bidv::NotifyReply {
                    code: bidv_code(applied),
                    bank_txn_id: cb.bank_txn_id.clone().unwrap_or_default(),
                };
                (200, reply.to_json(&partner))
            };
            received.applied(&app, cb, reply).await
        }
    };
    json_response(row.reply_status, row.reply_body)
}

fn bidv_code(applied: &Result<Applied, StoreError>) -> bidv::NotifyCode {
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
