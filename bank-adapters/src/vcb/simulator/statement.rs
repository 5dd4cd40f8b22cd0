//! `GET /v1/statements?date=YYYY-MM-DD` (vcb.md §5, statements.md "VCB"): the day's successful
//! payments and its refunds, as a signed CSV, `404` until the day is closed.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;

use super::Simulator;
use crate::simulator::{csv_row, is_transfer};
use crate::vcb::wire::rfc3339_gmt7;
use crate::TxnStatus;

#[derive(Debug, Deserialize)]
pub(super) struct StatementQuery {
    date: Option<String>,
}

pub(super) async fn statement(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Query(query): Query<StatementQuery>,
) -> Response {
    if let Err(e) = sim.verify(&headers, b"") {
        return sim.unauthorized(e);
    }
    let day = query
        .date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let Some(day) = day else {
        return sim.error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            Some("date must be YYYY-MM-DD"),
        );
    };
    // §5: "404 until the day is closed (01:00 the next day)".
    if !sim.controls().clock().is_closed(day) {
        return sim.error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            Some("the day is not closed"),
        );
    }
    sim.signed(StatusCode::OK, "text/csv; charset=utf-8", build(&sim, day))
}

/// `SUCCESS` lines for the day's payments by `paidAt`; `REFUNDED` lines with a negative amount
/// and the refunded `bank_txn_id` in `payment_id` (statements.md "VCB").
fn build(sim: &Simulator, day: NaiveDate) -> String {
    let payment_ids: HashMap<String, String> = sim.payments().by_order_ref.clone();
    // statements.md: a statement that includes account credits adds `description`; without a
    // transfer in the ledger the file keeps its nine columns.
    let credits = sim
        .controls()
        .read(|ledger| ledger.transactions.iter().any(is_transfer));
    let mut header = vec![
        "bank_txn_id",
        "payment_id",
        "order_ref",
        "amount",
        "currency",
        "status",
        "paid_at",
        "credit_account_no",
        "fee",
    ];
    if credits {
        header.push("description");
    }
    let mut csv = csv_row(&header);
    let row = |fields: &[&str], description: &str| {
        let mut row = csv_row(fields);
        if credits {
            // One more field: the row's line break moves after it.
            row.pop();
            row.push(',');
            row.push_str(&csv_row(&[description]));
        }
        row
    };
    sim.controls().read(|ledger| {
        for txn in &ledger.transactions {
            let (Some(bank_txn_id), TxnStatus::Paid) = (&txn.bank_txn_id, &txn.status) else {
                continue;
            };
            if txn.posted_on != Some(day) {
                continue;
            }
            let (amount, at) = (txn.amount.to_string(), rfc3339_gmt7(&txn.at));
            if is_transfer(txn) {
                let fields = [
                    bank_txn_id.as_str(),
                    "",
                    "",
                    &amount,
                    "VND",
                    "SUCCESS",
                    &at,
                    &txn.credited_account,
                    "0",
                ];
                csv.push_str(&row(&fields, &txn.reference));
                continue;
            }
            let fields = [
                bank_txn_id.as_str(),
                payment_ids.get(&txn.reference).map_or("", String::as_str),
                &txn.reference,
                &amount,
                "VND",
                "SUCCESS",
                &at,
                &txn.credited_account,
                "0",
            ];
            csv.push_str(&row(&fields, ""));
        }
        for refund in ledger.refunds.iter().filter(|r| r.at.date_naive() == day) {
            let credited = ledger
                .find_txn(&refund.original_txn_id)
                .map_or("", |id| ledger.get(id).credited_account.as_str());
            let (amount, at) = (format!("-{}", refund.amount), rfc3339_gmt7(&refund.at));
            let fields = [
                refund.refund_id.as_str(),
                &refund.original_txn_id,
                &refund.reference,
                &amount,
                "VND",
                "REFUNDED",
                &at,
                credited,
                "0",
            ];
            csv.push_str(&row(&fields, ""));
        }
    });
    csv
}
