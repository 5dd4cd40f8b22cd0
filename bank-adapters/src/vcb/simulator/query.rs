//! `GET /v1/payments/{paymentId}` and `GET /v1/payments?orderRef=…` (vcb.md §3).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::{payment_body, Payment, Simulator};
use crate::simulator::Transaction;
use crate::TxnStatus;

/// The query of `GET /v1/payments`.
#[derive(Debug, Deserialize)]
pub(super) struct ByOrderRef {
    #[serde(rename = "orderRef")]
    order_ref: Option<String>,
}

pub(super) async fn by_payment_id(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(payment_id): Path<String>,
) -> Response {
    // vcb.md "Signing": a GET signs the empty body.
    if let Err(e) = sim.verify(&headers, b"") {
        return sim.unauthorized(e);
    }
    let payment = sim.payments().by_id.get(&payment_id).cloned();
    answer(&sim, payment)
}

pub(super) async fn by_order_ref(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Query(query): Query<ByOrderRef>,
) -> Response {
    if let Err(e) = sim.verify(&headers, b"") {
        return sim.unauthorized(e);
    }
    let Some(order_ref) = query.order_ref else {
        return sim.error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            Some("orderRef is required"),
        );
    };
    let payment = {
        let payments = sim.payments();
        payments
            .by_order_ref
            .get(&order_ref)
            .and_then(|id| payments.by_id.get(id))
            .cloned()
    };
    answer(&sim, payment)
}

/// `200` with the notification's fields (no `eventId`), or `404 NOT_FOUND`.
fn answer(sim: &Simulator, payment: Option<Payment>) -> Response {
    let Some(payment) = payment else {
        return sim.error(StatusCode::NOT_FOUND, "NOT_FOUND", None);
    };
    let body = sim.controls().read(|ledger| {
        let txns: Vec<&Transaction> = payment.txns.iter().map(|&id| ledger.get(id)).collect();
        payment_body(&payment, standing(&txns), None)
    });
    sim.signed(StatusCode::OK, "application/json", body)
}

/// The transaction that says how a payment stands: the one that took the money, else the last.
pub(super) fn standing<'a>(txns: &[&'a Transaction]) -> Option<&'a Transaction> {
    txns.iter()
        .find(|t| t.status == TxnStatus::Paid)
        .or(txns.last())
        .copied()
}
