//! The signed payment URL the citizen's browser is redirected to (vnpay.md §1).

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset};

use super::wire::{self, canonical_query, secure_hash};
use super::{Terminal, VnpayError};
use crate::{compact_time, Vnd};

/// `vnp_Locale`: the language of VNPAY's payment page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// `vn`.
    Vn,
    /// `en`.
    En,
}

impl Locale {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Vn => "vn",
            Locale::En => "en",
        }
    }
}

/// What PayHub asks VNPAY to collect (vnpay.md §1 field table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// `vnp_TxnRef`: PayHub's attempt reference, `[A-Za-z0-9]`, unique per day.
    pub txn_ref: String,
    /// Whole đồng; sent ×100.
    pub amount: Vnd,
    /// `vnp_OrderInfo`: at most 255 characters, none of `*~!'()`. Pass it through
    /// [`super::sanitize_order_info`] first: ASCII without diacritics is safest.
    pub order_info: String,
    /// `vnp_OrderType`: `billpayment` for fees.
    pub order_type: String,
    /// `vnp_CreateDate`; any offset, sent as GMT+7 wall clock.
    pub create_date: DateTime<FixedOffset>,
    /// `vnp_ExpireDate`; any offset, sent as GMT+7 wall clock.
    pub expire_date: DateTime<FixedOffset>,
    /// `vnp_IpAddr`: the citizen's address.
    pub ip_addr: IpAddr,
    /// `vnp_Locale`.
    pub locale: Locale,
    /// `vnp_ReturnUrl`: PayHub's browser return URL for VNPAY.
    pub return_url: String,
    /// `vnp_BankCode`; `None` lets the citizen choose at VNPAY.
    pub bank_code: Option<String>,
}

/// Characters that encoders disagree on (vnpay.md §1: "strip those characters").
pub(super) const AMBIGUOUS: [char; 6] = ['*', '~', '!', '\'', '(', ')'];

/// Builds `pay_url?<canonical>&vnp_SecureHash=<hash>` (vnpay.md §1). Refuses a request VNPAY
/// would reject or that would sign ambiguously, rather than altering it silently.
pub fn payment_url(
    pay_url: &str,
    terminal: &Terminal,
    request: &PaymentRequest,
) -> Result<String, VnpayError> {
    check(request)?;
    let amount = wire::amount_x100(request.amount);
    let create_date = compact_time::format(&request.create_date);
    let expire_date = compact_time::format(&request.expire_date);
    let ip_addr = request.ip_addr.to_string();
    let mut fields = vec![
        ("vnp_Version", wire::VERSION),
        ("vnp_Command", "pay"),
        ("vnp_TmnCode", terminal.code),
        ("vnp_Amount", &amount),
        ("vnp_CurrCode", "VND"),
        ("vnp_CreateDate", &create_date),
        ("vnp_ExpireDate", &expire_date),
        ("vnp_IpAddr", &ip_addr),
        ("vnp_Locale", request.locale.as_str()),
        ("vnp_OrderInfo", &request.order_info),
        ("vnp_OrderType", &request.order_type),
        ("vnp_ReturnUrl", &request.return_url),
        ("vnp_TxnRef", &request.txn_ref),
    ];
    if let Some(bank_code) = &request.bank_code {
        fields.push(("vnp_BankCode", bank_code));
    }
    let canonical = canonical_query(fields);
    let hash = secure_hash(terminal.hash_secret, &canonical);
    let separator = if pay_url.contains('?') { '&' } else { '?' };
    Ok(format!(
        "{pay_url}{separator}{canonical}&vnp_SecureHash={hash}"
    ))
}

fn check(request: &PaymentRequest) -> Result<(), VnpayError> {
    let invalid = |reason: &str| Err(VnpayError::InvalidRequest(reason.to_owned()));
    if request.txn_ref.is_empty() || !request.txn_ref.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return invalid("vnp_TxnRef must be letters and digits only");
    }
    if request.amount.is_zero() {
        return invalid("vnp_Amount must be more than 0");
    }
    if request.order_info.trim().is_empty() || request.order_info.chars().count() > 255 {
        return invalid("vnp_OrderInfo must have 1 to 255 characters");
    }
    if request.order_info.contains(AMBIGUOUS) {
        return invalid("vnp_OrderInfo must not contain * ~ ! ' ( )");
    }
    if request.order_type.is_empty() || request.return_url.is_empty() {
        return invalid("vnp_OrderType and vnp_ReturnUrl are required");
    }
    if request.expire_date <= request.create_date {
        return invalid("vnp_ExpireDate must be after vnp_CreateDate");
    }
    if request.bank_code.as_deref() == Some("") {
        return invalid("vnp_BankCode must be omitted rather than empty");
    }
    Ok(())
}
