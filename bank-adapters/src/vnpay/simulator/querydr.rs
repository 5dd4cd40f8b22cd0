//! `querydr`: a transaction's state, the per-transaction source of truth (vnpay.md §3, §4).

use axum::response::Response;

use super::api::{check, text, Answer};
use super::Simulator;
use crate::simulator::Transaction;
use crate::vnpay::wire::{self, ApiFields, QUERYDR_RESPONSE_SIGNED};
use crate::{compact_time, TxnStatus};

/// §3: what the querydr request hash covers, in order.
#[rustfmt::skip]
const QUERYDR_REQUEST_SIGNED: [&str; 9] = [
    "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
    "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo",
];

pub(super) fn querydr(sim: &Simulator, request: &ApiFields) -> Response {
    let answer = Answer::new(sim, "querydr", Some(request));
    let checked = match check(sim, request, &QUERYDR_REQUEST_SIGNED, &["vnp_TxnRef"]) {
        Ok(checked) => checked,
        Err(refusal) => return refusal.answer(answer, &QUERYDR_RESPONSE_SIGNED),
    };
    let Some(session) = checked.session else {
        return answer
            .code("91", "Transaction not found")
            .signed(&checked.secret, &QUERYDR_RESPONSE_SIGNED);
    };
    let wanted = text(request, "vnp_TransactionNo");
    let answer = sim.controls().read(|ledger| {
        let txns: Vec<&Transaction> = session.txns.iter().map(|&id| ledger.get(id)).collect();
        let chosen = if wanted.is_empty() || wanted == "0" {
            // The payment that took the money, if any: that is what PayHub wants to know.
            txns.iter()
                .find(|t| t.status == TxnStatus::Paid)
                .or(txns.last())
                .copied()
        } else {
            txns.iter()
                .find(|t| t.bank_txn_id.as_deref() == Some(wanted.as_str()))
                .copied()
        };
        match (chosen, txns.is_empty()) {
            (Some(txn), _) => describe(answer, txn),
            // Reached the payment page, nothing chosen yet: "01 not completed".
            (None, true) => answer
                .code("00", "Success")
                .set("vnp_Amount", wire::amount_x100(session.amount))
                .set("vnp_TransactionNo", "0".into())
                .set("vnp_TransactionType", "01".into())
                .set("vnp_TransactionStatus", "01".into()),
            (None, false) => answer.code("91", "Transaction not found"),
        }
    });
    answer
        .set("vnp_OrderInfo", session.order_info)
        .signed(&checked.secret, &QUERYDR_RESPONSE_SIGNED)
}

/// A transaction as querydr reports it. §3 `vnp_TransactionType`: 01 payment, 02 full refund,
/// 03 partial refund.
fn describe(answer: Answer, txn: &Transaction) -> Answer {
    let transaction_type = if txn.refunded.is_zero() {
        "01"
    } else if txn.refunded == txn.amount {
        "02"
    } else {
        "03"
    };
    let transaction_status = match txn.status {
        TxnStatus::Paid => "00",
        _ => "02",
    };
    answer
        .code("00", "Success")
        .set("vnp_Amount", wire::amount_x100(txn.amount))
        .set("vnp_BankCode", txn.channel.clone())
        .set("vnp_PayDate", compact_time::format(&txn.at))
        .set(
            "vnp_TransactionNo",
            txn.bank_txn_id.clone().unwrap_or_else(|| "0".into()),
        )
        .set("vnp_TransactionType", transaction_type.into())
        .set("vnp_TransactionStatus", transaction_status.into())
}
