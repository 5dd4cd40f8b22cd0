//! IPN and return URL: verify the signed query, then read it (vnpay.md §2).

use std::collections::{BTreeMap, HashSet};

use super::wire::{self, canonical_query, IpnReplyBody};
use super::{malformed, VnpayError};
use crate::signing::{verify_hmac_sha512_hex, HexCase};
use crate::{compact_time, query, BankCode, Callback, CallbackDetail};

/// Verifies a signed VNPAY query string and returns its signed `vnp_` fields (non-empty ones).
///
/// vnpay.md §2: keep only `vnp_` keys (the return URL may carry PayHub's own parameters too),
/// drop the hash's own keys and empty values, decode, rebuild the canonical string of §1, and
/// compare HMAC-SHA512 in constant time, either hex case. `lookup_secret` gets `vnp_TmnCode` and
/// returns that terminal's HashSecret. A key sent twice is refused: which copy was signed would
/// be ambiguous.
pub fn verify_signed_query<S: AsRef<[u8]>>(
    query: &str,
    lookup_secret: impl FnOnce(&str) -> Option<S>,
) -> Result<BTreeMap<String, String>, VnpayError> {
    let pairs = query::decode_pairs(query).map_err(malformed)?;
    let mut seen = HashSet::new();
    let mut signature = None;
    let mut fields = BTreeMap::new();
    for (key, value) in pairs {
        if !key.starts_with("vnp_") {
            continue;
        }
        if !seen.insert(key.clone()) {
            return Err(malformed(format!("{key} is sent twice")));
        }
        if key == "vnp_SecureHash" {
            signature = Some(value);
        } else if wire::is_signed_key(&key) && !value.is_empty() {
            fields.insert(key, value);
        }
    }
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or(VnpayError::MissingSignature)?;
    let terminal = fields
        .get("vnp_TmnCode")
        .map(String::as_str)
        .unwrap_or_default();
    let secret =
        lookup_secret(terminal).ok_or_else(|| VnpayError::UnknownTerminal(terminal.to_owned()))?;
    let canonical = canonical_query(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if !verify_hmac_sha512_hex(secret, canonical, &signature, HexCase::Any) {
        return Err(VnpayError::BadSignature);
    }
    Ok(fields)
}

/// Verifies an IPN (`GET /callbacks/vnpay/ipn`, the raw query string) and reads it.
///
/// Only this and querydr may change state (vnpay.md §2). The hub still checks that
/// [`Callback::merchant`] is the terminal of the attempt, that the reference exists (else
/// [`IpnReply::OrderNotFound`]) and that the amount matches (else [`IpnReply::InvalidAmount`]).
/// On an error, reply with [`VnpayError::ipn_reply`].
pub fn verify_ipn<S: AsRef<[u8]>>(
    query: &str,
    lookup_secret: impl FnOnce(&str) -> Option<S>,
) -> Result<Callback, VnpayError> {
    read_callback(&verify_signed_query(query, lookup_secret)?)
}

/// Verifies the browser's return from VNPAY exactly as [`verify_ipn`] does. Display only: vnpay.md
/// §2, "the return URL only verifies and displays", so never apply its result.
pub fn verify_return<S: AsRef<[u8]>>(
    query: &str,
    lookup_secret: impl FnOnce(&str) -> Option<S>,
) -> Result<Callback, VnpayError> {
    verify_ipn(query, lookup_secret)
}

fn read_callback(fields: &BTreeMap<String, String>) -> Result<Callback, VnpayError> {
    let get = |key: &str| fields.get(key).cloned();
    let need = |key: &str| get(key).ok_or_else(|| malformed(format!("{key} is missing")));
    let terminal = need("vnp_TmnCode")?;
    let response_code = need("vnp_ResponseCode")?;
    let transaction_status = need("vnp_TransactionStatus")?;
    let paid_at = match get("vnp_PayDate") {
        Some(text) => Some(
            compact_time::parse(&text).ok_or_else(|| malformed(format!("vnp_PayDate {text:?}")))?,
        ),
        None => None,
    };
    Ok(Callback {
        bank: BankCode::Vnpay,
        reference: need("vnp_TxnRef")?,
        amount: wire::amount_from_x100(&need("vnp_Amount")?).map_err(malformed)?,
        // vnpay.md §2: vnp_TransactionNo is 0 when VNPAY has no transaction.
        bank_txn_id: get("vnp_TransactionNo").filter(|n| n != "0"),
        // VNPAY collects in VND only (vnp_CurrCode is always VND); the IPN carries no currency.
        currency_is_vnd: true,
        status: wire::ipn_status(&response_code, &transaction_status),
        paid_at,
        credit_account: Some(terminal.clone()),
        merchant: terminal,
        detail: CallbackDetail::Vnpay {
            response_code: Some(response_code),
            transaction_status,
            transaction_type: None,
            bank_code: get("vnp_BankCode"),
            bank_tran_no: get("vnp_BankTranNo"),
            card_type: get("vnp_CardType"),
        },
    })
}

/// PayHub's answer to an IPN (vnpay.md §2 table), always sent with HTTP 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpnReply {
    /// `00`: recorded, including a recorded *failed* payment.
    ConfirmSuccess,
    /// `01`: unknown `vnp_TxnRef`.
    OrderNotFound,
    /// `02`: the attempt already has a final result.
    AlreadyConfirmed,
    /// `04`: the amount differs (the money is still taken: flag it for refund).
    InvalidAmount,
    /// `97`: bad or missing hash; nothing is recorded.
    InvalidSignature,
    /// `99`: anything else.
    UnknownError,
}

impl IpnReply {
    /// `RspCode`.
    pub fn rsp_code(self) -> &'static str {
        match self {
            IpnReply::ConfirmSuccess => "00",
            IpnReply::OrderNotFound => "01",
            IpnReply::AlreadyConfirmed => "02",
            IpnReply::InvalidAmount => "04",
            IpnReply::InvalidSignature => "97",
            IpnReply::UnknownError => "99",
        }
    }

    /// `Message`, exactly as the spec's table has it (including VNPAY's own "Unknow").
    pub fn message(self) -> &'static str {
        match self {
            IpnReply::ConfirmSuccess => "Confirm Success",
            IpnReply::OrderNotFound => "Order not found",
            IpnReply::AlreadyConfirmed => "Order already confirmed",
            IpnReply::InvalidAmount => "invalid amount",
            IpnReply::InvalidSignature => "Invalid signature",
            IpnReply::UnknownError => "Unknow error",
        }
    }

    /// Whether VNPAY stops retrying on this reply (vnpay.md §2: it stops on `00` or `02`).
    pub fn stops_retries(self) -> bool {
        matches!(self, IpnReply::ConfirmSuccess | IpnReply::AlreadyConfirmed)
    }

    /// The JSON body, e.g. `{"RspCode":"00","Message":"Confirm Success"}`.
    pub fn body(self) -> String {
        let body = IpnReplyBody {
            RspCode: self.rsp_code(),
            Message: self.message(),
        };
        serde_json::to_string(&body).expect("two strings always serialize")
    }
}
