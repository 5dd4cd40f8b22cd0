//! The VCB simulator (vcb.md): signed create, page, notification, queries, refunds, statement.

use std::time::Duration;

use bank_adapters::simulator::{CallbackState, Faults, RetrySchedule, SimHandle, Transaction};
use bank_adapters::vcb::simulator::{self, Simulator, SimulatorConfig};
use bank_adapters::vcb::{
    self, Beneficiary, CreatedPayment, PaymentLookup, PaymentOrder, RefundOrder, Reply,
    SignedHeaders, VcbError,
};
use bank_adapters::{parse_statement, BankCode, CallbackDetail, LineKind, TxnStatus, Vnd};
use chrono::{FixedOffset, Utc};
use reqwest::Method;

use crate::browser::{browser, choose, query_of, redirect};
use crate::payhub::{FakePayHub, VCB};

const ACCOUNT: &str = "0011001234567";
const RETURN_URL: &str = "https://payhub.example/return/vcb";

struct Vcb {
    sim: SimHandle<Simulator>,
    payhub: FakePayHub,
    browser: reqwest::Client,
}

/// A reply as the adapter reads it.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn reply(&self) -> Reply<'_> {
        Reply {
            status: self.status,
            headers: SignedHeaders::from_lookup(|name| self.headers.get(name)?.to_str().ok()),
            body: &self.body,
        }
    }
}

async fn start_with(retry: RetrySchedule) -> Vcb {
    let payhub = FakePayHub::spawn().await;
    let mut config = SimulatorConfig::new(VCB.id, VCB.secret);
    config.settings.retry = retry;
    let sim = simulator::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Vcb {
        sim,
        payhub,
        browser: browser(),
    }
}

async fn start() -> Vcb {
    start_with(RetrySchedule::every(
        Duration::from_millis(20),
        simulator::SPEC_RETRIES,
    ))
    .await
}

fn vnd(dong: i64) -> Vnd {
    Vnd::from_dong(dong).unwrap()
}

fn now() -> i64 {
    Utc::now().timestamp()
}

impl Vcb {
    fn order(&self, order_ref: &str, amount: Vnd) -> PaymentOrder {
        PaymentOrder {
            order_ref: order_ref.into(),
            amount,
            description: format!("Le phi ho so {order_ref}"),
            return_url: RETURN_URL.into(),
            notify_url: format!("{}/callbacks/vcb", self.payhub.url()),
            expire_at: Utc::now().with_timezone(&FixedOffset::east_opt(7 * 3600).unwrap())
                + chrono::TimeDelta::minutes(15),
            beneficiary: Beneficiary {
                account_no: ACCOUNT.into(),
                bank_bin: "970436".into(),
                account_name: "KBNN HA NOI".into(),
            },
        }
    }

    /// Sends a request signed at `signed_at` by `merchant`.
    async fn call_as(
        &self,
        merchant: &vcb::Merchant<'_>,
        signed_at: i64,
        method: Method,
        path: &str,
        body: String,
    ) -> Answer {
        let mut request = self
            .browser
            .request(method, format!("{}{path}", self.sim.base_url()));
        for (name, value) in vcb::sign_headers(merchant, signed_at, body.as_bytes()) {
            request = request.header(name, value);
        }
        let response = request.body(body).send().await.unwrap();
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.bytes().await.unwrap().to_vec(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: String) -> Answer {
        self.call_as(&VCB, now(), method, path, body).await
    }

    async fn create(&self, order_ref: &str, amount: Vnd) -> Result<CreatedPayment, VcbError> {
        let body = vcb::create_payment_body(&VCB, &self.order(order_ref, amount));
        let answer = self.call(Method::POST, "/v1/payments", body).await;
        vcb::parse_create_reply(&VCB, &answer.reply(), now())
    }

    /// Creates and pays a payment; returns it and the browser's return URL.
    async fn pay(&self, order_ref: &str, amount: Vnd, action: &str) -> (CreatedPayment, String) {
        let created = self.create(order_ref, amount).await.unwrap();
        let returned = redirect(&choose(&self.browser, &created.payment_url, action).await);
        (created, returned)
    }

    async fn query(&self, lookup: PaymentLookup<'_>) -> Option<bank_adapters::Callback> {
        let answer = self
            .call(Method::GET, &vcb::query_path(lookup), String::new())
            .await;
        vcb::parse_query_reply(&VCB, &answer.reply(), now()).unwrap()
    }

    async fn settled(&self) {
        let settled = |txns: &[Transaction]| {
            txns.iter()
                .all(|t| t.callback.state == CallbackState::Finished)
        };
        assert!(self.sim.wait_until(Duration::from_secs(2), settled).await);
    }
}

#[tokio::test]
async fn a_payment_created_and_approved_is_notified_and_returned_signed() {
    let app = start().await;

    let (created, returned) = app.pay("A7K2M9Q4", vnd(150_000), "approve").await;

    assert_eq!(created.status, TxnStatus::Pending);
    let shown = vcb::verify_return(&VCB, query_of(&returned)).unwrap();
    assert_eq!(
        (shown.order_ref.as_str(), shown.status),
        ("A7K2M9Q4", TxnStatus::Paid)
    );
    assert!(returned.starts_with(RETURN_URL));
    let notified = app.payhub.wait_for(1).await[0].callback().clone();
    assert_eq!(notified.reference, "A7K2M9Q4");
    assert_eq!(notified.amount, vnd(150_000));
    assert_eq!(notified.status, TxnStatus::Paid);
    assert_eq!(notified.credit_account.as_deref(), Some(ACCOUNT));
    assert!(
        matches!(&notified.detail, CallbackDetail::Vcb { payment_id, .. } if *payment_id == created.payment_id)
    );
    app.settled().await;
    assert!(app.sim.transactions_for("A7K2M9Q4")[0].acknowledged());
}

#[tokio::test]
async fn create_refuses_a_bad_signature_a_stale_timestamp_and_a_reused_order_ref() {
    let app = start().await;
    let body = vcb::create_payment_body(&VCB, &app.order("B1", vnd(10_000)));
    let impostor = vcb::Merchant {
        id: VCB.id,
        secret: "guessed",
    };

    let forged = app
        .call_as(&impostor, now(), Method::POST, "/v1/payments", body.clone())
        .await;
    let stale = app
        .call_as(&VCB, now() - 301, Method::POST, "/v1/payments", body)
        .await;
    app.create("B1", vnd(10_000)).await.unwrap();
    let reused = app.create("B1", vnd(10_000)).await;

    assert_eq!(forged.status, 401);
    assert_eq!(
        vcb::parse_create_reply(&VCB, &forged.reply(), now()).unwrap_err(),
        VcbError::SignatureRefused
    );
    assert_eq!(stale.status, 401);
    assert_eq!(reused.unwrap_err(), VcbError::DuplicateOrderRef);
}

#[tokio::test]
async fn a_dropped_notification_never_arrives_but_both_queries_report_the_payment_paid() {
    let app = start().await;
    app.sim.fault_next(Faults::default().drop_callback());

    let (created, _) = app.pay("C1", vnd(70_000), "approve").await;

    let by_id = app
        .query(PaymentLookup::PaymentId(&created.payment_id))
        .await
        .unwrap();
    let by_ref = app.query(PaymentLookup::OrderRef("C1")).await.unwrap();
    assert_eq!(by_id, by_ref);
    assert_eq!((by_id.status, by_id.amount), (TxnStatus::Paid, vnd(70_000)));
    assert_eq!(
        by_id.bank_txn_id,
        app.sim.transactions_for("C1")[0].bank_txn_id
    );
    assert_eq!(app.query(PaymentLookup::OrderRef("NEVER")).await, None);
    assert_eq!(
        app.sim.transactions_for("C1")[0].callback.state,
        CallbackState::Dropped
    );
    assert!(app.payhub.received().is_empty());
}

#[tokio::test]
async fn notifications_are_retried_until_payhub_answers_00() {
    let app = start().await;
    app.payhub.fail_next(2);

    app.pay("D1", vnd(10_000), "approve").await;

    app.settled().await;
    let attempts = &app.sim.transactions_for("D1")[0].callback.attempts;
    let codes: Vec<_> = attempts
        .iter()
        .map(|a| (a.http_status, a.code.as_deref()))
        .collect();
    assert_eq!(
        codes,
        [
            (Some(500), Some("99")),
            (Some(500), Some("99")),
            (Some(200), Some("00"))
        ]
    );
}

#[tokio::test]
async fn a_notification_payhub_never_acknowledges_stops_when_the_schedule_ends() {
    let app = start_with(RetrySchedule::every(Duration::from_millis(10), 2)).await;
    app.payhub.fail_next(100);

    app.pay("D2", vnd(10_000), "approve").await;

    app.settled().await;
    let txn = &app.sim.transactions_for("D2")[0];
    assert_eq!(txn.callback.attempts.len(), 3);
    assert!(!txn.acknowledged());
}

#[tokio::test]
async fn declined_and_cancelled_payments_are_notified_as_failed_and_cancelled() {
    let app = start().await;

    let (_, declined) = app.pay("E1", vnd(10_000), "decline").await;
    let (_, cancelled) = app.pay("E2", vnd(10_000), "cancel").await;

    assert!(declined.contains("status=FAILED"));
    assert!(cancelled.contains("status=CANCELLED"));
    let received = app.payhub.wait_for(2).await;
    let status = |r: &str| {
        received
            .iter()
            .map(|m| m.callback())
            .find(|c| c.reference == r)
            .unwrap()
            .status
            .clone()
    };
    assert!(matches!(status("E1"), TxnStatus::Failed { .. }));
    assert_eq!(status("E2"), TxnStatus::Cancelled);
}

#[tokio::test]
async fn a_notification_sent_twice_in_a_row_carries_the_same_event_id() {
    let app = start().await;
    app.sim.fault_next(Faults::default().copies(2));

    app.pay("F1", vnd(10_000), "approve").await;

    let received = app.payhub.wait_for(2).await;
    let event = |i: usize| match &received[i].callback().detail {
        CallbackDetail::Vcb { event_id, .. } => event_id.clone().unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(event(0), event(1));
}

#[tokio::test]
async fn refunds_may_be_partial_but_never_exceed_the_payment() {
    let app = start().await;
    let (created, _) = app.pay("G1", vnd(100_000), "approve").await;
    let refund = |r: &str, dong: i64| RefundOrder {
        refund_ref: r.into(),
        amount: vnd(dong),
        reason: "Ho so bi tu choi".into(),
    };
    let path = vcb::refund_path(&created.payment_id);

    let first = app
        .call(Method::POST, &path, vcb::refund_body(&refund("R1", 60_000)))
        .await;
    let too_much = app
        .call(Method::POST, &path, vcb::refund_body(&refund("R2", 50_000)))
        .await;
    let rest = app
        .call(Method::POST, &path, vcb::refund_body(&refund("R3", 40_000)))
        .await;

    assert!(vcb::parse_refund_reply(&VCB, &first.reply(), now()).is_ok());
    assert_eq!(too_much.status, 400);
    assert!(vcb::parse_refund_reply(&VCB, &rest.reply(), now()).is_ok());
    assert_eq!(app.sim.transactions_for("G1")[0].refunded, vnd(100_000));
}

#[tokio::test]
async fn todays_statement_is_404_until_the_day_is_closed_then_holds_payments_refunds_and_faults() {
    let app = start().await;
    let (paid, _) = app.pay("H1", vnd(150_000), "approve").await;
    app.sim.fault_next(
        Faults::default()
            .wrong_amount(vnd(1_000))
            .wrong_account("9999999999"),
    );
    app.pay("H2", vnd(50_000), "approve").await;
    app.pay("H3", vnd(50_000), "cancel").await;
    let refund = RefundOrder {
        refund_ref: "R1".into(),
        amount: vnd(20_000),
        reason: "Hoan mot phan".into(),
    };
    app.call(
        Method::POST,
        &vcb::refund_path(&paid.payment_id),
        vcb::refund_body(&refund),
    )
    .await;
    let today = app.sim.now().date_naive();
    let path = format!("/v1/statements?date={}", today.format("%Y-%m-%d"));

    let open = app.call(Method::GET, &path, String::new()).await;
    app.sim.close_day(today);
    let closed = app.call(Method::GET, &path, String::new()).await;

    assert_eq!(open.status, 404);
    assert_eq!(closed.status, 200);
    vcb::verify_signed(&VCB, &closed.reply().headers, &closed.body, now()).unwrap();
    let lines = parse_statement(BankCode::Vcb, &closed.body).unwrap();
    assert_eq!(lines.len(), 3, "{}", String::from_utf8_lossy(&closed.body));
    let h1 = app.sim.transactions_for("H1")[0]
        .bank_txn_id
        .clone()
        .unwrap();
    let refund_line = lines.iter().find(|l| l.kind == LineKind::Refund).unwrap();
    assert_eq!(refund_line.amount, vnd(20_000));
    assert_eq!(refund_line.original_txn_id.as_deref(), Some(h1.as_str()));
    let wrong = lines.iter().find(|l| l.reference == "H2").unwrap();
    assert_eq!(
        (wrong.amount, wrong.credited_to.as_deref()),
        (vnd(1_000), Some("9999999999"))
    );
    let notified = app.payhub.wait_for(3).await;
    let h2 = notified
        .iter()
        .map(|r| r.callback())
        .find(|c| c.reference == "H2")
        .unwrap();
    assert_eq!(h2.credit_account.as_deref(), Some("9999999999"));
}
