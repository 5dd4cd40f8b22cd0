//! A simulator of Vietcombank's collection gateway (vcb.md), a real HTTP server for PayHub's
//! tests and demo. Every request is verified and every reply signed with
//! [`super::verify_signed`] and [`super::sign_headers`], the code the golden vectors pin.
//!
//! Routes, relative to the simulator's base URL (PayHub's `banks.vcb.base_url`):
//! - `POST /v1/payments` (§1): `201`, `409 DUPLICATE_ORDER_REF`, `400 INVALID_REQUEST`,
//!   `401 INVALID_SIGNATURE` (bad or stale signature).
//! - `GET /pay/{paymentId}`: the payment page; `POST /sim/pay/{paymentId}` with
//!   `action=approve|decline|cancel` notifies the request's `notifyUrl` (§2, retried until
//!   `code` `00`) and answers `303` to `returnUrl?paymentId&orderRef&status&ts&sig` (§1).
//! - `GET /v1/payments/{paymentId}`, `GET /v1/payments?orderRef=…` (§3).
//! - `POST /v1/payments/{paymentId}/refunds` (§4): partial refunds, their sum at most the payment.
//! - `GET /v1/statements?date=YYYY-MM-DD` (§5): signed CSV, `404` until the day is closed; with
//!   a tenth column `description` once the bank has booked a VietQR transfer (statements.md).
//! - `POST /sim/vietqr` (form `payload`, optional `content`): the citizen's banking app pays a
//!   VietQR code to an account here; the credit is notified to `credits_url` (vietqr.md §4).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use tokio::net::TcpListener;

use super::{sign_headers, verify_signed, Merchant, SignedHeaders, VcbError};
use crate::simulator::{
    self, ApiOp, Controls, RetrySchedule, Settings, SimHandle, Transaction, TxnId,
};
use crate::{BankCode, TxnStatus, Vnd};

mod create;
mod pay;
mod query;
mod refund;
mod statement;
mod transfer;

/// vcb.md §2: retries after 1, 5, 15, 30 and 60 minutes, then hourly for 24 hours.
pub const SPEC_RETRIES: usize = 5 + 24;

/// VCB's real notification schedule (vcb.md §2), read as the gaps between attempts.
pub fn spec_retry_schedule() -> RetrySchedule {
    let minutes = [1, 5, 15, 30, 60].into_iter().chain([60; 24]);
    RetrySchedule::from_delays(minutes.map(|m| Duration::from_secs(m * 60)).collect())
}

/// What the VCB simulator needs: PayHub's merchant credentials. The notification URL comes in
/// each payment request (`notifyUrl`).
#[derive(Clone)]
pub struct SimulatorConfig {
    /// `merchantId`, PayHub's `banks.vcb.merchant_id`.
    pub merchant_id: String,
    /// The HMAC-SHA256 key, PayHub's `banks.vcb.secret`.
    pub secret: String,
    /// Retries, timeout, clock.
    pub settings: Settings,
    /// Where credit notifications go (vietqr.md §4, PayHub's `/callbacks/vcb/credits`); none
    /// are sent while `None`.
    pub credits_url: Option<String>,
}

impl SimulatorConfig {
    /// These credentials, with [`SPEC_RETRIES`] compressed retries.
    pub fn new(merchant_id: impl Into<String>, secret: impl Into<String>) -> SimulatorConfig {
        SimulatorConfig {
            merchant_id: merchant_id.into(),
            secret: secret.into(),
            settings: Settings::compressed(SPEC_RETRIES),
            credits_url: None,
        }
    }
}

impl fmt::Debug for SimulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorConfig")
            .field("merchant_id", &self.merchant_id)
            .field("secret", &"[redacted]")
            .field("settings", &self.settings)
            .finish()
    }
}

/// The simulated VCB: its configuration, its payments and its [`Controls`]. Cheap to clone.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimulatorConfig,
    controls: Controls,
    /// Where the payment pages are: `paymentUrl` is `{base_url}/pay/{paymentId}`.
    base_url: String,
    payments: Mutex<Payments>,
    refund_refs: Mutex<HashSet<String>>,
}

#[derive(Default)]
struct Payments {
    by_id: HashMap<String, Payment>,
    /// vcb.md §1: `orderRef` is unique forever.
    by_order_ref: HashMap<String, String>,
}

/// A created payment (§1) and its transactions.
#[derive(Debug, Clone)]
struct Payment {
    id: String,
    order_ref: String,
    amount: Vnd,
    description: String,
    return_url: String,
    notify_url: String,
    account_no: String,
    account_name: String,
    txns: Vec<TxnId>,
    /// The citizen chose on the page; the page does not take a second choice.
    done: bool,
}

impl Simulator {
    /// A simulator with nothing processed yet, whose payment pages are under `base_url`.
    pub fn new(config: SimulatorConfig, base_url: impl Into<String>) -> Simulator {
        let controls = Controls::new(BankCode::Vcb, &config.settings);
        Simulator {
            inner: Arc::new(Inner {
                config,
                controls,
                base_url: base_url.into(),
                payments: Mutex::default(),
                refund_refs: Mutex::default(),
            }),
        }
    }

    /// Its knobs and ledger.
    pub fn controls(&self) -> &Controls {
        &self.inner.controls
    }

    fn merchant(&self) -> Merchant<'_> {
        Merchant {
            id: &self.inner.config.merchant_id,
            secret: &self.inner.config.secret,
        }
    }

    fn payments(&self) -> MutexGuard<'_, Payments> {
        self.inner.payments.lock().expect("payments lock")
    }

    /// vcb.md "Signing": the exact bytes received, within 300 s of our clock.
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), VcbError> {
        let signed = SignedHeaders::from_lookup(|name| headers.get(name)?.to_str().ok());
        let now = self.controls().clock().now_unix();
        verify_signed(&self.merchant(), &signed, body, now)
    }

    /// A reply signed like every VCB body that carries data.
    fn signed(&self, status: StatusCode, content_type: &'static str, body: String) -> Response {
        let now = self.controls().clock().now_unix();
        let headers = sign_headers(&self.merchant(), now, body.as_bytes());
        let mut response = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
        for (name, value) in headers {
            response.headers_mut().insert(
                HeaderName::try_from(name).expect("X-VCB-* are header names"),
                HeaderValue::try_from(value).expect("ids, digits and hex are header values"),
            );
        }
        response
    }

    fn json(&self, status: StatusCode, body: &impl Serialize) -> Response {
        let body = serde_json::to_string(body).expect("reply bodies serialize");
        self.signed(status, "application/json", body)
    }

    /// `{"code":…,"message":…}`, signed.
    fn error(&self, status: StatusCode, code: &str, message: Option<&str>) -> Response {
        #[derive(Serialize)]
        struct ErrorReply<'a> {
            code: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
        }
        self.json(status, &ErrorReply { code, message })
    }

    fn unauthorized(&self, error: VcbError) -> Response {
        self.error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SIGNATURE",
            Some(&error.to_string()),
        )
    }
}

/// A payment as VCB shows it in a notification (§2, with its `eventId`) or a query (§3).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PaymentBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    event_id: Option<&'a str>,
    payment_id: &'a str,
    order_ref: &'a str,
    status: &'a str,
    amount: i64,
    currency: &'a str,
    bank_txn_id: Option<&'a str>,
    paid_at: Option<String>,
    credit_account_no: Option<&'a str>,
    failure_reason: Option<&'a str>,
}

/// The JSON of `payment` as it stands with `txn` (`None`: not paid yet, `PENDING`).
fn payment_body(payment: &Payment, txn: Option<&Transaction>, event_id: Option<&str>) -> String {
    let (status, failure_reason) = match txn.map(|t| &t.status) {
        None => ("PENDING", None),
        Some(TxnStatus::Paid) => ("SUCCESS", None),
        Some(TxnStatus::Failed { code }) => ("FAILED", Some(code.as_str())),
        Some(_) => ("CANCELLED", None),
    };
    let paid = txn.filter(|t| t.status == TxnStatus::Paid);
    let body = PaymentBody {
        event_id,
        payment_id: &payment.id,
        order_ref: &payment.order_ref,
        status,
        amount: txn.map_or(payment.amount, |t| t.amount).dong(),
        currency: "VND",
        bank_txn_id: txn.and_then(|t| t.bank_txn_id.as_deref()),
        paid_at: paid.map(|t| super::wire::rfc3339_gmt7(&t.at)),
        credit_account_no: paid.map(|t| t.credited_account.as_str()),
        failure_reason,
    };
    serde_json::to_string(&body).expect("a payment body serializes")
}

/// The simulator's routes, for serving it or embedding it in another router.
pub fn router(sim: Simulator) -> Router {
    let faults = simulator::ApiFaultLayer {
        controls: sim.controls().clone(),
        classify: api_op,
        signature: simulator::Signature::Header("x-vcb-signature"),
    };
    let routes = Router::new()
        .route(
            super::PAYMENTS_PATH,
            post(create::create).get(query::by_order_ref),
        )
        .route("/v1/payments/{payment_id}", get(query::by_payment_id))
        .route("/v1/payments/{payment_id}/refunds", post(refund::refund))
        .route("/v1/statements", get(statement::statement))
        .route("/pay/{payment_id}", get(pay::show))
        .route("/sim/pay/{payment_id}", post(pay::submit))
        .route("/sim/vietqr", post(transfer::pay_route))
        .with_state(sim);
    faults.over(routes)
}

/// PayHub's calls for the API fault knobs, by method and path (vcb.md §1, §3, §4, §5).
fn api_op(parts: &axum::http::request::Parts, _body: &[u8]) -> Option<ApiOp> {
    let path = parts.uri.path();
    if path == super::PAYMENTS_PATH && parts.method == axum::http::Method::POST {
        Some(ApiOp::StartPayment)
    } else if path.ends_with("/refunds") {
        Some(ApiOp::Refund)
    } else if path.starts_with(super::PAYMENTS_PATH) {
        Some(ApiOp::Query)
    } else if path == "/v1/statements" {
        Some(ApiOp::Statement)
    } else {
        None
    }
}

/// Binds `addr` (port 0 for any free port) and serves the simulator in a background task.
pub async fn spawn(config: SimulatorConfig, addr: SocketAddr) -> io::Result<SimHandle<Simulator>> {
    let listener = TcpListener::bind(addr).await?;
    let sim = Simulator::new(config, format!("http://{}", listener.local_addr()?));
    let controls = sim.controls().clone();
    simulator::start(listener, sim.clone(), controls, router(sim))
}
