//! vietqr.md §1: the EMVCo payload (NAPAS profile) and its CRC.

use crate::Vnd;

/// NAPAS's application id (object 38/00).
const NAPAS_AID: &str = "A000000727";
/// Transfer to an account (object 38/02).
const SERVICE_TO_ACCOUNT: &str = "QRIBFTTA";

/// What one VietQR code asks the citizen's bank to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPayment {
    /// The beneficiary bank's NAPAS BIN, 6 digits (`970436`).
    pub bank_bin: String,
    /// The beneficiary account.
    pub account_no: String,
    /// Whole đồng; the code is dynamic: one amount for one order.
    pub amount: Vnd,
    /// The transfer content (object 62/08).
    pub content: String,
}

/// Why a payload was refused (by the simulated citizen's app, which reads what PayHub shows).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrPaymentError {
    /// Not a sequence of `ID` + `length` + `value` objects.
    #[error("malformed VietQR payload: {0}")]
    Malformed(String),
    /// The CRC does not match the payload.
    #[error("VietQR CRC {given} does not match {computed}")]
    BadCrc {
        /// The CRC in object 63.
        given: String,
        /// The CRC of the payload.
        computed: String,
    },
}

/// One data object: `ID` (2 digits) + length (2 digits, characters of the value) + value.
fn object(id: &str, value: &str) -> String {
    format!("{id}{:02}{value}", value.chars().count())
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final xor.
pub fn crc16_ccitt_false(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0xFFFF_u16, |mut crc, &b| {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// The payload of `p`, root objects in the spec's order, ending in its CRC over everything up
/// to and including `6304`.
pub fn payload(p: &QrPayment) -> String {
    let beneficiary = object("00", &p.bank_bin) + &object("01", &p.account_no);
    let account =
        object("00", NAPAS_AID) + &object("01", &beneficiary) + &object("02", SERVICE_TO_ACCOUNT);
    let mut text = object("00", "01")
        + &object("01", "12")
        + &object("38", &account)
        + &object("53", "704")
        + &object("54", &p.amount.dong().to_string())
        + &object("58", "VN")
        + &object("62", &object("08", &p.content))
        + "6304";
    let crc = crc16_ccitt_false(text.as_bytes());
    text.push_str(&format!("{crc:04X}"));
    text
}

/// Splits `text` into its (ID, value) objects.
fn objects(text: &str) -> Result<Vec<(&str, &str)>, QrPaymentError> {
    let malformed = |why: &str| QrPaymentError::Malformed(why.to_owned());
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (id, after) = rest
            .split_at_checked(2)
            .ok_or_else(|| malformed("a truncated ID"))?;
        let (len, after) = after
            .split_at_checked(2)
            .ok_or_else(|| malformed("a truncated length"))?;
        let len: usize = len.parse().map_err(|_| malformed("a length not digits"))?;
        let end = after
            .char_indices()
            .nth(len)
            .map_or(after.len(), |(i, _)| i);
        if after[..end].chars().count() != len {
            return Err(malformed("a value shorter than its length"));
        }
        out.push((id, &after[..end]));
        rest = &after[end..];
    }
    Ok(out)
}

fn find<'a>(objects: &[(&str, &'a str)], id: &str) -> Result<&'a str, QrPaymentError> {
    objects
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, v)| *v)
        .ok_or_else(|| QrPaymentError::Malformed(format!("object {id} is missing")))
}

/// Reads a payload back: what a banking app does when it scans the code. The CRC is checked
/// first, then the objects a transfer needs.
pub fn parse_payload(text: &str) -> Result<QrPayment, QrPaymentError> {
    let body = text
        .len()
        .checked_sub(4)
        .and_then(|at| text.get(..at))
        .filter(|b| b.ends_with("6304"))
        .ok_or_else(|| QrPaymentError::Malformed("no CRC object at the end".into()))?;
    let computed = format!("{:04X}", crc16_ccitt_false(body.as_bytes()));
    let given = &text[body.len()..];
    if given != computed {
        return Err(QrPaymentError::BadCrc {
            given: given.to_owned(),
            computed,
        });
    }
    let root = objects(text)?;
    let account = objects(find(&root, "38")?)?;
    let beneficiary = objects(find(&account, "01")?)?;
    let amount = find(&root, "54")?;
    let amount = Vnd::parse(amount)
        .map_err(|e| QrPaymentError::Malformed(format!("amount {amount:?}: {e}")))?;
    let content = objects(find(&root, "62")?)?;
    Ok(QrPayment {
        bank_bin: find(&beneficiary, "00")?.to_owned(),
        account_no: find(&beneficiary, "01")?.to_owned(),
        amount,
        content: find(&content, "08")?.to_owned(),
    })
}
