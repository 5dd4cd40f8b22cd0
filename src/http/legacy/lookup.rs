//! QUERY and GET_BILL (legacy-platform.md): a payment's state, and its receipt.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::{authenticate, json_reply, parse_message};
use crate::app::AppState;
use crate::domain::order::Order;
use crate::domain::state::OrderStatus;
use crate::legacy::bank_short_code;
use crate::legacy::checksum::legacy_time;
use crate::legacy::wire::{query_reply, short_reply, LookupRequest, QueryStatus, ReplyCode};
use crate::store::StoreError;

/// `TrangThaiGD`: `1` paid (a refund is a movement of its own, the payment stays `1`), `3` not
/// final yet, `4` not paid and final. An expired or cancelled order whose bank attempt may still
/// succeed is not final: a late success is accepted (reference-data.md, late confirmations).
pub fn state_code(status: OrderStatus, unresolved_attempt: bool) -> &'static str {
    match status {
        OrderStatus::Paid | OrderStatus::Refunded | OrderStatus::PartiallyRefunded => "1",
        OrderStatus::Pending => "3",
        OrderStatus::Expired | OrderStatus::Cancelled if unresolved_attempt => "3",
        OrderStatus::Expired | OrderStatus::Cancelled => "4",
    }
}

/// The authenticated request and its partner's secret, or the refusal to send back.
fn authenticated(
    app: &AppState,
    message: Value,
    time: &str,
) -> Result<(LookupRequest, String), Value> {
    let req: LookupRequest = parse_message(message)
        .map_err(|text| short_reply(ReplyCode::InvalidData, &text, "", "", time, None))?;
    match authenticate(app, &req.partner, &req.signed_values(), &req.checksum) {
        Ok(partner) => {
            let secret = partner.secret.expose_secret().to_owned();
            Ok((req, secret))
        }
        Err(e) => Err(short_reply(
            ReplyCode::BadChecksum,
            e.text(),
            &req.partner,
            &req.reference,
            time,
            None,
        )),
    }
}

async fn find_order(app: &AppState, req: &LookupRequest) -> Result<Option<Order>, StoreError> {
    match app
        .store
        .legacy_order_id(&req.partner, &req.reference)
        .await?
    {
        Some(id) => app.store.order(&id).await,
        None => Ok(None),
    }
}

pub(super) async fn query(app: &AppState, message: Value, now: DateTime<Utc>) -> Response {
    let time = legacy_time(now);
    let (req, secret) = match authenticated(app, message, &time) {
        Ok(ok) => ok,
        Err(refusal) => return json_reply(&refusal),
    };
    let reply = |code, text: &str, status: &QueryStatus, time: &str| {
        json_reply(&query_reply(
            code,
            text,
            &req.partner,
            &req.reference,
            status,
            time,
            Some(&secret),
        ))
    };
    let found = find_order(app, &req).await;
    let order = match found {
        Ok(Some(order)) => order,
        Ok(None) => {
            return reply(
                ReplyCode::UnknownReference,
                "MaThamChieu: unknown",
                &QueryStatus::default(),
                &time,
            )
        }
        Err(e) => return store_failure(e, |c, t| reply(c, t, &QueryStatus::default(), &time)),
    };
    let unresolved = match app.store.has_unresolved_attempt(&order.id).await {
        Ok(u) => u,
        Err(e) => return store_failure(e, |c, t| reply(c, t, &QueryStatus::default(), &time)),
    };
    let mut status = QueryStatus {
        state: state_code(order.status, unresolved).to_owned(),
        amount: order.amount.to_string(),
        ..QueryStatus::default()
    };
    // A paid order answers with its payment's time; any other with the reply's.
    let mut at = time.clone();
    if let (Some(payment), true) = (&order.payment, order.status.is_paid()) {
        status.bank_txn_id = payment.bank_txn_id.clone();
        status.bank = bank_short_code(payment.bank).to_owned();
        at = legacy_time(payment.paid_at);
    }
    reply(ReplyCode::Ok, "", &status, &at)
}

pub(super) async fn bill(app: &AppState, message: Value, now: DateTime<Utc>) -> Response {
    let time = legacy_time(now);
    let (req, secret) = match authenticated(app, message, &time) {
        Ok(ok) => ok,
        Err(refusal) => return json_reply(&refusal),
    };
    let refuse = |code, text: &str| {
        json_reply(&short_reply(
            code,
            text,
            &req.partner,
            &req.reference,
            &time,
            Some(&secret),
        ))
    };
    let order = match find_order(app, &req).await {
        Ok(Some(order)) => order,
        Ok(None) => return refuse(ReplyCode::UnknownReference, "MaThamChieu: unknown"),
        Err(e) => return store_failure(e, refuse),
    };
    if !order.status.is_paid() {
        return refuse(
            ReplyCode::InvalidData,
            "MaThamChieu: the payment is not paid",
        );
    }
    match crate::receipt::receipt_pdf(app, &order).await {
        Ok(Some(pdf)) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    crate::receipt::disposition(&order),
                ),
            ],
            pdf,
        )
            .into_response(),
        Ok(None) => refuse(
            ReplyCode::InvalidData,
            "MaThamChieu: the payment is not paid",
        ),
        Err(e) => store_failure(e, refuse),
    }
}

fn store_failure(e: StoreError, refuse: impl Fn(ReplyCode, &str) -> Response) -> Response {
    tracing::error!(error.cause_chain = ?e, "legacy lookup failed");
    refuse(ReplyCode::Other, "PayHub could not answer now; try again")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_onto_trang_thai_gd() {
        assert_eq!(state_code(OrderStatus::Paid, false), "1");
        assert_eq!(state_code(OrderStatus::Refunded, false), "1");
        assert_eq!(state_code(OrderStatus::PartiallyRefunded, true), "1");
        assert_eq!(state_code(OrderStatus::Pending, false), "3");
        assert_eq!(state_code(OrderStatus::Expired, true), "3");
        assert_eq!(state_code(OrderStatus::Expired, false), "4");
        assert_eq!(state_code(OrderStatus::Cancelled, false), "4");
    }
}
