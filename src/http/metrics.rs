//! The route layer that counts every request into [`crate::metrics::Metrics`].

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::AppState;

/// Route layer: labels by the matched route template (`/api/v1/orders/{id}`), never the raw
/// path, so the label set stays bounded.
pub async fn track(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    app.metrics
        .observe(&method, &route, response.status().as_u16(), seconds);
    response
}
