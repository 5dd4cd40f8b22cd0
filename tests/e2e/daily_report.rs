//! The daily operations report (messages.md §2): a day played through the simulators in two
//! agency groups, then every figure of the report read against what the test did, in JSON, in
//! the workbook, on the page and from the command line.

use std::io::Cursor;

use bank_adapters::simulator::{Faults, FlushOrder};
use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, Duration as Minutes, Utc};
use payhub::app::AppState;
use payhub::notify::deliver_due;
use payhub::pending_sync::sync_pass;
use payhub::workers::Outcome;
use serde_json::{json, Value};

use crate::callbacks::wait_for;
use crate::helpers::{order_body, Backend, TestApp, TestDb, AGENCY};
use crate::on_both_backends;
use crate::reconciliation::{app_with_banks, discrepancies, pay_order, today, wait_count};
use crate::report_pages::{html, signed_in};

on_both_backends!(
    a_day_played_through_the_banks_is_reported_figure_by_figure,
    the_cli_prints_a_days_report_and_writes_its_workbook
);

/// A ministry's agency: group G05, beside AGENCY's H29.
pub const MINISTRY: &str = "000.00.00.G05";

pub(crate) fn state(app: &TestApp) -> AppState {
    AppState::new(app.store.clone(), app.config.clone(), app.clock.clone())
}

/// An order of `agency` for `dossier` (650 000 đ), paid or not at `bank` as `action` says.
pub(crate) async fn play(
    app: &TestApp,
    agency: &str,
    dossier: &str,
    bank: &str,
    action: &str,
) -> String {
    let mut body = order_body(dossier);
    body["agency_code"] = json!(agency);
    pay_order(app, dossier, &body, bank, action).await.0
}

pub(crate) async fn paid(app: &TestApp, id: &str) -> Value {
    let order = wait_for(app, id, |o| o["status"] == "paid").await;
    assert_eq!(order["status"], "paid", "{order}");
    order
}

pub(crate) async fn report(app: &TestApp, query: &str) -> Value {
    let path = format!("/api/v1/ops-reports/{}{query}", today(app));
    let r = app.get(&path, &app.finance_key).await;
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

fn group<'a>(report: &'a Value, code: &str) -> &'a Value {
    let groups = report["groups"].as_array().unwrap();
    groups
        .iter()
        .find(|g| g["group"] == code)
        .unwrap_or_else(|| panic!("{code}: {report}"))
}

fn bank<'a>(group: &'a Value, bank: &str) -> &'a Value {
    let banks = group["banks"].as_array().unwrap();
    banks
        .iter()
        .find(|b| b["bank"] == bank)
        .unwrap_or_else(|| panic!("{bank}: {group}"))
}

/// Seconds from each order's creation to its payment, as the orders API tells them.
fn seconds_to_pay(orders: &[Value]) -> Vec<i64> {
    let time = |v: &Value| DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    let mut s: Vec<i64> = orders
        .iter()
        .map(|o| (time(&o["payment"]["paid_at"]) - time(&o["created_at"])).num_seconds())
        .collect();
    s.sort_unstable();
    s
}

async fn a_day_played_through_the_banks_is_reported_figure_by_figure(backend: Backend) {
    let app = app_with_banks(backend).await;
    app.seed_agency(MINISTRY, "http://localhost:9/notify").await;
    let banks = app.banks.as_ref().unwrap();
    let started_day = app.clock.now();

    // H29: two VCB payments crediting a wrong account (two discrepancies), one at BIDV, a
    // VNPAY decline then a cancellation, a VNPAY callback held past 5 minutes (late), a VCB
    // callback lost (found by pending sync: never came).
    banks
        .vcb
        .fault_next(Faults::default().wrong_account("0099999999999"));
    let a = play(&app, AGENCY, "000.00.12.H29-1", "vcb", "approve").await;
    banks
        .vcb
        .fault_next(Faults::default().wrong_account("0099999999999"));
    let a2 = play(&app, AGENCY, "000.00.12.H29-2", "vcb", "approve").await;
    let b = play(&app, AGENCY, "000.00.12.H29-3", "bidv", "approve").await;
    let c = play(&app, AGENCY, "000.00.12.H29-4", "vnpay", "decline").await;
    wait_count(
        &app,
        "select count(*) from payment_attempts where status = 'failed'",
        1,
    )
    .await;
    let cancel = app
        .post_json(
            &format!("/api/v1/orders/{c}/cancel"),
            &app.portal_key,
            &json!({}),
        )
        .await;
    assert_eq!(cancel.status(), 200);
    banks.vnpay.fault_next(Faults::default().hold());
    let d = play(&app, AGENCY, "000.00.12.H29-5", "vnpay", "approve").await;
    app.move_clocks_by(Minutes::minutes(6));
    assert_eq!(banks.vnpay.flush(FlushOrder::Fifo).await, 1);
    banks.vcb.fault_next(Faults::default().drop_callback());
    let e = play(&app, AGENCY, "000.00.12.H29-6", "vcb", "approve").await;
    app.move_clocks_by(Minutes::minutes(6));
    sync_pass(&state(&app)).await.unwrap();
    let mut h29_paid = Vec::new();
    for id in [&a, &a2, &b, &d, &e] {
        h29_paid.push(paid(&app, id).await);
    }

    // G05: a VNPAY payment refunded in part, and an order left to expire.
    let f = play(&app, MINISTRY, "000.00.00.G05-1", "vnpay", "approve").await;
    let g05_paid = vec![paid(&app, &f).await];
    let refund = app
        .client
        .post(app.url(&format!("/api/v1/orders/{f}/refunds")))
        .bearer_auth(&app.finance_key)
        .header("idempotency-key", "r1")
        .json(&json!({"amount": "150000", "reason": "Miễn lệ phí"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refund.status(), 201);
    let mut expiring = order_body("000.00.00.G05-2");
    expiring["agency_code"] = json!(MINISTRY);
    assert_eq!(app.create_order("g2", &expiring).await.status(), 201);
    app.move_clocks_by(Minutes::minutes(31));
    assert_eq!(
        app.store
            .expire_due_orders(app.clock.now(), 100)
            .await
            .unwrap(),
        1
    );

    // Every notification fails (nothing listens at the agencies' notify_url); VCB's day is
    // reconciled and one of its two discrepancies resolved.
    while deliver_due(&state(&app)).await.unwrap() == Outcome::Done {}
    banks.vcb.close_day(today(&app));
    let body = json!({"bank": "vcb", "date": today(&app).to_string()});
    let run: Value = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await
        .json()
        .await
        .unwrap();
    let found = discrepancies(&app, &run["id"], "").await;
    assert_eq!(found.len(), 2, "{found:?}");
    let resolve = format!("/api/v1/discrepancies/{}/resolve", found[0]["id"]);
    let r = app
        .post_json(
            &resolve,
            &app.finance_key,
            &json!({"note": "đã báo ngân hàng"}),
        )
        .await;
    assert_eq!(r.status(), 200);

    let report = report(&app, "").await;
    let h29 = group(&report, "H29");
    assert_eq!(h29["agencies"], json!([AGENCY]));
    assert_eq!(
        h29["orders"],
        json!({"created": 6, "paid": 5, "paid_amount": "3250000", "failed": 1, "cancelled": 1, "expired": 0})
    );
    assert_eq!(bank(h29, "vcb")["paid"], 3);
    assert_eq!(bank(h29, "vcb")["amount"], "1950000");
    assert_eq!(bank(h29, "bidv")["amount"], "650000");
    let vnpay = bank(h29, "vnpay");
    assert_eq!(
        (&vnpay["started"], &vnpay["succeeded"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(vnpay["success_rate_percent"], 50.0);
    assert_eq!(bank(h29, "vcb")["success_rate_percent"], 100.0);
    let times = seconds_to_pay(&h29_paid);
    assert_eq!(h29["time_to_pay"]["median_seconds"], times[2], "{times:?}");
    assert_eq!(h29["time_to_pay"]["p95_seconds"], times[4], "{times:?}");
    assert_eq!(h29["callbacks"], json!({"late": 1, "never": 1}));
    assert_eq!(h29["discrepancies"]["opened"], 2);
    assert_eq!(h29["discrepancies"]["resolved"], 1);
    assert_eq!(h29["discrepancies"]["open"], 1);
    let age = h29["discrepancies"]["oldest_open_age_seconds"]
        .as_i64()
        .unwrap();
    assert!((0..60).contains(&age), "found by the run just made: {age}");
    assert_eq!(h29["refunds"]["requested"], 0);
    // Five payments and a cancellation, each told to the dossier system, each failing.
    assert_eq!(
        h29["notifications_failed"],
        json!({"dead": 0, "retrying": 6})
    );

    let g05 = group(&report, "G05");
    assert_eq!(
        g05["orders"],
        json!({"created": 2, "paid": 1, "paid_amount": "650000", "failed": 0, "cancelled": 0, "expired": 1})
    );
    assert_eq!(bank(g05, "vnpay")["success_rate_percent"], 100.0);
    let one = seconds_to_pay(&g05_paid)[0];
    assert_eq!(
        g05["time_to_pay"],
        json!({"median_seconds": one, "p95_seconds": one})
    );
    assert_eq!(g05["callbacks"], json!({"late": 0, "never": 0}));
    assert_eq!(
        g05["refunds"],
        json!({"requested": 1, "amount": "150000", "succeeded": 1, "pending": 0, "failed": 0})
    );
    assert_eq!(g05["discrepancies"]["opened"], 0);
    assert_eq!(
        g05["notifications_failed"]["retrying"], 3,
        "paid, refunded, expired"
    );

    let national = &report["national"];
    assert_eq!(national["orders"]["created"], 8);
    assert_eq!(national["orders"]["paid_amount"], "3900000");
    assert_eq!(bank(national, "vnpay")["paid"], 2);
    assert_eq!(
        national["incidents"],
        json!([]),
        "a fault here and there is no incident"
    );
    assert_eq!(report["complete"], false, "today is not over");
    let as_of = DateTime::parse_from_rfc3339(report["as_of"].as_str().unwrap()).unwrap();
    assert!(as_of.with_timezone(&Utc) > started_day);

    // One group only; the national summary stays the country's.
    let only = self::report(&app, "?group=G05").await;
    assert_eq!(only["groups"].as_array().unwrap().len(), 1);
    assert_eq!(only["national"]["orders"]["created"], 8);

    the_workbook_has_a_sheet_per_group_and_the_national_summary(&app).await;
    the_page_shows_each_group(&app).await;
}

async fn the_workbook_has_a_sheet_per_group_and_the_national_summary(app: &TestApp) {
    let path = format!("/api/v1/ops-reports/{}.xlsx", today(app));
    let r = app.get(&path, &app.finance_key).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(book.sheet_names(), ["Toàn quốc", "G05", "H29"]);
    let figure = |sheet: &calamine::Range<Data>, label: &str| {
        sheet
            .rows()
            .find(|row| row.first() == Some(&Data::String(label.into())))
            .and_then(|row| row.get(1).cloned())
            .unwrap_or_else(|| panic!("{label}"))
    };
    let h29 = book.worksheet_range("H29").unwrap();
    assert_eq!(figure(&h29, "Đơn đã thanh toán"), Data::Float(5.0));
    assert_eq!(
        figure(&h29, "Số tiền đã thanh toán"),
        Data::Float(3_250_000.0)
    );
    assert_eq!(
        figure(&h29, "Báo có đến muộn (quá 5 phút)"),
        Data::Float(1.0)
    );
    assert_eq!(
        figure(&h29, "VNPAY: tỷ lệ thành công"),
        Data::String("50.0%".into())
    );
    let national = book.worksheet_range("Toàn quốc").unwrap();
    assert_eq!(
        figure(&national, "Hồ sơ tạo đơn thanh toán"),
        Data::Float(8.0)
    );
    assert_eq!(figure(&national, "Số tiền hoàn"), Data::Float(150_000.0));
}

async fn the_page_shows_each_group(app: &TestApp) {
    let cookie = signed_in(app, &app.finance_key).await;
    let page = html(app, &cookie, &format!("/reports/daily?date={}", today(app))).await;
    for id in [
        "group-ALL",
        "group-G05",
        "group-H29",
        "download-report-xlsx",
    ] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let h29 = &page[page.find("id=\"group-H29\"").unwrap()..];
    let paid = &h29[h29.find("data-label=\"Đơn đã thanh toán\"").unwrap()..];
    assert!(paid[..200].contains(">5<"), "{}", &paid[..200]);
    let bad = app
        .client
        .get(app.url("/reports/daily?date=2099-01-01"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bad.status(),
        422,
        "a day that has not begun is refused, not a 500"
    );
}

/// The command line runs on the real clock (the tests' clocks are moved): a day before today
/// has begun, and one far ahead has not.
async fn the_cli_prints_a_days_report_and_writes_its_workbook(backend: Backend) {
    let db = TestDb::create(&backend).await;
    let dir = std::env::temp_dir().join(format!("payhub-report-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("report.xlsx");
    let yesterday =
        (Utc::now().with_timezone(&payhub::clock::vietnam()) - Minutes::days(1)).date_naive();
    let payhub = |date: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_payhub"))
            .env("PAYHUB_DATABASE__URL", &db.url)
            .env_remove("PAYHUB_CONFIG")
            .args(["report", "daily", "--date", date, "--group", "H29", "--out"])
            .arg(&out_file)
            .output()
            .unwrap()
    };
    let done = payhub(&yesterday.to_string());
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let printed = String::from_utf8(done.stdout).unwrap();
    let title = format!("Báo cáo vận hành ngày {}", yesterday.format("%d/%m/%Y"));
    assert!(printed.starts_with(&title), "{printed}");
    assert!(printed.contains("== Toàn quốc ==") && printed.contains("Hồ sơ tạo đơn thanh toán: 0"));
    let book: Xlsx<_> = calamine::open_workbook(&out_file).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Toàn quốc"],
        "no agency of H29, no H29 sheet"
    );

    let refused = payhub("2999-01-01");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("has not begun"));
    let _ = std::fs::remove_dir_all(dir);
}
