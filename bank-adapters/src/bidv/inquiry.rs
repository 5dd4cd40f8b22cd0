//! BIDV → PayHub inquiry, "what is this bill?", and PayHub's reply (bidv.md §2).

use chrono::{DateTime, FixedOffset};

use super::codes::InquiryCode;
use super::wire::{self, InquiryReplyBody};
use super::{check_fresh, check_partner, echo, required, verify_fields, BidvError, Partner};
use crate::Vnd;

/// A verified inquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inquiry {
    /// `MaHoaDon`: the bill code the citizen typed or was sent with.
    pub bill_code: String,
    /// `ThoiGian`.
    pub sent_at: DateTime<FixedOffset>,
}

/// Verifies an inquiry (`POST /callbacks/bidv/inquiry`): partner, `ChuKy` over
/// `MaDoiTac|MaHoaDon|ThoiGian`, then `ThoiGian` within 15 minutes of `now_unix`. On an error,
/// reply [`InquiryReply::refusal`] with [`BidvError::inquiry_code`].
pub fn verify_inquiry(partner: &Partner, body: &[u8], now_unix: i64) -> Result<Inquiry, BidvError> {
    let message = verify_fields(partner, body, wire::INQUIRY)?;
    check_partner(partner, &message)?;
    let sent_at = check_fresh(&required(&message, "ThoiGian")?, now_unix)?;
    Ok(Inquiry {
        bill_code: required(&message, "MaHoaDon")?,
        sent_at,
    })
}

/// PayHub's reply to an inquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryReply {
    /// `MaLoi`.
    pub code: InquiryCode,
    /// `MaHoaDon` (empty when the inquiry could not be read).
    pub bill_code: String,
    /// `SoTien`, only when payable.
    pub amount: Option<Vnd>,
    /// `NoiDung`, only when payable.
    pub description: Option<String>,
    /// `TenKhachHang`, only when payable.
    pub customer_name: Option<String>,
}

impl InquiryReply {
    /// `00`: the bill can be paid, for this amount.
    pub fn payable(
        bill_code: &str,
        amount: Vnd,
        description: &str,
        customer_name: &str,
    ) -> InquiryReply {
        InquiryReply {
            code: InquiryCode::Payable,
            bill_code: bill_code.to_owned(),
            amount: Some(amount),
            description: Some(description.to_owned()),
            customer_name: Some(customer_name.to_owned()),
        }
    }

    /// Any other answer: no amount, no texts.
    pub fn refusal(code: InquiryCode, bill_code: &str) -> InquiryReply {
        InquiryReply {
            code,
            bill_code: bill_code.to_owned(),
            amount: None,
            description: None,
            customer_name: None,
        }
    }

    /// A refusal of an inquiry that failed verification: echoes its `MaHoaDon` when the body is
    /// readable JSON (echoed only, never trusted).
    pub fn refusal_echoing(code: InquiryCode, body: &[u8]) -> InquiryReply {
        InquiryReply::refusal(code, &echo(body, "MaHoaDon"))
    }

    /// The JSON body with `ChuKy` over `MaLoi|MaHoaDon|SoTien` (`SoTien` empty when absent).
    pub fn to_json(&self, partner: &Partner) -> String {
        let body = InquiryReplyBody {
            MaLoi: self.code.as_str(),
            MaHoaDon: &self.bill_code,
            SoTien: self.amount.map(Vnd::dong),
            NoiDung: self.description.as_deref(),
            TenKhachHang: self.customer_name.as_deref(),
        };
        wire::signed_json(partner.secret, wire::INQUIRY_REPLY, &body)
    }
}
