//! The payer's messages about an order (messages.md §1): what was sent by email and SMS, to
//! whom, and every delivery attempt, for the dossier system and finance staff.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::Auth;
use crate::app::AppState;
use crate::domain::keys::Role;
use crate::store::citizen_messages::CitizenMessage;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/orders/{id}/messages", get(list_order_messages))
}

/// The order's messages to the payer, oldest first, each with every delivery attempt.
#[utoipa::path(get, path = "/api/v1/orders/{id}/messages", tag = "notifications",
    params(("id" = String, Path, description = "order id")),
    responses((status = 200, description = "the payer's messages and their attempts"),
              (status = 404, description = "no such order (or not this portal key's)")))]
pub(crate) async fn list_order_messages(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Portal, Role::Finance, Role::Admin])?;
    let order = app.store.order(&id).await?.ok_or(ApiError::NotFound)?;
    if caller.role == Role::Portal && order.created_by_key_id != caller.key_id {
        return Err(ApiError::NotFound);
    }
    let messages = app.store.citizen_messages_of_order(&order.id).await?;
    let messages: Vec<Value> = messages.iter().map(message_json).collect();
    Ok(Json(json!({ "messages": messages })).into_response())
}

/// The recipient is masked: the log shows where a message went, not the whole contact.
fn masked(recipient: &str) -> String {
    match recipient.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => {
            let keep: String = recipient
                .chars()
                .skip(recipient.chars().count().saturating_sub(3))
                .collect();
            format!("*******{keep}")
        }
    }
}

fn message_json(m: &CitizenMessage) -> Value {
    let deliveries: Vec<Value> = m
        .deliveries
        .iter()
        .map(|d| {
            json!({"attempt": d.attempt, "attempted_at": d.attempted_at, "outcome": d.outcome,
                "latency_ms": d.latency_ms, "error": d.error})
        })
        .collect();
    json!({"id": m.id, "order_id": m.order_id, "event": m.event, "channel": m.channel,
        "recipient": masked(&m.recipient), "request_id": m.request_id, "status": m.status,
        "attempts": m.attempts, "next_attempt_at": m.next_attempt_at, "created_at": m.created_at,
        "sent_at": m.sent_at, "deliveries": deliveries})
}
