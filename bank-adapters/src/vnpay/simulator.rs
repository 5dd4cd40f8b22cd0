//! A simulator of VNPAY (vnpay.md), a real HTTP server for PayHub's tests and demo. It signs and
//! verifies with [`super::wire`] and [`super::verify_signed_query`], the code the golden vectors
//! pin.
//!
//! Routes, relative to the simulator's base URL:
//! - `GET /paymentv2/vpcpay.html?<signed query>`: the payment page (§1); a bad signature shows
//!   VNPAY's error 70, a malformed request error 03.
//! - `POST /sim/pay/{id}` with `action=approve|decline|cancel`: books the outcome (response code
//!   00, 51 or 24), sends the signed IPN to [`SimulatorConfig::ipn_url`] with `GET` (retried until
//!   `RspCode` 00 or 02), and answers `303` to `vnp_ReturnUrl` with the same signed parameters
//!   (§2).
//! - `POST /merchant_webapi/api/transaction`: `querydr` and `refund` (§3), signed answers.
//! - `GET /merchant_webapi/statement?date=YYYYMMDD[&tmn_code=…]`: PayHub's reference CSV layout
//!   (statements.md "VNPAY"; VNPAY has no public statement API, vnpay.md §4). Any day, any time.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use tokio::net::TcpListener;

use crate::simulator::{self, ApiOp, Controls, RetrySchedule, Settings, SimHandle, TxnId};
use crate::{BankCode, Vnd};

mod api;
mod ipn;
mod pay;
mod querydr;
mod refund;
mod statement;

/// The payment page's path: PayHub's `pay_url` is `{base}` + this.
pub const PAY_PATH: &str = "/paymentv2/vpcpay.html";
/// The JSON API's path: PayHub's `api_url` is `{base}` + this.
pub const API_PATH: &str = "/merchant_webapi/api/transaction";
pub use super::STATEMENT_PATH;

/// vnpay.md §2: "it retries up to 10 times" after the first attempt.
pub const SPEC_RETRIES: usize = 10;

/// VNPAY's real IPN schedule (vnpay.md §2): 10 retries, 5 minutes apart.
pub fn spec_retry_schedule() -> RetrySchedule {
    RetrySchedule::every(Duration::from_secs(5 * 60), SPEC_RETRIES)
}

/// What the VNPAY simulator needs.
#[derive(Clone)]
pub struct SimulatorConfig {
    /// The terminals it accepts: `(vnp_TmnCode, HashSecret)`, the same pairs as PayHub's
    /// `[[banks.vnpay.terminals]]`.
    pub terminals: Vec<(String, String)>,
    /// PayHub's IPN URL, e.g. `{payhub}/callbacks/vnpay/ipn` (api.md). VNPAY configures it per
    /// terminal out of band; the simulator uses one for all.
    pub ipn_url: String,
    /// Retries, timeout, clock.
    pub settings: Settings,
}

impl SimulatorConfig {
    /// The given terminals and IPN URL, with [`SPEC_RETRIES`] compressed retries.
    pub fn new(terminals: Vec<(String, String)>, ipn_url: impl Into<String>) -> SimulatorConfig {
        SimulatorConfig {
            terminals,
            ipn_url: ipn_url.into(),
            settings: Settings::compressed(SPEC_RETRIES),
        }
    }
}

impl fmt::Debug for SimulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes: Vec<&str> = self.terminals.iter().map(|(c, _)| c.as_str()).collect();
        f.debug_struct("SimulatorConfig")
            .field("terminals", &codes)
            .field("ipn_url", &self.ipn_url)
            .field("settings", &self.settings)
            .finish()
    }
}

/// The simulated VNPAY: its configuration, its open payment sessions and its [`Controls`].
/// Cheap to clone.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimulatorConfig,
    controls: Controls,
    sessions: Mutex<Sessions>,
    /// `(TmnCode, vnp_RequestId)` → when first seen, for §3's `94` (duplicate within 5 minutes).
    request_ids: Mutex<HashMap<(String, String), i64>>,
}

/// Payment requests that reached the payment page, by page id and by `(TmnCode, TxnRef)`.
#[derive(Default)]
struct Sessions {
    by_id: HashMap<String, Session>,
    by_ref: HashMap<(String, String), String>,
}

/// One signed payment request (§1) and what became of it.
#[derive(Debug, Clone)]
struct Session {
    id: String,
    tmn_code: String,
    txn_ref: String,
    amount: Vnd,
    order_info: String,
    return_url: String,
    bank_code: Option<String>,
    /// `vnp_CreateDate` as sent: querydr and refund must quote it as `vnp_TransactionDate`.
    create_date: String,
    txns: Vec<TxnId>,
    done: bool,
}

impl Simulator {
    /// A simulator with nothing processed yet.
    pub fn new(config: SimulatorConfig) -> Simulator {
        let controls = Controls::new(BankCode::Vnpay, &config.settings);
        Simulator {
            inner: Arc::new(Inner {
                config,
                controls,
                sessions: Mutex::default(),
                request_ids: Mutex::default(),
            }),
        }
    }

    /// Its knobs and ledger.
    pub fn controls(&self) -> &Controls {
        &self.inner.controls
    }

    fn config(&self) -> &SimulatorConfig {
        &self.inner.config
    }

    fn secret(&self, tmn_code: &str) -> Option<String> {
        self.config()
            .terminals
            .iter()
            .find(|(code, _)| code == tmn_code)
            .map(|(_, secret)| secret.clone())
    }

    fn sessions(&self) -> MutexGuard<'_, Sessions> {
        self.inner.sessions.lock().expect("sessions lock")
    }

    /// The session of a querydr or refund: same terminal, reference and original create date.
    fn find_session(&self, tmn_code: &str, txn_ref: &str, create_date: &str) -> Option<Session> {
        let sessions = self.sessions();
        let id = sessions
            .by_ref
            .get(&(tmn_code.to_owned(), txn_ref.to_owned()))?;
        sessions
            .by_id
            .get(id)
            .filter(|s| s.create_date == create_date)
            .cloned()
    }

    /// vnpay.md §3: `94` for the same `vnp_RequestId` within 5 minutes.
    fn is_repeated_request(&self, tmn_code: &str, request_id: &str) -> bool {
        let now = self.controls().clock().now_unix();
        let mut seen = self.inner.request_ids.lock().expect("request ids lock");
        let key = (tmn_code.to_owned(), request_id.to_owned());
        match seen.get(&key) {
            Some(&first) if now - first < 5 * 60 => true,
            _ => {
                seen.insert(key, now);
                false
            }
        }
    }
}

/// The simulator's routes, for serving it or embedding it in another router.
pub fn router(sim: Simulator) -> Router {
    let faults = crate::simulator::ApiFaultLayer {
        controls: sim.controls().clone(),
        classify: api_op,
        signature: crate::simulator::Signature::JsonField("vnp_SecureHash"),
    };
    let routes = Router::new()
        .route(PAY_PATH, get(pay::show))
        .route("/sim/pay/{id}", post(pay::submit))
        .route(API_PATH, post(api::transaction))
        .route(STATEMENT_PATH, get(statement::statement))
        .with_state(sim);
    faults.over(routes)
}

/// PayHub's calls for the API fault knobs: §3's one URL tells querydr from refund by
/// `vnp_Command`; a payment starts in the browser, with no call.
fn api_op(parts: &axum::http::request::Parts, body: &[u8]) -> Option<ApiOp> {
    match parts.uri.path() {
        API_PATH => match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) if v["vnp_Command"] == "refund" => Some(ApiOp::Refund),
            _ => Some(ApiOp::Query),
        },
        STATEMENT_PATH => Some(ApiOp::Statement),
        _ => None,
    }
}

/// Binds `addr` (port 0 for any free port) and serves the simulator in a background task.
pub async fn spawn(config: SimulatorConfig, addr: SocketAddr) -> io::Result<SimHandle<Simulator>> {
    let listener = TcpListener::bind(addr).await?;
    let sim = Simulator::new(config);
    let controls = sim.controls().clone();
    simulator::start(listener, sim.clone(), controls, router(sim))
}

impl SimHandle<Simulator> {
    /// PayHub's `banks.vnpay.pay_url` for this simulator.
    pub fn pay_url(&self) -> String {
        format!("{}{PAY_PATH}", self.base_url())
    }

    /// PayHub's `banks.vnpay.api_url` for this simulator.
    pub fn api_url(&self) -> String {
        format!("{}{API_PATH}", self.base_url())
    }

    /// The reference statement of `day` for all terminals.
    pub fn statement_url(&self, day: NaiveDate) -> String {
        format!(
            "{}{STATEMENT_PATH}?date={}",
            self.base_url(),
            day.format("%Y%m%d")
        )
    }
}
