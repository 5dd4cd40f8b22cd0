//! A fake PayHub: it receives the banks' callbacks on api.md's paths, verifies each with the
//! adapters' own functions and answers as each spec says. Tests script failures with
//! [`FakePayHub::fail_next`] and read what arrived with [`FakePayHub::wait_for`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bank_adapters::bidv::{self, InquiryCode, InquiryReply, NotifyCode, Partner};
use bank_adapters::vcb::{self, Merchant, NotifyReply, SignedHeaders};
use bank_adapters::vnpay::{self, IpnReply};
use bank_adapters::{Callback, Vnd};
use tokio::sync::watch;

pub const TMN_CODE: &str = "TESTTMN1";
pub const TMN_SECRET: &str = "vnpay_test_secret";
pub const VCB: Merchant<'static> = Merchant {
    id: "PAYHUB01",
    secret: "vcb_test_secret",
};
pub const BIDV: Partner<'static> = Partner {
    code: "DVCQG",
    secret: "bidv_test_secret",
};

/// What reached the fake PayHub, in arrival order.
#[derive(Debug, Clone)]
pub enum Received {
    /// A verified callback (VNPAY IPN, VCB or BIDV notification).
    Callback(Box<Callback>),
    /// A verified BIDV inquiry about this bill code.
    Inquiry(String),
    /// Something that failed verification, and why.
    Forged(String),
}

impl Received {
    pub fn callback(&self) -> &Callback {
        match self {
            Received::Callback(callback) => callback,
            other => panic!("expected a callback, got {other:?}"),
        }
    }
}

pub struct FakePayHub {
    addr: SocketAddr,
    state: Arc<Hub>,
}

#[derive(Default)]
struct Hub {
    received: Mutex<Vec<Received>>,
    changed: watch::Sender<usize>,
    /// Answer "internal error" to this many callbacks (they still count as received).
    failures_left: AtomicU32,
    /// Reference → the bank transaction id PayHub recorded as its final result.
    recorded: Mutex<HashMap<String, Option<String>>>,
    /// BIDV bills PayHub would answer an inquiry for, and their amounts.
    bills: Mutex<HashMap<String, Vnd>>,
}

impl FakePayHub {
    pub async fn spawn() -> FakePayHub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Hub::default());
        let app = Router::new()
            .route("/callbacks/vnpay/ipn", get(vnpay_ipn))
            .route("/callbacks/vcb", post(vcb_notify))
            .route("/callbacks/bidv/inquiry", post(bidv_inquiry))
            .route("/callbacks/bidv/notify", post(bidv_notify))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakePayHub { addr, state }
    }

    /// PayHub's public URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers the next `n` callbacks with an error (VNPAY 99, VCB 99/500, BIDV 99).
    pub fn fail_next(&self, n: u32) {
        self.state.failures_left.store(n, Ordering::SeqCst);
    }

    /// Makes a BIDV bill payable for `amount`.
    pub fn add_bill(&self, bill_code: &str, amount: Vnd) {
        self.state
            .bills
            .lock()
            .unwrap()
            .insert(bill_code.to_owned(), amount);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits (at most 2 s) until `n` messages arrived, and returns all so far.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let mut changes = self.state.changed.subscribe();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        loop {
            let received = self.received();
            // Every simulator message must verify with the adapters' own code.
            for message in &received {
                if let Received::Forged(why) = message {
                    panic!("PayHub could not verify a message: {why}");
                }
            }
            if received.len() >= n {
                return received;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                panic!("waited for {n} messages, got {received:#?}");
            }
        }
    }
}

impl Hub {
    fn push(&self, received: Received) {
        self.received.lock().unwrap().push(received);
        self.changed.send_modify(|n| *n += 1);
    }

    fn should_fail(&self) -> bool {
        self.failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// `true` the first time a reference gets a final result; a later one is a repeat.
    fn record_first(&self, callback: &Callback) -> Result<(), Option<String>> {
        let mut recorded = self.recorded.lock().unwrap();
        match recorded.get(&callback.reference) {
            Some(first) => Err(first.clone()),
            None => {
                recorded.insert(callback.reference.clone(), callback.bank_txn_id.clone());
                Ok(())
            }
        }
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// vnpay.md §2: 00 recorded, 02 already confirmed, 97 bad signature, 99 error.
async fn vnpay_ipn(State(hub): State<Arc<Hub>>, RawQuery(query): RawQuery) -> Response {
    let lookup = |tmn: &str| (tmn == TMN_CODE).then_some(TMN_SECRET);
    let reply = match vnpay::verify_ipn(&query.unwrap_or_default(), lookup) {
        Err(e) => {
            hub.push(Received::Forged(e.to_string()));
            e.ipn_reply()
        }
        Ok(callback) => {
            hub.push(Received::Callback(Box::new(callback.clone())));
            if hub.should_fail() {
                IpnReply::UnknownError
            } else if hub.record_first(&callback).is_err() {
                IpnReply::AlreadyConfirmed
            } else {
                IpnReply::ConfirmSuccess
            }
        }
    };
    (StatusCode::OK, reply.body()).into_response()
}

/// vcb.md §2: 00 (also for a repeat), 97/401 bad signature, 99/500 error; replies are signed.
async fn vcb_notify(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    let signed = SignedHeaders::from_lookup(|name| headers.get(name)?.to_str().ok());
    let reply = match vcb::verify_notification(&VCB, &signed, &body, now()) {
        Err(e) => {
            hub.push(Received::Forged(e.to_string()));
            e.notify_reply()
        }
        Ok(callback) => {
            hub.push(Received::Callback(Box::new(callback.clone())));
            if hub.should_fail() {
                NotifyReply::InternalError
            } else {
                let _ = hub.record_first(&callback);
                NotifyReply::Recorded
            }
        }
    };
    let body = reply.body();
    let mut response = (
        StatusCode::from_u16(reply.http_status()).unwrap(),
        body.clone(),
    )
        .into_response();
    for (name, value) in vcb::sign_headers(&VCB, now(), body.as_bytes()) {
        response
            .headers_mut()
            .insert(HeaderName::try_from(name).unwrap(), value.parse().unwrap());
    }
    response
}

/// bidv.md §2: 00 payable (with PayHub's amount), 01 unknown, 02 already paid, 97 bad checksum.
async fn bidv_inquiry(State(hub): State<Arc<Hub>>, body: Bytes) -> String {
    let reply = match bidv::verify_inquiry(&BIDV, &body, now()) {
        Err(e) => {
            hub.push(Received::Forged(e.to_string()));
            InquiryReply::refusal_echoing(e.inquiry_code(), &body)
        }
        Ok(inquiry) => {
            hub.push(Received::Inquiry(inquiry.bill_code.clone()));
            let amount = hub.bills.lock().unwrap().get(&inquiry.bill_code).copied();
            let paid = hub
                .recorded
                .lock()
                .unwrap()
                .contains_key(&inquiry.bill_code);
            match amount {
                None => InquiryReply::refusal(InquiryCode::NotFound, &inquiry.bill_code),
                Some(_) if paid => {
                    InquiryReply::refusal(InquiryCode::AlreadyPaid, &inquiry.bill_code)
                }
                Some(amount) => InquiryReply::payable(
                    &inquiry.bill_code,
                    amount,
                    "Le phi ho so",
                    "NGUYEN VAN A",
                ),
            }
        }
    };
    reply.to_json(&BIDV)
}

/// bidv.md §3: 00 recorded (also a repeat of the same MaGiaoDich), 02 paid by another
/// MaGiaoDich, 97 bad checksum, 99 error.
async fn bidv_notify(State(hub): State<Arc<Hub>>, body: Bytes) -> String {
    let reply = match bidv::verify_notification(&BIDV, &body) {
        Err(e) => {
            hub.push(Received::Forged(e.to_string()));
            bidv::NotifyReply::echoing(e.notify_code(), &body)
        }
        Ok(callback) => {
            hub.push(Received::Callback(Box::new(callback.clone())));
            let code = if hub.should_fail() {
                NotifyCode::Error
            } else {
                match hub.record_first(&callback) {
                    Ok(()) => NotifyCode::Recorded,
                    Err(first) if first == callback.bank_txn_id => NotifyCode::Recorded,
                    Err(_) => NotifyCode::PaidByAnother,
                }
            };
            bidv::NotifyReply {
                code,
                bank_txn_id: callback.bank_txn_id.unwrap_or_default(),
            }
        }
    };
    reply.to_json(&BIDV)
}
