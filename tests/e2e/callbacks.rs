//! Citizens paying through the bank simulators over real HTTP; callbacks applied exactly once.

use std::time::Duration;

use bank_adapters::simulator::{Faults, FlushOrder};
use serde_json::{json, Value};

use payhub::config::VnpayTerminal;

use crate::helpers::{
    order_body, spawn_app_with_banks, spawn_app_with_banks_and, Backend, TestApp, AGENCY,
    VNPAY_SECRET, VNPAY_TERMINAL,
};
use crate::on_both_backends;
use crate::orders::count;

on_both_backends!(
    a_citizen_pays_through_each_bank_and_the_order_is_paid_once,
    declined_and_cancelled_payments_leave_the_order_payable,
    the_same_callback_sent_five_times_concurrently_applies_once,
    callbacks_delivered_out_of_order_each_apply_once,
    a_forged_or_tampered_vnpay_ipn_changes_nothing,
    a_forged_or_stale_vcb_notification_changes_nothing,
    a_payment_after_expiry_marks_the_order_paid_and_flagged,
    a_second_payment_of_a_paid_order_is_recorded_as_a_duplicate,
    a_wrong_amount_is_recorded_for_refund_and_the_order_stays_unpaid,
    bidv_inquiry_answers_for_payable_paid_expired_and_unknown_bills,
);

const BANKS: [&str; 3] = ["vnpay", "vcb", "bidv"];

pub(crate) async fn app(backend: Backend) -> TestApp {
    let app = spawn_app_with_banks(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    app
}

/// Creates an order for `dossier`, chooses `bank` on the checkout page and returns the order
/// and the bank's payment page URL.
pub(crate) async fn checkout(app: &TestApp, dossier: &str, bank: &str) -> (Value, String) {
    let order: Value = app
        .create_order(dossier, &order_body(dossier))
        .await
        .json()
        .await
        .unwrap();
    let id = order["id"].as_str().unwrap();
    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", bank)])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 303, "{}", chosen.text().await.unwrap());
    (
        order,
        chosen.headers()["location"].to_str().unwrap().to_owned(),
    )
}

/// The citizen on the bank's page presses `action`; returns where the bank sends the browser.
pub(crate) async fn press(app: &TestApp, page_url: &str, action: &str) -> String {
    let html = app
        .client
        .get(page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("action=\"").expect("a form") + "action=\"".len();
    let path = &html[start..start + html[start..].find('"').unwrap()];
    let origin: String = page_url
        .splitn(4, '/')
        .take(3)
        .collect::<Vec<_>>()
        .join("/");
    let done = app
        .client
        .post(format!("{origin}{path}"))
        .form(&[("action", action)])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    done.headers()["location"].to_str().unwrap().to_owned()
}

pub(crate) async fn order_json(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/v1/orders/{id}"), &app.finance_key)
        .await
        .json()
        .await
        .unwrap()
}

/// Polls until `done` holds for the order (callbacks arrive in the background).
pub(crate) async fn wait_for(app: &TestApp, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let order = order_json(app, id).await;
        if done(&order) || tokio::time::Instant::now() > deadline {
            return order;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_citizen_pays_through_each_bank_and_the_order_is_paid_once(backend: Backend) {
    let app = app(backend).await;
    for (n, bank) in BANKS.iter().enumerate() {
        let (order, page) = checkout(&app, &format!("000.00.12.H29-{n}"), bank).await;
        let id = order["id"].as_str().unwrap();
        let back = press(&app, &page, "approve").await;
        let paid = wait_for(&app, id, |o| o["status"] == "paid").await;
        assert_eq!(paid["status"], "paid", "{bank}: {paid}");
        assert_eq!(paid["payment"]["bank"], *bank);
        assert_eq!(paid["payment"]["amount"], "650000");
        assert!(!paid["payment"]["bank_txn_id"].as_str().unwrap().is_empty());
        assert!(
            back.starts_with(&app.url(&format!("/return/{bank}"))),
            "{back}"
        );
        let result = app
            .client
            .get(&back)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(result.contains("đã thanh toán"), "{bank}: {result}");
        assert!(result.contains("650.000 ₫"));
    }
    assert_eq!(
        count(&app, "select count(*) from payments where kind = 'payment'").await,
        3
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from notifications where event = 'order.paid'"
        )
        .await,
        3
    );
    let ledger = count(
        &app,
        "select count(*) from inbound_callbacks where verdict = 'Paid'",
    )
    .await;
    assert_eq!(ledger, 3, "every callback is in the inbound ledger");
}

async fn declined_and_cancelled_payments_leave_the_order_payable(backend: Backend) {
    let app = app(backend).await;
    let (order, page) = checkout(&app, "000.00.12.H29-1", "vnpay").await;
    let id = order["id"].as_str().unwrap();
    let back = press(&app, &page, "decline").await;
    let banks = app.banks.as_ref().unwrap();
    assert!(
        banks
            .vnpay
            .wait_until(Duration::from_secs(30), |t| t
                .iter()
                .all(|t| t.acknowledged()))
            .await
    );
    let result = app
        .client
        .get(&back)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(result.contains("không thành công"), "{result}");
    assert_eq!(order_json(&app, id).await["status"], "pending");

    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", "vcb")])
        .send()
        .await
        .unwrap();
    let page = chosen.headers()["location"].to_str().unwrap().to_owned();
    press(&app, &page, "cancel").await;
    assert!(
        banks
            .vcb
            .wait_until(Duration::from_secs(30), |t| t
                .iter()
                .all(|t| t.acknowledged()))
            .await
    );
    assert_eq!(order_json(&app, id).await["status"], "pending");
    assert_eq!(
        count(
            &app,
            "select count(*) from payment_attempts where status = 'failed'"
        )
        .await,
        2
    );
    assert_eq!(count(&app, "select count(*) from payments").await, 0);
}

async fn the_same_callback_sent_five_times_concurrently_applies_once(backend: Backend) {
    let app = app(backend).await;
    let banks = app.banks.as_ref().unwrap();
    let five = Faults::default().copies(5).concurrent();
    banks.vnpay.set_faults(five.clone());
    banks.vcb.set_faults(five.clone());
    banks.bidv.set_faults(five);
    for (n, bank) in BANKS.iter().enumerate() {
        let (order, page) = checkout(&app, &format!("000.00.12.H29-{n}"), bank).await;
        press(&app, &page, "approve").await;
        let id = order["id"].as_str().unwrap();
        assert_eq!(
            wait_for(&app, id, |o| o["status"] == "paid").await["status"],
            "paid"
        );
    }
    let five_acked = |txns: &[bank_adapters::simulator::Transaction]| {
        txns.iter().all(|t| {
            t.callback
                .attempts
                .iter()
                .filter(|a| a.acknowledged)
                .count()
                == 5
        })
    };
    let wait = Duration::from_secs(30);
    assert!(
        banks.vnpay.wait_until(wait, five_acked).await,
        "{:?}",
        banks.vnpay.transactions()
    );
    assert!(
        banks.vcb.wait_until(wait, five_acked).await,
        "{:?}",
        banks.vcb.transactions()
    );
    assert!(
        banks.bidv.wait_until(wait, five_acked).await,
        "{:?}",
        banks.bidv.transactions()
    );
    assert_eq!(
        count(&app, "select count(*) from payments").await,
        3,
        "one payment per order"
    );
    assert_eq!(
        count(&app, "select count(*) from notifications").await,
        3,
        "one notification per order"
    );
    assert!(count(&app, "select count(*) from inbound_callbacks").await >= 15);
}

async fn callbacks_delivered_out_of_order_each_apply_once(backend: Backend) {
    let app = app(backend).await;
    let banks = app.banks.as_ref().unwrap();
    banks.vcb.set_faults(Faults::default().hold().copies(2));
    let mut ids = Vec::new();
    for n in 0..8 {
        let (order, page) = checkout(&app, &format!("000.00.12.H29-{n}"), "vcb").await;
        press(&app, &page, if n % 3 == 2 { "decline" } else { "approve" }).await;
        ids.push(order["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(banks.vcb.flush(FlushOrder::Shuffled).await, 8);
    let paid = count(&app, "select count(*) from orders where status = 'paid'").await;
    assert_eq!(paid, 6);
    let sum: i64 = count(
        &app,
        "select cast(coalesce(sum(amount_vnd), 0) as bigint) from payments",
    )
    .await;
    assert_eq!(sum, 6 * 650_000, "exact sums");
}

/// The attempt reference (`vnp_TxnRef`) of a VNPAY payment page URL.
pub(crate) fn vnpay_reference(page: &str) -> String {
    let after = page
        .split("vnp_TxnRef=")
        .nth(1)
        .expect("a VNPAY payment URL");
    after.split('&').next().unwrap_or_default().to_owned()
}

/// A VNPAY IPN query for `fields`, signed with `secret` (vnpay.md §1 canonical string).
pub(crate) fn signed_ipn(fields: &[(&str, &str)], secret: &str) -> String {
    use bank_adapters::vnpay::wire::{canonical_query, secure_hash};
    let canonical = canonical_query(fields.iter().copied());
    format!(
        "{canonical}&vnp_SecureHash={}",
        secure_hash(secret, &canonical)
    )
}

async fn a_forged_or_tampered_vnpay_ipn_changes_nothing(backend: Backend) {
    // PayHub also serves a second VNPAY terminal, whose IPNs it verifies with that one's secret.
    let app = spawn_app_with_banks_and(backend, |c| {
        let terminal = VnpayTerminal {
            code: "OTHER001".into(),
            hash_secret: "OTHERSECRET0123456789ABCDEFGHIJK".to_owned().into(),
        };
        c.banks.vnpay.as_mut().unwrap().terminals.push(terminal);
    })
    .await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let (order, page) = checkout(&app, "000.00.12.H29-1", "vnpay").await;
    let id = order["id"].as_str().unwrap();
    let reference = vnpay_reference(&page);
    let fields = |amount: &'static str| {
        vec![
            ("vnp_TmnCode", VNPAY_TERMINAL),
            ("vnp_Amount", amount),
            ("vnp_BankCode", "NCB"),
            ("vnp_CardType", "ATM"),
            ("vnp_PayDate", "20260530210411"),
            ("vnp_OrderInfo", "x"),
            ("vnp_TransactionNo", "14980726"),
            ("vnp_ResponseCode", "00"),
            ("vnp_TransactionStatus", "00"),
        ]
    };
    let app = &app;
    let send = |query: String| {
        let url = app.url(&format!("/callbacks/vnpay/ipn?{query}"));
        async move {
            app.client
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let mut genuine = fields("65000000");
    genuine.push(("vnp_TxnRef", &reference));
    let forged = signed_ipn(&genuine, "not-the-secret");
    assert_eq!(
        send(forged).await,
        json!({"RspCode": "97", "Message": "Invalid signature"})
    );
    let tampered =
        signed_ipn(&genuine, VNPAY_SECRET).replace("vnp_Amount=65000000", "vnp_Amount=100");
    assert_eq!(send(tampered).await["RspCode"], "97");
    let mut unknown = fields("65000000");
    unknown.push(("vnp_TxnRef", "NOSUCHREF123"));
    assert_eq!(
        send(signed_ipn(&unknown, VNPAY_SECRET)).await["RspCode"],
        "01"
    );
    let elsewhere: Vec<_> = genuine
        .iter()
        .map(|&(k, v)| (k, if k == "vnp_TmnCode" { "OTHER001" } else { v }))
        .collect();
    let elsewhere = signed_ipn(&elsewhere, "OTHERSECRET0123456789ABCDEFGHIJK");
    assert_eq!(
        send(elsewhere).await["RspCode"],
        "01",
        "signed right by another terminal: not that terminal's reference"
    );
    assert_eq!(
        order_json(app, id).await["status"],
        "pending",
        "nothing changed"
    );
    assert_eq!(count(app, "select count(*) from payments").await, 0);
    assert_eq!(
        count(
            app,
            "select count(*) from inbound_callbacks where verdict like 'refused%'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            app,
            "select count(*) from inbound_callbacks where verdict = 'UnknownReference'"
        )
        .await,
        2,
        "the unknown reference and the other terminal's, ledgered"
    );

    assert_eq!(
        send(signed_ipn(&genuine, VNPAY_SECRET)).await["RspCode"],
        "00",
        "the genuine one applies"
    );
    assert_eq!(
        send(signed_ipn(&genuine, VNPAY_SECRET)).await["RspCode"],
        "02",
        "a repeat is already confirmed"
    );
    assert_eq!(order_json(app, id).await["status"], "paid");
    assert_eq!(count(app, "select count(*) from payments").await, 1);
}

async fn a_forged_or_stale_vcb_notification_changes_nothing(backend: Backend) {
    let app = app(backend).await;
    let (order, page) = checkout(&app, "000.00.12.H29-1", "vcb").await;
    let id = order["id"].as_str().unwrap();
    let attempt_ref: String = match &app.store {
        payhub::store::Store::Postgres(p) => {
            sqlx::query_scalar("select reference from payment_attempts")
                .fetch_one(p)
                .await
                .unwrap()
        }
        payhub::store::Store::Sqlite(p, _) => {
            sqlx::query_scalar("select reference from payment_attempts")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    let _ = page;
    let body = json!({"eventId": "EVT-1", "paymentId": "VCB1", "orderRef": attempt_ref, "status": "SUCCESS",
        "amount": 650000, "currency": "VND", "bankTxnId": "FT1", "paidAt": "2026-05-30T21:04:11+07:00",
        "creditAccountNo": "0011001234567", "failureReason": null}).to_string();
    let merchant_with = |secret: &'static str| bank_adapters::vcb::Merchant {
        id: "PAYHUB01",
        secret,
    };
    let post = |secret: &'static str, ts: i64| {
        let mut req = app
            .client
            .post(app.url("/callbacks/vcb"))
            .body(body.clone());
        for (name, value) in
            bank_adapters::vcb::sign_headers(&merchant_with(secret), ts, body.as_bytes())
        {
            req = req.header(name, value);
        }
        req.send()
    };
    let now = app.clock.now().timestamp();
    let forged = post("wrong-secret", now).await.unwrap();
    assert_eq!(forged.status(), 401);
    assert_eq!(forged.json::<Value>().await.unwrap()["code"], "97");
    let stale = post(crate::helpers::VCB_SECRET, now - 301).await.unwrap();
    assert_eq!(stale.status(), 401);
    assert_eq!(order_json(&app, id).await["status"], "pending");
    let genuine = post(crate::helpers::VCB_SECRET, now).await.unwrap();
    assert_eq!(genuine.status(), 200);
    assert_eq!(genuine.json::<Value>().await.unwrap()["code"], "00");
    assert_eq!(order_json(&app, id).await["status"], "paid");
}

async fn a_payment_after_expiry_marks_the_order_paid_and_flagged(backend: Backend) {
    let app = app(backend).await;
    let (order, page) = checkout(&app, "000.00.12.H29-1", "vnpay").await;
    let id = order["id"].as_str().unwrap();
    app.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(
        app.store
            .expire_due_orders(app.clock.now(), 10)
            .await
            .unwrap(),
        1
    );
    press(&app, &page, "approve").await;
    let paid = wait_for(&app, id, |o| o["status"] == "paid").await;
    assert_eq!(
        paid["status"], "paid",
        "the money moved, so the order is paid"
    );
    assert_eq!(paid["needs_review"], "paid_after_expiry");
}

async fn a_second_payment_of_a_paid_order_is_recorded_as_a_duplicate(backend: Backend) {
    let app = app(backend).await;
    let banks = app.banks.as_ref().unwrap();
    for (n, bank) in BANKS.iter().enumerate() {
        banks.vnpay.set_faults(Faults::default().paid_twice());
        banks.vcb.set_faults(Faults::default().paid_twice());
        banks.bidv.set_faults(Faults::default().paid_twice());
        let (order, page) = checkout(&app, &format!("000.00.12.H29-{n}"), bank).await;
        press(&app, &page, "approve").await;
        let id = order["id"].as_str().unwrap().to_owned();
        let sql =
            format!("select count(*) from payments where order_id = '{id}' and kind = 'duplicate'");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while count(&app, &sql).await == 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            count(&app, &sql).await,
            1,
            "{bank}: the second payment is a duplicate to refund"
        );
        assert_eq!(order_json(&app, &id).await["status"], "paid");
    }
    assert_eq!(
        count(&app, "select count(*) from payments where kind = 'payment'").await,
        3
    );
}

async fn a_wrong_amount_is_recorded_for_refund_and_the_order_stays_unpaid(backend: Backend) {
    let app = app(backend).await;
    let banks = app.banks.as_ref().unwrap();
    banks.vcb.set_faults(
        Faults::default().wrong_amount(payhub::domain::Vnd::from_dong(600_000).unwrap()),
    );
    let (order, page) = checkout(&app, "000.00.12.H29-1", "vcb").await;
    press(&app, &page, "approve").await;
    assert!(
        banks
            .vcb
            .wait_until(Duration::from_secs(30), |t| t
                .iter()
                .any(|t| !t.callback.attempts.is_empty()))
            .await
    );
    let sql =
        "select count(*) from payments where kind = 'amount_mismatch' and amount_vnd = 600000";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while count(&app, sql).await == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(count(&app, sql).await, 1);
    assert_eq!(
        order_json(&app, order["id"].as_str().unwrap()).await["status"],
        "pending"
    );
}

/// A BIDV inquiry for `bill`, signed with `secret`, timed by PayHub's (test) clock.
fn inquiry(app: &TestApp, bill: &str, secret: &str) -> String {
    use bank_adapters::bidv::wire::{signed_json, INQUIRY};
    let at = app.clock.now().with_timezone(&payhub::clock::vietnam());
    let body = json!({"MaDoiTac": "DVCQG", "MaHoaDon": bill, "ThoiGian": at.format("%Y%m%d%H%M%S").to_string()});
    signed_json(secret, INQUIRY, &body)
}

async fn ask(app: &TestApp, body: String) -> Value {
    let reply = app
        .client
        .post(app.url("/callbacks/bidv/inquiry"))
        .body(body)
        .send()
        .await
        .unwrap();
    reply.json().await.unwrap()
}

async fn bidv_inquiry_answers_for_payable_paid_expired_and_unknown_bills(backend: Backend) {
    let app = app(backend).await;
    let secret = crate::helpers::BIDV_SECRET;
    let (order, page) = checkout(&app, "000.00.12.H29-1", "bidv").await;
    let bill = page
        .split("bill=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let payable = ask(&app, inquiry(&app, &bill, secret)).await;
    assert_eq!(
        (payable["MaLoi"].as_str(), payable["SoTien"].as_i64()),
        (Some("00"), Some(650_000)),
        "{payable}"
    );
    assert_eq!(payable["TenKhachHang"], "NGUYEN VAN A");
    assert_eq!(
        ask(&app, inquiry(&app, "NOSUCHBILL01", secret)).await["MaLoi"],
        "01"
    );
    assert_eq!(
        ask(&app, inquiry(&app, &bill, "wrong-secret")).await["MaLoi"],
        "97"
    );

    press(&app, &page, "approve").await;
    wait_for(&app, order["id"].as_str().unwrap(), |o| {
        o["status"] == "paid"
    })
    .await;
    assert_eq!(ask(&app, inquiry(&app, &bill, secret)).await["MaLoi"], "02");

    let (_, page) = checkout(&app, "000.00.12.H29-2", "bidv").await;
    let late_bill = page
        .split("bill=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    app.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(
        ask(&app, inquiry(&app, &late_bill, secret)).await["MaLoi"],
        "03"
    );
    assert_eq!(
        count(&app, "select count(*) from payments").await,
        1,
        "inquiries change nothing"
    );
}
