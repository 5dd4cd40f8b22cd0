//! The order API for dossier systems (api.md, Orders).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::error::ApiError;
use super::extract::{parse_value, ApiJson, ApiQuery, Auth};
use crate::app::AppState;
use crate::domain::keys::{request_fingerprint, Caller, Role};
use crate::domain::order::{CreateOrderBody, NewOrder, Order};
use crate::domain::state::{OrderEvent, OrderStatus, OrderTransition};
use crate::links;
use crate::store::orders::{CreateOrderError, OrderFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders", post(create_order).get(list_orders))
        .route("/api/v1/orders/{id}", get(show_order))
        .route("/api/v1/orders/{id}/cancel", post(cancel_order))
}

impl From<CreateOrderError> for ApiError {
    fn from(e: CreateOrderError) -> Self {
        match e {
            CreateOrderError::IdempotencyMismatch => ApiError::IdempotencyMismatch,
            CreateOrderError::UnknownAgency(_) => ApiError::invalid("agency_code", e.to_string()),
            CreateOrderError::NoBankAvailable => ApiError::invalid("agency_code", e.to_string()),
            CreateOrderError::OpenOrder {
                ref open_order_id, ..
            } => {
                let mut extra = Map::new();
                extra.insert("open_order_id".into(), json!(open_order_id));
                ApiError::Conflict {
                    detail: e.to_string(),
                    extra,
                }
            }
            CreateOrderError::Store(e) => e.into(),
        }
    }
}

pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if key.is_empty() || key.len() > 255 {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "header is required (1-255 characters)",
        ));
    }
    Ok(key.to_owned())
}

fn json_reply(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Creates an order; the same `Idempotency-Key` and body replay the first reply.
#[utoipa::path(post, path = "/api/v1/orders", request_body = CreateOrderBody, tag = "orders",
    responses((status = 201, description = "created"), (status = 409, description = "open order"),
              (status = 422, description = "invalid or idempotency mismatch")))]
async fn create_order(
    State(app): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    ApiJson(raw): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Portal])?;
    let key = idempotency_key(&headers)?;
    let print = request_fingerprint(&raw);
    let body: CreateOrderBody = parse_value(raw)?;
    let order = NewOrder::try_from(body).map_err(ApiError::Validation)?;
    let banks = app.config.banks.configured();
    let now = app.clock.now();
    let reply = (app.store)
        .create_order(&caller, &key, &print, &order, &banks, now)
        .await?;
    let body = links::order_text(&reply.body, &app.config.server.public_url);
    let mut response = json_reply(reply.status, body);
    if reply.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The order as the API shows it: its snapshot and its links.
fn order_json(app: &AppState, order: &Order) -> Value {
    links::order_json(order.snapshot(), &app.config.server.public_url)
}

/// A portal key sees only the orders it created; for others the order does not exist.
pub(crate) async fn visible_order(
    app: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Order, ApiError> {
    let order = app.store.order(id).await?.ok_or(ApiError::NotFound)?;
    if caller.role == Role::Portal && order.created_by_key_id != caller.key_id {
        return Err(ApiError::NotFound);
    }
    Ok(order)
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders")]
async fn show_order(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Portal, Role::Finance, Role::Admin])?;
    let order = visible_order(&app, &caller, &id).await?;
    Ok(Json(order_json(&app, &order)).into_response())
}

/// Cancels a pending order; a paid, expired or cancelled one cannot be.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders")]
async fn cancel_order(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Portal, Role::Admin])?;
    let order = visible_order(&app, &caller, &id).await?;
    let now = app.clock.now();
    let t = app
        .store
        .apply_order_event(&id, OrderEvent::Cancel, &caller.actor(), now)
        .await?;
    if t == OrderTransition::Refused {
        return Err(ApiError::conflict(format!(
            "order {} is {} and cannot be cancelled",
            order.id,
            order.status.as_str()
        )));
    }
    let order = app.store.order(&id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(order_json(&app, &order)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    agency_code: Option<String>,
    dossier_code: Option<String>,
    status: Option<String>,
    created_from: Option<DateTime<FixedOffset>>,
    created_to: Option<DateTime<FixedOffset>>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `<microseconds since 1970>_<order id>` of the last order of the previous page.
fn encode_cursor(order: &Order) -> String {
    format!("{}_{}", order.created_at.timestamp_micros(), order.id)
}

fn decode_cursor(cursor: &str) -> Result<(DateTime<Utc>, String), ApiError> {
    let bad = || ApiError::invalid("query.cursor", "is not a cursor this API gave");
    let (micros, id) = cursor.split_once('_').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = Utc.timestamp_micros(micros).single().ok_or_else(bad)?;
    Ok((at, id.to_owned()))
}

#[utoipa::path(get, path = "/api/v1/orders", tag = "orders")]
async fn list_orders(
    State(app): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Portal, Role::Finance, Role::Admin])?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            OrderStatus::parse(s).ok_or_else(|| ApiError::invalid("query.status", "unknown status"))
        })
        .transpose()?;
    let filter = OrderFilter {
        agency_code: q.agency_code,
        dossier_code: q.dossier_code,
        status,
        created_from: q.created_from.map(|t| t.with_timezone(&Utc)),
        created_to: q.created_to.map(|t| t.with_timezone(&Utc)),
        created_by_key_id: (caller.role == Role::Portal).then_some(caller.key_id),
        after: q.cursor.as_deref().map(decode_cursor).transpose()?,
    };
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("query.limit", "must be 1-100"));
    }
    let orders = app.store.list_orders(&filter, limit).await?;
    let next_cursor = (orders.len() as i64 == limit)
        .then(|| orders.last().map(encode_cursor))
        .flatten();
    let items: Vec<Value> = orders.iter().map(|o| order_json(&app, o)).collect();
    Ok(Json(json!({"orders": items, "next_cursor": next_cursor})).into_response())
}
