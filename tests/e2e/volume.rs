//! A thousand payments per bank with duplicated and reordered callbacks: exactly a thousand
//! payments, exact sums.

use bank_adapters::simulator::{Controls, Faults, FlushOrder};
use futures_util::StreamExt;
use rand::Rng;
use serde_json::{json, Value};

use crate::helpers::{order_body, spawn_app_with_banks, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::orders::count;

on_both_backends!(a_thousand_payments_per_bank_with_duplicates_and_reordering_apply_exactly_once);

const PAYMENTS: usize = 1000;

/// One citizen: order, checkout at `bank`, approve on the bank's page. Returns the amount.
async fn pay(app: &TestApp, bank: &str, n: usize) -> i64 {
    let dossier = format!("000.00.12.H29-{bank}-{n:05}");
    let amount = 2_000 + (n as i64) * 1_000;
    let mut body = order_body(&dossier);
    body["items"] =
        json!([{"kind": "charge", "code": "LP", "name": "Lệ phí", "amount": amount.to_string()}]);
    let order: Value = app
        .create_order(&dossier, &body)
        .await
        .json()
        .await
        .unwrap();
    let id = order["id"].as_str().unwrap();
    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", bank)])
        .send()
        .await
        .unwrap();
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
    let start = html.find("action=\"").unwrap() + "action=\"".len();
    let path = &html[start..start + html[start..].find('"').unwrap()];
    let origin: String = page.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let done = app
        .client
        .post(format!("{origin}{path}"))
        .form(&[("action", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    amount
}

async fn a_thousand_payments_per_bank_with_duplicates_and_reordering_apply_exactly_once(
    backend: Backend,
) {
    let app = spawn_app_with_banks(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let banks = app.banks.as_ref().unwrap();
    let sims: [(&str, &Controls); 3] = [
        ("vnpay", &banks.vnpay),
        ("vcb", &banks.vcb),
        ("bidv", &banks.bidv),
    ];
    for (bank, sim) in sims {
        let mut rng = rand::thread_rng();
        for _ in 0..PAYMENTS {
            let copies = rng.gen_range(1..=3);
            sim.fault_next(Faults::default().hold().copies(copies));
        }
        let amounts: Vec<i64> = futures_util::stream::iter(0..PAYMENTS)
            .map(|n| pay(&app, bank, n))
            .buffer_unordered(8)
            .collect()
            .await;
        assert_eq!(sim.flush(FlushOrder::Shuffled).await, PAYMENTS);
        let paid = format!("select count(*) from payments p join payment_attempts a on a.id = p.attempt_id where a.bank = '{bank}'");
        assert_eq!(
            count(&app, &paid).await,
            PAYMENTS as i64,
            "{bank}: exactly one payment each"
        );
        let sum = format!("select cast(sum(p.amount_vnd) as bigint) from payments p join payment_attempts a on a.id = p.attempt_id where a.bank = '{bank}'");
        assert_eq!(
            count(&app, &sum).await,
            amounts.iter().sum::<i64>(),
            "{bank}: exact sums"
        );
    }
    assert_eq!(
        count(&app, "select count(*) from orders where status = 'paid'").await,
        3 * PAYMENTS as i64
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from payments where kind <> 'payment'"
        )
        .await,
        0
    );
}
