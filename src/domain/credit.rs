//! A credit to an agency's account by a transfer (VietQR, vietqr.md §4), in PayHub's terms: what
//! the account-holding bank said in a verified notification, or what its statement says of a
//! transfer PayHub missed. Only the bank clients (`crate::banks::credits`) and reconciliation's
//! recovery make one.

use chrono::{DateTime, Utc};

use super::attempt::{Attempt, BankReport, Reported};
use super::bank::BankCode;
use super::Vnd;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountCredit {
    pub bank: BankCode,
    pub merchant: String,
    pub event_id: String,
    pub account_no: String,
    pub amount: Vnd,
    pub currency_is_vnd: bool,
    pub bank_txn_id: String,
    pub credited_at: DateTime<Utc>,
    pub content: String,
    pub counterparty: Option<String>,
    /// The references of PayHub's the content may name, most likely first.
    pub candidates: Vec<String>,
    pub source: CreditSource,
}

/// Where PayHub learnt of the credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditSource {
    Notification,
    Statement,
}

impl CreditSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CreditSource::Notification => "notification",
            CreditSource::Statement => "statement",
        }
    }
}

/// What PayHub made of a credit. Every credit is recorded, whatever its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditOutcome {
    /// It paid the order its content names.
    Paid,
    /// This credit was already recorded: nothing changed.
    Repeat,
    /// Its order was already paid by another transaction: recorded, to be refunded.
    DuplicatePayment,
    /// Another amount than the order's: recorded, to be refunded; the order stays unpaid.
    AmountMismatch,
    /// It names a VietQR attempt but reached another account than the attempt's: recorded,
    /// the order stays unpaid, reconciliation reports it.
    WrongAccount,
    /// Its content names no VietQR attempt of PayHub's: `unidentified_credit` for the staff.
    Unidentified,
}

impl CreditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CreditOutcome::Paid => "paid",
            CreditOutcome::Repeat => "repeat",
            CreditOutcome::DuplicatePayment => "duplicate_payment",
            CreditOutcome::AmountMismatch => "amount_mismatch",
            CreditOutcome::WrongAccount => "wrong_account",
            CreditOutcome::Unidentified => "unidentified",
        }
    }
}

impl AccountCredit {
    /// The credit as a bank report about `attempt`, for the one path every payment is applied
    /// through: a success of this amount, into this account, at this time.
    pub fn report_about(&self, attempt: &Attempt) -> BankReport {
        BankReport {
            bank: self.bank,
            merchant: self.merchant.clone(),
            reference: attempt.reference.clone(),
            bank_txn_id: Some(self.bank_txn_id.clone()),
            amount: self.amount,
            currency_is_vnd: self.currency_is_vnd,
            outcome: Reported::Paid,
            paid_at: Some(self.credited_at),
            credit_account: Some(self.account_no.clone()),
        }
    }

    /// Whether the money reached the account the attempt showed in its code, at its bank.
    pub fn reached_account_of(&self, attempt: &Attempt) -> bool {
        self.bank == attempt.bank && self.account_no == attempt.account_no
    }
}
