//! The payment page, the citizen's choice, the signed notification (vcb.md §2) and the browser's
//! signed return (§1).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

use super::{payment_body, Payment, Simulator};
use crate::query::encode_component;
use crate::signing::hmac_sha256_hex;
use crate::simulator::{
    message_page, payment_page, ActionForm, Faults, Outcome, Outgoing, PayAction, PaymentPage,
    Transaction, TxnId,
};
use crate::vcb::wire::return_message;
use crate::vcb::{sign_headers, verify_signed, SignedHeaders};
use crate::{BankCode, TxnStatus, Vnd};

/// `GET /pay/{paymentId}`.
pub(super) async fn show(State(sim): State<Simulator>, Path(payment_id): Path<String>) -> Response {
    let Some(payment) = sim.payments().by_id.get(&payment_id).cloned() else {
        return not_found();
    };
    if payment.done {
        return already_done();
    }
    payment_page(&PaymentPage {
        bank: "Vietcombank",
        merchant: &payment.account_name,
        reference: &payment.order_ref,
        description: &payment.description,
        amount: payment.amount,
        action: &format!("/sim/pay/{}", payment.id),
    })
}

/// `POST /sim/pay/{paymentId}`, `action=approve|decline|cancel`.
pub(super) async fn submit(
    State(sim): State<Simulator>,
    Path(payment_id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    let payment = {
        let mut payments = sim.payments();
        match payments.by_id.get_mut(&payment_id) {
            None => return not_found(),
            Some(payment) if payment.done => return already_done(),
            Some(payment) => {
                payment.done = true;
                payment.clone()
            }
        }
    };
    let controls = sim.controls();
    let faults = controls.faults_for(&payment.order_ref);
    let payments = if form.action == PayAction::Approve && faults.paid_twice {
        2
    } else {
        1
    };
    let outgoing = (0..payments)
        .map(|_| {
            let (txn, body) = book(&sim, &payment, form.action, &faults);
            notification(&sim, txn, payment.notify_url.clone(), body)
        })
        .collect();
    controls.dispatch(&faults, outgoing);
    let status = match form.action {
        PayAction::Approve => "SUCCESS",
        PayAction::Decline => "FAILED",
        PayAction::Cancel => "CANCELLED",
    };
    Redirect::to(&return_url(&sim, &payment, status)).into_response()
}

/// Books one transaction; returns it with its notification body (§2).
fn book(sim: &Simulator, payment: &Payment, action: PayAction, faults: &Faults) -> (TxnId, String) {
    let controls = sim.controls();
    let now = controls.clock().now();
    let seq = controls.next_seq();
    let (status, bank_txn_id) = match action {
        // Like vcb.md's `FT26150123456789`: year, day of the year, 9 digits.
        PayAction::Approve => (
            TxnStatus::Paid,
            Some(format!(
                "FT{}{:09}",
                now.format("%y%j"),
                seq % 1_000_000_000
            )),
        ),
        PayAction::Decline => (
            TxnStatus::Failed {
                code: "INSUFFICIENT_FUNDS".into(),
            },
            None,
        ),
        PayAction::Cancel => (TxnStatus::Cancelled, None),
    };
    let amount: Vnd = faults.wrong_amount.unwrap_or(payment.amount);
    let transaction = Transaction {
        bank: BankCode::Vcb,
        merchant: sim.inner.config.merchant_id.clone(),
        reference: payment.order_ref.clone(),
        bank_txn_id,
        amount,
        requested_amount: payment.amount,
        status,
        at: now,
        credited_account: faults
            .wrong_account
            .clone()
            .unwrap_or_else(|| payment.account_no.clone()),
        channel: "WEB".into(),
        refunded: Vnd::ZERO,
        posted_on: Some(now.date_naive()),
        callback: Default::default(),
    };
    let event_id = format!("EVT-{}-{seq}", payment.id);
    let body = payment_body(payment, Some(&transaction), Some(&event_id));
    let txn = controls.record(transaction);
    controls.post(txn, faults, format!("RV{}{:09}", now.format("%y%j"), seq));
    if let Some(payment) = sim.payments().by_id.get_mut(&payment.id) {
        payment.txns.push(txn);
    }
    (txn, body)
}

/// `returnUrl?paymentId&orderRef&status&ts&sig`, `sig` over `paymentId|orderRef|status|ts` (§1).
fn return_url(sim: &Simulator, payment: &Payment, status: &str) -> String {
    let ts = sim.controls().clock().now_unix().to_string();
    let message = return_message(&payment.id, &payment.order_ref, status, &ts);
    let sig = hmac_sha256_hex(&sim.inner.config.secret, message);
    let separator = if payment.return_url.contains('?') {
        '&'
    } else {
        '?'
    };
    format!(
        "{}{separator}paymentId={}&orderRef={}&status={status}&ts={ts}&sig={sig}",
        payment.return_url,
        encode_component(&payment.id),
        encode_component(&payment.order_ref),
    )
}

/// `POST {notifyUrl}` with `body`, signed afresh at each attempt: a retry an hour later must
/// still be within PayHub's 300 s window.
fn notification(sim: &Simulator, txn: TxnId, url: String, body: String) -> Outgoing {
    let sim = sim.clone();
    Outgoing::new(txn, move || {
        let (sim, url, body) = (sim.clone(), url.clone(), body.clone());
        async move { send(&sim, &url, body).await }
    })
}

/// §2: VCB retries anything but `00`. PayHub's reply carries data, so it must be signed too; an
/// unsigned or forged `00` is not an acknowledgement.
pub(super) async fn send(sim: &Simulator, url: &str, body: String) -> Outcome {
    let now = sim.controls().clock().now_unix();
    let mut request = sim
        .controls()
        .client()
        .post(url)
        .header("Content-Type", "application/json");
    for (name, value) in sign_headers(&sim.merchant(), now, body.as_bytes()) {
        request = request.header(name, value);
    }
    let response = match request.body(body).send().await {
        Ok(response) => response,
        Err(e) => return Outcome::failed(e),
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let reply = match response.bytes().await {
        Ok(reply) => reply,
        Err(e) => return Outcome::failed(e),
    };
    let code = serde_json::from_slice::<serde_json::Value>(&reply)
        .ok()
        .and_then(|r| r.get("code")?.as_str().map(str::to_owned));
    let signed = SignedHeaders::from_lookup(|name| headers.get(name)?.to_str().ok());
    let now = sim.controls().clock().now_unix();
    let error = verify_signed(&sim.merchant(), &signed, &reply, now)
        .err()
        .map(|e| format!("reply not trusted: {e}"));
    Outcome {
        http_status: Some(status),
        acknowledged: error.is_none() && code.as_deref() == Some("00"),
        error,
        code,
    }
}

fn not_found() -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "Không tìm thấy giao dịch / Payment not found",
        "paymentId không tồn tại / no such paymentId",
    )
}

fn already_done() -> Response {
    message_page(
        StatusCode::CONFLICT,
        "Giao dịch đã được xử lý / Payment already processed",
        "Trang thanh toán này không còn hiệu lực / this payment page is no longer open",
    )
}
