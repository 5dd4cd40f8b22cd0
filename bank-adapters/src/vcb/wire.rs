//! VCB's wire format (vcb.md, PayHub's reference interface until the contract's document
//! replaces it): header names, the signed strings, JSON bodies and what its states mean.
// Body fields are VCB's JSON names in snake case; their meaning is in the spec section each
// struct cites, so they carry no docs of their own.
#![allow(missing_docs)]

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::signing::hmac_sha256_hex;
use crate::{compact_time, RefundStatus, TxnStatus};

/// The merchant id header.
pub const HEADER_MERCHANT: &str = "X-VCB-Merchant";
/// The Unix-seconds timestamp header.
pub const HEADER_TIMESTAMP: &str = "X-VCB-Timestamp";
/// The signature header.
pub const HEADER_SIGNATURE: &str = "X-VCB-Signature";
/// vcb.md "Signing": a timestamp more than 300 s from the receiver's clock is refused.
pub const MAX_SKEW_SECS: i64 = 300;

/// `X-VCB-Signature`: lowercase hex HMAC-SHA256(secret, timestamp + "." + raw body bytes).
pub fn body_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    hmac_sha256_hex(secret, signed_message(timestamp, body))
}

/// The bytes `X-VCB-Signature` covers: `timestamp + "." + raw body`.
pub fn signed_message(timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + 1 + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'.');
    message.extend_from_slice(body);
    message
}

/// The message the return URL's `sig` covers (vcb.md §1): `paymentId|orderRef|status|ts`.
pub fn return_message(payment_id: &str, order_ref: &str, status: &str, ts: &str) -> String {
    format!("{payment_id}|{order_ref}|{status}|{ts}")
}

/// `expireAt`: RFC 3339 in GMT+7, as in vcb.md's example (`2026-05-30T22:15:00+07:00`).
pub fn rfc3339_gmt7(at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&compact_time::gmt7())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// A payment's `status` (vcb.md §1–§3).
pub fn payment_status(status: &str, failure_reason: Option<&str>) -> TxnStatus {
    match status {
        "SUCCESS" => TxnStatus::Paid,
        "FAILED" => TxnStatus::Failed {
            code: failure_reason.unwrap_or("FAILED").to_owned(),
        },
        "CANCELLED" => TxnStatus::Cancelled,
        "PENDING" => TxnStatus::Pending,
        other => TxnStatus::Unknown(other.to_owned()),
    }
}

/// A refund's `status` (vcb.md §4).
pub fn refund_status(status: &str) -> RefundStatus {
    match status {
        "PENDING" => RefundStatus::Pending,
        "SUCCESS" => RefundStatus::Succeeded,
        "FAILED" => RefundStatus::Failed,
        other => RefundStatus::Unknown(other.to_owned()),
    }
}

/// `POST /v1/payments` body. `amount` is a JSON integer of whole VND.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePaymentBody<'a> {
    pub merchant_id: &'a str,
    pub order_ref: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    pub description: &'a str,
    pub return_url: &'a str,
    pub notify_url: &'a str,
    pub expire_at: String,
    pub beneficiary: BeneficiaryBody<'a>,
}

/// The account VCB credits directly.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BeneficiaryBody<'a> {
    pub account_no: &'a str,
    pub bank_bin: &'a str,
    pub account_name: &'a str,
}

/// `201` reply to a payment creation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedBody {
    pub payment_id: String,
    pub payment_url: String,
    pub status: String,
}

/// Any error reply: `{"code":"DUPLICATE_ORDER_REF"}`, `{"code":"INVALID_REQUEST","message":…}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: Option<String>,
}

/// A payment as notified (§2) or queried (§3, without `eventId`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentBody {
    pub event_id: Option<String>,
    pub payment_id: String,
    pub order_ref: String,
    pub status: String,
    pub amount: i64,
    pub currency: String,
    pub bank_txn_id: Option<String>,
    pub paid_at: Option<DateTime<FixedOffset>>,
    pub credit_account_no: Option<String>,
    pub failure_reason: Option<String>,
}

/// `POST /v1/payments/{paymentId}/refunds` body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundBody<'a> {
    pub refund_ref: &'a str,
    pub amount: i64,
    pub reason: &'a str,
}

/// `201` reply to a refund.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundCreatedBody {
    pub refund_id: String,
    pub status: String,
}

/// PayHub's reply to a notification: `{"code":"00","message":"OK"}`.
#[derive(Debug, Serialize)]
pub struct NotifyReplyBody<'a> {
    pub code: &'a str,
    pub message: &'a str,
}

/// vietqr.md §4: the VCB credit notification body (`POST /callbacks/vcb/credits`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditBody {
    pub event_id: String,
    pub account_no: String,
    pub amount: i64,
    pub currency: String,
    pub bank_txn_id: String,
    pub credited_at: DateTime<FixedOffset>,
    pub content: String,
    #[serde(default)]
    pub counter_bank_bin: Option<String>,
    #[serde(default)]
    pub counter_account_no: Option<String>,
    #[serde(default)]
    pub counter_name: Option<String>,
}
