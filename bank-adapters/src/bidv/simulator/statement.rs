//! `GET /thuho/v1/statement?MaDoiTac=…&Ngay=YYYYMMDD` (bidv.md §6, statements.md "BIDV"): the
//! day's debits and refunds by `ThoiGianGD`, with a header that counts and sums them and a
//! trailer that hashes them.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Deserialize;

use super::Simulator;
use crate::signing::sha256_hex;
use crate::simulator::is_transfer;
use crate::simulator::Transaction;
use crate::{compact_time, TxnStatus, Vnd};

#[derive(Debug, Deserialize)]
#[allow(non_snake_case)] // BIDV's parameter names.
pub(super) struct StatementQuery {
    MaDoiTac: String,
    Ngay: String,
}

/// `200 text/plain` for any day, any time (bidv.md sets no cut-off; a day still running is
/// partial). `403` for another partner, `400` for a bad date.
pub(super) async fn statement(
    State(sim): State<Simulator>,
    Query(query): Query<StatementQuery>,
) -> Response {
    if query.MaDoiTac != sim.inner.config.partner_code {
        return (StatusCode::FORBIDDEN, "unknown MaDoiTac").into_response();
    }
    let Some(day) = compact_time::parse_date(&query.Ngay) else {
        return (StatusCode::BAD_REQUEST, "Ngay must be YYYYMMDD").into_response();
    };
    let file = build(&sim, day, &query.Ngay);
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], file).into_response()
}

/// `H|partner|date|count|sum`, one `D|MaGiaoDich|MaHoaDon|SoTien|ThoiGianGD|TKThuHuong|
/// KenhThanhToan|TrangThai` per debit (`PAID`) and refund (`REFUNDED`, naming the refunded
/// debit), then `T|<SHA-256 of every line above, each ending in \n>`.
fn build(sim: &Simulator, day: NaiveDate, ngay: &str) -> String {
    let (lines, amounts) = sim.controls().read(|ledger| {
        let mut lines = Vec::new();
        let mut amounts = Vec::new();
        for txn in &ledger.transactions {
            if txn.status == TxnStatus::Paid && txn.posted_on == Some(day) && is_transfer(txn) {
                lines.push(credit(txn));
                amounts.push(txn.amount);
            } else if txn.status == TxnStatus::Paid && txn.posted_on == Some(day) {
                lines.push(detail(txn, txn.amount, &txn.at, "PAID"));
                amounts.push(txn.amount);
            }
        }
        for refund in ledger.refunds.iter().filter(|r| r.at.date_naive() == day) {
            if let Some(id) = ledger.find_txn(&refund.original_txn_id) {
                lines.push(detail(
                    ledger.get(id),
                    refund.amount,
                    &refund.at,
                    "REFUNDED",
                ));
                amounts.push(refund.amount);
            }
        }
        (lines, amounts)
    });
    let sum = Vnd::checked_sum(amounts).expect("a day's amounts stay far below Vnd::MAX");
    let mut file = format!(
        "H|{}|{ngay}|{}|{sum}\n",
        sim.inner.config.partner_code,
        lines.len()
    );
    for line in lines {
        file.push_str(&line);
        file.push('\n');
    }
    let trailer = sha256_hex(&file);
    file.push_str(&format!("T|{trailer}\n"));
    file
}

/// `C|MaGiaoDich|SoTien|ThoiGian|SoTaiKhoan|NoiDung` (statements.md "BIDV"): a transfer, whose
/// content the ledger keeps as its reference (`|` and line breaks already spaces).
fn credit(txn: &Transaction) -> String {
    format!(
        "C|{}|{}|{}|{}|{}",
        txn.bank_txn_id.as_deref().unwrap_or_default(),
        txn.amount,
        crate::compact_time::format(&txn.at),
        txn.credited_account,
        crate::bidv::sanitize_content(&txn.reference),
    )
}

fn detail(txn: &Transaction, amount: Vnd, at: &DateTime<FixedOffset>, status: &str) -> String {
    format!(
        "D|{}|{}|{}|{}|{}|{}|{}",
        txn.bank_txn_id.as_deref().unwrap_or_default(),
        txn.reference,
        amount,
        compact_time::format(at),
        txn.credited_account,
        txn.channel,
        status
    )
}
