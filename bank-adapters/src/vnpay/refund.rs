//! Refund through VNPAY's JSON API (vnpay.md §3).

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset};

use super::querydr::verify_api_response;
use super::wire::{self, RefundBody, REFUND_RESPONSE_SIGNED};
use super::{malformed, ApiCode, Terminal, VnpayError};
use crate::{compact_time, RefundStatus, Vnd};

/// `vnp_TransactionType` of a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundKind {
    /// `02`: the whole amount.
    Full,
    /// `03`: part of it.
    Partial,
}

/// What PayHub asks VNPAY to refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// `vnp_RequestId`: unique per day.
    pub request_id: String,
    /// Full or partial.
    pub kind: RefundKind,
    /// `vnp_TxnRef` of the paid attempt.
    pub txn_ref: String,
    /// Whole đồng to give back; sent ×100.
    pub amount: Vnd,
    /// `vnp_TransactionNo` of the payment, when known (signed; empty when unknown).
    pub transaction_no: Option<String>,
    /// `vnp_TransactionDate`: the payment attempt's original `vnp_CreateDate`.
    pub transaction_date: DateTime<FixedOffset>,
    /// `vnp_CreateBy`: the staff member who asked.
    pub create_by: String,
    /// `vnp_CreateDate`: now.
    pub create_date: DateTime<FixedOffset>,
    /// `vnp_IpAddr`: PayHub's server address.
    pub ip_addr: IpAddr,
    /// `vnp_OrderInfo`: the reason.
    pub order_info: String,
}

/// A verified refund answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundAnswer {
    /// Whether VNPAY accepted the request (`94` already requested, `95` original not successful…).
    pub code: ApiCode,
    /// `vnp_Message`.
    pub message: String,
    /// `vnp_TxnRef` as answered.
    pub txn_ref: String,
    /// The refund's state, when `code` is [`ApiCode::Ok`].
    pub status: Option<RefundStatus>,
    /// The amount VNPAY says it refunds, when it says.
    pub amount: Option<Vnd>,
    /// `vnp_TransactionNo` of the refund, when VNPAY gives one.
    pub bank_txn_id: Option<String>,
}

/// The signed JSON body to `POST` to the API URL.
pub fn refund_body(terminal: &Terminal, request: &RefundRequest) -> String {
    let mut body = RefundBody {
        vnp_RequestId: request.request_id.clone(),
        vnp_Version: wire::VERSION.to_owned(),
        vnp_Command: "refund".to_owned(),
        vnp_TmnCode: terminal.code.to_owned(),
        vnp_TransactionType: match request.kind {
            RefundKind::Full => "02",
            RefundKind::Partial => "03",
        }
        .to_owned(),
        vnp_TxnRef: request.txn_ref.clone(),
        vnp_Amount: wire::amount_x100(request.amount),
        vnp_TransactionNo: request.transaction_no.clone().unwrap_or_default(),
        vnp_TransactionDate: compact_time::format(&request.transaction_date),
        vnp_CreateBy: request.create_by.clone(),
        vnp_CreateDate: compact_time::format(&request.create_date),
        vnp_IpAddr: request.ip_addr.to_string(),
        vnp_OrderInfo: request.order_info.clone(),
        vnp_SecureHash: String::new(),
    };
    // vnpay.md §3: the request fields, "signed in that order".
    body.vnp_SecureHash = wire::pipe_hash(
        terminal.hash_secret,
        &[
            &body.vnp_RequestId,
            &body.vnp_Version,
            &body.vnp_Command,
            &body.vnp_TmnCode,
            &body.vnp_TransactionType,
            &body.vnp_TxnRef,
            &body.vnp_Amount,
            &body.vnp_TransactionNo,
            &body.vnp_TransactionDate,
            &body.vnp_CreateBy,
            &body.vnp_CreateDate,
            &body.vnp_IpAddr,
            &body.vnp_OrderInfo,
        ],
    );
    serde_json::to_string(&body).expect("strings always serialize")
}

/// Verifies the refund response body (signed like querydr's without the promotion fields), then
/// reads it.
pub fn verify_refund_response(
    terminal: &Terminal,
    body: &[u8],
) -> Result<RefundAnswer, VnpayError> {
    let fields = verify_api_response(terminal, body, &REFUND_RESPONSE_SIGNED)?;
    let text = |key: &str| fields.text(key).map_err(malformed);
    let code = ApiCode::parse(&text("vnp_ResponseCode")?);
    let amount = match text("vnp_Amount")? {
        amount if amount.is_empty() => None,
        amount => Some(wire::amount_from_x100(&amount).map_err(malformed)?),
    };
    let status = (code == ApiCode::Ok)
        .then(|| text("vnp_TransactionStatus").map(|s| wire::refund_status(&s)))
        .transpose()?;
    let bank_txn_id = text("vnp_TransactionNo")?;
    Ok(RefundAnswer {
        code,
        message: text("vnp_Message")?,
        txn_ref: text("vnp_TxnRef")?,
        status,
        amount,
        bank_txn_id: (!bank_txn_id.is_empty() && bank_txn_id != "0").then_some(bank_txn_id),
    })
}
