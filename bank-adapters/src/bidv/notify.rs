//! BIDV → PayHub payment notification and PayHub's reply (bidv.md §3).

use super::codes::NotifyCode;
use super::wire::{self, NotifyReplyBody};
use super::{check_partner, echo, malformed, required, verify_fields, BidvError, Partner};
use crate::{compact_time, BankCode, Callback, CallbackDetail, TxnStatus, Vnd};

/// Verifies a payment notification (`POST /callbacks/bidv/notify`): partner, then `ChuKy` over
/// `MaDoiTac|MaHoaDon|MaGiaoDich|SoTien|ThoiGianGD|TKThuHuong`. On an error, reply
/// [`NotifyReply`] with [`BidvError::notify_code`].
///
/// No freshness check: the notification has no `ThoiGian`, and `ThoiGianGD` is when the citizen
/// paid, which BIDV's retries (every 2 minutes for an hour) legitimately carry past 15 minutes.
/// Replays are harmless because the hub records each `MaGiaoDich` once.
///
/// BIDV notifies only successful debits, so the status is always [`TxnStatus::Paid`]. The hub
/// still checks the bill exists, was not paid by another `MaGiaoDich`, and the amount matches.
pub fn verify_notification(partner: &Partner, body: &[u8]) -> Result<Callback, BidvError> {
    let message = verify_fields(partner, body, wire::NOTIFY)?;
    check_partner(partner, &message)?;
    let amount = required(&message, "SoTien")?;
    let paid_at = required(&message, "ThoiGianGD")?;
    let credit_account = message.text("TKThuHuong").map_err(malformed)?;
    Ok(Callback {
        bank: BankCode::Bidv,
        merchant: partner.code.to_owned(),
        reference: required(&message, "MaHoaDon")?,
        bank_txn_id: Some(required(&message, "MaGiaoDich")?),
        amount: Vnd::parse(&amount).map_err(|e| malformed(format!("SoTien {amount:?}: {e}")))?,
        currency_is_vnd: true,
        status: TxnStatus::Paid,
        paid_at: Some(
            compact_time::parse(&paid_at)
                .ok_or_else(|| malformed(format!("ThoiGianGD {paid_at:?}")))?,
        ),
        credit_account: (!credit_account.is_empty()).then_some(credit_account),
        detail: CallbackDetail::Bidv {
            channel: message.text("KenhThanhToan").map_err(malformed)?,
        },
    })
}

/// PayHub's reply to a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyReply {
    /// `MaLoi` (its `MoTa` comes with it).
    pub code: NotifyCode,
    /// `MaGiaoDich` of the notification (empty when it could not be read).
    pub bank_txn_id: String,
}

impl NotifyReply {
    /// A reply to a notification that failed verification: echoes its `MaGiaoDich` when the body
    /// is readable JSON (echoed only, never trusted).
    pub fn echoing(code: NotifyCode, body: &[u8]) -> NotifyReply {
        NotifyReply {
            code,
            bank_txn_id: echo(body, "MaGiaoDich"),
        }
    }

    /// The JSON body with `ChuKy` over `MaLoi|MaGiaoDich`.
    pub fn to_json(&self, partner: &Partner) -> String {
        let body = NotifyReplyBody {
            MaLoi: self.code.as_str(),
            MoTa: self.code.message(),
            MaGiaoDich: &self.bank_txn_id,
        };
        wire::signed_json(partner.secret, wire::NOTIFY_REPLY, &body)
    }
}
