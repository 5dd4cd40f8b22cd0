//! The citizen's app pays a VietQR code to an account at VCB: the credit is booked and notified
//! (vietqr.md §4), signed afresh at each attempt like every VCB notification.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use super::pay::send;
use super::Simulator;
use crate::simulator::{
    book_transfer, scan_transfer, AppTransfer, BookedTransfer, Outgoing, TransferError,
};
use crate::vcb::credit_body;
use crate::vietqr::Credit;
use crate::BankCode;

/// VCB's NAPAS BIN (vcb.md).
const BIN: &str = "970436";

impl Simulator {
    /// The citizen's app pays `transfer` to an account here: booked, listed on the statement,
    /// and notified to PayHub under the faults set for the code's reference.
    pub fn pay_vietqr(&self, transfer: &AppTransfer) -> Result<BookedTransfer, TransferError> {
        let payment = scan_transfer(transfer, BIN)?;
        let controls = self.controls();
        let now = controls.clock().now();
        let seq = controls.next_seq();
        let txn_id = format!("FT{}{:09}", now.format("%y%j"), seq % 1_000_000_000);
        let merchant = &self.inner.config.merchant_id;
        let (txn, booked, faults) = book_transfer(
            controls,
            BankCode::Vcb,
            merchant,
            &payment,
            transfer.content.clone(),
            txn_id,
        );
        if let Some(url) = self.inner.config.credits_url.clone() {
            let body = credit_body(&Credit {
                bank: BankCode::Vcb,
                merchant: merchant.clone(),
                event_id: format!("CR-{seq}"),
                account_no: booked.account_no.clone(),
                amount: booked.amount,
                currency_is_vnd: true,
                bank_txn_id: booked.bank_txn_id.clone(),
                credited_at: now,
                content: booked.content.clone(),
                counterparty: Some("970422 0123456789 NGUYEN VAN A".into()),
            });
            let sim = self.clone();
            let outgoing = Outgoing::new(txn, move || {
                let (sim, url, body) = (sim.clone(), url.clone(), body.clone());
                async move { send(&sim, &url, body).await }
            });
            controls.dispatch(&faults, vec![outgoing]);
        }
        Ok(booked)
    }
}

#[derive(Deserialize)]
pub(super) struct TransferForm {
    payload: String,
    #[serde(default)]
    content: Option<String>,
}

/// `POST /sim/vietqr`: `200` with the bank's transaction id, `422` for a code it cannot pay.
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
