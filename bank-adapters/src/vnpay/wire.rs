//! VNPAY's wire format, byte for byte (vnpay.md): the PHP form encoding, the canonical query
//! string, the `|`-joined strings of the JSON API, amounts ×100, the JSON bodies, and what its
//! codes mean. The rest of the crate speaks PayHub's types; the simulator shares this file.
// JSON field names exactly as VNPAY spells them; their meaning is in the spec section each
// struct cites, so the fields carry no docs of their own.
#![allow(non_snake_case, missing_docs)]

use serde::Serialize;
use serde_json::{Map, Value};

use crate::signing::hmac_sha512_hex;
use crate::{RefundStatus, TxnStatus, Vnd};

/// vnpay.md: protocol version 2.1.0.
pub const VERSION: &str = "2.1.0";

/// PHP's `urlencode` (vnpay.md §1): `A–Z a–z 0–9 - _ .` stay, space becomes `+`, every other
/// byte `%XX` in uppercase hex. Unlike `form_urlencoded`, `*` is escaped too.
pub fn php_urlencode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0xF)] as char);
            }
        }
    }
    out
}

/// Whether a query key takes part in the signature (vnpay.md §1): `vnp_` keys but the hash's own.
pub fn is_signed_key(key: &str) -> bool {
    key.starts_with("vnp_") && key != "vnp_SecureHash" && key != "vnp_SecureHashType"
}

/// The canonical string of vnpay.md §1: signed keys with a non-empty value, sorted by key
/// byte-wise, `enc(key)=enc(value)` joined by `&`.
pub fn canonical_query<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut kept: Vec<(&str, &str)> = fields
        .into_iter()
        .filter(|(key, value)| is_signed_key(key) && !value.is_empty())
        .collect();
    // `str`'s order is byte order, which is what the spec asks for.
    kept.sort_by(|a, b| a.0.cmp(b.0));
    kept.iter()
        .map(|(key, value)| {
            format!(
                "{}={}",
                php_urlencode(key.as_bytes()),
                php_urlencode(value.as_bytes())
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `vnp_SecureHash` of a canonical string: lowercase hex HMAC-SHA512 keyed by the HashSecret.
pub fn secure_hash(hash_secret: &str, canonical: &str) -> String {
    hmac_sha512_hex(hash_secret, canonical)
}

/// vnpay.md §3: the JSON API signs the raw values joined by `|`.
pub fn pipe_hash(hash_secret: &str, values: &[&str]) -> String {
    hmac_sha512_hex(hash_secret, values.join("|"))
}

/// `vnp_Amount`: the amount in đồng × 100, digits only.
pub fn amount_x100(amount: Vnd) -> String {
    // Vnd::MAX_DONG × 100 is 10^17, well inside i64.
    (amount.dong() * 100).to_string()
}

/// Reads a ×100 amount back into whole đồng; a remainder is an error, never rounded.
pub fn amount_from_x100(text: &str) -> Result<Vnd, String> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "amount×100 {text:?} is not a number of at most 18 digits"
        ));
    }
    let x100: i64 = text
        .parse()
        .map_err(|_| format!("amount×100 {text:?} is too large"))?;
    if x100 % 100 != 0 {
        return Err(format!("amount×100 {text} is not a whole number of đồng"));
    }
    Vnd::from_dong(x100 / 100).map_err(|e| e.to_string())
}

/// A payment's state from an IPN or return URL (vnpay.md §2). Success needs both codes `00`.
pub fn ipn_status(response_code: &str, transaction_status: &str) -> TxnStatus {
    match (response_code, transaction_status) {
        ("00", "00") => TxnStatus::Paid,
        // 01 not completed, 05 VNPAY still processing: querydr settles it later.
        ("00", "01" | "05") => TxnStatus::Pending,
        // "Success" with any other transaction status contradicts itself: staff must look.
        ("00", other) => TxnStatus::Unknown(format!("00/{other}")),
        ("24", _) => TxnStatus::Cancelled,
        // "Charged but suspected fraud (hold for review)": the money may still arrive.
        ("07", _) => TxnStatus::Pending,
        (code @ ("09" | "10" | "11" | "12" | "13" | "51" | "65" | "75" | "79" | "99"), _) => {
            TxnStatus::Failed {
                code: code.to_owned(),
            }
        }
        // vnpay.md §2: "Unknown codes mean failed."
        (other, _) => TxnStatus::Failed {
            code: other.to_owned(),
        },
    }
}

/// A transaction's state from a querydr answer (vnpay.md §3): `vnp_TransactionStatus` read
/// together with `vnp_TransactionType` (01 payment, 02 full refund, 03 partial refund). An
/// unknown type of a successful transaction is `Unknown("00/<type>")`.
pub fn query_status(transaction_type: &str, transaction_status: &str) -> TxnStatus {
    match (transaction_status, transaction_type) {
        ("00", "01") => TxnStatus::Paid,
        ("00", "02" | "03") => TxnStatus::Refunded,
        ("00", other) => TxnStatus::Unknown(format!("00/{other}")),
        // 01 not completed, 05 processing, 07 held as suspected fraud: not final.
        ("01" | "05" | "07", _) => TxnStatus::Pending,
        // 02 error, 04 reversed: no money stays with the merchant.
        (code @ ("02" | "04"), _) => TxnStatus::Failed {
            code: code.to_owned(),
        },
        // 06: the refund was sent to the citizen's bank.
        ("06", _) => TxnStatus::Refunded,
        // 09: a refund was rejected, so the payment stands.
        ("09", _) => TxnStatus::Paid,
        (other, _) => TxnStatus::Unknown(other.to_owned()),
    }
}

/// `vnp_TransactionStatus` of an accepted refund (vnpay.md §2's list).
pub fn refund_status(transaction_status: &str) -> RefundStatus {
    match transaction_status {
        "00" => RefundStatus::Succeeded,
        // 05 VNPAY processing, 06 sent to the citizen's bank: not back with the citizen yet.
        "05" | "06" => RefundStatus::Pending,
        // 02 error, 09 refund rejected.
        "02" | "09" => RefundStatus::Failed,
        other => RefundStatus::Unknown(other.to_owned()),
    }
}

/// `{"RspCode":"00","Message":"Confirm Success"}`: the IPN reply body.
#[derive(Serialize)]
pub struct IpnReplyBody<'a> {
    pub RspCode: &'a str,
    pub Message: &'a str,
}

/// The querydr request (vnpay.md §3): every value a JSON string.
#[derive(Serialize)]
pub struct QueryDrBody {
    pub vnp_RequestId: String,
    pub vnp_Version: String,
    pub vnp_Command: String,
    pub vnp_TmnCode: String,
    pub vnp_TxnRef: String,
    pub vnp_OrderInfo: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vnp_TransactionNo: Option<String>,
    pub vnp_TransactionDate: String,
    pub vnp_CreateDate: String,
    pub vnp_IpAddr: String,
    pub vnp_SecureHash: String,
}

/// The refund request (vnpay.md §3).
#[derive(Serialize)]
pub struct RefundBody {
    pub vnp_RequestId: String,
    pub vnp_Version: String,
    pub vnp_Command: String,
    pub vnp_TmnCode: String,
    pub vnp_TransactionType: String,
    pub vnp_TxnRef: String,
    pub vnp_Amount: String,
    pub vnp_TransactionNo: String,
    pub vnp_TransactionDate: String,
    pub vnp_CreateBy: String,
    pub vnp_CreateDate: String,
    pub vnp_IpAddr: String,
    pub vnp_OrderInfo: String,
    pub vnp_SecureHash: String,
}

/// Fields whose values, in this order, the querydr response hash covers (vnpay.md §3).
#[rustfmt::skip]
pub const QUERYDR_RESPONSE_SIGNED: [&str; 15] = [
    "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
    "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
    "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode",
    "vnp_PromotionAmount",
];

/// The refund response hash: querydr's without the two promotion fields (vnpay.md §3).
#[rustfmt::skip]
pub const REFUND_RESPONSE_SIGNED: [&str; 13] = [
    "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
    "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
    "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo",
];

/// A JSON API response read as raw text values: strings as they are, integers in their digits,
/// a missing or null value as empty (vnpay.md §3: "a missing value joining as empty").
pub struct ApiFields(Map<String, Value>);

impl ApiFields {
    /// Parses a response body that must be a JSON object.
    pub fn parse(body: &[u8]) -> Result<ApiFields, String> {
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => Ok(ApiFields(map)),
            Ok(_) => Err("the response is not a JSON object".to_owned()),
            Err(e) => Err(format!("the response is not JSON: {e}")),
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

    /// The values of `keys` joined by `|`, the message the response hash covers.
    pub fn pipe_joined(&self, keys: &[&str]) -> Result<String, String> {
        let values = keys
            .iter()
            .map(|k| self.text(k))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(values.join("|"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_urlencode_escapes_what_form_urlencoded_leaves_bare() {
        assert_eq!(php_urlencode(b"a-b_c.d"), "a-b_c.d");
        assert_eq!(php_urlencode(b"* ~!'()"), "%2A+%7E%21%27%28%29");
        assert_eq!(php_urlencode("đ".as_bytes()), "%C4%91");
    }

    #[test]
    fn amounts_scale_by_one_hundred_and_never_round() {
        assert_eq!(amount_x100(Vnd::from_dong(150_000).unwrap()), "15000000");
        assert_eq!(amount_from_x100("15000000").unwrap().dong(), 150_000);
        for bad in ["15000050", "", "-100", "1e4", "1000000000000000000"] {
            assert!(amount_from_x100(bad).is_err(), "{bad}");
        }
    }
}
