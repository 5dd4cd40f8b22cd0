//! What the finance pages show, in the staff's words: money as `1.250.000 ₫`, times in GMT+7,
//! statuses in Vietnamese, and errors as pages rather than problem+json.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use minijinja::{context, Value};
use payhub_money::Vnd;

use super::super::error::ApiError;
use super::super::pages::message;
use super::session::{unavailable, StaffSession};
use crate::clock::vietnam;
use crate::domain::keys::Role;
use crate::store::reconciliation::RunStatus;

/// Whole đồng as the pages show them; a negative amount (a refund line) keeps its sign.
pub fn vnd(dong: i64) -> String {
    match Vnd::from_dong(dong.abs()) {
        Ok(v) if dong < 0 => format!("-{}", v.to_vietnamese()),
        Ok(v) => v.to_vietnamese(),
        Err(_) => dong.to_string(),
    }
}

pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam())
        .format("%H:%M:%S %d/%m/%Y")
        .to_string()
}

/// (badge class, Vietnamese) of a run's status.
pub fn run_status(status: RunStatus) -> (&'static str, &'static str) {
    match status {
        RunStatus::Running => ("wait", "Đang chạy"),
        RunStatus::Succeeded => ("ok", "Hoàn tất"),
        RunStatus::Failed => ("bad", "Thất bại"),
    }
}

/// Who is signed in, and the CSRF token every form of the page carries.
pub fn staff(staff: &StaffSession) -> Value {
    let caller = &staff.session.caller;
    let role = match caller.role {
        Role::Finance => "Tài chính",
        Role::Admin => "Quản trị",
        Role::Portal => "Cổng dịch vụ công",
    };
    context! {
        name => caller.name, role,
        csrf => staff.session.csrf_token,
        may_resolve => caller.role == Role::Finance,
    }
}

/// An error of a shared API helper, as a page.
pub fn error_page(e: ApiError, back: &str) -> Response {
    let back = Some(back);
    match e {
        ApiError::NotFound => message(
            StatusCode::NOT_FOUND,
            "Không tìm thấy",
            "Không tìm thấy phiên đối soát hoặc chênh lệch này.",
            back,
        ),
        ApiError::Validation(_) => message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Thông tin chưa hợp lệ",
            "Vui lòng kiểm tra lại: ghi chú xử lý cần từ 1 đến 2000 ký tự.",
            back,
        ),
        ApiError::Conflict { .. } => message(
            StatusCode::CONFLICT,
            "Đã xử lý",
            "Chênh lệch này đã được xử lý trước đó.",
            back,
        ),
        ApiError::Forbidden => forbidden(back),
        other => {
            tracing::error!(error.cause_chain = ?other, "report page failed");
            unavailable()
        }
    }
}

pub fn forbidden(back: Option<&str>) -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Không có quyền",
        "Chỉ cán bộ tài chính được xử lý chênh lệch.",
        back,
    )
}

/// A filter the form left empty is no filter.
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// An order's or a payment's stored status, in the staff's words.
pub fn order_status(status: &str) -> &'static str {
    match status {
        "pending" => "Chờ thanh toán",
        "paid" => "Đã thanh toán",
        "expired" => "Hết hạn",
        "cancelled" => "Đã hủy",
        "refunded" => "Đã hoàn tiền",
        "partially_refunded" => "Đã hoàn một phần",
        "created" | "redirected" => "Đang chờ ngân hàng",
        "succeeded" => "Thành công",
        "failed" => "Không thành công",
        "unknown" => "Chưa rõ",
        _ => "Khác",
    }
}
