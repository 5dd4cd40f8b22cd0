//! `GET /api/v1/search?q=…`: a payment by dossier code, PayHub reference, bank transaction id,
//! order id or payer name (accents optional).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::super::error::ApiError;
use super::super::extract::{ApiQuery, Auth};
use super::READERS;
use crate::app::AppState;
use crate::store::search::SearchResults;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/search", get(search))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    pub q: Option<String>,
}

/// Orders (newest first, each with the key it matched by) and statement lines PayHub has no
/// order for.
#[utoipa::path(get, path = "/api/v1/search", tag = "reconciliation",
    params(("q" = String, Query, description = "dossier code, reference, bank transaction id, order id or payer name")))]
pub async fn search(
    State(app): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    let query = q.q.unwrap_or_default();
    if query.trim().is_empty() {
        return Err(ApiError::invalid("query.q", "is required"));
    }
    let found = app.store.search(&query).await?;
    Ok(Json(search_json(query.trim(), &found)).into_response())
}

pub fn search_json(query: &str, found: &SearchResults) -> Value {
    let orders: Vec<Value> = found
        .orders
        .iter()
        .map(|o| {
            json!({"order_id": o.order_id, "dossier_code": o.dossier_code,
                "agency_code": o.agency_code, "payer_name": o.payer_name,
                "amount": o.amount_vnd.to_string(), "status": o.status,
                "created_at": o.created_at, "matched_by": o.matched_by})
        })
        .collect();
    let lines: Vec<Value> = found
        .lines
        .iter()
        .map(|l| {
            json!({"discrepancy_id": l.discrepancy_id, "run_id": l.run_id, "class": l.class,
                "reference": l.reference, "bank_txn_id": l.bank_txn_id,
                "amount": l.amount_vnd.to_string(), "matched_by": l.matched_by})
        })
        .collect();
    json!({"query": query, "orders": orders, "statement_lines": lines})
}
