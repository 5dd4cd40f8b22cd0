//! BIDV's wire format (bidv.md, PayHub's reference interface until the contract's document
//! replaces it): the `ChuKy` field lists, JSON bodies and `MaLoi` codes.
// JSON field names exactly as BIDV spells them; their meaning is in the spec section each
// struct cites, so the fields carry no docs of their own.
#![allow(non_snake_case, missing_docs)]

use serde::Serialize;
use serde_json::{Map, Value};

use crate::signing::hmac_sha256_hex;
use crate::{RefundStatus, TxnStatus};

/// bidv.md "Checksum": messages older than 15 minutes by `ThoiGian` are refused.
pub const MAX_AGE_SECS: i64 = 15 * 60;

// The fields each message's `ChuKy` covers, in order (bidv.md §1–§5).
/// §1 register request.
pub const REGISTER: &[&str] = &[
    "MaDoiTac",
    "MaHoaDon",
    "SoTien",
    "HanThanhToan",
    "TKThuHuong",
    "ThoiGian",
];
/// §1 register reply.
pub const REGISTER_REPLY: &[&str] = &["MaLoi", "MaHoaDon", "UrlThanhToan"];
/// §2 inquiry.
pub const INQUIRY: &[&str] = &["MaDoiTac", "MaHoaDon", "ThoiGian"];
/// §2 inquiry reply.
pub const INQUIRY_REPLY: &[&str] = &["MaLoi", "MaHoaDon", "SoTien"];
/// §3 payment notification.
pub const NOTIFY: &[&str] = &[
    "MaDoiTac",
    "MaHoaDon",
    "MaGiaoDich",
    "SoTien",
    "ThoiGianGD",
    "TKThuHuong",
];
/// §3 notification reply.
pub const NOTIFY_REPLY: &[&str] = &["MaLoi", "MaGiaoDich"];
/// §4 query.
pub const QUERY: &[&str] = &["MaDoiTac", "MaHoaDon", "ThoiGian"];
/// §4 query reply.
pub const QUERY_REPLY: &[&str] = &["MaLoi", "MaHoaDon", "TrangThai", "MaGiaoDich", "SoTien"];
/// §5 refund.
pub const REFUND: &[&str] = &["MaDoiTac", "MaGiaoDich", "MaHoanTien", "SoTien", "ThoiGian"];
/// §5 refund reply. The spec names its fields but not the checksum's; PayHub reads it as every
/// other reply: the fields before `ChuKy`, in order.
pub const REFUND_REPLY: &[&str] = &["MaLoi", "MaHoanTien", "TrangThai"];

/// `ChuKy`: lowercase hex HMAC-SHA256(secret, the values joined by `|`).
pub fn checksum(secret: &str, joined: &str) -> String {
    hmac_sha256_hex(secret, joined)
}

/// A BIDV JSON message read as raw text values: strings as they are, whole numbers in plain
/// digits ("values as they appear in the JSON"), absent or null as empty.
#[derive(Debug, Clone)]
pub struct Fields(pub Map<String, Value>);

impl Fields {
    /// Parses a body that must be a JSON object.
    pub fn parse(body: &[u8]) -> Result<Fields, String> {
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => Ok(Fields(map)),
            Ok(_) => Err("the message is not a JSON object".to_owned()),
            Err(e) => Err(format!("the message is not JSON: {e}")),
        }
    }

    /// The raw text of `key`.
    pub fn text(&self, key: &str) -> Result<String, String> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Number(n)) if n.is_u64() => Ok(n.to_string()),
            Some(_) => Err(format!("{key} is neither a string nor a whole number")),
        }
    }

    /// The values of `keys` joined by `|`: what `ChuKy` covers.
    pub fn joined(&self, keys: &[&str]) -> Result<String, String> {
        let values = keys
            .iter()
            .map(|k| self.text(k))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(values.join("|"))
    }

    /// Whether one of `keys` holds the separator `|`. Such a message proves nothing: the join
    /// does not fix where one field ends, so `A|B` + `C` and `A` + `B|C` carry the same `ChuKy`
    /// and a field's text could move into the next one.
    pub fn holds_separator(&self, keys: &[&str]) -> bool {
        keys.iter()
            .any(|k| self.text(k).is_ok_and(|v| v.contains('|')))
    }
}

/// Serializes `body` with its `ChuKy` over `fields` appended, keeping the struct's field order.
pub fn signed_json<T: Serialize>(secret: &str, fields: &[&str], body: &T) -> String {
    #[derive(Serialize)]
    struct Signed<'a, T> {
        #[serde(flatten)]
        body: &'a T,
        ChuKy: String,
    }
    let Ok(Value::Object(map)) = serde_json::to_value(body) else {
        unreachable!("BIDV wire bodies are structs");
    };
    let joined = Fields(map)
        .joined(fields)
        .expect("wire bodies hold strings and whole numbers");
    let signed = Signed {
        body,
        ChuKy: checksum(secret, &joined),
    };
    serde_json::to_string(&signed).expect("wire bodies always serialize")
}

/// §1 register request body (without `ChuKy`).
#[derive(Debug, Serialize)]
pub struct RegisterBody<'a> {
    pub MaDoiTac: &'a str,
    pub MaHoaDon: &'a str,
    pub SoTien: i64,
    pub NoiDung: &'a str,
    pub HanThanhToan: String,
    pub TKThuHuong: &'a str,
    pub TenTKThuHuong: &'a str,
    pub ThoiGian: String,
}

/// §2 inquiry reply body; the amount and texts only when the bill is payable.
#[derive(Debug, Serialize)]
pub struct InquiryReplyBody<'a> {
    pub MaLoi: &'a str,
    pub MaHoaDon: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub SoTien: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub NoiDung: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub TenKhachHang: Option<&'a str>,
}

/// §3 notification reply body.
#[derive(Debug, Serialize)]
pub struct NotifyReplyBody<'a> {
    pub MaLoi: &'a str,
    pub MoTa: &'a str,
    pub MaGiaoDich: &'a str,
}

/// §4 query request body.
#[derive(Debug, Serialize)]
pub struct QueryBody<'a> {
    pub MaDoiTac: &'a str,
    pub MaHoaDon: &'a str,
    pub ThoiGian: String,
}

/// §5 refund request body.
#[derive(Debug, Serialize)]
pub struct RefundBody<'a> {
    pub MaDoiTac: &'a str,
    pub MaGiaoDich: &'a str,
    pub MaHoanTien: &'a str,
    pub SoTien: i64,
    pub LyDo: &'a str,
    pub ThoiGian: String,
}

/// §4 `TrangThai` of a bill.
pub fn bill_status(trang_thai: &str) -> TxnStatus {
    match trang_thai {
        "PAID" => TxnStatus::Paid,
        "UNPAID" => TxnStatus::Pending,
        // Nobody can pay it any more: the attempt failed, for that reason.
        "EXPIRED" => TxnStatus::Failed {
            code: "EXPIRED".to_owned(),
        },
        other => TxnStatus::Unknown(other.to_owned()),
    }
}

/// §5 `TrangThai` of a refund. The spec lists no values; PayHub expects VCB's
/// `PENDING|SUCCESS|FAILED` and keeps anything else verbatim.
pub fn refund_status(trang_thai: &str) -> RefundStatus {
    match trang_thai {
        "PENDING" => RefundStatus::Pending,
        "SUCCESS" => RefundStatus::Succeeded,
        "FAILED" => RefundStatus::Failed,
        other => RefundStatus::Unknown(other.to_owned()),
    }
}

/// RFC 3986 percent-encoding of a query value: unreserved characters kept, every other byte `%XX`.
pub fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// vietqr.md §4: the BIDV credit notification's `ChuKy` fields.
pub const CREDIT: &[&str] = &[
    "MaDoiTac",
    "SoTaiKhoan",
    "SoTien",
    "MaGiaoDich",
    "ThoiGian",
    "NoiDung",
];

/// vietqr.md §4: the BIDV credit notification body (without `ChuKy`).
#[derive(Debug, Serialize)]
pub struct CreditBody<'a> {
    pub MaDoiTac: &'a str,
    pub SoTaiKhoan: &'a str,
    pub SoTien: i64,
    pub MaGiaoDich: &'a str,
    pub ThoiGian: String,
    pub NoiDung: &'a str,
}
