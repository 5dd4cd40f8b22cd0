//! `GET /reports/daily?date=&group=`: the daily operations report (messages.md §2) for people,
//! each group's figures as the workbook lists them; `GET /reports/daily/{date}.xlsx` downloads
//! it. `GET /reports/incidents`: today's bank incidents, an ongoing one first and marked.
//!
//! Stable ids: the form `#report-date`, `#report-group`, `#show-report`; one table per group
//! `#group-<code>` (`#group-ALL` is the national summary) whose rows carry `data-label`; the
//! download `#download-report-xlsx`. The incidents page: table `#incidents`, rows
//! `#incident-<n>` with `data-bank` and `data-ongoing`, or `#no-incidents`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::{context, Value};
use serde::Deserialize;

use super::super::ops_reports::report_of;
use super::super::pages::{message, page};
use super::session::{unavailable, StaffSession};
use super::views::{given, staff};
use crate::app::AppState;
use crate::clock::vietnam;
use crate::daily_report::schedule::XLSX_MIME;
use crate::daily_report::text::{figures, local};
use crate::daily_report::{incidents_today, xlsx, GroupReport};
use crate::domain::bank::display_name;

#[derive(Deserialize, Default)]
pub struct DailyQuery {
    date: Option<String>,
    group: Option<String>,
}

fn bad_filter() -> Response {
    message(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Bộ lọc chưa hợp lệ",
        "Vui lòng nhập ngày đã bắt đầu theo dạng năm-tháng-ngày, và nhóm theo dạng Gxx hoặc Hxx.",
        Some("/reports/daily"),
    )
}

pub async fn show_daily(
    State(app): State<AppState>,
    who: StaffSession,
    query: Result<Query<DailyQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let today = app.clock.now().with_timezone(&vietnam()).date_naive();
    let date = given(&q.date).map_or(today.to_string(), str::to_owned);
    let report = match report_of(&app, &date, given(&q.group)).await {
        Ok(r) => r,
        Err(super::super::error::ApiError::Validation(_)) => return bad_filter(),
        Err(_) => return unavailable(),
    };
    let groups: Vec<Value> = std::iter::once(&report.national)
        .chain(&report.groups)
        .map(group_table)
        .collect();
    page(
        StatusCode::OK,
        "reports_daily.html",
        context! {
            staff => staff(&who), date => report.date.to_string(),
            group => given(&q.group).unwrap_or_default(),
            as_of => report.as_of.format("%H:%M %d/%m/%Y").to_string(),
            complete => report.complete, groups,
        },
    )
}

fn group_table(g: &GroupReport) -> Value {
    context! {
        code => g.group, agencies => g.agencies.join(", "),
        rows => figures(g).into_iter().map(|(label, value)| context! {
            label, value => value.shown(),
        }).collect::<Vec<_>>(),
        incidents => g.incidents.iter().map(|i| context! {
            bank => display_name(i.bank), started_at => local(i.started_at),
            ended_at => i.ended_at.map(local), orders => i.orders_touched,
        }).collect::<Vec<_>>(),
    }
}

pub async fn download_daily(
    State(app): State<AppState>,
    _who: StaffSession,
    Path(file): Path<String>,
) -> Response {
    let Some(day) = file.strip_suffix(".xlsx") else {
        return bad_filter();
    };
    let report = match report_of(&app, day, None).await {
        Ok(r) => r,
        Err(super::super::error::ApiError::Validation(_)) => return bad_filter(),
        Err(_) => return unavailable(),
    };
    let Ok(bytes) = xlsx::report_xlsx(&report) else {
        return unavailable();
    };
    let disposition = format!("attachment; filename=\"bao-cao-van-hanh-{day}.xlsx\"");
    (
        [
            (header::CONTENT_TYPE, XLSX_MIME.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

pub async fn show_incidents(State(app): State<AppState>, who: StaffSession) -> Response {
    let Ok((window, mut incidents)) = incidents_today(&app).await else {
        return unavailable();
    };
    incidents.sort_by_key(|i| (!i.is_ongoing(), std::cmp::Reverse(i.started_at)));
    page(
        StatusCode::OK,
        "reports_incidents.html",
        context! {
            staff => staff(&who), as_of => local(window.to),
            incidents => incidents.iter().map(|i| context! {
                bank => i.bank.as_str(), bank_name => display_name(i.bank),
                ongoing => i.is_ongoing(), started_at => local(i.started_at),
                ended_at => i.ended_at.map(local), failures => i.failures,
                channels => i.channels.iter().map(|c| match c {
                    crate::daily_report::incidents::Channel::Start => "khởi tạo thanh toán",
                    crate::daily_report::incidents::Channel::Callback => "báo có",
                    crate::daily_report::incidents::Channel::Query => "truy vấn",
                }).collect::<Vec<_>>().join(", "),
                orders => i.orders.len(),
            }).collect::<Vec<_>>(),
        },
    )
}
