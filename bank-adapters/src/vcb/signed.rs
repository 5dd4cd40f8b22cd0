//! The `X-VCB-*` signature on every request and response body (vcb.md "Signing").

use super::wire::{
    body_signature, signed_message, HEADER_MERCHANT, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    MAX_SKEW_SECS,
};
use super::{Merchant, VcbError};
use crate::signing::{verify_hmac_sha256_hex, HexCase};

/// The three signing headers as received, `None` where absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignedHeaders<'a> {
    /// `X-VCB-Merchant`.
    pub merchant: Option<&'a str>,
    /// `X-VCB-Timestamp`.
    pub timestamp: Option<&'a str>,
    /// `X-VCB-Signature`.
    pub signature: Option<&'a str>,
}

impl<'a> SignedHeaders<'a> {
    /// Reads the three headers with any lookup, e.g. `|name| headers.get(name)?.to_str().ok()`
    /// on an `http::HeaderMap` (whose lookup ignores case, as HTTP requires).
    pub fn from_lookup(get: impl Fn(&str) -> Option<&'a str>) -> SignedHeaders<'a> {
        SignedHeaders {
            merchant: get(HEADER_MERCHANT),
            timestamp: get(HEADER_TIMESTAMP),
            signature: get(HEADER_SIGNATURE),
        }
    }
}

/// An HTTP reply from VCB, for the `parse_*` functions.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    /// HTTP status.
    pub status: u16,
    /// Its signing headers.
    pub headers: SignedHeaders<'a>,
    /// The exact body bytes received.
    pub body: &'a [u8],
}

/// The headers to send with `body` (the empty slice for a GET), in order: merchant, timestamp,
/// signature.
pub fn sign_headers(
    merchant: &Merchant,
    now_unix: i64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    let timestamp = now_unix.to_string();
    let signature = body_signature(merchant.secret, &timestamp, body);
    [
        (HEADER_MERCHANT, merchant.id.to_owned()),
        (HEADER_TIMESTAMP, timestamp),
        (HEADER_SIGNATURE, signature),
    ]
}

/// Verifies a signed message against the exact bytes received (never a re-serialized body).
///
/// The signature is checked before the clock, so [`VcbError::Stale`] always means "authentic but
/// outside ±300 s" and [`VcbError::BadSignature`] "not from VCB".
pub fn verify_signed(
    merchant: &Merchant,
    headers: &SignedHeaders,
    body: &[u8],
    now_unix: i64,
) -> Result<(), VcbError> {
    let sender = headers
        .merchant
        .ok_or(VcbError::MissingHeader(HEADER_MERCHANT))?;
    let timestamp = headers
        .timestamp
        .ok_or(VcbError::MissingHeader(HEADER_TIMESTAMP))?;
    let signature = headers
        .signature
        .ok_or(VcbError::MissingHeader(HEADER_SIGNATURE))?;
    if sender != merchant.id {
        return Err(VcbError::UnknownMerchant(sender.chars().take(40).collect()));
    }
    let message = signed_message(timestamp, body);
    if !verify_hmac_sha256_hex(merchant.secret, message, signature, HexCase::Lower) {
        return Err(VcbError::BadSignature);
    }
    // Signed, so a non-number here is VCB's bug, not an attack; still refused.
    let sent_at = parse_unix(timestamp)
        .ok_or_else(|| VcbError::Malformed(format!("{HEADER_TIMESTAMP} {timestamp:?}")))?;
    let skew_secs = now_unix.saturating_sub(sent_at);
    if skew_secs.abs() > MAX_SKEW_SECS {
        return Err(VcbError::Stale { skew_secs });
    }
    Ok(())
}

fn parse_unix(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
