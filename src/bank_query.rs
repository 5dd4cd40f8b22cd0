//! Asking a bank how one attempt stands (vnpay.md §3 querydr, vcb.md §3, bidv.md §4). The
//! adapters build and verify; this module does the I/O and turns every answer into a verified
//! `Callback` for `apply_callback`, or says why there is none yet.

use bank_adapters::{bidv, vcb, vnpay, Callback, CallbackDetail, TxnStatus};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::banks::{bidv_partner, vcb_merchant, vcb_send, vnpay_terminal, BankCallError};
use crate::clock::vietnam;
use crate::domain::bank::BankCode;
use crate::http::AppState;
use crate::store::attempts::Attempt;

/// What the bank said about an attempt.
#[derive(Debug)]
pub enum QueryAnswer {
    /// A result to apply (paid, failed, or still pending at the bank).
    Found(Box<Callback>),
    /// The bank does not know the attempt (yet): the citizen may never have reached it.
    NotFound,
}

/// PayHub's own address for `vnp_IpAddr` of server-to-server calls (vnpay.md §3).
const SERVER_IP: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

pub async fn query_attempt(
    app: &AppState,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<QueryAnswer, BankCallError> {
    let answer = match attempt.bank {
        BankCode::Vnpay => query_vnpay(app, attempt, now).await?,
        BankCode::Vcb => query_vcb(app, attempt, now).await?,
        BankCode::Bidv => query_bidv(app, attempt, now).await?,
    };
    // The adapters verify the signature; the hub checks the answer is about what it asked.
    match &answer {
        QueryAnswer::Found(cb) if cb.reference != attempt.reference => {
            Err(BankCallError::Refused(format!(
                "the bank answered about {}, not {}",
                cb.reference, attempt.reference
            )))
        }
        _ => Ok(answer),
    }
}

/// `vnp_CreateDate` as stored on the attempt (`yyyyMMddHHmmss`, GMT+7).
pub fn vnpay_transaction_date(attempt: &Attempt) -> Option<DateTime<chrono::FixedOffset>> {
    let text = attempt.bank_create_date.as_deref()?;
    let naive = NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S").ok()?;
    vietnam().from_local_datetime(&naive).single()
}

fn refused(e: impl std::fmt::Display) -> BankCallError {
    BankCallError::Refused(e.to_string())
}

async fn query_vnpay(
    app: &AppState,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<QueryAnswer, BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Vnpay);
    let cfg = app.config.banks.vnpay.as_ref().ok_or_else(not_configured)?;
    let code = attempt.terminal_code.as_deref().unwrap_or_default();
    let terminal = vnpay_terminal(&app.config, code).ok_or_else(not_configured)?;
    // vnpay.md §3: vnp_TransactionDate is the original vnp_CreateDate, stored on the attempt.
    let transaction_date = vnpay_transaction_date(attempt)
        .ok_or_else(|| refused("the attempt has no vnp_CreateDate"))?;
    let request = vnpay::QueryDrRequest {
        request_id: format!(
            "Q{}{}",
            attempt.reference,
            now.timestamp_millis() % 100_000_000
        ),
        txn_ref: attempt.reference.clone(),
        order_info: format!("Truy van giao dich {}", attempt.reference),
        transaction_no: None,
        transaction_date,
        create_date: now.with_timezone(&vietnam()),
        ip_addr: SERVER_IP,
    };
    let body = vnpay::querydr_body(&terminal, &request);
    let reply = app
        .http
        .post(&cfg.api_url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let bytes = reply.bytes().await?;
    let answer = vnpay::verify_querydr_response(&terminal, &bytes).map_err(refused)?;
    match (answer.code, answer.transaction) {
        (vnpay::ApiCode::Ok, Some(cb)) => Ok(QueryAnswer::Found(Box::new(cb))),
        (vnpay::ApiCode::NotFound, _) => Ok(QueryAnswer::NotFound),
        (code, _) => Err(refused(format!("querydr {code:?}: {}", answer.message))),
    }
}

async fn query_vcb(
    app: &AppState,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<QueryAnswer, BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Vcb);
    let cfg = app.config.banks.vcb.as_ref().ok_or_else(not_configured)?;
    let merchant = vcb_merchant(&app.config).ok_or_else(not_configured)?;
    let lookup = match attempt.bank_payment_id.as_deref() {
        Some(id) => vcb::PaymentLookup::PaymentId(id),
        None => vcb::PaymentLookup::OrderRef(&attempt.reference),
    };
    let url = format!("{}{}", cfg.base_url, vcb::query_path(lookup));
    let received = vcb_send(app, &merchant, url, None, now.timestamp()).await?;
    let reply = received.reply();
    match vcb::parse_query_reply(&merchant, &reply, app.clock.now().timestamp()).map_err(refused)? {
        Some(cb) => Ok(QueryAnswer::Found(Box::new(cb))),
        None => Ok(QueryAnswer::NotFound),
    }
}

async fn query_bidv(
    app: &AppState,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<QueryAnswer, BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Bidv);
    let cfg = app.config.banks.bidv.as_ref().ok_or_else(not_configured)?;
    let partner = bidv_partner(&app.config).ok_or_else(not_configured)?;
    let body = bidv::query_body(&partner, &attempt.reference, now.timestamp());
    let reply = app
        .http
        .post(format!("{}/thuho/v1/bill/query", cfg.base_url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let bytes = reply.bytes().await?;
    let bill = bidv::verify_query_reply(&partner, &attempt.reference, &bytes).map_err(refused)?;
    match (&bill.code, bill.status) {
        (bidv::ReplyCode::Ok, Some(status)) => Ok(QueryAnswer::Found(Box::new(bidv_callback(
            &partner,
            attempt,
            bill.bank_txn_id,
            bill.amount,
            bill.paid_at,
            status,
        )))),
        (bidv::ReplyCode::Unknown(code), _) if code == "01" => Ok(QueryAnswer::NotFound),
        (code, _) => Err(refused(format!("bill query {code:?}"))),
    }
}

/// bidv.md §4 answers with fields, not a notification: the same facts in `Callback` form. The
/// query names no account, so the attempt's own (the one registered with the bill) stands in.
fn bidv_callback(
    partner: &bidv::Partner,
    attempt: &Attempt,
    bank_txn_id: Option<String>,
    amount: Option<bank_adapters::Vnd>,
    paid_at: Option<DateTime<chrono::FixedOffset>>,
    status: TxnStatus,
) -> Callback {
    Callback {
        bank: BankCode::Bidv,
        merchant: partner.code.to_owned(),
        reference: attempt.reference.clone(),
        bank_txn_id,
        amount: amount.unwrap_or(attempt.amount),
        currency_is_vnd: true,
        status,
        paid_at,
        credit_account: Some(attempt.account_no.clone()),
        // The query does not say through which channel the citizen paid.
        detail: CallbackDetail::Bidv {
            channel: String::new(),
        },
    }
}
