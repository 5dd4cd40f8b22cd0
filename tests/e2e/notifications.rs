//! Signed notifications to dossier systems, as a dossier system receives them: a receiver on port
//! 0 records every request and answers with a status the test chooses. Tests run the dispatcher's
//! passes themselves (background workers are off) and move the clock instead of sleeping.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::Duration;
use hmac::{Hmac, Mac};
use payhub::app::AppState;
use payhub::domain::keys::Role;
use payhub::notify::deliver_due;
use payhub::store::Store;
use payhub::workers::Outcome;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{
    assert_problem, order_body, spawn_app, spawn_app_with, Backend, TestApp, AGENCY,
};
use crate::on_both_backends;

on_both_backends!(
    a_notification_carries_a_signature_the_dossier_system_can_verify,
    a_receiver_answering_500_gets_the_notification_again_after_the_backoff,
    a_notification_failing_for_a_day_is_dead_until_an_admin_redelivers_it,
    two_dispatchers_on_one_database_never_deliver_the_same_attempt_twice,
    the_background_dispatcher_delivers_on_its_own_and_stops_with_the_server,
);

/// One request as the dossier system received it.
#[derive(Clone)]
struct Received {
    headers: HeaderMap,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers[name].to_str().unwrap()
    }
}

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    failures_left: Arc<AtomicUsize>,
}

/// A dossier system's notification endpoint: answers 500 while `failures_left` lasts, then 200.
struct Receiver {
    url: String,
    inbox: Inbox,
}

impl Receiver {
    async fn start(failures: usize) -> Receiver {
        let inbox = Inbox::default();
        inbox.failures_left.store(failures, Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/notify", listener.local_addr().unwrap());
        let router = Router::new()
            .route("/notify", post(receive))
            .with_state(inbox.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Receiver { url, inbox }
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().unwrap().clone()
    }

    fn answer_ok_from_now(&self) {
        self.inbox.failures_left.store(0, Ordering::SeqCst);
    }
}

async fn receive(
    State(inbox): State<Inbox>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, &'static str) {
    inbox
        .received
        .lock()
        .unwrap()
        .push(Received { headers, body });
    let failing = inbox
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "receiver down for maintenance",
        )
    } else {
        (StatusCode::OK, "ok")
    }
}

/// A PayHub instance's state for running dispatcher passes against the test's database.
fn dispatcher(app: &TestApp, store: Store) -> AppState {
    AppState::new(store, app.config.clone(), app.clock.clone())
}

/// Creates and cancels an order, which queues an `order.cancelled` notification.
async fn cancelled_order(app: &TestApp, dossier: &str) -> String {
    let created = app.create_order(dossier, &order_body(dossier)).await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancelled = app
        .post_json(
            &format!("/api/v1/orders/{id}/cancel"),
            &app.portal_key,
            &json!({}),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    id
}

async fn notifications_of(app: &TestApp, order_id: &str, key: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/orders/{order_id}/notifications"), key)
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["notifications"].as_array().unwrap().clone()
}

/// The signature check a dossier system would write, independently of PayHub's code.
fn verify_signature(secret: &str, header: &str, body: &str) -> i64 {
    let (t, v1) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .expect("t=<unix>,v1=<hex>");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    assert_eq!(
        v1,
        hex::encode(mac.finalize().into_bytes()),
        "v1 over t.body"
    );
    t.parse().unwrap()
}

async fn a_notification_carries_a_signature_the_dossier_system_can_verify(backend: Backend) {
    let receiver = Receiver::start(0).await;
    let app = spawn_app(backend).await;
    app.seed_agency(AGENCY, &receiver.url).await;
    let order_id = cancelled_order(&app, "000.00.12.H29-260530-0001").await;
    let payhub = dispatcher(&app, app.store.clone());

    assert_eq!(deliver_due(&payhub).await.unwrap(), Outcome::Done);
    assert_eq!(deliver_due(&payhub).await.unwrap(), Outcome::Idle);

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    let secret = app
        .store
        .agency(AGENCY)
        .await
        .unwrap()
        .unwrap()
        .webhook_secret;
    let t = verify_signature(&secret, request.header("payhub-signature"), &request.body);
    assert!((app.clock.now().timestamp() - t).abs() < 60, "t is now");
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(request.header("payhub-event"), "order.cancelled");
    let order: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(order["id"], order_id.as_str());
    assert_eq!(order["status"], "cancelled");

    let listed = notifications_of(&app, &order_id, &app.portal_key).await;
    assert_eq!(listed.len(), 1);
    let n = &listed[0];
    assert_eq!(request.header("payhub-delivery"), n["id"].to_string());
    assert_eq!(n["status"], "delivered");
    assert_eq!(n["event"], "order.cancelled");
    assert_eq!(n["deliveries"][0]["status_code"], 200);
    assert_eq!(n["deliveries"][0]["response_snippet"], "ok");
    assert!(n["deliveries"][0]["latency_ms"].is_i64());

    assert_eq!(
        notifications_of(&app, &order_id, &app.finance_key).await,
        listed
    );
    let other = app
        .store
        .create_key("other-portal", Role::Portal, "test", app.clock.now())
        .await
        .unwrap()
        .secret;
    let foreign = app
        .get(&format!("/api/v1/orders/{order_id}/notifications"), &other)
        .await;
    assert_problem(foreign, 404, "not-found").await;
}

async fn a_receiver_answering_500_gets_the_notification_again_after_the_backoff(backend: Backend) {
    let receiver = Receiver::start(2).await;
    let app = spawn_app(backend).await;
    app.seed_agency(AGENCY, &receiver.url).await;
    let order_id = cancelled_order(&app, "000.00.12.H29-260530-0001").await;
    let payhub = dispatcher(&app, app.store.clone());

    assert_eq!(deliver_due(&payhub).await.unwrap(), Outcome::Done);
    assert_eq!(
        deliver_due(&payhub).await.unwrap(),
        Outcome::Idle,
        "not again before the backoff"
    );
    app.clock.advance(Duration::seconds(31));
    assert_eq!(deliver_due(&payhub).await.unwrap(), Outcome::Done);
    assert_eq!(deliver_due(&payhub).await.unwrap(), Outcome::Idle);
    app.clock.advance(Duration::seconds(61));
    assert_eq!(deliver_due(&payhub).await.unwrap(), Outcome::Done);
    assert_eq!(deliver_due(&payhub).await.unwrap(), Outcome::Idle);

    let received = receiver.received();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| r.body == received[0].body
        && r.header("payhub-delivery") == received[0].header("payhub-delivery")));
    let n = &notifications_of(&app, &order_id, &app.admin_key).await[0];
    assert_eq!(n["status"], "delivered");
    assert_eq!(n["attempts"], 3);
    let deliveries = n["deliveries"].as_array().unwrap();
    let attempts: Vec<(i64, i64)> = deliveries
        .iter()
        .map(|d| {
            (
                d["attempt"].as_i64().unwrap(),
                d["status_code"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(attempts, [(1, 500), (2, 500), (3, 200)]);
    assert!(deliveries
        .iter()
        .all(|d| d["latency_ms"].as_i64() >= Some(0)));
    assert_eq!(
        deliveries[0]["response_snippet"],
        "receiver down for maintenance"
    );
}

async fn a_notification_failing_for_a_day_is_dead_until_an_admin_redelivers_it(backend: Backend) {
    let receiver = Receiver::start(usize::MAX).await;
    let app = spawn_app(backend).await;
    app.seed_agency(AGENCY, &receiver.url).await;
    let order_id = cancelled_order(&app, "000.00.12.H29-260530-0001").await;
    let payhub = dispatcher(&app, app.store.clone());

    // Backoff never exceeds an hour, so one pass every 61 minutes makes every retry.
    let mut attempts = 0;
    while deliver_due(&payhub).await.unwrap() == Outcome::Done {
        attempts += 1;
        assert!(attempts < 40, "it should be dead within a day");
        app.clock.advance(Duration::minutes(61));
    }
    let n = notifications_of(&app, &order_id, &app.admin_key).await[0].clone();
    assert_eq!(n["status"], "dead");
    assert_eq!(n["attempts"], attempts);
    assert_eq!(receiver.received().len(), attempts);
    assert_eq!(n["deliveries"].as_array().unwrap().len(), attempts);
    assert!(
        (20..=24).contains(&attempts),
        "retried through the day: {attempts}"
    );

    let path = format!("/api/v1/notifications/{}/redeliver", n["id"]);
    let by_portal = app.post_json(&path, &app.portal_key, &json!({})).await;
    assert_problem(by_portal, 403, "forbidden").await;
    receiver.answer_ok_from_now();
    let by_admin = app.post_json(&path, &app.admin_key, &json!({})).await;
    assert_eq!(by_admin.status(), 202);
    assert_eq!(by_admin.json::<Value>().await.unwrap()["status"], "pending");
    let again = app.post_json(&path, &app.admin_key, &json!({})).await;
    assert_problem(again, 409, "conflict").await;

    assert_eq!(deliver_due(&payhub).await.unwrap(), Outcome::Done);
    assert_eq!(receiver.received().len(), attempts + 1);
    let n = notifications_of(&app, &order_id, &app.admin_key).await[0].clone();
    assert_eq!(n["status"], "delivered");
    assert_eq!(n["deliveries"][attempts]["attempt"], attempts + 1);
    assert_eq!(n["deliveries"][attempts]["status_code"], 200);
    let audit: Value = app
        .get(
            &format!("/api/v1/audit?subject=notification:{}", n["id"]),
            &app.admin_key,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["entries"][0]["action"], "notification.redelivered");
    assert_eq!(audit["entries"][0]["before"]["status"], "dead");
    let unknown = app
        .post_json(
            "/api/v1/notifications/999999/redeliver",
            &app.admin_key,
            &json!({}),
        )
        .await;
    assert_problem(unknown, 404, "not-found").await;
}

/// Passes until nothing is due; returns how many attempts this dispatcher made.
async fn drain(payhub: AppState) -> usize {
    let mut made = 0;
    while deliver_due(&payhub).await.unwrap() == Outcome::Done {
        made += 1;
    }
    made
}

async fn two_dispatchers_on_one_database_never_deliver_the_same_attempt_twice(backend: Backend) {
    let receiver = Receiver::start(0).await;
    let app = spawn_app(backend).await;
    app.seed_agency(AGENCY, &receiver.url).await;
    let mut orders = Vec::new();
    for n in 1..=20 {
        orders.push(cancelled_order(&app, &format!("000.00.12.H29-260530-{n:04}")).await);
    }
    // Two instances: each with a connection pool of its own, as two processes would have.
    let second_store = Store::connect(&app.config.database).await.unwrap();
    let first = tokio::spawn(drain(dispatcher(&app, app.store.clone())));
    let second = tokio::spawn(drain(dispatcher(&app, second_store.clone())));
    let made = first.await.unwrap() + second.await.unwrap();
    second_store.close().await;

    assert_eq!(made, 20, "one attempt per notification");
    let received = receiver.received();
    let ids: HashSet<&str> = received
        .iter()
        .map(|r| r.header("payhub-delivery"))
        .collect();
    assert_eq!(received.len(), 20, "each notification exactly once");
    assert_eq!(ids.len(), 20);
    for order_id in &orders {
        let n = &notifications_of(&app, order_id, &app.admin_key).await[0];
        assert_eq!(n["status"], "delivered");
        assert_eq!(n["deliveries"].as_array().unwrap().len(), 1);
    }
}

async fn the_background_dispatcher_delivers_on_its_own_and_stops_with_the_server(backend: Backend) {
    let receiver = Receiver::start(0).await;
    let app = spawn_app_with(backend, |c| c.server.workers = true).await;
    app.seed_agency(AGENCY, &receiver.url).await;
    cancelled_order(&app, "000.00.12.H29-260530-0001").await;

    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    while receiver.received().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not delivered in 15 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(15), app.stop()).await;
    assert!(stopped.expect("stops within 15 s").is_ok());
    assert_eq!(receiver.received().len(), 1);
}
