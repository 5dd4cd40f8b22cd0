//! A finance officer in the browser: signs in with a finance key, opens the day's run, filters
//! to `wrong_beneficiary`, resolves one with a note and downloads the XLSX report.

use std::io::Cursor;
use std::time::Duration;

use bank_adapters::simulator::Faults;
use calamine::{Reader, Xlsx};
use payhub::clock::vietnam;
use serde_json::{json, Value};

use super::Browser;
use crate::callbacks::{checkout, press};
use crate::helpers::{spawn_app_with_banks, Backend, TestApp, AGENCY};
use crate::on_both_backends;

on_both_backends!(a_finance_officer_resolves_a_wrong_beneficiary_and_downloads_the_xlsx);

/// Two VCB payments of today, the second credited to another account; the day reconciled.
/// Returns the run's id.
async fn a_reconciled_day(app: &TestApp) -> i64 {
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    let (_, page) = checkout(app, "000.00.12.H29-1", "vcb").await;
    press(app, &page, "approve").await;
    vcb.fault_next(Faults::default().wrong_account("0099999999999"));
    let (_, page) = checkout(app, "000.00.12.H29-2", "vcb").await;
    press(app, &page, "approve").await;
    let acknowledged = vcb
        .wait_until(Duration::from_secs(10), |t| {
            t.len() == 2 && t.iter().all(|t| t.acknowledged())
        })
        .await;
    assert!(acknowledged, "both callbacks applied");
    let today = app.clock.now().with_timezone(&vietnam()).date_naive();
    vcb.close_day(today);
    let body = json!({"bank": "vcb", "date": today.to_string()});
    let run = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await;
    assert_eq!(run.status(), 201);
    run.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn a_finance_officer_resolves_a_wrong_beneficiary_and_downloads_the_xlsx(backend: Backend) {
    let test = format!("finance_resolves_{}", super::backend_name(&backend));
    let Some(mut browser) = Browser::start(&test).await else {
        return;
    };
    let app = spawn_app_with_banks(backend).await;
    let run = a_reconciled_day(&app).await;

    browser.goto(&app.url("/reports")).await;
    assert!(browser.url().await.ends_with("/reports/sign-in"));
    browser.shot("sign-in").await;
    browser.fill("api-key", &app.finance_key).await;
    browser.click("#sign-in").await;
    let open_run = format!("open-run-{run}");
    browser
        .wait_for_attributes(&format!("#{open_run}"), "id", &[open_run.as_str()])
        .await;
    browser.shot("runs").await;
    browser.click(&format!("#open-run-{run}")).await;
    browser.wait_for_url(&format!("/reports/runs/{run}")).await;
    browser.shot("run").await;

    browser.select("filter-class", "wrong_beneficiary").await;
    browser.click("#apply-filters").await;
    browser.wait_for_url("class=wrong_beneficiary").await;
    let classes = browser
        .wait_for_attributes(
            "#discrepancies tbody tr",
            "data-class",
            &["wrong_beneficiary"],
        )
        .await;
    browser.shot("wrong-beneficiary").await;
    assert_eq!(classes, ["wrong_beneficiary"], "only the filtered class");
    let row = browser.attributes("#discrepancies tbody tr", "id").await[0].clone();
    let id = row.trim_start_matches("discrepancy-").to_owned();

    let note = "Đã liên hệ Vietcombank, chuyển lại đúng tài khoản KBNN";
    browser.fill(&format!("resolve-note-{id}"), note).await;
    browser.shot("note-written").await;
    browser.click(&format!("#resolve-{id}")).await;
    let resolved = browser
        .wait_for_attributes(&format!("#{row}"), "data-resolved", &["true"])
        .await;
    browser.shot("resolved").await;
    assert_eq!(resolved, ["true"], "the page shows it resolved");
    let path = format!("/api/v1/reconciliations/{run}/discrepancies?class=wrong_beneficiary");
    let stored: Value = app.get(&path, &app.finance_key).await.json().await.unwrap();
    assert_eq!(stored["discrepancies"][0]["note"], note);

    browser.click("#download-xlsx").await;
    let xlsx = browser.downloaded("xlsx").await;
    browser.shot("after-download").await;
    let book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx)).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Tổng hợp", "Theo đơn vị", "Chênh lệch", "Đối chiếu tiền"]
    );
    browser.close().await;
}
