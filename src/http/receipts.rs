//! Payment receipts: the PDF for dossier systems and finance staff, for the citizen from the
//! result page, and the public verification page that the receipt's QR code opens.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use minijinja::context;

use super::error::ApiError;
use super::extract::Auth;
use super::pages::{message, page};
use crate::app::AppState;
use crate::clock::vietnam;
use crate::domain::bank::display_name;
use crate::domain::keys::Role;
use crate::domain::order::Order;
use crate::receipt::{group_items, receipt_pdf};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders/{id}/receipt.pdf", get(api_receipt))
        .route("/checkout/{id}/receipt.pdf", get(citizen_receipt))
        .route("/receipts/{token}", get(verify_receipt))
        .route("/r/{code}", get(short_link))
}

fn pdf_response(order: &Order, pdf: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                crate::receipt::disposition(order),
            ),
        ],
        pdf,
    )
        .into_response()
}

/// The payment receipt of a paid order; a portal key gets those of its own orders only.
#[utoipa::path(get, path = "/api/v1/orders/{id}/receipt.pdf", tag = "orders",
    responses((status = 200, description = "the receipt", content_type = "application/pdf"),
              (status = 409, description = "the order is not paid")))]
async fn api_receipt(
    State(app): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Portal, Role::Finance])?;
    let order = super::orders::visible_order(&app, &caller, &id).await?;
    match receipt_pdf(&app, &order).await? {
        Some(pdf) => Ok(pdf_response(&order, pdf)),
        None => Err(ApiError::conflict(format!(
            "order {id} is {}: a receipt exists only once it is paid",
            order.status.as_str()
        ))),
    }
}

/// The citizen's download, linked from the result page: the order id in the path is as secret
/// as the checkout page that shows the same order.
async fn citizen_receipt(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    let unavailable = || {
        let text = "Hệ thống đang bận, vui lòng thử lại sau ít phút.";
        message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Tạm thời gián đoạn",
            text,
            None,
        )
    };
    let order = match app.store.order(&id).await {
        Ok(Some(order)) => order,
        Ok(None) => return not_issued(),
        Err(_) => return unavailable(),
    };
    match receipt_pdf(&app, &order).await {
        Ok(Some(pdf)) => pdf_response(&order, pdf),
        Ok(None) => not_issued(),
        Err(_) => unavailable(),
    }
}

fn not_issued() -> Response {
    let text = "Không có biên nhận này, hoặc hồ sơ chưa được thanh toán.";
    message(
        StatusCode::NOT_FOUND,
        "Không tìm thấy biên nhận",
        text,
        None,
    )
}

/// The SMS's short receipt link: to the verification page.
async fn short_link(State(app): State<AppState>, Path(code): Path<String>) -> Response {
    match app.store.receipt_token_by_short_code(&code).await {
        Ok(Some(token)) => Redirect::to(&format!("/receipts/{token}")).into_response(),
        _ => not_issued(),
    }
}

/// Anyone holding the QR code may check that the receipt is genuine: the page shows what the
/// receipt says about the payment, and nothing about the payer (no name, no identity number).
async fn verify_receipt(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    let order = match app.store.order_by_receipt_token(&token).await {
        Ok(Some(order)) => order,
        Ok(None) => return not_issued(),
        Err(_) => return not_issued(),
    };
    let Some(payment) = order.payment.as_ref().filter(|_| order.status.is_paid()) else {
        return not_issued();
    };
    let agency_name = match app.store.agency(&order.agency_code).await {
        Ok(a) => a.map(|a| a.name).unwrap_or_default(),
        Err(_) => String::new(),
    };
    let groups: Vec<_> = group_items(&order.items)
        .into_iter()
        .map(|g| {
            let items: Vec<_> = g
                .items
                .iter()
                .map(|i| context! { name => i.name, amount => i.amount.to_vietnamese() })
                .collect();
            let number = crate::receipt::receipt_number(&payment.reference, g.kind);
            context! { kind => g.kind.vietnamese(), number, items, subtotal => g.subtotal.to_vietnamese() }
        })
        .collect();
    let paid_at = payment.paid_at.with_timezone(&vietnam());
    page(
        StatusCode::OK,
        "receipt.html",
        context! {
            agency_name, agency_code => order.agency_code, dossier_code => order.dossier_code,
            procedure_name => order.procedure_name, groups,
            total => order.amount.to_vietnamese(),
            total_words => crate::receipt::words::vnd_in_words(order.amount),
            bank_name => display_name(payment.bank), bank_txn_id => payment.bank_txn_id,
            paid_at => paid_at.format("%H:%M:%S %d/%m/%Y").to_string(),
            reference => payment.reference,
        },
    )
}
