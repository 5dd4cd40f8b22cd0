//! Vietcombank collection gateway (vcb.md, PayHub's reference interface). Wire details are in
//! [`wire`].
//!
//! Every request and every response body is signed with the three `X-VCB-*` headers:
//! [`sign_headers`] for what PayHub sends, [`verify_signed`] (called by every `parse_*` and
//! `verify_*` here) for what it receives.

use std::fmt;

mod credits;
mod notify;
mod payments;
mod signed;
#[cfg(feature = "simulator")]
pub mod simulator;
mod statement;
pub mod wire;

pub use credits::{credit_body, verify_credit, CREDITS_CALLBACK_PATH};
pub use notify::{verify_notification, NotifyReply};
pub use payments::{
    create_payment_body, parse_create_reply, parse_query_reply, parse_refund_reply, query_path,
    refund_body, refund_path, verify_return, Beneficiary, BrowserReturn, CreatedPayment,
    PaymentLookup, PaymentOrder, RefundOrder, RefundReceipt,
};
pub use signed::{sign_headers, verify_signed, Reply, SignedHeaders};
pub use statement::{each_statement_line, parse_statement};

/// Where payments are created (vcb.md §1): `POST {base}` + this.
pub const PAYMENTS_PATH: &str = "/v1/payments";

/// The statement of `date` (vcb.md §5): `GET {base}` + this.
pub fn statement_path(date: chrono::NaiveDate) -> String {
    format!("/v1/statements?date={}", date.format("%Y-%m-%d"))
}

/// A payment's `description` or a refund's `reason` as vcb.md writes them: ASCII without
/// diacritics ("Le phi ho so …"), at most 255 characters.
pub fn plain_text(text: &str) -> String {
    crate::text::plain_ascii(text, 255, &[])
}

/// PayHub's VCB merchant credentials (vcb.md: `merchantId` and `secret`), borrowed from config.
#[derive(Clone, Copy)]
pub struct Merchant<'a> {
    /// `merchantId`, sent as `X-VCB-Merchant`.
    pub id: &'a str,
    /// The HMAC-SHA256 key.
    pub secret: &'a str,
}

impl fmt::Debug for Merchant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merchant")
            .field("id", &self.id)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Why a VCB message was refused, or what VCB refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VcbError {
    /// One of the `X-VCB-*` headers is absent.
    #[error("header {0} is missing")]
    MissingHeader(&'static str),
    /// `X-VCB-Merchant` is not PayHub's merchant id.
    #[error("unknown VCB merchant {0:?}")]
    UnknownMerchant(String),
    /// The signature does not match the exact bytes received.
    #[error("VCB signature does not match")]
    BadSignature,
    /// Signed, but the timestamp is more than 300 s from our clock (a replay, or a clock off).
    #[error("VCB timestamp is {skew_secs} s from our clock")]
    Stale {
        /// Our clock minus the message's timestamp.
        skew_secs: i64,
    },
    /// Not readable as VCB's format.
    #[error("malformed VCB message: {0}")]
    Malformed(String),
    /// `409 DUPLICATE_ORDER_REF`: the `orderRef` was used before.
    #[error("VCB says the orderRef was already used")]
    DuplicateOrderRef,
    /// `401`: VCB says PayHub's signature is wrong.
    #[error("VCB refused PayHub's signature")]
    SignatureRefused,
    /// `404`.
    #[error("VCB does not know this payment")]
    NotFound,
    /// Another error reply VCB signed, e.g. `400 INVALID_REQUEST`.
    #[error("VCB refused the request: {status} {code} {message:?}")]
    RequestRefused {
        /// HTTP status.
        status: u16,
        /// VCB's `code`.
        code: String,
        /// VCB's `message`, if any.
        message: Option<String>,
    },
    /// An HTTP status the interface does not define (a proxy's 502, say); its body is not read.
    #[error("unexpected VCB reply status {status}")]
    UnexpectedReply {
        /// HTTP status.
        status: u16,
    },
}

impl VcbError {
    /// PayHub's reply to a notification that failed with this error (vcb.md §2): `97` (HTTP
    /// 401) for a bad signature or stale timestamp, HTTP 400 for a signed message PayHub cannot
    /// read, `99` (HTTP 500) for anything else.
    pub fn notify_reply(&self) -> NotifyReply {
        match self {
            VcbError::MissingHeader(_)
            | VcbError::UnknownMerchant(_)
            | VcbError::BadSignature
            | VcbError::Stale { .. } => NotifyReply::BadSignature,
            VcbError::Malformed(_) => NotifyReply::Malformed,
            // The rest describe VCB's replies to PayHub, not a notification; listed so a new
            // variant has to choose its reply.
            VcbError::DuplicateOrderRef
            | VcbError::SignatureRefused
            | VcbError::NotFound
            | VcbError::RequestRefused { .. }
            | VcbError::UnexpectedReply { .. } => NotifyReply::InternalError,
        }
    }
}

fn malformed(reason: impl fmt::Display) -> VcbError {
    VcbError::Malformed(reason.to_string())
}
