//! Credit notifications of the banks that hold agencies' accounts (vietqr.md §4): VCB and BIDV
//! verify and read them in their adapters; this maps what they say to PayHub's
//! [`AccountCredit`], and makes one of a transfer line of a statement for recovery.

use bank_adapters::vietqr::{reference_candidates, Credit};
use chrono::Utc;

use crate::domain::bank::BankCode;
use crate::domain::credit::{AccountCredit, CreditSource};
use crate::domain::text::text_problem;
use crate::domain::Vnd;

/// The longest content PayHub keeps; banks cap it far below (NAPAS: 210 characters).
const CONTENT_CHARS: usize = 1000;
/// The longest id or account a bank may name.
const ID_CHARS: usize = 100;

/// A verified notification in PayHub's terms, or why its texts cannot be stored: the one text
/// rule (`domain::text`) holds for what a bank signs too. The content is free text and is kept
/// whatever it holds, NUL and control characters made visible, cut to a bounded length.
pub fn account_credit(credit: Credit) -> Result<AccountCredit, String> {
    for (name, value) in [
        ("eventId", &credit.event_id),
        ("account", &credit.account_no),
        ("bank transaction", &credit.bank_txn_id),
        ("merchant", &credit.merchant),
    ] {
        if let Some(problem) = text_problem(value, ID_CHARS) {
            return Err(format!("{name} {problem}"));
        }
    }
    let candidates = reference_candidates(&credit.content);
    Ok(AccountCredit {
        bank: credit.bank,
        merchant: credit.merchant,
        event_id: credit.event_id,
        account_no: credit.account_no,
        amount: credit.amount,
        currency_is_vnd: credit.currency_is_vnd,
        bank_txn_id: credit.bank_txn_id,
        credited_at: credit.credited_at.with_timezone(&Utc),
        content: kept_text(&credit.content),
        counterparty: credit.counterparty.as_deref().map(kept_text),
        candidates,
        source: CreditSource::Notification,
    })
}

/// A transfer line of `bank`'s statement (its `transfer_content`), as the credit PayHub missed.
pub fn statement_credit(
    bank: BankCode,
    merchant: &str,
    bank_txn_id: &str,
    amount: Vnd,
    credited_at: chrono::DateTime<Utc>,
    account_no: &str,
    content: &str,
) -> AccountCredit {
    AccountCredit {
        bank,
        merchant: merchant.to_owned(),
        event_id: bank_txn_id.to_owned(),
        account_no: account_no.to_owned(),
        amount,
        currency_is_vnd: true,
        bank_txn_id: bank_txn_id.to_owned(),
        credited_at,
        content: kept_text(content),
        counterparty: None,
        candidates: reference_candidates(content),
        source: CreditSource::Statement,
    }
}

fn kept_text(text: &str) -> String {
    text.chars()
        .take(CONTENT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
