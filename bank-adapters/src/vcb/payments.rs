//! PayHub → VCB: create a payment (§1), query it (§3), refund it (§4); and the browser's
//! return (§1), which is verified for display only.

use chrono::{DateTime, FixedOffset};
use serde::de::DeserializeOwned;

use super::notify::read_payment;
use super::signed::{verify_signed, Reply};
use super::wire::{
    self, BeneficiaryBody, CreatePaymentBody, CreatedBody, ErrorBody, RefundCreatedBody,
};
use super::{malformed, Merchant, VcbError};
use crate::signing::{verify_hmac_sha256_hex, HexCase};
use crate::{query, Callback, RefundStatus, TxnStatus, Vnd};

/// The account VCB credits directly (vcb.md: "funds credited by VCB directly to the agency's
/// beneficiary account given in the request").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beneficiary {
    /// `accountNo`, with its leading zeros.
    pub account_no: String,
    /// `bankBin`, `970436` for VCB.
    pub bank_bin: String,
    /// `accountName`.
    pub account_name: String,
}

/// What PayHub asks VCB to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOrder {
    /// `orderRef`: PayHub's attempt reference, unique forever.
    pub order_ref: String,
    /// Whole đồng, sent as a JSON integer.
    pub amount: Vnd,
    /// `description`.
    pub description: String,
    /// `returnUrl` for the browser.
    pub return_url: String,
    /// `notifyUrl` for the signed notification.
    pub notify_url: String,
    /// `expireAt`; any offset, sent in GMT+7.
    pub expire_at: DateTime<FixedOffset>,
    /// Where the money goes.
    pub beneficiary: Beneficiary,
}

/// VCB's `201` to a payment creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedPayment {
    /// `paymentId`.
    pub payment_id: String,
    /// Where to send the browser.
    pub payment_url: String,
    /// Normally [`TxnStatus::Pending`].
    pub status: TxnStatus,
}

/// Which payment to query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentLookup<'a> {
    /// By VCB's `paymentId`.
    PaymentId(&'a str),
    /// By PayHub's `orderRef`.
    OrderRef(&'a str),
}

/// What PayHub asks VCB to give back (partial refunds allowed; their sum may not exceed the payment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOrder {
    /// `refundRef`: PayHub's refund reference.
    pub refund_ref: String,
    /// Whole đồng.
    pub amount: Vnd,
    /// `reason`.
    pub reason: String,
}

/// VCB's `201` to a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReceipt {
    /// `refundId`.
    pub refund_id: String,
    /// Its state.
    pub status: RefundStatus,
}

/// The browser's return from VCB, verified. Display only: it never changes state (vcb.md §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserReturn {
    /// `paymentId`.
    pub payment_id: String,
    /// `orderRef`.
    pub order_ref: String,
    /// `SUCCESS`, `FAILED` or `CANCELLED`, mapped.
    pub status: TxnStatus,
    /// `ts`, Unix seconds.
    pub ts: i64,
}

/// The body of `POST {base}/v1/payments`; sign it with [`super::sign_headers`].
pub fn create_payment_body(merchant: &Merchant, order: &PaymentOrder) -> String {
    let body = CreatePaymentBody {
        merchant_id: merchant.id,
        order_ref: &order.order_ref,
        amount: order.amount.dong(),
        currency: "VND",
        description: &order.description,
        return_url: &order.return_url,
        notify_url: &order.notify_url,
        expire_at: wire::rfc3339_gmt7(&order.expire_at),
        beneficiary: BeneficiaryBody {
            account_no: &order.beneficiary.account_no,
            bank_bin: &order.beneficiary.bank_bin,
            account_name: &order.beneficiary.account_name,
        },
    };
    serde_json::to_string(&body).expect("strings and integers always serialize")
}

/// Reads VCB's reply to a payment creation: `201` → [`CreatedPayment`]; `409` →
/// [`VcbError::DuplicateOrderRef`]; `400` → [`VcbError::RequestRefused`]; `401` →
/// [`VcbError::SignatureRefused`]. Every reply must carry a good signature.
pub fn parse_create_reply(
    merchant: &Merchant,
    reply: &Reply,
    now_unix: i64,
) -> Result<CreatedPayment, VcbError> {
    let created: CreatedBody = read_success(merchant, reply, now_unix, 201)?;
    Ok(CreatedPayment {
        status: wire::payment_status(&created.status, None),
        payment_id: created.payment_id,
        payment_url: created.payment_url,
    })
}

/// The path (and query) of a payment query, to append to `{base}`; GET with an empty body.
pub fn query_path(lookup: PaymentLookup) -> String {
    match lookup {
        PaymentLookup::PaymentId(id) => format!("/v1/payments/{}", query::encode_component(id)),
        PaymentLookup::OrderRef(order_ref) => format!(
            "/v1/payments?orderRef={}",
            query::encode_component(order_ref)
        ),
    }
}

/// Reads a query reply: `200` → the payment as a [`Callback`] (no event id), `404` → `None`.
pub fn parse_query_reply(
    merchant: &Merchant,
    reply: &Reply,
    now_unix: i64,
) -> Result<Option<Callback>, VcbError> {
    match read_success(merchant, reply, now_unix, 200) {
        Ok(payment) => read_payment(merchant, payment).map(Some),
        Err(VcbError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The path of a refund of `payment_id`, to append to `{base}`.
pub fn refund_path(payment_id: &str) -> String {
    format!(
        "/v1/payments/{}/refunds",
        query::encode_component(payment_id)
    )
}

/// The body of a refund request; sign it with [`super::sign_headers`].
pub fn refund_body(order: &RefundOrder) -> String {
    let body = wire::RefundBody {
        refund_ref: &order.refund_ref,
        amount: order.amount.dong(),
        reason: &order.reason,
    };
    serde_json::to_string(&body).expect("strings and integers always serialize")
}

/// Reads VCB's reply to a refund request (`201`).
pub fn parse_refund_reply(
    merchant: &Merchant,
    reply: &Reply,
    now_unix: i64,
) -> Result<RefundReceipt, VcbError> {
    let created: RefundCreatedBody = read_success(merchant, reply, now_unix, 201)?;
    Ok(RefundReceipt {
        refund_id: created.refund_id,
        status: wire::refund_status(&created.status),
    })
}

/// Verifies the browser's return query (`paymentId, orderRef, status, ts, sig`), where `sig` is
/// HMAC-SHA256(secret, `paymentId|orderRef|status|ts`). No freshness check: it only displays, and
/// a citizen may reload the page later.
pub fn verify_return(merchant: &Merchant, query: &str) -> Result<BrowserReturn, VcbError> {
    let pairs = query::decode_pairs(query).map_err(malformed)?;
    let get = |key: &str| {
        let mut values = pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str());
        match (values.next(), values.next()) {
            (Some(value), None) => Ok(value),
            _ => Err(malformed(format!("{key} must appear exactly once"))),
        }
    };
    let (payment_id, order_ref, status, ts) = (
        get("paymentId")?,
        get("orderRef")?,
        get("status")?,
        get("ts")?,
    );
    let message = wire::return_message(payment_id, order_ref, status, ts);
    if !verify_hmac_sha256_hex(merchant.secret, message, get("sig")?, HexCase::Lower) {
        return Err(VcbError::BadSignature);
    }
    Ok(BrowserReturn {
        payment_id: payment_id.to_owned(),
        order_ref: order_ref.to_owned(),
        status: wire::payment_status(status, None),
        ts: ts.parse().map_err(|_| malformed(format!("ts {ts:?}")))?,
    })
}

/// Verifies a reply whatever its status, then reads the expected success body or turns a
/// signed error body into its [`VcbError`]. A status the interface does not define is not read.
fn read_success<T: DeserializeOwned>(
    merchant: &Merchant,
    reply: &Reply,
    now_unix: i64,
    success: u16,
) -> Result<T, VcbError> {
    if !matches!(reply.status, 200 | 201 | 400 | 401 | 404 | 409) {
        return Err(VcbError::UnexpectedReply {
            status: reply.status,
        });
    }
    verify_signed(merchant, &reply.headers, reply.body, now_unix)?;
    if reply.status == success {
        return serde_json::from_slice(reply.body).map_err(malformed);
    }
    if reply.status / 100 == 2 {
        return Err(VcbError::UnexpectedReply {
            status: reply.status,
        });
    }
    let error: ErrorBody = serde_json::from_slice(reply.body).map_err(malformed)?;
    Err(match (reply.status, error.code.as_str()) {
        (409, "DUPLICATE_ORDER_REF") => VcbError::DuplicateOrderRef,
        (401, _) => VcbError::SignatureRefused,
        (404, _) => VcbError::NotFound,
        (status, _) => VcbError::RequestRefused {
            status,
            code: error.code,
            message: error.message,
        },
    })
}
