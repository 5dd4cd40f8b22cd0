//! PayHub → BIDV refund (bidv.md §5).

use super::bills::verify_about;
use super::codes::ReplyCode;
use super::wire::{self, RefundBody};
use super::{malformed, BidvError, Partner};
use crate::{compact_time, RefundStatus, Vnd};

/// What PayHub asks BIDV to give back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOrder {
    /// `MaGiaoDich` of the payment.
    pub bank_txn_id: String,
    /// `MaHoanTien`: PayHub's refund reference.
    pub refund_ref: String,
    /// `SoTien`, whole đồng.
    pub amount: Vnd,
    /// `LyDo`.
    pub reason: String,
}

/// BIDV's verified answer to a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReceipt {
    /// `MaLoi`.
    pub code: ReplyCode,
    /// `MaHoanTien`.
    pub refund_ref: String,
    /// `TrangThai`, when `code` is `Ok`.
    pub status: Option<RefundStatus>,
}

/// The signed body of `POST {base}/thuho/v1/refund`, `ChuKy` over
/// `MaDoiTac|MaGiaoDich|MaHoanTien|SoTien|ThoiGian`.
pub fn refund_body(partner: &Partner, order: &RefundOrder, now_unix: i64) -> String {
    let body = RefundBody {
        MaDoiTac: partner.code,
        MaGiaoDich: &order.bank_txn_id,
        MaHoanTien: &order.refund_ref,
        SoTien: order.amount.dong(),
        LyDo: &order.reason,
        ThoiGian: compact_time::format_unix(now_unix),
    };
    wire::signed_json(partner.secret, wire::REFUND, &body)
}

/// Verifies the refund reply for `refund_ref`, `ChuKy` over `MaLoi|MaHoanTien|TrangThai` (see
/// [`wire::REFUND_REPLY`]: the spec does not list them, PayHub reads them like every reply).
pub fn verify_refund_reply(
    partner: &Partner,
    refund_ref: &str,
    body: &[u8],
) -> Result<RefundReceipt, BidvError> {
    let message = verify_about(partner, body, wire::REFUND_REPLY, "MaHoanTien", refund_ref)?;
    let text = |key: &str| message.text(key).map_err(malformed);
    let code = ReplyCode::parse(&text("MaLoi")?);
    Ok(RefundReceipt {
        status: (code == ReplyCode::Ok)
            .then(|| text("TrangThai").map(|s| wire::refund_status(&s)))
            .transpose()?,
        code,
        refund_ref: text("MaHoanTien")?,
    })
}
