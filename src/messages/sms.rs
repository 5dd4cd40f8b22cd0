//! SMS through the brandname gateway (messages.md §1): `POST {base_url}/v1/sms` with JSON
//! `{"request_id","brandname","phone","message"}`, signed `X-SMS-Signature: <hex
//! HMAC-SHA256(secret, raw body)>`. `{"code":"00"}` is accepted, `{"code":"01"}` a bad number
//! (final); anything else, or no answer, is retried with the same `request_id`.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::SmsConfig;

/// The most a brandname SMS may hold: one 160-character ASCII segment.
pub const MAX_CHARS: usize = 160;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SmsRequest {
    pub request_id: String,
    pub brandname: String,
    pub phone: String,
    pub message: String,
}

/// What one call to the gateway came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsResult {
    Accepted,
    /// `01`: the gateway will never deliver to this number.
    BadNumber,
    /// Anything else: the reply's code or HTTP status, or why there was none.
    Retry(String),
}

pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any size");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[derive(Deserialize)]
struct Reply {
    code: String,
}

/// Sends one SMS; returns the result and how long the call took.
pub async fn send(
    http: &reqwest::Client,
    config: &SmsConfig,
    request: &SmsRequest,
) -> (SmsResult, i64) {
    let body = serde_json::to_vec(request).expect("an SMS request serialises");
    let url = format!("{}/v1/sms", config.base_url.trim_end_matches('/'));
    let started = Instant::now();
    let sent = http
        .post(url)
        .timeout(Duration::from_millis(config.timeout_ms))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            "X-SMS-Signature",
            signature(config.secret.expose_secret(), &body),
        )
        .body(body)
        .send()
        .await;
    let result = match sent {
        Err(e) => SmsResult::Retry(crate::notify::error_text(&e)),
        Ok(response) => {
            let status = response.status();
            match response.json::<Reply>().await {
                Ok(reply) if status.is_success() && reply.code == "00" => SmsResult::Accepted,
                Ok(reply) if status.is_success() && reply.code == "01" => SmsResult::BadNumber,
                Ok(reply) => SmsResult::Retry(format!("HTTP {status}, code {}", reply.code)),
                Err(_) => SmsResult::Retry(format!("HTTP {status}, no code")),
            }
        }
    };
    let latency = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    (result, latency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_a_vector_computed_independently() {
        // python3: hmac.new(b"sms-secret", b'{"request_id":"r1"}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature("sms-secret", br#"{"request_id":"r1"}"#),
            "78c4933fb04082a9fbfbf2bb24178159567a5a5cff46d6c3a2453dbccb6a9f7c"
        );
    }
}
