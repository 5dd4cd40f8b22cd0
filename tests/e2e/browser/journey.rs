//! The citizen's paths off the happy one, in a real browser: a decline then a retry at another
//! bank to a receipt; a BIDV decline (BIDV notifies successes only) ending in a clear page
//! within the bounded wait; an open attempt that keeps a second bank from being offered.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::Value;

use super::Browser;
use crate::helpers::{order_body, spawn_app_with_banks, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::orders::count;

on_both_backends!(
    a_declined_citizen_retries_at_another_bank_and_gets_a_receipt,
    a_bidv_decline_ends_in_a_clear_page_within_the_bounded_wait,
    an_open_attempt_keeps_a_second_bank_from_a_double_payment,
);

async fn start(test: &str, backend: Backend) -> Option<(Browser, TestApp, Value)> {
    let test = format!("{test}_{}", super::backend_name(&backend));
    let browser = Browser::start(&test).await?;
    let app = spawn_app_with_banks(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let order: Value = app
        .create_order("dossier-1", &order_body("000.00.12.H29-1"))
        .await
        .json()
        .await
        .unwrap();
    Some((browser, app, order))
}

/// On the checkout page: chooses `bank` and pays; returns once on the bank's page.
async fn pay_at(browser: &mut Browser, app: &TestApp, bank: &str) {
    browser.click(&format!("label[for=bank-{bank}]")).await;
    browser.click("#pay").await;
    let banks = app.banks.as_ref().unwrap();
    let base = match bank {
        "vnpay" => banks.vnpay.base_url(),
        "vcb" => banks.vcb.base_url(),
        _ => banks.bidv.base_url(),
    };
    let url = browser.wait_for_url(&base).await;
    assert!(url.starts_with(&base), "on {bank}'s page: {url}");
}

/// Waits, without reloading (the page reloads itself), until `#state` has `outcome`.
async fn wait_for_outcome(browser: &Browser, outcome: &str, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        // The page may reload between finding the element and reading it: a miss, not an error.
        let shown = match browser.client.find(Locator::Id("state")).await {
            Ok(element) => element.attr("data-outcome").await.ok().flatten(),
            Err(_) => None,
        };
        if shown.as_deref() == Some(outcome) || started.elapsed() > within {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn a_declined_citizen_retries_at_another_bank_and_gets_a_receipt(backend: Backend) {
    let Some((mut browser, app, order)) = start("decline_then_retry", backend).await else {
        return;
    };
    browser.goto(order["checkout_url"].as_str().unwrap()).await;
    browser.shot("checkout").await;
    pay_at(&mut browser, &app, "vnpay").await;
    browser.shot("vnpay-page").await;
    browser.click("button[value=decline]").await;
    browser.wait_for_url("/return/vnpay").await;
    wait_for_outcome(&browser, "failed", Duration::from_secs(15)).await;
    browser.shot("declined").await;
    assert!(browser.text("state").await.contains("không thành công"));

    browser.click("#retry").await;
    browser.wait_for_url("/checkout/").await;
    let offered = browser.attributes("input[name=bank]", "value").await;
    assert_eq!(
        offered,
        ["vnpay", "vcb", "bidv", "vietqr"],
        "every bank again"
    );
    browser.shot("retry-checkout").await;
    pay_at(&mut browser, &app, "vcb").await;
    browser.click("button[value=approve]").await;
    let state = browser.wait_for_text("state", "đã thanh toán").await;
    assert!(state.contains("đã thanh toán"), "{state}");
    browser.shot("paid").await;
    let href = browser.attributes("#receipt", "href").await;
    assert_eq!(href.len(), 1, "a receipt link");
    let pdf = app
        .client
        .get(app.url(&href[0]))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF") && pdf.len() < 100 * 1024);

    browser.goto(order["checkout_url"].as_str().unwrap()).await;
    assert!(browser.text("state").await.contains("đã thanh toán"));
    assert_eq!(browser.attributes("#receipt", "href").await, href);
    browser.shot("paid-checkout").await;
    browser.close().await;
}

async fn a_bidv_decline_ends_in_a_clear_page_within_the_bounded_wait(backend: Backend) {
    let Some((mut browser, app, order)) = start("bidv_decline", backend).await else {
        return;
    };
    browser.goto(order["checkout_url"].as_str().unwrap()).await;
    pay_at(&mut browser, &app, "bidv").await;
    browser.shot("bidv-page").await;
    browser.click("button[value=decline]").await;
    browser.wait_for_url("/return/bidv").await;
    browser.shot("waiting").await;
    let waited = wait_for_outcome(&browser, "willtell", Duration::from_secs(45)).await;
    browser.shot("we-will-tell-you").await;
    let state = browser.text("state").await;
    assert!(
        state.contains("BIDV chưa xác nhận"),
        "{state} after {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(30),
        "the wait is bounded: {waited:?}"
    );
    assert!(browser
        .text("next-steps")
        .await
        .contains("không cần làm gì thêm"));
    let queries = count(&app, "select count(*) from bank_queries").await;
    assert!(queries <= 5, "{queries} questions to BIDV");

    browser.click("#retry").await;
    browser.wait_for_url("/checkout/").await;
    assert!(browser.text("abandoned").await.contains("BIDV"));
    let offered = browser.attributes("input[name=bank]", "value").await;
    assert_eq!(offered, ["vnpay", "vcb", "bidv", "vietqr"]);
    browser.shot("checkout-after-bidv").await;
    browser.close().await;
}

async fn an_open_attempt_keeps_a_second_bank_from_a_double_payment(backend: Backend) {
    let Some((mut browser, app, order)) = start("open_attempt", backend).await else {
        return;
    };
    let checkout = order["checkout_url"].as_str().unwrap();
    browser.goto(checkout).await;
    pay_at(&mut browser, &app, "vcb").await;
    let bank_page = browser.url().await;
    browser.shot("vcb-page").await;

    // The citizen comes back to the checkout in the middle of paying.
    browser.goto(checkout).await;
    let notice = browser.text("in-progress").await;
    assert!(notice.contains("Vietcombank"), "{notice}");
    let offered = browser.attributes("input[name=bank]", "value").await;
    assert_eq!(offered, ["vcb"], "only the bank of the open attempt");
    browser.shot("in-progress").await;

    browser.goto(&bank_page).await;
    browser.click("button[value=approve]").await;
    let state = browser.wait_for_text("state", "đã thanh toán").await;
    assert!(state.contains("đã thanh toán"), "{state}");
    browser.goto(checkout).await;
    assert!(browser.text("state").await.contains("đã thanh toán"));
    assert!(browser
        .attributes("input[name=bank]", "value")
        .await
        .is_empty());
    browser.shot("paid-once").await;
    assert_eq!(count(&app, "select count(*) from payments").await, 1);
    browser.close().await;
}
