//! The HTTP edge, a leaf of the crate: the router and the layers every request passes through.
//! Handlers extract, call one operation, and respond; links and JSON are made here.

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::middleware;
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::app::AppState;

pub mod admin;
pub mod attempts;
pub mod callbacks;
pub mod checkout;
pub mod citizen_messages;
pub mod credits;
pub mod edge;
pub mod error;
pub mod extract;
pub mod finance;
pub mod journey;
mod json_keys;
pub mod landing;
pub mod legacy;
pub mod meta;
pub mod metrics;
pub mod notifications;
pub mod ops_reports;
pub mod orders;
pub mod pages;
pub mod receipts;
pub mod refunds;
pub mod report_pages;
pub mod reports;
pub mod vietqr;

use error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "PayHub",
        description = "Centralized payment hub of the National Public Service Portal"
    ),
    paths(
        admin::upsert_agency,
        admin::show_agency,
        admin::add_beneficiary_account,
        admin::list_beneficiary_accounts,
        admin::list_audit,
        orders::create_order,
        orders::show_order,
        orders::cancel_order,
        orders::list_orders,
        receipts::api_receipt,
        notifications::list_order_notifications,
        notifications::redeliver,
        citizen_messages::list_order_messages,
        // Reconciliation (src/http/reports.rs).
        reports::create_run,
        reports::list_runs,
        reports::show_run,
        reports::list_discrepancies,
        reports::report_csv,
        reports::report_xlsx,
        reports::resolve,
        refunds::create_refund,
        refunds::list_refunds,
        attempts::list_attempts,
        attempts::settle_attempt,
        // The daily operations report (src/http/ops_reports.rs).
        ops_reports::show_report,
        ops_reports::list_incidents,
        // Finance staff's tools (src/http/finance/, issue 14).
        finance::search::search,
        finance::open_items::list_open_items,
        finance::open_items::handle_late_payment,
        finance::settlement::show_settlement,
        finance::settlement::download_settlement,
        finance::refund_requests::request_for_order,
        finance::refund_requests::request_for_discrepancy,
        finance::refund_requests::list_for_order,
        finance::refund_requests::list_awaiting,
        finance::refund_requests::approve,
        finance::refund_requests::reject,
    ),
    components(schemas(
        admin::AgencyBody,
        admin::BeneficiaryBody,
        crate::domain::order::CreateOrderBody,
        refunds::RefundBody,
        attempts::SettleBody,
        finance::refund_requests::RefundRequestBody
    ))
)]
pub struct ApiDoc;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let body_limit = state.config.server.body_limit_bytes;
    Router::new()
        .merge(meta::router())
        .merge(landing::router())
        .merge(admin::router())
        .merge(orders::router())
        .merge(checkout::router())
        .merge(callbacks::router())
        .merge(credits::router())
        .merge(reports::router())
        .merge(report_pages::router())
        .merge(notifications::router())
        .merge(citizen_messages::router())
        .merge(refunds::router())
        .merge(attempts::router())
        .merge(legacy::router())
        .merge(receipts::router())
        .merge(ops_reports::router())
        .merge(vietqr::router())
        .merge(finance::router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(middleware::from_fn(edge::guard))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(),
                request_id = %id, caller = tracing::field::Empty)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}
