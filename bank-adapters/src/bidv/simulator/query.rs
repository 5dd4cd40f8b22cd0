//! `POST /thuho/v1/bill/query` (bidv.md §4).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use super::{refusal_code, Simulator};
use crate::bidv::{check_fresh, check_partner, echo, required, verify_fields, wire, BidvError};
use crate::{compact_time, TxnStatus};

/// §4's reply, `ChuKy` over `MaLoi|MaHoaDon|TrangThai|MaGiaoDich|SoTien` (absent ones empty).
#[derive(Serialize, Default)]
#[allow(non_snake_case)] // BIDV's field names.
struct QueryReply {
    MaLoi: String,
    MaHoaDon: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    TrangThai: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    MaGiaoDich: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    SoTien: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ThoiGianGD: Option<String>,
}

pub(super) async fn query(State(sim): State<Simulator>, body: Bytes) -> Response {
    let reply = match read(&sim, &body) {
        Ok(bill_code) => answer(&sim, bill_code),
        Err(e) => QueryReply {
            MaLoi: refusal_code(&e).into(),
            MaHoaDon: echo(&body, "MaHoaDon"),
            ..QueryReply::default()
        },
    };
    sim.signed(wire::QUERY_REPLY, &reply)
}

fn read(sim: &Simulator, body: &[u8]) -> Result<String, BidvError> {
    let partner = sim.partner();
    let message = verify_fields(&partner, body, wire::QUERY)?;
    check_partner(&partner, &message)?;
    check_fresh(
        &required(&message, "ThoiGian")?,
        sim.controls().clock().now_unix(),
    )?;
    required(&message, "MaHoaDon")
}

/// `PAID` with the first successful debit; else `EXPIRED` past `HanThanhToan`, else `UNPAID`.
/// An unknown bill is `01`, as in §2 and §3 (§4 lists no codes but `00`).
fn answer(sim: &Simulator, bill_code: String) -> QueryReply {
    let Some(bill) = sim.bills().get(&bill_code).cloned() else {
        return QueryReply {
            MaLoi: "01".into(),
            MaHoaDon: bill_code,
            ..QueryReply::default()
        };
    };
    let paid = sim.controls().read(|ledger| {
        bill.txns
            .iter()
            .map(|&id| ledger.get(id))
            .find(|t| t.status == TxnStatus::Paid)
            .cloned()
    });
    let mut reply = QueryReply {
        MaLoi: "00".into(),
        MaHoaDon: bill_code,
        ..QueryReply::default()
    };
    match paid {
        Some(txn) => {
            reply.TrangThai = Some("PAID");
            reply.MaGiaoDich = txn.bank_txn_id;
            reply.SoTien = Some(txn.amount.dong());
            reply.ThoiGianGD = Some(compact_time::format(&txn.at));
        }
        None if sim.controls().clock().now() > bill.due => reply.TrangThai = Some("EXPIRED"),
        None => reply.TrangThai = Some("UNPAID"),
    }
    reply
}
