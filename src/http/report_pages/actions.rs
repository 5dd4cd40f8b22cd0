//! What the run page's buttons do: resolve a discrepancy with a note, download the reports.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::super::error::ApiError;
use super::super::reports::{csv_report, resolve_with_note, xlsx_report};
use super::session::{csrf_refused, see_other, unavailable, StaffSession};
use super::views::{error_page, forbidden};
use crate::app::AppState;
use crate::domain::keys::Role;

#[derive(Deserialize)]
pub struct ResolveForm {
    csrf: Option<String>,
    note: Option<String>,
}

/// `POST /reports/discrepancies/{id}/resolve`: the CSRF token first (a forged form changes
/// nothing), then the same resolution and audit entry as `POST /api/v1/discrepancies/{id}/resolve`.
pub async fn resolve(
    State(app): State<AppState>,
    who: StaffSession,
    Path(id): Path<i64>,
    form: Result<Form<ResolveForm>, FormRejection>,
) -> Response {
    let form = form.ok().map(|Form(f)| f);
    let csrf = form.as_ref().and_then(|f| f.csrf.as_deref());
    if !who.csrf_matches(csrf) {
        return csrf_refused();
    }
    let discrepancy = match app.store.discrepancy(id).await {
        Ok(Some(d)) => d,
        Ok(None) => return error_page(ApiError::NotFound, "/reports"),
        Err(_) => return unavailable(),
    };
    let back = format!("/reports/runs/{}", discrepancy.run_id);
    if who.session.caller.role != Role::Finance {
        return forbidden(Some(&back));
    }
    let note = form.and_then(|f| f.note).unwrap_or_default();
    match resolve_with_note(&app, &who.session.caller, id, &note).await {
        Ok(_) => see_other(&format!("{back}#discrepancy-{id}")),
        Err(e) => error_page(e, &back),
    }
}

pub async fn download_csv(
    State(app): State<AppState>,
    _who: StaffSession,
    Path(id): Path<i64>,
) -> Response {
    csv_report(&app, id)
        .await
        .unwrap_or_else(|e| error_page(e, "/reports"))
}

pub async fn download_xlsx(
    State(app): State<AppState>,
    _who: StaffSession,
    Path(id): Path<i64>,
) -> Response {
    xlsx_report(&app, id)
        .await
        .unwrap_or_else(|e| error_page(e, "/reports"))
}
