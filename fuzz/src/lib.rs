//! What the fuzz targets share: the fixed credentials (the golden vectors' own, so the vectors in
//! the seed corpora verify as they are) and the re-signing that lets the fuzzer reach past a
//! signature check.
//!
//! Every target reads its input as one mode byte and then the message. With the mode's low bit
//! set, the target signs the message itself before verifying it, so the code *behind* the
//! signature (amounts, dates, codes) sees hostile input too; clear, the bytes go in as they are,
//! so the signature check itself and what precedes it are fuzzed.

use bank_adapters::bidv::{self, Partner};
use bank_adapters::vcb::Merchant;
use bank_adapters::vnpay::{wire as vnpay_wire, Terminal};
use serde_json::{Map, Value};

/// The VNPAY terminal of `bank-adapters/tests/vnpay_vectors.rs`.
pub const TERMINAL: Terminal = Terminal {
    code: "TEST_TMN_CODE",
    hash_secret: "test_secret",
};

/// The VCB merchant of `bank-adapters/tests/vcb_vectors.rs`.
pub const MERCHANT: Merchant = Merchant {
    id: "PAYHUB01",
    secret: "vcb_test_secret",
};

/// The BIDV partner of `bank-adapters/tests/bidv_vectors.rs`.
pub const PARTNER: Partner = Partner {
    code: "DVCQG",
    secret: "bidv_test_secret",
};

/// 2026-05-30 21:00:00 GMT+7, the vectors' clock; their messages are fresh at this time.
pub const NOW: i64 = 1_780_149_600;

/// The input split as described in the crate doc: whether to re-sign, and the message.
pub fn split_mode(data: &[u8]) -> Option<(bool, &[u8])> {
    let (&mode, message) = data.split_first()?;
    Some((mode & 1 == 1, message))
}

/// VNPAY §1: the query with a correct `vnp_SecureHash` appended over its own fields, or `None`
/// when it does not decode (then there is nothing to sign).
pub fn sign_vnpay_query(query: &str) -> Option<String> {
    let pairs = decode_pairs(query)?;
    let canonical =
        vnpay_wire::canonical_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let hash = vnpay_wire::secure_hash(TERMINAL.hash_secret, &canonical);
    Some(format!("{query}&vnp_SecureHash={hash}"))
}

/// VNPAY §3: a JSON object body with `vnp_SecureHash` set over `signed`, re-serialized; `None`
/// when it is not an object whose signed values are text.
pub fn sign_vnpay_api(body: &[u8], signed: &[&str]) -> Option<Vec<u8>> {
    let mut fields = json_object(body)?;
    let values = signed
        .iter()
        .map(|k| raw_text(&fields, k))
        .collect::<Option<Vec<_>>>()?;
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    let hash = vnpay_wire::pipe_hash(TERMINAL.hash_secret, &values);
    fields.insert("vnp_SecureHash".into(), Value::String(hash));
    serde_json::to_vec(&Value::Object(fields)).ok()
}

/// bidv.md "Checksum": a JSON object body with `ChuKy` set over `signed`; `None` as above.
pub fn sign_bidv(body: &[u8], signed: &[&str]) -> Option<Vec<u8>> {
    let mut fields = json_object(body)?;
    let joined = bidv::wire::Fields(fields.clone()).joined(signed).ok()?;
    let checksum = bidv::wire::checksum(PARTNER.secret, &joined);
    fields.insert("ChuKy".into(), Value::String(checksum));
    serde_json::to_vec(&Value::Object(fields)).ok()
}

fn json_object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A value as the banks' JSON APIs read it: strings as they are, whole numbers in digits.
fn raw_text(fields: &Map<String, Value>, key: &str) -> Option<String> {
    match fields.get(key) {
        None | Some(Value::Null) => Some(String::new()),
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
        Some(_) => None,
    }
}

/// Form decoding as the adapters do it (`+` a space, `%XX` a byte), kept apart from theirs so a
/// bug in one does not hide in the other.
fn decode_pairs(query: &str) -> Option<Vec<(String, String)>> {
    let query = query.strip_prefix('?').unwrap_or(query);
    query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (key, value) = segment.split_once('=').unwrap_or((segment, ""));
            Some((decode(key)?, decode(value)?))
        })
        .collect()
}

fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}
