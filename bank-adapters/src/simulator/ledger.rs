//! What a simulated bank processed: its transactions, every callback attempt with PayHub's
//! reply, and its refunds. Tests read it to assert what the bank did; statements and query
//! answers are built from it.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::{BankCode, TxnStatus, Vnd};

/// Index of a transaction in its simulator's ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TxnId(pub(crate) usize);

/// One debit attempt at the bank: a payment (approved, declined or cancelled) of one reference.
/// A second payment of the same reference is a second transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// Which bank.
    pub bank: BankCode,
    /// Whose payment: VNPAY `vnp_TmnCode`, VCB `merchantId`, BIDV `MaDoiTac`.
    pub merchant: String,
    /// PayHub's reference: `vnp_TxnRef`, `orderRef` or `MaHoaDon`.
    pub reference: String,
    /// The bank's transaction id; `None` when the bank made none (a cancelled VNPAY or VCB
    /// payment, a declined VCB one).
    pub bank_txn_id: Option<String>,
    /// What the bank debited and reports, in callbacks, queries and statements.
    pub amount: Vnd,
    /// What PayHub asked for (differs from `amount` only under [`super::Faults::wrong_amount`]).
    pub requested_amount: Vnd,
    /// `Paid`, `Failed { code }` or `Cancelled`; refunds are in `refunded`, not here.
    pub status: TxnStatus,
    /// When the bank booked it, GMT+7; its statement day.
    pub at: DateTime<FixedOffset>,
    /// The account credited (VCB, BIDV) or, for VNPAY, the terminal code it settles to; another
    /// account under [`super::Faults::wrong_account`].
    pub credited_account: String,
    /// VNPAY `vnp_BankCode`, BIDV `KenhThanhToan`, `WEB` for VCB.
    pub channel: String,
    /// The sum refunded so far.
    pub refunded: Vnd,
    /// The statement day that lists it: its own day, unless [`super::Faults::posting`] says
    /// otherwise (`None`: no statement lists it).
    pub posted_on: Option<NaiveDate>,
    /// The callback to PayHub about it.
    pub callback: CallbackLog,
}

impl Transaction {
    /// Whether PayHub acknowledged the callback (any copy, any attempt).
    pub fn acknowledged(&self) -> bool {
        self.callback.attempts.iter().any(|a| a.acknowledged)
    }
}

/// The callback of one transaction: its fate and every attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackLog {
    /// Where delivery stands.
    pub state: CallbackState,
    /// Every HTTP attempt, every copy, in the order they finished.
    pub attempts: Vec<CallbackAttempt>,
    /// Copies still delivering.
    pub(crate) in_flight: u32,
}

/// Where the delivery of one transaction's callback stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CallbackState {
    /// The bank sends nothing for it (BIDV notifies successes only; a VNPAY statement line).
    #[default]
    NotSent,
    /// [`super::Faults::drop_callback`]: never sent, though the bank booked the transaction.
    Dropped,
    /// [`super::Faults::hold`]: waiting for [`super::Controls::flush`].
    Held,
    /// Attempts are being made.
    Delivering,
    /// Every copy stopped: acknowledged, or its retries ran out.
    Finished,
}

/// One HTTP attempt to deliver a callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackAttempt {
    /// Which copy (1-based) under [`super::Faults::copies`].
    pub copy: u32,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
    /// When the attempt finished.
    pub at: DateTime<FixedOffset>,
    /// PayHub's HTTP status, `None` when no reply came (refused connection, timeout).
    pub http_status: Option<u16>,
    /// PayHub's reply code: VNPAY `RspCode`, VCB `code`, BIDV `MaLoi`.
    pub code: Option<String>,
    /// Whether the bank counts it as acknowledged and stops (VNPAY `00`/`02`, VCB `00`, BIDV
    /// `00`/`02`; for VCB and BIDV the reply's own signature must verify too).
    pub acknowledged: bool,
    /// Why it failed, when it did: a transport error or an unreadable or forged reply.
    pub error: Option<String>,
}

/// A refund the bank accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// Which bank.
    pub bank: BankCode,
    /// Whose payment.
    pub merchant: String,
    /// PayHub's reference of the payment.
    pub reference: String,
    /// The refunded payment's bank transaction id.
    pub original_txn_id: String,
    /// The bank's id for the refund itself.
    pub refund_id: String,
    /// PayHub's refund reference: VNPAY `vnp_RequestId`, VCB `refundRef`, BIDV `MaHoanTien`.
    pub refund_ref: String,
    /// How much went back.
    pub amount: Vnd,
    /// When, GMT+7; its statement day.
    pub at: DateTime<FixedOffset>,
}

/// Everything a simulator processed.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    pub(crate) transactions: Vec<Transaction>,
    pub(crate) refunds: Vec<Refund>,
}

impl Ledger {
    pub(crate) fn get(&self, id: TxnId) -> &Transaction {
        &self.transactions[id.0]
    }

    pub(crate) fn get_mut(&mut self, id: TxnId) -> &mut Transaction {
        &mut self.transactions[id.0]
    }

    /// The transaction with this bank id.
    pub(crate) fn find_txn(&self, bank_txn_id: &str) -> Option<TxnId> {
        self.transactions
            .iter()
            .position(|t| t.bank_txn_id.as_deref() == Some(bank_txn_id))
            .map(TxnId)
    }
}
