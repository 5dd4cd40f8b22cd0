//! `GET /api/v1/settlement?from=&to=&agency=` and `…/settlement.xlsx`: per agency and beneficiary
//! account, per day and bank, the money received in a period (issue 14).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;

use super::super::error::ApiError;
use super::super::extract::{ApiQuery, Auth};
use super::READERS;
use crate::app::AppState;
use crate::recon::settlement::{settle, settlement_xlsx, Settlement, MAX_DAYS};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/settlement", get(show_settlement))
        .route("/api/v1/settlement.xlsx", get(download_settlement))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SettlementQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub agency: Option<String>,
}

/// The period (both days included, at most [`MAX_DAYS`]) and the agency asked for.
pub fn period(q: &SettlementQuery) -> Result<(NaiveDate, NaiveDate, Option<String>), ApiError> {
    let day = |field: &str, v: &Option<String>| {
        let text = v.as_deref().map(str::trim).unwrap_or_default();
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid(format!("query.{field}"), "must be a date YYYY-MM-DD"))
    };
    let (from, to) = (day("from", &q.from)?, day("to", &q.to)?);
    if to < from || (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid(
            "query.to",
            format!("must be on or after `from`, at most {MAX_DAYS} days"),
        ));
    }
    let agency = q
        .agency
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    Ok((from, to, agency))
}

pub(crate) async fn load(app: &AppState, q: &SettlementQuery) -> Result<Settlement, ApiError> {
    let (from, to, agency) = period(q)?;
    let rows = app.store.settlement(from, to, agency.as_deref()).await?;
    Ok(settle(&rows, from, to))
}

#[utoipa::path(get, path = "/api/v1/settlement", tag = "reconciliation",
    params(("from" = String, Query), ("to" = String, Query), ("agency" = Option<String>, Query)))]
pub async fn show_settlement(
    State(app): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<SettlementQuery>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    Ok(Json(load(&app, &q).await?).into_response())
}

/// The settlement as a workbook (the API's and the page's download).
pub(crate) async fn xlsx(app: &AppState, q: &SettlementQuery) -> Result<Response, ApiError> {
    let s = load(app, q).await?;
    let bytes = settlement_xlsx(&s).map_err(|e| ApiError::Internal(e.into()))?;
    let name = format!("quyet-toan-{}-{}.xlsx", s.from, s.to);
    let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/settlement.xlsx", tag = "reconciliation",
    params(("from" = String, Query), ("to" = String, Query), ("agency" = Option<String>, Query)))]
pub async fn download_settlement(
    State(app): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<SettlementQuery>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    xlsx(&app, &q).await
}
