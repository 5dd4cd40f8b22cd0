//! Refunds of an order's payments, by finance staff (reference-data.md: a refund is its own
//! audited money movement against a paid order).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::error::ApiError;
use super::extract::{parse_value, ApiJson, Auth};
use super::orders::idempotency_key;
use crate::app::AppState;
use crate::domain::keys::request_fingerprint;
use crate::domain::keys::Role;
use crate::domain::Vnd;
use crate::payments::refund::{new_refund_ref, refund_payment};
use crate::store::refunds::{NewRefund, RefundError};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/orders/{id}/refunds",
        post(create_refund).get(list_refunds),
    )
}

impl From<RefundError> for ApiError {
    fn from(e: RefundError) -> Self {
        match e {
            RefundError::IdempotencyMismatch => ApiError::IdempotencyMismatch,
            RefundError::InProgress | RefundError::NoPayment => ApiError::conflict(e.to_string()),
            RefundError::UnknownPayment(_) => ApiError::invalid("payment_id", e.to_string()),
            RefundError::AboveRemainder(_) => ApiError::invalid("amount", e.to_string()),
            RefundError::BankNotConfigured(_) => ApiError::Unavailable(e.to_string()),
            RefundError::Store(e) => e.into(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    #[schema(value_type = String, example = "150000")]
    pub amount: Vnd,
    pub reason: String,
    /// A payment of this order other than its own (a duplicate or an amount mismatch).
    #[serde(default)]
    pub payment_id: Option<i64>,
}

fn json_reply(status: u16, body: String, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// Refunds `amount` of the order's payment (or of `payment_id`) through its bank. `201` with
/// the refund whatever the bank said: `succeeded`, `pending`, or `failed` with the reason.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refunds", request_body = RefundBody, tag = "refunds",
    responses((status = 201, description = "the refund, as the bank answered"),
              (status = 409, description = "nothing to refund, or the same key in flight"),
              (status = 422, description = "above the remainder, invalid, or idempotency mismatch")))]
async fn create_refund(
    State(app): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(raw): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Finance, Role::Admin])?;
    let key = idempotency_key(&headers)?;
    // The path is part of the request: one key cannot stand for refunds of two orders.
    let print = request_fingerprint(&json!({"order": id, "body": raw}));
    let body: RefundBody = parse_value(raw)?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 255 {
        return Err(ApiError::invalid("reason", "must be 1-255 characters"));
    }
    if body.amount.is_zero() {
        return Err(ApiError::invalid("amount", "must be more than 0"));
    }
    app.store.order(&id).await?.ok_or(ApiError::NotFound)?;
    let actor = caller.actor();
    let refund_ref = new_refund_ref();
    let new = NewRefund {
        order_id: &id,
        payment_id: body.payment_id,
        amount: body.amount,
        reason,
        actor: &actor,
        key_id: caller.key_id,
        idempotency_key: &key,
        fingerprint: &print,
        refund_ref: &refund_ref,
    };
    let reply = refund_payment(&app, &new).await?;
    Ok(json_reply(reply.status, reply.body, reply.replayed))
}

/// The order's refunds, oldest first.
#[utoipa::path(get, path = "/api/v1/orders/{id}/refunds", tag = "refunds",
    responses((status = 200, description = "the refunds"), (status = 404, description = "no such order")))]
async fn list_refunds(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    auth.allow(&[Role::Finance, Role::Admin])?;
    app.store.order(&id).await?.ok_or(ApiError::NotFound)?;
    let refunds = app.store.refunds_of_order(&id).await?;
    Ok(Json(json!({ "refunds": refunds })).into_response())
}
