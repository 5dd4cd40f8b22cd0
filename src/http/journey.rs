//! The citizen's way forward on every page (README, "The citizen's way forward"): the time
//! left in hours and minutes, the open attempt the checkout must mention, the next steps of a
//! closed order, the support contact, and the result page's outcome after a bank return.

use chrono::{DateTime, Utc};
use minijinja::{context, Value};

use crate::app::AppState;
use crate::clock::vietnam;
use crate::domain::attempt::Attempt;
use crate::domain::bank::display_name;
use crate::domain::order::Order;
use crate::domain::state::{AttemptStatus, OrderStatus, ReviewReason};
use crate::payments::open_attempt::{Asked, OpenAttempts, ABANDONED_AFTER};

/// "Còn 1 giờ 5 phút", "Còn 25 phút": whole minutes, rounded up, never below one.
pub fn time_left(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (expires_at - now).num_minutes().max(0) + 1;
    let (hours, minutes) = (minutes / 60, minutes % 60);
    match (hours, minutes) {
        (0, m) => format!("Còn {m} phút"),
        (h, 0) => format!("Còn {h} giờ"),
        (h, m) => format!("Còn {h} giờ {m} phút"),
    }
}

fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam())
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

/// Who the citizen can ask, from `[messages.support]`.
pub fn support(app: &AppState) -> Value {
    let s = &app.config.messages.support;
    context! { phone => s.phone, email => s.email }
}

/// The open attempts the checkout tells the citizen about.
pub fn open_context(open: &OpenAttempts) -> Value {
    let in_progress = open.in_progress.as_ref().map(|c| {
        context! {
            bank_name => display_name(c.attempt.bank),
            started_at => local_time(c.attempt.created_at),
            other_banks_from => local_time(c.attempt.created_at + ABANDONED_AFTER),
        }
    });
    let abandoned = open
        .abandoned
        .as_ref()
        .map(|c| context! { bank_name => display_name(c.attempt.bank) });
    context! { in_progress, abandoned }
}

/// The next steps of an order that can no longer be paid here, or that was paid late.
pub fn closed_context(order: &Order, status: OrderStatus, agency_name: &str) -> Value {
    let late = order.review_reason.as_deref();
    let debited_late = late == Some(ReviewReason::PaidAfterExpiry.as_str())
        || late == Some(ReviewReason::PaidAfterCancellation.as_str());
    let next_step = match status {
        OrderStatus::Expired => format!(
            "Vui lòng quay lại Cổng Dịch vụ công để tạo yêu cầu thanh toán mới cho hồ sơ, hoặc liên hệ {agency_name}. \
             Nếu tài khoản của bạn đã bị trừ tiền cho yêu cầu này, bạn không cần thanh toán lại: \
             khoản tiền sẽ được ghi nhận cho hồ sơ hoặc hoàn lại cho bạn."
        ),
        OrderStatus::Cancelled => format!(
            "{agency_name} đã hủy yêu cầu thanh toán này. Vui lòng quay lại Cổng Dịch vụ công để xem hồ sơ \
             và yêu cầu thanh toán mới (nếu có). Nếu tài khoản của bạn đã bị trừ tiền, khoản tiền sẽ được hoàn lại \
             hoặc ghi nhận cho hồ sơ."
        ),
        _ if debited_late => format!(
            "Khoản thanh toán đến sau khi yêu cầu đã hết hạn hoặc bị hủy. Số tiền đã được ghi nhận; \
             {agency_name} sẽ áp dụng cho hồ sơ hoặc hoàn lại cho bạn."
        ),
        _ => String::new(),
    };
    context! { next_step, debited_late }
}

/// What the result page shows after a bank sent the citizen back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    /// Declined or cancelled; `payable` when the order can still be paid (retry).
    Failed {
        payable: bool,
    },
    /// The bank has not said yet and the pages may still ask: the page reloads.
    Waiting,
    /// The bounded wait is over without a final answer: "we will tell you".
    WillTell {
        payable: bool,
    },
}

impl Outcome {
    /// The page's `data-outcome`, for tests and scripts that read it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Paid => "paid",
            Outcome::Failed { .. } => "failed",
            Outcome::Waiting => "waiting",
            Outcome::WillTell { .. } => "willtell",
        }
    }
}

pub fn outcome(order: &Order, attempt: &Attempt, asked: Asked, now: DateTime<Utc>) -> Outcome {
    let payable = crate::payments::start::shown_status(order, now) == OrderStatus::Pending;
    if order.status.is_paid() {
        return Outcome::Paid;
    }
    match (attempt.status, asked) {
        (AttemptStatus::Succeeded, _) => Outcome::Paid,
        (AttemptStatus::Failed, _) => Outcome::Failed { payable },
        (AttemptStatus::Unknown, _) | (_, Asked::Spent) => Outcome::WillTell { payable },
        _ => Outcome::Waiting,
    }
}

/// A line under the result for an order paid late, or no longer payable here.
pub fn result_note(order: &Order, outcome: Outcome) -> Option<&'static str> {
    if order.status.is_paid() && order.review_reason.is_some() {
        return Some(
            "Khoản thanh toán đến sau khi yêu cầu thanh toán đã hết hạn hoặc bị hủy. Số tiền đã được ghi nhận; \
             cơ quan giải quyết hồ sơ sẽ áp dụng cho hồ sơ hoặc hoàn lại cho bạn.",
        );
    }
    match outcome {
        Outcome::Failed { payable: false } | Outcome::WillTell { payable: false } => Some(
            "Yêu cầu thanh toán này không còn hiệu lực. Vui lòng quay lại Cổng Dịch vụ công để tạo yêu cầu \
             thanh toán mới. Nếu tài khoản của bạn đã bị trừ tiền, khoản tiền sẽ được ghi nhận cho hồ sơ hoặc hoàn lại.",
        ),
        _ => None,
    }
}

/// (class, headline, refresh) of an outcome.
pub fn outcome_state(outcome: Outcome, bank: &str) -> (&'static str, String, bool) {
    match outcome {
        Outcome::Paid => ("ok", "Hồ sơ đã thanh toán thành công".into(), false),
        Outcome::Failed { .. } => (
            "bad",
            "Thanh toán không thành công. Tài khoản của bạn không bị trừ tiền.".into(),
            false,
        ),
        Outcome::Waiting => (
            "wait",
            format!("Đang chờ {bank} xác nhận… PayHub đang hỏi ngân hàng."),
            true,
        ),
        Outcome::WillTell { .. } => (
            "wait",
            format!("{bank} chưa xác nhận kết quả giao dịch. PayHub sẽ báo cho bạn."),
            false,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_reads_in_hours_and_minutes() {
        let now = Utc::now();
        let left = |s: i64| time_left(now + chrono::Duration::seconds(s), now);
        assert_eq!(left(1439 * 60 - 30), "Còn 23 giờ 59 phút");
        assert_eq!(left(30 * 60 - 1), "Còn 30 phút");
        assert_eq!(left(120 * 60 - 1), "Còn 2 giờ");
        assert_eq!(left(-5), "Còn 1 phút");
    }
}
