//! The normalized, verified form of any bank's payment notification or query answer.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::{BankCode, Vnd};

/// What a bank says happened to one payment attempt.
///
/// Each adapter maps its codes with an exhaustive match on the literals its spec lists; a code
/// the spec does not list becomes [`TxnStatus::Unknown`] (or `Failed` where the spec itself says
/// unknown means failed, as VNPAY §2 does), never a silent `Pending`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TxnStatus {
    /// The money moved to the merchant.
    Paid,
    /// The bank declined or the payment failed; `code` is the bank's own reason code.
    Failed {
        /// The bank's code, e.g. VNPAY `51` (insufficient balance) or VCB's `failureReason`.
        code: String,
    },
    /// The citizen cancelled at the bank's page.
    Cancelled,
    /// Not final yet: ask again later (querydr / query).
    Pending,
    /// The payment was (fully or partly) refunded.
    Refunded,
    /// A code the spec does not define, kept verbatim for staff to look at. Where two codes
    /// combine (VNPAY) it holds both, `"<first>/<second>"`.
    Unknown(String),
}

/// What a bank says about one refund request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Accepted, not yet final.
    Pending,
    /// The money went back to the citizen.
    Succeeded,
    /// Refused or failed.
    Failed,
    /// A state the spec does not define, kept verbatim.
    Unknown(String),
}

/// A verified payment notification (or query answer) from any bank, in PayHub's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    /// Which bank sent it.
    pub bank: BankCode,
    /// Who the bank says it is talking to: VNPAY `vnp_TmnCode`, VCB `merchantId`, BIDV
    /// `MaDoiTac`. The hub checks it is the one configured for the attempt (vnpay.md §2).
    pub merchant: String,
    /// PayHub's attempt reference: `vnp_TxnRef`, `orderRef` or `MaHoaDon`.
    pub reference: String,
    /// The bank's transaction id (`vnp_TransactionNo`, `bankTxnId`, `MaGiaoDich`), when it has one.
    pub bank_txn_id: Option<String>,
    /// The amount the bank says it took, in whole đồng (VNPAY's ×100 already undone).
    pub amount: Vnd,
    /// False when the bank named a currency other than VND (VCB replies `04` then).
    pub currency_is_vnd: bool,
    /// What happened.
    pub status: TxnStatus,
    /// When the bank says the money moved (GMT+7 as sent).
    pub paid_at: Option<DateTime<FixedOffset>>,
    /// Where the money went: the account number for VCB and BIDV; for VNPAY the terminal code,
    /// because VNPAY settles a terminal to the account registered for it (statements.md).
    pub credit_account: Option<String>,
    /// What only one bank carries.
    pub detail: CallbackDetail,
}

/// The bank-specific part of a [`Callback`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "bank", rename_all = "lowercase")]
pub enum CallbackDetail {
    /// VNPAY IPN, return URL or querydr answer.
    Vnpay {
        /// `vnp_ResponseCode` of an IPN or return URL; `None` for querydr, whose response code
        /// describes the query, not the payment.
        response_code: Option<String>,
        /// `vnp_TransactionStatus`.
        transaction_status: String,
        /// `vnp_TransactionType` (`01` payment, `02`/`03` refund): querydr only.
        transaction_type: Option<String>,
        /// `vnp_BankCode`: the bank or wallet the citizen paid with.
        bank_code: Option<String>,
        /// `vnp_BankTranNo`: that bank's own reference.
        bank_tran_no: Option<String>,
        /// `vnp_CardType` (`ATM`, `QRCODE`, …).
        card_type: Option<String>,
    },
    /// VCB notification or query answer.
    Vcb {
        /// `eventId`; `None` for a query answer. A repeat of an event carries the same id.
        event_id: Option<String>,
        /// VCB's `paymentId`.
        payment_id: String,
        /// `failureReason` of a failed payment.
        failure_reason: Option<String>,
    },
    /// BIDV payment notification.
    Bidv {
        /// `KenhThanhToan`: `WEB`, `MOBILE` or `COUNTER`.
        channel: String,
    },
}
