//! VietQR's faults and guarantees: a forged credit notification, a notification after the
//! order expired, and the indexed lookup of a credit's content (vietqr.md §4, "Speed").

use bank_adapters::simulator::Faults;
use serde_json::{json, Value};

use crate::helpers::{test_account, Backend, TestApp};
use crate::journey::{html, offered};
use crate::on_both_backends;
use crate::orders::count;
use crate::reconciliation::scalar;
use crate::vietqr::{
    choose_vietqr, controls, credit_outcome, pay_in_app, payload_of, reference_of, vietqr_app,
};

on_both_backends!(
    a_forged_credit_notification_changes_nothing,
    a_transfer_notified_after_the_order_expired_pays_it_and_flags_it,
    a_credits_candidates_are_looked_up_on_the_reference_index,
    a_signed_credit_with_a_nul_or_control_characters_gets_no_5xx,
    a_code_in_progress_and_a_gateway_in_progress_each_block_the_other,
);

async fn a_forged_credit_notification_changes_nothing(backend: Backend) {
    let app = vietqr_app(backend).await;
    let (id, page) = choose_vietqr(&app, "000.00.12.H29-1", "vcb").await;
    let body = json!({"eventId": "CR-1", "accountNo": test_account("vcb"), "amount": 650000,
        "currency": "VND", "bankTxnId": "FT0001", "creditedAt": app.clock.now().to_rfc3339(),
        "content": format!("PH {}", reference_of(&page))})
    .to_string();
    let ts = app.clock.now().timestamp().to_string();
    let r = (app.client.post(app.url("/callbacks/vcb/credits")))
        .header("X-VCB-Merchant", "PAYHUB01")
        .header("X-VCB-Timestamp", &ts)
        .header("X-VCB-Signature", "00".repeat(32))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "97");
    let r = (app.client.post(app.url("/callbacks/bidv/credits")))
        .body(r#"{"MaDoiTac":"DVCQG","SoTaiKhoan":"1","SoTien":1,"MaGiaoDich":"X","ThoiGian":"20260530101502","NoiDung":"PH","ChuKy":"00"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["MaLoi"], "97");
    assert_eq!(
        crate::callbacks::order_json(&app, &id).await["status"],
        "pending"
    );
    assert_eq!(count(&app, "select count(*) from account_credits").await, 0);
    let refused = "select count(*) from inbound_callbacks where endpoint = 'credits' and verdict like 'refused%'";
    assert_eq!(count(&app, refused).await, 2);
    app.stop().await.unwrap();
}

/// A late notification (the citizen paid at the last minute, the bank told PayHub after the
/// order expired): the money moved, so the order is paid and flagged for review (api.md).
async fn a_transfer_notified_after_the_order_expired_pays_it_and_flags_it(backend: Backend) {
    let app = vietqr_app(backend).await;
    for (n, bank) in ["vcb", "bidv"].iter().enumerate() {
        let (id, page) = choose_vietqr(&app, &format!("000.00.12.H29-{n}"), bank).await;
        controls(&app, bank).fault_reference(reference_of(&page), Faults::default().hold());
        let txn = pay_in_app(&app, bank, &payload_of(&app, &page).await, None).await;
        app.move_clocks_by(chrono::Duration::minutes(31));
        app.store
            .expire_due_orders(app.clock.now(), 100)
            .await
            .unwrap();
        assert_eq!(
            crate::callbacks::order_json(&app, &id).await["status"],
            "expired"
        );
        let html = app
            .client
            .get(app.url(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(r#"data-state="closed""#),
            "the page says not to pay"
        );
        controls(&app, bank)
            .flush(bank_adapters::simulator::FlushOrder::Fifo)
            .await;
        assert_eq!(credit_outcome(&app, &txn).await, "paid");
        let order = crate::callbacks::order_json(&app, &id).await;
        assert_eq!(order["status"], "paid", "{order}");
        let sql = format!("select review_reason from orders where id = '{id}'");
        assert_eq!(scalar(&app, &sql).await, "paid_after_expiry");
    }
    app.stop().await.unwrap();
}

/// vietqr.md, speed: matching a credit's content to its order is one indexed lookup, whatever
/// the number of attempts (the store's query: every candidate at once, on the unique index).
async fn a_credits_candidates_are_looked_up_on_the_reference_index(backend: Backend) {
    let app = vietqr_app(backend).await;
    let lookup = "select id from payment_attempts
        where reference in ('A7K2M9Q4ZTNG', 'A7K2M9Q4ZTN', 'A7K2M9Q4ZT') and channel = 'vietqr'";
    let plan: Vec<String> = match &app.store {
        payhub::store::Store::Sqlite(p, _) => {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("explain query plan {lookup}"))
                    .fetch_all(p)
                    .await
                    .unwrap();
            rows.into_iter().map(|r| r.3).collect()
        }
        payhub::store::Store::Postgres(p) => {
            let mut tx = p.begin().await.unwrap();
            // An empty test table is cheaper to scan; the question is whether the index serves.
            sqlx::query("set local enable_seqscan = off")
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query_scalar(&format!("explain {lookup}"))
                .fetch_all(&mut *tx)
                .await
                .unwrap()
        }
    };
    let plan = plan.join("\n");
    assert!(
        plan.contains("USING INDEX")
            || plan.contains("Index Scan on payment_attempts_reference_key")
            || plan.contains("Index Scan using payment_attempts_reference_key"),
        "{plan}"
    );
    assert!(!plan.contains("SCAN payment_attempts"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");
    app.stop().await.unwrap();
}

/// house rules: no input gets a 5xx (PostgreSQL refuses NUL that SQLite stores). A bank's signed
/// credit whose content holds NUL and control characters is stored with them made spaces; one
/// whose ids hold them is refused as malformed, and both are ledgered.
async fn a_signed_credit_with_a_nul_or_control_characters_gets_no_5xx(backend: Backend) {
    let app = vietqr_app(backend).await;
    let (id, page) = choose_vietqr(&app, "000.00.12.H29-1", "vcb").await;
    let merchant = bank_adapters::vcb::Merchant {
        id: "PAYHUB01",
        secret: crate::helpers::VCB_SECRET,
    };
    let send = |event: &str, txn: &str, content: String| {
        let body = json!({"eventId": event, "accountNo": test_account("vcb"), "amount": 650000,
            "currency": "VND", "bankTxnId": txn, "creditedAt": app.clock.now().to_rfc3339(),
            "content": content})
        .to_string();
        let now = app.clock.now().timestamp();
        let mut request = app
            .client
            .post(app.url("/callbacks/vcb/credits"))
            .body(body.clone());
        for (name, value) in bank_adapters::vcb::sign_headers(&merchant, now, body.as_bytes()) {
            request = request.header(name, value);
        }
        request.send()
    };
    let content = format!("PH {}\u{0}\u{7}\nchuyen tien", reference_of(&page));
    let r = send("CR-NUL-1", "FTNUL0001", content).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(credit_outcome(&app, "FTNUL0001").await, "paid");
    assert_eq!(
        crate::callbacks::order_json(&app, &id).await["status"],
        "paid"
    );
    let r = send("CR-NUL-\u{0}", "FTNUL0002", "x".into()).await.unwrap();
    assert_eq!(r.status(), 400);
    let ledgered = "select count(*) from inbound_callbacks where endpoint = 'credits'";
    assert_eq!(count(&app, ledgered).await, 2);
    app.stop().await.unwrap();
}

/// The open attempt rule with a code: no query knows a transfer, so a code shown is in progress
/// for a bank page's lifetime (15 minutes). Meanwhile choosing VietQR again shows the same code
/// (a second code would invite a second transfer) and a gateway is refused; a gateway attempt
/// in progress takes VietQR off the page the same way.
async fn a_code_in_progress_and_a_gateway_in_progress_each_block_the_other(backend: Backend) {
    let app = vietqr_app(backend).await;
    let (id, page) = choose_vietqr(&app, "000.00.12.H29-7", "vcb").await;
    let checkout = html(&app, &format!("/checkout/{id}")).await;
    assert_eq!(offered(&checkout), ["vietqr"], "{checkout}");
    assert_eq!(choose(&app, &id, "bidv").await, (409, None));
    assert_eq!(choose(&app, &id, "vietqr").await, (303, Some(page)));
    assert_eq!(
        count(&app, "select count(*) from payment_attempts").await,
        1
    );
    app.move_clocks_by(chrono::Duration::minutes(16));
    let checkout = html(&app, &format!("/checkout/{id}")).await;
    assert_eq!(offered(&checkout), ["vnpay", "vcb", "bidv", "vietqr"]);

    let order: Value = (app.create_order(
        "000.00.12.H29-8",
        &crate::helpers::order_body("000.00.12.H29-8"),
    ))
    .await
    .json()
    .await
    .unwrap();
    let id = order["id"].as_str().unwrap();
    assert_eq!(choose(&app, id, "vcb").await.0, 303);
    let checkout = html(&app, &format!("/checkout/{id}")).await;
    assert_eq!(offered(&checkout), ["vcb"], "{checkout}");
    assert_eq!(choose(&app, id, "vietqr").await, (409, None));
    let attempts = format!("select count(*) from payment_attempts where order_id = '{id}'");
    assert_eq!(count(&app, &attempts).await, 1);
}

/// Posts the checkout form's choice: the status, and where a 303 sends the browser.
async fn choose(app: &TestApp, id: &str, bank: &str) -> (u16, Option<String>) {
    let r = (app.client.post(app.url(&format!("/checkout/{id}"))))
        .form(&[("bank", bank)])
        .send()
        .await
        .unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (r.status().as_u16(), location.filter(|_| r.status() == 303))
}
