//! `POST /v1/payments/{paymentId}/refunds` (vcb.md §4): partial refunds allowed, their sum at
//! most the payment.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::query::standing;
use super::Simulator;
use crate::simulator::{Refund, Transaction, TxnId};
use crate::{TxnStatus, Vnd};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefundRequest {
    refund_ref: String,
    amount: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefundCreated<'a> {
    refund_id: &'a str,
    status: &'a str,
}

pub(super) async fn refund(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(payment_id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(e) = sim.verify(&headers, &body) {
        return sim.unauthorized(e);
    }
    let invalid =
        |reason: &str| sim.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", Some(reason));
    let request: RefundRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return invalid(&e.to_string()),
    };
    let Some(amount) = Vnd::from_dong(request.amount).ok().filter(|a| !a.is_zero()) else {
        return invalid("amount must be a positive whole number of VND");
    };
    let Some(txns) = sim
        .payments()
        .by_id
        .get(&payment_id)
        .map(|p| p.txns.clone())
    else {
        return sim.error(StatusCode::NOT_FOUND, "NOT_FOUND", None);
    };
    // refundRef identifies a refund: using one twice would refund twice.
    if !sim
        .inner
        .refund_refs
        .lock()
        .expect("refund refs lock")
        .insert(request.refund_ref.clone())
    {
        return sim.error(StatusCode::CONFLICT, "DUPLICATE_REFUND_REF", None);
    }
    let refund_id = {
        let now = sim.controls().clock().now();
        let seq = sim.controls().next_seq();
        format!("RF{}{:09}", now.format("%y%j"), seq % 1_000_000_000)
    };
    match book(&sim, &txns, amount, &request.refund_ref, &refund_id) {
        Ok(()) => sim.json(
            StatusCode::CREATED,
            &RefundCreated {
                refund_id: &refund_id,
                status: "SUCCESS",
            },
        ),
        Err(reason) => {
            sim.inner
                .refund_refs
                .lock()
                .expect("refund refs lock")
                .remove(&request.refund_ref);
            invalid(reason)
        }
    }
}

/// Refunds `amount` of the payment's successful transaction, if it has that much left.
fn book(
    sim: &Simulator,
    txns: &[TxnId],
    amount: Vnd,
    refund_ref: &str,
    refund_id: &str,
) -> Result<(), &'static str> {
    let now = sim.controls().clock().now();
    sim.controls().update(|ledger| {
        let all: Vec<&Transaction> = txns.iter().map(|&id| ledger.get(id)).collect();
        let paid = standing(&all).filter(|t| t.status == TxnStatus::Paid);
        let Some(paid) = paid.cloned() else {
            return Err("the payment did not succeed");
        };
        let left = paid.amount.checked_sub(paid.refunded).unwrap_or(Vnd::ZERO);
        if amount > left {
            return Err("the refunds would exceed the payment");
        }
        let original_txn_id = paid.bank_txn_id.clone().unwrap_or_default();
        let id = ledger
            .find_txn(&original_txn_id)
            .expect("a paid VCB transaction has an id");
        ledger.get_mut(id).refunded = paid.refunded.checked_add(amount).unwrap_or(left);
        ledger.refunds.push(Refund {
            bank: paid.bank,
            merchant: paid.merchant,
            reference: paid.reference,
            original_txn_id,
            refund_id: refund_id.to_owned(),
            refund_ref: refund_ref.to_owned(),
            amount,
            at: now,
        });
        Ok(())
    })
}
