//! Asking a bank to give money back (vnpay.md §3 refund, vcb.md §4, bidv.md §5), and reading
//! its answer into a refund state that tells the truth: `Pending` only when the bank accepted
//! and said so; a bank that cannot be reached, or refuses, is `Failed` with the reason.

use bank_adapters::{bidv, vcb, vnpay, RefundStatus};
use chrono::{DateTime, Utc};

use crate::bank_query::vnpay_transaction_date;
use crate::banks::{bidv_partner, vcb_merchant, vcb_send, vnpay_terminal, BankCallError};
use crate::clock::vietnam;
use crate::domain::bank::BankCode;
use crate::http::AppState;
use crate::store::refunds::{PendingRefund, RefundOutcome};

/// PayHub's own address for `vnp_IpAddr` of server-to-server calls (vnpay.md §3).
const SERVER_IP: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// Whether the bank of this refund is configured, checked before anything is written, so that
/// no refund is ever `pending` without a bank call.
pub fn can_refund(app: &AppState, bank: BankCode, terminal: Option<&str>) -> bool {
    match bank {
        BankCode::Vnpay => vnpay_terminal(&app.config, terminal.unwrap_or_default()).is_some(),
        BankCode::Vcb => vcb_merchant(&app.config).is_some(),
        BankCode::Bidv => bidv_partner(&app.config).is_some(),
    }
}

pub async fn request_refund(
    app: &AppState,
    r: &PendingRefund,
    actor: &str,
    now: DateTime<Utc>,
) -> RefundOutcome {
    let sent = match r.payment.attempt.bank {
        BankCode::Vnpay => refund_vnpay(app, r, actor, now).await,
        BankCode::Vcb => refund_vcb(app, r, now).await,
        BankCode::Bidv => refund_bidv(app, r, now).await,
    };
    sent.unwrap_or_else(|e| RefundOutcome::Failed {
        reason: failure_reason(&e),
    })
}

/// A refused connection means the bank never saw the request. Any other failure (a timeout, an
/// unreadable or forged reply) came after it was sent: the bank may have refunded, so the reason
/// says to check with it before refunding again.
fn failure_reason(e: &BankCallError) -> String {
    match e {
        BankCallError::Unreachable(cause) if cause.is_connect() => e.to_string(),
        BankCallError::Unreachable(_) | BankCallError::Refused(_) => {
            format!("{e}; if the request reached the bank, it may have refunded: check with the bank before refunding again")
        }
        BankCallError::NotConfigured(_) => e.to_string(),
    }
}

fn outcome(status: RefundStatus, bank_refund_id: Option<String>) -> RefundOutcome {
    match status {
        RefundStatus::Succeeded => RefundOutcome::Succeeded { bank_refund_id },
        RefundStatus::Pending => RefundOutcome::Pending { bank_refund_id },
        RefundStatus::Failed => RefundOutcome::Failed {
            reason: "the bank says the refund failed".into(),
        },
        RefundStatus::Unknown(s) => RefundOutcome::Failed {
            reason: format!("the bank answered status {s:?}"),
        },
    }
}

fn refused(e: impl std::fmt::Display) -> BankCallError {
    BankCallError::Refused(e.to_string())
}

async fn refund_vnpay(
    app: &AppState,
    r: &PendingRefund,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<RefundOutcome, BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Vnpay);
    let cfg = app.config.banks.vnpay.as_ref().ok_or_else(not_configured)?;
    let attempt = &r.payment.attempt;
    let terminal = vnpay_terminal(
        &app.config,
        attempt.terminal_code.as_deref().unwrap_or_default(),
    )
    .ok_or_else(not_configured)?;
    let transaction_date = vnpay_transaction_date(attempt)
        .ok_or_else(|| refused("the attempt has no vnp_CreateDate"))?;
    // vnpay.md §3: 02 gives back the whole transaction, 03 a part of it.
    let whole = r.payment.refunded.is_zero() && r.amount == r.payment.amount;
    let request = vnpay::RefundRequest {
        request_id: r.refund_ref.clone(),
        kind: if whole {
            vnpay::RefundKind::Full
        } else {
            vnpay::RefundKind::Partial
        },
        txn_ref: attempt.reference.clone(),
        amount: r.amount,
        transaction_no: Some(r.payment.bank_txn_id.clone()),
        transaction_date,
        create_by: actor.chars().take(64).collect(),
        create_date: now.with_timezone(&vietnam()),
        ip_addr: SERVER_IP,
        order_info: vnpay::sanitize_order_info(&r.reason),
    };
    let body = vnpay::refund_body(&terminal, &request);
    let reply = app
        .http
        .post(&cfg.api_url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let bytes = reply.bytes().await?;
    let answer = vnpay::verify_refund_response(&terminal, &bytes).map_err(refused)?;
    Ok(match (answer.code, answer.status) {
        (vnpay::ApiCode::Ok, Some(status)) => outcome(status, answer.bank_txn_id),
        (code, _) => RefundOutcome::Failed {
            reason: format!("VNPAY refused ({code:?}): {}", answer.message),
        },
    })
}

async fn refund_vcb(
    app: &AppState,
    r: &PendingRefund,
    now: DateTime<Utc>,
) -> Result<RefundOutcome, BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Vcb);
    let cfg = app.config.banks.vcb.as_ref().ok_or_else(not_configured)?;
    let merchant = vcb_merchant(&app.config).ok_or_else(not_configured)?;
    let payment_id = r
        .payment
        .attempt
        .bank_payment_id
        .as_deref()
        .ok_or_else(|| refused("no VCB paymentId"))?;
    let body = vcb::refund_body(&vcb::RefundOrder {
        refund_ref: r.refund_ref.clone(),
        amount: r.amount,
        reason: vnpay::sanitize_order_info(&r.reason),
    });
    let url = format!("{}{}", cfg.base_url, vcb::refund_path(payment_id));
    let received = vcb_send(app, &merchant, url, Some(body), now.timestamp()).await?;
    Ok(
        match vcb::parse_refund_reply(&merchant, &received.reply(), app.clock.now().timestamp()) {
            Ok(receipt) => outcome(receipt.status, Some(receipt.refund_id)),
            // A signed refusal (400, 404): VCB did not take the request.
            Err(e @ (vcb::VcbError::RequestRefused { .. } | vcb::VcbError::NotFound)) => {
                RefundOutcome::Failed {
                    reason: format!("VCB refused: {e}"),
                }
            }
            Err(e) => return Err(refused(e)),
        },
    )
}

async fn refund_bidv(
    app: &AppState,
    r: &PendingRefund,
    now: DateTime<Utc>,
) -> Result<RefundOutcome, BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Bidv);
    let cfg = app.config.banks.bidv.as_ref().ok_or_else(not_configured)?;
    let partner = bidv_partner(&app.config).ok_or_else(not_configured)?;
    let order = bidv::RefundOrder {
        bank_txn_id: r.payment.bank_txn_id.clone(),
        refund_ref: r.refund_ref.clone(),
        amount: r.amount,
        reason: vnpay::sanitize_order_info(&r.reason),
    };
    let body = bidv::refund_body(&partner, &order, now.timestamp());
    let reply = app
        .http
        .post(format!("{}/thuho/v1/refund", cfg.base_url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let bytes = reply.bytes().await?;
    let receipt = bidv::verify_refund_reply(&partner, &r.refund_ref, &bytes).map_err(refused)?;
    Ok(match (receipt.code, receipt.status) {
        // BIDV gives no refund id of its own: our MaHoanTien names it.
        (bidv::ReplyCode::Ok, Some(status)) => outcome(status, Some(receipt.refund_ref)),
        (code, _) => RefundOutcome::Failed {
            reason: format!("BIDV refused ({code:?})"),
        },
    })
}
