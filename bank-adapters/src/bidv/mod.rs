//! BIDV bill collection, "thu hộ" (bidv.md, PayHub's reference interface). Wire details are in
//! [`wire`], reply codes in the `*Code` enums.
//!
//! Every message carries `ChuKy`, an HMAC over a field list that differs per message; every
//! builder here signs and every `verify_*` checks before reading anything else.

use std::fmt;

use chrono::{DateTime, FixedOffset};

mod bills;
mod codes;
mod credits;
mod inquiry;
mod notify;
mod refunds;
#[cfg(feature = "simulator")]
pub mod simulator;
mod statement;
pub mod wire;

pub use bills::{
    query_body, register_body, verify_query_reply, verify_register_reply, Bill, BillQuery,
    Registration,
};
pub use codes::{InquiryCode, NotifyCode, RegisterCode, ReplyCode};
pub use credits::{
    credit_body, credit_reply, sanitize_content, verify_credit, CREDITS_CALLBACK_PATH,
};
pub use inquiry::{verify_inquiry, Inquiry, InquiryReply};
pub use notify::{verify_notification, NotifyReply};
pub use refunds::{refund_body, verify_refund_reply, RefundOrder, RefundReceipt};
pub use statement::parse_statement;

use crate::compact_time;
use crate::signing::{verify_hmac_sha256_hex, HexCase};
use wire::Fields;

/// Bill registration (bidv.md §1): `POST {base}` + this.
pub const REGISTER_PATH: &str = "/thuho/v1/bill/register";
/// Bill query (bidv.md §4).
pub const QUERY_PATH: &str = "/thuho/v1/bill/query";
/// Refund (bidv.md §5).
pub const REFUND_PATH: &str = "/thuho/v1/refund";
/// Daily statement (bidv.md §6).
pub const STATEMENT_PATH: &str = "/thuho/v1/statement";

/// The statement of `date` for `partner` (bidv.md §6): `GET {base}` + this.
pub fn statement_path(partner: &Partner, date: chrono::NaiveDate) -> String {
    format!(
        "{STATEMENT_PATH}?MaDoiTac={}&Ngay={}",
        wire::percent_encode(partner.code),
        date.format("%Y%m%d")
    )
}

/// `NoiDung` and `LyDo` as bidv.md writes them: ASCII without diacritics ("Le phi ho so …"), at
/// most 255 characters.
pub fn plain_text(text: &str) -> String {
    // `|` joins the fields `ChuKy` covers: none of PayHub's texts carries it.
    crate::text::plain_ascii(text, 255, &['|'])
}

/// `TenKhachHang` as bidv.md §2 writes it: upper-case ASCII without diacritics ("NGUYEN VAN A").
pub fn customer_name(name: &str) -> String {
    plain_text(name).to_uppercase()
}

/// PayHub's BIDV partner credentials (bidv.md: `MaDoiTac` and `secret`), borrowed from config.
#[derive(Clone, Copy)]
pub struct Partner<'a> {
    /// `MaDoiTac`.
    pub code: &'a str,
    /// The HMAC-SHA256 key.
    pub secret: &'a str,
}

impl fmt::Debug for Partner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partner")
            .field("code", &self.code)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Why a BIDV message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BidvError {
    /// `MaDoiTac` is not PayHub's partner code.
    #[error("unknown BIDV partner {0:?}")]
    UnknownPartner(String),
    /// `ChuKy` is missing or does not match.
    #[error("BIDV checksum does not match")]
    BadChecksum,
    /// Signed, but `ThoiGian` is more than 15 minutes from our clock.
    #[error("BIDV message is {age_secs} s old")]
    Stale {
        /// Our clock minus `ThoiGian` (negative: from the future).
        age_secs: i64,
    },
    /// Not readable as BIDV's format.
    #[error("malformed BIDV message: {0}")]
    Malformed(String),
    /// A signed reply about another bill or refund than the one asked about.
    #[error("BIDV answered about {got:?}, not {expected:?}")]
    WrongReference {
        /// What PayHub asked about.
        expected: String,
        /// What the reply names.
        got: String,
    },
}

impl BidvError {
    /// The inquiry reply code for this error: `97` when the sender is not proven (checksum,
    /// partner, stale `ThoiGian`), `99` otherwise.
    pub fn inquiry_code(&self) -> InquiryCode {
        match self {
            BidvError::UnknownPartner(_) | BidvError::BadChecksum | BidvError::Stale { .. } => {
                InquiryCode::BadChecksum
            }
            BidvError::Malformed(_) | BidvError::WrongReference { .. } => InquiryCode::Error,
        }
    }

    /// The notification reply code for this error, on the same rule as [`Self::inquiry_code`].
    pub fn notify_code(&self) -> NotifyCode {
        match self {
            BidvError::UnknownPartner(_) | BidvError::BadChecksum | BidvError::Stale { .. } => {
                NotifyCode::BadChecksum
            }
            BidvError::Malformed(_) | BidvError::WrongReference { .. } => NotifyCode::Error,
        }
    }
}

fn malformed(reason: impl fmt::Display) -> BidvError {
    BidvError::Malformed(reason.to_string())
}

/// Parses `body` and checks its `ChuKy` over `fields`; nothing is read before that.
fn verify_fields(partner: &Partner, body: &[u8], fields: &[&str]) -> Result<Fields, BidvError> {
    let message = Fields::parse(body).map_err(malformed)?;
    check_checksum(partner, &message, fields)?;
    Ok(message)
}

fn check_checksum(partner: &Partner, message: &Fields, fields: &[&str]) -> Result<(), BidvError> {
    let given = message.text("ChuKy").map_err(malformed)?;
    if message.holds_separator(fields) {
        return Err(BidvError::BadChecksum);
    }
    let joined = message.joined(fields).map_err(malformed)?;
    if given.is_empty() || !verify_hmac_sha256_hex(partner.secret, joined, &given, HexCase::Lower) {
        return Err(BidvError::BadChecksum);
    }
    Ok(())
}

/// An inbound message must name PayHub's partner code.
fn check_partner(partner: &Partner, message: &Fields) -> Result<(), BidvError> {
    let sender = message.text("MaDoiTac").map_err(malformed)?;
    if sender != partner.code {
        return Err(BidvError::UnknownPartner(sender.chars().take(40).collect()));
    }
    Ok(())
}

/// bidv.md "Checksum": refused when `ThoiGian` is more than 15 minutes old. A time as far in the
/// future is refused too: it would let a captured message be replayed for longer.
fn check_fresh(thoi_gian: &str, now_unix: i64) -> Result<DateTime<FixedOffset>, BidvError> {
    let sent_at = compact_time::parse(thoi_gian)
        .ok_or_else(|| malformed(format!("ThoiGian {thoi_gian:?}")))?;
    let age_secs = now_unix.saturating_sub(sent_at.timestamp());
    if age_secs.abs() > wire::MAX_AGE_SECS {
        return Err(BidvError::Stale { age_secs });
    }
    Ok(sent_at)
}

/// A required, non-empty text field.
fn required(message: &Fields, key: &str) -> Result<String, BidvError> {
    match message.text(key).map_err(malformed)? {
        value if value.is_empty() => Err(malformed(format!("{key} is missing"))),
        value => Ok(value),
    }
}

/// A field of an unverified message, to echo in a refusal; empty when unreadable.
fn echo(body: &[u8], key: &str) -> String {
    Fields::parse(body)
        .and_then(|message| message.text(key))
        .map(|value| value.chars().take(64).collect())
        .unwrap_or_default()
}
