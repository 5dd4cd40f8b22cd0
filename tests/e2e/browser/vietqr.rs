//! A citizen pays by VietQR in the browser: the fourth choice on the checkout page, PayHub's QR
//! page (the code as an image, account, bank, amount and content as text), the citizen's banking
//! app pays the code, and the page, refreshing itself without JavaScript, shows the money
//! arrived and offers the receipt.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::Value;

use super::Browser;
use crate::helpers::{order_body, spawn_app_with_banks, Backend, AGENCY};
use crate::on_both_backends;

on_both_backends!(a_citizen_pays_by_vietqr_in_the_browser_and_the_page_shows_the_money_arrived);

async fn a_citizen_pays_by_vietqr_in_the_browser_and_the_page_shows_the_money_arrived(
    backend: Backend,
) {
    let test = format!("citizen_pays_by_vietqr_{}", super::backend_name(&backend));
    let Some(mut browser) = Browser::start(&test).await else {
        return;
    };
    let app = spawn_app_with_banks(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let order: Value = (app.create_order("dossier-1", &order_body("000.00.12.H29-1")))
        .await
        .json()
        .await
        .unwrap();

    browser.goto(order["checkout_url"].as_str().unwrap()).await;
    browser.click("label[for=bank-vietqr]").await;
    browser.shot("vietqr-chosen").await;
    browser.click("#pay").await;
    let url = browser.wait_for_url("/vietqr/").await;
    assert!(
        url.starts_with(&app.url("/checkout/")),
        "on PayHub's QR page: {url}"
    );
    browser.shot("qr-page").await;
    let reference = url.rsplit('/').next().unwrap().to_owned();
    assert_eq!(
        browser.text("vietqr-content").await,
        format!("PH {reference}")
    );
    assert_eq!(browser.text("vietqr-account").await, "0011001234567");
    assert_eq!(browser.text("vietqr-bank").await, "Vietcombank");
    let width: f64 = (browser.client)
        .execute(
            "return document.getElementById('vietqr-image').getBoundingClientRect().width",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(
        width >= 200.0,
        "the code is drawn large enough to scan: {width}px"
    );

    // The citizen's app scans the code and pays it.
    let payload = browser.text("vietqr-payload").await;
    let vcb = app.banks.as_ref().unwrap().vcb.base_url();
    let paid = (app.client.post(format!("{vcb}/sim/vietqr")))
        .form(&[("payload", payload.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200);

    // No reload by the test: the page's own `<meta refresh>` brings the news.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let state = loop {
        let state = match browser.client.find(Locator::Id("state")).await {
            Ok(e) => e
                .attr("data-state")
                .await
                .ok()
                .flatten()
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        if state == "paid" || tokio::time::Instant::now() > deadline {
            break state;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(state, "paid");
    browser.shot("qr-page-paid").await;
    assert!(browser.text("state").await.contains("Đã nhận được tiền"));
    assert!(browser.client.find(Locator::Id("receipt")).await.is_ok());
    browser.close().await;
}
