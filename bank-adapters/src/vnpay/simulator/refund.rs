//! `refund`: full (`02`) or partial (`03`) refunds of a paid transaction (vnpay.md §3).

use axum::response::Response;

use super::api::{check, text, Answer};
use super::{Session, Simulator};
use crate::simulator::{Refund, TxnId};
use crate::vnpay::wire::{self, ApiFields, REFUND_RESPONSE_SIGNED};
use crate::{compact_time, TxnStatus, Vnd};

/// §3: the refund request fields, "signed in that order".
#[rustfmt::skip]
const REFUND_REQUEST_SIGNED: [&str; 13] = [
    "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TransactionType",
    "vnp_TxnRef", "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionDate", "vnp_CreateBy",
    "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo",
];

pub(super) fn refund(sim: &Simulator, request: &ApiFields) -> Response {
    let answer = Answer::new(sim, "refund", Some(request));
    let required = [
        "vnp_TxnRef",
        "vnp_Amount",
        "vnp_TransactionType",
        "vnp_CreateBy",
    ];
    let checked = match check(sim, request, &REFUND_REQUEST_SIGNED, &required) {
        Ok(checked) => checked,
        Err(refusal) => return refusal.answer(answer, &REFUND_RESPONSE_SIGNED),
    };
    let refuse = |answer: Answer, code: &str, message: &str| {
        answer
            .code(code, message)
            .signed(&checked.secret, &REFUND_RESPONSE_SIGNED)
    };
    let kind = text(request, "vnp_TransactionType");
    let amount = match wire::amount_from_x100(&text(request, "vnp_Amount")) {
        Ok(amount) if !amount.is_zero() && matches!(kind.as_str(), "02" | "03") => amount,
        _ => return refuse(answer, "03", "Invalid vnp_Amount or vnp_TransactionType"),
    };
    let Some(session) = checked.session else {
        return refuse(answer, "91", "Transaction not found");
    };
    let Some(txn) = refundable(sim, &session, &text(request, "vnp_TransactionNo")) else {
        return refuse(answer, "91", "Transaction not found");
    };
    let refund_id = super::pay::transaction_no(sim.controls().next_seq());
    let booked = sim.controls().update(|ledger| {
        let original = ledger.get(txn).clone();
        if original.status != TxnStatus::Paid {
            return Err(("95", "Original transaction not successful"));
        }
        let left = original
            .amount
            .checked_sub(original.refunded)
            .unwrap_or(Vnd::ZERO);
        // A full refund (02) gives back all that is left; a partial one (03) at most that.
        if amount > left || (kind == "02" && amount != left) {
            return Err(("99", "Refund amount exceeds the refundable amount"));
        }
        ledger.get_mut(txn).refunded = original.refunded.checked_add(amount).unwrap_or(left);
        let refund = Refund {
            bank: original.bank,
            merchant: original.merchant.clone(),
            reference: original.reference.clone(),
            original_txn_id: original.bank_txn_id.clone().unwrap_or_default(),
            refund_id: refund_id.clone(),
            refund_ref: text(request, "vnp_RequestId"),
            amount,
            at: sim.controls().clock().now(),
        };
        ledger.refunds.push(refund.clone());
        Ok((original, refund))
    });
    match booked {
        Ok((original, refund)) => answer
            .code("00", "Refund success")
            .set("vnp_Amount", wire::amount_x100(amount))
            .set("vnp_BankCode", original.channel)
            .set("vnp_PayDate", compact_time::format(&refund.at))
            .set("vnp_TransactionNo", refund.refund_id)
            .set("vnp_TransactionType", kind)
            .set("vnp_TransactionStatus", "00".into())
            .set("vnp_OrderInfo", text(request, "vnp_OrderInfo"))
            .signed(&checked.secret, &REFUND_RESPONSE_SIGNED),
        Err((code, message)) => refuse(answer, code, message),
    }
}

/// The transaction a refund names by `vnp_TransactionNo`, else the session's paid one.
fn refundable(sim: &Simulator, session: &Session, transaction_no: &str) -> Option<TxnId> {
    sim.controls().read(|ledger| {
        let mut txns = session.txns.iter().copied();
        if transaction_no.is_empty() || transaction_no == "0" {
            txns.find(|&id| ledger.get(id).status == TxnStatus::Paid)
        } else {
            txns.find(|&id| ledger.get(id).bank_txn_id.as_deref() == Some(transaction_no))
        }
    })
}
