//! B1's traffic: pending attempts created through PayHub's API and checkout, then one signed
//! success callback per attempt, signed before the clock starts: VNPAY IPNs (a `GET` with an
//! HMAC-SHA512 query, vnpay.md §2) and VCB notifications (a `POST` with `X-VCB-*` headers,
//! vcb.md §2) and VCB credit notifications of VietQR transfers (a `POST` to
//! `/callbacks/vcb/credits`, vietqr.md §4, whose content names the attempt among a bank's prefix
//! and the payer's words), in turn.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use bank_adapters::vcb::{self, PaymentLookup};
use bank_adapters::vietqr::Credit;
use bank_adapters::vnpay::wire::{amount_x100, canonical_query, secure_hash};
use bank_adapters::{BankCode, Vnd};
use chrono::{FixedOffset, Utc};
use serde_json::json;

use crate::api::{Api, ORDER_AMOUNT, VCB_ACCOUNT, VNPAY_TERMINAL};

/// The bench's bank credentials; `bench/run-all.sh` writes the same into PayHub's config.
pub const VNPAY_SECRET: &str = "BENCHSECRETVNPAY0123456789ABCDEF";
pub const VCB_MERCHANT: &str = "PAYHUB01";
pub const VCB_SECRET: &str = "bench-vcb-secret-0123456789";

/// An attempt PayHub holds as redirected, waiting for its bank.
pub struct PendingAttempt {
    pub order_id: String,
    pub bank: &'static str,
    pub reference: String,
    /// VCB's `paymentId` (from the redirect); empty for VNPAY.
    pub payment_id: String,
}

/// One pre-built, signed callback.
pub enum SignedCallback {
    Vnpay {
        order_id: String,
        query: String,
    },
    Vcb {
        order_id: String,
        body: String,
        headers: [(&'static str, String); 3],
    },
    /// A VCB credit notification (VietQR).
    VcbCredit {
        order_id: String,
        body: String,
        headers: [(&'static str, String); 3],
    },
}

impl SignedCallback {
    pub fn order_id(&self) -> &str {
        match self {
            SignedCallback::Vnpay { order_id, .. }
            | SignedCallback::Vcb { order_id, .. }
            | SignedCallback::VcbCredit { order_id, .. } => order_id,
        }
    }

    /// Sends it; `Ok` only when PayHub acknowledged it the way the bank stops retrying.
    pub async fn send(&self, api: &Api) -> Result<(), String> {
        let request = match self {
            SignedCallback::Vnpay { query, .. } => api
                .http
                .get(format!("{}?{query}", api.url("/callbacks/vnpay/ipn"))),
            SignedCallback::Vcb { body, headers, .. }
            | SignedCallback::VcbCredit { body, headers, .. } => {
                let path = match self {
                    SignedCallback::VcbCredit { .. } => vcb::CREDITS_CALLBACK_PATH,
                    _ => "/callbacks/vcb",
                };
                let mut r = api
                    .http
                    .post(api.url(path))
                    .header("content-type", "application/json")
                    .body(body.clone());
                for (name, value) in headers {
                    r = r.header(*name, value);
                }
                r
            }
        };
        let reply = request.send().await.map_err(|e| e.to_string())?;
        let status = reply.status().as_u16();
        let body = reply.text().await.map_err(|e| e.to_string())?;
        // VNPAY stops on RspCode 00 (confirmed) or 02 (already confirmed); VCB on code 00.
        let acknowledged = status == 200
            && (body.contains("\"RspCode\":\"00\"")
                || body.contains("\"RspCode\":\"02\"")
                || body.contains("\"code\":\"00\""));
        if acknowledged {
            Ok(())
        } else {
            Err(format!("callback not acknowledged: {status} {body}"))
        }
    }
}

/// The VNPAY redirect carries the reference in `vnp_TxnRef`; VCB's is `{base}/pay/{paymentId}`,
/// and its reference (`orderRef`) is read back from the VCB simulator's query API.
pub async fn pending_attempt(
    api: &Api,
    vcb_base: &str,
    order_id: String,
    bank: &'static str,
) -> anyhow::Result<PendingAttempt> {
    let location = api.checkout(&order_id, bank).await?;
    if bank == "vietqr" {
        // PayHub's own QR page: `/checkout/{id}/vietqr/{reference}`.
        let reference = location.rsplit('/').next().context("a QR page")?.to_owned();
        return Ok(PendingAttempt {
            order_id,
            bank,
            reference,
            payment_id: String::new(),
        });
    }
    if bank == "vnpay" {
        let query = location.split_once('?').map_or("", |(_, q)| q);
        let reference = form_value(query, "vnp_TxnRef").context("vnp_TxnRef in the redirect")?;
        return Ok(PendingAttempt {
            order_id,
            bank,
            reference,
            payment_id: String::new(),
        });
    }
    let payment_id = location
        .rsplit('/')
        .next()
        .context("a VCB payment URL")?
        .to_owned();
    let merchant = vcb_merchant();
    let now = unix_now();
    let mut request = api.http.get(format!(
        "{vcb_base}{}",
        vcb::query_path(PaymentLookup::PaymentId(&payment_id))
    ));
    for (name, value) in vcb::sign_headers(&merchant, now, b"") {
        request = request.header(name, value);
    }
    let reply = request.send().await?;
    let status = reply.status().as_u16();
    let headers = reply.headers().clone();
    let body = reply.bytes().await?;
    let signed =
        vcb::SignedHeaders::from_lookup(|name| headers.get(name).and_then(|v| v.to_str().ok()));
    let reply = vcb::Reply {
        status,
        headers: signed,
        body: &body,
    };
    let payment = vcb::parse_query_reply(&merchant, &reply, unix_now())
        .map_err(|e| anyhow::anyhow!("VCB query: {e}"))?
        .context("VCB knows the payment it created")?;
    Ok(PendingAttempt {
        order_id,
        bank,
        reference: payment.reference,
        payment_id,
    })
}

fn form_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.to_owned())
    })
}

fn vcb_merchant() -> vcb::Merchant<'static> {
    vcb::Merchant {
        id: VCB_MERCHANT,
        secret: VCB_SECRET,
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// The bank's success callback for `attempt`, with a bank transaction id unique to `seq`.
pub fn sign_success(attempt: &PendingAttempt, seq: usize) -> SignedCallback {
    let gmt7 = FixedOffset::east_opt(7 * 3600).expect("GMT+7");
    let now = Utc::now().with_timezone(&gmt7);
    let amount = Vnd::from_dong(ORDER_AMOUNT).expect("a whole amount");
    if attempt.bank == "vnpay" {
        let fields = [
            ("vnp_Amount", amount_x100(amount)),
            ("vnp_BankCode", "NCB".to_owned()),
            ("vnp_BankTranNo", format!("VNP{seq}")),
            ("vnp_CardType", "ATM".to_owned()),
            ("vnp_OrderInfo", "Thanh toan ho so".to_owned()),
            ("vnp_PayDate", now.format("%Y%m%d%H%M%S").to_string()),
            ("vnp_ResponseCode", "00".to_owned()),
            ("vnp_TmnCode", VNPAY_TERMINAL.to_owned()),
            ("vnp_TransactionNo", (10_000_000 + seq).to_string()),
            ("vnp_TransactionStatus", "00".to_owned()),
            ("vnp_TxnRef", attempt.reference.clone()),
        ];
        let canonical = canonical_query(fields.iter().map(|(k, v)| (*k, v.as_str())));
        let hash = secure_hash(VNPAY_SECRET, &canonical);
        return SignedCallback::Vnpay {
            order_id: attempt.order_id.clone(),
            query: format!("{canonical}&vnp_SecureHash={hash}"),
        };
    }
    if attempt.bank == "vietqr" {
        let body = vcb::credit_body(&Credit {
            bank: BankCode::Vcb,
            merchant: VCB_MERCHANT.to_owned(),
            event_id: format!("CR-BENCH-{seq}"),
            account_no: VCB_ACCOUNT.to_owned(),
            amount,
            currency_is_vnd: true,
            bank_txn_id: format!("FTQ{}{seq:09}", now.format("%y%j")),
            credited_at: now,
            content: format!(
                "MBVCB.{seq}.PH {}.Nguyen Van A chuyen tien",
                attempt.reference
            ),
            counterparty: None,
        });
        let headers = vcb::sign_headers(&vcb_merchant(), unix_now(), body.as_bytes());
        return SignedCallback::VcbCredit {
            order_id: attempt.order_id.clone(),
            body,
            headers,
        };
    }
    let body = json!({"eventId": format!("EVT-BENCH-{seq}"), "paymentId": attempt.payment_id,
        "orderRef": attempt.reference, "status": "SUCCESS", "amount": ORDER_AMOUNT,
        "currency": "VND", "bankTxnId": format!("FT{}{seq:09}", now.format("%y%j")),
        "paidAt": now.to_rfc3339(), "creditAccountNo": VCB_ACCOUNT, "failureReason": null})
    .to_string();
    let headers = vcb::sign_headers(&vcb_merchant(), unix_now(), body.as_bytes());
    SignedCallback::Vcb {
        order_id: attempt.order_id.clone(),
        body,
        headers,
    }
}
