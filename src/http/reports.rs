//! Reconciliation API for finance staff (api.md, "Reconciliation"): run a day (fetched or
//! uploaded), read runs, their summaries and discrepancies, download CSV and XLSX reports,
//! resolve a discrepancy with a note. Finance may do everything; admin may read.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::app::AppState;
use crate::banks::{fetch_statement, FetchError};
use crate::clock::vietnam;
use crate::domain::bank::BankCode;
use crate::domain::keys::{Caller, Role};
use crate::domain::text::check_text;
use crate::recon;
use crate::recon::progress::Quiet;
use crate::recon::summary::{discrepancy_json, Summary};
use crate::recon::{csv, reconcile_statement, xlsx, ReconError, Statement};
use crate::store::reconciliation::{
    Discrepancy, DiscrepancyFilter, ResolveError, RunFilter, RunSource,
};

/// A day's statement file can be far larger than an API request body.
const UPLOAD_LIMIT_BYTES: usize = 256 * 1024 * 1024;
const READERS: &[Role] = &[Role::Finance, Role::Admin];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/reconciliations",
            post(create_run)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT_BYTES))
                .get(list_runs),
        )
        .route("/api/v1/reconciliations/{id}", get(show_run))
        .route(
            "/api/v1/reconciliations/{id}/discrepancies",
            get(list_discrepancies),
        )
        .route("/api/v1/reconciliations/{id}/report.csv", get(report_csv))
        .route("/api/v1/reconciliations/{id}/report.xlsx", get(report_xlsx))
        .route("/api/v1/discrepancies/{id}/resolve", post(resolve))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// `vnpay`, `vcb` or `bidv`.
    pub bank: String,
    /// The business day, `YYYY-MM-DD` (GMT+7).
    pub date: String,
}

/// Runs a day: JSON `{"bank","date"}` fetches the bank's statement; `multipart/form-data` with
/// a `file` part and `bank`, `date` fields runs the uploaded statement. A statement that does
/// not parse is refused whole (`422`, naming its line) and nothing is stored.
#[utoipa::path(post, path = "/api/v1/reconciliations", request_body = RunBody, tag = "reconciliation",
    responses((status = 201, description = "the run's summary"), (status = 422, description = "malformed statement")))]
async fn create_run(
    State(app): State<AppState>,
    auth: Auth,
    request: Request,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Finance])?;
    let statement = if is_multipart(&request) {
        uploaded(
            &app,
            Multipart::from_request(request, &app)
                .await
                .map_err(|e| form_error(e.status(), e.body_text()))?,
        )
        .await?
    } else {
        let ApiJson(body) = ApiJson::<RunBody>::from_request(request, &app).await?;
        let (bank, date) = (parse_bank(&body.bank)?, parse_date(&app, &body.date)?);
        let file = fetch_statement(&app, bank, date)
            .await
            .map_err(fetch_error)?;
        Statement {
            bank,
            date,
            file,
            source: RunSource::Fetched,
            file_name: None,
        }
    };
    let fetched = statement.source == RunSource::Fetched;
    let run_id = reconcile_statement(&app, statement, &caller.actor(), Arc::new(Quiet))
        .await
        .map_err(|e| match e {
            // A fetched file is the bank's reply, not the caller's input: one that does not read
            // is the bank failing (an error page, a truncated file), so "try again", not 422.
            ReconError::Malformed(e) if fetched => {
                ApiError::Unavailable(format!("the bank's statement could not be read: {e}"))
            }
            e => recon_error(e),
        })?;
    let location = format!("/api/v1/reconciliations/{run_id}");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(summary(&app, run_id).await?),
    )
        .into_response())
}

fn is_multipart(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

async fn uploaded(app: &AppState, mut form: Multipart) -> Result<Statement, ApiError> {
    let (mut bank, mut date, mut file, mut file_name) = (None, None, None, None);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| form_error(e.status(), e.body_text()))?
    {
        match field.name().unwrap_or_default() {
            "bank" => {
                bank = Some(
                    field
                        .text()
                        .await
                        .map_err(|e| form_error(e.status(), e.body_text()))?,
                )
            }
            "date" => {
                date = Some(
                    field
                        .text()
                        .await
                        .map_err(|e| form_error(e.status(), e.body_text()))?,
                )
            }
            "file" => {
                file_name = field.file_name().map(str::to_owned);
                file = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| form_error(e.status(), e.body_text()))?
                        .to_vec(),
                );
            }
            other => {
                return Err(ApiError::invalid(
                    other.to_owned(),
                    "is not a field of this form",
                ))
            }
        }
    }
    let required = |name: &str| ApiError::invalid(name.to_owned(), "is required");
    if let Some(name) = &file_name {
        check_text("file", name, 255).map_err(|e| ApiError::Validation(vec![e]))?;
    }
    Ok(Statement {
        bank: parse_bank(&bank.ok_or_else(|| required("bank"))?)?,
        date: parse_date(app, &date.ok_or_else(|| required("date"))?)?,
        file: file.ok_or_else(|| required("file"))?,
        source: RunSource::Uploaded,
        file_name,
    })
}

/// A form axum could not read: `413` past the upload limit, else `422`.
fn form_error(status: StatusCode, reason: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(UPLOAD_LIMIT_BYTES)
    } else {
        ApiError::invalid("body", format!("not a readable multipart form: {reason}"))
    }
}

pub(crate) fn parse_bank(text: &str) -> Result<BankCode, ApiError> {
    BankCode::parse(text).map_err(|_| ApiError::invalid("bank", "must be vnpay, vcb or bidv"))
}

/// A business day that has begun in Vietnam (a statement of the future cannot exist).
fn parse_date(app: &AppState, text: &str) -> Result<NaiveDate, ApiError> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("date", "must be a date YYYY-MM-DD"))?;
    if date > app.clock.now().with_timezone(&vietnam()).date_naive() {
        return Err(ApiError::invalid("date", "is in the future"));
    }
    Ok(date)
}

fn fetch_error(e: FetchError) -> ApiError {
    match e {
        FetchError::NotConfigured(_) => ApiError::invalid("bank", e.to_string()),
        FetchError::NotClosed { .. }
        | FetchError::Unreachable(..)
        | FetchError::Refused(..)
        | FetchError::Stopped(_) => ApiError::Unavailable(e.to_string()),
    }
}

fn recon_error(e: ReconError) -> ApiError {
    match e {
        // statements.md: rejected whole "with the line number and reason".
        ReconError::Malformed(e) => ApiError::invalid("file", e.to_string()),
        ReconError::Engine(reason) => ApiError::invalid("file", reason),
        ReconError::Store(e) => e.into(),
        ReconError::Worker(e) => ApiError::Internal(e.into()),
    }
}

pub(crate) async fn summary(app: &AppState, run_id: i64) -> Result<Summary, ApiError> {
    recon::summary::load(&app.store, run_id)
        .await?
        .ok_or(ApiError::NotFound)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    bank: Option<String>,
    date: Option<NaiveDate>,
    current: Option<bool>,
    limit: Option<i64>,
}

/// Runs, newest day first and newest run of a day first; `current=true` keeps each day's
/// current run only.
#[utoipa::path(get, path = "/api/v1/reconciliations", tag = "reconciliation")]
async fn list_runs(
    State(app): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("query.limit", "must be 1-500"));
    }
    let filter = RunFilter {
        bank: q.bank.as_deref().map(parse_bank).transpose()?,
        date: q.date,
        current: q.current,
    };
    let runs = app.store.runs(&filter, limit).await?;
    Ok(Json(json!({"runs": runs})).into_response())
}

/// The run with its count and sum per class (all eight) and per agency and class.
#[utoipa::path(get, path = "/api/v1/reconciliations/{id}", tag = "reconciliation")]
async fn show_run(
    State(app): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    Ok(Json(summary(&app, id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiscrepancyQuery {
    class: Option<String>,
    agency: Option<String>,
    resolved: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/reconciliations/{id}/discrepancies", tag = "reconciliation",
    params(("class" = Option<String>, Query), ("agency" = Option<String>, Query), ("resolved" = Option<bool>, Query)))]
async fn list_discrepancies(
    State(app): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DiscrepancyQuery>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    let known = reconciliation::Class::ALL
        .iter()
        .any(|c| Some(c.as_str()) == q.class.as_deref());
    if q.class.is_some() && !known {
        return Err(ApiError::invalid(
            "query.class",
            "is not a class of statements.md",
        ));
    }
    app.store.run(id).await?.ok_or(ApiError::NotFound)?;
    let filter = DiscrepancyFilter {
        class: q.class,
        agency_code: q.agency,
        resolved: q.resolved,
    };
    let rows = app.store.discrepancies(id, &filter).await?;
    let items: Vec<_> = rows.iter().map(discrepancy_json).collect();
    Ok(Json(json!({"run_id": id, "discrepancies": items})).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/reconciliations/{id}/report.csv",
    tag = "reconciliation"
)]
async fn report_csv(
    State(app): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    csv_report(&app, id).await
}

/// Every line of a run, matched and discrepancies, as a CSV download for Excel (the API's and
/// the pages' button).
pub(crate) async fn csv_report(app: &AppState, id: i64) -> Result<Response, ApiError> {
    let run = summary(app, id).await?.run;
    let matched = app.store.matched_entries(id).await?;
    let rows = app
        .store
        .discrepancies(id, &DiscrepancyFilter::default())
        .await?;
    let name = format!("doi-soat-{}-{}-{id}.csv", run.bank, run.business_date);
    Ok(download(
        "text/csv; charset=utf-8",
        &name,
        csv::run_csv(&matched, &rows).into_bytes(),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/reconciliations/{id}/report.xlsx",
    tag = "reconciliation"
)]
async fn report_xlsx(
    State(app): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    xlsx_report(&app, id).await
}

/// A run's summary and discrepancies as an XLSX download (the API's and the pages' button).
pub(crate) async fn xlsx_report(app: &AppState, id: i64) -> Result<Response, ApiError> {
    let summary = summary(app, id).await?;
    let rows = app
        .store
        .discrepancies(id, &DiscrepancyFilter::default())
        .await?;
    let bytes = xlsx::report_xlsx(&summary, &rows).map_err(|e| ApiError::Internal(e.into()))?;
    let name = format!(
        "doi-soat-{}-{}-{id}.xlsx",
        summary.run.bank, summary.run.business_date
    );
    let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok(download(mime, &name, bytes))
}

fn download(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// What was done about it, for the audit log.
    pub note: String,
}

/// Resolves a discrepancy once; who, when and the note go to the audit log.
#[utoipa::path(post, path = "/api/v1/discrepancies/{id}/resolve", request_body = ResolveBody, tag = "reconciliation",
    responses((status = 200, description = "resolved"), (status = 409, description = "already resolved")))]
async fn resolve(
    State(app): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ResolveBody>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Finance])?;
    let resolved = resolve_with_note(&app, &caller, id, &body.note).await?;
    Ok(Json(discrepancy_json(&resolved)).into_response())
}

/// Resolves discrepancy `id` once with `note` (1-2000 characters), audited as `caller`: the
/// API's resolve and the pages' resolve form write the same entry.
pub(crate) async fn resolve_with_note(
    app: &AppState,
    caller: &Caller,
    id: i64,
    note: &str,
) -> Result<Discrepancy, ApiError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(ApiError::invalid("note", "must be 1-2000 characters"));
    }
    // The page's form arrives here as it was typed: the one text rule, as for JSON.
    check_text("note", note, 2000).map_err(|e| ApiError::Validation(vec![e]))?;
    match app
        .store
        .resolve_discrepancy(id, &caller.actor(), note, app.clock.now())
        .await
    {
        Ok(d) => Ok(d),
        Err(ResolveError::AlreadyResolved(_)) => Err(ApiError::conflict(format!(
            "discrepancy {id} is already resolved"
        ))),
        Err(ResolveError::Store(e)) => Err(e.into()),
    }
}
