//! PayHub → BIDV: register a bill (§1) and query it (§4).

use chrono::{DateTime, FixedOffset};

use super::codes::{RegisterCode, ReplyCode};
use super::wire::{self, Fields, QueryBody, RegisterBody};
use super::{check_checksum, malformed, BidvError, Partner};
use crate::{compact_time, TxnStatus, Vnd};

/// A bill PayHub registers with BIDV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    /// `MaHoaDon`: PayHub's attempt reference, the code the citizen pays.
    pub bill_code: String,
    /// `SoTien`, whole đồng.
    pub amount: Vnd,
    /// `NoiDung`.
    pub description: String,
    /// `HanThanhToan`: pay by; any offset, sent as GMT+7.
    pub due: DateTime<FixedOffset>,
    /// `TKThuHuong`: the beneficiary account BIDV credits.
    pub account_no: String,
    /// `TenTKThuHuong`.
    pub account_name: String,
}

/// BIDV's verified answer to a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// `MaLoi`.
    pub code: RegisterCode,
    /// `MoTa`.
    pub message: String,
    /// `UrlThanhToan`: where to send the browser; present when `code` is `Ok`.
    pub payment_url: Option<String>,
}

/// BIDV's verified answer to a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillQuery {
    /// `MaLoi`.
    pub code: ReplyCode,
    /// `TrangThai` mapped (`PAID` → Paid, `UNPAID` → Pending, `EXPIRED` → Failed), when `code` is `Ok`.
    pub status: Option<TxnStatus>,
    /// `MaGiaoDich`, once paid.
    pub bank_txn_id: Option<String>,
    /// `SoTien`, once paid.
    pub amount: Option<Vnd>,
    /// `ThoiGianGD`. Outside the checksum (bidv.md §4), so informative only.
    pub paid_at: Option<DateTime<FixedOffset>>,
}

/// The signed body of `POST {base}/thuho/v1/bill/register`.
pub fn register_body(partner: &Partner, bill: &Bill, now_unix: i64) -> String {
    let body = RegisterBody {
        MaDoiTac: partner.code,
        MaHoaDon: &bill.bill_code,
        SoTien: bill.amount.dong(),
        NoiDung: &bill.description,
        HanThanhToan: compact_time::format(&bill.due),
        TKThuHuong: &bill.account_no,
        TenTKThuHuong: &bill.account_name,
        ThoiGian: compact_time::format_unix(now_unix),
    };
    wire::signed_json(partner.secret, wire::REGISTER, &body)
}

/// Verifies the registration reply for `bill_code`, `ChuKy` over `MaLoi|MaHoaDon|UrlThanhToan`.
/// The spec's reply example has no `MaHoaDon`; PayHub signs over the bill code it asked about,
/// and refuses a reply that names another one.
pub fn verify_register_reply(
    partner: &Partner,
    bill_code: &str,
    body: &[u8],
) -> Result<Registration, BidvError> {
    let message = verify_about(partner, body, wire::REGISTER_REPLY, "MaHoaDon", bill_code)?;
    let text = |key: &str| message.text(key).map_err(malformed);
    let code = RegisterCode::parse(&text("MaLoi")?);
    let url = text("UrlThanhToan")?;
    if code == RegisterCode::Ok && url.is_empty() {
        return Err(malformed("UrlThanhToan is missing"));
    }
    Ok(Registration {
        code,
        message: text("MoTa")?,
        payment_url: (!url.is_empty()).then_some(url),
    })
}

/// The signed body of `POST {base}/thuho/v1/bill/query`.
pub fn query_body(partner: &Partner, bill_code: &str, now_unix: i64) -> String {
    let body = QueryBody {
        MaDoiTac: partner.code,
        MaHoaDon: bill_code,
        ThoiGian: compact_time::format_unix(now_unix),
    };
    wire::signed_json(partner.secret, wire::QUERY, &body)
}

/// Verifies the query reply for `bill_code`, `ChuKy` over
/// `MaLoi|MaHoaDon|TrangThai|MaGiaoDich|SoTien`; `MaHoaDon` is handled as in
/// [`verify_register_reply`].
pub fn verify_query_reply(
    partner: &Partner,
    bill_code: &str,
    body: &[u8],
) -> Result<BillQuery, BidvError> {
    let message = verify_about(partner, body, wire::QUERY_REPLY, "MaHoaDon", bill_code)?;
    let text = |key: &str| message.text(key).map_err(malformed);
    let code = ReplyCode::parse(&text("MaLoi")?);
    let amount = match text("SoTien")? {
        amount if amount.is_empty() => None,
        amount => {
            Some(Vnd::parse(&amount).map_err(|e| malformed(format!("SoTien {amount:?}: {e}")))?)
        }
    };
    let paid_at = match text("ThoiGianGD")? {
        at if at.is_empty() => None,
        at => {
            Some(compact_time::parse(&at).ok_or_else(|| malformed(format!("ThoiGianGD {at:?}")))?)
        }
    };
    let bank_txn_id = text("MaGiaoDich")?;
    Ok(BillQuery {
        status: (code == ReplyCode::Ok)
            .then(|| text("TrangThai").map(|s| wire::bill_status(&s)))
            .transpose()?,
        code,
        bank_txn_id: (!bank_txn_id.is_empty()).then_some(bank_txn_id),
        amount,
        paid_at,
    })
}

/// Verifies a reply whose checksum covers a reference (`key`) the reply may leave out: the
/// reference PayHub asked about stands in for it, and a reply naming another is refused.
pub(super) fn verify_about(
    partner: &Partner,
    body: &[u8],
    fields: &[&str],
    key: &str,
    expected: &str,
) -> Result<Fields, BidvError> {
    let mut message = Fields::parse(body).map_err(malformed)?;
    let named = message.text(key).map_err(malformed)?;
    if named.is_empty() {
        message.0.insert(key.to_owned(), expected.into());
    }
    // The checksum first, so a forged reply reads as forged rather than as "wrong bill".
    check_checksum(partner, &message, fields)?;
    if !named.is_empty() && named != expected {
        return Err(BidvError::WrongReference {
            expected: expected.to_owned(),
            got: named,
        });
    }
    Ok(message)
}
