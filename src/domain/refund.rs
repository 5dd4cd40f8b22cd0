//! Refunds: money given back against one payment (the order's own, or a duplicate or
//! amount-mismatch payment to return), and what the bank answered.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::attempt::{Attempt, PaymentKind};
use super::Vnd;

/// A refund's state: `pending` only when the bank accepted and said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RefundState {
    Pending,
    Succeeded,
    Failed,
}

impl RefundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundState::Pending => "pending",
            RefundState::Succeeded => "succeeded",
            RefundState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<RefundState> {
        [
            RefundState::Pending,
            RefundState::Succeeded,
            RefundState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A refund as recorded. Its serialized form is what the API returns and the audit log keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refund {
    pub id: i64,
    pub order_id: String,
    pub payment_id: i64,
    pub refund_ref: String,
    pub amount: Vnd,
    pub reason: String,
    pub status: RefundState,
    pub bank_refund_id: Option<String>,
    pub failure_reason: Option<String>,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The payment being refunded, with the attempt the bank knows it by.
#[derive(Debug, Clone)]
pub struct RefundedPayment {
    pub id: i64,
    pub bank_txn_id: String,
    pub amount: Vnd,
    pub refunded: Vnd,
    pub kind: PaymentKind,
    pub attempt: Attempt,
}

/// A refund written `pending`, about to be sent to the bank.
#[derive(Debug, Clone)]
pub struct PendingRefund {
    pub id: i64,
    pub order_id: String,
    pub refund_ref: String,
    pub amount: Vnd,
    pub reason: String,
    pub payment: RefundedPayment,
}

/// What the bank said, in PayHub's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    Succeeded { bank_refund_id: Option<String> },
    Pending { bank_refund_id: Option<String> },
    Failed { reason: String },
}
