//! A payment attempt (one bank hand-off of an order) and what a bank reports about it, in
//! PayHub's terms: the bank clients (`crate::banks`) map each bank's verified messages to a
//! [`BankReport`], and the store applies reports, never a bank's wire types.

use chrono::{DateTime, Utc};

use super::bank::BankCode;
use super::state::AttemptStatus;
use super::Vnd;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    pub order_id: String,
    pub bank: BankCode,
    pub reference: String,
    pub status: AttemptStatus,
    pub amount: Vnd,
    pub account_no: String,
    pub account_name: String,
    pub bank_bin: String,
    pub terminal_code: Option<String>,
    pub bank_payment_id: Option<String>,
    /// VNPAY's `vnp_CreateDate` as sent (`yyyyMMddHHmmss`, GMT+7): querydr must repeat it.
    pub bank_create_date: Option<String>,
    pub client_ip: Option<String>,
    pub query_count: i32,
    pub created_at: DateTime<Utc>,
    pub channel: Channel,
}

/// How an attempt reaches its bank: the bank's own gateway (a redirect), or a VietQR code PayHub
/// shows, paid by a transfer to the account `bank` holds (vietqr.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Gateway,
    Vietqr,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Gateway => "gateway",
            Channel::Vietqr => "vietqr",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        [Channel::Gateway, Channel::Vietqr]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

/// What a bank says happened to an attempt, from a verified notification, a query answer, or a
/// settlement an admin made by hand. Only a bank client or a settlement makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankReport {
    pub bank: BankCode,
    /// Who the bank says it is talking to (VNPAY's terminal, VCB's merchant, BIDV's partner).
    pub merchant: String,
    /// PayHub's attempt reference.
    pub reference: String,
    pub bank_txn_id: Option<String>,
    /// In whole đồng, any bank's own scaling undone.
    pub amount: Vnd,
    /// False when the bank named a currency other than VND.
    pub currency_is_vnd: bool,
    pub outcome: Reported,
    pub paid_at: Option<DateTime<Utc>>,
    /// Where the money went: the account for VCB and BIDV, the terminal for VNPAY (which settles
    /// a terminal to the account registered for it).
    pub credit_account: Option<String>,
}

/// The outcome a [`BankReport`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reported {
    /// The money moved.
    Paid,
    /// Declined or failed, with the bank's own code.
    Failed { code: String },
    /// The citizen cancelled at the bank.
    Cancelled,
    /// Not a final outcome (pending, under review, a state PayHub does not know): nothing to
    /// apply yet. The text says what the bank said, for the logs.
    NotFinal(String),
}

impl BankReport {
    pub fn is_paid(&self) -> bool {
        self.outcome == Reported::Paid
    }

    /// Whether this report speaks of `attempt`: the same reference and bank and, for VNPAY, the
    /// attempt's own terminal (api.md: a reference of another terminal is unknown to this one).
    pub fn is_about(&self, attempt: &Attempt) -> bool {
        self.reference == attempt.reference
            && self.bank == attempt.bank
            && (self.bank != BankCode::Vnpay
                || attempt.terminal_code.as_deref() == Some(&*self.merchant))
    }
}

/// Why a payment row was written: the order's own payment, or money to give back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKind {
    Payment,
    /// Money for an order another transaction had already paid.
    Duplicate,
    /// Money whose amount or currency differs from the attempt's.
    AmountMismatch,
}

impl PaymentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Payment => "payment",
            PaymentKind::Duplicate => "duplicate",
            PaymentKind::AmountMismatch => "amount_mismatch",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentKind> {
        [
            PaymentKind::Payment,
            PaymentKind::Duplicate,
            PaymentKind::AmountMismatch,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}
