//! VNPAY payment gateway, protocol 2.1.0 (vnpay.md): payment URL, IPN and return URL, querydr,
//! refund, and the reference statement layout. Wire details are in [`wire`].
//!
//! Flow for the hub: [`payment_url`] → browser goes to VNPAY → [`verify_ipn`] on
//! `GET /callbacks/vnpay/ipn`, answer with [`IpnReply::body`] → [`verify_return`] on the browser's
//! return (display only) → [`querydr_body`] / [`verify_querydr_response`] for attempts left open.

use std::fmt;

mod ipn;
mod order_info;
mod pay;
mod querydr;
mod refund;
#[cfg(feature = "simulator")]
pub mod simulator;
mod statement;
pub mod wire;

pub use ipn::{verify_ipn, verify_return, verify_signed_query, IpnReply};
pub use order_info::sanitize_order_info;
pub use pay::{payment_url, Locale, PaymentRequest};
pub use querydr::{querydr_body, verify_querydr_response, QueryDrAnswer, QueryDrRequest};
pub use refund::{refund_body, verify_refund_response, RefundAnswer, RefundKind, RefundRequest};
pub use statement::{each_statement_line, parse_statement};

/// The reference statement's path (PayHub's layout, not VNPAY's: vnpay.md §4 says VNPAY has no
/// statement API), beside the merchant API on the same host.
pub const STATEMENT_PATH: &str = "/merchant_webapi/statement";

/// Where the statement of `date` is fetched: [`STATEMENT_PATH`] on the host of `api_url`, the
/// merchant API's address. `None` when `api_url` is not an absolute `http(s)` URL.
pub fn statement_url(api_url: &str, date: chrono::NaiveDate) -> Option<String> {
    let (scheme, rest) = api_url.split_once("://")?;
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .filter(|h| !h.is_empty())?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    Some(format!(
        "{scheme}://{host}{STATEMENT_PATH}?date={}",
        date.format("%Y%m%d")
    ))
}

/// One VNPAY terminal's credentials (vnpay.md: `TmnCode`, 8 characters, and `HashSecret`).
/// Borrowed from the hub's configuration so the secret is never copied.
#[derive(Clone, Copy)]
pub struct Terminal<'a> {
    /// `vnp_TmnCode`.
    pub code: &'a str,
    /// The HMAC-SHA512 key.
    pub hash_secret: &'a str,
}

impl fmt::Debug for Terminal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Terminal")
            .field("code", &self.code)
            .field("hash_secret", &"[redacted]")
            .finish()
    }
}

/// `vnp_ResponseCode` of the querydr and refund API (vnpay.md §3). It describes the *request*;
/// the transaction's own state is in `vnp_TransactionStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiCode {
    /// `00`.
    Ok,
    /// `02`: bad TmnCode.
    BadTmnCode,
    /// `03`: bad format.
    BadFormat,
    /// `91`: transaction not found.
    NotFound,
    /// `94`: the same request within 5 minutes (querydr), refund already requested (refund).
    Duplicate,
    /// `95`: refund of a transaction that did not succeed.
    OriginalNotSuccessful,
    /// `97`: VNPAY says our checksum is wrong.
    BadChecksum,
    /// `99`: other error.
    Other,
    /// A code the spec does not list, verbatim.
    Unknown(String),
}

impl ApiCode {
    /// Maps a `vnp_ResponseCode` of the JSON API.
    pub fn parse(code: &str) -> ApiCode {
        match code {
            "00" => ApiCode::Ok,
            "02" => ApiCode::BadTmnCode,
            "03" => ApiCode::BadFormat,
            "91" => ApiCode::NotFound,
            "94" => ApiCode::Duplicate,
            "95" => ApiCode::OriginalNotSuccessful,
            "97" => ApiCode::BadChecksum,
            "99" => ApiCode::Other,
            other => ApiCode::Unknown(other.to_owned()),
        }
    }
}

/// Why a VNPAY message was refused or a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VnpayError {
    /// No `vnp_SecureHash` (IPN reply `97`).
    #[error("vnp_SecureHash is missing")]
    MissingSignature,
    /// The hash does not match (IPN reply `97`).
    #[error("VNPAY signature does not match")]
    BadSignature,
    /// No secret is configured for this `vnp_TmnCode`, so it cannot be verified (IPN reply `97`).
    #[error("unknown VNPAY terminal {0:?}")]
    UnknownTerminal(String),
    /// A signed API answer names another terminal than the one asked.
    #[error("VNPAY answered for terminal {got:?}, not {expected:?}")]
    WrongTerminal {
        /// The terminal we asked as.
        expected: String,
        /// The terminal in the answer.
        got: String,
    },
    /// Not readable as VNPAY's format (after a good signature, where there is one).
    #[error("malformed VNPAY message: {0}")]
    Malformed(String),
    /// An outgoing request PayHub must not send (bad reference, order info, dates).
    #[error("invalid VNPAY request: {0}")]
    InvalidRequest(String),
}

impl VnpayError {
    /// The IPN reply for this error (vnpay.md §2): `97` when the signature could not be verified,
    /// so nothing is recorded; `99` for anything else.
    pub fn ipn_reply(&self) -> IpnReply {
        match self {
            VnpayError::MissingSignature
            | VnpayError::BadSignature
            | VnpayError::UnknownTerminal(_) => IpnReply::InvalidSignature,
            VnpayError::WrongTerminal { .. }
            | VnpayError::Malformed(_)
            | VnpayError::InvalidRequest(_) => IpnReply::UnknownError,
        }
    }
}

fn malformed(reason: impl Into<String>) -> VnpayError {
    VnpayError::Malformed(reason.into())
}
