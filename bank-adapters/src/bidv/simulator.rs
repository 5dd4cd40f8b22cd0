//! A simulator of BIDV bill collection, "thu hộ" (bidv.md), a real HTTP server for PayHub's tests
//! and demo. Every message is signed with [`super::wire::signed_json`] and checked with the
//! adapter's own checksum code, the code the golden vectors pin.
//!
//! Routes, relative to the simulator's base URL (PayHub's `banks.bidv.base_url`):
//! - `POST /thuho/v1/bill/register` (§1): `MaLoi` 00, 05 (bill code reused), 97, 99.
//! - `GET /pay?bill=…`: the payment page (`UrlThanhToan`); `POST /sim/pay/{bill}` with
//!   `action=approve|decline|cancel`. Approving asks PayHub first (§2 inquiry), debits the amount
//!   PayHub answers and notifies (§3, retried until 00 or 02); declining or cancelling notifies
//!   nothing (§3: only successful debits). Either way the browser gets `303` to
//!   [`SimulatorConfig::return_url`]`?bill=…`: bidv.md defines no return URL.
//! - `POST /sim/bidv/pay-by-code` `{"bill":…,"channel":"COUNTER"|"MOBILE"|"WEB"}`: the citizen
//!   pays by typing the bill code at a counter or in the app: inquiry, then notification.
//! - `POST /thuho/v1/bill/query` (§4), `POST /thuho/v1/refund` (§5).
//! - `GET /thuho/v1/statement?MaDoiTac=…&Ngay=YYYYMMDD` (§6): H / D / T file, any day, any time.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use super::wire;
use super::{BidvError, Partner};
use crate::simulator::{self, ApiOp, Controls, RetrySchedule, Settings, SimHandle, TxnId};
use crate::{BankCode, Vnd};

mod debit;
mod inquiry;
mod pay;
mod query;
mod refund;
mod register;
mod statement;
mod transfer;

pub use inquiry::InquiryAttempt;
pub use pay::{BillPayment, PayError};

/// bidv.md §3: "every 2 minutes for an hour".
pub const SPEC_RETRIES: usize = 30;

/// BIDV's real notification schedule (bidv.md §3).
pub fn spec_retry_schedule() -> RetrySchedule {
    RetrySchedule::every(Duration::from_secs(2 * 60), SPEC_RETRIES)
}

/// What the BIDV simulator needs: PayHub's partner credentials and the PayHub URLs it calls.
#[derive(Clone)]
pub struct SimulatorConfig {
    /// `MaDoiTac`, PayHub's `banks.bidv.partner_code`.
    pub partner_code: String,
    /// The HMAC-SHA256 key, PayHub's `banks.bidv.secret`.
    pub secret: String,
    /// §2: `{payhub}/callbacks/bidv/inquiry`.
    pub inquiry_url: String,
    /// §3: `{payhub}/callbacks/bidv/notify`.
    pub notify_url: String,
    /// vietqr.md §4: `{payhub}/callbacks/bidv/credits`.
    pub credits_url: String,
    /// Where the payment page sends the browser afterwards, with `?bill=…` appended. Not in
    /// bidv.md; PayHub's `GET /return/bidv` (api.md) by default.
    pub return_url: String,
    /// Retries, timeout, clock.
    pub settings: Settings,
}

impl SimulatorConfig {
    /// These credentials, PayHub's URLs under `payhub_url` as api.md fixes them, and
    /// [`SPEC_RETRIES`] compressed retries.
    pub fn new(
        partner_code: impl Into<String>,
        secret: impl Into<String>,
        payhub_url: &str,
    ) -> SimulatorConfig {
        let payhub = payhub_url.trim_end_matches('/');
        SimulatorConfig {
            partner_code: partner_code.into(),
            secret: secret.into(),
            inquiry_url: format!("{payhub}/callbacks/bidv/inquiry"),
            notify_url: format!("{payhub}/callbacks/bidv/notify"),
            credits_url: format!("{payhub}{}", super::CREDITS_CALLBACK_PATH),
            return_url: format!("{payhub}/return/bidv"),
            settings: Settings::compressed(SPEC_RETRIES),
        }
    }
}

impl fmt::Debug for SimulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorConfig")
            .field("partner_code", &self.partner_code)
            .field("secret", &"[redacted]")
            .field("inquiry_url", &self.inquiry_url)
            .field("notify_url", &self.notify_url)
            .field("return_url", &self.return_url)
            .field("settings", &self.settings)
            .finish()
    }
}

/// `KenhThanhToan`: where the citizen paid (bidv.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Channel {
    /// BIDV's payment page, after PayHub's redirect.
    Web,
    /// BIDV's app, by bill code.
    Mobile,
    /// A BIDV counter, by bill code.
    Counter,
}

impl Channel {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "WEB",
            Channel::Mobile => "MOBILE",
            Channel::Counter => "COUNTER",
        }
    }
}

/// The simulated BIDV: its configuration, its registered bills and its [`Controls`]. Cheap to
/// clone.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimulatorConfig,
    controls: Controls,
    /// `UrlThanhToan` is `{base_url}/pay?bill=…`.
    base_url: String,
    bills: Mutex<HashMap<String, Bill>>,
    refund_refs: Mutex<HashSet<String>>,
    inquiries: Mutex<Vec<InquiryAttempt>>,
}

/// A registered bill (§1) and its transactions.
#[derive(Debug, Clone)]
struct Bill {
    code: String,
    amount: Vnd,
    description: String,
    due: DateTime<FixedOffset>,
    account_no: String,
    account_name: String,
    txns: Vec<TxnId>,
}

impl Simulator {
    /// A simulator with nothing processed yet, whose payment page is under `base_url`.
    pub fn new(config: SimulatorConfig, base_url: impl Into<String>) -> Simulator {
        let controls = Controls::new(BankCode::Bidv, &config.settings);
        Simulator {
            inner: Arc::new(Inner {
                config,
                controls,
                base_url: base_url.into(),
                bills: Mutex::default(),
                refund_refs: Mutex::default(),
                inquiries: Mutex::default(),
            }),
        }
    }

    /// Its knobs and ledger.
    pub fn controls(&self) -> &Controls {
        &self.inner.controls
    }

    /// Every inquiry BIDV made to PayHub, in order.
    pub fn inquiries(&self) -> Vec<InquiryAttempt> {
        self.inner.inquiries.lock().expect("inquiries lock").clone()
    }

    fn partner(&self) -> Partner<'_> {
        Partner {
            code: &self.inner.config.partner_code,
            secret: &self.inner.config.secret,
        }
    }

    fn bills(&self) -> MutexGuard<'_, HashMap<String, Bill>> {
        self.inner.bills.lock().expect("bills lock")
    }

    /// A JSON reply with its `ChuKy` over `fields`.
    fn signed(&self, fields: &[&str], body: &impl Serialize) -> Response {
        let json = wire::signed_json(&self.inner.config.secret, fields, body);
        ([(header::CONTENT_TYPE, "application/json")], json).into_response()
    }
}

/// `MaLoi` for a request that failed verification: `97` when the sender is not proven (checksum,
/// partner, stale `ThoiGian`, as the adapter reads PayHub's side), `99` when it is unreadable.
fn refusal_code(error: &BidvError) -> &'static str {
    match error {
        BidvError::UnknownPartner(_) | BidvError::BadChecksum | BidvError::Stale { .. } => "97",
        BidvError::Malformed(_) | BidvError::WrongReference { .. } => "99",
    }
}

/// The simulator's routes, for serving it or embedding it in another router.
pub fn router(sim: Simulator) -> Router {
    let faults = crate::simulator::ApiFaultLayer {
        controls: sim.controls().clone(),
        classify: api_op,
        signature: crate::simulator::Signature::JsonField("ChuKy"),
    };
    let routes = Router::new()
        .route(super::REGISTER_PATH, post(register::register))
        .route(super::QUERY_PATH, post(query::query))
        .route(super::REFUND_PATH, post(refund::refund))
        .route(super::STATEMENT_PATH, get(statement::statement))
        .route("/pay", get(pay::show))
        .route("/sim/pay/{bill}", post(pay::submit))
        .route("/sim/bidv/pay-by-code", post(pay::pay_by_code_route))
        .route("/sim/vietqr", post(transfer::pay_route))
        .with_state(sim);
    faults.over(routes)
}

/// PayHub's calls for the API fault knobs, by path (bidv.md §1, §4, §5).
fn api_op(parts: &axum::http::request::Parts, _body: &[u8]) -> Option<ApiOp> {
    match parts.uri.path() {
        super::REGISTER_PATH => Some(ApiOp::StartPayment),
        super::QUERY_PATH => Some(ApiOp::Query),
        super::REFUND_PATH => Some(ApiOp::Refund),
        super::STATEMENT_PATH => Some(ApiOp::Statement),
        _ => None,
    }
}

/// Binds `addr` (port 0 for any free port) and serves the simulator in a background task.
pub async fn spawn(config: SimulatorConfig, addr: SocketAddr) -> io::Result<SimHandle<Simulator>> {
    let listener = TcpListener::bind(addr).await?;
    let sim = Simulator::new(config, format!("http://{}", listener.local_addr()?));
    let controls = sim.controls().clone();
    simulator::start(listener, sim.clone(), controls, router(sim))
}

impl SimHandle<Simulator> {
    /// The citizen pays `bill_code` by typing it at a counter or in the app: BIDV asks PayHub
    /// (§2) and, if PayHub answers `00`, debits the amount PayHub gave and notifies (§3).
    pub async fn pay_by_code(
        &self,
        bill_code: &str,
        channel: Channel,
    ) -> Result<BillPayment, PayError> {
        self.sim().pay_by_code(bill_code, channel).await
    }

    /// Every inquiry BIDV made to PayHub, in order.
    pub fn inquiries(&self) -> Vec<InquiryAttempt> {
        self.sim().inquiries()
    }
}
