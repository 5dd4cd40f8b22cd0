//! querydr: ask VNPAY for one transaction's state, the per-transaction source of truth
//! (vnpay.md §3, §4).

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset};

use super::wire::{self, ApiFields, QueryDrBody, QUERYDR_RESPONSE_SIGNED};
use super::{malformed, ApiCode, Terminal, VnpayError};
use crate::signing::{verify_hmac_sha512_hex, HexCase};
use crate::{compact_time, BankCode, Callback, CallbackDetail};

/// What PayHub asks querydr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryDrRequest {
    /// `vnp_RequestId`: unique per day.
    pub request_id: String,
    /// `vnp_TxnRef` of the attempt.
    pub txn_ref: String,
    /// `vnp_OrderInfo`: a note, e.g. `Truy van giao dich DVC0000123`.
    pub order_info: String,
    /// `vnp_TransactionNo` when known (sent, not signed).
    pub transaction_no: Option<String>,
    /// `vnp_TransactionDate`: the attempt's original `vnp_CreateDate`.
    pub transaction_date: DateTime<FixedOffset>,
    /// `vnp_CreateDate`: now.
    pub create_date: DateTime<FixedOffset>,
    /// `vnp_IpAddr`: PayHub's server address.
    pub ip_addr: IpAddr,
}

/// A verified querydr answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryDrAnswer {
    /// Whether the query itself worked.
    pub code: ApiCode,
    /// `vnp_Message`.
    pub message: String,
    /// The transaction, when `code` is [`ApiCode::Ok`]. The hub checks `reference` is the one it
    /// asked about before applying it.
    pub transaction: Option<Callback>,
}

/// The signed JSON body to `POST` to the API URL.
pub fn querydr_body(terminal: &Terminal, request: &QueryDrRequest) -> String {
    let mut body = QueryDrBody {
        vnp_RequestId: request.request_id.clone(),
        vnp_Version: wire::VERSION.to_owned(),
        vnp_Command: "querydr".to_owned(),
        vnp_TmnCode: terminal.code.to_owned(),
        vnp_TxnRef: request.txn_ref.clone(),
        vnp_OrderInfo: request.order_info.clone(),
        vnp_TransactionNo: request.transaction_no.clone(),
        vnp_TransactionDate: compact_time::format(&request.transaction_date),
        vnp_CreateDate: compact_time::format(&request.create_date),
        vnp_IpAddr: request.ip_addr.to_string(),
        vnp_SecureHash: String::new(),
    };
    // vnpay.md §3: RequestId|Version|Command|TmnCode|TxnRef|TransactionDate|CreateDate|IpAddr|OrderInfo
    body.vnp_SecureHash = wire::pipe_hash(
        terminal.hash_secret,
        &[
            &body.vnp_RequestId,
            &body.vnp_Version,
            &body.vnp_Command,
            &body.vnp_TmnCode,
            &body.vnp_TxnRef,
            &body.vnp_TransactionDate,
            &body.vnp_CreateDate,
            &body.vnp_IpAddr,
            &body.vnp_OrderInfo,
        ],
    );
    serde_json::to_string(&body).expect("strings always serialize")
}

/// Verifies querydr's response body, then reads it. Nothing in it is trusted before the hash
/// matches (vnpay.md §3: "Verify the response signature before trusting it").
pub fn verify_querydr_response(
    terminal: &Terminal,
    body: &[u8],
) -> Result<QueryDrAnswer, VnpayError> {
    let fields = verify_api_response(terminal, body, &QUERYDR_RESPONSE_SIGNED)?;
    let text = |key: &str| fields.text(key).map_err(malformed);
    let code = ApiCode::parse(&text("vnp_ResponseCode")?);
    let message = text("vnp_Message")?;
    if code != ApiCode::Ok {
        return Ok(QueryDrAnswer {
            code,
            message,
            transaction: None,
        });
    }
    let transaction_type = text("vnp_TransactionType")?;
    let transaction_status = text("vnp_TransactionStatus")?;
    let optional = |key: &str| text(key).map(|v| (!v.is_empty() && v != "0").then_some(v));
    let paid_at = match optional("vnp_PayDate")? {
        Some(date) => Some(
            compact_time::parse(&date).ok_or_else(|| malformed(format!("vnp_PayDate {date:?}")))?,
        ),
        None => None,
    };
    let transaction = Callback {
        bank: BankCode::Vnpay,
        merchant: terminal.code.to_owned(),
        reference: text("vnp_TxnRef")?,
        bank_txn_id: optional("vnp_TransactionNo")?,
        amount: wire::amount_from_x100(&text("vnp_Amount")?).map_err(malformed)?,
        currency_is_vnd: true,
        status: wire::query_status(&transaction_type, &transaction_status),
        paid_at,
        credit_account: Some(terminal.code.to_owned()),
        detail: CallbackDetail::Vnpay {
            response_code: None,
            transaction_status,
            transaction_type: Some(transaction_type),
            bank_code: optional("vnp_BankCode")?,
            bank_tran_no: None,
            card_type: None,
        },
    };
    Ok(QueryDrAnswer {
        code,
        message,
        transaction: Some(transaction),
    })
}

/// Checks a JSON API response's `vnp_SecureHash` over `signed` keys and that it is for our
/// terminal. An answer for another terminal is refused even when its hash is good.
pub(super) fn verify_api_response(
    terminal: &Terminal,
    body: &[u8],
    signed: &[&str],
) -> Result<ApiFields, VnpayError> {
    let fields = ApiFields::parse(body).map_err(malformed)?;
    let signature = fields.text("vnp_SecureHash").map_err(malformed)?;
    if signature.is_empty() {
        return Err(VnpayError::MissingSignature);
    }
    let message = fields.pipe_joined(signed).map_err(malformed)?;
    if !verify_hmac_sha512_hex(terminal.hash_secret, message, &signature, HexCase::Any) {
        return Err(VnpayError::BadSignature);
    }
    let answered_for = fields.text("vnp_TmnCode").map_err(malformed)?;
    if !answered_for.is_empty() && answered_for != terminal.code {
        return Err(VnpayError::WrongTerminal {
            expected: terminal.code.to_owned(),
            got: answered_for,
        });
    }
    Ok(fields)
}
