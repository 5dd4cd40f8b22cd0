//! The citizen's way forward: a retry after a decline, the bounded wait for an outcome a bank
//! does not send (BIDV notifies successes only), and the open attempt that blocks a second bank.

use chrono::Duration;

use crate::callbacks::{app, checkout, order_json, press, wait_for};
use crate::helpers::TestApp;
use crate::helpers::{order_body, Backend};
use crate::on_both_backends;
use crate::orders::count;

on_both_backends!(
    a_declined_payment_is_retried_at_another_bank_to_a_receipt,
    a_bidv_decline_ends_in_a_clear_page_within_the_bounded_wait,
    an_open_attempt_blocks_a_second_bank_until_the_bank_says_it_was_left,
    closed_and_unknown_orders_get_next_steps_and_hours_and_minutes,
);

pub(crate) async fn html(app: &TestApp, url: &str) -> String {
    let url = if url.starts_with('/') {
        app.url(url)
    } else {
        url.to_owned()
    };
    app.client
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The bank choices the checkout page offers.
pub(crate) fn offered(page: &str) -> Vec<&str> {
    ["vnpay", "vcb", "bidv", "vietqr"]
        .into_iter()
        .filter(|b| page.contains(&format!("id=\"bank-{b}\"")))
        .collect()
}

async fn a_declined_payment_is_retried_at_another_bank_to_a_receipt(backend: Backend) {
    let app = app(backend).await;
    let (order, page) = checkout(&app, "000.00.12.H29-1", "vnpay").await;
    let id = order["id"].as_str().unwrap();
    let back = press(&app, &page, "decline").await;
    let banks = app.banks.as_ref().unwrap();
    assert!(
        banks
            .vnpay
            .wait_until(std::time::Duration::from_secs(30), |t| t
                .iter()
                .all(|t| t.acknowledged()))
            .await
    );
    let result = html(&app, &back).await;
    assert!(result.contains("không thành công"), "{result}");
    assert!(
        result.contains(&format!("href=\"/checkout/{id}\"")) && result.contains("id=\"retry\""),
        "a way to choose a bank again: {result}"
    );
    assert!(!result.contains("http-equiv=\"refresh\""));

    let page = html(&app, &format!("/checkout/{id}")).await;
    assert_eq!(
        offered(&page),
        ["vnpay", "vcb", "bidv", "vietqr"],
        "a final attempt blocks nothing"
    );
    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", "vcb")])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 303);
    let back = press(
        &app,
        chosen.headers()["location"].to_str().unwrap(),
        "approve",
    )
    .await;
    let paid = wait_for(&app, id, |o| o["status"] == "paid").await;
    assert_eq!(paid["payment"]["bank"], "vcb");
    let result = html(&app, &back).await;
    let receipt = format!("/checkout/{id}/receipt.pdf");
    assert!(
        result.contains("đã thanh toán") && result.contains(&receipt),
        "{result}"
    );
    let page = html(&app, &format!("/checkout/{id}")).await;
    assert!(
        page.contains(&receipt),
        "the paid checkout page links the receipt: {page}"
    );
    let pdf = app.client.get(app.url(&receipt)).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
}

async fn a_bidv_decline_ends_in_a_clear_page_within_the_bounded_wait(backend: Backend) {
    let app = app(backend).await;
    let (order, page) = checkout(&app, "000.00.12.H29-2", "bidv").await;
    let id = order["id"].as_str().unwrap();
    let back = press(&app, &page, "decline").await;
    let queries = || count(&app, "select count(*) from bank_queries");
    let first = html(&app, &back).await;
    assert!(first.contains("http-equiv=\"refresh\""), "waiting: {first}");
    assert!(first.contains("Đang chờ BIDV"), "{first}");
    assert_eq!(queries().await, 1, "PayHub asked BIDV itself");
    for _ in 0..5 {
        html(&app, &back).await;
    }
    assert_eq!(queries().await, 1, "reloads within 3 s ask nothing more");

    let mut loads = 1;
    let last = loop {
        app.move_clocks_by(Duration::seconds(3));
        let page = html(&app, &back).await;
        loads += 1;
        if !page.contains("http-equiv=\"refresh\"") || loads > 20 {
            break page;
        }
    };
    assert!(loads <= 7, "the wait is bounded: {loads} loads");
    assert_eq!(queries().await, 5, "5 questions per attempt at most");
    assert!(last.contains("BIDV chưa xác nhận"), "{last}");
    assert!(
        last.contains("không cần làm gì thêm") && last.contains("id=\"retry\""),
        "{last}"
    );
    assert!(last.contains("1800 1096"), "the support contact: {last}");
    for _ in 0..3 {
        app.move_clocks_by(Duration::seconds(3));
        html(&app, &back).await;
    }
    assert_eq!(queries().await, 5, "the budget is spent: no more questions");

    let page = html(&app, &format!("/checkout/{id}")).await;
    assert!(page.contains("id=\"abandoned\""), "{page}");
    assert_eq!(
        offered(&page),
        ["vnpay", "vcb", "bidv", "vietqr"],
        "BIDV said it is not paid after the citizen came back: every bank again"
    );
    assert_eq!(order_json(&app, id).await["status"], "pending");
}

async fn an_open_attempt_blocks_a_second_bank_until_the_bank_says_it_was_left(backend: Backend) {
    let app = app(backend).await;
    let (order, page) = checkout(&app, "000.00.12.H29-3", "vcb").await;
    let id = order["id"].as_str().unwrap();
    let checkout_page = html(&app, &format!("/checkout/{id}")).await;
    assert!(
        checkout_page.contains("id=\"in-progress\""),
        "{checkout_page}"
    );
    assert!(checkout_page.contains("giao dịch tại Vietcombank"));
    assert_eq!(
        offered(&checkout_page),
        ["vcb"],
        "only the bank of the open attempt"
    );
    assert_eq!(
        count(&app, "select count(*) from bank_queries").await,
        1,
        "VCB was asked"
    );

    let second = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", "bidv")])
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 409);
    assert!(second.text().await.unwrap().contains("Vietcombank"));
    assert_eq!(
        count(&app, "select count(*) from payment_attempts").await,
        1
    );

    // Left at the bank: after 15 minutes, VCB answering "not paid" frees the other banks.
    app.move_clocks_by(Duration::minutes(16));
    let checkout_page = html(&app, &format!("/checkout/{id}")).await;
    assert_eq!(
        offered(&checkout_page),
        ["vnpay", "vcb", "bidv", "vietqr"],
        "{checkout_page}"
    );
    assert!(checkout_page.contains("id=\"abandoned\""));
    // Paying the first after all is still recorded, and the order is paid once.
    press(&app, &page, "approve").await;
    let paid = wait_for(&app, id, |o| o["status"] == "paid").await;
    assert_eq!(paid["payment"]["bank"], "vcb");
}

async fn closed_and_unknown_orders_get_next_steps_and_hours_and_minutes(backend: Backend) {
    let app = app(backend).await;
    let mut body = order_body("000.00.12.H29-4");
    body["expires_in_minutes"] = serde_json::json!(1440);
    let order: serde_json::Value = app.create_order("k4", &body).await.json().await.unwrap();
    let id = order["id"].as_str().unwrap();
    let page = html(&app, &format!("/checkout/{id}")).await;
    assert!(
        page.contains("Còn 24 giờ") || page.contains("Còn 23 giờ 59 phút"),
        "{page}"
    );
    app.move_clocks_by(Duration::minutes(1441));
    let page = html(&app, &format!("/checkout/{id}")).await;
    assert!(
        page.contains("đã hết hạn") && page.contains("id=\"next-step\""),
        "{page}"
    );
    assert!(page.contains("tạo yêu cầu thanh toán mới") && page.contains("hoàn lại"));
    assert!(page.contains("Sở Xây dựng Hà Nội") && page.contains("1800 1096"));

    let missing = app
        .client
        .get(app.url("/checkout/00000000-0000-0000-0000-000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let text = missing.text().await.unwrap();
    assert!(
        text.contains("Không tìm thấy") && text.contains("1800 1096"),
        "{text}"
    );
    assert!(text.contains("Cổng Dịch vụ công"), "a next step: {text}");

    // Debited after expiry: the page says the money is applied or refunded.
    let (late, page) = checkout(&app, "000.00.12.H29-5", "vnpay").await;
    let late = late["id"].as_str().unwrap();
    app.move_clocks_by(Duration::minutes(31));
    app.store
        .expire_due_orders(app.clock.now(), 10)
        .await
        .unwrap();
    let back = press(&app, &page, "approve").await;
    wait_for(&app, late, |o| o["status"] == "paid").await;
    let result = html(&app, &back).await;
    assert!(
        result.contains("id=\"note\"") && result.contains("hoàn lại cho bạn"),
        "{result}"
    );
    let text = html(&app, &format!("/checkout/{late}")).await;
    assert!(text.contains("sau khi yêu cầu đã hết hạn"), "{text}");
    assert!(text.contains("áp dụng cho hồ sơ hoặc hoàn lại"), "{text}");

    let landing = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(landing.status(), 200, "a page at /, not a JSON 404");
    assert!(landing.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let landing = landing.text().await.unwrap().replace("&#x2f;", "/");
    for part in ["PayHub", "href=\"/docs\"", "href=\"/reports\"", "1800 1096"] {
        assert!(
            landing.contains(part),
            "the landing page has {part:?}: {landing}"
        );
    }
}
