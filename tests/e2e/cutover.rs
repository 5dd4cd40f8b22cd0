//! The cutover night (cutover.md): the previous platform's export imported, its in-flight
//! payments finished in PayHub, its day reconciled as one with PayHub's, and the way back.
//! The export files here are written by hand from cutover.md §1, the old platform's bank
//! payments made at the simulators with the banks' own protocols.

use std::path::{Path, PathBuf};

use bank_adapters::simulator::Faults;
use bank_adapters::BankCode;
use chrono::{DateTime, Duration, Utc};
use payhub::app::AppState;
use payhub::cutover::import::{import_file, refused_path, ImportSummary, BATCH_ROWS};
use payhub::legacy::checksum::legacy_time;
use payhub::pending_sync::sync_pass;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::callbacks::{press, wait_for};
use crate::helpers::{test_account, Backend, TestApp, AGENCY};
use crate::legacy::{app_with, deliver_all, lookup, send, send_json, Partner, PARTNER};
use crate::on_both_backends;
use crate::orders::count;
use crate::reconciliation::today;

on_both_backends!(
    every_row_state_is_taken_over_and_a_second_import_changes_nothing,
    rows_that_contradict_payhub_or_are_malformed_are_refused_with_their_reason,
    query_and_get_bill_answer_for_an_imported_paid_payment,
    in_flight_payments_finish_in_payhub_once_and_the_day_reconciles_as_one,
    the_export_of_an_import_gives_back_its_rows_and_a_checksum_line,
    a_row_repeated_in_a_batch_imported_at_the_same_time_is_taken_once,
);

const HEADER: &str = "MaDoiTac,MaThamChieu,MaHoSo,MaDonVi,MaTTHC,SoTien,Phi,LePhi,KhoanKhac,\
    TrangThai,MaNganHang,MaThamChieuNH,MaGiaoDich,ThoiGianTao,ThoiGianThanhToan,TKThuHuong,\
    MaNHThuHuong,HoTenNguoiNop";

/// One export row of the test agency; `at` is PayHub's clock minus some minutes, so that the
/// beneficiary settings seeded an hour before "now" were in force.
struct Row {
    reference: &'static str,
    state: &'static str,
    bank: &'static str,
    bank_ref: &'static str,
    txn: String,
    paid_minutes_ago: Option<i64>,
}

impl Row {
    fn new(reference: &'static str, state: &'static str, bank: &'static str) -> Row {
        Row {
            reference,
            state,
            bank,
            bank_ref: "",
            txn: String::new(),
            paid_minutes_ago: None,
        }
    }

    fn at_bank(mut self, bank_ref: &'static str) -> Row {
        self.bank_ref = bank_ref;
        self
    }

    fn paid(mut self, txn: &str, minutes_ago: i64) -> Row {
        self.txn = txn.to_owned();
        self.paid_minutes_ago = Some(minutes_ago);
        self
    }

    fn line(&self, app: &TestApp) -> String {
        let now = app.clock.now();
        let account = match self.bank {
            "VCB" => (test_account("vcb"), "970436"),
            "BIDV" => (test_account("bidv"), "970418"),
            _ => (test_account("vnpay"), "970436"),
        };
        let paid = self
            .paid_minutes_ago
            .map(|m| legacy_time(now - Duration::minutes(m)))
            .unwrap_or_default();
        format!(
            "{PARTNER},{},{}-HS,{AGENCY},1.001234,650000,500000,150000,,{},{},{},{},{},{},{},{},\"Nguyễn Văn An, Hà Nội\"",
            self.reference,
            self.reference,
            self.state,
            self.bank,
            self.bank_ref,
            self.txn,
            legacy_time(now - Duration::minutes(40)),
            paid,
            account.0,
            account.1,
        )
    }
}

fn write_export(app: &TestApp, dir: &Path, name: &str, rows: &[Row], extra: &[&str]) -> PathBuf {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        text.push_str(&row.line(app));
        text.push('\n');
    }
    for line in extra {
        text.push_str(line);
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

async fn import(app: &TestApp, file: &Path, dry_run: bool) -> ImportSummary {
    import_file(
        &app.store,
        &app.config,
        file,
        dry_run,
        "test",
        app.clock.now(),
        false,
    )
    .await
    .unwrap()
}

/// The order the partner knows by `reference`, as the order API shows it.
async fn order_of(app: &TestApp, reference: &str) -> Value {
    let sql = format!(
        "select order_id from legacy_orders where partner_code = '{PARTNER}' and reference = '{reference}'"
    );
    let id = crate::reconciliation::scalar(app, &sql).await;
    app.get(&format!("/api/v1/orders/{id}"), &app.finance_key)
        .await
        .json()
        .await
        .unwrap()
}

fn every_state(app: &TestApp) -> Vec<Row> {
    let _ = app;
    vec![
        Row::new("TC-A", "khoi-tao", "VCB").at_bank("OLDA1"),
        Row::new("TC-B", "thanh-cong", "VCB")
            .at_bank("OLDB1")
            .paid("FT26B0001", 30),
        Row::new("TC-C", "that-bai", "BIDV").at_bank("OLDC1"),
        Row::new("TC-D", "hoan-tien", "VNPAY")
            .at_bank("OLDD1")
            .paid("14000001", 35),
        Row::new("TC-E", "khoi-tao", ""),
    ]
}

async fn every_row_state_is_taken_over_and_a_second_import_changes_nothing(backend: Backend) {
    let partner = Partner::start(&[]).await;
    let app = app_with(backend, &partner).await;
    let dir = tempdir();
    let file = write_export(&app, &dir, "export.csv", &every_state(&app), &[]);

    let dry = import(&app, &file, true).await;
    assert_eq!(
        dry.to_string(),
        "imported 5: in-flight 2, paid 1, failed 1, refunded 1; unchanged 0; refused 0"
    );
    assert_eq!(
        count(&app, "select count(*) from orders").await,
        0,
        "a dry run writes nothing"
    );

    let first = import(&app, &file, false).await;
    assert_eq!(first, dry, "the dry run said what the import did");
    let statuses = [
        ("TC-A", "pending"),
        ("TC-B", "paid"),
        ("TC-C", "expired"),
        ("TC-D", "refunded"),
        ("TC-E", "pending"),
    ];
    for (reference, status) in statuses {
        assert_eq!(
            order_of(&app, reference).await["status"],
            status,
            "{reference}"
        );
    }
    let paid = order_of(&app, "TC-B").await;
    assert_eq!(paid["amount"], "650000");
    assert_eq!(paid["payment"]["bank_txn_id"], "FT26B0001");
    assert_eq!(paid["payer"]["name"], "Nguyễn Văn An, Hà Nội");
    let open = "select count(*) from payment_attempts
        where status = 'redirected' and reference = 'OLDA1' and next_query_at is not null";
    assert_eq!(
        count(&app, open).await,
        1,
        "the pending sync will ask VCB about OLDA1"
    );
    let audit = "select count(*) from order_events where event = 'imported'";
    assert_eq!(
        count(&app, audit).await,
        5,
        "each takeover is in the order's history"
    );

    let again = import(&app, &file, false).await;
    assert_eq!(
        again.to_string(),
        "imported 0: in-flight 0, paid 0, failed 0, refunded 0; unchanged 5; refused 0"
    );
    assert_eq!(count(&app, "select count(*) from orders").await, 5);
    assert_eq!(count(&app, "select count(*) from payments").await, 2);
    assert!(
        partner.confirms().is_empty(),
        "history is never re-notified"
    );
    deliver_all(&app).await;
    assert!(
        partner.confirms().is_empty(),
        "history is never re-notified"
    );
    app.stop().await.unwrap();
}

async fn rows_that_contradict_payhub_or_are_malformed_are_refused_with_their_reason(
    backend: Backend,
) {
    let partner = Partner::start(&[]).await;
    let app = app_with(backend, &partner).await;
    let dir = tempdir();
    let file = write_export(&app, &dir, "day.csv", &every_state(&app), &[]);
    import(&app, &file, false).await;

    let now = legacy_time(app.clock.now() - Duration::minutes(40));
    let bad = [
        // Another amount for a payment PayHub holds.
        format!("{PARTNER},TC-B,TC-B-HS,{AGENCY},1.001234,700000,550000,150000,,thanh-cong,VCB,OLDB1,FT26B0001,{now},{now},0011001234567,970436,An"),
        // Paid, where PayHub holds the order as failed.
        format!("{PARTNER},TC-C,TC-C-HS,{AGENCY},1.001234,650000,500000,150000,,thanh-cong,BIDV,OLDC1,BIDV77,{now},{now},12010000123456,970418,An"),
        format!("{PARTNER},TC-F,TC-F-HS,{AGENCY},1.001234,65O000,500000,150000,,khoi-tao,,,,{now},,,,An"),
        format!("{PARTNER},TC-G,TC-G-HS,000.00.99.H99,1.001234,650000,500000,150000,,khoi-tao,,,,{now},,,,An"),
        format!("{PARTNER},TC-H,TC-H-HS,{AGENCY},1.001234,650000,500000,100000,,khoi-tao,,,,{now},,,,An"),
        format!("NOBODY,TC-I,TC-I-HS,{AGENCY},1.001234,650000,500000,150000,,khoi-tao,,,,{now},,,,An"),
        // A bank reference another payment already has.
        format!("{PARTNER},TC-J,TC-J-HS,{AGENCY},1.001234,650000,500000,150000,,khoi-tao,VCB,OLDA1,,{now},,,,An"),
    ];
    let good = Row::new("TC-K", "khoi-tao", "");
    let extra: Vec<&str> = bad.iter().map(String::as_str).collect();
    let file = write_export(&app, &dir, "late.csv", &[good], &extra);
    let summary = import(&app, &file, false).await;
    assert_eq!(
        summary.to_string(),
        "imported 1: in-flight 1, paid 0, failed 0, refunded 0; unchanged 0; refused 7"
    );
    let refused = read_csv(&refused_path(&file));
    assert_eq!(refused[0].last().unwrap(), "LyDo");
    let reasons: Vec<(&str, &str)> = refused[1..]
        .iter()
        .map(|r| (r[1].as_str(), r.last().unwrap().as_str()))
        .collect();
    let expected = [
        ("TC-B", "SoTien 700000 but PayHub holds 650000"),
        ("TC-C", "PayHub holds it as expired"),
        ("TC-F", "SoTien \"65O000\" is not a whole number"),
        ("TC-G", "MaDonVi 000.00.99.H99 is not"),
        (
            "TC-H",
            "Phi + LePhi + KhoanKhac = 600000, not SoTien 650000",
        ),
        ("TC-I", "MaDoiTac NOBODY is not a partner"),
        ("TC-J", "MaThamChieuNH OLDA1 is another payment's"),
    ];
    for ((reference, reason), (want_ref, want)) in reasons.iter().zip(expected) {
        assert_eq!(*reference, want_ref);
        assert!(
            reason.starts_with(want),
            "{reference}: {reason:?}, want {want:?}"
        );
    }
    assert_eq!(refused[1][18], "3", "the line of the file it came from");
    assert_eq!(
        order_of(&app, "TC-B").await["amount"],
        "650000",
        "nothing changed"
    );
    assert_eq!(
        order_of(&app, "TC-C").await["status"],
        "expired",
        "nothing changed"
    );
    assert_eq!(count(&app, "select count(*) from orders").await, 6);

    // Bytes that are not UTF-8 (PostgreSQL refuses them in text) refuse their row alone.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(
        b"STP_HANOI,TC-M,\xff\xfe,000.00.12.H29,1.001234,650000,650000,,,khoi-tao,,,,",
    );
    bytes.extend_from_slice(format!("{now},,,,An\n").as_bytes());
    let good = Row::new("TC-N", "khoi-tao", "").line(&app);
    bytes.extend_from_slice(format!("{good}\n").as_bytes());
    std::fs::write(&file, bytes).unwrap();
    let summary = import(&app, &file, false).await;
    assert_eq!(
        (summary.in_flight, summary.unchanged, summary.refused),
        (1, 1, 8),
        "{summary}"
    );
    let refused = read_csv(&refused_path(&file));
    assert!(
        refused[8].last().unwrap().contains("UTF-8"),
        "{:?}",
        refused[8]
    );

    // A file that is not the export at all: every row refused, saying why, nothing written.
    let wrong = dir.join("wrong.csv");
    std::fs::write(&wrong, "MaDoiTac,SoTien\nSTP_HANOI,1000\nSTP_HANOI,2000\n").unwrap();
    let summary = import(&app, &wrong, false).await;
    assert_eq!((summary.imported(), summary.refused), (0, 2));
    let refused = read_csv(&refused_path(&wrong));
    assert_eq!(
        refused[1].last().unwrap(),
        "the file has no column MaThamChieu"
    );
    app.stop().await.unwrap();
}

/// Batches are imported two at a time: a row the file repeats in the next batch meets its first
/// copy before or after that commits, and is `unchanged` (or refused for what it contradicts)
/// either way, never imported twice nor refused for the wrong reason.
async fn a_row_repeated_in_a_batch_imported_at_the_same_time_is_taken_once(backend: Backend) {
    let partner = Partner::start(&[]).await;
    let app = app_with(backend, &partner).await;
    let template = Row::new("TPL", "thanh-cong", "VCB")
        .at_bank("BTPL")
        .paid("TTPL", 30)
        .line(&app);
    let row = |i: usize| template.replace("TPL", &format!("R{i:04}"));
    let mut lines: Vec<String> = (0..2 * BATCH_ROWS).map(row).collect();
    // The second batch repeats the first batch's R0005 and contradicts its R0006.
    lines.insert(BATCH_ROWS, row(5));
    let other_amount = row(6).replace(",650000,500000,150000,", ",700000,550000,150000,");
    lines.insert(BATCH_ROWS + 1, other_amount);
    let extra: Vec<&str> = lines.iter().map(String::as_str).collect();
    let dir = tempdir();
    let file = write_export(&app, &dir, "twice.csv", &[], &extra);

    let summary = import(&app, &file, false).await;
    assert_eq!(
        summary.to_string(),
        format!(
            "imported {0}: in-flight 0, paid {0}, failed 0, refunded 0; unchanged 1; refused 1",
            2 * BATCH_ROWS
        )
    );
    let refused = read_csv(&refused_path(&file));
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert_eq!(refused[1][1], "R0006");
    assert!(
        refused[1]
            .last()
            .unwrap()
            .starts_with("SoTien 700000 but PayHub holds 650000"),
        "{:?}",
        refused[1]
    );
    let rows = 2 * BATCH_ROWS as i64;
    assert_eq!(count(&app, "select count(*) from orders").await, rows);
    assert_eq!(count(&app, "select count(*) from payments").await, rows);
    app.stop().await.unwrap();
}

async fn query_and_get_bill_answer_for_an_imported_paid_payment(backend: Backend) {
    let partner = Partner::start(&[]).await;
    let app = app_with(backend, &partner).await;
    let dir = tempdir();
    let file = write_export(&app, &dir, "export.csv", &every_state(&app), &[]);
    import(&app, &file, false).await;

    let reply = send_json(&app, &lookup("QUERY", "TC-B")).await;
    assert_eq!(reply["MaLoi"], "00", "{reply}");
    assert_eq!(reply["TrangThaiGD"], "1");
    assert_eq!(reply["MaGiaoDich"], "FT26B0001");
    assert_eq!(reply["MaNganHang"], "VCB");
    assert_eq!(reply["SoTien"], "650000");
    let open = send_json(&app, &lookup("QUERY", "TC-A")).await;
    assert_eq!(open["TrangThaiGD"], "3", "in flight: not final yet");
    let failed = send_json(&app, &lookup("QUERY", "TC-C")).await;
    assert_eq!(failed["TrangThaiGD"], "4");

    let bill = send(&app, &lookup("GET_BILL", "TC-B")).await;
    assert_eq!(bill.headers()["content-type"], "application/pdf");
    assert!(bill.bytes().await.unwrap().starts_with(b"%PDF"));
    let unpaid = send_json(&app, &lookup("GET_BILL", "TC-A")).await;
    assert_eq!(unpaid["MaLoi"], "01");
    app.stop().await.unwrap();
}

/// The old platform's VNPAY page for `reference` (650.000 đ), as the demo's rehearsal makes it.
fn old_platform_vnpay_url(app: &TestApp, reference: &str, created: DateTime<Utc>) -> String {
    let amount = payhub_money::Vnd::from_dong(650_000).unwrap();
    payhub::demo::cutover::old_platform_vnpay_url(&app.config, reference, amount, created).unwrap()
}

async fn in_flight_payments_finish_in_payhub_once_and_the_day_reconciles_as_one(backend: Backend) {
    let partner = Partner::start(&[]).await;
    let app = app_with(backend, &partner).await;
    let banks = app.banks.as_ref().unwrap();
    let vnpay = banks.controls(BankCode::Vnpay);
    let created = app.clock.now() - Duration::minutes(40);
    // Before the banks are re-pointed, the old platform's callbacks are not PayHub's: dropped.
    vnpay.set_faults(Faults::default().drop_callback());
    press(
        &app,
        &old_platform_vnpay_url(&app, "OLDPAID1", created),
        "approve",
    )
    .await;
    let settled = vnpay.transactions_for("OLDPAID1");
    let txn = settled[0].bank_txn_id.clone().unwrap();
    // Two payments in flight at the export: one citizen pays after the night, the other paid
    // during it and VNPAY's callback was lost; the pending sync must find that one.
    let late = old_platform_vnpay_url(&app, "OLDLATE1", created);
    let lost = old_platform_vnpay_url(&app, "OLDLOST1", created);
    press(&app, &lost, "approve").await;
    vnpay.clear_faults();

    let rows = [
        Row::new("TC-P", "thanh-cong", "VNPAY")
            .at_bank("OLDPAID1")
            .paid(&txn, 0),
        Row::new("TC-L", "khoi-tao", "VNPAY").at_bank("OLDLATE1"),
        Row::new("TC-S", "khoi-tao", "VNPAY").at_bank("OLDLOST1"),
    ];
    let dir = tempdir();
    let file = write_export(&app, &dir, "export.csv", &rows, &[]);
    let summary = import(&app, &file, false).await;
    assert_eq!((summary.paid, summary.in_flight), (1, 2), "{summary}");

    // The citizen pays the old platform's page; VNPAY sends its IPN three times.
    vnpay.fault_reference("OLDLATE1", Faults::default().copies(3));
    press(&app, &late, "approve").await;
    let late_order = order_of(&app, "TC-L").await;
    let id = late_order["id"].as_str().unwrap();
    let paid = wait_for(&app, id, |o| o["status"] == "paid").await;
    assert_eq!(paid["status"], "paid");
    let sync = AppState::new(app.store.clone(), app.config.clone(), app.clock.clone());
    assert!(
        sync_pass(&sync).await.unwrap() >= 1,
        "the imported attempts are queried"
    );
    assert_eq!(
        order_of(&app, "TC-S").await["status"],
        "paid",
        "found by the pending sync"
    );
    deliver_all(&app).await;
    let mut confirmed: Vec<String> = partner
        .confirms()
        .iter()
        .map(|(m, genuine)| {
            assert!(genuine);
            m["MaThamChieu"].as_str().unwrap().to_owned()
        })
        .collect();
    confirmed.sort();
    assert_eq!(
        confirmed,
        ["TC-L", "TC-S"],
        "one CONFIRM each, none for history"
    );
    let payments = "select count(*) from payments p join payment_attempts a on a.id = p.attempt_id
        where a.reference = 'OLDLATE1'";
    assert_eq!(count(&app, payments).await, 1, "three IPNs, one payment");

    // PayHub's own payment of the same day, then the day's statement holds both platforms'.
    let (own, _) =
        crate::reconciliation::pay(&app, "000.00.12.H29-261207-0009", "vnpay", "approve").await;
    assert_eq!(
        wait_for(&app, &own, |o| o["status"] == "paid").await["status"],
        "paid"
    );
    let day = today(&app);
    banks.vnpay.close_day(day);
    let body = json!({"bank": "vnpay", "date": day.to_string()});
    let run = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await;
    assert_eq!(run.status(), 201, "{}", run.text().await.unwrap());
    let run: Value = run.json().await.unwrap();
    let classes: Vec<(String, i64)> = run["by_class"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["count"] != 0)
        .map(|c| {
            (
                c["class"].as_str().unwrap().to_owned(),
                c["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(classes, [("matched".to_owned(), 4)], "{run}");
    app.stop().await.unwrap();
}

async fn the_export_of_an_import_gives_back_its_rows_and_a_checksum_line(backend: Backend) {
    let partner = Partner::start(&[]).await;
    let app = app_with(backend, &partner).await;
    let dir = tempdir();
    let since = app.clock.now() - Duration::seconds(1);
    let file = write_export(&app, &dir, "export.csv", &every_state(&app), &[]);
    import(&app, &file, false).await;
    let own: Value = app
        .create_order(
            "own-1",
            &crate::helpers::order_body("000.00.12.H29-261207-0100"),
        )
        .await
        .json()
        .await
        .unwrap();

    let out = dir.join("back.csv");
    let summary = payhub::cutover::export::export_file(&app.store, since, &out)
        .await
        .unwrap();
    assert_eq!(summary.rows, 6);
    let bytes = std::fs::read(&out).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let last_start = text.trim_end().rfind('\n').unwrap() + 1;
    let expected = format!(
        "# rows=6 sha256={}",
        hex::encode(Sha256::digest(&bytes[..last_start]))
    );
    assert_eq!(text[last_start..].trim_end(), expected);

    let rows = read_csv(&out);
    assert_eq!(rows[0].join(","), HEADER);
    let mut back: Vec<String> = rows[1..7].iter().map(|r| r.join("|")).collect();
    let mut given: Vec<String> = read_csv(&file)[1..].iter().map(|r| r.join("|")).collect();
    let own_id = own["id"].as_str().unwrap();
    let own_row = back
        .iter()
        .position(|r| r.contains(own_id))
        .expect("PayHub's own order");
    assert!(back
        .remove(own_row)
        .starts_with(&format!("test-portal|{own_id}|")));
    back.sort();
    given.sort();
    assert_eq!(
        back, given,
        "the export of an import is the rows it was made from"
    );
    app.stop().await.unwrap();
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_path(path)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("payhub-cutover-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
