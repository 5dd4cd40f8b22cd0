//! A bank that misbehaves: each fault (a timeout, a refused connection, HTTP 500, a body that is
//! not JSON, a reply with a bad signature) on each of PayHub's calls (payment start, query,
//! refund, statement fetch) at each bank. The citizen sees a clear page, nothing is recorded as
//! paid or refunded that was not, and once the fault is gone the same operation works.
//!
//! The simulators make the HTTP faults ([`ApiFault`]); a refused connection is a gate of the
//! test's own between PayHub and each bank, a TCP relay it can close and reopen on the same port.
//! PayHub's bank timeout is shortened through its configuration (`banks.timeout_ms`), and a slow
//! bank answers just after it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bank_adapters::simulator::{ApiFault, ApiOp, Controls, Faults};
use chrono::Duration as Minutes;
use payhub::app::AppState;
use payhub::config::BanksConfig;
use payhub::pending_sync::sync_pass;
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use crate::callbacks::{checkout, order_json, press, wait_for};
use crate::helpers::{order_body, spawn_app_with_banks_and, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::orders::count;
use crate::reconciliation::today;

on_both_backends!(each_bank_fault_on_each_call_records_nothing_false_and_the_next_try_works);

/// PayHub's bank timeout in this test, and how long a slow bank takes: just past it.
const TIMEOUT: Duration = Duration::from_millis(1000);
const SLOW: Duration = Duration::from_millis(1500);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Timeout,
    Refused,
    ServerError,
    NotJson,
    BadSignature,
}

const FAULTS: [Fault; 5] = [
    Fault::Timeout,
    Fault::Refused,
    Fault::ServerError,
    Fault::NotJson,
    Fault::BadSignature,
];
const OPS: [ApiOp; 4] = [
    ApiOp::StartPayment,
    ApiOp::Query,
    ApiOp::Refund,
    ApiOp::Statement,
];
const BANKS: [&str; 3] = ["vnpay", "vcb", "bidv"];

/// Where a simulator can produce the fault: VNPAY starts a payment in the browser with no call,
/// and only VCB signs its statement file (vnpay.md and bidv.md statements are plain files).
fn applies(fault: Fault, op: ApiOp, bank: &str) -> bool {
    match (fault, op, bank) {
        (_, ApiOp::StartPayment, "vnpay") => false,
        (Fault::BadSignature, ApiOp::Statement, bank) => bank == "vcb",
        _ => true,
    }
}

/// A TCP relay to a bank that can refuse connections: closed, nothing listens on its port;
/// reopened, it listens on the same port again.
struct Gate {
    port: u16,
    target: SocketAddr,
    relay: Mutex<Option<JoinHandle<()>>>,
}

impl Gate {
    fn start(target: SocketAddr) -> Arc<Gate> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let gate = Arc::new(Gate {
            port,
            target,
            relay: Mutex::new(None),
        });
        gate.open();
        gate
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Listens again (SO_REUSEADDR: the closed connections' TIME_WAIT do not hold the port).
    fn open(&self) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(([127, 0, 0, 1], self.port).into()).unwrap();
        let listener = socket.listen(64).unwrap();
        let target = self.target;
        let relay = tokio::spawn(async move {
            // Dropped with the task: every open connection is cut when the gate closes.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        *self.relay.lock().unwrap() = Some(relay);
    }

    /// Stops listening and cuts every connection: the next one is refused.
    fn close(&self) {
        if let Some(relay) = self.relay.lock().unwrap().take() {
            relay.abort();
        }
    }
}

/// Sends PayHub's API calls to each bank through a gate; the payment pages stay direct.
fn through_gates(banks: &mut BanksConfig) -> Vec<Arc<Gate>> {
    let mut gates = Vec::new();
    let mut gated = |url: &mut String| {
        let parsed = reqwest::Url::parse(url).unwrap();
        let origin = format!("http://127.0.0.1:{}", parsed.port().unwrap());
        let gate = Gate::start(origin[7..].parse().unwrap());
        *url = url.replacen(&origin, &gate.origin(), 1);
        gates.push(gate);
    };
    gated(&mut banks.vnpay.as_mut().unwrap().api_url);
    gated(&mut banks.vcb.as_mut().unwrap().base_url);
    gated(&mut banks.bidv.as_mut().unwrap().base_url);
    gates
}

struct Case<'a> {
    app: &'a TestApp,
    bank: &'static str,
    op: ApiOp,
    fault: Fault,
    controls: Controls,
    gate: Arc<Gate>,
    n: usize,
}

impl Case<'_> {
    fn break_bank(&self) {
        let fault = match self.fault {
            Fault::Refused => return self.gate.close(),
            Fault::Timeout => ApiFault::Slow(SLOW),
            Fault::ServerError => ApiFault::ServerError,
            Fault::NotJson => ApiFault::NotJson,
            Fault::BadSignature => ApiFault::BadSignature,
        };
        self.controls.set_api_fault(self.op, fault);
    }

    fn mend_bank(&self) {
        match self.fault {
            Fault::Refused => self.gate.open(),
            _ => self.controls.clear_api_fault(self.op),
        }
    }

    fn dossier(&self) -> String {
        format!("{AGENCY}-{}", self.n)
    }

    fn state(&self) -> AppState {
        let app = self.app;
        AppState::new(app.store.clone(), app.config.clone(), app.clock.clone())
    }

    async fn run(&self) {
        match self.op {
            ApiOp::StartPayment => self.start_payment().await,
            ApiOp::Query => self.query().await,
            ApiOp::Refund => self.refund().await,
            ApiOp::Statement => self.statement().await,
        }
    }

    /// A 502/503 page in Vietnamese with a way back; the attempt not redirected; then the
    /// same choice goes to the bank.
    async fn start_payment(&self) {
        let (app, dossier) = (self.app, self.dossier());
        let order: Value = (app.create_order(&dossier, &order_body(&dossier)).await)
            .json()
            .await
            .unwrap();
        let id = order["id"].as_str().unwrap();
        let choose = || {
            (app.client.post(app.url(&format!("/checkout/{id}"))))
                .form(&[("bank", self.bank)])
                .send()
        };
        self.break_bank();
        let page = choose().await.unwrap();
        let status = page.status().as_u16();
        let html = page.text().await.unwrap();
        assert!(status == 502 || status == 503, "{self:?}: {status} {html}");
        assert!(html.contains("ngân hàng"), "{self:?}: {html}");
        let back = format!("href=\"&#x2f;checkout&#x2f;{id}\"");
        assert!(
            html.contains(&back) && html.contains("Quay lại"),
            "{self:?}: {html}"
        );
        let sql = format!("select count(*) from payment_attempts where order_id = '{id}' and status in ('redirected', 'succeeded')");
        assert_eq!(count(app, &sql).await, 0, "{self:?}");
        assert_eq!(order_json(app, id).await["status"], "pending", "{self:?}");
        self.mend_bank();
        let again = choose().await.unwrap();
        assert_eq!(again.status(), 303, "{self:?}");
        assert_eq!(count(app, &sql).await, 1, "{self:?}");
    }

    /// The citizen paid but the callback was lost: pending sync's query meets the fault, the
    /// attempt stays unpaid and is asked again on schedule, and then it is paid.
    async fn query(&self) {
        let app = self.app;
        self.controls.fault_next(Faults::default().drop_callback());
        let (order, page) = checkout(app, &self.dossier(), self.bank).await;
        let id = order["id"].as_str().unwrap();
        press(app, &page, "approve").await;
        self.break_bank();
        app.move_clocks_by(Minutes::minutes(6));
        sync_pass(&self.state()).await.unwrap();
        let sql = format!("select count(*) from payment_attempts where order_id = '{id}' and status = 'redirected' and next_query_at is not null");
        assert_eq!(count(app, &sql).await, 1, "{self:?}: still to be asked");
        assert_eq!(order_json(app, id).await["status"], "pending", "{self:?}");
        let paid = format!("select count(*) from payments where order_id = '{id}'");
        assert_eq!(count(app, &paid).await, 0, "{self:?}");
        self.mend_bank();
        app.move_clocks_by(Minutes::minutes(10));
        sync_pass(&self.state()).await.unwrap();
        assert_eq!(order_json(app, id).await["status"], "paid", "{self:?}");
    }

    /// A refund the bank did not confirm is `failed` with a reason and moves no money in
    /// PayHub; the next request refunds.
    async fn refund(&self) {
        let app = self.app;
        let (order, page) = checkout(app, &self.dossier(), self.bank).await;
        let id = order["id"].as_str().unwrap();
        press(app, &page, "approve").await;
        assert_eq!(
            wait_for(app, id, |o| o["status"] == "paid").await["status"],
            "paid"
        );
        let at_bank = self.controls.refunds().len();
        let refund = |key: String| {
            (app.client
                .post(app.url(&format!("/api/v1/orders/{id}/refunds"))))
            .bearer_auth(&app.finance_key)
            .header("idempotency-key", key)
            .json(&json!({"amount": "150000", "reason": "Miễn lệ phí"}))
            .send()
        };
        self.break_bank();
        let failed = refund(format!("{id}-1")).await.unwrap();
        assert_eq!(failed.status(), 201, "{self:?}");
        let failed: Value = failed.json().await.unwrap();
        assert_eq!(failed["status"], "failed", "{self:?}: {failed}");
        let reason = failed["failure_reason"].as_str().unwrap_or_default();
        assert!(!reason.is_empty(), "{self:?}: {failed}");
        let order = order_json(app, id).await;
        assert_eq!(
            (order["status"].as_str(), order["refunded_amount"].as_str()),
            (Some("paid"), Some("0")),
            "{self:?}"
        );
        if self.fault == Fault::BadSignature {
            // The bank did refund; PayHub cannot know, and says to check before refunding again.
            assert!(reason.contains("check with the bank"), "{self:?}: {reason}");
        } else {
            assert_eq!(
                self.controls.refunds().len(),
                at_bank,
                "{self:?}: no money moved"
            );
        }
        self.mend_bank();
        let done: Value = refund(format!("{id}-2"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(done["status"], "succeeded", "{self:?}: {done}");
        assert_eq!(
            order_json(app, id).await["status"],
            "partially_refunded",
            "{self:?}"
        );
    }

    /// No run is made from a statement the bank did not deliver; then the day runs.
    async fn statement(&self) {
        let app = self.app;
        let runs = count(app, "select count(*) from reconciliation_runs").await;
        let body = json!({"bank": self.bank, "date": today(app).to_string()});
        self.break_bank();
        let refused = (app.post_json("/api/v1/reconciliations", &app.finance_key, &body)).await;
        let status = refused.status().as_u16();
        let problem: Value = refused.json().await.unwrap();
        assert!(
            status == 502 || status == 503,
            "{self:?}: {status} {problem}"
        );
        assert_eq!(
            count(app, "select count(*) from reconciliation_runs").await,
            runs,
            "{self:?}"
        );
        self.mend_bank();
        let run = (app.post_json("/api/v1/reconciliations", &app.finance_key, &body)).await;
        assert_eq!(run.status(), 201, "{self:?}");
    }
}

impl std::fmt::Debug for Case<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} on {:?} at {}", self.fault, self.op, self.bank)
    }
}

async fn each_bank_fault_on_each_call_records_nothing_false_and_the_next_try_works(
    backend: Backend,
) {
    let mut gates = Vec::new();
    let app = spawn_app_with_banks_and(backend, |config| {
        config.banks.timeout_ms = TIMEOUT.as_millis() as u64;
        gates = through_gates(&mut config.banks);
    })
    .await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let banks = app.banks.as_ref().unwrap();
    let controls = [
        (*banks.vnpay).clone(),
        (*banks.vcb).clone(),
        (*banks.bidv).clone(),
    ];
    for c in &controls {
        c.close_day(today(&app));
    }
    let mut n = 0;
    for op in OPS {
        for fault in FAULTS {
            for (b, bank) in BANKS.iter().enumerate() {
                if !applies(fault, op, bank) {
                    continue;
                }
                n += 1;
                let case = Case {
                    app: &app,
                    bank,
                    op,
                    fault,
                    controls: controls[b].clone(),
                    gate: gates[b].clone(),
                    n,
                };
                case.run().await;
            }
        }
    }
    assert_eq!(
        n, 53,
        "60 combinations less VNPAY's 5 starts and 2 unsigned statements"
    );
}
