//! Bank incidents detected from the data (messages.md §2): a simulated outage of VCB's payment
//! start is an incident while it lasts (API and page), ends when VCB takes payments again, and
//! names the orders it touched on the day's report; BIDV's callbacks stopping (each payment
//! found by pending sync instead) is one too. A decline here and there is not.

use bank_adapters::simulator::{ApiFault, ApiOp, Faults};
use chrono::{DateTime, Duration as Minutes, Utc};
use serde_json::{json, Value};

use crate::daily_report::{paid, play, report, state};
use crate::helpers::{order_body, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::reconciliation::app_with_banks;
use crate::report_pages::{html, signed_in};

on_both_backends!(
    a_bank_that_stops_starting_payments_is_an_incident_until_it_recovers,
    callbacks_that_stop_coming_are_an_incident
);

async fn incidents(app: &TestApp) -> Value {
    let r = app.get("/api/v1/bank-incidents", &app.finance_key).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Creates an order and chooses `bank` at checkout; returns the order's id and the status of
/// the checkout's answer (303 to the bank, or 502 when the bank did not start the payment).
async fn choose(app: &TestApp, dossier: &str, bank: &str) -> (String, u16) {
    let order: Value = app
        .create_order(dossier, &order_body(dossier))
        .await
        .json()
        .await
        .unwrap();
    let id = order["id"].as_str().unwrap().to_owned();
    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", bank)])
        .send()
        .await
        .unwrap();
    (id, chosen.status().as_u16())
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

async fn a_bank_that_stops_starting_payments_is_an_incident_until_it_recovers(backend: Backend) {
    let app = app_with_banks(backend).await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    let (before, status) = choose(&app, "000.00.12.H29-0", "vcb").await;
    assert_eq!(status, 303);

    vcb.set_api_fault(ApiOp::StartPayment, ApiFault::ServerError);
    let outage_began = app.clock.now();
    let mut touched = Vec::new();
    for n in 1..=4 {
        let (id, status) = choose(&app, &format!("000.00.12.H29-{n}"), "vcb").await;
        assert_eq!(status, 502, "the citizen is told the bank did not answer");
        touched.push(id);
        app.move_clocks_by(Minutes::seconds(40));
    }
    let during = incidents(&app).await;
    assert_eq!(during["ongoing"], 1, "{during}");
    let incident = &during["incidents"][0];
    assert_eq!(incident["bank"], "vcb");
    assert_eq!(incident["channels"], json!(["start"]));
    assert_eq!(incident["ended_at"], Value::Null);
    assert!(time(&incident["started_at"]) >= outage_began);
    touched.sort();
    assert_eq!(incident["orders"], json!(touched));
    assert!(!touched.contains(&before));
    let cookie = signed_in(&app, &app.finance_key).await;
    let page = html(&app, &cookie, "/reports/incidents").await;
    assert!(
        page.contains("data-bank=\"vcb\" data-ongoing=\"true\""),
        "{page}"
    );

    vcb.clear_api_fault(ApiOp::StartPayment);
    app.move_clocks_by(Minutes::minutes(2));
    let recovered_at = app.clock.now();
    let (_, status) = choose(&app, "000.00.12.H29-5", "vcb").await;
    assert_eq!(status, 303);
    let after = incidents(&app).await;
    assert_eq!(after["ongoing"], 0, "{after}");
    let ended = time(&after["incidents"][0]["ended_at"]);
    assert!(
        ended >= recovered_at && ended < app.clock.now(),
        "ends at the first start that worked"
    );

    let report = report(&app, "").await;
    let h29 = &report["groups"][0];
    assert_eq!(h29["group"], "H29");
    assert_eq!(h29["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(h29["incidents"][0]["orders_touched"], 4);
    assert_eq!(report["incidents"][0]["orders"], json!(touched));
    let page = html(&app, &cookie, "/reports/incidents").await;
    assert!(page.contains("data-bank=\"vcb\" data-ongoing=\"false\""));
}

async fn callbacks_that_stop_coming_are_an_incident(backend: Backend) {
    let app = app_with_banks(backend).await;
    let banks = app.banks.as_ref().unwrap();
    // A decline and a payment at VNPAY, both answered: no incident.
    play(&app, AGENCY, "000.00.12.H29-0", "vnpay", "decline").await;
    let fine = play(&app, AGENCY, "000.00.12.H29-1", "vnpay", "approve").await;
    paid(&app, &fine).await;

    banks.bidv.set_faults(Faults::default().drop_callback());
    let mut lost = Vec::new();
    for n in 2..=4 {
        lost.push(
            play(
                &app,
                AGENCY,
                &format!("000.00.12.H29-{n}"),
                "bidv",
                "approve",
            )
            .await,
        );
    }
    app.move_clocks_by(Minutes::minutes(6));
    payhub::pending_sync::sync_pass(&state(&app)).await.unwrap();
    for id in &lost {
        paid(&app, id).await;
    }
    let found = incidents(&app).await;
    let incidents = found["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{found}");
    assert_eq!(incidents[0]["bank"], "bidv");
    assert_eq!(incidents[0]["channels"], json!(["callback"]));
    lost.sort();
    assert_eq!(incidents[0]["orders"], json!(lost));
    assert_eq!(
        found["ongoing"], 1,
        "BIDV's callbacks have not come back: {found}"
    );
    let report = report(&app, "").await;
    assert_eq!(report["national"]["callbacks"]["never"], 3);
}
