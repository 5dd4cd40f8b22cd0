//! Each class of statements.md produced by a real flow: a citizen pays through PayHub's
//! checkout at a bank simulator that gets something wrong on purpose, the bank's own statement
//! is fetched over HTTP, and the run classifies it. Already covered in `reconciliation.rs`:
//! matched, missing_in_payhub (a dropped callback, confirmed and applied), amount_mismatch and
//! wrong_beneficiary (a wrong amount or account from the bank).

use bank_adapters::simulator::Faults;
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use payhub::clock::vietnam;
use serde_json::{json, Value};

use crate::helpers::{test_account, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::reconciliation::{
    app_with_banks, discrepancies, pay, pay_order, tally, today, wait_count,
};

on_both_backends!(
    a_citizen_debited_twice_is_a_duplicate_payment,
    a_payment_the_bank_reversed_on_its_own_is_a_status_mismatch,
    a_payment_the_statement_lacks_is_missing_at_bank,
    a_payment_posted_after_the_cutoff_is_a_cutoff_shift_on_both_days,
    a_beneficiary_change_mid_day_judges_each_payment_by_the_setting_at_its_time,
    a_refund_days_after_its_payment_matches_on_the_day_of_the_refund,
    each_payment_is_judged_by_the_account_set_for_its_items_kind,
);

/// Closes `day` at VCB and runs it with the statement VCB serves; returns the summary.
async fn run_vcb_day(app: &TestApp, day: NaiveDate) -> Value {
    app.banks.as_ref().unwrap().vcb.close_day(day);
    let body = json!({"bank": "vcb", "date": day.to_string()});
    let response = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

/// The counts of every class of a run, for assertions that nothing else was found.
fn counts(summary: &Value) -> Vec<(String, i64)> {
    summary["by_class"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["count"] != 0)
        .map(|t| {
            (
                t["class"].as_str().unwrap().to_owned(),
                t["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn classes(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    let mut v: Vec<_> = pairs.iter().map(|(c, n)| (c.to_string(), *n)).collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<(String, i64)>) -> Vec<(String, i64)> {
    v.sort();
    v
}

/// The bank transaction ids VCB booked for `reference`, in order.
fn vcb_txn_ids(app: &TestApp, reference: &str) -> Vec<String> {
    let vcb = &app.banks.as_ref().unwrap().vcb;
    vcb.transactions_for(reference)
        .into_iter()
        .filter_map(|t| t.bank_txn_id)
        .collect()
}

async fn a_citizen_debited_twice_is_a_duplicate_payment(backend: Backend) {
    let app = app_with_banks(backend).await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    vcb.fault_next(Faults::default().paid_twice());
    let (order_id, reference) = pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 2).await;
    let (first, second) = match &vcb_txn_ids(&app, &reference)[..] {
        [a, b] => (a.clone(), b.clone()),
        other => panic!("two debits: {other:?}"),
    };

    let summary = run_vcb_day(&app, today(&app)).await;
    assert_eq!(
        sorted(counts(&summary)),
        classes(&[("matched", 1), ("duplicate_payment", 1)])
    );
    assert_eq!(tally(&summary, "matched"), (1, "650000".into()));
    assert_eq!(tally(&summary, "duplicate_payment"), (1, "650000".into()));
    let duplicate = &discrepancies(&app, &summary["id"], "?class=duplicate_payment").await[0];
    assert_eq!(duplicate["order_id"], order_id.as_str());
    assert_eq!(
        duplicate["bank_txn_id"],
        second.as_str(),
        "the later debit is the one to refund"
    );
    assert_ne!(first, second);
    assert_eq!(duplicate["bank"]["amount"], "650000");
    assert_eq!(duplicate["payhub"]["amount"], "650000");
    assert_eq!(duplicate["agency_code"], AGENCY);
}

async fn a_payment_the_bank_reversed_on_its_own_is_a_status_mismatch(backend: Backend) {
    let app = app_with_banks(backend).await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    vcb.fault_next(Faults::default().reversed());
    let (order_id, reference) = pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 1).await;
    let order: Value = app
        .get(&format!("/api/v1/orders/{order_id}"), &app.finance_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["status"], "paid", "the callback said paid");
    assert_eq!(vcb.refunds().len(), 1, "the bank reversed it on its own");

    let summary = run_vcb_day(&app, today(&app)).await;
    assert_eq!(
        summary["statement_lines"], 2,
        "the payment and its reversal"
    );
    assert_eq!(
        sorted(counts(&summary)),
        classes(&[("matched", 1), ("status_mismatch", 1)])
    );
    assert_eq!(tally(&summary, "status_mismatch"), (1, "650000".into()));
    let mismatch = &discrepancies(&app, &summary["id"], "?class=status_mismatch").await[0];
    assert_eq!(mismatch["order_id"], order_id.as_str());
    assert_eq!(mismatch["bank"]["status"], "refunded");
    assert_eq!(mismatch["bank"]["amount"], "650000");
    assert_eq!(mismatch["reference"], reference.as_str());
    assert_eq!(mismatch["payhub"]["status"], "paid");
    assert_eq!(mismatch["payhub"]["amount"], "650000");
}

async fn a_payment_the_statement_lacks_is_missing_at_bank(backend: Backend) {
    let app = app_with_banks(backend).await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    vcb.fault_next(Faults::default().left_off_statement());
    let (order_id, reference) = pay(&app, "000.00.12.H29-2", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 2).await;

    let summary = run_vcb_day(&app, today(&app)).await;
    assert_eq!(summary["statement_lines"], 1);
    assert_eq!(
        sorted(counts(&summary)),
        classes(&[("matched", 1), ("missing_at_bank", 1)])
    );
    assert_eq!(tally(&summary, "missing_at_bank"), (1, "650000".into()));
    let missing = &discrepancies(&app, &summary["id"], "?class=missing_at_bank").await[0];
    assert_eq!(missing["order_id"], order_id.as_str());
    assert_eq!(missing["bank"], Value::Null, "no line on the statement");
    assert_eq!(missing["reference"], reference.as_str());
    assert_eq!(missing["payhub"]["status"], "paid");
    assert_eq!(missing["payhub"]["amount"], "650000");
    assert_eq!(
        missing["bank_txn_id"],
        vcb_txn_ids(&app, &reference)[0].as_str()
    );
}

/// `secs` before the midnight that ends the app's business day in Vietnam.
fn before_midnight(app: &TestApp, secs: i64) -> DateTime<Utc> {
    let midnight = (today(app) + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(vietnam())
        .unwrap();
    (midnight - Duration::seconds(secs)).with_timezone(&Utc)
}

/// Adds the agency's VCB account for `fee_kind`, in force from half a minute on, and moves the
/// clocks past that minute.
async fn set_vcb_account_soon(app: &TestApp, fee_kind: &str, account_no: &str, name: &str) {
    let from = app.clock.now().with_nanosecond(0).unwrap() + Duration::seconds(30);
    let setting = json!({"bank": "vcb", "fee_kind": fee_kind, "account_no": account_no,
        "account_name": name, "bank_bin": "970436",
        "effective_from": from.with_timezone(&vietnam()).to_rfc3339()});
    let path = format!("/api/v1/agencies/{AGENCY}/beneficiary-accounts");
    let added = app.post_json(&path, &app.admin_key, &setting).await;
    assert_eq!(added.status(), 201, "{}", added.text().await.unwrap());
    move_clocks(app, from + Duration::seconds(30));
}

/// Moves PayHub's clock and the banks' together to `to`.
fn move_clocks(app: &TestApp, to: DateTime<Utc>) {
    app.move_clocks_by(to - app.clock.now());
}

async fn a_payment_posted_after_the_cutoff_is_a_cutoff_shift_on_both_days(backend: Backend) {
    let app = app_with_banks(backend).await;
    let near_midnight = before_midnight(&app, 40);
    move_clocks(&app, near_midnight);
    let day = today(&app);
    let vcb = &app.banks.as_ref().unwrap().vcb;
    vcb.fault_next(Faults::default().posted_next_day());
    let (order_id, reference) = pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 1).await;
    let booked = vcb.transactions_for(&reference)[0].at;
    assert_eq!(booked.date_naive(), day);
    assert!(
        booked.hour() == 23 && booked.minute() == 59,
        "near midnight: {booked}"
    );

    // The next day begins with a payment of its own, so its statement is that day's file.
    move_clocks(&app, near_midnight + Duration::minutes(2));
    let next_day = day.succ_opt().unwrap();
    assert_eq!(today(&app), next_day);
    pay(&app, "000.00.12.H29-2", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 2).await;
    let first = run_vcb_day(&app, day).await;
    assert_eq!(
        first["statement_lines"], 0,
        "the bank posted it on the next day"
    );
    assert_eq!(sorted(counts(&first)), classes(&[("cutoff_shift", 1)]));
    assert_eq!(tally(&first, "cutoff_shift"), (1, "650000".into()));
    let ours = &discrepancies(&app, &first["id"], "").await[0];
    assert_eq!(
        (&ours["order_id"], &ours["bank"]),
        (&json!(order_id), &Value::Null)
    );
    assert_eq!(ours["payhub"]["amount"], "650000");

    let second = run_vcb_day(&app, next_day).await;
    assert_eq!(second["statement_lines"], 2);
    assert_eq!(
        sorted(counts(&second)),
        classes(&[("matched", 1), ("cutoff_shift", 1)])
    );
    assert_eq!(tally(&second, "cutoff_shift"), (1, "650000".into()));
    let theirs = &discrepancies(&app, &second["id"], "").await[0];
    assert_eq!(theirs["order_id"], order_id.as_str());
    assert_eq!(theirs["bank"]["amount"], "650000");
    assert_eq!(theirs["payhub"]["amount"], "650000");
    assert_eq!(theirs["reference"], reference.as_str());
    assert_eq!(
        theirs["bank_txn_id"],
        vcb_txn_ids(&app, &reference)[0].as_str()
    );
}

async fn a_beneficiary_change_mid_day_judges_each_payment_by_the_setting_at_its_time(
    backend: Backend,
) {
    let app = app_with_banks(backend).await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    let (old, new) = (test_account("vcb"), "0011009999999");
    let (before_ok, _) = pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    vcb.fault_next(Faults::default().wrong_account(new));
    let (before_wrong, _) = pay(&app, "000.00.12.H29-2", "vcb", "approve").await;

    // The agency moves its account at VCB, effective in half a minute; the clocks move past it.
    set_vcb_account_soon(&app, "any", new, "KBNN HA NOI (MOI)").await;

    let (after_ok, _) = pay(&app, "000.00.12.H29-3", "vcb", "approve").await;
    vcb.fault_next(Faults::default().wrong_account(old));
    let (after_wrong, _) = pay(&app, "000.00.12.H29-4", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 4).await;
    let credited: Vec<String> = vcb
        .transactions()
        .iter()
        .map(|t| t.credited_account.clone())
        .collect();
    assert_eq!(
        credited,
        [old, new, new, old],
        "what the bank really credited"
    );

    let summary = run_vcb_day(&app, today(&app)).await;
    assert_eq!(
        sorted(counts(&summary)),
        classes(&[("matched", 2), ("wrong_beneficiary", 2)])
    );
    assert_eq!(tally(&summary, "matched"), (2, "1300000".into()));
    assert_eq!(tally(&summary, "wrong_beneficiary"), (2, "1300000".into()));
    let wrong = discrepancies(&app, &summary["id"], "?class=wrong_beneficiary").await;
    let of = |order: &str| {
        wrong
            .iter()
            .find(|d| d["order_id"] == order)
            .unwrap_or_else(|| panic!("{order} is not wrong_beneficiary: {wrong:?}"))
    };
    assert_eq!(of(&before_wrong)["bank"]["credited_account"], new);
    assert_eq!(
        of(&before_wrong)["payhub"]["expected_accounts"],
        old,
        "the old setting ruled then"
    );
    assert_eq!(of(&after_wrong)["bank"]["credited_account"], old);
    assert_eq!(
        of(&after_wrong)["payhub"]["expected_accounts"],
        new,
        "the new setting rules now"
    );
    for matched in [&before_ok, &after_ok] {
        assert!(wrong.iter().all(|d| d["order_id"] != matched.as_str()));
    }
}

async fn a_refund_days_after_its_payment_matches_on_the_day_of_the_refund(backend: Backend) {
    let app = app_with_banks(backend).await;
    let (order_id, _) = pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 1).await;
    // Three days later, outside the refund day's window of records (the day and its neighbours).
    app.move_clocks_by(Duration::days(3));
    let body = json!({"amount": "650000", "reason": "Ho so bi tu choi"});
    let refunded = app
        .client
        .post(app.url(&format!("/api/v1/orders/{order_id}/refunds")))
        .bearer_auth(&app.finance_key)
        .header("idempotency-key", "refund-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(refunded.status(), 201, "{}", refunded.text().await.unwrap());

    let summary = run_vcb_day(&app, today(&app)).await;
    assert_eq!(summary["statement_lines"], 1, "the refund's line alone");
    assert_eq!(
        sorted(counts(&summary)),
        classes(&[("matched", 1)]),
        "the refund line finds the refund and the payment it refunds: {summary}"
    );
}

async fn each_payment_is_judged_by_the_account_set_for_its_items_kind(backend: Backend) {
    let app = app_with_banks(backend).await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    // Lệ phí (charges) go to an account of their own from half a minute on; phí stays on the
    // agency's account for any kind.
    let charges = "0011005555555";
    set_vcb_account_soon(&app, "charge", charges, "KBNN HA NOI (LE PHI)").await;

    let only = |dossier: &str, kind: &str, code: &str| {
        let mut body = crate::helpers::order_body(dossier);
        body["items"] = json!([{"kind": kind, "code": code, "name": code, "amount": "650000"}]);
        body
    };
    let charge = only("000.00.12.H29-1", "charge", "LPXD");
    pay_order(&app, "000.00.12.H29-1", &charge, "vcb", "approve").await;
    // A fee credited to the charges' account: the right agency, the wrong account for phí.
    vcb.fault_next(Faults::default().wrong_account(charges));
    let fee = only("000.00.12.H29-2", "fee", "PTD");
    let (fee_order, _) = pay_order(&app, "000.00.12.H29-2", &fee, "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 2).await;

    let summary = run_vcb_day(&app, today(&app)).await;
    assert_eq!(
        sorted(counts(&summary)),
        classes(&[("matched", 1), ("wrong_beneficiary", 1)]),
        "{summary}"
    );
    let wrong = &discrepancies(&app, &summary["id"], "?class=wrong_beneficiary").await[0];
    assert_eq!(wrong["order_id"], fee_order.as_str());
    assert_eq!(wrong["bank"]["credited_account"], charges);
}
