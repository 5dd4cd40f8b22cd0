//! The order API as a dossier system uses it.

use std::collections::HashSet;

use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, order_body, spawn_app, Backend, TestApp, AGENCY};
use crate::on_both_backends;

on_both_backends!(
    an_order_is_created_read_and_listed_page_by_page,
    a_retry_replays_the_first_reply_and_a_changed_body_is_refused,
    fifty_concurrent_requests_with_one_key_create_one_order,
    a_second_open_order_for_a_dossier_is_a_conflict_until_the_first_closes,
    every_invalid_order_is_refused_with_a_field_level_problem,
    a_portal_key_sees_only_its_own_orders,
    orders_past_their_expiry_are_expired_once,
    the_expiry_worker_expires_orders_on_its_own,
);

async fn app_with_agency(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    app
}

async fn an_order_is_created_read_and_listed_page_by_page(backend: Backend) {
    let app = app_with_agency(backend).await;
    let created = app
        .create_order("k1", &order_body("000.00.12.H29-260530-0001"))
        .await;
    assert_eq!(created.status(), 201);
    let order: Value = created.json().await.unwrap();
    assert_eq!(order["amount"], "650000");
    assert_eq!(order["currency"], "VND");
    assert_eq!(order["status"], "pending");
    assert_eq!(order["payment"], Value::Null);
    assert_eq!(order["items"][0]["amount"], "150000");
    let id = order["id"].as_str().unwrap();
    assert_eq!(id.len(), 36, "a random UUID");
    assert_eq!(order["checkout_url"], app.url(&format!("/checkout/{id}")));

    let read: Value = app
        .get(&format!("/api/v1/orders/{id}"), &app.portal_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read, order);

    for n in 2..=5 {
        let r = app
            .create_order(
                &format!("k{n}"),
                &order_body(&format!("000.00.12.H29-260530-000{n}")),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/orders?limit=2".to_owned();
    loop {
        let page: Value = app.get(&path, &app.finance_key).await.json().await.unwrap();
        seen.extend(
            page["orders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["dossier_code"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/orders?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "every order exactly once across pages");
    assert_eq!(seen[0], "000.00.12.H29-260530-0005", "newest first");
    let filtered: Value = app
        .get(
            "/api/v1/orders?dossier_code=000.00.12.H29-260530-0003&status=pending",
            &app.admin_key,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["orders"].as_array().unwrap().len(), 1);
    let bad = app.get("/api/v1/orders?status=lost", &app.admin_key).await;
    assert_problem(bad, 422, "validation").await;
}

async fn a_retry_replays_the_first_reply_and_a_changed_body_is_refused(backend: Backend) {
    let app = app_with_agency(backend).await;
    let body = order_body("000.00.12.H29-260530-0001");
    let first = app.create_order("retry-me", &body).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    app.clock.advance(Duration::seconds(5));
    let again = app.create_order("retry-me", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        first,
        "the same status and body"
    );

    let mut changed = body.clone();
    changed["items"][0]["amount"] = json!("150001");
    assert_problem(
        app.create_order("retry-me", &changed).await,
        422,
        "idempotency-mismatch",
    )
    .await;
    let no_key = app
        .post_json("/api/v1/orders", &app.portal_key, &body)
        .await;
    let problem = assert_problem(no_key, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    let orders: Value = app
        .get("/api/v1/orders", &app.admin_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(orders["orders"].as_array().unwrap().len(), 1);
}

async fn fifty_concurrent_requests_with_one_key_create_one_order(backend: Backend) {
    let app = app_with_agency(backend).await;
    let body = order_body("000.00.12.H29-260530-0001");
    let requests = (0..50).map(|_| app.create_order("race", &body));
    let replies = futures_util::future::join_all(requests).await;
    let mut ids = HashSet::new();
    for reply in replies {
        let status = reply.status().as_u16();
        assert!(status == 201 || status == 409, "{status}");
        if status == 201 {
            let order: Value = reply.json().await.unwrap();
            ids.insert(order["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(ids.len(), 1, "every reply names the one order");
    let orders: Value = app
        .get("/api/v1/orders", &app.admin_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(orders["orders"].as_array().unwrap().len(), 1);
}

async fn a_second_open_order_for_a_dossier_is_a_conflict_until_the_first_closes(backend: Backend) {
    let app = app_with_agency(backend).await;
    let body = order_body("000.00.12.H29-260530-0001");
    let first: Value = app.create_order("a", &body).await.json().await.unwrap();
    let problem = assert_problem(app.create_order("b", &body).await, 409, "conflict").await;
    assert_eq!(problem["open_order_id"], first["id"]);

    let cancel = app
        .post_json(
            &format!("/api/v1/orders/{}/cancel", first["id"].as_str().unwrap()),
            &app.portal_key,
            &json!({}),
        )
        .await;
    assert_eq!(cancel.status(), 200);
    assert_eq!(cancel.json::<Value>().await.unwrap()["status"], "cancelled");
    let second = app.create_order("c", &body).await;
    assert_eq!(
        second.status(),
        201,
        "a cancelled order no longer blocks its dossier"
    );
    let second: Value = second.json().await.unwrap();

    app.clock.advance(Duration::minutes(31));
    let third = app.create_order("d", &body).await;
    assert_eq!(
        third.status(),
        201,
        "an order past its expiry no longer blocks its dossier"
    );
    let expired: Value = app
        .get(
            &format!("/api/v1/orders/{}", second["id"].as_str().unwrap()),
            &app.portal_key,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(expired["status"], "expired");
    let again = app
        .post_json(
            &format!("/api/v1/orders/{}/cancel", second["id"].as_str().unwrap()),
            &app.portal_key,
            &json!({}),
        )
        .await;
    assert_problem(again, 409, "conflict").await;
}

async fn every_invalid_order_is_refused_with_a_field_level_problem(backend: Backend) {
    let app = app_with_agency(backend).await;
    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "items[0].amount",
            Box::new(|b| b["items"][0]["amount"] = json!("150000.5")),
        ),
        (
            "items[0].amount",
            Box::new(|b| b["items"][0]["amount"] = json!(-1)),
        ),
        (
            "items[0].amount",
            Box::new(|b| b["items"][0]["amount"] = json!(1e3)),
        ),
        (
            "items[0].amount",
            Box::new(|b| b["items"][0]["amount"] = json!("")),
        ),
        (
            "items[0].amount",
            Box::new(|b| b["items"][0]["amount"] = json!(0)),
        ),
        (
            "items[1].kind",
            Box::new(|b| b["items"][1]["kind"] = json!("tax")),
        ),
        ("items", Box::new(|b| b["items"] = json!([]))),
        (
            "items",
            Box::new(|b| {
                b["items"][0]["amount"] = json!("1000000000000");
                b["items"][1]["amount"] = json!("1");
            }),
        ),
        (
            "return_url",
            Box::new(|b| b["return_url"] = json!("http://portal.example.gov.vn/x")),
        ),
        (
            "expires_in_minutes",
            Box::new(|b| b["expires_in_minutes"] = json!(4)),
        ),
        (
            "expires_in_minutes",
            Box::new(|b| b["expires_in_minutes"] = json!(10081)),
        ),
        (
            "agency_code",
            Box::new(|b| b["agency_code"] = json!("000.00.99.H99")),
        ),
        (
            "procedure_code",
            Box::new(|b| b["procedure_code"] = json!("1.23")),
        ),
        ("payer.name", Box::new(|b| b["payer"]["name"] = json!(""))),
    ];
    for (n, (field, mutate)) in cases.iter().enumerate() {
        let mut body = order_body(&format!("000.00.12.H29-260530-{n:04}"));
        mutate(&mut body);
        let problem = assert_problem(
            app.create_order(&format!("bad{n}"), &body).await,
            422,
            "validation",
        )
        .await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(field),
            "case {n}: expected {field}, got {problem}"
        );
    }
    let agency_without_accounts = json!({"name": "UBND xã"});
    app.put_json(
        "/api/v1/agencies/000.00.13.H29",
        &app.admin_key,
        &agency_without_accounts,
    )
    .await;
    let mut body = order_body("000.00.13.H29-1");
    body["agency_code"] = json!("000.00.13.H29");
    let problem = assert_problem(app.create_order("no-bank", &body).await, 422, "validation").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("no bank"),
        "{problem}"
    );
    let orders: Value = app
        .get("/api/v1/orders", &app.admin_key)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        orders["orders"].as_array().unwrap().is_empty(),
        "nothing was stored"
    );
}

async fn a_portal_key_sees_only_its_own_orders(backend: Backend) {
    let app = app_with_agency(backend).await;
    let mine: Value = app
        .create_order("m", &order_body("000.00.12.H29-1"))
        .await
        .json()
        .await
        .unwrap();
    let other = app
        .store
        .create_key(
            "other dossier system",
            payhub::domain::keys::Role::Portal,
            "t",
            app.clock.now(),
        )
        .await
        .unwrap();
    let path = format!("/api/v1/orders/{}", mine["id"].as_str().unwrap());
    assert_problem(app.get(&path, &other.secret).await, 404, "not-found").await;
    let listed: Value = app
        .get("/api/v1/orders", &other.secret)
        .await
        .json()
        .await
        .unwrap();
    assert!(listed["orders"].as_array().unwrap().is_empty());
    assert_eq!(app.get(&path, &app.finance_key).await.status(), 200);
}

async fn orders_past_their_expiry_are_expired_once(backend: Backend) {
    let app = app_with_agency(backend).await;
    for n in 0..6 {
        let mut body = order_body(&format!("000.00.12.H29-{n}"));
        body["expires_in_minutes"] = json!(if n < 4 { 5 } else { 60 });
        app.create_order(&format!("e{n}"), &body).await;
    }
    app.clock.advance(Duration::minutes(6));
    let now = app.clock.now();
    // Two instances sweep at the same moment: each order is expired by exactly one of them.
    let (a, b) = tokio::join!(
        app.store.expire_due_orders(now, 100),
        app.store.expire_due_orders(now, 100)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 4);
    assert_eq!(app.store.expire_due_orders(now, 100).await.unwrap(), 0);
    let expired: Value = app
        .get("/api/v1/orders?status=expired", &app.admin_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(expired["orders"].as_array().unwrap().len(), 4);
    let notifications: i64 = count(
        &app,
        "select count(*) from notifications where event = 'order.expired'",
    )
    .await;
    assert_eq!(notifications, 4, "one notification per expired order");
}

async fn the_expiry_worker_expires_orders_on_its_own(backend: Backend) {
    let app = crate::helpers::spawn_app_with(backend, |c| c.server.workers = true).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let mut body = order_body("000.00.12.H29-1");
    body["expires_in_minutes"] = json!(5);
    let order: Value = app.create_order("w", &body).await.json().await.unwrap();
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    app.clock.advance(Duration::minutes(6));
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut status = Value::Null;
    while tokio::time::Instant::now() < deadline {
        status = app
            .get(&path, &app.admin_key)
            .await
            .json::<Value>()
            .await
            .unwrap()["status"]
            .clone();
        if status == "expired" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "expired");
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    match &app.store {
        payhub::store::Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        payhub::store::Store::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}
