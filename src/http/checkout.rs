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

use super::journey::{self, Outcome};
use super::pages::{message, page};
use crate::app::AppState;
use crate::banks;
use crate::clock::vietnam;
use crate::domain::attempt::Channel;
use crate::domain::bank::{bank_code, display_name, BankCode};
use crate::domain::state::OrderStatus;
use crate::payments::open_attempt::{ask_bank, open_attempts, Asked, OpenAttempts};
use crate::payments::start::{available_banks, shown_status, start_payment, StartError};
use crate::payments::vietqr::{self, vietqr_account};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checkout/{id}", get(show_checkout).post(choose_bank))
        .route("/checkout/{id}/banks/{bank}", get(go_to_bank))
        .route("/return/{bank}", get(show_return))
}

fn not_found(app: &AppState) -> Response {
    let support = &app.config.messages.support;
    let text = format!(
        "Không tìm thấy yêu cầu thanh toán này: đường dẫn có thể đã bị sao chép thiếu. \
         Vui lòng mở lại hồ sơ trên Cổng Dịch vụ công và bấm \"Thanh toán\" để nhận đường dẫn mới. \
         Cần hỗ trợ: tổng đài {}, {}.",
        support.phone, support.email
    );
    message(StatusCode::NOT_FOUND, "Không tìm thấy", &text, None)
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
    let Some(mut order) = order else {
        return not_found(&app);
    };
    let agency_name = match app.store.agency(&order.agency_code).await {
        Ok(a) => a.map(|a| a.name).unwrap_or_default(),
        Err(_) => return unavailable(),
    };
    // The open attempt rule: the bank of an open attempt is asked before anything is offered.
    let mut open = OpenAttempts::default();
    if shown_status(&order, app.clock.now()) == OrderStatus::Pending {
        open = match open_attempts(&app, &order.id).await {
            Ok(open) => open,
            Err(_) => return unavailable(),
        };
        order = match app.store.order(&id).await {
            Ok(Some(order)) => order,
            _ => return unavailable(),
        };
    }
    let now = app.clock.now();
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
    let vietqr = vietqr_account(&banks)
        .filter(|(b, _)| open.allows(*b, Channel::Vietqr))
        .map(|_| {
        context! { code => vietqr::CHOICE, name => "VietQR – chuyển khoản từ ứng dụng ngân hàng bất kỳ" }
    });
    let banks: Vec<_> = banks
        .iter()
        .filter(|(b, _)| open.allows(*b, Channel::Gateway))
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
            time_left => journey::time_left(order.expires_at, now),
            expires_at => order.expires_at.with_timezone(&vietnam()).format("%H:%M %d/%m/%Y").to_string(),
            open => journey::open_context(&open),
            closed => journey::closed_context(&order, status, &agency_name),
            receipt_url => order.status.is_paid().then(|| format!("/checkout/{}/receipt.pdf", order.id)),
            support => journey::support(&app),
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
        Ok(None) => return not_found(app),
        Err(_) => return unavailable(),
    };
    match start_payment(app, &order, choice, &client_ip(peer, headers)).await {
        Ok(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response(),
        Err(StartError::NotPayable) => Redirect::to(&back).into_response(),
        Err(StartError::InProgress(bank)) => {
            let text = format!(
                "Bạn đang có một giao dịch chưa kết thúc tại {}. Vui lòng hoàn tất hoặc hủy giao dịch đó \
                 trước khi thanh toán qua ngân hàng khác, để không bị trừ tiền hai lần.",
                display_name(bank)
            );
            let title = "Đang có giao dịch chưa kết thúc";
            message(StatusCode::CONFLICT, title, &text, Some(&back))
        }
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
        return not_found(&app);
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
        return not_found(&app);
    };
    let Ok(Some(attempt)) = app.store.attempt_by_reference(&reference).await else {
        return not_found(&app);
    };
    let Ok(Some(order)) = app.store.order(&attempt.order_id).await else {
        return not_found(&app);
    };
    let now = app.clock.now();
    if let Err(e) = app.store.attempt_returned(&attempt, now).await {
        tracing::warn!(error.cause_chain = ?e, "the return was not recorded");
    }
    // A bounded wait: each load may ask the bank, within the pages' budget.
    let asked = ask_bank(&app, &attempt).await.unwrap_or(Asked::TooSoon);
    let (attempt, order) = match asked {
        Asked::Asked => match (
            app.store.attempt_by_reference(&reference).await,
            app.store.order(&order.id).await,
        ) {
            (Ok(Some(a)), Ok(Some(o))) => (a, o),
            _ => return unavailable(),
        },
        _ => (attempt, order),
    };
    result_page(&app, &order, &attempt, asked)
}

fn result_page(
    app: &AppState,
    order: &crate::domain::order::Order,
    attempt: &crate::domain::attempt::Attempt,
    asked: Asked,
) -> Response {
    let now = app.clock.now();
    let outcome = journey::outcome(order, attempt, asked, now);
    let bank_name = display_name(attempt.bank);
    let (state_class, state_text, refresh) = journey::outcome_state(outcome, bank_name);
    let paid_here = order
        .payment
        .as_ref()
        .filter(|p| p.reference == attempt.reference);
    let retry = matches!(
        outcome,
        Outcome::Failed { payable: true } | Outcome::WillTell { payable: true }
    );
    page(
        StatusCode::OK,
        "result.html",
        context! {
            state_class, state_text, refresh, retry,
            note => journey::result_note(order, outcome),
            outcome => outcome.as_str(),
            dossier_code => order.dossier_code,
            total => order.amount.to_vietnamese(),
            bank_name,
            reference => attempt.reference,
            bank_txn_id => paid_here.map(|p| p.bank_txn_id.clone()),
            receipt_url => order.status.is_paid().then(|| format!("/checkout/{}/receipt.pdf", order.id)),
            order_id => order.id,
            return_url => order.return_url,
            support => journey::support(app),
        },
    )
}
