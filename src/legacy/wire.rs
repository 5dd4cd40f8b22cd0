//! The message set's JSON as partners send it (legacy-platform.md), field names as the spec
//! spells them. Every field defaults to "" so that a missing one is reported as `01` naming it,
//! and so that the checksum is computed over exactly what arrived.

use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use super::checksum::checksum;

/// What every message carries before dispatch: its type and who sent it.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(rename = "LoaiBanTin", default, deserialize_with = "text")]
    pub kind: String,
    #[serde(rename = "MaDoiTac", default, deserialize_with = "text")]
    pub partner: String,
    #[serde(rename = "MaThamChieu", default, deserialize_with = "text")]
    pub reference: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InitRequest {
    #[serde(rename = "LoaiBanTin", default, deserialize_with = "text")]
    pub kind: String,
    #[serde(rename = "PhienBan", default, deserialize_with = "text")]
    pub version: String,
    #[serde(rename = "MaDoiTac", default, deserialize_with = "text")]
    pub partner: String,
    #[serde(rename = "MaThamChieu", default, deserialize_with = "text")]
    pub reference: String,
    #[serde(rename = "SoTien", default, deserialize_with = "text")]
    pub amount: String,
    #[serde(rename = "LoaiHinhThanhToan", default, deserialize_with = "text")]
    pub payment_type: String,
    #[serde(rename = "MaKenhThanhToan", default, deserialize_with = "text")]
    pub channel: String,
    #[serde(rename = "MaThietBi", default, deserialize_with = "text")]
    pub device: String,
    #[serde(rename = "NgonNgu", default, deserialize_with = "text")]
    pub language: String,
    #[serde(rename = "MaTienTe", default, deserialize_with = "text")]
    pub currency: String,
    #[serde(rename = "MaNganHang", default, deserialize_with = "text")]
    pub bank: String,
    #[serde(rename = "ThongTinGiaoDich", default, deserialize_with = "text")]
    pub transaction_info: String,
    #[serde(rename = "ThoiGianGD", default, deserialize_with = "text")]
    pub time: String,
    #[serde(rename = "Ip", default, deserialize_with = "text")]
    pub ip: String,
    #[serde(rename = "ThongTinBienLai", default)]
    pub bill: BillInfo,
    #[serde(rename = "MaXacThuc", default, deserialize_with = "text")]
    pub checksum: String,
}

impl InitRequest {
    /// The fields `MaXacThuc` covers, in the spec's order.
    pub fn signed_values(&self) -> [&str; 14] {
        [
            &self.kind,
            &self.version,
            &self.partner,
            &self.reference,
            &self.amount,
            &self.payment_type,
            &self.channel,
            &self.device,
            &self.language,
            &self.currency,
            &self.bank,
            &self.transaction_info,
            &self.time,
            &self.ip,
        ]
    }
}

/// `ThongTinBienLai`: the order itself.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BillInfo {
    #[serde(rename = "MaDichVu", default, deserialize_with = "text")]
    pub service: String,
    #[serde(rename = "MaHoSo", default, deserialize_with = "text")]
    pub dossier_code: String,
    #[serde(rename = "MaTTHC", default, deserialize_with = "text")]
    pub procedure_code: String,
    #[serde(rename = "TenTTHC", default, deserialize_with = "text")]
    pub procedure_name: String,
    #[serde(rename = "MaDonVi", default, deserialize_with = "text")]
    pub agency_code: String,
    #[serde(rename = "TenDonVi", default, deserialize_with = "text")]
    pub agency_name: String,
    #[serde(rename = "TKThuHuong", default, deserialize_with = "text")]
    pub account_no: String,
    #[serde(rename = "MaNHThuHuong", default, deserialize_with = "text")]
    pub account_bank: String,
    #[serde(rename = "TenTKThuHuong", default, deserialize_with = "text")]
    pub account_name: String,
    #[serde(rename = "HoTenNguoiNop", default, deserialize_with = "text")]
    pub payer_name: String,
    #[serde(rename = "SoCMNDNguoiNop", default, deserialize_with = "text")]
    pub payer_id_number: String,
    #[serde(rename = "PhiLePhi", default)]
    pub fees: Vec<FeeLine>,
    #[serde(rename = "DSKhoanNop", default)]
    pub other_items: Vec<OtherLine>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FeeLine {
    #[serde(rename = "LoaiPhiLePhi", default, deserialize_with = "text")]
    pub kind: String,
    #[serde(rename = "MaPhiLePhi", default, deserialize_with = "text")]
    pub code: String,
    #[serde(rename = "TenPhiLePhi", default, deserialize_with = "text")]
    pub name: String,
    #[serde(rename = "SoTien", default, deserialize_with = "text")]
    pub amount: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OtherLine {
    #[serde(rename = "NoiDung", default, deserialize_with = "text")]
    pub description: String,
    #[serde(rename = "SoTien", default, deserialize_with = "text")]
    pub amount: String,
}

/// QUERY and GET_BILL: the same fields, the same checksum.
#[derive(Debug, Clone, Deserialize)]
pub struct LookupRequest {
    #[serde(rename = "LoaiBanTin", default, deserialize_with = "text")]
    pub kind: String,
    #[serde(rename = "PhienBan", default, deserialize_with = "text")]
    pub version: String,
    #[serde(rename = "MaDoiTac", default, deserialize_with = "text")]
    pub partner: String,
    #[serde(rename = "MaThamChieu", default, deserialize_with = "text")]
    pub reference: String,
    #[serde(rename = "ThoiGianGD", default, deserialize_with = "text")]
    pub time: String,
    #[serde(rename = "MaXacThuc", default, deserialize_with = "text")]
    pub checksum: String,
}

impl LookupRequest {
    pub fn signed_values(&self) -> [&str; 5] {
        [
            &self.kind,
            &self.version,
            &self.partner,
            &self.reference,
            &self.time,
        ]
    }
}

/// Reply codes `MaLoi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyCode {
    Ok,
    InvalidData,
    ReferenceReused,
    UnknownReference,
    BadChecksum,
    Other,
}

impl ReplyCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyCode::Ok => "00",
            ReplyCode::InvalidData => "01",
            ReplyCode::ReferenceReused => "02",
            ReplyCode::UnknownReference => "03",
            ReplyCode::BadChecksum => "97",
            ReplyCode::Other => "99",
        }
    }
}

/// The INIT reply, signed over `MaLoi|MaDoiTac|MaThamChieu|UrlThanhToan|ThoiGianGD`. Without a
/// secret (an unknown partner) `MaXacThuc` is empty: there is nothing to sign with.
pub fn init_reply(
    code: ReplyCode,
    message: &str,
    partner: &str,
    reference: &str,
    pay_url: &str,
    time: &str,
    secret: Option<&str>,
) -> Value {
    let values = [code.as_str(), partner, reference, pay_url, time];
    json!({"MaLoi": code.as_str(), "MoTaLoi": message, "MaDoiTac": partner,
           "MaThamChieu": reference, "UrlThanhToan": pay_url, "ThoiGianGD": time,
           "MaXacThuc": secret.map(|s| checksum(&values, s)).unwrap_or_default()})
}

/// The QUERY reply's status part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryStatus {
    pub state: String,
    pub bank_txn_id: String,
    pub bank: String,
    pub amount: String,
}

/// The QUERY reply, signed over `MaLoi|MaDoiTac|MaThamChieu|TrangThaiGD|MaGiaoDich|SoTien|
/// ThoiGianGD`.
pub fn query_reply(
    code: ReplyCode,
    message: &str,
    partner: &str,
    reference: &str,
    status: &QueryStatus,
    time: &str,
    secret: Option<&str>,
) -> Value {
    let values = [
        code.as_str(),
        partner,
        reference,
        &status.state,
        &status.bank_txn_id,
        &status.amount,
        time,
    ];
    json!({"MaLoi": code.as_str(), "MoTaLoi": message, "MaDoiTac": partner,
           "MaThamChieu": reference, "TrangThaiGD": status.state,
           "MaGiaoDich": status.bank_txn_id, "MaNganHang": status.bank, "SoTien": status.amount,
           "ThoiGianGD": time,
           "MaXacThuc": secret.map(|s| checksum(&values, s)).unwrap_or_default()})
}

/// Replies that carry no more than the outcome (GET_BILL's refusals, unreadable messages),
/// signed like the partner's own CONFIRM reply: over `MaLoi|MaDoiTac|MaThamChieu|ThoiGianGD`.
pub fn short_reply(
    code: ReplyCode,
    message: &str,
    partner: &str,
    reference: &str,
    time: &str,
    secret: Option<&str>,
) -> Value {
    let values = [code.as_str(), partner, reference, time];
    json!({"MaLoi": code.as_str(), "MoTaLoi": message, "MaDoiTac": partner,
           "MaThamChieu": reference, "ThoiGianGD": time,
           "MaXacThuc": secret.map(|s| checksum(&values, s)).unwrap_or_default()})
}

/// Strings as sent; a number (a partner that forgot the quotes) is taken as its digits, and
/// `null` as "". Anything else is a data error naming the field.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(serde::de::Error::custom("must be a string")),
    }
}
