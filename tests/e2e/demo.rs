//! `payhub demo --once`: the real binary plays its day and prints the reconciliation summary;
//! each fault the scenario injected must show up in its class, at the bank it was played at.

use std::collections::BTreeMap;
use std::process::Command;

use bank_adapters::BankCode;
use payhub::config::{DatabaseConfig, DatabaseUrl};
use payhub::demo::scenario::{expected_totals, Action, Fault, Visit, DAY};
use payhub::demo::transfers::{self, TRANSFERS};
use payhub::store::Store;
use payhub_money::Vnd;
use reconciliation::Class;

use crate::helpers::{Backend, TestDb};
use crate::on_both_backends;

on_both_backends!(
    the_demo_plays_its_day_and_each_fault_lands_in_its_class,
    the_cutover_rehearsal_plays_every_step,
);

async fn the_demo_plays_its_day_and_each_fault_lands_in_its_class(backend: Backend) {
    let data = std::env::temp_dir().join(format!("payhub-demo-{}", uuid::Uuid::new_v4().simple()));
    let postgres = match &backend {
        Backend::Postgres(_) => Some(TestDb::create(&backend).await),
        Backend::Sqlite => None,
    };
    let mut demo = Command::new(env!("CARGO_BIN_EXE_payhub"));
    demo.args(["demo", "--once", "--data"]).arg(&data);
    demo.env_remove("PAYHUB_DEMO_DATABASE_URL");
    if let Some(db) = &postgres {
        demo.args(["--database-url", &db.url]);
    }
    let out = demo.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut expected = expected_totals(&DAY);
    transfers::add_expected(&mut expected);
    assert_eq!(
        reported_totals(&stdout),
        expected,
        "the summary matches what was injected:\n{stdout}"
    );
    let citizens = DAY.iter().map(|v| v.citizen);
    for citizen in citizens.chain(TRANSFERS.iter().map(|t| t.citizen)) {
        assert!(
            stdout.contains(citizen),
            "progress names each citizen: {stdout}"
        );
    }

    let url = match &postgres {
        Some(db) => db.url.clone(),
        None => format!("sqlite://{}", data.join("payhub.db").display()),
    };
    let store = Store::connect(&DatabaseConfig {
        url: DatabaseUrl(url),
        max_connections: 2,
    })
    .await
    .unwrap();
    let statuses = order_statuses(&store).await;
    assert_eq!(statuses, expected_statuses(), "orders after the day");
    let late = scalar(
        &store,
        "select count(*) from orders where review_reason = 'paid_after_expiry'",
    )
    .await;
    assert_eq!(late, 1, "the late payment is paid and flagged for review");
    store.close().await;
    let _ = std::fs::remove_dir_all(&data);
}

/// `payhub demo --cutover`, as an operator rehearses the night: every step runs and says what it
/// did, and the night's figures are the ones its export was made of.
async fn the_cutover_rehearsal_plays_every_step(backend: Backend) {
    let data = std::env::temp_dir().join(format!("payhub-night-{}", uuid::Uuid::new_v4().simple()));
    let postgres = match &backend {
        Backend::Postgres(_) => Some(TestDb::create(&backend).await),
        Backend::Sqlite => None,
    };
    let mut demo = Command::new(env!("CARGO_BIN_EXE_payhub"));
    demo.args(["demo", "--cutover", "--data"]).arg(&data);
    demo.env_remove("PAYHUB_DEMO_DATABASE_URL");
    if let Some(db) = &postgres {
        demo.args(["--database-url", &db.url]);
    }
    let out = demo.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = [
        "imported 7: in-flight 3, paid 2, failed 1, refunded 1; unchanged 0; refused 0",
        "the same file again: imported 0: in-flight 0, paid 0, failed 0, refunded 0; unchanged 7; refused 0",
        "DVC_DEMO acknowledged one CONFIRM for DVC-0002",
        "DVC_DEMO acknowledged one CONFIRM for DVC-0003",
        "OLD0003, whose callback was lost, is paid",
        "8. The way back: payhub export legacy --since",
    ];
    for line in expected {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    let totals = reported_totals(&stdout);
    let matched = totals.get(&(BankCode::Vnpay, Class::Matched)).map(|t| t.0);
    assert_eq!(
        matched,
        Some(4),
        "both platforms' VNPAY payments matched:\n{stdout}"
    );
    assert_eq!(
        totals.len(),
        1,
        "no discrepancy on the cutover day:\n{stdout}"
    );
    let back = std::fs::read_to_string(data.join("handback.csv")).unwrap();
    assert!(
        back.lines().last().unwrap().starts_with("# rows=8 sha256="),
        "{back}"
    );
    let _ = std::fs::remove_dir_all(&data);
}

/// Parses `  vcb    amount_mismatch       1       923.000 ₫` rows.
fn reported_totals(stdout: &str) -> BTreeMap<(BankCode, Class), (i64, Vnd)> {
    let mut totals = BTreeMap::new();
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [bank, class, count, sum, "₫"] = fields[..] else {
            continue;
        };
        let (Ok(bank), Some(class)) = (bank.parse::<BankCode>(), parse_class(class)) else {
            continue;
        };
        let sum = Vnd::parse(&sum.replace('.', "")).unwrap();
        totals.insert((bank, class), (count.parse().unwrap(), sum));
    }
    totals
}

fn parse_class(name: &str) -> Option<Class> {
    Class::ALL.into_iter().find(|c| c.as_str() == name)
}

/// What each visit leaves its order as: a lost callback is paid once reconciliation confirmed
/// it with the bank; a wrong amount leaves the order unpaid (recorded for refund), like a
/// decline or a cancellation at the bank (`pending`, or `expired` once its time ran out).
fn expected_status(visit: &Visit) -> &'static str {
    match (visit.action, visit.fault) {
        (_, Fault::CancelledByPortal) => "cancelled",
        (Action::Approve, Fault::WrongAmount(_)) => "unpaid",
        (Action::Approve, _) => "paid",
        (Action::Decline | Action::Cancel, _) => "unpaid",
    }
}

fn expected_statuses() -> BTreeMap<String, i64> {
    let mut statuses = BTreeMap::new();
    for visit in &DAY {
        *statuses
            .entry(expected_status(visit).to_owned())
            .or_insert(0) += 1;
    }
    for t in &TRANSFERS {
        let status = if t.expected_paid() { "paid" } else { "unpaid" };
        *statuses.entry(status.to_owned()).or_insert(0) += 1;
    }
    statuses
}

async fn order_statuses(store: &Store) -> BTreeMap<String, i64> {
    let sql = "select status, count(*) from orders group by status";
    let rows: Vec<(String, i64)> = match store {
        Store::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        Store::Sqlite(p, _) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
    };
    let mut statuses = BTreeMap::new();
    for (status, n) in rows {
        let status = match status.as_str() {
            "pending" | "expired" => "unpaid".to_owned(),
            _ => status,
        };
        *statuses.entry(status).or_insert(0) += n;
    }
    statuses
}

async fn scalar(store: &Store, sql: &str) -> i64 {
    match store {
        Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Store::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}
