//! What every request and response passes at the edge: path and query parameters obey the one
//! text rule (`domain::text`) before any handler or SQL sees them, and every response carries
//! the security headers a page needs (no framing, no sniffing, no referrer; reports not cached).

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::pages::message;
use crate::domain::text::text_problem;

/// The longest path segment or query value any route takes (ids, codes, dates, a bank's query).
const MAX_PARAMETER_CHARS: usize = 512;

/// Refuses a request whose decoded path or query breaks the text rule, then adds the headers.
/// A bank's callback is answered in the bank's own format and codes, so its handler applies the
/// rule to what the bank signed (`http/callbacks.rs`).
pub async fn guard(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let checked = !path.starts_with("/callbacks/");
    let mut response = match uri_problem(req.uri()).filter(|_| checked) {
        Some((field, reason)) => refusal(&path, field, reason),
        None => next.run(req).await,
    };
    secure(&path, response.headers_mut());
    response
}

/// The first parameter of `uri` that breaks the rule: (`path` or `query.<name>`, why).
fn uri_problem(uri: &axum::http::Uri) -> Option<(String, String)> {
    for segment in uri.path().split('/') {
        let decoded = percent_decode(segment);
        if let Some(reason) = text_problem(&decoded, MAX_PARAMETER_CHARS) {
            return Some(("path".into(), reason));
        }
    }
    let query = uri.query().unwrap_or("");
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let field = format!("query.{}", name.chars().take(40).collect::<String>());
        for text in [&name, &value] {
            if let Some(reason) = text_problem(text, MAX_PARAMETER_CHARS) {
                return Some((field, reason));
            }
        }
    }
    None
}

fn percent_decode(segment: &str) -> String {
    let bytes: Vec<u8> = form_urlencoded::parse(format!("s={segment}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned().into_bytes())
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The refusal in the route's own language: a page for people, a problem for the API.
fn refusal(path: &str, field: String, reason: String) -> Response {
    let for_people = ["/checkout", "/return", "/receipts", "/reports"];
    if for_people.iter().any(|p| path.starts_with(p)) {
        let text = "Địa chỉ này có ký tự không hợp lệ. Vui lòng kiểm tra lại đường dẫn.";
        return message(StatusCode::BAD_REQUEST, "Yêu cầu không hợp lệ", text, None);
    }
    ApiError::invalid(field, reason).into_response()
}

fn secure(path: &str, headers: &mut axum::http::HeaderMap) {
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "frame-ancestors 'none'",
    );
    set(headers, header::REFERRER_POLICY, "no-referrer");
    // Reports and the API carry money and names: neither a browser nor a proxy keeps them.
    if path.starts_with("/reports") || path.starts_with("/api/") {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(uri: &str) -> Option<String> {
        uri_problem(&uri.parse().unwrap()).map(|(field, _)| field)
    }

    #[test]
    fn control_characters_in_the_path_or_the_query_are_found_once_decoded() {
        assert_eq!(problem("/api/v1/orders/ord_1?status=paid"), None);
        assert_eq!(problem("/api/v1/orders/ord%001").as_deref(), Some("path"));
        assert_eq!(
            problem("/api/v1/orders?dossier_code=a%00b").as_deref(),
            Some("query.dossier_code")
        );
        assert_eq!(
            problem("/checkout/x?%1B=1").as_deref(),
            Some("query.\u{1b}")
        );
        let long = format!("/api/v1/orders/{}", "a".repeat(513));
        assert_eq!(problem(&long).as_deref(), Some("path"));
        assert_eq!(
            problem("/return/vnpay?vnp_OrderInfo=Thanh+toan%0Aho+so"),
            None
        );
    }
}
