//! The citizen's checkout page and the hand-off to the bank.

use serde_json::{json, Value};

use crate::helpers::{
    order_body, spawn_app, test_account, Backend, TestApp, AGENCY, VNPAY_TERMINAL,
};
use crate::on_both_backends;

on_both_backends!(
    the_checkout_page_shows_the_order_in_vietnamese_and_sends_the_citizen_to_vnpay,
    a_closed_order_shows_its_state_and_no_pay_button,
    an_unknown_order_or_bank_gets_a_clear_page,
);

async fn order(app: &TestApp, dossier: &str) -> Value {
    let created = app.create_order(dossier, &order_body(dossier)).await;
    assert_eq!(created.status(), 201);
    created.json().await.unwrap()
}

async fn the_checkout_page_shows_the_order_in_vietnamese_and_sends_the_citizen_to_vnpay(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let order = order(&app, "000.00.12.H29-260530-0001").await;
    let page = app
        .client
        .get(order["checkout_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    for text in [
        "Sở Xây dựng Hà Nội",
        "000.00.12.H29-260530-0001",
        "Cấp giấy phép xây dựng",
        "Nguyễn Văn A",
        "Lệ phí",
        "Phí thẩm định",
        "650.000 ₫",
        "150.000 ₫",
        "Còn 30 phút",
        "Vietcombank",
        "BIDV",
        "VNPAY",
        "<label",
    ] {
        assert!(html.contains(text), "the page shows {text:?}:\n{html}");
    }

    let id = order["id"].as_str().unwrap();
    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", "vnpay")])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 303);
    let location = chosen.headers()["location"].to_str().unwrap().to_owned();
    let (pay_url, query) = location.split_once('?').unwrap();
    assert_eq!(pay_url, app.config.banks.vnpay.as_ref().unwrap().pay_url);
    let signed = bank_adapters::vnpay::verify_signed_query(query, |code| {
        (code == VNPAY_TERMINAL).then_some("vnpay-test-secret")
    })
    .expect("a payment URL signed with the terminal's secret");
    assert_eq!(signed["vnp_Amount"], "65000000", "VND × 100");
    assert_eq!(
        signed["vnp_OrderInfo"],
        "Thanh toan ho so 000.00.12.H29-260530-0001"
    );
    assert_eq!(signed["vnp_ReturnUrl"], app.url("/return/vnpay"));
    let reference = &signed["vnp_TxnRef"];
    assert!(reference.len() == 12 && reference.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(
        !reference.contains("H29"),
        "the reference is not the dossier code"
    );

    let attempt = app
        .store
        .attempt_by_reference(reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(attempt.status.as_str(), "redirected");
    assert_eq!(attempt.account_no, test_account("vnpay"));
    assert_eq!(
        attempt.bank_create_date.as_deref(),
        Some(signed["vnp_CreateDate"].as_str())
    );
}

async fn a_closed_order_shows_its_state_and_no_pay_button(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let order = order(&app, "000.00.12.H29-1").await;
    let id = order["id"].as_str().unwrap();
    app.post_json(
        &format!("/api/v1/orders/{id}/cancel"),
        &app.portal_key,
        &json!({}),
    )
    .await;
    let html = app
        .client
        .get(app.url(&format!("/checkout/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("đã bị hủy"), "{html}");
    assert!(!html.contains("id=\"pay\""));
    let again = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", "vcb")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 303);
    assert_eq!(
        again.headers()["location"],
        format!("/checkout/{id}"),
        "back to the page, no attempt"
    );
    assert!(crate::orders::count(&app, "select count(*) from payment_attempts").await == 0);

    let expiring = order_body("000.00.12.H29-2");
    let expiring: Value = app
        .create_order("x2", &expiring)
        .await
        .json()
        .await
        .unwrap();
    app.clock.advance(chrono::Duration::minutes(31));
    let url = app.url(&format!("/checkout/{}", expiring["id"].as_str().unwrap()));
    let html = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("đã hết hạn") && !html.contains("id=\"pay\""),
        "{html}"
    );
}

async fn an_unknown_order_or_bank_gets_a_clear_page(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let missing = app
        .client
        .get(app.url("/checkout/00000000-0000-0000-0000-000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Không tìm thấy"));
    let order = order(&app, "000.00.12.H29-3").await;
    let id = order["id"].as_str().unwrap();
    let bad = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", "acb")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let unreachable = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", "vcb")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        unreachable.status(),
        502,
        "VCB is configured at a closed port in this test"
    );
    assert!(unreachable.text().await.unwrap().contains("Vietcombank"));
    let failed = crate::orders::count(
        &app,
        "select count(*) from payment_attempts where status = 'failed'",
    )
    .await;
    assert_eq!(
        failed, 1,
        "an attempt the bank never started is failed, not left pending"
    );
}
