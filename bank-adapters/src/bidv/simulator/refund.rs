//! `POST /thuho/v1/refund` (bidv.md §5). The spec lists no `MaLoi` but `00`; the simulator
//! answers `01` for an unknown `MaGiaoDich`, `05` for a reused `MaHoanTien` and `04` for more
//! than is left to refund, after §1–§3's codes.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use super::{refusal_code, Simulator};
use crate::bidv::{check_fresh, check_partner, echo, required, verify_fields, wire, BidvError};
use crate::simulator::Refund;
use crate::{TxnStatus, Vnd};

/// §5's reply, `ChuKy` over `MaLoi|MaHoanTien|TrangThai` (see [`wire::REFUND_REPLY`]).
#[derive(Serialize)]
#[allow(non_snake_case)] // BIDV's field names.
struct RefundReply<'a> {
    MaLoi: &'a str,
    MaHoanTien: &'a str,
    TrangThai: &'a str,
}

/// A verified refund request.
struct Request {
    bank_txn_id: String,
    refund_ref: String,
    amount: Vnd,
}

pub(super) async fn refund(State(sim): State<Simulator>, body: Bytes) -> Response {
    let reply = |code: &str, refund_ref: &str, status: &str| {
        let body = RefundReply {
            MaLoi: code,
            MaHoanTien: refund_ref,
            TrangThai: status,
        };
        sim.signed(wire::REFUND_REPLY, &body)
    };
    let request = match read(&sim, &body) {
        Ok(request) => request,
        Err(e) => return reply(refusal_code(&e), &echo(&body, "MaHoanTien"), ""),
    };
    let fresh_ref = sim
        .inner
        .refund_refs
        .lock()
        .expect("refund refs lock")
        .insert(request.refund_ref.clone());
    if !fresh_ref {
        return reply("05", &request.refund_ref, "");
    }
    match book(&sim, &request) {
        Ok(()) => reply("00", &request.refund_ref, "SUCCESS"),
        Err(code) => {
            sim.inner
                .refund_refs
                .lock()
                .expect("refund refs lock")
                .remove(&request.refund_ref);
            reply(code, &request.refund_ref, "")
        }
    }
}

fn read(sim: &Simulator, body: &[u8]) -> Result<Request, BidvError> {
    let partner = sim.partner();
    let message = verify_fields(&partner, body, wire::REFUND)?;
    check_partner(&partner, &message)?;
    check_fresh(
        &required(&message, "ThoiGian")?,
        sim.controls().clock().now_unix(),
    )?;
    let amount = required(&message, "SoTien")?;
    Ok(Request {
        bank_txn_id: required(&message, "MaGiaoDich")?,
        refund_ref: required(&message, "MaHoanTien")?,
        amount: Vnd::parse(&amount)
            .ok()
            .filter(|a| !a.is_zero())
            .ok_or_else(|| BidvError::Malformed(format!("SoTien {amount:?}")))?,
    })
}

/// Books the refund against the paid transaction, or says which `MaLoi` refuses it.
fn book(sim: &Simulator, request: &Request) -> Result<(), &'static str> {
    let now = sim.controls().clock().now();
    let seq = sim.controls().next_seq();
    sim.controls().update(|ledger| {
        let id = ledger.find_txn(&request.bank_txn_id).ok_or("01")?;
        let paid = ledger.get(id).clone();
        if paid.status != TxnStatus::Paid {
            return Err("01");
        }
        let left = paid.amount.checked_sub(paid.refunded).unwrap_or(Vnd::ZERO);
        if request.amount > left {
            return Err("04");
        }
        ledger.get_mut(id).refunded = paid.refunded.checked_add(request.amount).unwrap_or(left);
        ledger.refunds.push(Refund {
            bank: paid.bank,
            merchant: paid.merchant,
            reference: paid.reference,
            original_txn_id: request.bank_txn_id.clone(),
            refund_id: format!("HT{}{:08}", now.format("%y%m%d"), seq % 100_000_000),
            refund_ref: request.refund_ref.clone(),
            amount: request.amount,
            at: now,
        });
        Ok(())
    })
}
