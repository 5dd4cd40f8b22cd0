//! `GET /reports/open-items?bank=&agency=&class=`: everything still open across runs, oldest
//! first, with its age (issue 14).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;

use super::super::finance::open_items::{age_days, open_classes, open_filter, OpenItemsQuery};
use super::super::pages::{message, page};
use super::session::{unavailable, StaffSession};
use super::views::{staff, vnd};
use crate::app::AppState;
use crate::domain::bank::{display_name, BankCode};
use crate::recon::summary::label;

pub async fn show_open_items(
    State(app): State<AppState>,
    who: StaffSession,
    query: Result<Query<OpenItemsQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let Ok(filter) = open_filter(&q) else {
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bộ lọc chưa hợp lệ",
            "Vui lòng chọn ngân hàng và loại trong danh sách.",
            Some("/reports/open-items"),
        );
    };
    let Ok(items) = app.store.open_items(&filter).await else {
        return unavailable();
    };
    let now = app.clock.now();
    let banks: Vec<_> = [BankCode::Vnpay, BankCode::Vcb, BankCode::Bidv]
        .into_iter()
        .map(|b| context! { code => b.as_str(), name => display_name(b), selected => filter.bank.as_deref() == Some(b.as_str()) })
        .collect();
    let classes: Vec<_> = open_classes()
        .into_iter()
        .map(|c| context! { value => c, label => class_label(c), selected => filter.class.as_deref() == Some(c) })
        .collect();
    let rows: Vec<_> = items
        .iter()
        .map(|i| {
            context! {
                kind => i.kind, discrepancy_id => i.discrepancy_id, run_id => i.run_id,
                bank => i.bank, agency => i.agency_code, class => i.class,
                label => class_label(&i.class), reference => i.reference,
                bank_txn_id => i.bank_txn_id, order_id => i.order_id,
                amount => vnd(i.amount_vnd), day => i.day.format("%d/%m/%Y").to_string(),
                age => age_days(i, now),
            }
        })
        .collect();
    page(
        StatusCode::OK,
        "reports_open_items.html",
        context! {
            staff => staff(&who), banks, classes, items => rows,
            agency => filter.agency_code.unwrap_or_default(),
        },
    )
}

fn class_label(class: &str) -> &'static str {
    match class {
        "paid_after_expiry" => "Thanh toán sau khi đơn hết hạn",
        "paid_after_cancellation" => "Thanh toán sau khi đơn bị hủy",
        other => label(other),
    }
}
