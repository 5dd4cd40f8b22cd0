//! The BIDV simulator (bidv.md): register, inquiry then notification, query, refund, statement.

use std::time::Duration;

use bank_adapters::bidv::simulator::{self, Channel, PayError, Simulator, SimulatorConfig};
use bank_adapters::bidv::{self, Bill, RefundOrder, RegisterCode, ReplyCode};
use bank_adapters::simulator::{CallbackState, Faults, RetrySchedule, SimHandle, Transaction};
use bank_adapters::{
    parse_statement, BankCode, CallbackDetail, LineKind, RefundStatus, TxnStatus, Vnd,
};
use chrono::{FixedOffset, Utc};

use crate::browser::{browser, choose, redirect};
use crate::payhub::{FakePayHub, Received, BIDV};

const ACCOUNT: &str = "12010000123456";

struct Bidv {
    sim: SimHandle<Simulator>,
    payhub: FakePayHub,
    browser: reqwest::Client,
}

async fn start() -> Bidv {
    let payhub = FakePayHub::spawn().await;
    let mut config = SimulatorConfig::new(BIDV.code, BIDV.secret, &payhub.url());
    config.settings.retry =
        RetrySchedule::every(Duration::from_millis(20), simulator::SPEC_RETRIES);
    let sim = simulator::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Bidv {
        sim,
        payhub,
        browser: browser(),
    }
}

fn vnd(dong: i64) -> Vnd {
    Vnd::from_dong(dong).unwrap()
}

fn now() -> i64 {
    Utc::now().timestamp()
}

impl Bidv {
    async fn post(&self, path: &str, body: String) -> Vec<u8> {
        let response = self
            .browser
            .post(format!("{}{path}", self.sim.base_url()))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        response.bytes().await.unwrap().to_vec()
    }

    /// Registers `code` with BIDV and makes it payable at PayHub; returns `UrlThanhToan`.
    async fn register(&self, code: &str, amount: Vnd) -> String {
        let registration = self.register_as(&BIDV, code, amount).await;
        assert_eq!(registration.code, RegisterCode::Ok, "{registration:?}");
        self.payhub.add_bill(code, amount);
        registration.payment_url.unwrap()
    }

    async fn register_as(
        &self,
        partner: &bidv::Partner<'_>,
        code: &str,
        amount: Vnd,
    ) -> bidv::Registration {
        let bill = Bill {
            bill_code: code.into(),
            amount,
            description: format!("Le phi ho so {code}"),
            due: Utc::now().with_timezone(&FixedOffset::east_opt(7 * 3600).unwrap())
                + chrono::TimeDelta::minutes(15),
            account_no: ACCOUNT.into(),
            account_name: "KBNN HA NOI".into(),
        };
        let reply = self
            .post(
                "/thuho/v1/bill/register",
                bidv::register_body(partner, &bill, now()),
            )
            .await;
        bidv::verify_register_reply(&BIDV, code, &reply).unwrap()
    }

    async fn query(&self, code: &str) -> bidv::BillQuery {
        let reply = self
            .post("/thuho/v1/bill/query", bidv::query_body(&BIDV, code, now()))
            .await;
        bidv::verify_query_reply(&BIDV, code, &reply).unwrap()
    }

    async fn settled(&self) {
        let settled = |txns: &[Transaction]| {
            txns.iter().all(|t| {
                matches!(
                    t.callback.state,
                    CallbackState::Finished | CallbackState::NotSent
                )
            })
        };
        assert!(self.sim.wait_until(Duration::from_secs(2), settled).await);
    }
}

#[tokio::test]
async fn a_bill_paid_on_the_web_page_is_asked_about_then_notified() {
    let app = start().await;
    let url = app.register("B7K2M9Q4", vnd(150_000)).await;

    let returned = redirect(&choose(&app.browser, &url, "approve").await);

    assert_eq!(
        returned,
        format!("{}/return/bidv?bill=B7K2M9Q4", app.payhub.url())
    );
    let received = app.payhub.wait_for(2).await;
    assert!(matches!(&received[0], Received::Inquiry(code) if code == "B7K2M9Q4"));
    let notified = received[1].callback();
    assert_eq!(
        (notified.amount, notified.status.clone()),
        (vnd(150_000), TxnStatus::Paid)
    );
    assert_eq!(notified.credit_account.as_deref(), Some(ACCOUNT));
    assert!(matches!(&notified.detail, CallbackDetail::Bidv { channel } if channel == "WEB"));
    app.settled().await;
    assert!(app.sim.transactions_for("B7K2M9Q4")[0].acknowledged());
}

#[tokio::test]
async fn pay_by_code_at_the_counter_debits_the_amount_payhub_gives() {
    let app = start().await;
    app.register("C0UNTER1", vnd(150_000)).await;
    // PayHub's order changed since registration: BIDV debits what the inquiry says.
    app.payhub.add_bill("C0UNTER1", vnd(120_000));

    let paid = app
        .sim
        .pay_by_code("C0UNTER1", Channel::Counter)
        .await
        .unwrap();

    assert_eq!(paid.amount, vnd(120_000));
    let received = app.payhub.wait_for(2).await;
    assert!(matches!(&received[0], Received::Inquiry(_)));
    let notified = received[1].callback();
    assert_eq!(
        notified.bank_txn_id.as_deref(),
        Some(paid.bank_txn_id.as_str())
    );
    assert!(matches!(&notified.detail, CallbackDetail::Bidv { channel } if channel == "COUNTER"));
    assert_eq!(app.sim.inquiries()[0].code.as_deref(), Some("00"));
}

#[tokio::test]
async fn pay_by_code_over_http_does_not_debit_a_bill_payhub_says_is_paid() {
    let app = start().await;
    app.register("PAID1", vnd(10_000)).await;
    app.sim.pay_by_code("PAID1", Channel::Mobile).await.unwrap();
    app.payhub.wait_for(2).await;
    app.settled().await;

    let again = app
        .browser
        .post(format!("{}/sim/bidv/pay-by-code", app.sim.base_url()))
        .json(&serde_json::json!({"bill": "PAID1", "channel": "COUNTER"}))
        .send()
        .await
        .unwrap();

    assert_eq!(again.status(), 409);
    let body: serde_json::Value = again.json().await.unwrap();
    assert_eq!(body["code"], "02");
    assert_eq!(app.sim.transactions_for("PAID1").len(), 1);
    let unregistered = app.sim.pay_by_code("NOBILL", Channel::Counter).await;
    assert_eq!(
        unregistered.unwrap_err(),
        PayError::NotRegistered("NOBILL".into())
    );
}

#[tokio::test]
async fn a_reused_bill_code_gets_05_and_a_forged_registration_97() {
    let app = start().await;
    app.register("DUP1", vnd(10_000)).await;
    let forger = bidv::Partner {
        code: BIDV.code,
        secret: "guessed",
    };

    let reused = app.register_as(&BIDV, "DUP1", vnd(10_000)).await;
    let forged = app.register_as(&forger, "NEW1", vnd(10_000)).await;

    assert_eq!(reused.code, RegisterCode::AlreadyRegistered);
    assert_eq!(forged.code, RegisterCode::BadChecksum);
}

#[tokio::test]
async fn a_dropped_notification_never_arrives_but_the_query_reports_the_bill_paid() {
    let app = start().await;
    app.register("LOST1", vnd(80_000)).await;
    app.sim.fault_next(Faults::default().drop_callback());

    let paid = app.sim.pay_by_code("LOST1", Channel::Mobile).await.unwrap();
    let answer = app.query("LOST1").await;

    assert_eq!(answer.code, ReplyCode::Ok);
    assert_eq!(answer.status, Some(TxnStatus::Paid));
    assert_eq!(
        answer.bank_txn_id.as_deref(),
        Some(paid.bank_txn_id.as_str())
    );
    assert_eq!(answer.amount, Some(vnd(80_000)));
    let unpaid = {
        app.register("OPEN1", vnd(1_000)).await;
        app.query("OPEN1").await
    };
    assert_eq!(unpaid.status, Some(TxnStatus::Pending));
    // Only the inquiry reached PayHub.
    assert!(matches!(app.payhub.received()[..], [Received::Inquiry(_)]));
}

#[tokio::test]
async fn a_second_debit_of_the_same_bill_gets_a_new_magiaodich_and_payhub_answers_02() {
    let app = start().await;
    app.register("TWICE1", vnd(50_000)).await;
    app.sim.fault_next(Faults::default().paid_twice());

    app.sim
        .pay_by_code("TWICE1", Channel::Mobile)
        .await
        .unwrap();

    let received = app.payhub.wait_for(3).await;
    let (first, second) = (received[1].callback(), received[2].callback());
    assert_ne!(first.bank_txn_id, second.bank_txn_id);
    app.settled().await;
    let txns = app.sim.transactions_for("TWICE1");
    let last_code = |t: &Transaction| t.callback.attempts.last().unwrap().code.clone();
    assert_eq!(last_code(&txns[0]).as_deref(), Some("00"));
    assert_eq!(last_code(&txns[1]).as_deref(), Some("02"));
}

#[tokio::test]
async fn notifications_are_retried_while_payhub_errs() {
    let app = start().await;
    app.register("RETRY1", vnd(50_000)).await;
    app.payhub.fail_next(2);

    app.sim
        .pay_by_code("RETRY1", Channel::Mobile)
        .await
        .unwrap();

    app.settled().await;
    let attempts = &app.sim.transactions_for("RETRY1")[0].callback.attempts;
    let codes: Vec<_> = attempts
        .iter()
        .map(|a| a.code.as_deref().unwrap())
        .collect();
    assert_eq!(codes, ["99", "99", "00"]);
}

#[tokio::test]
async fn a_declined_payment_notifies_nothing_and_leaves_the_bill_unpaid() {
    let app = start().await;
    let url = app.register("DECL1", vnd(50_000)).await;

    redirect(&choose(&app.browser, &url, "decline").await);

    assert_eq!(app.query("DECL1").await.status, Some(TxnStatus::Pending));
    let txn = &app.sim.transactions_for("DECL1")[0];
    assert_eq!(txn.callback.state, CallbackState::NotSent);
    assert!(app.payhub.received().is_empty());
}

#[tokio::test]
async fn the_statement_counts_sums_and_hashes_its_lines_and_shows_faults_and_refunds() {
    let app = start().await;
    for code in ["S1", "S2"] {
        app.register(code, vnd(100_000)).await;
    }
    let s1 = app.sim.pay_by_code("S1", Channel::Mobile).await.unwrap();
    app.sim.fault_next(
        Faults::default()
            .wrong_account("99990000")
            .wrong_amount(vnd(90_000)),
    );
    app.sim.pay_by_code("S2", Channel::Counter).await.unwrap();
    let refund = RefundOrder {
        bank_txn_id: s1.bank_txn_id.clone(),
        refund_ref: "HT1".into(),
        amount: vnd(30_000),
        reason: "Ho so bi tu choi".into(),
    };
    let reply = app
        .post("/thuho/v1/refund", bidv::refund_body(&BIDV, &refund, now()))
        .await;
    let refunded = bidv::verify_refund_reply(&BIDV, "HT1", &reply).unwrap();
    assert_eq!(refunded.status, Some(RefundStatus::Succeeded));
    let ngay = app.sim.now().format("%Y%m%d").to_string();

    let file = app
        .browser
        .get(format!(
            "{}/thuho/v1/statement?MaDoiTac={}&Ngay={ngay}",
            app.sim.base_url(),
            BIDV.code
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    let text = String::from_utf8_lossy(&file);
    assert!(
        text.starts_with(&format!("H|DVCQG|{ngay}|3|220000\n")),
        "{text}"
    );
    let lines = parse_statement(BankCode::Bidv, &file).unwrap();
    assert_eq!(lines.len(), 3);
    let wrong = lines.iter().find(|l| l.reference == "S2").unwrap();
    assert_eq!(
        (wrong.amount, wrong.credited_to.as_deref()),
        (vnd(90_000), Some("99990000"))
    );
    let back = lines.iter().find(|l| l.kind == LineKind::Refund).unwrap();
    assert_eq!(
        (back.amount, back.bank_txn_id.as_str()),
        (vnd(30_000), s1.bank_txn_id.as_str())
    );
}
