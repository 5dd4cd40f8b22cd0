//! VNPAY (vnpay.md): the payment URL, querydr, refund and the reference statement. VNPAY needs no
//! call to start a payment: the signed URL is the start.

use std::net::{IpAddr, Ipv4Addr};

use bank_adapters::vnpay;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use secrecy::ExposeSecret;

use super::{
    post_json, refund_outcome, refused, report, BankCallError, FetchError, QueryAnswer,
    StartedPayment,
};
use crate::app::AppState;
use crate::clock::vietnam;
use crate::config::{Config, VnpayConfig};
use crate::domain::attempt::Attempt;
use crate::domain::bank::BankCode;
use crate::domain::order::Order;
use crate::domain::refund::{PendingRefund, RefundOutcome};

/// PayHub's own address for `vnp_IpAddr` of server-to-server calls (vnpay.md §3).
const SERVER_IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

const CREATE_DATE_FORMAT: &str = "%Y%m%d%H%M%S";

/// The configured terminal `code`, borrowed from the configuration.
pub fn terminal<'a>(config: &'a Config, code: &str) -> Option<vnpay::Terminal<'a>> {
    let vnpay = config.banks.vnpay.as_ref()?;
    let t = vnpay.terminals.iter().find(|t| t.code == code)?;
    Some(vnpay::Terminal {
        code: &t.code,
        hash_secret: t.hash_secret.expose_secret(),
    })
}

fn configured<'a>(
    config: &'a Config,
    attempt: &Attempt,
) -> Result<(&'a VnpayConfig, vnpay::Terminal<'a>), BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Vnpay);
    let cfg = config.banks.vnpay.as_ref().ok_or_else(not_configured)?;
    let code = attempt.terminal_code.as_deref().unwrap_or_default();
    Ok((cfg, terminal(config, code).ok_or_else(not_configured)?))
}

/// `vnp_CreateDate` for an attempt created at `at`: stored, because querydr must repeat it.
pub fn create_date(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam())
        .format(CREATE_DATE_FORMAT)
        .to_string()
}

/// The attempt's `vnp_CreateDate`, which querydr and refund repeat as `vnp_TransactionDate`
/// (vnpay.md §3). An attempt without one stored (made before PayHub stored it) was created at
/// its `created_at`, the instant its `vnp_CreateDate` was taken from.
fn transaction_date(attempt: &Attempt) -> DateTime<FixedOffset> {
    attempt
        .bank_create_date
        .as_deref()
        .and_then(|text| NaiveDateTime::parse_from_str(text, CREATE_DATE_FORMAT).ok())
        .and_then(|naive| vietnam().from_local_datetime(&naive).single())
        .unwrap_or_else(|| attempt.created_at.with_timezone(&vietnam()))
}

pub(super) fn start(
    app: &AppState,
    order: &Order,
    attempt: &Attempt,
) -> Result<StartedPayment, BankCallError> {
    let (cfg, terminal) = configured(&app.config, attempt)?;
    let ip = attempt.client_ip.as_deref().and_then(|ip| ip.parse().ok());
    let request = vnpay::PaymentRequest {
        txn_ref: attempt.reference.clone(),
        amount: attempt.amount,
        order_info: vnpay::sanitize_order_info(&super::description(order)),
        order_type: "billpayment".into(),
        create_date: transaction_date(attempt),
        expire_date: order.expires_at.with_timezone(&vietnam()),
        ip_addr: ip.unwrap_or(SERVER_IP),
        locale: vnpay::Locale::Vn,
        return_url: format!("{}/return/vnpay", app.config.server.public_url),
        bank_code: None,
    };
    let url = vnpay::payment_url(&cfg.pay_url, &terminal, &request).map_err(refused)?;
    Ok(StartedPayment {
        url,
        bank_payment_id: None,
    })
}

/// querydr for `attempt` at `now`. The request id is a fresh UUID: vnpay.md §3 wants it unique
/// per day, and a repeat within 5 minutes is refused (`94`), so neither the reference nor the
/// clock may make it.
fn querydr_request(attempt: &Attempt, now: DateTime<Utc>) -> vnpay::QueryDrRequest {
    vnpay::QueryDrRequest {
        request_id: uuid::Uuid::new_v4().simple().to_string(),
        txn_ref: attempt.reference.clone(),
        order_info: format!("Truy van giao dich {}", attempt.reference),
        transaction_no: None,
        transaction_date: transaction_date(attempt),
        create_date: now.with_timezone(&vietnam()),
        ip_addr: SERVER_IP,
    }
}

/// What querydr's answer means: `00` with a transaction is an answer, `91` is "not found", any
/// other code a refusal.
fn query_answer(answer: vnpay::QueryDrAnswer) -> Result<QueryAnswer, BankCallError> {
    match (answer.code, answer.transaction) {
        (vnpay::ApiCode::Ok, Some(cb)) => Ok(QueryAnswer::Found(report(cb))),
        (vnpay::ApiCode::NotFound, _) => Ok(QueryAnswer::NotFound),
        (code, _) => Err(refused(format!("querydr {code:?}: {}", answer.message))),
    }
}

pub(super) async fn query(app: &AppState, attempt: &Attempt) -> Result<QueryAnswer, BankCallError> {
    let (cfg, terminal) = configured(&app.config, attempt)?;
    let body = vnpay::querydr_body(&terminal, &querydr_request(attempt, app.clock.now()));
    let reply = post_json(app, &cfg.api_url, body).await?;
    query_answer(vnpay::verify_querydr_response(&terminal, &reply).map_err(refused)?)
}

pub(super) async fn refund(
    app: &AppState,
    r: &PendingRefund,
    actor: &str,
) -> Result<RefundOutcome, BankCallError> {
    let attempt = &r.payment.attempt;
    let (cfg, terminal) = configured(&app.config, attempt)?;
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
        transaction_date: transaction_date(attempt),
        create_by: actor.chars().take(64).collect(),
        create_date: app.clock.now().with_timezone(&vietnam()),
        ip_addr: SERVER_IP,
        order_info: vnpay::sanitize_order_info(&r.reason),
    };
    let reply = post_json(app, &cfg.api_url, vnpay::refund_body(&terminal, &request)).await?;
    let answer = vnpay::verify_refund_response(&terminal, &reply).map_err(refused)?;
    Ok(match (answer.code, answer.status) {
        (vnpay::ApiCode::Ok, Some(status)) => refund_outcome(status, answer.bank_txn_id),
        (code, _) => RefundOutcome::Failed {
            reason: format!("VNPAY refused ({code:?}): {}", answer.message),
        },
    })
}

pub(super) async fn statement(
    app: &AppState,
    date: chrono::NaiveDate,
) -> Result<Vec<u8>, FetchError> {
    let bank = BankCode::Vnpay;
    let cfg = (app.config.banks.vnpay.as_ref()).ok_or(FetchError::NotConfigured(bank))?;
    let url = vnpay::statement_url(&cfg.api_url, date).ok_or_else(|| {
        FetchError::Refused(bank, format!("api_url {:?} is not a URL", cfg.api_url))
    })?;
    super::get_file(app, bank, &url).await
}

pub(super) fn return_is_genuine(config: &Config, query: &str) -> bool {
    vnpay::verify_return(query, |code| config.vnpay_secret(code)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(bank_create_date: Option<&str>) -> Attempt {
        Attempt {
            bank_create_date: bank_create_date.map(str::to_owned),
            ..crate::banks::test_attempt(BankCode::Vnpay)
        }
    }

    #[test]
    fn querydr_repeats_the_stored_create_date_and_falls_back_to_the_creation_time() {
        let now = Utc::now();
        let stored = querydr_request(&attempt(Some("20260530210455")), now);
        assert_eq!(
            stored
                .transaction_date
                .format(CREATE_DATE_FORMAT)
                .to_string(),
            "20260530210455"
        );
        let missing = querydr_request(&attempt(None), now);
        assert_eq!(
            missing
                .transaction_date
                .format(CREATE_DATE_FORMAT)
                .to_string(),
            "20260530210300"
        );
    }

    #[test]
    fn two_queries_at_the_same_instant_carry_different_request_ids_of_at_most_32_characters() {
        let now = Utc::now();
        let (a, b) = (attempt(None), attempt(None));
        let (one, two) = (querydr_request(&a, now), querydr_request(&b, now));
        assert_ne!(one.request_id, two.request_id);
        assert!(one.request_id.len() <= 32, "{}", one.request_id);
        assert_eq!(one.order_info, "Truy van giao dich A7K2M9Q4XYZ1");
    }

    #[test]
    fn querydr_91_is_not_found_and_other_refusals_are_errors() {
        let answer = |code| vnpay::QueryDrAnswer {
            code,
            message: String::new(),
            transaction: None,
        };
        assert!(matches!(
            query_answer(answer(vnpay::ApiCode::NotFound)),
            Ok(QueryAnswer::NotFound)
        ));
        assert!(query_answer(answer(vnpay::ApiCode::BadFormat)).is_err());
        assert!(query_answer(answer(vnpay::ApiCode::Ok)).is_err());
    }
}
