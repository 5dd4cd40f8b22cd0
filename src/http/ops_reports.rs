//! The daily operations report's API (messages.md §2), for finance and admin:
//! `GET /api/v1/ops-reports/{date}` (JSON, one entry per group, `?group=H29` for one) and
//! `GET /api/v1/ops-reports/{date}.xlsx` (the workbook); and the bank incidents of today,
//! ongoing ones included, at `GET /api/v1/bank-incidents`.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::extract::{ApiQuery, Auth};
use crate::app::AppState;
use crate::daily_report::figures::is_group_code;
use crate::daily_report::schedule::XLSX_MIME;
use crate::daily_report::{daily_report, incidents_today, xlsx, DailyReport, ReportError};
use crate::domain::keys::Role;

const READERS: &[Role] = &[Role::Finance, Role::Admin];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ops-reports/{date}", get(show_report))
        .route("/api/v1/bank-incidents", get(list_incidents))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    group: Option<String>,
}

/// The report of a day; `{date}.xlsx` is the same report as a workbook.
#[utoipa::path(get, path = "/api/v1/ops-reports/{date}", tag = "reports",
    params(("date" = String, Path, description = "YYYY-MM-DD, or YYYY-MM-DD.xlsx"),
           ("group" = Option<String>, Query, description = "one agency group, e.g. H29")),
    responses((status = 200, description = "the report"), (status = 422, description = "not a day that has begun")))]
async fn show_report(
    State(app): State<AppState>,
    auth: Auth,
    Path(date): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    let (day, as_xlsx) = match date.strip_suffix(".xlsx") {
        Some(day) => (day, true),
        None => (date.as_str(), false),
    };
    let report = report_of(&app, day, q.group.as_deref()).await?;
    if !as_xlsx {
        return Ok(Json(report).into_response());
    }
    let bytes = xlsx::report_xlsx(&report).map_err(|e| ApiError::Internal(e.into()))?;
    let name = format!("bao-cao-van-hanh-{}.xlsx", report.date);
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_MIME.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The report of `day` (as typed), for the API and the pages alike.
pub(crate) async fn report_of(
    app: &AppState,
    day: &str,
    group: Option<&str>,
) -> Result<DailyReport, ApiError> {
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("date", "must be a date YYYY-MM-DD"))?;
    if group.is_some_and(|g| !is_group_code(g)) {
        return Err(ApiError::invalid("query.group", "must be Gxx or Hxx"));
    }
    daily_report(app, date, group).await.map_err(|e| match e {
        ReportError::Future(_) => ApiError::invalid("date", "has not begun yet in Vietnam"),
        ReportError::Store(e) => e.into(),
    })
}

/// Today's bank incidents (GMT+7), ongoing ones flagged.
#[utoipa::path(get, path = "/api/v1/bank-incidents", tag = "reports")]
async fn list_incidents(State(app): State<AppState>, auth: Auth) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    let (window, incidents) = incidents_today(&app).await.map_err(|e| match e {
        ReportError::Store(e) => ApiError::from(e),
        ReportError::Future(_) => ApiError::Internal(anyhow::anyhow!("today is in the future")),
    })?;
    let ongoing = incidents.iter().filter(|i| i.is_ongoing()).count();
    Ok(Json(json!({
        "from": window.from, "as_of": window.to, "ongoing": ongoing, "incidents": incidents,
    }))
    .into_response())
}
