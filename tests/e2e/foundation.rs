//! The HTTP skeleton: health, problem+json, request ids, limits, metrics, OpenAPI, keys.

use payhub::domain::keys::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Backend, TestDb};
use crate::on_both_backends;

on_both_backends!(
    health_and_readiness_answer,
    readiness_fails_when_the_database_is_gone,
    every_response_carries_a_request_id,
    malformed_bodies_get_problem_details_and_change_nothing,
    a_missing_or_bad_key_is_401_and_the_wrong_role_is_403,
    a_revoked_key_stops_working_at_once,
    metrics_count_requests_per_route,
    the_openapi_document_and_the_api_page_list_the_routes,
    shutdown_stops_the_server_cleanly,
);

async fn health_and_readiness_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["database"], app.store.backend());
}

async fn readiness_fails_when_the_database_is_gone(backend: Backend) {
    let app = spawn_app(backend).await;
    app.store.close().await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_problem(ready, 503, "unavailable").await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(
        health.status(),
        200,
        "liveness does not depend on the database"
    );
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let fresh = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = fresh.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let echoed = app
        .client
        .get(app.url("/nowhere"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-42");
    assert_problem(echoed, 404, "not-found").await;
}

async fn malformed_bodies_get_problem_details_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = "/api/v1/agencies/000.00.12.H29";
    let send = |body: &'static str, content_type: &'static str| {
        app.client
            .put(app.url(path))
            .bearer_auth(&app.admin_key)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_problem(
        send("{\"name\": ", "application/json").await.unwrap(),
        400,
        "malformed-json",
    )
    .await;
    let wrong_type = send("{\"name\": 42}", "application/json").await.unwrap();
    let problem = assert_problem(wrong_type, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "name");
    let unknown = send(
        "{\"name\": \"Sở Tư pháp\", \"colour\": \"red\"}",
        "application/json",
    )
    .await
    .unwrap();
    let problem = assert_problem(unknown, 422, "validation").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("colour"),
        "{problem}"
    );
    assert_problem(
        send("{\"name\":\"x\"}", "text/plain").await.unwrap(),
        415,
        "unsupported-media-type",
    )
    .await;

    let huge = format!(
        "{{\"name\": \"{}\"}}",
        "a".repeat(app.config.server.body_limit_bytes + 1)
    );
    let too_large = app
        .client
        .put(app.url(path))
        .bearer_auth(&app.admin_key)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_problem(too_large, 413, "payload-too-large").await;

    assert!(
        app.store.agency("000.00.12.H29").await.unwrap().is_none(),
        "nothing was written"
    );
    let wrong_method = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert_problem(wrong_method, 405, "method-not-allowed").await;
}

/// Every route that exists, with who may call it.
fn role_matrix() -> Vec<(
    reqwest::Method,
    &'static str,
    Option<Value>,
    &'static [Role],
)> {
    use reqwest::Method;
    let agency = json!({"name": "Sở Tư pháp Hà Nội"});
    vec![
        (
            Method::PUT,
            "/api/v1/agencies/000.00.12.H26",
            Some(agency),
            &[Role::Admin],
        ),
        (
            Method::GET,
            "/api/v1/agencies/000.00.12.H26",
            None,
            &[Role::Admin, Role::Finance],
        ),
        (
            Method::GET,
            "/api/v1/agencies/000.00.12.H26/beneficiary-accounts",
            None,
            &[Role::Admin, Role::Finance],
        ),
        (Method::GET, "/api/v1/audit", None, &[Role::Admin]),
    ]
}

async fn a_missing_or_bad_key_is_401_and_the_wrong_role_is_403(backend: Backend) {
    let app = spawn_app(backend).await;
    for (method, path, body, allowed) in role_matrix() {
        let request = |key: Option<&str>| {
            let mut r = app.client.request(method.clone(), app.url(path));
            if let Some(key) = key {
                r = r.bearer_auth(key);
            }
            if let Some(body) = &body {
                r = r.json(body);
            }
            r.send()
        };
        assert_problem(request(None).await.unwrap(), 401, "unauthorized").await;
        assert_problem(
            request(Some("ph_notakey")).await.unwrap(),
            401,
            "unauthorized",
        )
        .await;
        for (role, key) in [
            (Role::Admin, &app.admin_key),
            (Role::Finance, &app.finance_key),
            (Role::Portal, &app.portal_key),
        ] {
            let response = request(Some(key)).await.unwrap();
            let status = response.status().as_u16();
            if allowed.contains(&role) {
                assert!(status < 300, "{role:?} on {method} {path}: {status}");
            } else {
                assert_problem(response, 403, "forbidden").await;
            }
        }
    }
}

async fn a_revoked_key_stops_working_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app
        .store
        .create_key("ops", Role::Admin, "test", app.clock.now())
        .await
        .unwrap();
    assert_eq!(app.get("/api/v1/audit", &key.secret).await.status(), 200);
    assert!(app
        .store
        .revoke_key(key.info.id, "test", app.clock.now())
        .await
        .unwrap());
    assert_problem(
        app.get("/api/v1/audit", &key.secret).await,
        401,
        "unauthorized",
    )
    .await;
    assert!(!app
        .store
        .revoke_key(key.info.id, "test", app.clock.now())
        .await
        .unwrap());
}

async fn metrics_count_requests_per_route(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..3 {
        app.get("/api/v1/agencies/000.00.12.H29", &app.admin_key)
            .await;
    }
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = "payhub_http_requests_total{method=\"GET\",route=\"/api/v1/agencies/{code}\",status=\"404\"} 3";
    assert!(text.contains(line), "{text}");
    assert!(text.contains("payhub_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/agencies/{code}\"} 3"));
}

async fn the_openapi_document_and_the_api_page_list_the_routes(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/v1/agencies/{code}/beneficiary-accounts"]["post"].is_object());
    for path in ["/api/v1/search", "/api/v1/open-items", "/api/v1/settlement"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    assert!(doc["paths"]["/api/v1/refund-requests/{id}/approve"]["post"].is_object());
    let page = app
        .client
        .get(app.url("/docs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/api/v1/agencies/{code}/beneficiary-accounts"));
}

async fn shutdown_stops_the_server_cleanly(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = app.url("/healthz");
    app.stop().await.expect("graceful shutdown returns Ok");
    assert!(
        reqwest::get(url).await.is_err(),
        "nothing listens after shutdown"
    );
}

/// Needs both backends at once, so it runs only where PostgreSQL is available (always in CI).
#[tokio::test]
async fn both_schemas_have_the_same_tables_and_columns_on_postgres() {
    let Some(pg) = Backend::postgres() else {
        return;
    };
    let (pg_db, lite_db) = (
        TestDb::create(&pg).await,
        TestDb::create(&Backend::Sqlite).await,
    );
    let mut columns = Vec::new();
    for db in [&pg_db, &lite_db] {
        let config = crate::helpers::test_config(db);
        let store = payhub::store::Store::connect(&config.database)
            .await
            .unwrap();
        store.migrate().await.unwrap();
        columns.push(store.schema_columns().await.unwrap());
        store.close().await;
    }
    assert!(columns[0].len() > 10);
    assert_eq!(columns[0], columns[1]);
}
