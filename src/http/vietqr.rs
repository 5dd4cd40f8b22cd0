//! The VietQR page (vietqr.md §3): the code rendered server-side as an SVG image, the account,
//! bank, amount and transfer content as text to copy, and whether the money has arrived (the
//! page refreshes itself with a plain `<meta refresh>`, no JavaScript).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use bank_adapters::vietqr;
use minijinja::context;
use qrcode::{Color, EcLevel, QrCode};

use super::pages::{message, page};
use crate::app::AppState;
use crate::clock::vietnam;
use crate::domain::attempt::Channel;
use crate::domain::bank::display_name;
use crate::domain::state::OrderStatus;
use crate::payments::start::shown_status;
use crate::payments::vietqr::qr_payment;

pub fn router() -> Router<AppState> {
    Router::new().route("/checkout/{id}/vietqr/{reference}", get(show_qr))
}

fn not_found() -> Response {
    let text = "Không tìm thấy mã thanh toán này.";
    message(StatusCode::NOT_FOUND, "Không tìm thấy", text, None)
}

async fn show_qr(
    State(app): State<AppState>,
    Path((id, reference)): Path<(String, String)>,
) -> Response {
    let (Ok(Some(attempt)), Ok(Some(order))) = (
        app.store.attempt_by_reference(&reference).await,
        app.store.order(&id).await,
    ) else {
        return not_found();
    };
    if attempt.order_id != order.id || attempt.channel != Channel::Vietqr {
        return not_found();
    }
    let now = app.clock.now();
    let status = shown_status(&order, now);
    let paid_here = order
        .payment
        .as_ref()
        .is_some_and(|p| p.reference == attempt.reference);
    let (state, state_class, state_text) = match status {
        OrderStatus::Pending => (
            "waiting",
            "wait",
            "Đang chờ tiền chuyển đến. Trang sẽ tự cập nhật khi ngân hàng báo có.",
        ),
        s if s.is_paid() && paid_here => ("paid", "ok", "Đã nhận được tiền. Hồ sơ đã thanh toán."),
        s if s.is_paid() => (
            "paid_elsewhere",
            "ok",
            "Hồ sơ đã được thanh toán bằng giao dịch khác. Vui lòng không chuyển tiền theo mã này.",
        ),
        _ => (
            "closed",
            "bad",
            "Yêu cầu thanh toán đã hết hạn hoặc bị hủy. Vui lòng không chuyển tiền theo mã này.",
        ),
    };
    let payload = vietqr::payload(&qr_payment(&attempt));
    page(
        StatusCode::OK,
        "vietqr.html",
        context! {
            state, state_class, state_text,
            refresh => status == OrderStatus::Pending,
            show_code => status == OrderStatus::Pending,
            qr_svg => qr_svg(&payload),
            payload,
            order_id => order.id,
            dossier_code => order.dossier_code,
            bank_name => display_name(attempt.bank),
            account_no => attempt.account_no,
            account_name => attempt.account_name,
            amount => attempt.amount.to_vietnamese(),
            amount_digits => attempt.amount.dong().to_string(),
            content => vietqr::transfer_content(&attempt.reference),
            reference => attempt.reference,
            expires_at => order.expires_at.with_timezone(&vietnam()).format("%H:%M %d/%m/%Y").to_string(),
            receipt_url => (order.status.is_paid() && paid_here).then(|| format!("/checkout/{}/receipt.pdf", order.id)),
            return_url => order.return_url,
        },
    )
}

/// The payload as an SVG image: one path of dark modules with a 4-module quiet zone. Built from
/// the module matrix (the receipt's QR is drawn the same way), so no image crate is needed.
fn qr_svg(payload: &str) -> String {
    let Ok(code) = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M) else {
        return String::new();
    };
    let width = code.width();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut path = String::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" id="vietqr-image" role="img" aria-label="Mã VietQR" viewBox="0 0 {size} {size}" width="280" height="280" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_is_an_svg_of_the_payload_modules() {
        let payload = "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA530370454066500005802VN62170813PH A7K2M9Q4ZT6304213A";
        let svg = qr_svg(payload);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).unwrap();
        let dark = code
            .to_colors()
            .iter()
            .filter(|c| **c == Color::Dark)
            .count();
        assert_eq!(svg.matches("h1v1h-1z").count(), dark);
    }
}
