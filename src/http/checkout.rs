//! The citizen's pages (api.md, Citizen pages): checkout, the choice of bank, the result.
//! Vietnamese, plain HTML, no JavaScript needed.

use std::net::SocketAddr;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::pages::{message, page};
use crate::app::AppState;
use crate::banks;
use crate::clock::vietnam;
use crate::domain::bank::{bank_code, display_name, BankCode};
use crate::domain::state::OrderStatus;
use crate::payments::start::{available_banks, shown_status, start_payment, StartError};
use crate::payments::vietqr::{self, vietqr_account};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checkout/{id}", get(show_checkout).post(choose_bank))
        .route("/checkout/{id}/banks/{bank}", get(go_to_bank))
        .route("/return/{bank}", get(show_return))
}

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Không tìm thấy",
        "Không tìm thấy yêu cầu thanh toán này.",
        None,
    )
}

fn unavailable() -> Response {
    let text = "Hệ thống đang bận, vui lòng thử lại sau ít phút.";
    message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Tạm thời gián đoạn",
        text,
        None,
    )
}

/// (class, Vietnamese text) of an order's state for the pages.
fn state_label(status: OrderStatus) -> (&'static str, &'static str) {
    match status {
        OrderStatus::Pending => ("wait", "Chờ thanh toán"),
        OrderStatus::Paid => ("ok", "Hồ sơ đã thanh toán"),
        OrderStatus::Refunded => ("ok", "Hồ sơ đã thanh toán (đã hoàn tiền)"),
        OrderStatus::PartiallyRefunded => ("ok", "Hồ sơ đã thanh toán (đã hoàn một phần)"),
        OrderStatus::Expired => ("bad", "Yêu cầu thanh toán đã hết hạn"),
        OrderStatus::Cancelled => ("bad", "Yêu cầu thanh toán đã bị hủy"),
    }
}

async fn show_checkout(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(order) = app.store.order(&id).await else {
        return unavailable();
    };
    let Some(order) = order else {
        return not_found();
    };
    let now = app.clock.now();
    let agency_name = match app.store.agency(&order.agency_code).await {
        Ok(a) => a.map(|a| a.name).unwrap_or_default(),
        Err(_) => return unavailable(),
    };
    let status = shown_status(&order, now);
    let banks = if status == OrderStatus::Pending {
        match available_banks(&app, &order, now).await {
            Ok(banks) => banks,
            Err(_) => return unavailable(),
        }
    } else {
        Vec::new()
    };
    let (state_class, state_text) = state_label(status);
    let items: Vec<_> = order
        .items
        .iter()
        .map(|i| context! { kind => i.kind.vietnamese(), name => i.name, amount => i.amount.to_vietnamese() })
        .collect();
    let vietqr = vietqr_account(&banks).map(|_| {
        context! { code => vietqr::CHOICE, name => "VietQR – chuyển khoản từ ứng dụng ngân hàng bất kỳ" }
    });
    let banks: Vec<_> = banks
        .iter()
        .map(|(b, _)| context! { code => b.as_str(), name => display_name(*b) })
        .chain(vietqr)
        .collect();
    page(
        StatusCode::OK,
        "checkout.html",
        context! {
            order => context! { id => order.id, dossier_code => order.dossier_code,
                procedure_name => order.procedure_name, payer_name => order.payer_name,
                return_url => order.return_url },
            agency_name, items, banks,
            total => order.amount.to_vietnamese(),
            state => status.as_str(), state_class, state_text,
            minutes_left => (order.expires_at - now).num_minutes().max(0) + 1,
            expires_at => order.expires_at.with_timezone(&vietnam()).format("%H:%M %d/%m/%Y").to_string(),
        },
    )
}

#[derive(Deserialize)]
struct BankChoice {
    bank: String,
}

/// The citizen's address for `vnp_IpAddr`: the proxy's `X-Forwarded-For` when the peer is a
/// local or private address (our own proxy), the peer otherwise.
fn client_ip(peer: SocketAddr, headers: &HeaderMap) -> String {
    let ip = peer.ip();
    let behind_proxy = match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        std::net::IpAddr::V6(v6) => v6.is_loopback(),
    };
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| v.parse::<std::net::IpAddr>().is_ok());
    match forwarded {
        Some(f) if behind_proxy => f.to_owned(),
        _ => ip.to_string(),
    }
}

/// Creates an attempt at the chosen bank and sends the browser there (303).
async fn choose_bank(
    State(app): State<AppState>,
    Path(id): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<BankChoice>, FormRejection>,
) -> Response {
    let back = format!("/checkout/{id}");
    let Ok(Form(choice)) = form else {
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Chưa chọn ngân hàng",
            "Vui lòng chọn một ngân hàng.",
            Some(&back),
        );
    };
    start_at_bank(&app, &id, &choice.bank, peer, &headers).await
}

/// A link straight to one bank: what an INIT whose `MaNganHang` names a bank gets as its
/// `UrlThanhToan` (legacy-platform.md §INIT). The same hand-off as choosing on the page.
async fn go_to_bank(
    State(app): State<AppState>,
    Path((id, bank)): Path<(String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    start_at_bank(&app, &id, &bank, peer, &headers).await
}

async fn start_at_bank(
    app: &AppState,
    id: &str,
    choice: &str,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Response {
    let back = format!("/checkout/{id}");
    let order = match app.store.order(id).await {
        Ok(Some(order)) => order,
        Ok(None) => return not_found(),
        Err(_) => return unavailable(),
    };
    match start_payment(app, &order, choice, &client_ip(peer, headers)).await {
        Ok(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response(),
        Err(StartError::NotPayable) => Redirect::to(&back).into_response(),
        Err(StartError::BankNotOffered(_)) => message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Ngân hàng không hợp lệ",
            "Ngân hàng này không nhận thanh toán cho hồ sơ này.",
            Some(&back),
        ),
        Err(StartError::BankDidNotStart { bank, cause }) => {
            tracing::warn!(error = %cause, %bank, "bank did not start the payment");
            let text = format!(
                "{} tạm thời không phản hồi. Vui lòng chọn ngân hàng khác hoặc thử lại.",
                display_name(bank)
            );
            let title = "Không kết nối được ngân hàng";
            message(StatusCode::BAD_GATEWAY, title, &text, Some(&back))
        }
        Err(StartError::Store(e)) => {
            tracing::error!(error.cause_chain = ?e, "payment not started");
            unavailable()
        }
    }
}

/// The reference a bank's browser return carries (vnp_TxnRef, orderRef, bill).
fn return_reference(bank: BankCode, query: &str) -> Option<String> {
    let key = match bank {
        BankCode::Vnpay => "vnp_TxnRef",
        BankCode::Vcb => "orderRef",
        BankCode::Bidv => "bill",
    };
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Shows the result of a payment after the bank sends the browser back. Display only: state
/// changes come from verified callbacks (vnpay.md §2), so this page reads the database and
/// refreshes itself while the bank's confirmation is on its way.
async fn show_return(
    State(app): State<AppState>,
    Path(bank): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(bank) = bank_code(&bank) else {
        return not_found();
    };
    let query = query.unwrap_or_default();
    if !banks::return_is_genuine(&app.config, bank, &query) {
        let text = "Thông tin ngân hàng gửi về không hợp lệ. Kết quả thanh toán sẽ được cập nhật khi ngân hàng xác nhận.";
        return message(
            StatusCode::BAD_REQUEST,
            "Không xác thực được kết quả",
            text,
            None,
        );
    }
    let Some(reference) = return_reference(bank, &query) else {
        return not_found();
    };
    let Ok(Some(attempt)) = app.store.attempt_by_reference(&reference).await else {
        return not_found();
    };
    let Ok(Some(order)) = app.store.order(&attempt.order_id).await else {
        return not_found();
    };
    let paid_here = order
        .payment
        .as_ref()
        .filter(|p| p.reference == attempt.reference);
    let (state_class, state_text, refresh) = match (order.status.is_paid(), attempt.status) {
        (true, _) => ("ok", "Hồ sơ đã thanh toán thành công", false),
        (false, crate::domain::state::AttemptStatus::Failed) => (
            "bad",
            "Thanh toán không thành công. Bạn có thể thử lại.",
            false,
        ),
        _ => ("wait", "Đang chờ ngân hàng xác nhận…", true),
    };
    page(
        StatusCode::OK,
        "result.html",
        context! {
            state_class, state_text, refresh,
            dossier_code => order.dossier_code,
            total => order.amount.to_vietnamese(),
            bank_name => display_name(bank),
            reference => attempt.reference,
            bank_txn_id => paid_here.map(|p| p.bank_txn_id.clone()),
            receipt_url => order.status.is_paid().then(|| format!("/checkout/{}/receipt.pdf", order.id)),
            return_url => order.return_url,
        },
    )
}
