//! Pending sync: lost callbacks recovered by asking the bank, attempts nobody can resolve left
//! `unknown` for an admin to settle, and several instances sharing the work.

use bank_adapters::simulator::Faults;
use chrono::Duration;
use payhub::app::AppState;
use payhub::pending_sync::{sync_pass, SCHEDULE_MINUTES};
use serde_json::{json, Value};

use crate::callbacks::{app, checkout, order_json, press};
use crate::helpers::{assert_problem, Backend, TestApp};
use crate::on_both_backends;
use crate::orders::count;

on_both_backends!(
    a_dropped_callback_is_recovered_by_pending_sync_for_each_bank,
    an_attempt_never_paid_ends_unknown_and_an_admin_settles_it,
    two_sync_passes_at_once_query_each_attempt_once,
    an_unknown_attempt_settled_failed_records_no_payment,
);

const BANKS: [&str; 3] = ["vnpay", "vcb", "bidv"];

/// What a worker would run with: the app's own store, config and clock.
fn state(app: &TestApp) -> AppState {
    AppState::new(app.store.clone(), app.config.clone(), app.clock.clone())
}

fn drop_callbacks(app: &TestApp) {
    let banks = app.banks.as_ref().unwrap();
    banks.vnpay.set_faults(Faults::default().drop_callback());
    banks.vcb.set_faults(Faults::default().drop_callback());
    banks.bidv.set_faults(Faults::default().drop_callback());
}

/// Pays `n` orders at `bank` whose callbacks the bank drops; returns their ids.
async fn paid_without_callback(app: &TestApp, bank: &str, n: usize, from: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in from..from + n {
        let (order, page) = checkout(app, &format!("000.00.12.H29-{i}"), bank).await;
        press(app, &page, "approve").await;
        ids.push(order["id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn a_dropped_callback_is_recovered_by_pending_sync_for_each_bank(backend: Backend) {
    let app = app(backend).await;
    drop_callbacks(&app);
    let mut ids = Vec::new();
    for (n, bank) in BANKS.iter().enumerate() {
        ids.extend(paid_without_callback(&app, bank, 1, n).await);
    }
    let sync = state(&app);
    assert_eq!(
        sync_pass(&sync).await.unwrap(),
        0,
        "nothing is due before next_query_at"
    );
    for id in &ids {
        assert_eq!(
            order_json(&app, id).await["status"],
            "pending",
            "the callback was lost"
        );
    }

    app.move_clocks_by(Duration::minutes(6));
    assert_eq!(sync_pass(&sync).await.unwrap(), 3);

    for (id, bank) in ids.iter().zip(BANKS) {
        let order = order_json(&app, id).await;
        assert_eq!(order["status"], "paid", "{bank}: {order}");
        assert_eq!(order["payment"]["bank"], bank);
        assert_eq!(order["payment"]["amount"], "650000");
    }
    assert_eq!(
        count(&app, "select count(*) from payments").await,
        3,
        "exactly one payment each"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from notifications where event = 'order.paid'"
        )
        .await,
        3
    );
    app.move_clocks_by(Duration::hours(1));
    assert_eq!(
        sync_pass(&sync).await.unwrap(),
        0,
        "a resolved attempt is not asked again"
    );
}

async fn an_attempt_never_paid_ends_unknown_and_an_admin_settles_it(backend: Backend) {
    let app = app(backend).await;
    let (order, _page) = checkout(&app, "000.00.12.H29-1", "vnpay").await;
    let order_id = order["id"].as_str().unwrap();
    let sync = state(&app);
    let mut elapsed = 0;
    for minutes in SCHEDULE_MINUTES {
        app.move_clocks_by(Duration::minutes(minutes - elapsed) + Duration::seconds(1));
        elapsed = minutes;
        assert_eq!(sync_pass(&sync).await.unwrap(), 1, "asked at {minutes} min");
    }
    let attempt_status =
        "select count(*) from payment_attempts where status = 'unknown' and query_count = 10";
    assert_eq!(
        count(&app, attempt_status).await,
        1,
        "unknown after the whole schedule"
    );

    let listed: Value = app
        .get("/api/v1/attempts?status=unknown", &app.finance_key)
        .await
        .json()
        .await
        .unwrap();
    let attempts = listed["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{listed}");
    assert_eq!(attempts[0]["order_id"], order_id);
    assert_eq!(attempts[0]["amount_vnd"], "650000");
    let id = attempts[0]["id"].as_i64().unwrap();

    let path = format!("/api/v1/attempts/{id}/settle");
    let body = json!({"outcome": "paid", "bank_txn_id": "14990001", "note": "VNPAY confirmed by phone, ticket 42"});
    assert_eq!(
        app.post_json(&path, &app.finance_key, &body).await.status(),
        403,
        "admins settle"
    );
    let settled = app.post_json(&path, &app.admin_key, &body).await;
    assert_eq!(settled.status(), 200, "{}", settled.text().await.unwrap());
    let order = order_json(&app, order_id).await;
    assert_eq!(order["status"], "paid", "{order}");
    assert_eq!(order["payment"]["bank_txn_id"], "14990001");
    assert_eq!(count(&app, "select count(*) from payments").await, 1);
    let again = app.post_json(&path, &app.admin_key, &body).await;
    assert_problem(again, 409, "conflict").await;

    let audit: Value = app
        .get(
            &format!("/api/v1/audit?subject=attempt:{id}"),
            &app.admin_key,
        )
        .await
        .json()
        .await
        .unwrap();
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["action"], "attempt.settle");
    assert_eq!(entries[0]["after"]["bank_txn_id"], "14990001");
    assert!(
        entries[0]["actor"].as_str().unwrap().contains("test-admin"),
        "{audit}"
    );
}

async fn two_sync_passes_at_once_query_each_attempt_once(backend: Backend) {
    let app = app(backend).await;
    drop_callbacks(&app);
    let mut ids = Vec::new();
    for (n, bank) in BANKS.iter().enumerate() {
        ids.extend(paid_without_callback(&app, bank, 2, 2 * n).await);
    }
    app.move_clocks_by(Duration::minutes(6));
    let (one, two) = (state(&app), state(&app));
    let (a, b) = tokio::join!(sync_pass(&one), sync_pass(&two));
    assert_eq!(
        a.unwrap() + b.unwrap(),
        6,
        "six attempts, each queried by one pass"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from payment_attempts where query_count = 1"
        )
        .await,
        6
    );
    assert_eq!(count(&app, "select count(*) from payments").await, 6);
    for id in &ids {
        assert_eq!(order_json(&app, id).await["status"], "paid");
    }
}

async fn an_unknown_attempt_settled_failed_records_no_payment(backend: Backend) {
    let app = app(backend).await;
    let (order, _page) = checkout(&app, "000.00.12.H29-1", "vcb").await;
    let order_id = order["id"].as_str().unwrap();
    let sync = state(&app);
    app.move_clocks_by(Duration::minutes(SCHEDULE_MINUTES[9]) + Duration::seconds(1));
    assert_eq!(
        sync_pass(&sync).await.unwrap(),
        1,
        "one last question, then it gives up"
    );
    let listed: Value = app
        .get("/api/v1/attempts", &app.finance_key)
        .await
        .json()
        .await
        .unwrap();
    let id = listed["attempts"][0]["id"]
        .as_i64()
        .expect("unknown is the default filter");
    let path = format!("/api/v1/attempts/{id}/settle");
    let no_txn = json!({"outcome": "paid", "note": "x"});
    assert_problem(
        app.post_json(&path, &app.admin_key, &no_txn).await,
        422,
        "validation",
    )
    .await;
    let failed = json!({"outcome": "failed", "note": "VCB: no such debit"});
    let settled = app.post_json(&path, &app.admin_key, &failed).await;
    assert_eq!(settled.status(), 200, "{}", settled.text().await.unwrap());
    assert_eq!(
        count(
            &app,
            "select count(*) from payment_attempts where status = 'failed'"
        )
        .await,
        1
    );
    assert_eq!(count(&app, "select count(*) from payments").await, 0);
    // Still `pending` in the database: expiring it is the expiry worker's job, not settlement's.
    assert_eq!(order_json(&app, order_id).await["status"], "pending");
}
