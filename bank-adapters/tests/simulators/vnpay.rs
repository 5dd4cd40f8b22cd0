//! The VNPAY simulator (vnpay.md): payment page, IPN, querydr, refund, reference statement.

use std::net::IpAddr;
use std::time::Duration;

use bank_adapters::simulator::{CallbackState, Faults, FlushOrder, RetrySchedule, SimHandle};
use bank_adapters::vnpay::simulator::{self, Simulator, SimulatorConfig};
use bank_adapters::vnpay::{
    self, ApiCode, Locale, PaymentRequest, QueryDrRequest, RefundKind, RefundRequest, Terminal,
};
use bank_adapters::{
    parse_statement, BankCode, LineKind, LineStatus, RefundStatus, TxnStatus, Vnd,
};
use chrono::{DateTime, FixedOffset, Utc};
use reqwest::StatusCode;

use crate::browser::{browser, choose, query_of, redirect};
use crate::payhub::{FakePayHub, Received, TMN_CODE, TMN_SECRET};

const TERMINAL: Terminal<'static> = Terminal {
    code: TMN_CODE,
    hash_secret: TMN_SECRET,
};
const RETURN_URL: &str = "https://payhub.example/return/vnpay";

struct Vnpay {
    sim: SimHandle<Simulator>,
    payhub: FakePayHub,
    browser: reqwest::Client,
}

async fn start() -> Vnpay {
    let payhub = FakePayHub::spawn().await;
    let mut config = SimulatorConfig::new(
        vec![(TMN_CODE.into(), TMN_SECRET.into())],
        format!("{}/callbacks/vnpay/ipn", payhub.url()),
    );
    config.settings.retry =
        RetrySchedule::every(Duration::from_millis(20), simulator::SPEC_RETRIES);
    let sim = simulator::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Vnpay {
        sim,
        payhub,
        browser: browser(),
    }
}

fn vnd(dong: i64) -> Vnd {
    Vnd::from_dong(dong).unwrap()
}

fn now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&FixedOffset::east_opt(7 * 3600).unwrap())
}

fn ip() -> IpAddr {
    "10.0.0.1".parse().unwrap()
}

impl Vnpay {
    fn payment_url(&self, txn_ref: &str, amount: Vnd, created: DateTime<FixedOffset>) -> String {
        let request = PaymentRequest {
            txn_ref: txn_ref.into(),
            amount,
            order_info: format!("Le phi ho so {txn_ref}"),
            order_type: "billpayment".into(),
            create_date: created,
            expire_date: created + chrono::TimeDelta::minutes(15),
            ip_addr: ip(),
            locale: Locale::Vn,
            return_url: RETURN_URL.into(),
            bank_code: None,
        };
        vnpay::payment_url(&self.sim.pay_url(), &TERMINAL, &request).unwrap()
    }

    /// Pays `txn_ref` on the page with `action`; returns the browser's return URL.
    async fn pay(&self, txn_ref: &str, amount: Vnd, action: &str) -> String {
        let url = self.payment_url(txn_ref, amount, now());
        redirect(&choose(&self.browser, &url, action).await)
    }

    async fn querydr(
        &self,
        request_id: &str,
        txn_ref: &str,
        created: DateTime<FixedOffset>,
    ) -> Vec<u8> {
        let request = QueryDrRequest {
            request_id: request_id.into(),
            txn_ref: txn_ref.into(),
            order_info: format!("Truy van {txn_ref}"),
            transaction_no: None,
            transaction_date: created,
            create_date: now(),
            ip_addr: ip(),
        };
        self.post_api(vnpay::querydr_body(&TERMINAL, &request))
            .await
    }

    async fn post_api(&self, body: String) -> Vec<u8> {
        let response = self
            .browser
            .post(self.sim.api_url())
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        response.bytes().await.unwrap().to_vec()
    }

    /// Waits until every transaction's callback finished delivering.
    async fn settled(&self) {
        let settled = |txns: &[bank_adapters::simulator::Transaction]| {
            txns.iter()
                .all(|t| t.callback.state == CallbackState::Finished)
        };
        assert!(self.sim.wait_until(Duration::from_secs(2), settled).await);
    }
}

#[tokio::test]
async fn an_approved_payment_sends_a_signed_ipn_and_returns_the_browser_with_the_same_fields() {
    let app = start().await;

    let returned = app.pay("DVC0000123", vnd(150_000), "approve").await;

    assert!(returned.starts_with(RETURN_URL), "{returned}");
    let shown = vnpay::verify_return(query_of(&returned), |_| Some(TMN_SECRET)).unwrap();
    let ipn = app.payhub.wait_for(1).await[0].callback().clone();
    assert_eq!(ipn, shown);
    assert_eq!(ipn.reference, "DVC0000123");
    assert_eq!(ipn.amount, vnd(150_000));
    assert_eq!(ipn.status, TxnStatus::Paid);
    assert_eq!(ipn.credit_account.as_deref(), Some(TMN_CODE));
    app.settled().await;
    let txn = &app.sim.transactions_for("DVC0000123")[0];
    assert!(txn.acknowledged());
    assert_eq!(txn.bank_txn_id, ipn.bank_txn_id);
    assert_eq!(txn.callback.attempts[0].code.as_deref(), Some("00"));
}

#[tokio::test]
async fn a_payment_url_with_a_wrong_signature_shows_error_70_and_books_nothing() {
    let app = start().await;
    let url = app.payment_url("DVC0000124", vnd(150_000), now());
    let forged = url.replace("vnp_Amount=15000000", "vnp_Amount=1500000");

    let page = app.browser.get(&forged).send().await.unwrap();

    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.text().await.unwrap().contains("(70)"));
    assert!(app.sim.transactions().is_empty());
}

#[tokio::test]
async fn declined_and_cancelled_payments_send_codes_51_and_24() {
    let app = start().await;

    let declined = app.pay("DVC0000125", vnd(50_000), "decline").await;
    let cancelled = app.pay("DVC0000126", vnd(50_000), "cancel").await;

    assert!(declined.contains("vnp_ResponseCode=51"), "{declined}");
    assert!(cancelled.contains("vnp_ResponseCode=24"), "{cancelled}");
    let received = app.payhub.wait_for(2).await;
    let status_of = |reference: &str| {
        received
            .iter()
            .map(Received::callback)
            .find(|c| c.reference == reference)
            .unwrap()
            .status
            .clone()
    };
    assert_eq!(
        status_of("DVC0000125"),
        TxnStatus::Failed { code: "51".into() }
    );
    assert_eq!(status_of("DVC0000126"), TxnStatus::Cancelled);
}

#[tokio::test]
async fn a_dropped_ipn_never_arrives_but_querydr_reports_the_payment_paid() {
    let app = start().await;
    app.sim.fault_next(Faults::default().drop_callback());
    let created = now();
    let url = app.payment_url("DVC0000127", vnd(200_000), created);

    redirect(&choose(&app.browser, &url, "approve").await);
    let answer = app.querydr("Q1", "DVC0000127", created).await;

    let answer = vnpay::verify_querydr_response(&TERMINAL, &answer).unwrap();
    assert_eq!(answer.code, ApiCode::Ok);
    let paid = answer.transaction.unwrap();
    assert_eq!((paid.status, paid.amount), (TxnStatus::Paid, vnd(200_000)));
    let txn = &app.sim.transactions_for("DVC0000127")[0];
    assert_eq!(paid.bank_txn_id, txn.bank_txn_id);
    assert_eq!(txn.callback.state, CallbackState::Dropped);
    assert!(txn.callback.attempts.is_empty());
    assert!(app.payhub.received().is_empty());
}

#[tokio::test]
async fn an_ipn_sent_three_times_concurrently_arrives_three_times() {
    let app = start().await;
    app.sim.fault_next(Faults::default().copies(3).concurrent());

    app.pay("DVC0000128", vnd(100_000), "approve").await;

    let received = app.payhub.wait_for(3).await;
    let ids: Vec<_> = received
        .iter()
        .map(|r| r.callback().bank_txn_id.clone())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    app.settled().await;
    // PayHub answers the first 00 and the repeats 02; VNPAY stops on either.
    let txn = &app.sim.transactions_for("DVC0000128")[0];
    let mut codes: Vec<_> = txn
        .callback
        .attempts
        .iter()
        .map(|a| a.code.clone().unwrap())
        .collect();
    codes.sort();
    assert_eq!(codes, ["00", "02", "02"]);
}

#[tokio::test]
async fn the_ipn_is_retried_while_payhub_errs_and_stops_once_it_acknowledges() {
    let app = start().await;
    app.payhub.fail_next(2);

    app.pay("DVC0000129", vnd(100_000), "approve").await;

    app.settled().await;
    let attempts = &app.sim.transactions_for("DVC0000129")[0].callback.attempts;
    let codes: Vec<_> = attempts
        .iter()
        .map(|a| a.code.as_deref().unwrap())
        .collect();
    assert_eq!(codes, ["99", "99", "00"]);
    assert_eq!(app.payhub.received().len(), 3);
}

#[tokio::test]
async fn held_ipns_arrive_in_the_order_flush_chooses() {
    let app = start().await;
    app.sim.set_faults(Faults::default().hold());
    for txn_ref in ["DVCA", "DVCB", "DVCC"] {
        app.pay(txn_ref, vnd(10_000), "approve").await;
    }
    assert_eq!(app.sim.held_callbacks(), 3);
    assert!(app.payhub.received().is_empty());

    assert_eq!(app.sim.flush(FlushOrder::Reversed).await, 3);

    let order: Vec<_> = app
        .payhub
        .received()
        .iter()
        .map(|r| r.callback().reference.clone())
        .collect();
    assert_eq!(order, ["DVCC", "DVCB", "DVCA"]);
}

#[tokio::test]
async fn a_second_payment_of_the_same_txn_ref_gets_a_new_transaction_no() {
    let app = start().await;
    app.sim
        .fault_reference("DVC0000130", Faults::default().paid_twice());

    app.pay("DVC0000130", vnd(100_000), "approve").await;

    let received = app.payhub.wait_for(2).await;
    let (first, second) = (received[0].callback(), received[1].callback());
    assert_eq!(first.reference, second.reference);
    assert_ne!(first.bank_txn_id, second.bank_txn_id);
    app.settled().await;
    let txns = app.sim.transactions_for("DVC0000130");
    assert_eq!(txns.len(), 2);
    assert_eq!(txns[1].callback.attempts[0].code.as_deref(), Some("02"));
}

#[tokio::test]
async fn the_days_statement_parses_and_shows_a_wrong_amount_a_wrong_account_and_a_refund() {
    let app = start().await;
    let created = now();
    let url = app.payment_url("DVCR", vnd(300_000), created);
    redirect(&choose(&app.browser, &url, "approve").await);
    app.sim.fault_next(
        Faults::default()
            .wrong_amount(vnd(99_000))
            .wrong_account("OTHERTMN"),
    );
    app.pay("DVCW", vnd(100_000), "approve").await;
    let refund = RefundRequest {
        request_id: "RF1".into(),
        kind: RefundKind::Partial,
        txn_ref: "DVCR".into(),
        amount: vnd(100_000),
        transaction_no: None,
        transaction_date: created,
        create_by: "ketoan".into(),
        create_date: now(),
        ip_addr: ip(),
        order_info: "Hoan tien".into(),
    };
    let refunded = app.post_api(vnpay::refund_body(&TERMINAL, &refund)).await;
    let refunded = vnpay::verify_refund_response(&TERMINAL, &refunded).unwrap();
    assert_eq!(refunded.status, Some(RefundStatus::Succeeded));

    let day = app.sim.now().date_naive();
    let file = app
        .browser
        .get(app.sim.statement_url(day))
        .send()
        .await
        .unwrap();
    let lines = parse_statement(BankCode::Vnpay, &file.bytes().await.unwrap()).unwrap();

    assert_eq!(lines.len(), 3);
    let line = |reference: &str, kind: LineKind| {
        lines
            .iter()
            .find(|l| l.reference == reference && l.kind == kind)
            .unwrap()
    };
    assert_eq!(line("DVCR", LineKind::Payment).amount, vnd(300_000));
    assert_eq!(line("DVCR", LineKind::Refund).amount, vnd(100_000));
    assert_eq!(line("DVCR", LineKind::Refund).status, LineStatus::Refunded);
    let wrong = line("DVCW", LineKind::Payment);
    assert_eq!(wrong.amount, vnd(99_000));
    assert_eq!(wrong.credited_to.as_deref(), Some("OTHERTMN"));
    let ipn = app
        .payhub
        .wait_for(2)
        .await
        .into_iter()
        .map(|r| r.callback().clone());
    assert!(ipn
        .filter(|c| c.reference == "DVCW")
        .all(|c| c.amount == vnd(99_000)));
}

#[tokio::test]
async fn querydr_refuses_a_bad_checksum_and_a_repeated_request_id_and_an_unknown_txn_ref() {
    let app = start().await;
    let created = now();
    let forged = Terminal {
        code: TMN_CODE,
        hash_secret: "not the secret",
    };
    let request = QueryDrRequest {
        request_id: "Q9".into(),
        txn_ref: "NOPE".into(),
        order_info: "Truy van".into(),
        transaction_no: None,
        transaction_date: created,
        create_date: created,
        ip_addr: ip(),
    };

    let bad = app.post_api(vnpay::querydr_body(&forged, &request)).await;
    let unknown = app.querydr("Q10", "NOPE", created).await;
    let repeated = app.querydr("Q10", "NOPE", created).await;

    let code = |body: &[u8]| {
        vnpay::verify_querydr_response(&TERMINAL, body)
            .unwrap()
            .code
    };
    assert_eq!(code(&bad), ApiCode::BadChecksum);
    assert_eq!(code(&unknown), ApiCode::NotFound);
    assert_eq!(code(&repeated), ApiCode::Duplicate);
}
