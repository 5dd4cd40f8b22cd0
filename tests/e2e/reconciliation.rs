//! Reconciliation end to end: statements uploaded, fetched from the bank simulators, and run on a
//! schedule; runs, discrepancies, CSV and XLSX reports, resolution with an audit trail.

use std::io::Cursor;
use std::process::Command;
use std::time::Duration;

use bank_adapters::simulator::Faults;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use payhub::app::AppState;
use payhub::clock::vietnam;
use payhub::config::Config;
use payhub::recon::fetch::Backoff;
use payhub::scheduler::{run_due, JobOutcome, LEASE};
use payhub::store::Store;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{
    assert_problem, order_body, spawn_app, spawn_app_with_banks, test_account, Backend, TestApp,
    AGENCY,
};
use crate::on_both_backends;
use crate::orders::count;

on_both_backends!(
    an_uploaded_statement_that_matches_payhubs_records_is_all_matched,
    a_fetched_statement_waits_for_the_bank_to_close_the_day,
    malformed_statements_are_rejected_with_their_line_and_nothing_is_stored,
    a_paid_line_payhub_has_not_recorded_is_missing_in_payhub,
    a_lost_callback_is_confirmed_with_the_bank_and_applied,
    wrong_amounts_and_wrong_accounts_are_reported_in_their_classes,
    two_instances_scheduled_at_the_same_minute_run_the_day_once,
    a_slot_whose_instance_died_mid_run_is_taken_over_after_its_lease,
    a_scheduled_run_retries_until_the_bank_closes_the_day,
    re_running_a_day_keeps_its_history_and_marks_the_newest_current,
    resolving_a_discrepancy_writes_the_audit_log,
    the_xlsx_report_has_the_summary_and_discrepancy_sheets,
    the_csv_report_lists_each_discrepancy_with_both_sides,
    the_cli_reconciles_a_file_and_prints_the_summary,
    every_line_of_a_run_is_kept_matched_lines_in_batches,
    an_order_keeps_the_kinds_of_its_items_for_reconciliation,
);

// ---- arranging: payments, statements, uploads ----

/// Today in Vietnam, the day the simulators book payments made now.
pub(crate) fn today(app: &TestApp) -> NaiveDate {
    app.clock.now().with_timezone(&vietnam()).date_naive()
}

/// A time of `date` in GMT+7, `yyyyMMddHHmmss` (the BIDV layout's).
pub(crate) fn compact(date: NaiveDate, hms: &str) -> String {
    format!("{}{hms}", date.format("%Y%m%d"))
}

pub(crate) async fn app_with_banks(backend: Backend) -> TestApp {
    let app = spawn_app_with_banks(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    app
}

/// Creates an order, chooses `bank` and presses `action` on the bank's page; returns the
/// order's id and the attempt's reference.
pub(crate) async fn pay(
    app: &TestApp,
    dossier: &str,
    bank: &str,
    action: &str,
) -> (String, String) {
    pay_order(app, dossier, &order_body(dossier), bank, action).await
}

/// `pay` with the order's body given.
pub(crate) async fn pay_order(
    app: &TestApp,
    dossier: &str,
    body: &Value,
    bank: &str,
    action: &str,
) -> (String, String) {
    let order: Value = app.create_order(dossier, body).await.json().await.unwrap();
    let id = order["id"].as_str().unwrap().to_owned();
    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", bank)])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 303);
    let page = chosen.headers()["location"].to_str().unwrap().to_owned();
    let html = app
        .client
        .get(&page)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("action=\"").expect("a form") + "action=\"".len();
    let path = &html[start..start + html[start..].find('"').unwrap()];
    let origin: String = page.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let done = app
        .client
        .post(format!("{origin}{path}"))
        .form(&[("action", action)])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    let reference = scalar(
        app,
        &format!("select reference from payment_attempts where order_id = '{id}'"),
    )
    .await;
    (id, reference)
}

pub(crate) async fn scalar(app: &TestApp, sql: &str) -> String {
    match &app.store {
        Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Store::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

/// Waits (callbacks arrive in the background) until `sql` counts `n`.
pub(crate) async fn wait_count(app: &TestApp, sql: &str, n: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while count(app, sql).await != n && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(count(app, sql).await, n, "{sql}");
}

/// A BIDV statement of `date` with `details` (MaGiaoDich, MaHoaDon, SoTien), its header counting
/// and summing them and its trailer hashing them (statements.md "BIDV").
pub(crate) fn bidv_file(date: NaiveDate, details: &[(&str, &str, i64)]) -> String {
    with_trailer(bidv_body(date, "101500", details))
}

/// `hms` is the lines' time of day: a line earlier than the agency's account setting would be
/// judged against no account at all.
pub(crate) fn bidv_body(date: NaiveDate, hms: &str, details: &[(&str, &str, i64)]) -> String {
    let sum: i64 = details.iter().map(|d| d.2).sum();
    let mut body = format!(
        "H|DVCQG|{}|{}|{sum}\n",
        date.format("%Y%m%d"),
        details.len()
    );
    for (txn, reference, amount) in details {
        let (at, account) = (compact(date, hms), test_account("bidv"));
        body.push_str(&format!(
            "D|{txn}|{reference}|{amount}|{at}|{account}|MOBILE|PAID\n"
        ));
    }
    body
}

/// `T|<lowercase hex SHA-256 of every line above it, each ending in \n>`.
pub(crate) fn with_trailer(body: String) -> String {
    let trailer = hex::encode(Sha256::digest(body.as_bytes()));
    body + &format!("T|{trailer}\n")
}

/// `POST /api/v1/reconciliations` as `multipart/form-data` (bank, date, file).
pub(crate) async fn upload(
    app: &TestApp,
    key: &str,
    bank: &str,
    date: NaiveDate,
    file: &str,
) -> reqwest::Response {
    let boundary = "payhub-test-boundary";
    let mut body = String::new();
    for (name, value) in [("bank", bank.to_owned()), ("date", date.to_string())] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sao-ke.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n{file}\r\n--{boundary}--\r\n"
    ));
    app.client
        .post(app.url("/api/v1/reconciliations"))
        .bearer_auth(key)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Uploads and expects a run; returns its summary.
pub(crate) async fn run_upload(app: &TestApp, bank: &str, date: NaiveDate, file: &str) -> Value {
    let response = upload(app, &app.finance_key, bank, date, file).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

/// The (count, sum) of `class` in a run's summary.
pub(crate) fn tally(summary: &Value, class: &str) -> (i64, String) {
    let t = summary["by_class"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["class"] == class)
        .unwrap();
    (
        t["count"].as_i64().unwrap(),
        t["sum"].as_str().unwrap().to_owned(),
    )
}

pub(crate) async fn discrepancies(app: &TestApp, run_id: &Value, query: &str) -> Vec<Value> {
    let path = format!("/api/v1/reconciliations/{run_id}/discrepancies{query}");
    let body: Value = app.get(&path, &app.finance_key).await.json().await.unwrap();
    body["discrepancies"].as_array().unwrap().clone()
}

// ---- the stories ----

async fn an_uploaded_statement_that_matches_payhubs_records_is_all_matched(backend: Backend) {
    let app = app_with_banks(backend).await;
    pay(&app, "000.00.12.H29-1", "bidv", "approve").await;
    pay(&app, "000.00.12.H29-2", "bidv", "approve").await;
    wait_count(&app, "select count(*) from payments", 2).await;
    let bidv = &app.banks.as_ref().unwrap().bidv;
    let url = format!(
        "{}/thuho/v1/statement?MaDoiTac=DVCQG&Ngay={}",
        bidv.base_url(),
        today(&app).format("%Y%m%d")
    );
    let file = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let summary = run_upload(&app, "bidv", today(&app), &file).await;
    assert_eq!(summary["status"], "succeeded");
    assert_eq!(summary["source"], "uploaded");
    assert_eq!(summary["statement_lines"], 2);
    assert_eq!(tally(&summary, "matched"), (2, "1300000".into()));
    for t in summary["by_class"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["class"] != "matched")
    {
        assert_eq!(t["count"], 0, "{t}");
    }
    assert_eq!(
        summary["by_agency"],
        json!([{"agency_code": AGENCY, "class": "matched", "count": 2, "sum": "1300000"}])
    );
    assert!(discrepancies(&app, &summary["id"], "").await.is_empty());
    let shown: Value = app
        .get(
            &format!("/api/v1/reconciliations/{}", summary["id"]),
            &app.admin_key,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        shown, summary,
        "the stored run reads back as reported; admin may read"
    );
}

async fn a_fetched_statement_waits_for_the_bank_to_close_the_day(backend: Backend) {
    let app = app_with_banks(backend).await;
    pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 1).await;
    let body = json!({"bank": "vcb", "date": today(&app).to_string()});
    let early = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await;
    let problem = assert_problem(early, 503, "unavailable").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("has not closed"),
        "{problem}"
    );
    assert_eq!(
        count(&app, "select count(*) from reconciliation_runs").await,
        0
    );

    app.banks.as_ref().unwrap().vcb.close_day(today(&app));
    let run = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await;
    assert_eq!(run.status(), 201);
    let summary: Value = run.json().await.unwrap();
    assert_eq!(summary["source"], "fetched");
    assert_eq!(tally(&summary, "matched"), (1, "650000".into()));
    let portal = app
        .post_json("/api/v1/reconciliations", &app.portal_key, &body)
        .await;
    assert_problem(portal, 403, "forbidden").await;
}

async fn malformed_statements_are_rejected_with_their_line_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let day = today(&app);
    let vcb_header =
        "bank_txn_id,payment_id,order_ref,amount,currency,status,paid_at,credit_account_no,fee\n";
    let at = format!("{day}T10:15:00+07:00");
    let good_vcb = format!("FT1,VCB1,REF1,650000,VND,SUCCESS,{at},0011001234567,0\n");
    let mut wrong_hash = bidv_file(day, &[("BIDV1", "REF1", 650_000)]);
    wrong_hash = wrong_hash.replace("|650000|", "|650001|");
    let wrong_total = with_trailer(
        bidv_body(day, "101500", &[("BIDV1", "REF1", 650_000)]).replacen(
            "|1|650000",
            "|1|650001",
            1,
        ),
    );
    let cases = [
        (
            "vcb",
            format!(
                "{vcb_header}{good_vcb}FT2,VCB2,REF2,65O000,VND,SUCCESS,{at},0011001234567,0\n"
            ),
            3,
        ),
        (
            "vcb",
            format!("{vcb_header}FT2,VCB2,REF2,650000,VND\n{good_vcb}"),
            2,
        ),
        ("bidv", wrong_hash, 3),
        ("bidv", wrong_total, 1),
    ];
    for (bank, file, line) in cases {
        let response = upload(&app, &app.finance_key, bank, day, &file).await;
        let problem = assert_problem(response, 422, "validation").await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("statement line {line}:")),
            "{bank} line {line}: {detail}"
        );
    }
    for table in [
        "reconciliation_runs",
        "reconciliation_totals",
        "discrepancies",
    ] {
        assert_eq!(
            count(&app, &format!("select count(*) from {table}")).await,
            0,
            "{table}"
        );
    }
}

async fn a_paid_line_payhub_has_not_recorded_is_missing_in_payhub(backend: Backend) {
    // A redirected attempt whose callback never came, and a reference PayHub never issued.
    let app = app_with_banks(backend).await;
    let (order_id, reference) = {
        let order: Value = app
            .create_order("d-1", &order_body("000.00.12.H29-1"))
            .await
            .json()
            .await
            .unwrap();
        let id = order["id"].as_str().unwrap().to_owned();
        let chosen = app
            .client
            .post(app.url(&format!("/checkout/{id}")))
            .form(&[("bank", "bidv")])
            .send()
            .await
            .unwrap();
        assert_eq!(chosen.status(), 303);
        let reference = scalar(&app, "select reference from payment_attempts").await;
        (id, reference)
    };
    let now = app
        .clock
        .now()
        .with_timezone(&vietnam())
        .format("%H%M%S")
        .to_string();
    let lines = [
        ("BIDV900", reference.as_str(), 650_000),
        ("BIDV901", "NOSUCHREF", 50_000),
    ];
    let file = with_trailer(bidv_body(today(&app), &now, &lines));
    // The bill is unpaid at the simulator, so BIDV's query cannot confirm it: staff review it.
    let summary = run_upload(&app, "bidv", today(&app), &file).await;
    assert_eq!(tally(&summary, "missing_in_payhub"), (2, "700000".into()));
    let missing = discrepancies(&app, &summary["id"], "?class=missing_in_payhub").await;
    let known = missing
        .iter()
        .find(|d| d["reference"] == reference.as_str())
        .unwrap();
    assert_eq!(known["order_id"], order_id.as_str());
    assert_eq!(known["payhub"]["status"], "pending");
    assert_eq!(known["bank"]["line_no"], 2);
    assert_eq!(
        known["resolved_at"],
        Value::Null,
        "the bank did not confirm it"
    );
    let unknown = missing
        .iter()
        .find(|d| d["reference"] == "NOSUCHREF")
        .unwrap();
    assert_eq!(unknown["payhub"], Value::Null);
    assert_eq!(
        unknown["agency_code"], AGENCY,
        "named by the credited account"
    );
}

async fn a_lost_callback_is_confirmed_with_the_bank_and_applied(backend: Backend) {
    let app = app_with_banks(backend).await;
    let banks = app.banks.as_ref().unwrap();
    banks.vcb.fault_next(Faults::default().drop_callback());
    let (order_id, _) = pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    assert_eq!(
        count(&app, "select count(*) from payments").await,
        0,
        "the callback was lost"
    );
    banks.vcb.close_day(today(&app));

    let body = json!({"bank": "vcb", "date": today(&app).to_string()});
    let summary: Value = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tally(&summary, "missing_in_payhub"), (1, "650000".into()));
    let missing = discrepancies(&app, &summary["id"], "").await;
    assert_eq!(
        missing[0]["resolved_by"], "system:reconciliation",
        "{}",
        missing[0]
    );
    assert!(missing[0]["note"].as_str().unwrap().contains("confirmed"));
    let order: Value = app
        .get(&format!("/api/v1/orders/{order_id}"), &app.finance_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["status"], "paid", "applied through the callback path");
    assert_eq!(count(&app, "select count(*) from payments").await, 1);
}

async fn wrong_amounts_and_wrong_accounts_are_reported_in_their_classes(backend: Backend) {
    let app = app_with_banks(backend).await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    vcb.fault_next(Faults::default().wrong_account("0099999999999"));
    pay(&app, "000.00.12.H29-2", "vcb", "approve").await;
    vcb.fault_next(Faults::default().wrong_amount(payhub_money::Vnd::from_dong(600_000).unwrap()));
    pay(&app, "000.00.12.H29-3", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 3).await;
    vcb.close_day(today(&app));
    let body = json!({"bank": "vcb", "date": today(&app).to_string()});
    let summary: Value = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        tally(&summary, "matched"),
        (1, "650000".into()),
        "{summary}"
    );
    assert_eq!(tally(&summary, "wrong_beneficiary"), (1, "650000".into()));
    assert_eq!(tally(&summary, "amount_mismatch"), (1, "600000".into()));
    let wrong = &discrepancies(&app, &summary["id"], "?class=wrong_beneficiary").await[0];
    assert_eq!(wrong["bank"]["credited_account"], "0099999999999");
    assert_eq!(wrong["payhub"]["expected_accounts"], test_account("vcb"));
    let mismatch = &discrepancies(&app, &summary["id"], "?class=amount_mismatch").await[0];
    assert_eq!(
        (&mismatch["bank"]["amount"], &mismatch["payhub"]["amount"]),
        (&json!("600000"), &json!("650000"))
    );
}

async fn two_instances_scheduled_at_the_same_minute_run_the_day_once(backend: Backend) {
    let (app, config) = paid_today_and_scheduled(backend, "bidv").await;
    let one = AppState::new(app.store.clone(), config.clone(), app.clock.clone());
    let other_store = Store::connect(&config.database).await.unwrap();
    let two = AppState::new(other_store, config, app.clock.clone());
    let at = tomorrow_early(&app);
    let (_stop, stop) = tokio::sync::watch::channel(false);
    let (a, b) = tokio::join!(
        run_due(&one, at, Backoff::ONCE, stop.clone()),
        run_due(&two, at, Backoff::ONCE, stop.clone())
    );
    let outcomes: Vec<JobOutcome> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    assert_eq!(
        outcomes.len(),
        1,
        "one instance claimed the slot: {outcomes:?}"
    );
    assert!(
        matches!(outcomes[0], JobOutcome::Succeeded { .. }),
        "{outcomes:?}"
    );
    let later = run_due(
        &two,
        at + chrono::Duration::minutes(5),
        Backoff::ONCE,
        stop.clone(),
    )
    .await
    .unwrap();
    assert!(later.is_empty(), "the slot is not run again");
    assert_eq!(
        count(&app, "select count(*) from reconciliation_runs").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from job_runs where outcome = 'succeeded'"
        )
        .await,
        1
    );
    let runs: Value = app
        .get("/api/v1/reconciliations?bank=bidv", &app.finance_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(runs["runs"][0]["date"], today(&app).to_string());
    assert_eq!(runs["runs"][0]["started_by"], "system:scheduler");
}

async fn a_slot_whose_instance_died_mid_run_is_taken_over_after_its_lease(backend: Backend) {
    let (app, config) = paid_today_and_scheduled(backend, "bidv").await;
    let state = AppState::new(app.store.clone(), config, app.clock.clone());
    let (_stop, stop) = tokio::sync::watch::channel(false);
    let at = tomorrow_early(&app);
    // Another instance claimed the 01:30 slot and died before it finished.
    let slot = (at - chrono::Duration::seconds(20)).with_timezone(&vietnam());
    let claimed = (app.store)
        .claim_job(
            "reconcile:bidv",
            &slot.to_rfc3339(),
            "died#1",
            at,
            at + LEASE,
        )
        .await
        .unwrap();
    assert!(claimed);
    let minute = chrono::Duration::minutes(1);

    let within = run_due(&state, at + LEASE - minute, Backoff::ONCE, stop.clone()).await;
    assert!(within.unwrap().is_empty(), "its lease still holds");
    let after = run_due(&state, at + LEASE + minute, Backoff::ONCE, stop.clone()).await;
    let after = after.unwrap();
    assert!(
        matches!(&after[..], [JobOutcome::Succeeded { .. }]),
        "taken over once the lease ran out: {after:?}"
    );
    let later = at + LEASE * 3;
    let again = run_due(&state, later, Backoff::ONCE, stop.clone()).await;
    assert!(again.unwrap().is_empty(), "a finished slot is not taken");
    assert_eq!(
        count(&app, "select count(*) from reconciliation_runs").await,
        1
    );
    let done =
        "select count(*) from job_runs where outcome = 'succeeded' and claimed_by <> 'died#1'";
    assert_eq!(count(&app, done).await, 1);
}

/// PayHub with one payment made today at `bank`, and its config with `bank` reconciled every day
/// at 01:30 (`0 30 1 * * *`).
async fn paid_today_and_scheduled(backend: Backend, bank: &str) -> (TestApp, Config) {
    let app = app_with_banks(backend).await;
    pay(&app, "000.00.12.H29-1", bank, "approve").await;
    wait_count(&app, "select count(*) from payments", 1).await;
    let mut config = app.config.clone();
    let daily = Some("0 30 1 * * *".to_owned());
    match bank {
        "vcb" => config.reconciliation.vcb = daily,
        "bidv" => config.reconciliation.bidv = daily,
        _ => config.reconciliation.vnpay = daily,
    }
    (app, config)
}

/// 01:30:20 tomorrow in Vietnam: the firing of `0 30 1 * * *` that reconciles today.
fn tomorrow_early(app: &TestApp) -> DateTime<Utc> {
    let tomorrow = today(app)
        .succ_opt()
        .unwrap()
        .and_hms_opt(1, 30, 20)
        .unwrap();
    vietnam()
        .from_local_datetime(&tomorrow)
        .unwrap()
        .with_timezone(&Utc)
}

async fn a_scheduled_run_retries_until_the_bank_closes_the_day(backend: Backend) {
    let (app, config) = paid_today_and_scheduled(backend, "vcb").await;
    let state = AppState::new(app.store.clone(), config, app.clock.clone());
    let (_stop, stop) = tokio::sync::watch::channel(false);
    let quick = |attempts| Backoff {
        first: Duration::from_millis(20),
        max: Duration::from_millis(40),
        attempts,
    };

    let vcb = &app.banks.as_ref().unwrap().vcb;
    let (outcomes, ()) = tokio::join!(
        run_due(&state, tomorrow_early(&app), quick(100), stop.clone()),
        async {
            // The bank closes the day while the job is waiting for it.
            tokio::time::sleep(Duration::from_millis(100)).await;
            vcb.close_day(today(&app));
        }
    );
    let outcomes = outcomes.unwrap();
    assert!(
        matches!(&outcomes[..], [JobOutcome::Succeeded { .. }]),
        "{outcomes:?}"
    );
    let runs: Value = app
        .get("/api/v1/reconciliations", &app.finance_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(runs["runs"][0]["source"], "fetched");
    assert_eq!(runs["runs"][0]["statement_lines"], 1);

    // Tomorrow is never closed in this test: the job gives up, and says why.
    let next_day = tomorrow_early(&app) + chrono::Duration::days(1);
    let gave_up = run_due(&state, next_day, quick(2), stop.clone())
        .await
        .unwrap();
    assert!(
        matches!(&gave_up[..], [JobOutcome::Failed(why)] if why.contains("has not closed")),
        "{gave_up:?}"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from job_runs where outcome = 'failed'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, "select count(*) from reconciliation_runs").await,
        1
    );
}

async fn re_running_a_day_keeps_its_history_and_marks_the_newest_current(backend: Backend) {
    let app = spawn_app(backend).await;
    let day = today(&app);
    let first = run_upload(
        &app,
        "bidv",
        day,
        &bidv_file(day, &[("BIDV1", "REF1", 100_000)]),
    )
    .await;
    let second = run_upload(
        &app,
        "bidv",
        day,
        &bidv_file(day, &[("BIDV2", "REF2", 200_000)]),
    )
    .await;
    assert_ne!(first["id"], second["id"]);
    let path = format!("/api/v1/reconciliations?bank=bidv&date={day}");
    let runs: Value = app.get(&path, &app.finance_key).await.json().await.unwrap();
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "the earlier run is kept");
    assert_eq!(
        (&runs[0]["id"], &runs[0]["is_current"]),
        (&second["id"], &json!(true))
    );
    assert_eq!(
        (&runs[1]["id"], &runs[1]["is_current"]),
        (&first["id"], &json!(false))
    );
    let current: Value = app
        .get(&format!("{path}&current=true"), &app.finance_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["runs"].as_array().unwrap().len(), 1);
    let old: Value = app
        .get(
            &format!("/api/v1/reconciliations/{}", first["id"]),
            &app.finance_key,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        tally(&old, "missing_in_payhub"),
        (1, "100000".into()),
        "an old run still reads back"
    );
}

async fn resolving_a_discrepancy_writes_the_audit_log(backend: Backend) {
    let app = spawn_app(backend).await;
    let day = today(&app);
    let summary = run_upload(
        &app,
        "bidv",
        day,
        &bidv_file(day, &[("BIDV1", "REF1", 100_000)]),
    )
    .await;
    let id = discrepancies(&app, &summary["id"], "").await[0]["id"].clone();
    let path = format!("/api/v1/discrepancies/{id}/resolve");
    let note = json!({"note": "Đã đối chiếu với ngân hàng, chuyển hoàn ngày 02/06"});
    assert_problem(
        app.post_json(&path, &app.admin_key, &note).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post_json(&path, &app.finance_key, &json!({"note": " "}))
            .await,
        422,
        "validation",
    )
    .await;

    let resolved = app.post_json(&path, &app.finance_key, &note).await;
    assert_eq!(resolved.status(), 200);
    let resolved: Value = resolved.json().await.unwrap();
    assert_eq!(resolved["note"], note["note"]);
    assert!(resolved["resolved_by"]
        .as_str()
        .unwrap()
        .starts_with("finance:test-finance"));
    assert_problem(
        app.post_json(&path, &app.finance_key, &note).await,
        409,
        "conflict",
    )
    .await;
    let audit = app
        .store
        .audit_entries(Some(&format!("discrepancy:{id}")), None, 10)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "resolved once, audited once");
    assert_eq!(audit[0].action, "discrepancy.resolved");
    assert_eq!(audit[0].actor, resolved["resolved_by"].as_str().unwrap());
    assert!(audit[0]
        .after_json
        .as_deref()
        .unwrap()
        .contains("chuyển hoàn"));
    assert_eq!(
        discrepancies(&app, &summary["id"], "?resolved=false")
            .await
            .len(),
        0
    );
    assert_eq!(
        discrepancies(&app, &summary["id"], "?resolved=true")
            .await
            .len(),
        1
    );
    assert_problem(
        app.post_json(
            "/api/v1/discrepancies/999999/resolve",
            &app.finance_key,
            &note,
        )
        .await,
        404,
        "not-found",
    )
    .await;
}

async fn the_xlsx_report_has_the_summary_and_discrepancy_sheets(backend: Backend) {
    use calamine::{Data, Reader, Xlsx};
    let app = spawn_app(backend).await;
    let day = today(&app);
    let summary = run_upload(
        &app,
        "bidv",
        day,
        &bidv_file(day, &[("BIDV1", "REF1", 150_000)]),
    )
    .await;
    let response = app
        .get(
            &format!("/api/v1/reconciliations/{}/report.xlsx", summary["id"]),
            &app.finance_key,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let bytes = response.bytes().await.unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Tổng hợp", "Theo đơn vị", "Chênh lệch", "Đối chiếu tiền"]
    );
    let totals = book.worksheet_range("Tổng hợp").unwrap();
    assert_eq!(
        totals.get_value((5, 0)),
        Some(&Data::String("Loại chênh lệch".into()))
    );
    assert_eq!(
        totals.get_value((6, 1)),
        Some(&Data::String("matched".into()))
    );
    assert_eq!(
        totals.get_value((7, 1)),
        Some(&Data::String("missing_in_payhub".into()))
    );
    assert_eq!(totals.get_value((7, 2)), Some(&Data::Float(1.0)));
    assert_eq!(totals.get_value((7, 3)), Some(&Data::Float(150_000.0)));
    assert_eq!(
        totals.get_value((1, 3)),
        Some(&Data::String("Ngân hàng ghi có".into()))
    );
    assert_eq!(
        totals.get_value((1, 4)),
        Some(&Data::Float(150_000.0)),
        "the bank credited it"
    );
    assert_eq!(
        totals.get_value((3, 4)),
        Some(&Data::Float(150_000.0)),
        "PayHub recorded nothing: the difference is the line"
    );
    let rows = book.worksheet_range("Chênh lệch").unwrap();
    let headers: Vec<String> = rows
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        &headers[..4],
        ["Mã", "Loại chênh lệch", "Đơn vị", "Mã tham chiếu"]
    );
    assert_eq!(rows.get_value((1, 3)), Some(&Data::String("REF1".into())));
    assert_eq!(rows.get_value((1, 6)), Some(&Data::Float(150_000.0)));
    let styles = book.worksheet_style("Tổng hợp").unwrap();
    let format = styles
        .get((7, 3))
        .and_then(|s| s.number_format.as_ref())
        .map(|f| f.format_code.as_str());
    assert_eq!(
        format,
        Some("#,##0 \"₫\""),
        "amounts are numbers shown in đồng"
    );
}

async fn the_csv_report_lists_each_discrepancy_with_both_sides(backend: Backend) {
    let app = spawn_app(backend).await;
    let day = today(&app);
    let summary = run_upload(
        &app,
        "bidv",
        day,
        &bidv_file(
            day,
            &[("BIDV1", "REF1", 150_000), ("BIDV2", "REF,2", 20_000)],
        ),
    )
    .await;
    let response = app
        .get(
            &format!("/api/v1/reconciliations/{}/report.csv", summary["id"]),
            &app.finance_key,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".csv"));
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "a UTF-8 byte-order mark, for Excel"
    );
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with(
            "Mã loại,Loại,Đơn vị,Tham chiếu PayHub,Mã giao dịch ngân hàng,Mã đơn,Số tiền (đồng),Dòng sao kê"
        ),
        "Vietnamese headers: {csv}"
    );
    assert!(lines[0].ends_with(",Mã chênh lệch,Xử lý lúc,Người xử lý,Ghi chú"));
    assert_eq!(lines.len(), 3, "{csv}");
    let ref1 = lines.iter().find(|l| l.contains(",REF1,")).unwrap();
    assert!(
        ref1.starts_with("missing_in_payhub,Ngân hàng có, PayHub chưa ghi nhận,")
            || ref1.starts_with("missing_in_payhub,\"Ngân hàng có, PayHub chưa ghi nhận\","),
        "{ref1}"
    );
    assert!(
        ref1.contains(",BIDV1,") && ref1.contains(",150000,2,150000,paid,"),
        "{ref1}"
    );
    assert!(
        ref1.contains(&format!(",{day} 10:15:00,")),
        "times as dates Excel reads, in GMT+7: {ref1}"
    );
    assert!(csv.contains(",\"REF,2\","), "RFC 4180 quoting: {csv}");
}

async fn the_cli_reconciles_a_file_and_prints_the_summary(backend: Backend) {
    let app = spawn_app(backend).await;
    let day = today(&app);
    let dir = std::env::temp_dir().join(format!("payhub-recon-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("bidv.txt");
    std::fs::write(&good, bidv_file(day, &[("BIDV1", "REF1", 150_000)])).unwrap();
    let bad = dir.join("bad.txt");
    std::fs::write(
        &bad,
        bidv_file(day, &[("BIDV1", "REF1", 150_000)]).replace("|150000|", "|15000|"),
    )
    .unwrap();
    let reconcile = |file: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_payhub"))
            .env("PAYHUB_DATABASE__URL", &app.config.database.url.0)
            .env_remove("PAYHUB_CONFIG")
            .args([
                "reconcile",
                "--bank",
                "bidv",
                "--date",
                &day.to_string(),
                "--file",
            ])
            .arg(file)
            .output()
            .unwrap()
    };
    let out = reconcile(&good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout
        .lines()
        .find(|l| l.starts_with("missing_in_payhub"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains(" 1 ") && line.contains("150.000 ₫"), "{line}");
    let failed = reconcile(&bad);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("statement line 3"));
    assert_eq!(
        count(
            &app,
            "select count(*) from reconciliation_runs where source = 'cli'"
        )
        .await,
        1
    );
    std::fs::remove_dir_all(dir).unwrap();
}

async fn every_line_of_a_run_is_kept_matched_lines_in_batches(backend: Backend) {
    // Two paid orders and a line PayHub never issued: the reports (issue #14) list all three.
    let app = app_with_banks(backend).await;
    let (first, first_ref) = pay(&app, "000.00.12.H29-1", "bidv", "approve").await;
    let (second, _) = pay(&app, "000.00.12.H29-2", "bidv", "approve").await;
    wait_count(&app, "select count(*) from payments", 2).await;
    let txn = |order: &str| format!("select bank_txn_id from payments where order_id = '{order}'");
    let (first_txn, second_txn) = (
        scalar(&app, &txn(&first)).await,
        scalar(&app, &txn(&second)).await,
    );
    let second_ref = scalar(
        &app,
        &format!("select reference from payment_attempts where order_id = '{second}'"),
    )
    .await;
    let now = app
        .clock
        .now()
        .with_timezone(&vietnam())
        .format("%H%M%S")
        .to_string();
    let lines = [
        (first_txn.as_str(), first_ref.as_str(), 650_000),
        (second_txn.as_str(), second_ref.as_str(), 650_000),
        ("BIDV901", "NOSUCHREF", 50_000),
    ];
    let file = with_trailer(bidv_body(today(&app), &now, &lines));
    let summary = run_upload(&app, "bidv", today(&app), &file).await;
    assert_eq!(tally(&summary, "matched"), (2, "1300000".into()));

    let run_id = summary["id"].as_i64().unwrap();
    let matched = app.store.matched_entries(run_id).await.unwrap();
    // (line, bank id, reference, amount, order) of each matched entry.
    type Listed<'a> = (Option<i32>, Option<&'a str>, &'a str, i64, Option<&'a str>);
    let listed: Vec<Listed<'_>> = matched
        .iter()
        .map(|m| {
            (
                m.line_no,
                m.bank_txn_id.as_deref(),
                m.reference.as_str(),
                m.amount_vnd,
                m.order_id.as_deref(),
            )
        })
        .collect();
    let mut expected = vec![
        (
            Some(2),
            Some(first_txn.as_str()),
            first_ref.as_str(),
            650_000,
            Some(first.as_str()),
        ),
        (
            Some(3),
            Some(second_txn.as_str()),
            second_ref.as_str(),
            650_000,
            Some(second.as_str()),
        ),
    ];
    expected.sort_by_key(|e| e.2);
    assert_eq!(listed, expected, "the matched lines, in the report's order");
    assert!(matched
        .iter()
        .all(|m| m.agency_code.as_deref() == Some(AGENCY)
            && m.payment_ref.as_deref().is_some_and(|p| p.starts_with('p'))
            && m.bank_at.is_some()));
    let others = discrepancies(&app, &summary["id"], "").await;
    assert_eq!(others.len(), 1);
    assert_eq!(others[0]["bank"]["line_no"], 4);
    assert_eq!(
        matched.len() + others.len(),
        3,
        "every statement line is either a matched entry or a discrepancy"
    );
}

async fn an_order_keeps_the_kinds_of_its_items_for_reconciliation(backend: Backend) {
    // The run reads an order's kinds from the order (migration 0010), not from its items.
    let app = app_with_banks(backend).await;
    let fee_only = json!({"dossier_code": "000.00.12.H29-2", "procedure_code": "1.001234",
        "procedure_name": "Cấp giấy phép xây dựng", "agency_code": AGENCY,
        "payer": {"name": "Nguyễn Văn A"},
        "items": [{"kind": "fee", "code": "PTD", "name": "Phí thẩm định", "amount": "500000"},
                  {"kind": "service", "code": "BC", "name": "Bưu chính", "amount": "30000"}],
        "return_url": "https://portal.example.gov.vn/dossiers/2"});
    let two: Value = app
        .create_order("000.00.12.H29-1", &order_body("000.00.12.H29-1"))
        .await
        .json()
        .await
        .unwrap();
    let other: Value = app
        .create_order("000.00.12.H29-2", &fee_only)
        .await
        .json()
        .await
        .unwrap();
    let kinds = |id: &Value| {
        format!(
            "select cast(item_kinds as text) from orders where id = '{}'",
            id.as_str().unwrap()
        )
    };
    assert_eq!(
        scalar(&app, &kinds(&two["id"])).await,
        "3",
        "charge and fee"
    );
    assert_eq!(
        scalar(&app, &kinds(&other["id"])).await,
        "5",
        "fee and service"
    );
}
