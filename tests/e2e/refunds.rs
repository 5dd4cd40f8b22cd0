//! Refunds through the bank simulators: partial then full, refused above the remainder, a
//! duplicate payment given back, replays, and a bank that is down.

use std::time::Duration;

use bank_adapters::simulator::Faults;
use serde_json::{json, Value};

use crate::callbacks::{app, checkout, order_json, press, wait_for};
use crate::helpers::{assert_problem, Backend, TestApp};
use crate::on_both_backends;
use crate::orders::count;

on_both_backends!(
    a_partial_refund_then_the_rest_refunds_the_order_at_each_bank,
    a_refund_above_the_remainder_is_refused_and_calls_no_bank,
    a_duplicate_payment_is_refunded_and_the_order_stays_paid,
    the_same_idempotency_key_replays_the_refund,
    a_bank_that_is_down_gives_a_failed_refund_and_moves_no_money,
);

const BANKS: [&str; 3] = ["vnpay", "vcb", "bidv"];

/// A paid order at `bank`; returns its id.
async fn paid_order(app: &TestApp, dossier: &str, bank: &str) -> String {
    let (order, page) = checkout(app, dossier, bank).await;
    let id = order["id"].as_str().unwrap().to_owned();
    press(app, &page, "approve").await;
    assert_eq!(
        wait_for(app, &id, |o| o["status"] == "paid").await["status"],
        "paid"
    );
    id
}

async fn refund(app: &TestApp, order_id: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/orders/{order_id}/refunds")))
        .bearer_auth(&app.finance_key)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn created(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 201, "{}", response.url());
    response.json().await.unwrap()
}

fn refunds_at(app: &TestApp, bank: &str) -> Vec<bank_adapters::simulator::Refund> {
    let banks = app.banks.as_ref().unwrap();
    match bank {
        "vnpay" => banks.vnpay.refunds(),
        "vcb" => banks.vcb.refunds(),
        _ => banks.bidv.refunds(),
    }
}

async fn a_partial_refund_then_the_rest_refunds_the_order_at_each_bank(backend: Backend) {
    let app = app(backend).await;
    for (n, bank) in BANKS.iter().enumerate() {
        let id = paid_order(&app, &format!("000.00.12.H29-{n}"), bank).await;
        let first = created(
            refund(
                &app,
                &id,
                &format!("r1-{n}"),
                &json!({"amount": "150000", "reason": "Miễn lệ phí"}),
            )
            .await,
        )
        .await;
        assert_eq!(first["status"], "succeeded", "{bank}: {first}");
        assert_eq!(first["amount"], "150000");
        let order = order_json(&app, &id).await;
        assert_eq!(order["status"], "partially_refunded", "{bank}");
        assert_eq!(order["refunded_amount"], "150000");

        let rest = created(
            refund(
                &app,
                &id,
                &format!("r2-{n}"),
                &json!({"amount": 500000, "reason": "Ho so bi tu choi"}),
            )
            .await,
        )
        .await;
        assert_eq!(rest["status"], "succeeded", "{bank}: {rest}");
        let order = order_json(&app, &id).await;
        assert_eq!(order["status"], "refunded", "{bank}");
        assert_eq!(order["refunded_amount"], "650000");

        let at_bank: Vec<i64> = refunds_at(&app, bank)
            .iter()
            .map(|r| r.amount.dong())
            .collect();
        assert_eq!(
            at_bank,
            [150_000, 500_000],
            "{bank}: the bank's ledger, exact amounts"
        );
        let listed: Value = app
            .get(&format!("/api/v1/orders/{id}/refunds"), &app.finance_key)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["refunds"].as_array().unwrap().len(), 2);
    }
    let told = "select count(*) from notifications where event in ('order.partially_refunded', 'order.refunded')";
    assert_eq!(
        count(&app, told).await,
        6,
        "the dossier system is told of each change"
    );
}

async fn a_refund_above_the_remainder_is_refused_and_calls_no_bank(backend: Backend) {
    let app = app(backend).await;
    let id = paid_order(&app, "000.00.12.H29-1", "vcb").await;
    let too_much = refund(&app, &id, "k1", &json!({"amount": "650001", "reason": "x"})).await;
    assert_problem(too_much, 422, "validation").await;
    created(refund(&app, &id, "k2", &json!({"amount": "600000", "reason": "x"})).await).await;
    let over_rest = refund(&app, &id, "k3", &json!({"amount": "50001", "reason": "x"})).await;
    assert_problem(over_rest, 422, "validation").await;
    assert_eq!(
        refunds_at(&app, "vcb").len(),
        1,
        "only the valid refund reached the bank"
    );
    assert_eq!(count(&app, "select count(*) from refunds").await, 1);
    let portal = app
        .client
        .post(app.url(&format!("/api/v1/orders/{id}/refunds")))
        .bearer_auth(&app.portal_key)
        .header("idempotency-key", "k4")
        .json(&json!({"amount": "1", "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(portal, 403, "forbidden").await;
}

async fn a_duplicate_payment_is_refunded_and_the_order_stays_paid(backend: Backend) {
    let app = app(backend).await;
    let banks = app.banks.as_ref().unwrap();
    banks.bidv.set_faults(Faults::default().paid_twice());
    let id = paid_order(&app, "000.00.12.H29-1", "bidv").await;
    let duplicate =
        format!("select count(*) from payments where order_id = '{id}' and kind = 'duplicate'");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while count(&app, &duplicate).await == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let payment_id = count(&app, &duplicate.replace("count(*)", "id")).await;
    let body = json!({"amount": "650000", "reason": "Thanh toan trung", "payment_id": payment_id});
    let refunded = created(refund(&app, &id, "dup-1", &body).await).await;
    assert_eq!(refunded["status"], "succeeded", "{refunded}");
    assert_eq!(refunded["payment_id"], payment_id);
    assert_eq!(
        order_json(&app, &id).await["status"],
        "paid",
        "the order's own payment stands"
    );

    let at_bank = refunds_at(&app, "bidv");
    assert_eq!(at_bank.len(), 1);
    let dup_txn: Vec<String> = banks
        .bidv
        .transactions()
        .iter()
        .filter_map(|t| t.bank_txn_id.clone())
        .collect();
    assert_eq!(
        at_bank[0].original_txn_id, dup_txn[1],
        "the second debit is the one given back"
    );
    assert_eq!(at_bank[0].amount.dong(), 650_000);
    let audit: Value = app
        .get(&format!("/api/v1/audit?subject=order:{id}"), &app.admin_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["entries"][0]["action"], "refund.request", "{audit}");
    let event = format!("select count(*) from order_events where order_id = '{id}' and event = 'duplicate_refunded'");
    assert_eq!(count(&app, &event).await, 1);
}

async fn the_same_idempotency_key_replays_the_refund(backend: Backend) {
    let app = app(backend).await;
    let id = paid_order(&app, "000.00.12.H29-1", "vnpay").await;
    let body = json!({"amount": "100000", "reason": "Hoan mot phan"});
    let first = created(refund(&app, &id, "same-key", &body).await).await;
    let again = refund(&app, &id, "same-key", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(refunds_at(&app, "vnpay").len(), 1, "one refund at the bank");
    assert_eq!(order_json(&app, &id).await["refunded_amount"], "100000");
    let other = refund(
        &app,
        &id,
        "same-key",
        &json!({"amount": "200000", "reason": "x"}),
    )
    .await;
    assert_problem(other, 422, "idempotency-mismatch").await;
    let missing = app
        .post_json(
            &format!("/api/v1/orders/{id}/refunds"),
            &app.finance_key,
            &body,
        )
        .await;
    assert_problem(missing, 422, "validation").await;
}

async fn a_bank_that_is_down_gives_a_failed_refund_and_moves_no_money(backend: Backend) {
    let mut app = app(backend).await;
    let id = paid_order(&app, "000.00.12.H29-1", "vcb").await;
    let banks = app.banks.take().unwrap();
    banks.vcb.stop().await;
    let failed = created(
        refund(
            &app,
            &id,
            "down-1",
            &json!({"amount": "650000", "reason": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["failure_reason"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{failed}"
    );
    let order = order_json(&app, &id).await;
    assert_eq!(order["status"], "paid");
    assert_eq!(order["refunded_amount"], "0");
    assert_eq!(
        count(&app, "select count(*) from payments where refunded_vnd > 0").await,
        0
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from refunds where status = 'pending'"
        )
        .await,
        0
    );
}
