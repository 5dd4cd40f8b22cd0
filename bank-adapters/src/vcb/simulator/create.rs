//! `POST /v1/payments`: PayHub creates a payment (vcb.md §1).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::DateTime;
use serde::{Deserialize, Serialize};

use super::{Payment, Simulator};
use crate::Vnd;

/// The §1 request as VCB reads it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    merchant_id: String,
    order_ref: String,
    amount: i64,
    currency: String,
    description: String,
    return_url: String,
    notify_url: String,
    expire_at: String,
    beneficiary: BeneficiaryBody,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BeneficiaryBody {
    account_no: String,
    bank_bin: String,
    account_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedBody<'a> {
    payment_id: &'a str,
    payment_url: &'a str,
    status: &'a str,
}

pub(super) async fn create(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = sim.verify(&headers, &body) {
        return sim.unauthorized(e);
    }
    let payment = match read(&sim, &body) {
        Ok(payment) => payment,
        Err(reason) => {
            return sim.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", Some(&reason));
        }
    };
    let mut payments = sim.payments();
    if payments.by_order_ref.contains_key(&payment.order_ref) {
        return sim.error(StatusCode::CONFLICT, "DUPLICATE_ORDER_REF", None);
    }
    payments
        .by_order_ref
        .insert(payment.order_ref.clone(), payment.id.clone());
    payments.by_id.insert(payment.id.clone(), payment.clone());
    drop(payments);
    let payment_url = format!("{}/pay/{}", sim.inner.base_url, payment.id);
    sim.json(
        StatusCode::CREATED,
        &CreatedBody {
            payment_id: &payment.id,
            payment_url: &payment_url,
            status: "PENDING",
        },
    )
}

/// Reads and checks a signed request; the reason is for `400 INVALID_REQUEST`.
fn read(sim: &Simulator, body: &[u8]) -> Result<Payment, String> {
    let request: CreateBody = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if request.merchant_id != sim.inner.config.merchant_id {
        return Err("merchantId is not the signing merchant".into());
    }
    if request.currency != "VND" {
        return Err("currency must be VND".into());
    }
    let amount = Vnd::from_dong(request.amount)
        .ok()
        .filter(|a| !a.is_zero())
        .ok_or("amount must be a positive whole number of VND")?;
    DateTime::parse_from_rfc3339(&request.expire_at)
        .map_err(|e| format!("expireAt {:?}: {e}", request.expire_at))?;
    for (field, value) in [
        ("orderRef", &request.order_ref),
        ("returnUrl", &request.return_url),
        ("notifyUrl", &request.notify_url),
        ("beneficiary.accountNo", &request.beneficiary.account_no),
        ("beneficiary.bankBin", &request.beneficiary.bank_bin),
    ] {
        if value.is_empty() {
            return Err(format!("{field} is required"));
        }
    }
    let now = sim.controls().clock().now();
    let seq = sim.controls().next_seq();
    Ok(Payment {
        // Like vcb.md's `VCB2605300000123`: the date and a 7-digit number.
        id: format!("VCB{}{:07}", now.format("%y%m%d"), seq % 10_000_000),
        order_ref: request.order_ref,
        amount,
        description: request.description,
        return_url: request.return_url,
        notify_url: request.notify_url,
        account_no: request.beneficiary.account_no,
        account_name: request.beneficiary.account_name,
        txns: Vec::new(),
        done: false,
    })
}
