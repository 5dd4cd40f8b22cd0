//! A simulated SMS brandname gateway, a real HTTP server on localhost for the demo and the tests,
//! as the bank simulators are: it checks the signature and the brandname, refuses a message
//! that is not plain ASCII or longer than 160 characters (`02`), answers `01` for a number that
//! is not a Vietnamese mobile number, and drops a repeated `request_id` (answering `00` again,
//! delivering nothing). Faults are queued: the next calls time out, fail with a status, or
//! lose their reply after delivering.

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use super::sms::{signature, SmsRequest, MAX_CHARS};

/// What the gateway does to the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsFault {
    /// Answers after this long (longer than PayHub's timeout: no answer).
    Slow(Duration),
    /// Answers this HTTP status without taking the message.
    Status(u16),
    /// Delivers the message, then answers 500: PayHub retries with the same request_id.
    DeliverThenFail,
}

#[derive(Default)]
struct Inner {
    faults: VecDeque<SmsFault>,
    seen: HashSet<String>,
    delivered: Vec<SmsRequest>,
    calls: usize,
    duplicates: usize,
}

/// The gateway's shared state: its ledger and its fault queue.
#[derive(Clone)]
pub struct SmsGateway {
    brandname: String,
    secret: String,
    inner: Arc<Mutex<Inner>>,
}

/// A running gateway.
pub struct SmsGatewayHandle {
    pub gateway: SmsGateway,
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmsGatewayHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmsGatewayHandle {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl SmsGateway {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues faults for the next calls, in order.
    pub fn push_faults(&self, faults: &[SmsFault]) {
        self.lock().faults.extend(faults.iter().copied());
    }

    /// The messages delivered to phones (a repeated request_id once).
    pub fn delivered(&self) -> Vec<SmsRequest> {
        self.lock().delivered.clone()
    }

    /// Every call received, faults and repeats included.
    pub fn calls(&self) -> usize {
        self.lock().calls
    }

    /// Calls whose request_id had already been delivered.
    pub fn duplicates(&self) -> usize {
        self.lock().duplicates
    }
}

/// Starts a gateway on `address` (port 0 for a free one).
pub async fn spawn(
    brandname: &str,
    secret: &str,
    address: SocketAddr,
) -> std::io::Result<SmsGatewayHandle> {
    let gateway = SmsGateway {
        brandname: brandname.to_owned(),
        secret: secret.to_owned(),
        inner: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind(address).await?;
    let address = listener.local_addr()?;
    let app = Router::new()
        .route("/v1/sms", post(receive))
        .with_state(gateway.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(SmsGatewayHandle {
        gateway,
        address,
        task,
    })
}

fn code(code: &str) -> Response {
    Json(json!({ "code": code })).into_response()
}

async fn receive(State(gw): State<SmsGateway>, headers: HeaderMap, body: Bytes) -> Response {
    let fault = {
        let mut inner = gw.lock();
        inner.calls += 1;
        inner.faults.pop_front()
    };
    match fault {
        Some(SmsFault::Slow(by)) => tokio::time::sleep(by).await,
        Some(SmsFault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            return (status, "gateway fault").into_response();
        }
        _ => {}
    }
    let signed = headers
        .get("x-sms-signature")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|s| s == signature(&gw.secret, &body));
    let Ok(request) = serde_json::from_slice::<SmsRequest>(&body) else {
        return (StatusCode::BAD_REQUEST, code("99")).into_response();
    };
    if !signed || request.brandname != gw.brandname {
        return (StatusCode::UNAUTHORIZED, code("97")).into_response();
    }
    let plain = request.message.is_ascii() && request.message.chars().count() <= MAX_CHARS;
    if !plain {
        return code("02");
    }
    if crate::domain::order::mobile_number(&request.phone).as_deref() != Some(&*request.phone) {
        return code("01");
    }
    {
        let mut inner = gw.lock();
        if inner.seen.insert(request.request_id.clone()) {
            inner.delivered.push(request);
        } else {
            inner.duplicates += 1;
        }
    }
    if fault == Some(SmsFault::DeliverThenFail) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "lost reply").into_response();
    }
    code("00")
}
