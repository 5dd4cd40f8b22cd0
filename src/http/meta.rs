//! Operational routes: health, readiness, metrics, the OpenAPI document and a page that reads it.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use utoipa::OpenApi;

use super::error::ApiError;
use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs_page))
}

/// The process is up (no dependency is checked: a liveness probe must not restart us for a
/// database outage).
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// The database answers; load balancers stop sending traffic while it does not.
async fn readyz(State(app): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    app.store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("database unreachable: {e}")))?;
    Ok(Json(
        json!({"status": "ready", "database": app.store.backend()}),
    ))
}

async fn metrics(State(app): State<AppState>) -> Response {
    let mut body = app.metrics.render();
    // The backlogs come from the database; without it the counters are still served.
    match app.store.gauges().await {
        Ok(g) => body.push_str(&crate::metrics::render_gauges(&g, app.clock.now())),
        Err(e) => {
            tracing::warn!(error.cause_chain = ?e, "reading the backlogs for /metrics failed")
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(super::ApiDoc::openapi())
}

/// A plain page listing every operation of the OpenAPI document, with no external assets.
async fn docs_page() -> Html<String> {
    let doc = super::ApiDoc::openapi();
    let mut rows = String::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("DELETE", &item.delete),
            ("PATCH", &item.patch),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let summary = op
                .summary
                .clone()
                .or(op.description.clone())
                .unwrap_or_default();
            let tag = op
                .tags
                .as_ref()
                .and_then(|t| t.first().cloned())
                .unwrap_or_default();
            rows.push_str(&format!(
                "<tr><td><code>{method}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                escape(path),
                escape(&tag),
                escape(&summary)
            ));
        }
    }
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>PayHub API</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a}}table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ccc;padding:.4rem .8rem;text-align:left;vertical-align:top}}</style></head>
<body><h1>PayHub API {version}</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a>.
Errors are <code>application/problem+json</code>; authenticate with <code>Authorization: Bearer &lt;key&gt;</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Area</th><th>What it does</th></tr></thead>
<tbody>{rows}</tbody></table></body></html>"#,
        version = escape(&doc.info.version)
    ))
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
