//! The API fault knobs: a simulated bank that answers PayHub's own calls badly (payment start,
//! query, refund, statement), so PayHub's tests can show nothing is recorded that did not happen
//! and the next try works. One layer over each bank's router; the bank says which operation a
//! request is and where its signature lives.

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, request, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::controls::Controls;

/// One of PayHub's calls to a bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiOp {
    /// Starting a payment (VCB's create, BIDV's bill registration; VNPAY has no call).
    StartPayment,
    /// Asking how a payment stands.
    Query,
    /// Giving money back.
    Refund,
    /// Fetching a day's statement.
    Statement,
}

/// What goes wrong with the replies to one [`ApiOp`] while it is set
/// ([`Controls::set_api_fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiFault {
    /// Answer `503` only after this long, the request not carried out (a gateway in front of the
    /// bank that gave up): past PayHub's bank timeout, PayHub sees a timeout.
    Slow(Duration),
    /// `500` with a plain-text body, the request not carried out.
    ServerError,
    /// `200` with an HTML page (a proxy's error page), the request not carried out.
    NotJson,
    /// The usual reply with its signature spoiled (one hex digit changed): carried out, but
    /// PayHub cannot trust the answer.
    BadSignature,
}

/// Where a bank's replies carry their signature.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Signature {
    /// A header over the body (VCB's `X-VCB-Signature`).
    Header(&'static str),
    /// A field of the JSON body (VNPAY's `vnp_SecureHash`, BIDV's `ChuKy`).
    JsonField(&'static str),
}

/// Which operation a request is, from its method, path and body; `None` for what is not an API
/// call (payment pages).
pub(crate) type Classify = fn(&request::Parts, &[u8]) -> Option<ApiOp>;

/// The layer's state: the bank's knobs, how to tell its operations, where it signs.
#[derive(Clone)]
pub(crate) struct ApiFaultLayer {
    pub(crate) controls: Controls,
    pub(crate) classify: Classify,
    pub(crate) signature: Signature,
}

impl ApiFaultLayer {
    /// `router` with this layer over every route.
    pub(crate) fn over(self, router: axum::Router) -> axum::Router {
        router.layer(axum::middleware::from_fn_with_state(self, apply))
    }
}

/// Requests of these sizes are a few hundred bytes; anything larger is not PayHub's.
const BODY_LIMIT: usize = 1 << 20;

pub(crate) async fn apply(
    State(layer): State<ApiFaultLayer>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let fault = (layer.classify)(&parts, &bytes).and_then(|op| layer.controls.api_fault(op));
    let request = Request::from_parts(parts, Body::from(bytes));
    match fault {
        None => next.run(request).await,
        Some(ApiFault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            (StatusCode::SERVICE_UNAVAILABLE, "Gateway gave up").into_response()
        }
        Some(ApiFault::ServerError) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
        Some(ApiFault::NotJson) => (
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
        )
            .into_response(),
        Some(ApiFault::BadSignature) => spoil(next.run(request).await, layer.signature).await,
    }
}

/// The reply with one hex digit of its signature changed.
async fn spoil(reply: Response, signature: Signature) -> Response {
    let (mut parts, body) = reply.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut body = bytes.to_vec();
    match signature {
        Signature::Header(name) => {
            if let Some(value) = parts.headers.get(name).and_then(|v| v.to_str().ok()) {
                let spoilt = flip_last(value);
                if let Ok(value) = HeaderValue::from_str(&spoilt) {
                    parts.headers.insert(name, value);
                }
            }
        }
        Signature::JsonField(field) => {
            if let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_slice(&body) {
                if let Some(serde_json::Value::String(value)) = fields.get(field) {
                    let spoilt = flip_last(value);
                    fields.insert(field.into(), spoilt.into());
                    body = serde_json::to_vec(&fields).unwrap_or(body);
                    parts.headers.remove(header::CONTENT_LENGTH);
                }
            }
        }
    }
    Response::from_parts(parts, Body::from(body))
}

/// `value` with its last character replaced by another hex digit.
fn flip_last(value: &str) -> String {
    let mut spoilt: String = value
        .chars()
        .take(value.chars().count().saturating_sub(1))
        .collect();
    spoilt.push(if value.ends_with('0') { '1' } else { '0' });
    spoilt
}

#[cfg(test)]
mod tests {
    use super::flip_last;

    #[test]
    fn a_spoilt_signature_differs_in_its_last_digit_only() {
        assert_eq!(flip_last("ab12"), "ab10");
        assert_eq!(flip_last("ab10"), "ab11");
    }
}
