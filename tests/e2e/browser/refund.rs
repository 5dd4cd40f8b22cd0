//! Two finance officers in the browser (issue 14): the first finds a citizen's payment by its
//! dossier code, opens the order's page and asks for a refund of the second debit; the page
//! will not let her approve it herself. The second signs in, finds the order by the payer's
//! name typed without accents, and approves: only then does the refund go to the bank.

use std::time::Duration;

use bank_adapters::simulator::Faults;
use payhub::clock::vietnam;
use serde_json::{json, Value};

use super::Browser;
use crate::callbacks::{checkout, press};
use crate::helpers::{spawn_app_with_banks, Backend, TestApp, AGENCY};
use crate::on_both_backends;

on_both_backends!(two_officers_refund_a_double_debit_from_search_to_approval);

const DOSSIER: &str = "000.00.12.H29-260530-0077";

/// A citizen debited twice at VCB, the day reconciled. Returns the order id and the
/// duplicate_payment discrepancy's id.
async fn a_double_debit(app: &TestApp) -> (String, i64) {
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    vcb.fault_next(Faults::default().paid_twice());
    let (order, page) = checkout(app, DOSSIER, "vcb").await;
    press(app, &page, "approve").await;
    let acknowledged = vcb
        .wait_until(Duration::from_secs(10), |t| {
            t.len() == 2 && t.iter().all(|t| t.acknowledged())
        })
        .await;
    assert!(acknowledged, "both debits applied");
    let today = app.clock.now().with_timezone(&vietnam()).date_naive();
    vcb.close_day(today);
    let body = json!({"bank": "vcb", "date": today.to_string()});
    let run: Value = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await
        .json()
        .await
        .unwrap();
    let path = format!(
        "/api/v1/reconciliations/{}/discrepancies?class=duplicate_payment",
        run["id"]
    );
    let found: Value = app.get(&path, &app.finance_key).await.json().await.unwrap();
    let discrepancy = found["discrepancies"][0]["id"].as_i64().unwrap();
    (order["id"].as_str().unwrap().to_owned(), discrepancy)
}

async fn sign_in(browser: &mut Browser, app: &TestApp, key: &str, shot: &str) {
    browser.goto(&app.url("/reports")).await;
    browser.wait_for_url("/reports/sign-in").await;
    browser.fill("api-key", key).await;
    browser.click("#sign-in").await;
    browser
        .wait_for_attributes("#search-q", "name", &["q"])
        .await;
    browser.shot(shot).await;
}

async fn two_officers_refund_a_double_debit_from_search_to_approval(backend: Backend) {
    let test = format!("refund_two_officers_{}", super::backend_name(&backend));
    let Some(mut browser) = Browser::start(&test).await else {
        return;
    };
    let app = spawn_app_with_banks(backend).await;
    let (order_id, discrepancy) = a_double_debit(&app).await;
    let second = app
        .store
        .create_key(
            "second-officer",
            payhub::domain::keys::Role::Finance,
            "test",
            app.clock.now(),
        )
        .await
        .unwrap()
        .secret;

    // The first officer: search by dossier code, straight to the order's page.
    sign_in(
        &mut browser,
        &app,
        &app.finance_key,
        "first-officer-signed-in",
    )
    .await;
    browser.fill("search-q", DOSSIER).await;
    browser.click("#search-go").await;
    browser
        .wait_for_url(&format!("/reports/orders/{order_id}"))
        .await;
    assert!(browser.text("order-dossier").await.contains(DOSSIER));
    browser.shot("order-page").await;

    // She asks for a refund of the duplicate debit, from its discrepancy.
    browser
        .select("refund-discrepancy", &discrepancy.to_string())
        .await;
    let options = browser.attributes("#refund-payment option", "value").await;
    assert_eq!(
        options.len(),
        3,
        "by the discrepancy, or either debit: {options:?}"
    );
    browser
        .fill("refund-reason", "Công dân bị trừ tiền hai lần")
        .await;
    browser.shot("refund-asked").await;
    browser.click("#request-refund").await;
    let status = browser
        .wait_for_attributes(
            "#refund-requests tbody tr",
            "data-status",
            &["awaiting_approval"],
        )
        .await;
    assert_eq!(status, ["awaiting_approval"]);
    let row = browser.attributes("#refund-requests tbody tr", "id").await[0].clone();
    let request = row.trim_start_matches("refund-request-").to_owned();
    assert!(
        browser
            .attributes(&format!("#own-request-{request}"), "id")
            .await
            .len()
            == 1,
        "no approve button for her own request"
    );
    assert!(browser
        .attributes(&format!("#approve-refund-{request}"), "id")
        .await
        .is_empty());
    browser.shot("awaiting-approval").await;
    assert!(
        app.banks.as_ref().unwrap().vcb.refunds().is_empty(),
        "nothing sent yet"
    );
    browser.click("#sign-out").await;
    browser.wait_for_url("/reports/sign-in").await;

    // The second officer: the payer's name without accents, the order, the approval.
    sign_in(&mut browser, &app, &second, "second-officer-signed-in").await;
    browser.fill("search-q", "nguyen van a").await;
    browser.click("#search-go").await;
    browser.wait_for_url("/reports/search").await;
    browser.shot("search-by-name").await;
    browser.click(&format!("#open-order-{order_id}")).await;
    browser
        .wait_for_url(&format!("/reports/orders/{order_id}"))
        .await;
    browser.shot("order-for-approval").await;
    browser.click(&format!("#approve-refund-{request}")).await;
    let status = browser
        .wait_for_attributes(&format!("#{row}"), "data-status", &["approved"])
        .await;
    browser.shot("approved").await;
    assert_eq!(status, ["approved"]);
    assert_eq!(
        app.banks.as_ref().unwrap().vcb.refunds().len(),
        1,
        "sent once approved"
    );
    let order: Value = app
        .get(&format!("/api/v1/orders/{order_id}"), &app.finance_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        order["status"], "paid",
        "the duplicate was refunded, not the order's payment"
    );
    let stored: Value = app
        .get(
            &format!("/api/v1/orders/{order_id}/refund-requests"),
            &app.finance_key,
        )
        .await
        .json()
        .await
        .unwrap();
    let stored = &stored["refund_requests"][0];
    assert!(stored["requested_by"]
        .as_str()
        .unwrap()
        .contains("test-finance"));
    assert!(stored["decided_by"]
        .as_str()
        .unwrap()
        .contains("second-officer"));

    // The refund resolved the discrepancy: the open items are empty; the settlement draws the day.
    browser.click("#nav-open-items").await;
    browser.wait_for_url("/reports/open-items").await;
    browser.shot("open-items").await;
    assert_eq!(browser.attributes("#no-open-items", "id").await.len(), 1);
    browser.click("#nav-settlement").await;
    browser.wait_for_url("/reports/settlement").await;
    browser.shot("settlement").await;
    let bars = browser
        .attributes("#money-chart rect.bar", "data-amount")
        .await;
    assert_eq!(bars.len(), 7, "the last seven days");
    assert_eq!(bars[6], "1300000", "today: both debits credited");
    browser.close().await;
}
