//! `GET /reports/runs/{id}`: a run's summary per class and per agency, and its discrepancies
//! with filters and a resolve form on each unresolved one.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use reconciliation::Class;
use serde::Deserialize;

use super::super::pages::page;
use super::super::reports::summary;
use super::runs::run_row;
use super::session::{unavailable, StaffSession};
use super::views::{error_page, given, local_time, staff, vnd};
use crate::app::AppState;
use crate::recon::money::Totals;
use crate::recon::summary::{label, Summary};
use crate::store::reconciliation::{Discrepancy, DiscrepancyFilter};

#[derive(Deserialize, Default)]
pub struct DiscrepancyQuery {
    class: Option<String>,
    agency: Option<String>,
    /// `true`, `false`, or empty for both.
    resolved: Option<String>,
}

pub async fn show_run(
    State(app): State<AppState>,
    who: StaffSession,
    Path(id): Path<i64>,
    query: Result<Query<DiscrepancyQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let summary = match summary(&app, id).await {
        Ok(s) => s,
        Err(e) => return error_page(e, "/reports"),
    };
    // Unknown values select nothing rather than everything: a filter never widens.
    let filter = DiscrepancyFilter {
        class: given(&q.class).map(str::to_owned),
        agency_code: given(&q.agency).map(str::to_owned),
        resolved: given(&q.resolved).map(|r| r == "true"),
    };
    let Ok(rows) = app.store.discrepancies(id, &filter).await else {
        return unavailable();
    };
    page(
        StatusCode::OK,
        "reports_run.html",
        context! {
            staff => staff(&who),
            run => run_row(&summary.run),
            money => money_view(&summary),
            by_class => summary.by_class.iter().map(|t| context! {
                class => t.class, label => t.label, count => t.count, sum => t.sum.to_vietnamese(),
            }).collect::<Vec<_>>(),
            by_agency => summary.by_agency.iter().map(|t| context! {
                agency => t.agency_code.as_deref().unwrap_or("(chưa xác định)"),
                label => label(&t.class), count => t.count, sum => t.sum.to_vietnamese(),
            }).collect::<Vec<_>>(),
            filters => filter_choices(&summary, &filter),
            discrepancies => rows.iter().map(discrepancy_row).collect::<Vec<_>>(),
        },
    )
}

/// The money tied out, shown first: the run's, then each agency's and account's.
fn money_view(summary: &Summary) -> minijinja::Value {
    let totals = |t: &Totals| {
        context! {
            bank => vnd(t.bank_credited), payhub => vnd(t.payhub_recorded),
            difference => vnd(t.difference), ties => t.difference == 0,
        }
    };
    context! {
        run => totals(&summary.totals),
        no_money => summary.no_money_moved.count,
        agencies => summary.agencies.iter().map(|a| context! {
            code => a.agency_code.as_deref().unwrap_or("(chưa xác định)"),
            name => a.agency_name,
            totals => totals(&a.totals),
            no_money => a.no_money_moved.count,
            accounts => a.accounts.iter().map(|acc| context! {
                account => acc.account.as_deref().unwrap_or("(không rõ)"),
                totals => totals(&acc.totals),
            }).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
    }
}

/// The choices of the filter form, the current ones selected.
fn filter_choices(summary: &Summary, f: &DiscrepancyFilter) -> minijinja::Value {
    let classes: Vec<_> = Class::ALL
        .into_iter()
        .filter(|c| *c != Class::Matched)
        .map(|c| {
            let selected = f.class.as_deref() == Some(c.as_str());
            context! { value => c.as_str(), label => label(c.as_str()), selected }
        })
        .collect();
    let mut agencies: Vec<&str> = summary
        .by_agency
        .iter()
        .filter_map(|t| t.agency_code.as_deref())
        .collect();
    agencies.sort_unstable();
    agencies.dedup();
    let agencies: Vec<_> = agencies
        .into_iter()
        .map(|a| context! { value => a, selected => f.agency_code.as_deref() == Some(a) })
        .collect();
    context! { classes, agencies, resolved => f.resolved.map(|r| r.to_string()) }
}

/// The classes whose money may have to go back to the payer: a second debit, a wrong amount,
/// money credited to the wrong account.
fn refundable(class: &str) -> bool {
    [
        Class::DuplicatePayment,
        Class::AmountMismatch,
        Class::WrongBeneficiary,
    ]
    .iter()
    .any(|c| c.as_str() == class)
}

fn discrepancy_row(d: &Discrepancy) -> minijinja::Value {
    let f = &d.facts;
    context! {
        id => d.id, class => f.class, label => label(&f.class),
        agency => f.agency_code, reference => f.reference, bank_txn_id => f.bank_txn_id,
        order_id => f.order_id, amount => vnd(f.amount_vnd),
        bank => f.line_no.map(|line_no| context! {
            line_no, amount => f.bank_amount_vnd.map(vnd), status => f.bank_status,
            at => f.bank_at.map(local_time), account => f.credited_account,
        }),
        payhub => f.payment_ref.as_ref().map(|reference| context! {
            reference, amount => f.payhub_amount_vnd.map(vnd), status => f.payhub_status,
            at => f.payhub_at.map(local_time), expected => f.expected_accounts,
        }),
        resolved => d.resolved_at.is_some(),
        refundable => f.order_id.is_some() && refundable(&f.class),
        resolved_at => d.resolved_at.map(local_time),
        resolved_by => d.resolved_by, note => d.note,
    }
}
