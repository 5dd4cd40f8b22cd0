//! Paying a bill: on BIDV's page after PayHub's redirect, or by bill code at a counter or in the
//! app. Either way BIDV asks PayHub first (bidv.md §2) and notifies only a successful debit (§3).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};

use super::debit::{book, notification, record};
use super::inquiry::inquire;
use super::{Channel, Simulator};
use crate::simulator::{message_page, payment_page, ActionForm, PayAction, PaymentPage};
use crate::{TxnStatus, Vnd};

/// A bill BIDV debited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillPayment {
    /// `MaHoaDon`.
    pub bill_code: String,
    /// `MaGiaoDich` (of the first debit, under [`crate::simulator::Faults::paid_twice`]).
    pub bank_txn_id: String,
    /// What was debited: PayHub's inquiry amount, unless a wrong-amount fault says otherwise.
    pub amount: Vnd,
    /// Where the citizen paid.
    pub channel: Channel,
}

/// Why BIDV did not debit a bill.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayError {
    /// PayHub never registered the bill with BIDV, so BIDV does not know whose account to credit.
    #[error("bill {0} is not registered at BIDV")]
    NotRegistered(String),
    /// PayHub answered the inquiry with this `MaLoi` (01 not found, 02 already paid, 03 expired).
    #[error("PayHub answered the inquiry with MaLoi {0}")]
    Refused(String),
    /// No trustworthy inquiry answer: no reply, a forged one, or one without an amount.
    #[error("the inquiry failed: {0}")]
    Inquiry(String),
}

/// The query of `GET /pay`.
#[derive(Debug, Deserialize)]
pub(super) struct PageQuery {
    bill: String,
}

/// `GET /pay?bill=…`.
pub(super) async fn show(State(sim): State<Simulator>, Query(query): Query<PageQuery>) -> Response {
    let Some(bill) = sim.bills().get(&query.bill).cloned() else {
        return not_registered(&query.bill);
    };
    payment_page(&PaymentPage {
        bank: "BIDV",
        merchant: &bill.account_name,
        reference: &bill.code,
        description: &bill.description,
        amount: bill.amount,
        action: &format!("/sim/pay/{}", bill.code),
    })
}

/// `POST /sim/pay/{bill}`, `action=approve|decline|cancel`.
pub(super) async fn submit(
    State(sim): State<Simulator>,
    Path(bill_code): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    let result = match form.action {
        PayAction::Approve => sim.pay_by_code(&bill_code, Channel::Web).await.map(drop),
        PayAction::Decline | PayAction::Cancel => record_failure(&sim, &bill_code, form.action),
    };
    match result {
        Ok(()) => {
            let url = &sim.inner.config.return_url;
            let separator = if url.contains('?') { '&' } else { '?' };
            let bill = crate::query::encode_component(&bill_code);
            Redirect::to(&format!("{url}{separator}bill={bill}")).into_response()
        }
        Err(PayError::NotRegistered(code)) => not_registered(&code),
        Err(e @ PayError::Refused(_)) => message_page(
            StatusCode::CONFLICT,
            "Hóa đơn không thể thanh toán / The bill cannot be paid",
            &e.to_string(),
        ),
        Err(e @ PayError::Inquiry(_)) => message_page(
            StatusCode::BAD_GATEWAY,
            "Không kiểm tra được hóa đơn / Could not check the bill",
            &e.to_string(),
        ),
    }
}

/// The body of `POST /sim/bidv/pay-by-code`.
#[derive(Debug, Deserialize)]
pub(super) struct PayByCodeBody {
    bill: String,
    #[serde(default = "counter")]
    channel: Channel,
}

fn counter() -> Channel {
    Channel::Counter
}

/// The answer of `POST /sim/bidv/pay-by-code`.
#[derive(Debug, Serialize)]
struct PayByCodeReply {
    paid: bool,
    bank_txn_id: Option<String>,
    amount: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// `POST /sim/bidv/pay-by-code`: `200` paid, `409` PayHub refused, `404` not registered, `502`
/// the inquiry failed.
pub(super) async fn pay_by_code_route(
    State(sim): State<Simulator>,
    Json(body): Json<PayByCodeBody>,
) -> Response {
    match sim.pay_by_code(&body.bill, body.channel).await {
        Ok(paid) => Json(PayByCodeReply {
            paid: true,
            bank_txn_id: Some(paid.bank_txn_id),
            amount: Some(paid.amount.to_string()),
            code: Some("00".into()),
            error: None,
        })
        .into_response(),
        Err(e) => {
            let (status, code) = match &e {
                PayError::NotRegistered(_) => (StatusCode::NOT_FOUND, None),
                PayError::Refused(code) => (StatusCode::CONFLICT, Some(code.clone())),
                PayError::Inquiry(_) => (StatusCode::BAD_GATEWAY, None),
            };
            let reply = PayByCodeReply {
                paid: false,
                bank_txn_id: None,
                amount: None,
                code,
                error: Some(e.to_string()),
            };
            (status, Json(reply)).into_response()
        }
    }
}

impl Simulator {
    /// The citizen pays `bill_code` through `channel`: inquiry, debit of PayHub's amount,
    /// notification (with this bill's faults).
    pub async fn pay_by_code(
        &self,
        bill_code: &str,
        channel: Channel,
    ) -> Result<BillPayment, PayError> {
        let bill = self
            .bills()
            .get(bill_code)
            .cloned()
            .ok_or_else(|| PayError::NotRegistered(bill_code.to_owned()))?;
        let asked = inquire(self, bill_code).await?;
        let controls = self.controls();
        let faults = controls.faults_for(bill_code);
        let debits = if faults.paid_twice { 2 } else { 1 };
        let mut payments = Vec::new();
        let mut outgoing = Vec::new();
        for _ in 0..debits {
            let (txn, payment, body) = book(self, &bill, asked, channel, &faults);
            outgoing.push(notification(self, txn, payment.bank_txn_id.clone(), body));
            payments.push(payment);
        }
        controls.dispatch(&faults, outgoing);
        Ok(payments.swap_remove(0))
    }
}

/// A declined or cancelled debit on the web page: booked, never notified (§3).
fn record_failure(sim: &Simulator, bill_code: &str, action: PayAction) -> Result<(), PayError> {
    let bill = sim
        .bills()
        .get(bill_code)
        .cloned()
        .ok_or_else(|| PayError::NotRegistered(bill_code.to_owned()))?;
    let status = match action {
        PayAction::Cancel => TxnStatus::Cancelled,
        PayAction::Approve | PayAction::Decline => TxnStatus::Failed {
            code: "INSUFFICIENT_FUNDS".into(),
        },
    };
    let account = bill.account_no.clone();
    record(sim, &bill, None, bill.amount, status, account, Channel::Web);
    Ok(())
}

fn not_registered(bill_code: &str) -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "Không tìm thấy hóa đơn / Bill not found",
        &format!("Mã hóa đơn {bill_code} chưa được đăng ký / bill code not registered"),
    )
}
