//! The citizen's app pays a VietQR code to an account at BIDV: the credit is booked, listed on
//! the statement as a `C` record, and notified (vietqr.md §4, `ChuKy` over six fields). BIDV
//! stops on `{"MaLoi":"00"}` and retries anything else like its payment notifications.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use super::Simulator;
use crate::bidv::credit_body;
use crate::simulator::{
    book_transfer, scan_transfer, AppTransfer, BookedTransfer, Outcome, Outgoing, TransferError,
};
use crate::vietqr::Credit;
use crate::BankCode;

/// BIDV's NAPAS BIN (bidv.md).
const BIN: &str = "970418";

impl Simulator {
    /// The citizen's app pays `transfer` to an account here: booked, listed on the statement,
    /// and notified to PayHub under the faults set for the code's reference.
    pub fn pay_vietqr(&self, transfer: &AppTransfer) -> Result<BookedTransfer, TransferError> {
        let payment = scan_transfer(transfer, BIN)?;
        let controls = self.controls();
        let now = controls.clock().now();
        let txn_id = format!(
            "BIDV{}{:08}",
            now.format("%y%m%d"),
            controls.next_seq() % 100_000_000
        );
        let partner = self.partner();
        let content = transfer
            .content
            .clone()
            .map(|c| crate::bidv::sanitize_content(&c));
        let (txn, booked, faults) = book_transfer(
            controls,
            BankCode::Bidv,
            partner.code,
            &payment,
            content,
            txn_id,
        );
        let body = credit_body(
            &partner,
            &Credit {
                bank: BankCode::Bidv,
                merchant: partner.code.to_owned(),
                event_id: booked.bank_txn_id.clone(),
                account_no: booked.account_no.clone(),
                amount: booked.amount,
                currency_is_vnd: true,
                bank_txn_id: booked.bank_txn_id.clone(),
                credited_at: now,
                content: booked.content.clone(),
                counterparty: None,
            },
        );
        let sim = self.clone();
        let outgoing = Outgoing::new(txn, move || {
            let (sim, body) = (sim.clone(), body.clone());
            async move { send(&sim, body).await }
        });
        controls.dispatch(&faults, vec![outgoing]);
        Ok(booked)
    }
}

/// vietqr.md §4: PayHub replies `{"MaLoi":"00"}` once stored.
async fn send(sim: &Simulator, body: String) -> Outcome {
    let url = sim.inner.config.credits_url.clone();
    let request = (sim.controls().client().post(url))
        .header("Content-Type", "application/json")
        .body(body);
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => return Outcome::failed(e),
    };
    let status = response.status().as_u16();
    let code = match response.json::<serde_json::Value>().await {
        Ok(reply) => reply
            .get("MaLoi")
            .and_then(|c| c.as_str())
            .map(str::to_owned),
        Err(e) => return Outcome::failed(e),
    };
    Outcome {
        http_status: Some(status),
        acknowledged: code.as_deref() == Some("00"),
        code,
        error: None,
    }
}

#[derive(Deserialize)]
pub(super) struct TransferForm {
    payload: String,
    #[serde(default)]
    content: Option<String>,
}

/// `POST /sim/vietqr`: `200` with `MaGiaoDich`, `422` for a code it cannot pay.
pub(super) async fn pay_route(
    State(sim): State<Simulator>,
    Form(form): Form<TransferForm>,
) -> Response {
    let transfer = AppTransfer {
        payload: form.payload,
        content: form.content.filter(|c| !c.is_empty()),
    };
    match sim.pay_vietqr(&transfer) {
        Ok(booked) => (StatusCode::OK, booked.bank_txn_id).into_response(),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response(),
    }
}
