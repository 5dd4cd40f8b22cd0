//! VCB → PayHub payment notification and PayHub's reply (vcb.md §2).

use super::signed::{verify_signed, SignedHeaders};
use super::wire::{self, NotifyReplyBody, PaymentBody};
use super::{malformed, Merchant, VcbError};
use crate::{BankCode, Callback, CallbackDetail, Vnd};

/// Verifies a notification (`POST /callbacks/vcb`) against the exact body bytes received, then
/// reads those same bytes. On an error, reply with [`VcbError::notify_reply`].
///
/// The hub still checks the `orderRef` (else [`NotifyReply::UnknownOrderRef`]) and the amount
/// and currency (else [`NotifyReply::AmountMismatch`]); a repeat of an `eventId` it already has
/// gets [`NotifyReply::Recorded`] again.
pub fn verify_notification(
    merchant: &Merchant,
    headers: &SignedHeaders,
    body: &[u8],
    now_unix: i64,
) -> Result<Callback, VcbError> {
    verify_signed(merchant, headers, body, now_unix)?;
    let payment: PaymentBody = serde_json::from_slice(body).map_err(malformed)?;
    if payment.event_id.as_deref().is_none_or(str::is_empty) {
        return Err(malformed("eventId is missing"));
    }
    read_payment(merchant, payment)
}

/// A verified notification or query body in PayHub's terms.
pub(super) fn read_payment(
    merchant: &Merchant,
    payment: PaymentBody,
) -> Result<Callback, VcbError> {
    let amount = Vnd::from_dong(payment.amount)
        .map_err(|e| malformed(format!("amount {}: {e}", payment.amount)))?;
    Ok(Callback {
        bank: BankCode::Vcb,
        merchant: merchant.id.to_owned(),
        status: wire::payment_status(&payment.status, payment.failure_reason.as_deref()),
        reference: payment.order_ref,
        bank_txn_id: payment.bank_txn_id.filter(|id| !id.is_empty()),
        amount,
        currency_is_vnd: payment.currency == "VND",
        paid_at: payment.paid_at,
        credit_account: payment.credit_account_no.filter(|no| !no.is_empty()),
        detail: CallbackDetail::Vcb {
            event_id: payment.event_id,
            payment_id: payment.payment_id,
            failure_reason: payment.failure_reason,
        },
    })
}

/// PayHub's reply to a notification (vcb.md §2). VCB retries anything but `00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyReply {
    /// `00`: durably recorded, including a repeat of an event already recorded.
    Recorded,
    /// `01`: unknown `orderRef`.
    UnknownOrderRef,
    /// `04`: amount or currency mismatch.
    AmountMismatch,
    /// `97`: bad signature or stale timestamp (HTTP 401).
    BadSignature,
    /// Signed, but not the notification vcb.md §2 describes (not JSON, a field missing or of
    /// another type, an amount that is no whole đồng, a timestamp that is no number of seconds):
    /// HTTP 400 with `99`. The spec names no code for it; 400 tells VCB the fault is in the
    /// message, not in PayHub, which a 500 would claim.
    Malformed,
    /// `99`: internal error (HTTP 500).
    InternalError,
}

impl NotifyReply {
    /// `code`.
    pub fn code(self) -> &'static str {
        match self {
            NotifyReply::Recorded => "00",
            NotifyReply::UnknownOrderRef => "01",
            NotifyReply::AmountMismatch => "04",
            NotifyReply::BadSignature => "97",
            NotifyReply::Malformed | NotifyReply::InternalError => "99",
        }
    }

    /// `message`: the spec gives only `OK`; the others are PayHub's wording.
    pub fn message(self) -> &'static str {
        match self {
            NotifyReply::Recorded => "OK",
            NotifyReply::UnknownOrderRef => "Unknown orderRef",
            NotifyReply::AmountMismatch => "Amount or currency mismatch",
            NotifyReply::BadSignature => "Bad signature or stale timestamp",
            NotifyReply::Malformed => "Malformed notification",
            NotifyReply::InternalError => "Internal error",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn http_status(self) -> u16 {
        match self {
            NotifyReply::Recorded | NotifyReply::UnknownOrderRef | NotifyReply::AmountMismatch => {
                200
            }
            NotifyReply::BadSignature => 401,
            NotifyReply::Malformed => 400,
            NotifyReply::InternalError => 500,
        }
    }

    /// The JSON body, e.g. `{"code":"00","message":"OK"}`. It carries data, so send it with
    /// [`super::sign_headers`] over these exact bytes.
    pub fn body(self) -> String {
        let body = NotifyReplyBody {
            code: self.code(),
            message: self.message(),
        };
        serde_json::to_string(&body).expect("two strings always serialize")
    }
}
