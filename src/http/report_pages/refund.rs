//! The order page's and the run page's forms (issue 14): ask for a refund (from an order or a
//! discrepancy), approve or turn down another officer's request, handle a late payment. Each
//! checks the CSRF token first and does what the API does, audited the same way.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::super::error::ApiError;
use super::super::finance::open_items::handle_late;
use super::super::finance::refund_requests::{request_refund, RefundRequestBody};
use super::super::pages::message;
use super::session::{csrf_refused, see_other, unavailable, StaffSession};
use super::views::{error_page, forbidden, given};
use crate::app::AppState;
use crate::domain::keys::Role;
use crate::domain::Vnd;
use crate::payments::approval::{approve_and_refund, ApprovalError};
use crate::store::refund_requests::RequestError;

#[derive(Deserialize)]
pub struct RequestForm {
    csrf: Option<String>,
    payment_id: Option<String>,
    discrepancy_id: Option<String>,
    amount: Option<String>,
    reason: Option<String>,
}

/// The session may act (finance) and the form is its own; else the page to answer with.
fn may_act(who: &StaffSession, csrf: Option<&str>, back: &str) -> Option<Response> {
    if !who.csrf_matches(csrf) {
        return Some(csrf_refused());
    }
    (who.session.caller.role != Role::Finance).then(|| forbidden(Some(back)))
}

fn invalid_form(back: &str) -> Response {
    message(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Thông tin chưa hợp lệ",
        "Vui lòng kiểm tra lại khoản thanh toán, số tiền (đồng, không có phần lẻ) và lý do hoàn tiền.",
        Some(back),
    )
}

/// `POST /reports/orders/{id}/refund-requests`.
pub async fn request_for_order(
    State(app): State<AppState>,
    who: StaffSession,
    Path(id): Path<String>,
    form: Result<Form<RequestForm>, FormRejection>,
) -> Response {
    let back = format!("/reports/orders/{id}");
    let form = form.ok().map(|Form(f)| f);
    if let Some(refused) = may_act(&who, form.as_ref().and_then(|f| f.csrf.as_deref()), &back) {
        return refused;
    }
    let Some(form) = form else {
        return invalid_form(&back);
    };
    let number = |v: &Option<String>| given(v).map(str::parse::<i64>).transpose();
    let (Ok(payment_id), Ok(discrepancy_id)) =
        (number(&form.payment_id), number(&form.discrepancy_id))
    else {
        return invalid_form(&back);
    };
    let Ok(amount) = given(&form.amount)
        .map(|a| Vnd::parse(&a.replace('.', "")))
        .transpose()
    else {
        return invalid_form(&back);
    };
    let body = RefundRequestBody {
        reason: form.reason.unwrap_or_default(),
        amount,
        payment_id,
    };
    match request_refund(&app, &who.session.caller, &id, discrepancy_id, &body).await {
        Ok(r) => see_other(&format!("{back}#refund-request-{}", r.id)),
        Err(ApiError::Validation(_)) => invalid_form(&back),
        Err(e) => error_page(e, &back),
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    csrf: Option<String>,
    reason: Option<String>,
}

/// `POST /reports/discrepancies/{id}/refund-requests`: the run page's button on a duplicate or
/// wrong payment; the payment is the one the discrepancy names, the amount what is left of it.
pub async fn request_for_discrepancy(
    State(app): State<AppState>,
    who: StaffSession,
    Path(id): Path<i64>,
    form: Result<Form<ReasonForm>, FormRejection>,
) -> Response {
    let discrepancy = match app.store.discrepancy(id).await {
        Ok(Some(d)) => d,
        Ok(None) => return error_page(ApiError::NotFound, "/reports"),
        Err(_) => return unavailable(),
    };
    let back = format!("/reports/runs/{}#discrepancy-{id}", discrepancy.run_id);
    let form = form.ok().map(|Form(f)| f);
    if let Some(refused) = may_act(&who, form.as_ref().and_then(|f| f.csrf.as_deref()), &back) {
        return refused;
    }
    let Some(order_id) = discrepancy.facts.order_id else {
        return invalid_form(&back);
    };
    let body = RefundRequestBody {
        reason: form.and_then(|f| f.reason).unwrap_or_default(),
        amount: None,
        payment_id: None,
    };
    match request_refund(&app, &who.session.caller, &order_id, Some(id), &body).await {
        Ok(r) => see_other(&format!(
            "/reports/orders/{order_id}#refund-request-{}",
            r.id
        )),
        Err(ApiError::Validation(_)) => invalid_form(&back),
        Err(e) => error_page(e, &back),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: Option<String>,
}

/// `POST /reports/refund-requests/{id}/approve`: another officer's request, sent to the bank.
pub async fn approve(
    State(app): State<AppState>,
    who: StaffSession,
    Path(id): Path<i64>,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Response {
    decide(app, who, id, form, true).await
}

/// `POST /reports/refund-requests/{id}/reject`.
pub async fn reject(
    State(app): State<AppState>,
    who: StaffSession,
    Path(id): Path<i64>,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Response {
    decide(app, who, id, form, false).await
}

async fn decide(
    app: AppState,
    who: StaffSession,
    id: i64,
    form: Result<Form<CsrfOnly>, FormRejection>,
    approving: bool,
) -> Response {
    let request = match app.store.refund_request(id).await {
        Ok(Some(r)) => r,
        Ok(None) => return error_page(ApiError::NotFound, "/reports"),
        Err(_) => return unavailable(),
    };
    let back = format!("/reports/orders/{}", request.order_id);
    let csrf = form.ok().and_then(|Form(f)| f.csrf);
    if let Some(refused) = may_act(&who, csrf.as_deref(), &back) {
        return refused;
    }
    let caller = &who.session.caller;
    let decided = if approving {
        approve_and_refund(&app, id, caller).await.map(|_| ())
    } else {
        (app.store)
            .reject_refund_request(id, caller, app.clock.now())
            .await
            .map(|_| ())
            .map_err(ApprovalError::from)
    };
    match decided {
        Ok(()) => see_other(&format!("{back}#refund-request-{id}")),
        Err(ApprovalError::Request(RequestError::SameOfficer)) => message(
            StatusCode::FORBIDDEN,
            "Cần một cán bộ khác duyệt",
            "Người đề nghị hoàn tiền không được tự duyệt đề nghị của mình. Một cán bộ tài chính khác (khóa khác) cần duyệt.",
            Some(&back),
        ),
        Err(e) => error_page(e.into(), &back),
    }
}

#[derive(Deserialize)]
pub struct NoteForm {
    csrf: Option<String>,
    note: Option<String>,
}

/// `POST /reports/orders/{id}/late-payment`: takes a late payment off the open items.
pub async fn handle_late_payment(
    State(app): State<AppState>,
    who: StaffSession,
    Path(id): Path<String>,
    form: Result<Form<NoteForm>, FormRejection>,
) -> Response {
    let back = format!("/reports/orders/{id}");
    let form = form.ok().map(|Form(f)| f);
    if let Some(refused) = may_act(&who, form.as_ref().and_then(|f| f.csrf.as_deref()), &back) {
        return refused;
    }
    let note = form.and_then(|f| f.note).unwrap_or_default();
    match handle_late(&app, &who.session.caller, &id, &note).await {
        Ok(()) => see_other(&back),
        Err(e) => error_page(e, &back),
    }
}
