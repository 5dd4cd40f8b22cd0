//! `GET /reports/search?q=`: the search box of every report page (issue 14). One order found by a
//! key that names one (order id, dossier code, reference, bank transaction id) opens its page;
//! otherwise the list of what was found.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::super::pages::page;
use super::session::{see_other, unavailable, StaffSession};
use super::views::{given, local_time, order_status, staff, vnd};
use crate::app::AppState;
use crate::recon::summary::label;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn show_search(
    State(app): State<AppState>,
    who: StaffSession,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let text = given(&q.q).unwrap_or_default().to_owned();
    let Ok(found) = app.store.search(&text).await else {
        return unavailable();
    };
    if let [only] = &found.orders[..] {
        if only.matched_by != "payer_name" && found.lines.is_empty() {
            return see_other(&format!("/reports/orders/{}", only.order_id));
        }
    }
    let matched_by = |key: &str| match key {
        "order_id" => "Mã đơn",
        "dossier_code" => "Mã hồ sơ",
        "reference" => "Mã tham chiếu PayHub",
        "bank_txn_id" => "Mã giao dịch ngân hàng",
        "payer_name" => "Tên người nộp",
        _ => "Khác",
    };
    let orders: Vec<_> = found
        .orders
        .iter()
        .map(|o| {
            context! {
                id => o.order_id, dossier => o.dossier_code, agency => o.agency_code,
                payer => o.payer_name, amount => vnd(o.amount_vnd),
                status => order_status(&o.status), created_at => local_time(o.created_at),
                matched_by => matched_by(&o.matched_by),
            }
        })
        .collect();
    let lines: Vec<_> = found
        .lines
        .iter()
        .map(|l| {
            context! {
                id => l.discrepancy_id, run_id => l.run_id, class => label(&l.class),
                reference => l.reference, bank_txn_id => l.bank_txn_id, amount => vnd(l.amount_vnd),
            }
        })
        .collect();
    page(
        StatusCode::OK,
        "reports_search.html",
        context! { staff => staff(&who), search_query => text, orders, lines },
    )
}
