//! VietQR (vietqr.md): the EMVCo merchant-presented payload PayHub shows for a NAPAS 24/7
//! transfer to the agency's account, the transfer content that names PayHub's reference, and
//! finding that reference again in whatever the banks pass on. The credit notifications that
//! tell PayHub a transfer arrived are verified in the account-holding bank's module
//! ([`crate::vcb::verify_credit`], [`crate::bidv::verify_credit`]) into a [`Credit`].

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::{BankCode, Vnd};

mod content;
mod payload;

pub use content::{reference_candidates, transfer_content, CONTENT_PREFIX};
pub use payload::{crc16_ccitt_false, parse_payload, payload, QrPayment, QrPaymentError};

/// A verified credit notification (vietqr.md §4): money arrived in an account PayHub watches.
/// Only a bank module's `verify_credit` makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    /// The bank that holds the credited account and signed the notification.
    pub bank: BankCode,
    /// Who the bank says it is talking to (VCB's merchant, BIDV's partner).
    pub merchant: String,
    /// The bank's id of this notification (VCB's `eventId`; BIDV has none and uses the
    /// transaction id).
    pub event_id: String,
    /// The account credited.
    pub account_no: String,
    /// Whole đồng.
    pub amount: Vnd,
    /// False when the bank named a currency other than VND.
    pub currency_is_vnd: bool,
    /// The bank's transaction id (VCB `bankTxnId`, BIDV `MaGiaoDich`): one credit, once.
    pub bank_txn_id: String,
    /// When the account was credited.
    pub credited_at: DateTime<FixedOffset>,
    /// The transfer content as the bank received it.
    pub content: String,
    /// The payer's bank (NAPAS BIN), account and name, when the bank says.
    pub counterparty: Option<String>,
}

impl Credit {
    /// The references of PayHub's that the content may name, most likely first
    /// ([`reference_candidates`]). Empty when it names none.
    pub fn reference_candidates(&self) -> Vec<String> {
        reference_candidates(&self.content)
    }
}
