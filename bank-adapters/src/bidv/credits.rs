//! BIDV → PayHub credit notification (vietqr.md §4): `ChuKy` over
//! `MaDoiTac|SoTaiKhoan|SoTien|MaGiaoDich|ThoiGian|NoiDung`; PayHub replies `{"MaLoi":"00"}` or
//! `97`.

use super::wire::{self, CreditBody};
use super::{check_partner, malformed, required, verify_fields, BidvError, Partner};
use crate::vietqr::Credit;
use crate::{compact_time, BankCode, Vnd};

/// Where BIDV posts credit notifications, under PayHub's public URL.
pub const CREDITS_CALLBACK_PATH: &str = "/callbacks/bidv/credits";

/// Verifies a credit notification: checksum, then partner, then the fields.
///
/// No freshness check, as for payment notifications (§3): `ThoiGian` is when the account was
/// credited, which a late or retried notification legitimately carries past 15 minutes; a
/// replay is harmless because PayHub records each `MaGiaoDich` once.
pub fn verify_credit(partner: &Partner, body: &[u8]) -> Result<Credit, BidvError> {
    let message = verify_fields(partner, body, wire::CREDIT)?;
    check_partner(partner, &message)?;
    let amount = required(&message, "SoTien")?;
    let at = required(&message, "ThoiGian")?;
    let bank_txn_id = required(&message, "MaGiaoDich")?;
    Ok(Credit {
        bank: BankCode::Bidv,
        merchant: partner.code.to_owned(),
        event_id: bank_txn_id.clone(),
        account_no: required(&message, "SoTaiKhoan")?,
        amount: Vnd::parse(&amount).map_err(|e| malformed(format!("SoTien {amount:?}: {e}")))?,
        currency_is_vnd: true,
        bank_txn_id,
        credited_at: compact_time::parse(&at)
            .ok_or_else(|| malformed(format!("ThoiGian {at:?}")))?,
        content: message.text("NoiDung").map_err(malformed)?,
        counterparty: None,
    })
}

/// The body BIDV sends for `credit`, signed (for the simulator). `|` and line breaks in the
/// content become spaces, as BIDV does (statements.md "BIDV").
pub fn credit_body(partner: &Partner, credit: &Credit) -> String {
    let content = sanitize_content(&credit.content);
    let body = CreditBody {
        MaDoiTac: partner.code,
        SoTaiKhoan: &credit.account_no,
        SoTien: credit.amount.dong(),
        MaGiaoDich: &credit.bank_txn_id,
        ThoiGian: compact_time::format(&credit.credited_at),
        NoiDung: &content,
    };
    wire::signed_json(partner.secret, wire::CREDIT, &body)
}

/// BIDV's content rule: any character but `|` and line breaks, which become spaces.
pub fn sanitize_content(content: &str) -> String {
    content.replace(['|', '\n', '\r'], " ")
}

/// PayHub's reply: `{"MaLoi":"00"}` once stored, `97` for a bad checksum, `99` when PayHub
/// could not store it (BIDV retries).
pub fn credit_reply(code: &str) -> String {
    serde_json::json!({ "MaLoi": code }).to_string()
}
