//! A citizen pays a dossier's fees in the browser: PayHub's checkout page, the bank's page, and
//! PayHub's result page once the bank has called back.

use serde_json::Value;

use super::Browser;
use crate::helpers::{order_body, spawn_app_with_banks, Backend, AGENCY};
use crate::on_both_backends;

on_both_backends!(a_citizen_pays_with_vcb_in_the_browser_and_sees_the_order_paid);

async fn a_citizen_pays_with_vcb_in_the_browser_and_sees_the_order_paid(backend: Backend) {
    let test = format!("citizen_pays_with_vcb_{}", super::backend_name(&backend));
    let Some(mut browser) = Browser::start(&test).await else {
        return;
    };
    let app = spawn_app_with_banks(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let order: Value = app
        .create_order("dossier-1", &order_body("000.00.12.H29-1"))
        .await
        .json()
        .await
        .unwrap();

    browser.goto(order["checkout_url"].as_str().unwrap()).await;
    browser.shot("checkout").await;
    assert_eq!(browser.text("total").await, "650.000 ₫");
    browser.click("label[for=bank-vcb]").await;
    browser.shot("vcb-chosen").await;
    browser.click("#pay").await;

    let bank = app.banks.as_ref().unwrap().vcb.base_url();
    let url = browser.wait_for_url(&bank).await;
    assert!(url.starts_with(&bank), "on the bank's page: {url}");
    assert_eq!(browser.text("amount").await, "650.000 ₫");
    browser.shot("bank-page").await;
    browser.click("button[value=approve]").await;

    let state = browser.wait_for_text("state", "đã thanh toán").await;
    browser.shot("result").await;
    assert!(state.contains("đã thanh toán"), "{state}");
    assert!(
        browser.url().await.starts_with(&app.url("/return/vcb")),
        "back on PayHub's result page: {}",
        browser.url().await
    );
    assert_eq!(browser.text("total").await, "650.000 ₫");
    browser.close().await;
}
