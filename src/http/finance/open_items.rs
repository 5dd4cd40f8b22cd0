//! `GET /api/v1/open-items?bank=&agency=&class=`: what is still open across runs, oldest first,
//! with its age; `POST /api/v1/orders/{id}/late-payment/handle` takes a late payment off it.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::super::error::ApiError;
use super::super::extract::{ApiJson, ApiQuery, Auth};
use super::super::reports::parse_bank;
use super::READERS;
use crate::app::AppState;
use crate::domain::keys::{Caller, Role};
use crate::domain::state::ReviewReason;
use crate::domain::text::check_text;
use crate::store::open_items::{OpenItem, OpenItemFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/open-items", get(list_open_items))
        .route(
            "/api/v1/orders/{id}/late-payment/handle",
            post(handle_late_payment),
        )
}

/// The classes an open item can have: the reconciliation classes that need someone (from where
/// they are defined), then the reasons a paid order is flagged for review.
pub fn open_classes() -> Vec<&'static str> {
    reconciliation::Class::ALL
        .into_iter()
        .filter(|c| c.is_discrepancy())
        .map(|c| c.as_str())
        .chain(ReviewReason::ALL.into_iter().map(ReviewReason::as_str))
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OpenItemsQuery {
    pub bank: Option<String>,
    pub agency: Option<String>,
    pub class: Option<String>,
}

/// Checks the filters: a bank PayHub knows, a class of [`open_classes`].
pub fn open_filter(q: &OpenItemsQuery) -> Result<OpenItemFilter, ApiError> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let bank = given(&q.bank)
        .map(|b| parse_bank(&b).map(|b| b.as_str().to_owned()))
        .transpose()?;
    let class = given(&q.class);
    if class
        .as_deref()
        .is_some_and(|c| !open_classes().contains(&c))
    {
        return Err(ApiError::invalid(
            "query.class",
            "is not a class of an open item",
        ));
    }
    Ok(OpenItemFilter {
        bank,
        agency_code: given(&q.agency),
        class,
    })
}

/// Whole days from `since` (or the business day's start) to `now`.
pub fn age_days(item: &OpenItem, now: DateTime<Utc>) -> i64 {
    let from = item
        .since
        .unwrap_or_else(|| crate::recon::input::day_start(item.day));
    (now - from).num_days().max(0)
}

pub fn item_json(item: &OpenItem, now: DateTime<Utc>) -> Value {
    json!({"kind": item.kind, "discrepancy_id": item.discrepancy_id, "run_id": item.run_id,
        "bank": item.bank, "agency_code": item.agency_code, "class": item.class,
        "reference": item.reference, "bank_txn_id": item.bank_txn_id, "order_id": item.order_id,
        "amount": item.amount_vnd.to_string(), "date": item.day, "since": item.since,
        "age_days": age_days(item, now)})
}

#[utoipa::path(get, path = "/api/v1/open-items", tag = "reconciliation",
    params(("bank" = Option<String>, Query), ("agency" = Option<String>, Query), ("class" = Option<String>, Query)))]
pub async fn list_open_items(
    State(app): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<OpenItemsQuery>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    let items = app.store.open_items(&open_filter(&q)?).await?;
    let now = app.clock.now();
    let items: Vec<Value> = items.iter().map(|i| item_json(i, now)).collect();
    Ok(Json(json!({"open_items": items})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandleBody {
    pub note: String,
}

/// Handles a late payment with a note (1-2000 characters); the pages' form too.
pub(crate) async fn handle_late(
    app: &AppState,
    caller: &Caller,
    order_id: &str,
    note: &str,
) -> Result<(), ApiError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(ApiError::invalid("note", "must be 1-2000 characters"));
    }
    check_text("note", note, 2000).map_err(|e| ApiError::Validation(vec![e]))?;
    let order = app.store.order(order_id).await?.ok_or(ApiError::NotFound)?;
    if order.review_reason.is_none() {
        return Err(ApiError::conflict("this order was not paid late"));
    }
    let handled = app
        .store
        .handle_late_payment(order_id, &caller.actor(), note, app.clock.now())
        .await?;
    if !handled {
        return Err(ApiError::conflict("this late payment was already handled"));
    }
    Ok(())
}

#[utoipa::path(
    post,
    path = "/api/v1/orders/{id}/late-payment/handle",
    tag = "reconciliation"
)]
pub async fn handle_late_payment(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<HandleBody>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Finance])?;
    handle_late(&app, &caller, &id, &body.note).await?;
    Ok(Json(json!({"order_id": id, "handled": true})).into_response())
}
