//! `GET /reports`: the runs per bank and day, newest day first, filtered by bank and date.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use minijinja::context;
use serde::Deserialize;

use super::super::pages::{message, page};
use super::session::{unavailable, StaffSession};
use super::views::{given, local_time, run_status, staff, vnd};
use crate::app::AppState;
use crate::domain::bank::{bank_code, display_name, BankCode};
use crate::store::reconciliation::{Run, RunFilter, RunSource, RunStatus};

/// Enough for two months of three banks with a re-run or two.
const SHOWN_RUNS: i64 = 300;

#[derive(Deserialize, Default)]
pub struct RunsQuery {
    bank: Option<String>,
    date: Option<String>,
}

pub async fn show_runs(
    State(app): State<AppState>,
    who: StaffSession,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let bank = given(&q.bank).map(|b| bank_code(b).ok_or(()));
    let date = given(&q.date).map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| ()));
    let (Ok(bank), Ok(date)) = (bank.transpose(), date.transpose()) else {
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bộ lọc chưa hợp lệ",
            "Vui lòng chọn ngân hàng trong danh sách và nhập ngày theo dạng năm-tháng-ngày.",
            Some("/reports"),
        );
    };
    let filter = RunFilter {
        bank,
        date,
        current: None,
    };
    let Ok(runs) = app.store.runs(&filter, SHOWN_RUNS).await else {
        return unavailable();
    };
    let ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
    let Ok(money) = app.store.runs_money(&ids).await else {
        return unavailable();
    };
    let banks: Vec<_> = [BankCode::Vnpay, BankCode::Vcb, BankCode::Bidv]
        .into_iter()
        .map(|b| context! { code => b.as_str(), name => display_name(b), selected => Some(b) == bank })
        .collect();
    page(
        StatusCode::OK,
        "reports_runs.html",
        context! {
            staff => staff(&who), banks,
            date => date.map(|d| d.to_string()).unwrap_or_default(),
            runs => runs.iter().map(|r| {
                let m = money.iter().find(|m| m.0 == r.id);
                context! {
                    money => m.map(|&(_, bank, payhub)| context! {
                        bank => vnd(bank), difference => vnd(bank - payhub),
                    }),
                    ..run_row(r)
                }
            }).collect::<Vec<_>>(),
        },
    )
}

/// One row of the list; a run that succeeded is either its day's current result or one a later
/// run replaced (statements.md: "Re-running a day replaces its previous result").
pub fn run_row(run: &Run) -> minijinja::Value {
    let (status_class, status_text) = run_status(run.status);
    let current_text = match (run.status, run.is_current) {
        (RunStatus::Succeeded, true) => "Kết quả hiện hành",
        (RunStatus::Succeeded, false) => "Đã được thay thế",
        (RunStatus::Running | RunStatus::Failed, _) => "—",
    };
    let source = match run.source {
        RunSource::Fetched => "Lấy từ ngân hàng",
        RunSource::Uploaded => "Tệp tải lên",
        RunSource::Cli => "Dòng lệnh",
    };
    context! {
        id => run.id, bank => display_name(run.bank), status => run.status.as_str(),
        status_class, status_text, current => run.is_current, current_text, source,
        date => run.business_date.format("%d/%m/%Y").to_string(),
        started_by => run.started_by,
        started_at => local_time(run.started_at),
        finished_at => run.finished_at.map(local_time),
        statement_lines => run.statement_lines, payhub_records => run.payhub_records,
        error => run.error,
    }
}
