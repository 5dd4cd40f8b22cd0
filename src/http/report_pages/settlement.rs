//! `GET /reports/settlement?from=&to=&agency=`: the settlement per agency and account, per day
//! and bank, with a chart of money per day drawn on the server, and its XLSX download.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Duration;
use minijinja::context;

use super::super::finance::settlement::{load, xlsx, SettlementQuery};
use super::super::pages::{message, page};
use super::chart::money_per_day_svg;
use super::session::StaffSession;
use super::views::{error_page, staff, vnd};
use crate::app::AppState;
use crate::clock::vietnam;
use crate::recon::money::Totals;

/// The last seven days when the form has not been filled in.
fn with_defaults(app: &AppState, q: Option<SettlementQuery>) -> SettlementQuery {
    let mut q = q.unwrap_or_default();
    let today = app.clock.now().with_timezone(&vietnam()).date_naive();
    if q.to.as_deref().is_none_or(str::is_empty) {
        q.to = Some(today.to_string());
    }
    if q.from.as_deref().is_none_or(str::is_empty) {
        q.from = Some((today - Duration::days(6)).to_string());
    }
    q
}

fn money(t: &Totals) -> minijinja::Value {
    context! { bank => vnd(t.bank_credited), payhub => vnd(t.payhub_recorded), difference => vnd(t.difference) }
}

pub async fn show_settlement(
    State(app): State<AppState>,
    who: StaffSession,
    query: Result<Query<SettlementQuery>, QueryRejection>,
) -> Response {
    let q = with_defaults(&app, query.ok().map(|Query(q)| q));
    let s = match load(&app, &q).await {
        Ok(s) => s,
        Err(super::super::error::ApiError::Validation(_)) => {
            return message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Khoảng thời gian chưa hợp lệ",
                "Vui lòng nhập ngày theo dạng năm-tháng-ngày, ngày đầu không sau ngày cuối, tối đa 92 ngày.",
                Some("/reports/settlement"),
            )
        }
        Err(e) => return error_page(e, "/reports/settlement"),
    };
    let agencies: Vec<_> = s.agencies.iter().map(|a| context! {
        code => a.agency_code.as_deref().unwrap_or("(chưa xác định)"), name => a.agency_name,
        totals => money(&a.totals),
        accounts => a.accounts.iter().map(|acc| context! {
            account => acc.account.as_deref().unwrap_or("(không rõ)"), totals => money(&acc.totals),
            days => acc.days.iter().map(|d| context! {
                date => d.date.format("%d/%m/%Y").to_string(), bank => d.bank.to_uppercase(),
                entries => d.entries, totals => money(&d.totals),
            }).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
    }).collect();
    let download = format!(
        "/reports/settlement.xlsx?from={}&to={}&agency={}",
        s.from,
        s.to,
        q.agency.as_deref().map(urlencode).unwrap_or_default()
    );
    page(
        StatusCode::OK,
        "reports_settlement.html",
        context! {
            staff => staff(&who), from => s.from.to_string(), to => s.to.to_string(),
            agency => q.agency.unwrap_or_default(), agencies, totals => money(&s.totals),
            chart => minijinja::Value::from_safe_string(money_per_day_svg(&s.per_day)),
            download,
        },
    )
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub async fn download_settlement(
    State(app): State<AppState>,
    _who: StaffSession,
    query: Result<Query<SettlementQuery>, QueryRejection>,
) -> Response {
    let q = with_defaults(&app, query.ok().map(|Query(q)| q));
    xlsx(&app, &q)
        .await
        .unwrap_or_else(|e| error_page(e, "/reports/settlement"))
}
