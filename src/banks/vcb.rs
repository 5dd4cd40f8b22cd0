//! Vietcombank (vcb.md): every request and reply signed with the `X-VCB-*` headers, which the
//! adapter makes and checks; this file sends them.

use bank_adapters::vcb;
use chrono::NaiveDate;
use secrecy::ExposeSecret;

use super::{
    refund_outcome, refused, report, BankCallError, FetchError, QueryAnswer, StartedPayment,
};
use crate::app::AppState;
use crate::clock::vietnam;
use crate::config::{Config, VcbConfig};
use crate::domain::attempt::Attempt;
use crate::domain::bank::BankCode;
use crate::domain::order::Order;
use crate::domain::refund::{PendingRefund, RefundOutcome};

/// The configured merchant, borrowed from the configuration.
pub fn merchant(config: &Config) -> Option<vcb::Merchant<'_>> {
    let c = config.banks.vcb.as_ref()?;
    Some(vcb::Merchant {
        id: &c.merchant_id,
        secret: c.secret.expose_secret(),
    })
}

fn configured(config: &Config) -> Result<(&VcbConfig, vcb::Merchant<'_>), BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Vcb);
    let cfg = config.banks.vcb.as_ref().ok_or_else(not_configured)?;
    Ok((cfg, merchant(config).ok_or_else(not_configured)?))
}

/// A VCB reply as it arrived; [`Received::reply`] lends it to the adapter, which checks its
/// signature.
struct Received {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Received {
    fn reply(&self) -> vcb::Reply<'_> {
        vcb::Reply {
            status: self.status,
            headers: vcb::SignedHeaders::from_lookup(|name| {
                self.headers.get(name).and_then(|v| v.to_str().ok())
            }),
            body: &self.body,
        }
    }
}

/// Sends one request to VCB's API signed now as vcb.md "Signing" says: over the JSON body, or
/// over the empty body for a GET (`body` `None`).
async fn send(
    app: &AppState,
    merchant: &vcb::Merchant<'_>,
    url: String,
    body: Option<String>,
) -> Result<Received, reqwest::Error> {
    let signed_over = body.as_deref().unwrap_or("");
    let mut request = match &body {
        Some(_) => (app.http.post(url)).header("content-type", "application/json"),
        None => app.http.get(url),
    };
    let now = app.clock.now().timestamp();
    for (name, value) in vcb::sign_headers(merchant, now, signed_over.as_bytes()) {
        request = request.header(name, value);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let reply = request.send().await?;
    Ok(Received {
        status: reply.status().as_u16(),
        headers: reply.headers().clone(),
        body: reply.bytes().await?.to_vec(),
    })
}

pub(super) async fn start(
    app: &AppState,
    order: &Order,
    attempt: &Attempt,
) -> Result<StartedPayment, BankCallError> {
    let (cfg, merchant) = configured(&app.config)?;
    let public_url = &app.config.server.public_url;
    let body = vcb::create_payment_body(
        &merchant,
        &vcb::PaymentOrder {
            order_ref: attempt.reference.clone(),
            amount: attempt.amount,
            description: vcb::plain_text(&super::description(order)),
            return_url: format!("{public_url}/return/vcb"),
            notify_url: format!("{public_url}/callbacks/vcb"),
            expire_at: order.expires_at.with_timezone(&vietnam()),
            beneficiary: vcb::Beneficiary {
                account_no: attempt.account_no.clone(),
                bank_bin: attempt.bank_bin.clone(),
                account_name: attempt.account_name.clone(),
            },
        },
    );
    let url = format!("{}{}", cfg.base_url, vcb::PAYMENTS_PATH);
    let received = send(app, &merchant, url, Some(body)).await?;
    let created =
        vcb::parse_create_reply(&merchant, &received.reply(), app.clock.now().timestamp())
            .map_err(refused)?;
    Ok(StartedPayment {
        url: created.payment_url,
        bank_payment_id: Some(created.payment_id),
    })
}

/// vcb.md §3 offers two keys; PayHub asks by `orderRef`, its own attempt reference, "unique
/// forever" (§1) and known even when the reply that carried VCB's `paymentId` was lost.
fn lookup(attempt: &Attempt) -> vcb::PaymentLookup<'_> {
    vcb::PaymentLookup::OrderRef(&attempt.reference)
}

/// vcb.md §3: signed over the empty body; the reply is signed too. `404` is "not found".
pub(super) async fn query(app: &AppState, attempt: &Attempt) -> Result<QueryAnswer, BankCallError> {
    let (cfg, merchant) = configured(&app.config)?;
    let url = format!("{}{}", cfg.base_url, vcb::query_path(lookup(attempt)));
    let received = send(app, &merchant, url, None).await?;
    let now = app.clock.now().timestamp();
    Ok(
        match vcb::parse_query_reply(&merchant, &received.reply(), now).map_err(refused)? {
            Some(cb) => QueryAnswer::Found(report(cb)),
            None => QueryAnswer::NotFound,
        },
    )
}

pub(super) async fn refund(
    app: &AppState,
    r: &PendingRefund,
) -> Result<RefundOutcome, BankCallError> {
    let (cfg, merchant) = configured(&app.config)?;
    let payment_id = (r.payment.attempt.bank_payment_id.as_deref())
        .ok_or_else(|| refused("no VCB paymentId"))?;
    let body = vcb::refund_body(&vcb::RefundOrder {
        refund_ref: r.refund_ref.clone(),
        amount: r.amount,
        reason: vcb::plain_text(&r.reason),
    });
    let url = format!("{}{}", cfg.base_url, vcb::refund_path(payment_id));
    let received = send(app, &merchant, url, Some(body)).await?;
    let now = app.clock.now().timestamp();
    Ok(
        match vcb::parse_refund_reply(&merchant, &received.reply(), now) {
            Ok(receipt) => refund_outcome(receipt.status, Some(receipt.refund_id)),
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

/// vcb.md §5: signed like any response (checked on the exact bytes); `404` until the day closes.
pub(super) async fn statement(app: &AppState, date: NaiveDate) -> Result<Vec<u8>, FetchError> {
    let bank = BankCode::Vcb;
    let (cfg, merchant) = configured(&app.config).map_err(|_| FetchError::NotConfigured(bank))?;
    let url = format!("{}{}", cfg.base_url, vcb::statement_path(date));
    let received = send(app, &merchant, url, None)
        .await
        .map_err(|e| FetchError::Unreachable(bank, e))?;
    let reply = received.reply();
    let now = app.clock.now().timestamp();
    match (
        reply.status,
        vcb::verify_signed(&merchant, &reply.headers, reply.body, now),
    ) {
        (200, Ok(())) => Ok(reply.body.to_vec()),
        (404, Ok(())) => Err(FetchError::NotClosed { bank, date }),
        (_, Err(e)) => Err(FetchError::Refused(bank, e.to_string())),
        (other, Ok(())) => Err(FetchError::Refused(bank, format!("HTTP {other}"))),
    }
}

pub(super) fn return_is_genuine(config: &Config, query: &str) -> bool {
    merchant(config).is_some_and(|m| vcb::verify_return(&m, query).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_is_looked_up_by_its_own_reference_even_when_vcb_gave_a_payment_id() {
        let attempt = Attempt {
            bank_payment_id: Some("VCB2605300000123".into()),
            ..crate::banks::test_attempt(BankCode::Vcb)
        };
        assert_eq!(
            vcb::query_path(lookup(&attempt)),
            "/v1/payments?orderRef=A7K2M9Q4XYZ1"
        );
    }
}
