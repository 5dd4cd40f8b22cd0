//! The citizen's banking app (vietqr.md): it scans a VietQR payload and makes a NAPAS 24/7
//! transfer to the account in it. The bank that holds that account (the VCB or BIDV simulator)
//! books the credit in its ledger, lists it on its statement as a transfer line, and sends PayHub
//! its credit notification, with the usual faults (`Faults::wrong_amount`, `wrong_account`,
//! `drop_callback`, `copies`, `delay`, `hold`, `posting`) keyed by the attempt's reference.

use super::{Controls, Faults, Transaction, TxnId};
use crate::vietqr::{parse_payload, QrPayment, QrPaymentError};
use crate::{BankCode, TxnStatus, Vnd};

/// The `channel` of a transfer in the ledger: statements list such a transaction as a credit
/// line whose content is its `reference`.
pub const TRANSFER_CHANNEL: &str = "VIETQR";

/// What the citizen does in their app: pay the scanned payload, with the content as the app or
/// the citizen left it (`None`: as in the code).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppTransfer {
    /// The scanned payload.
    pub payload: String,
    /// The content the transfer carries, when edited (case, spaces, prefixes, added text).
    pub content: Option<String>,
}

/// Why the app made no transfer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// The payload does not read (a bad CRC, a missing object).
    #[error(transparent)]
    Payload(#[from] QrPaymentError),
    /// The account is at another bank than this simulator.
    #[error("BIN {0} is not this bank's")]
    OtherBank(String),
}

/// A booked transfer: the bank's transaction id and the content it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedTransfer {
    /// The bank's transaction id.
    pub bank_txn_id: String,
    /// The content as the bank received it.
    pub content: String,
    /// The amount credited.
    pub amount: Vnd,
    /// The account credited.
    pub account_no: String,
}

/// Reads the payload and checks it is for an account at `bin`.
pub(crate) fn scan(transfer: &AppTransfer, bin: &str) -> Result<QrPayment, TransferError> {
    let payment = parse_payload(&transfer.payload)?;
    if payment.bank_bin != bin {
        return Err(TransferError::OtherBank(payment.bank_bin));
    }
    Ok(payment)
}

/// PayHub's reference in the code's content (`PH <reference>`): the key of the faults.
fn fault_key(payment: &QrPayment) -> &str {
    let content = payment.content.as_str();
    content
        .strip_prefix(crate::vietqr::CONTENT_PREFIX)
        .map_or(content, str::trim_start)
}

/// Books the credit of a scanned `payment` with the faults set for its reference; returns the
/// transaction, what was booked and the faults (for the notification's dispatch).
pub(crate) fn book(
    controls: &Controls,
    bank: BankCode,
    merchant: &str,
    payment: &QrPayment,
    content: Option<String>,
    bank_txn_id: String,
) -> (TxnId, BookedTransfer, Faults) {
    let faults = controls.faults_for(fault_key(payment));
    let now = controls.clock().now();
    let booked = BookedTransfer {
        bank_txn_id,
        content: content.unwrap_or_else(|| payment.content.clone()),
        amount: faults.wrong_amount.unwrap_or(payment.amount),
        account_no: faults
            .wrong_account
            .clone()
            .unwrap_or_else(|| payment.account_no.clone()),
    };
    let transaction = Transaction {
        bank,
        merchant: merchant.to_owned(),
        reference: booked.content.clone(),
        bank_txn_id: Some(booked.bank_txn_id.clone()),
        amount: booked.amount,
        requested_amount: payment.amount,
        status: TxnStatus::Paid,
        at: now,
        credited_account: booked.account_no.clone(),
        channel: TRANSFER_CHANNEL.into(),
        refunded: Vnd::ZERO,
        posted_on: Some(now.date_naive()),
        callback: Default::default(),
    };
    let txn = controls.record(transaction);
    controls.post(txn, &faults, format!("RV{}", booked.bank_txn_id));
    (txn, booked, faults)
}

/// Whether a ledger transaction is a transfer (a statement's credit line).
pub fn is_transfer(txn: &Transaction) -> bool {
    txn.channel == TRANSFER_CHANNEL
}
