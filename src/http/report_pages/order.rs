//! `GET /reports/orders/{id}`: an order's whole story for finance staff (issue 14): its items,
//! then every attempt with the bank's answer, callback received, state change, notification
//! delivery, refund, refund request, receipt, reconciliation entry and audit entry, in time
//! order. From here an officer asks for a refund, another approves it, and a late payment is
//! handled.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use minijinja::{context, Value};

use super::super::error::ApiError;
use super::super::pages::page;
use super::session::{unavailable, StaffSession};
use super::views::{error_page, local_time, order_status, staff, vnd};
use crate::app::AppState;
use crate::recon::summary::label;
use crate::store::order_story::OrderStory;

/// One line of the timeline: when, what kind of thing, and what happened.
struct Step {
    at: DateTime<Utc>,
    kind: &'static str,
    text: String,
}

pub async fn show_order(
    State(app): State<AppState>,
    who: StaffSession,
    Path(id): Path<String>,
) -> Response {
    let story = match app.store.order_story(&id).await {
        Ok(Some(story)) => story,
        Ok(None) => return error_page(ApiError::NotFound, "/reports"),
        Err(_) => return unavailable(),
    };
    let o = &story.order;
    let mut steps = money_steps(&story);
    steps.extend(message_steps(&story));
    steps.extend(review_steps(&story));
    steps.sort_by_key(|s| s.at);
    let me = who.session.caller.key_id;
    let requests: Vec<Value> = story
        .refund_requests
        .iter()
        .map(|r| {
            context! {
                id => r.id, amount => vnd(r.amount_vnd), reason => r.reason, status => r.status,
                requested_by => r.requested_by, requested_at => local_time(r.requested_at),
                decided_by => r.decided_by, refund_id => r.refund_id,
                awaiting => r.status == "awaiting_approval",
                mine => r.requested_key_id == me,
            }
        })
        .collect();
    let payments: Vec<Value> = story
        .payments
        .iter()
        .map(|p| {
            let left = p.amount_vnd - p.refunded_vnd;
            context! { id => p.id, txn => p.bank_txn_id, kind => p.kind, left => vnd(left), refundable => left > 0 }
        })
        .collect();
    page(
        StatusCode::OK,
        "reports_order.html",
        context! {
            staff => staff(&who),
            order => context! {
                id => o.id, dossier => o.dossier_code, agency => o.agency_code,
                procedure => format!("{} ({})", o.procedure_name, o.procedure_code),
                payer => o.payer_name, amount => o.amount.to_vietnamese(),
                refunded => o.refunded.to_vietnamese(), status => order_status(o.status.as_str()),
                review => o.review_reason.as_deref().map(label_review),
            },
            items => o.items.iter().map(|i| context! {
                kind => i.kind.as_str(), code => i.code, name => i.name, amount => i.amount.to_vietnamese(),
            }).collect::<Vec<_>>(),
            timeline => steps.iter().map(|s| context! {
                at => local_time(s.at), kind => s.kind, text => s.text,
            }).collect::<Vec<_>>(),
            payments, requests,
            late_open => o.review_reason.is_some() && !story.audit.iter().any(|a| a.action == "late_payment.handled"),
            discrepancies => story.discrepancies.iter().filter(|d| d.resolved_at.is_none()).map(|d| context! {
                id => d.id, label => label(&d.facts.class),
            }).collect::<Vec<_>>(),
        },
    )
}

fn label_review(reason: &str) -> &'static str {
    match reason {
        "paid_after_expiry" => "Thanh toán sau khi đơn hết hạn",
        "paid_after_cancellation" => "Thanh toán sau khi đơn bị hủy",
        _ => "Cần xem xét",
    }
}

/// The order, its attempts (through [`bank_steps`]), payments, refunds and the receipt.
fn money_steps(s: &OrderStory) -> Vec<Step> {
    let mut steps = vec![Step {
        at: s.order.created_at,
        kind: "Đơn",
        text: format!(
            "Tạo đơn {}, hồ sơ {}",
            s.order.amount.to_vietnamese(),
            s.order.dossier_code
        ),
    }];
    steps.extend(bank_steps(s));
    for p in &s.payments {
        steps.push(Step {
            at: p.paid_at,
            kind: "Tiền đã chuyển",
            text: format!(
                "{} GD {} {} ({}), ghi có TK {}",
                p.bank.to_uppercase(),
                p.bank_txn_id,
                vnd(p.amount_vnd),
                p.kind,
                p.credit_account.as_deref().unwrap_or("—")
            ),
        });
    }
    for r in &s.refunds {
        steps.push(Step {
            at: r.updated_at,
            kind: "Hoàn tiền",
            text: format!(
                "{} {} — {} ({}), {}",
                r.refund_ref,
                r.amount.to_vietnamese(),
                r.status.as_str(),
                r.reason,
                r.requested_by
            ),
        });
    }
    if let Some(at) = s.receipt_at {
        steps.push(Step {
            at,
            kind: "Biên lai",
            text: "Biên lai điện tử được phát hành".into(),
        });
    }
    steps
}

/// Each attempt, the bank's answer to it, and the callbacks the banks sent about it.
fn bank_steps(s: &OrderStory) -> Vec<Step> {
    let mut steps = Vec::new();
    for a in &s.attempts {
        steps.push(Step {
            at: a.created_at,
            kind: "Lượt thanh toán",
            text: format!(
                "{} tham chiếu {} ({}), TK {}",
                a.bank.to_uppercase(),
                a.reference,
                vnd(a.amount_vnd),
                a.account_no
            ),
        });
        if let Some(at) = a.result_at {
            let code = a.result_code.as_deref().unwrap_or("—");
            steps.push(Step {
                at,
                kind: "Ngân hàng trả lời",
                text: format!("{}: {} (mã {code})", a.reference, order_status(&a.status)),
            });
        }
    }
    for c in &s.callbacks {
        steps.push(Step {
            at: c.received_at,
            kind: "Callback nhận được",
            text: format!(
                "{} {} — {}, trả lời HTTP {}",
                c.bank.to_uppercase(),
                c.endpoint,
                c.verdict,
                c.reply_status
            ),
        });
    }
    steps
}

/// State changes, notifications and their deliveries.
fn message_steps(s: &OrderStory) -> Vec<Step> {
    let mut steps: Vec<Step> = s
        .events
        .iter()
        .map(|e| Step {
            at: e.at,
            kind: "Trạng thái",
            text: format!(
                "{}: {} → {} ({}){}",
                e.event,
                e.from_status.as_deref().unwrap_or("—"),
                e.to_status,
                e.actor,
                e.detail
                    .as_deref()
                    .map(|d| format!(", {d}"))
                    .unwrap_or_default()
            ),
        })
        .collect();
    for n in &s.notifications {
        steps.push(Step {
            at: n.created_at,
            kind: "Thông báo",
            text: format!("{} tới {}", n.event, n.url),
        });
        for d in &n.deliveries {
            let outcome = d.status_code.map_or_else(
                || d.error.clone().unwrap_or_else(|| "không có trả lời".into()),
                |code| format!("HTTP {code}"),
            );
            steps.push(Step {
                at: d.attempted_at,
                kind: "Gửi thông báo",
                text: format!("Lần {}: {outcome} ({} ms)", d.attempt, d.latency_ms),
            });
        }
    }
    steps
}

/// Reconciliation entries, refund requests and audit entries.
fn review_steps(s: &OrderStory) -> Vec<Step> {
    let mut steps: Vec<Step> = s
        .discrepancies
        .iter()
        .map(|d| Step {
            at: d
                .facts
                .bank_at
                .or(d.facts.payhub_at)
                .unwrap_or(s.order.created_at),
            kind: "Đối soát",
            text: format!(
                "Phiên #{}: {} {} ({})",
                d.run_id,
                label(&d.facts.class),
                vnd(d.facts.amount_vnd),
                if d.resolved_at.is_some() {
                    "đã xử lý"
                } else {
                    "chưa xử lý"
                }
            ),
        })
        .collect();
    for a in &s.audit {
        steps.push(Step {
            at: a.at,
            kind: "Nhật ký",
            text: format!("{} — {} ({})", a.action, a.actor, a.subject),
        });
    }
    steps
}
