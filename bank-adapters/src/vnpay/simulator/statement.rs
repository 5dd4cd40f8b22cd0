//! PayHub's reference layout of VNPAY's daily statement (statements.md "VNPAY"), built from what
//! the simulator booked that GMT+7 day. VNPAY has no public statement API (vnpay.md §4), so the
//! path and its query are PayHub's own: `GET /merchant_webapi/statement?date=YYYYMMDD` with an
//! optional `tmn_code` to keep one terminal's lines.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::Simulator;
use crate::compact_time;
use crate::simulator::csv_row;
use crate::vnpay::wire::amount_x100;

/// The query of the statement route.
#[derive(Debug, Deserialize)]
pub(super) struct StatementQuery {
    date: String,
    tmn_code: Option<String>,
}

/// `GET /merchant_webapi/statement?date=YYYYMMDD[&tmn_code=…]`: `200 text/csv` for any day, any
/// time (the reference layout sets no cut-off; a day still running is partial).
pub(super) async fn statement(
    State(sim): State<Simulator>,
    Query(query): Query<StatementQuery>,
) -> Response {
    let Some(day) = compact_time::parse_date(&query.date) else {
        return (StatusCode::BAD_REQUEST, "date must be YYYYMMDD").into_response();
    };
    let csv = build(&sim, day, query.tmn_code.as_deref());
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response()
}

/// One line per VNPAY transaction of the day (payments of every status, cancelled ones have no
/// transaction and no line), then one per refund (`02` full, `03` partial). The `tmn_code`
/// column is the account the line settles to, so a wrong-account fault shows there.
fn build(sim: &Simulator, day: NaiveDate, tmn_code: Option<&str>) -> String {
    let mut csv = csv_row(&[
        "tmn_code",
        "txn_ref",
        "transaction_no",
        "bank_code",
        "amount_x100",
        "pay_date",
        "transaction_type",
        "transaction_status",
        "fee_x100",
    ]);
    let wanted = |merchant: &str| tmn_code.is_none_or(|code| code == merchant);
    sim.controls().read(|ledger| {
        for txn in &ledger.transactions {
            let Some(transaction_no) = &txn.bank_txn_id else {
                continue;
            };
            if txn.posted_on != Some(day) || !wanted(&txn.merchant) {
                continue;
            }
            let status = if txn.status == crate::TxnStatus::Paid {
                "00"
            } else {
                "02"
            };
            csv.push_str(&csv_row(&[
                txn.credited_account.as_str(),
                &txn.reference,
                transaction_no,
                &txn.channel,
                &amount_x100(txn.amount),
                &compact_time::format(&txn.at),
                "01",
                status,
                "0",
            ]));
        }
        for refund in &ledger.refunds {
            if refund.at.date_naive() != day || !wanted(&refund.merchant) {
                continue;
            }
            let original = ledger
                .find_txn(&refund.original_txn_id)
                .map(|id| ledger.get(id));
            let full = original.is_some_and(|t| t.amount == refund.amount);
            csv.push_str(&csv_row(&[
                refund.merchant.as_str(),
                &refund.reference,
                &refund.refund_id,
                original.map_or("", |t| t.channel.as_str()),
                &amount_x100(refund.amount),
                &compact_time::format(&refund.at),
                if full { "02" } else { "03" },
                "00",
                "0",
            ]));
        }
    });
    csv
}
