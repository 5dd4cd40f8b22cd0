//! Asking a bank how one payment stands (VNPAY querydr, VCB query, BIDV query), to confirm a
//! success that only the statement shows before PayHub applies it.

use bank_adapters::{bidv, vcb, vnpay, Callback, CallbackDetail, TxnStatus};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};

use crate::banks::{bidv_partner, vcb_merchant, vcb_send, vnpay_terminal, BankCallError};
use crate::clock::vietnam;
use crate::domain::bank::BankCode;
use crate::http::AppState;
use crate::store::attempts::Attempt;

/// What the bank says about `attempt`: `None` when it does not know it. `credited` is the
/// account the statement names, for BIDV, whose query answer leaves it out.
pub async fn query_payment(
    app: &AppState,
    attempt: &Attempt,
    credited: Option<&str>,
) -> Result<Option<Callback>, BankCallError> {
    match attempt.bank {
        BankCode::Vnpay => querydr(app, attempt).await,
        BankCode::Vcb => query_vcb(app, attempt).await,
        BankCode::Bidv => query_bidv(app, attempt, credited).await,
    }
}

/// vnpay.md §3: querydr repeats the attempt's own `vnp_CreateDate` as `vnp_TransactionDate`.
async fn querydr(app: &AppState, attempt: &Attempt) -> Result<Option<Callback>, BankCallError> {
    let not_configured = BankCallError::NotConfigured(BankCode::Vnpay);
    let cfg = app.config.banks.vnpay.as_ref().ok_or(not_configured)?;
    let code = attempt.terminal_code.as_deref().unwrap_or_default();
    let terminal =
        vnpay_terminal(&app.config, code).ok_or(BankCallError::NotConfigured(BankCode::Vnpay))?;
    let created = attempt.created_at.with_timezone(&vietnam());
    let request = vnpay::QueryDrRequest {
        request_id: uuid::Uuid::new_v4().simple().to_string(),
        txn_ref: attempt.reference.clone(),
        order_info: format!("Doi soat giao dich {}", attempt.reference),
        transaction_no: None,
        transaction_date: attempt
            .bank_create_date
            .as_deref()
            .and_then(compact_gmt7)
            .unwrap_or(created),
        create_date: app.clock.now().with_timezone(&vietnam()),
        ip_addr: std::net::IpAddr::from([127, 0, 0, 1]),
    };
    let body = vnpay::querydr_body(&terminal, &request);
    let reply = app
        .http
        .post(&cfg.api_url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?
        .bytes()
        .await?;
    let answer = vnpay::verify_querydr_response(&terminal, &reply)
        .map_err(|e| BankCallError::Refused(e.to_string()))?;
    Ok(answer.transaction)
}

fn compact_gmt7(text: &str) -> Option<DateTime<FixedOffset>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S").ok()?;
    vietnam().from_local_datetime(&naive).single()
}

/// vcb.md §3: `GET /v1/payments?orderRef=…`, signed over the empty body; the reply is signed too.
async fn query_vcb(app: &AppState, attempt: &Attempt) -> Result<Option<Callback>, BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Vcb);
    let cfg = app.config.banks.vcb.as_ref().ok_or_else(not_configured)?;
    let merchant = vcb_merchant(&app.config).ok_or_else(not_configured)?;
    let path = vcb::query_path(vcb::PaymentLookup::OrderRef(&attempt.reference));
    let url = format!("{}{path}", cfg.base_url);
    let received = vcb_send(app, &merchant, url, None, app.clock.now().timestamp()).await?;
    vcb::parse_query_reply(&merchant, &received.reply(), app.clock.now().timestamp())
        .map_err(|e| BankCallError::Refused(e.to_string()))
}

/// bidv.md §4: the query answers with the bill's state, not a notification; a paid bill becomes
/// the same verified `Callback` a notification would have been.
async fn query_bidv(
    app: &AppState,
    attempt: &Attempt,
    credited: Option<&str>,
) -> Result<Option<Callback>, BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Bidv);
    let cfg = app.config.banks.bidv.as_ref().ok_or_else(not_configured)?;
    let partner = bidv_partner(&app.config).ok_or_else(not_configured)?;
    let body = bidv::query_body(&partner, &attempt.reference, app.clock.now().timestamp());
    let reply = app
        .http
        .post(format!("{}/thuho/v1/bill/query", cfg.base_url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?
        .bytes()
        .await?;
    let bill = bidv::verify_query_reply(&partner, &attempt.reference, &reply)
        .map_err(|e| BankCallError::Refused(e.to_string()))?;
    let (Some(TxnStatus::Paid), Some(amount)) = (bill.status, bill.amount) else {
        return Ok(None);
    };
    Ok(Some(Callback {
        bank: BankCode::Bidv,
        merchant: partner.code.to_owned(),
        reference: attempt.reference.clone(),
        bank_txn_id: bill.bank_txn_id,
        amount,
        currency_is_vnd: true,
        status: TxnStatus::Paid,
        paid_at: bill.paid_at,
        credit_account: credited.map(str::to_owned),
        // The query names no channel (bidv.md §4).
        detail: CallbackDetail::Bidv {
            channel: String::new(),
        },
    }))
}
