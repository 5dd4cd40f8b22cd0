//! BIDV bill collection (bidv.md): a bill registered per attempt, BIDV's inquiry answered from
//! PayHub's records, the bill query, refund and statement. Every message carries `ChuKy`, which
//! the adapter makes and checks.

use bank_adapters::{bidv, Callback, CallbackDetail, TxnStatus};
use chrono::{DateTime, NaiveDate, Utc};
use secrecy::ExposeSecret;

use super::{
    post_json, refund_outcome, refused, report, BankCallError, FetchError, QueryAnswer,
    StartedPayment,
};
use crate::app::AppState;
use crate::clock::vietnam;
use crate::config::{BidvConfig, Config};
use crate::domain::attempt::Attempt;
use crate::domain::bank::BankCode;
use crate::domain::order::Order;
use crate::domain::refund::{PendingRefund, RefundOutcome};
use crate::domain::state::OrderStatus;

/// The configured partner, borrowed from the configuration.
pub fn partner(config: &Config) -> Option<bidv::Partner<'_>> {
    let c = config.banks.bidv.as_ref()?;
    Some(bidv::Partner {
        code: &c.partner_code,
        secret: c.secret.expose_secret(),
    })
}

fn configured(config: &Config) -> Result<(&BidvConfig, bidv::Partner<'_>), BankCallError> {
    let not_configured = || BankCallError::NotConfigured(BankCode::Bidv);
    let cfg = config.banks.bidv.as_ref().ok_or_else(not_configured)?;
    Ok((cfg, partner(config).ok_or_else(not_configured)?))
}

/// bidv.md §1: the bill is registered with the attempt's beneficiary account; BIDV's reply
/// carries the payment page. (The registration has no return URL: bidv.md names none.)
pub(super) async fn start(
    app: &AppState,
    order: &Order,
    attempt: &Attempt,
) -> Result<StartedPayment, BankCallError> {
    let (cfg, partner) = configured(&app.config)?;
    let bill = bidv::Bill {
        bill_code: attempt.reference.clone(),
        amount: attempt.amount,
        description: bidv::plain_text(&super::description(order)),
        due: order.expires_at.with_timezone(&vietnam()),
        account_no: attempt.account_no.clone(),
        account_name: attempt.account_name.clone(),
    };
    let body = bidv::register_body(&partner, &bill, app.clock.now().timestamp());
    let url = format!("{}{}", cfg.base_url, bidv::REGISTER_PATH);
    let reply = post_json(app, &url, body).await?;
    let registration =
        bidv::verify_register_reply(&partner, &attempt.reference, &reply).map_err(refused)?;
    match registration.payment_url {
        Some(url) => Ok(StartedPayment {
            url,
            bank_payment_id: None,
        }),
        None => Err(refused(format!(
            "{:?}: {}",
            registration.code, registration.message
        ))),
    }
}

pub(super) async fn query(app: &AppState, attempt: &Attempt) -> Result<QueryAnswer, BankCallError> {
    let (cfg, partner) = configured(&app.config)?;
    let body = bidv::query_body(&partner, &attempt.reference, app.clock.now().timestamp());
    let url = format!("{}{}", cfg.base_url, bidv::QUERY_PATH);
    let reply = post_json(app, &url, body).await?;
    let bill = bidv::verify_query_reply(&partner, &attempt.reference, &reply).map_err(refused)?;
    query_answer(partner.code, attempt, bill)
}

/// bidv.md §4 answers with the bill's fields, not a notification: the same facts as a report.
/// The answer names no account: the money of a bill goes to the account it was registered with,
/// the attempt's own. A bill said paid without its amount is refused, never assumed to be the
/// attempt's amount.
fn query_answer(
    partner_code: &str,
    attempt: &Attempt,
    bill: bidv::BillQuery,
) -> Result<QueryAnswer, BankCallError> {
    let status = match (bill.code, bill.status) {
        (bidv::ReplyCode::Ok, Some(status)) => status,
        (bidv::ReplyCode::BillNotFound, _) => return Ok(QueryAnswer::NotFound),
        (code, _) => return Err(refused(format!("bill query {code:?}"))),
    };
    let amount = match (&status, bill.amount) {
        (_, Some(amount)) => amount,
        (TxnStatus::Paid, None) => return Err(refused("a paid bill without SoTien")),
        // Not paid: no money moved, the figure is only for the record.
        (_, None) => attempt.amount,
    };
    Ok(QueryAnswer::Found(report(Callback {
        bank: BankCode::Bidv,
        merchant: partner_code.to_owned(),
        reference: attempt.reference.clone(),
        bank_txn_id: bill.bank_txn_id,
        amount,
        currency_is_vnd: true,
        status,
        paid_at: bill.paid_at,
        credit_account: Some(attempt.account_no.clone()),
        // The query names no channel (bidv.md §4).
        detail: CallbackDetail::Bidv {
            channel: String::new(),
        },
    })))
}

pub(super) async fn refund(
    app: &AppState,
    r: &PendingRefund,
) -> Result<RefundOutcome, BankCallError> {
    let (cfg, partner) = configured(&app.config)?;
    let order = bidv::RefundOrder {
        bank_txn_id: r.payment.bank_txn_id.clone(),
        refund_ref: r.refund_ref.clone(),
        amount: r.amount,
        reason: bidv::plain_text(&r.reason),
    };
    let body = bidv::refund_body(&partner, &order, app.clock.now().timestamp());
    let url = format!("{}{}", cfg.base_url, bidv::REFUND_PATH);
    let reply = post_json(app, &url, body).await?;
    let receipt = bidv::verify_refund_reply(&partner, &r.refund_ref, &reply).map_err(refused)?;
    Ok(match (receipt.code, receipt.status) {
        // BIDV gives no refund id of its own: our MaHoanTien names it.
        (bidv::ReplyCode::Ok, Some(status)) => refund_outcome(status, Some(receipt.refund_ref)),
        (code, _) => RefundOutcome::Failed {
            reason: format!("BIDV refused ({code:?})"),
        },
    })
}

pub(super) async fn statement(app: &AppState, date: NaiveDate) -> Result<Vec<u8>, FetchError> {
    let bank = BankCode::Bidv;
    let (cfg, partner) = configured(&app.config).map_err(|_| FetchError::NotConfigured(bank))?;
    let url = format!("{}{}", cfg.base_url, bidv::statement_path(&partner, date));
    super::get_file(app, bank, &url).await
}

/// bidv.md §2: what PayHub answers BIDV's inquiry about `bill`, from its records; an inquiry
/// never changes state.
pub async fn answer_inquiry(app: &AppState, bill: &str, now: DateTime<Utc>) -> bidv::InquiryReply {
    use bidv::InquiryCode::*;
    let attempt = match app.store.attempt_by_reference(bill).await {
        Ok(Some(a)) if a.bank == BankCode::Bidv => a,
        Ok(_) => return bidv::InquiryReply::refusal(NotFound, bill),
        Err(_) => return bidv::InquiryReply::refusal(Error, bill),
    };
    let Ok(Some(order)) = app.store.order(&attempt.order_id).await else {
        return bidv::InquiryReply::refusal(Error, bill);
    };
    match order.status {
        s if s.is_paid() => bidv::InquiryReply::refusal(AlreadyPaid, bill),
        OrderStatus::Pending if order.expires_at > now => bidv::InquiryReply::payable(
            bill,
            attempt.amount,
            &bidv::plain_text(&super::description(&order)),
            &bidv::customer_name(&order.payer_name),
        ),
        _ => bidv::InquiryReply::refusal(ExpiredOrCancelled, bill),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::attempt::Reported;
    use crate::domain::Vnd;

    fn attempt() -> Attempt {
        crate::banks::test_attempt(BankCode::Bidv)
    }

    fn bill(
        code: bidv::ReplyCode,
        status: Option<TxnStatus>,
        amount: Option<&str>,
    ) -> bidv::BillQuery {
        bidv::BillQuery {
            code,
            status,
            bank_txn_id: Some("BIDV26053000012345".into()),
            amount: amount.map(|a| Vnd::parse(a).unwrap()),
            paid_at: None,
        }
    }

    #[test]
    fn a_paid_bill_is_credited_to_the_account_it_was_registered_with() {
        let answer = query_answer(
            "DVCQG",
            &attempt(),
            bill(bidv::ReplyCode::Ok, Some(TxnStatus::Paid), Some("150000")),
        );
        let Ok(QueryAnswer::Found(report)) = answer else {
            panic!("{answer:?}");
        };
        assert_eq!(report.outcome, Reported::Paid);
        assert_eq!(report.credit_account.as_deref(), Some("12010000123456"));
        assert_eq!(report.amount, Vnd::parse("150000").unwrap());
    }

    #[test]
    fn a_paid_bill_without_its_amount_is_refused_not_assumed() {
        let answer = query_answer(
            "DVCQG",
            &attempt(),
            bill(bidv::ReplyCode::Ok, Some(TxnStatus::Paid), None),
        );
        assert!(
            matches!(answer, Err(BankCallError::Refused(_))),
            "{answer:?}"
        );
    }

    #[test]
    fn bill_not_found_is_not_found_and_other_codes_are_refusals() {
        let not_found = query_answer(
            "DVCQG",
            &attempt(),
            bill(bidv::ReplyCode::BillNotFound, None, None),
        );
        assert!(matches!(not_found, Ok(QueryAnswer::NotFound)));
        let error = query_answer(
            "DVCQG",
            &attempt(),
            bill(bidv::ReplyCode::Error, None, None),
        );
        assert!(matches!(error, Err(BankCallError::Refused(_))));
    }

    #[test]
    fn an_unpaid_bill_is_an_answer_that_is_not_final() {
        let answer = query_answer(
            "DVCQG",
            &attempt(),
            bill(bidv::ReplyCode::Ok, Some(TxnStatus::Pending), None),
        );
        let Ok(QueryAnswer::Found(report)) = answer else {
            panic!("{answer:?}");
        };
        assert!(matches!(report.outcome, Reported::NotFinal(_)));
    }
}
