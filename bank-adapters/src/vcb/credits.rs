//! VCB → PayHub credit notification (vietqr.md §4): an account PayHub watches was credited by a
//! transfer. Signed with the `X-VCB-*` headers like every VCB message.

use super::signed::{verify_signed, SignedHeaders};
use super::wire::CreditBody;
use super::{malformed, Merchant, VcbError};
use crate::vietqr::Credit;
use crate::{BankCode, Vnd};

/// Where VCB posts credit notifications, under PayHub's public URL.
pub const CREDITS_CALLBACK_PATH: &str = "/callbacks/vcb/credits";

/// Verifies a credit notification against the exact body bytes received, then reads them. On an
/// error, reply with [`VcbError::notify_reply`] (`97` with HTTP 401 for a bad signature).
pub fn verify_credit(
    merchant: &Merchant,
    headers: &SignedHeaders,
    body: &[u8],
    now_unix: i64,
) -> Result<Credit, VcbError> {
    verify_signed(merchant, headers, body, now_unix)?;
    let credit: CreditBody = serde_json::from_slice(body).map_err(malformed)?;
    for (name, value) in [
        ("eventId", &credit.event_id),
        ("accountNo", &credit.account_no),
        ("bankTxnId", &credit.bank_txn_id),
    ] {
        if value.is_empty() {
            return Err(malformed(format!("{name} is missing")));
        }
    }
    let amount = Vnd::from_dong(credit.amount)
        .map_err(|e| malformed(format!("amount {}: {e}", credit.amount)))?;
    let counterparty = [
        credit.counter_bank_bin,
        credit.counter_account_no,
        credit.counter_name,
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>();
    Ok(Credit {
        bank: BankCode::Vcb,
        merchant: merchant.id.to_owned(),
        event_id: credit.event_id,
        account_no: credit.account_no,
        amount,
        currency_is_vnd: credit.currency == "VND",
        bank_txn_id: credit.bank_txn_id,
        credited_at: credit.credited_at,
        content: credit.content,
        counterparty: (!counterparty.is_empty()).then(|| counterparty.join(" ")),
    })
}

/// A credit notification's body as VCB writes it (for the simulator, which signs it with
/// [`super::sign_headers`]).
pub fn credit_body(credit: &Credit) -> String {
    let mut counter = credit.counterparty.as_deref().unwrap_or("").splitn(3, ' ');
    let mut next = || counter.next().map(str::to_owned);
    let body = CreditBody {
        event_id: credit.event_id.clone(),
        account_no: credit.account_no.clone(),
        amount: credit.amount.dong(),
        currency: if credit.currency_is_vnd { "VND" } else { "USD" }.to_owned(),
        bank_txn_id: credit.bank_txn_id.clone(),
        credited_at: credit
            .credited_at
            .with_timezone(&crate::compact_time::gmt7()),
        content: credit.content.clone(),
        counter_bank_bin: next(),
        counter_account_no: next(),
        counter_name: next(),
    };
    serde_json::to_string(&body).expect("a credit body always serializes")
}
