//! Money that ties out (issue 14): on a VCB day with every class of statements.md present, what
//! the bank credited minus what PayHub recorded as paid is exactly the money of the
//! discrepancies, per run, per agency and per account; declined and cancelled attempts are
//! counted apart and add to no sum.

use bank_adapters::simulator::Faults;
use chrono::{Duration, Utc};
use payhub::clock::vietnam;
use payhub_money::Vnd;
use serde_json::{json, Value};

use crate::helpers::{test_account, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::reconciliation::{app_with_banks, discrepancies, pay, tally, today, wait_count};
use crate::report_pages::{html, signed_in};

on_both_backends!(a_day_with_every_class_ties_out_to_the_bank);

/// Moves both clocks to `secs` before the midnight that ends today in Vietnam.
fn to_before_midnight(app: &TestApp, secs: i64) {
    let midnight = (today(app) + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(vietnam())
        .unwrap()
        .with_timezone(&Utc);
    app.move_clocks_by(midnight - Duration::seconds(secs) - app.clock.now());
}

/// A run's `{bank_credited, payhub_recorded, difference}` as numbers.
fn money(totals: &Value) -> (i64, i64, i64) {
    let n = |k: &str| totals[k].as_str().unwrap().parse::<i64>().unwrap();
    (n("bank_credited"), n("payhub_recorded"), n("difference"))
}

/// Every class once (and a decline and a cancellation) at VCB on one day, each order 650.000 ₫.
async fn play_every_class(app: &TestApp) {
    let vcb = &app.banks.as_ref().unwrap().vcb;
    let wrong_account = "0099999999999";
    let plays: Vec<(Option<Faults>, &str)> = vec![
        (None, "approve"),
        (None, "decline"),
        (None, "cancel"),
        (Some(Faults::default().paid_twice()), "approve"),
        (Some(Faults::default().reversed()), "approve"),
        (Some(Faults::default().left_off_statement()), "approve"),
        (
            Some(Faults::default().wrong_amount(Vnd::from_dong(600_000).unwrap())),
            "approve",
        ),
        (
            Some(Faults::default().wrong_account(wrong_account)),
            "approve",
        ),
        (Some(Faults::default().drop_callback()), "approve"),
    ];
    for (i, (fault, action)) in plays.into_iter().enumerate() {
        if let Some(fault) = fault {
            vcb.fault_next(fault);
        }
        pay(app, &format!("000.00.12.H29-{i}"), "vcb", action).await;
    }
    // A payment 40 s before midnight that the bank books on the next day.
    to_before_midnight(app, 40);
    vcb.fault_next(Faults::default().posted_next_day());
    pay(app, "000.00.12.H29-late", "vcb", "approve").await;
    // matched 1, paid twice 2, reversed 1, left off 1, wrong amount 1, wrong account 1, late 1.
    wait_count(app, "select count(*) from payments", 8).await;
}

async fn a_day_with_every_class_ties_out_to_the_bank(backend: Backend) {
    let app = app_with_banks(backend).await;
    play_every_class(&app).await;
    let day = today(&app);
    app.move_clocks_by(Duration::minutes(2));
    let vcb = &app.banks.as_ref().unwrap().vcb;
    vcb.close_day(day);

    let body = json!({"bank": "vcb", "date": day.to_string()});
    let response = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let summary: Value = response.json().await.unwrap();
    // Every class a gateway payment can end in (statements.md's table; a VietQR transfer's
    // `unidentified_credit` needs an account credit, which this day has none of).
    for class in [
        "matched",
        "missing_in_payhub",
        "missing_at_bank",
        "amount_mismatch",
        "status_mismatch",
        "duplicate_payment",
        "wrong_beneficiary",
        "cutoff_shift",
    ] {
        assert!(tally(&summary, class).0 > 0, "{class} present: {summary}");
    }
    // The decline and the cancellation moved nothing: counted apart, in no class or sum.
    assert_eq!(summary["no_money_moved"]["count"], 2, "{summary}");
    // Money matched: the plain payment, the first of the two debits, and the reversed payment's
    // own line (its reversal is the status mismatch).
    assert_eq!(
        tally(&summary, "matched"),
        (3, "1950000".into()),
        "{summary}"
    );

    let (bank, payhub, difference) = money(&summary["totals"]);
    // The statement: matched 650, both debits 1300, the reversed payment 650 and its reversal
    // -650, the wrong amount 600, the wrong account 650, the lost callback 650; the payment left
    // off and the late one are not on it.
    assert_eq!(summary["statement_lines"], 8, "{summary}");
    assert_eq!(bank, 3_850_000);
    // matched 650, both debits 1300, reversed 650, left off 650, asked 650 of the wrong amount,
    // wrong account 650, late 650; the lost callback was not recorded yet.
    assert_eq!(payhub, 5_200_000);
    assert_eq!(difference, bank - payhub);
    let found = discrepancies(&app, &summary["id"], "").await;
    let of_discrepancies: i64 = found
        .iter()
        .map(|d| {
            d["money"]["difference"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        difference, of_discrepancies,
        "the difference is the discrepancies' money"
    );
    let by_class = |class: &str| -> i64 {
        found
            .iter()
            .filter(|d| d["class"] == class)
            .map(|d| {
                d["money"]["difference"]
                    .as_str()
                    .unwrap()
                    .parse::<i64>()
                    .unwrap()
            })
            .sum()
    };
    assert_eq!(by_class("missing_in_payhub"), 650_000);
    assert_eq!(by_class("missing_at_bank"), -650_000);
    assert_eq!(by_class("amount_mismatch"), -50_000);
    assert_eq!(by_class("cutoff_shift"), -650_000);
    assert_eq!(by_class("status_mismatch"), -650_000, "the reversal");
    assert_eq!(
        by_class("wrong_beneficiary"),
        0,
        "credited, to the wrong account"
    );

    // Per agency and account: the same totals, with the agency's name.
    let agencies = summary["agencies"].as_array().unwrap();
    assert_eq!(agencies.len(), 1, "{summary}");
    assert_eq!(agencies[0]["agency_code"], AGENCY);
    assert!(agencies[0]["agency_name"].is_string());
    assert_eq!(agencies[0]["totals"], summary["totals"]);
    let accounts = agencies[0]["accounts"].as_array().unwrap();
    let sum = |i: usize| -> i64 {
        accounts
            .iter()
            .map(|a| [money(&a["totals"]).0, money(&a["totals"]).1][i])
            .sum()
    };
    assert_eq!((sum(0), sum(1)), (bank, payhub));
    let wrong = accounts
        .iter()
        .find(|a| a["account"] == "0099999999999")
        .unwrap();
    assert_eq!(money(&wrong["totals"]), (650_000, 650_000, 0));
    assert!(accounts.iter().any(|a| a["account"] == test_account("vcb")));

    let shown: Value = app
        .get(
            &format!("/api/v1/reconciliations/{}", summary["id"]),
            &app.finance_key,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["totals"], summary["totals"], "stored as reported");

    // The CSV for Excel: a byte-order mark, Vietnamese headers, every line of the run.
    let csv = app
        .get(
            &format!("/api/v1/reconciliations/{}/report.csv", summary["id"]),
            &app.finance_key,
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{feff}Mã loại,Loại,Đơn vị,".as_bytes()));
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    let matched = csv
        .lines()
        .filter(|l| l.starts_with("matched,Khớp,"))
        .count();
    assert_eq!(
        matched, 5,
        "3 that moved money, the decline and the cancellation: {csv}"
    );
    assert_eq!(csv.lines().count(), 1 + matched + found.len(), "{csv}");

    // The run's page shows the money first, before the per-class tables.
    let cookie = signed_in(&app, &app.finance_key).await;
    let page = html(&app, &cookie, &format!("/reports/runs/{}", summary["id"])).await;
    let money_at = page.find("id=\"money-totals\"").expect("the money table");
    assert!(money_at < page.find("id=\"summary-by-class\"").unwrap());
    assert!(page.contains("id=\"bank-credited\">3.850.000"), "{page}");
    assert!(page.contains("id=\"payhub-recorded\">5.200.000"));
    assert!(page.contains("id=\"money-difference\" data-ties=\"false\">-1.350.000"));
    assert!(page.contains("id=\"no-money-moved\">2<"));
    let order_links = page.matches("class=\"order-link\"").count();
    assert_eq!(
        order_links,
        found.len(),
        "every discrepancy links to its order"
    );
    let runs = html(&app, &cookie, "/reports").await;
    let difference = format!("id=\"run-difference-{}\">-1.350.000", summary["id"]);
    assert!(
        runs.contains(&difference),
        "the runs list shows each run's difference: {runs}"
    );

    // The settlement of the day: per agency (named) and account, the same money, drawn per day.
    let path = format!("/api/v1/settlement?from={day}&to={day}");
    let settlement: Value = app.get(&path, &app.finance_key).await.json().await.unwrap();
    assert_eq!(settlement["totals"], summary["totals"], "{settlement}");
    let agency = &settlement["agencies"][0];
    assert_eq!(agency["agency_name"], agencies[0]["agency_name"]);
    assert_eq!(agency["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(agency["accounts"][0]["days"][0]["bank"], "vcb");
    let page = html(
        &app,
        &cookie,
        &format!("/reports/settlement?from={day}&to={day}"),
    )
    .await;
    let bar = format!("<rect class=\"bar\" data-date=\"{day}\" data-amount=\"3850000\"");
    assert!(page.contains(&bar), "{page}");
    assert!(page.contains("Sở Xây dựng Hà Nội") && !page.contains("<script"));
    let xlsx = app
        .client
        .get(app.url(&format!("/reports/settlement.xlsx?from={day}&to={day}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("Quyết toán").unwrap();
    let total = sheet.rows().find(|r| r[0] == "Tổng cộng").unwrap();
    assert_eq!(total[6].to_string(), "3850000");
    let backwards = format!("/api/v1/settlement?from={day}&to=2026-01-01");
    let refused = app.get(&backwards, &app.finance_key).await;
    assert_eq!(refused.status(), 422, "a period that ends before it starts");
}
