//! Payment attempts for finance staff: the ones pending sync could not resolve (`unknown`), and
//! an admin's settlement of one by hand after asking the bank.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Auth};
use crate::app::AppState;
use crate::domain::keys::Role;
use crate::domain::state::AttemptStatus;
use crate::store::pending_sync::AttemptSummary;
use crate::store::settle::{SettleError, Settlement};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/attempts", get(list_attempts))
        .route("/api/v1/attempts/{id}/settle", post(settle_attempt))
}

impl From<SettleError> for ApiError {
    fn from(e: SettleError) -> Self {
        match e {
            SettleError::NotFound => ApiError::NotFound,
            SettleError::NotUnknown(_) | SettleError::AlreadyRecorded(_) => {
                ApiError::conflict(e.to_string())
            }
            SettleError::Store(e) => e.into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
}

/// Attempts in a status (default `unknown`), oldest first, with what their bank last said.
#[utoipa::path(get, path = "/api/v1/attempts", tag = "attempts",
    params(("status" = Option<String>, Query, description = "created|redirected|succeeded|failed|unknown")),
    responses((status = 200, description = "the attempts")))]
async fn list_attempts(
    State(app): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    auth.allow(&[Role::Finance, Role::Admin])?;
    let status = q.status.as_deref().unwrap_or("unknown");
    let status = AttemptStatus::parse(status)
        .ok_or_else(|| ApiError::invalid("query.status", "unknown status"))?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let attempts = app.store.attempts_with_status(status, limit).await?;
    let attempts: Vec<Value> = attempts.iter().map(summary_json).collect();
    Ok(Json(json!({ "attempts": attempts })).into_response())
}

/// An attempt as `GET /api/v1/attempts` shows it (money as a string of digits, api.md).
fn summary_json(s: &AttemptSummary) -> Value {
    let a = &s.attempt;
    json!({"id": a.id, "order_id": a.order_id, "bank": a.bank, "reference": a.reference,
        "status": a.status, "amount_vnd": a.amount, "query_count": a.query_count,
        "last_queried_at": s.last_queried_at, "last_query_result": s.last_query_result,
        "result_code": s.result_code, "created_at": a.created_at})
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettleBody {
    /// `paid` or `failed`, as the bank confirmed it.
    pub outcome: String,
    /// The bank's transaction id; required for `paid`.
    #[serde(default)]
    pub bank_txn_id: Option<String>,
    pub note: String,
}

impl SettleBody {
    fn settlement(&self) -> Result<Settlement, ApiError> {
        let txn = self
            .bank_txn_id
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match (self.outcome.as_str(), txn) {
            ("paid", Some(txn)) if txn.len() <= 64 => Ok(Settlement::Paid {
                bank_txn_id: txn.to_owned(),
            }),
            ("paid", _) => Err(ApiError::invalid(
                "bank_txn_id",
                "is required for paid (1-64 characters)",
            )),
            ("failed", _) => Ok(Settlement::Failed),
            _ => Err(ApiError::invalid("outcome", "must be paid or failed")),
        }
    }
}

/// Settles an `unknown` attempt by hand (audited). `paid` records the payment through the
/// same exactly-once path as a bank callback.
#[utoipa::path(post, path = "/api/v1/attempts/{id}/settle", request_body = SettleBody, tag = "attempts",
    responses((status = 200, description = "settled"), (status = 404, description = "no such attempt"),
              (status = 409, description = "not unknown, or the bank transaction is already recorded")))]
async fn settle_attempt(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SettleBody>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Admin])?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let settlement = body.settlement()?;
    let note = body.note.trim();
    if note.is_empty() || note.chars().count() > 1000 {
        return Err(ApiError::invalid("note", "must be 1-1000 characters"));
    }
    let now = app.clock.now();
    let attempt = (app.store)
        .settle_attempt(id, &settlement, note, &caller.actor(), now)
        .await?;
    Ok(Json(
        json!({"id": attempt.id, "order_id": attempt.order_id, "status": attempt.status,
        "reference": attempt.reference, "bank": attempt.bank}),
    )
    .into_response())
}
