//! Two-person refunds (issue 14): a finance officer asks for a refund of a duplicate or wrong
//! payment, from its discrepancy or its order; another finance officer (another key) approves
//! it, and only then does it go to the bank. Both steps are audited.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::super::error::ApiError;
use super::super::extract::{ApiJson, ApiPath, Auth};
use super::READERS;
use crate::app::AppState;
use crate::domain::keys::{Caller, Role};
use crate::domain::text::check_text;
use crate::domain::Vnd;
use crate::payments::approval::{approve_and_refund, ApprovalError};
use crate::store::refund_requests::{NewRefundRequest, RefundRequest, RequestError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/orders/{id}/refund-requests",
            post(request_for_order).get(list_for_order),
        )
        .route(
            "/api/v1/discrepancies/{id}/refund-requests",
            post(request_for_discrepancy),
        )
        .route("/api/v1/refund-requests", get(list_awaiting))
        .route("/api/v1/refund-requests/{id}/approve", post(approve))
        .route("/api/v1/refund-requests/{id}/reject", post(reject))
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::NoPayment | RequestError::OtherOrder => {
                ApiError::invalid("payment_id", e.to_string())
            }
            RequestError::AboveRemainder(_) => ApiError::invalid("amount", e.to_string()),
            RequestError::NotAwaiting(_) => ApiError::conflict(e.to_string()),
            RequestError::SameOfficer => ApiError::Forbidden,
            RequestError::Store(e) => e.into(),
        }
    }
}

impl From<ApprovalError> for ApiError {
    fn from(e: ApprovalError) -> Self {
        match e {
            ApprovalError::Request(e) => e.into(),
            ApprovalError::Refund(e) => e.into(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequestBody {
    /// Why, for the audit log and the second officer (1-255 characters).
    pub reason: String,
    /// Whole đồng; what is left of the payment when absent.
    #[schema(value_type = Option<String>, example = "650000")]
    #[serde(default)]
    pub amount: Option<Vnd>,
    /// A payment of the order other than its own (a duplicate, an amount mismatch).
    #[serde(default)]
    pub payment_id: Option<i64>,
}

/// Checks the reason and records the request; the pages' form arrives here too.
pub(crate) async fn request_refund(
    app: &AppState,
    caller: &Caller,
    order_id: &str,
    discrepancy_id: Option<i64>,
    body: &RefundRequestBody,
) -> Result<RefundRequest, ApiError> {
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "must be 1-255 characters"));
    }
    check_text("reason", reason, 255).map_err(|e| ApiError::Validation(vec![e]))?;
    app.store.order(order_id).await?.ok_or(ApiError::NotFound)?;
    let new = NewRefundRequest {
        order_id,
        payment_id: body.payment_id,
        discrepancy_id,
        amount: body.amount,
        reason,
    };
    Ok(app
        .store
        .request_refund(&new, caller, app.clock.now())
        .await?)
}

/// Asks for a refund of one of the order's payments; `201` awaiting another officer's approval.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refund-requests", request_body = RefundRequestBody,
    tag = "refunds", responses((status = 201, description = "awaiting approval")))]
pub async fn request_for_order(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RefundRequestBody>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Finance])?;
    let request = request_refund(&app, &caller, &id, None, &body).await?;
    Ok((StatusCode::CREATED, Json(request)).into_response())
}

/// Asks for a refund of the payment a discrepancy is about (a duplicate, a wrong payment).
#[utoipa::path(post, path = "/api/v1/discrepancies/{id}/refund-requests", request_body = RefundRequestBody,
    tag = "refunds", responses((status = 201, description = "awaiting approval")))]
pub async fn request_for_discrepancy(
    State(app): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RefundRequestBody>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Finance])?;
    let discrepancy = app.store.discrepancy(id).await?.ok_or(ApiError::NotFound)?;
    let Some(order_id) = discrepancy.facts.order_id else {
        return Err(ApiError::invalid(
            "discrepancy",
            "names no PayHub order: there is no payment to refund from here",
        ));
    };
    let request = request_refund(&app, &caller, &order_id, Some(id), &body).await?;
    Ok((StatusCode::CREATED, Json(request)).into_response())
}

#[utoipa::path(get, path = "/api/v1/orders/{id}/refund-requests", tag = "refunds")]
pub async fn list_for_order(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    app.store.order(&id).await?.ok_or(ApiError::NotFound)?;
    let requests = app.store.refund_requests(Some(&id)).await?;
    Ok(Json(json!({"refund_requests": requests})).into_response())
}

/// Every request awaiting approval, oldest first.
#[utoipa::path(get, path = "/api/v1/refund-requests", tag = "refunds")]
pub async fn list_awaiting(State(app): State<AppState>, auth: Auth) -> Result<Response, ApiError> {
    auth.allow(READERS)?;
    let requests = app.store.refund_requests(None).await?;
    Ok(Json(json!({"refund_requests": requests})).into_response())
}

/// Approves (another finance key than the requester's: else `403`) and sends the refund to the
/// bank; `200` with the request and the refund as the bank answered.
#[utoipa::path(post, path = "/api/v1/refund-requests/{id}/approve", tag = "refunds",
    responses((status = 200, description = "approved and sent"), (status = 403, description = "the requester's own key"),
              (status = 409, description = "not awaiting approval")))]
pub async fn approve(
    State(app): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Finance])?;
    let (request, refund) = approve_and_refund(&app, id, &caller).await?;
    Ok(Json(json!({"refund_request": request, "refund": refund})).into_response())
}

#[utoipa::path(post, path = "/api/v1/refund-requests/{id}/reject", tag = "refunds")]
pub async fn reject(
    State(app): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Finance])?;
    let request = app
        .store
        .reject_refund_request(id, &caller, app.clock.now())
        .await?;
    Ok(Json(json!({"refund_request": request})).into_response())
}
