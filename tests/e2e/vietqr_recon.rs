//! A day of VietQR transfers reconciled (statements.md, vietqr.md): the statements of the VCB and
//! BIDV accounts include the transfers; those PayHub saw are matched, those it missed are
//! recovered from the statement exactly once when their content names an order, and the rest
//! are `unidentified_credit`. Every class a transfer can end in, on both backends, both banks.

use bank_adapters::simulator::{Faults, FlushOrder};
use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::callbacks::{order_json, wait_for};
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;
use crate::orders::count;
use crate::reconciliation::{discrepancies, pay, today, wait_count};
use crate::vietqr::{
    choose_vietqr, controls, credit_outcome, pay_in_app, payload_of, reference_of, vietqr_app,
};

on_both_backends!(a_day_of_vietqr_transfers_ends_in_every_class_and_missed_ones_are_recovered_once);

/// Closes `day` at `bank` and runs it on the statement the bank serves; returns the summary.
async fn run_day(app: &TestApp, bank: &str, day: NaiveDate) -> Value {
    controls(app, bank).close_day(day);
    let body = json!({"bank": bank, "date": day.to_string()});
    let r = (app.post_json("/api/v1/reconciliations", &app.finance_key, &body)).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

fn counts(summary: &Value) -> Vec<(String, i64)> {
    let mut v: Vec<_> = (summary["by_class"].as_array().unwrap().iter())
        .filter(|t| t["count"] != 0)
        .map(|t| {
            (
                t["class"].as_str().unwrap().to_owned(),
                t["count"].as_i64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn classes(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    let mut v: Vec<_> = pairs.iter().map(|(c, n)| (c.to_string(), *n)).collect();
    v.sort();
    v
}

/// One VietQR order of `bank` with `faults` on its code; the citizen's app pays it (with
/// `content` when given). Returns (order id, the bank's transaction id).
async fn transfer(
    app: &TestApp,
    dossier: &str,
    bank: &str,
    faults: Faults,
    content: Option<&str>,
) -> (String, String) {
    let (id, page) = choose_vietqr(app, dossier, bank).await;
    controls(app, bank).fault_reference(reference_of(&page), faults);
    let payload = payload_of(app, &page).await;
    (id, pay_in_app(app, bank, &payload, content).await)
}

/// What a bank's day of transfers was made of.
struct Day {
    matched: String,
    lost: (String, String),
    late: (String, String),
    unpaid: Vec<String>,
    unidentified_txn: String,
}

const UNNAMED: &str = "Nguyễn Văn A chuyển tiền nộp hồ sơ";

/// At `bank`: a gateway payment, a transfer seen, one whose notification is lost, one held (to
/// come late), one of another amount, one to another account, one whose content names nothing,
/// and an order paid twice.
async fn play_day(app: &TestApp, b: usize, bank: &str) -> Day {
    let d = |n: usize| format!("000.00.12.H29-{b}{n}");
    let ok = Faults::default();
    pay(app, &d(0), bank, "approve").await;
    let (matched, _) = transfer(app, &d(1), bank, ok.clone(), None).await;
    let lost = transfer(app, &d(2), bank, ok.clone().drop_callback(), None).await;
    let late = transfer(app, &d(3), bank, ok.clone().hold(), None).await;
    let less = bank_adapters::Vnd::parse("65000").unwrap();
    let (short, _) = transfer(app, &d(4), bank, ok.clone().wrong_amount(less), None).await;
    let other = "0099999999999";
    let (wrong, wrong_txn) =
        transfer(app, &d(5), bank, ok.clone().wrong_account(other), None).await;
    let (_, unidentified_txn) = transfer(app, &d(6), bank, ok.clone(), Some(UNNAMED)).await;
    let (twice, _) = transfer(app, &d(7), bank, ok, None).await;
    wait_for(app, &twice, |o| o["status"] == "paid").await;
    let row = format!("select reference from payment_attempts where order_id = '{twice}'");
    let reference = crate::reconciliation::scalar(app, &row).await;
    let payload = payload_of(app, &format!("/checkout/{twice}/vietqr/{reference}")).await;
    let duplicate_txn = pay_in_app(app, bank, &payload, None).await;
    assert_eq!(
        credit_outcome(app, &duplicate_txn).await,
        "duplicate_payment"
    );
    assert_eq!(credit_outcome(app, &wrong_txn).await, "wrong_account");
    let event = format!(
        "select count(*) from order_events where order_id = '{wrong}' and event = 'vietqr_wrong_account'"
    );
    assert_eq!(
        count(app, &event).await,
        1,
        "the order's history shows the money"
    );
    assert_eq!(credit_outcome(app, &unidentified_txn).await, "unidentified");
    wait_for(app, &matched, |o| o["status"] == "paid").await;
    Day {
        matched,
        unpaid: vec![lost.0.clone(), late.0.clone(), short, wrong],
        lost,
        late,
        unidentified_txn,
    }
}

async fn a_day_of_vietqr_transfers_ends_in_every_class_and_missed_ones_are_recovered_once(
    backend: Backend,
) {
    let app = vietqr_app(backend).await;
    for (b, bank) in ["vcb", "bidv"].iter().enumerate() {
        let day = play_day(&app, b, bank).await;
        assert_eq!(order_json(&app, &day.matched).await["status"], "paid");
        for pending in &day.unpaid {
            assert_eq!(order_json(&app, pending).await["status"], "pending");
        }
        let first = run_day(&app, bank, today(&app)).await;
        assert_eq!(
            counts(&first),
            classes(&[
                // The gateway payment, the transfer seen, the duplicate's first payment (the
                // attempt whose code was paid with another content moved no money: apart).
                ("matched", 3),
                ("missing_in_payhub", 2),
                ("amount_mismatch", 1),
                ("duplicate_payment", 1),
                ("wrong_beneficiary", 1),
                ("unidentified_credit", 1),
            ]),
            "{bank}: {first}"
        );
        assert_eq!(first["no_money_moved"]["count"], 1, "{first}");
        let found = discrepancies(&app, &first["id"], "?class=unidentified_credit").await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["bank_txn_id"], day.unidentified_txn);
        assert!(found[0].to_string().contains("650000"), "{}", found[0]);
        // The content the staff trace the payer by, as the bank received it.
        assert!(found[0].to_string().contains(UNNAMED), "{}", found[0]);
        let missing = discrepancies(&app, &first["id"], "?class=missing_in_payhub").await;
        assert!(
            missing.iter().all(|m| !m["resolved_at"].is_null()),
            "{missing:?}"
        );
        // The missed transfers named their orders: recovered from the statement.
        for (id, txn) in [&day.lost, &day.late] {
            let order = order_json(&app, id).await;
            assert_eq!(order["status"], "paid", "{bank}: {order}");
            assert_eq!(order["payment"]["bank_txn_id"], **txn);
        }
        the_late_notification_and_a_rerun_change_nothing(&app, bank, &day).await;
    }
    app.stop().await.unwrap();
}

/// The late notification arrives after the recovery: recorded once, nothing applied again; the
/// day run again matches what was recovered.
async fn the_late_notification_and_a_rerun_change_nothing(app: &TestApp, bank: &str, day: &Day) {
    assert_eq!(controls(app, bank).flush(FlushOrder::Fifo).await, 1);
    let again = format!("select count(*) from inbound_callbacks where endpoint = 'credits' and bank = '{bank}' and verdict = 'credit repeat'");
    wait_count(app, &again, 1).await;
    let second = run_day(app, bank, today(app)).await;
    assert_eq!(
        counts(&second),
        classes(&[
            // The first run's three and the two transfers recovered since.
            ("matched", 5),
            ("amount_mismatch", 1),
            ("duplicate_payment", 1),
            ("wrong_beneficiary", 1),
            ("unidentified_credit", 1),
        ]),
        "{bank}: {second}"
    );
    for (_, txn) in [&day.lost, &day.late] {
        let sql = format!("select count(*) from payments where bank_txn_id = '{txn}'");
        assert_eq!(count(app, &sql).await, 1, "{bank}: paid exactly once");
    }
}
