//! Notification routes: what PayHub told a dossier system about an order, attempt by attempt,
//! and an admin's "send it again" (api.md, "Dossier-system notifications").

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::Auth;
use crate::app::AppState;
use crate::domain::keys::Role;
use crate::store::notifications::Notification;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/orders/{id}/notifications",
            get(list_order_notifications),
        )
        .route("/api/v1/notifications/{id}/redeliver", post(redeliver))
}

/// The order's notifications, oldest first, each with every delivery attempt (status code,
/// latency, the start of the reply, the error).
#[utoipa::path(get, path = "/api/v1/orders/{id}/notifications", tag = "notifications",
    params(("id" = String, Path, description = "order id")),
    responses((status = 200, description = "the order's notifications and their attempts"),
              (status = 404, description = "no such order (or not this portal key's)")))]
async fn list_order_notifications(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Portal, Role::Finance, Role::Admin])?;
    let order = app.store.order(&id).await?.ok_or(ApiError::NotFound)?;
    // The rule of `GET /orders/{id}`: a portal key's foreign orders do not exist for it.
    if caller.role == Role::Portal && order.created_by_key_id != caller.key_id {
        return Err(ApiError::NotFound);
    }
    let notifications = app.store.notifications_of_order(&order.id).await?;
    let notifications: Vec<Value> = notifications.iter().map(notification_json).collect();
    Ok(Json(json!({ "notifications": notifications })).into_response())
}

/// Makes a delivered or dead notification due again; the dispatcher sends it with a new attempt.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/redeliver", tag = "notifications",
    params(("id" = i64, Path, description = "notification id")),
    responses((status = 202, description = "due again; the notification as it now is"),
              (status = 404, description = "no such notification"),
              (status = 409, description = "already pending delivery")))]
async fn redeliver(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Admin])?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let notification = app
        .store
        .redeliver(id, &caller.actor(), app.clock.now())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(notification_json(&notification))).into_response())
}

/// A notification as the API shows it, with every delivery attempt.
fn notification_json(n: &Notification) -> Value {
    let deliveries: Vec<Value> = n
        .deliveries
        .iter()
        .map(|d| {
            json!({"attempt": d.attempt, "attempted_at": d.attempted_at,
                "status_code": d.status_code, "latency_ms": d.latency_ms,
                "response_snippet": d.response_snippet, "error": d.error})
        })
        .collect();
    json!({"id": n.id, "order_id": n.order_id, "event": n.event, "url": n.url,
        "status": n.status, "attempts": n.attempts, "next_attempt_at": n.next_attempt_at,
        "created_at": n.created_at, "delivered_at": n.delivered_at, "deliveries": deliveries})
}
