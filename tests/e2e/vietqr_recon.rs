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

async fn a_day_of_vietqr_transfers_ends_in_every_class_and_missed_ones_are_recovered_once(
    backend: Backend,
) {
    let app = vietqr_app(backend).await;
    for (b, bank) in ["vcb", "bidv"].iter().enumerate() {
        let d = |n: usize| format!("000.00.12.H29-{b}{n}");
        let ok = Faults::default();
        // A gateway payment at the same bank, beside the transfers.
        pay(&app, &d(0), bank, "approve").await;
        let (matched, _) = transfer(&app, &d(1), bank, ok.clone(), None).await;
        let (lost, lost_txn) = transfer(&app, &d(2), bank, ok.clone().drop_callback(), None).await;
        let (late, late_txn) = transfer(&app, &d(3), bank, ok.clone().hold(), None).await;
        let less = bank_adapters::Vnd::parse("65000").unwrap();
        let (short, _) = transfer(&app, &d(4), bank, ok.clone().wrong_amount(less), None).await;
        let other = "0099999999999";
        let (wrong, wrong_txn) =
            transfer(&app, &d(5), bank, ok.clone().wrong_account(other), None).await;
        let (_, page) = choose_vietqr(&app, &d(6), bank).await;
        let unnamed = "Nguyễn Văn A chuyển tiền nộp hồ sơ";
        let (_, unidentified_txn) = {
            let payload = payload_of(&app, &page).await;
            ((), pay_in_app(&app, bank, &payload, Some(unnamed)).await)
        };
        let (twice, _) = transfer(&app, &d(7), bank, ok.clone(), None).await;
        wait_for(&app, &twice, |o| o["status"] == "paid").await;
        let payload = {
            let row = format!("select reference from payment_attempts where order_id = '{twice}'");
            let reference = crate::reconciliation::scalar(&app, &row).await;
            payload_of(&app, &format!("/checkout/{twice}/vietqr/{reference}")).await
        };
        let duplicate_txn = pay_in_app(&app, bank, &payload, None).await;
        assert_eq!(
            credit_outcome(&app, &duplicate_txn).await,
            "duplicate_payment"
        );
        assert_eq!(credit_outcome(&app, &wrong_txn).await, "wrong_account");
        assert_eq!(
            credit_outcome(&app, &unidentified_txn).await,
            "unidentified"
        );
        wait_for(&app, &matched, |o| o["status"] == "paid").await;
        for pending in [&lost, &late, &short, &wrong] {
            assert_eq!(order_json(&app, pending).await["status"], "pending");
        }

        let first = run_day(&app, bank, today(&app)).await;
        assert_eq!(
            counts(&first),
            classes(&[
                // The gateway payment, the transfer seen, the duplicate's first payment, and
                // the attempt whose code was paid with another content (no money named it).
                ("matched", 4),
                ("missing_in_payhub", 2),
                ("amount_mismatch", 1),
                ("duplicate_payment", 1),
                ("wrong_beneficiary", 1),
                ("unidentified_credit", 1),
            ]),
            "{bank}: {first}"
        );
        let found = discrepancies(&app, &first["id"], "?class=unidentified_credit").await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["bank_txn_id"], unidentified_txn);
        assert!(found[0].to_string().contains("650000"), "{}", found[0]);
        // The content the staff trace the payer by, as the bank received it.
        assert!(found[0].to_string().contains(unnamed), "{}", found[0]);
        // The missed transfers named their orders: recovered from the statement.
        for recovered in [&lost, &late] {
            let order = order_json(&app, recovered).await;
            assert_eq!(order["status"], "paid", "{bank}: {order}");
        }
        let missing = discrepancies(&app, &first["id"], "?class=missing_in_payhub").await;
        assert!(
            missing.iter().all(|m| !m["resolved_at"].is_null()),
            "{missing:?}"
        );
        for (id, txn) in [(&lost, &lost_txn), (&late, &late_txn)] {
            assert_eq!(order_json(&app, id).await["payment"]["bank_txn_id"], **txn);
        }

        // The late notification arrives after the recovery: recorded once, nothing applied again.
        assert_eq!(controls(&app, bank).flush(FlushOrder::Fifo).await, 1);
        let again = format!("select count(*) from inbound_callbacks where endpoint = 'credits' and bank = '{bank}' and verdict = 'credit repeat'");
        wait_count(&app, &again, 1).await;
        let second = run_day(&app, bank, today(&app)).await;
        assert_eq!(
            counts(&second),
            classes(&[
                ("matched", 6),
                ("amount_mismatch", 1),
                ("duplicate_payment", 1),
                ("wrong_beneficiary", 1),
                ("unidentified_credit", 1),
            ]),
            "{bank}: {second}"
        );
        for txn in [&lost_txn, &late_txn] {
            let sql = format!("select count(*) from payments where bank_txn_id = '{txn}'");
            assert_eq!(count(&app, &sql).await, 1, "{bank}: paid exactly once");
        }
    }
    app.stop().await.unwrap();
}
