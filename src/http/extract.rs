//! Extractors whose rejections are our own `ApiError`, so every failure is problem+json.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::app::AppState;
use crate::domain::agency::FieldError;
use crate::domain::keys::{Caller, Role};
use crate::domain::text::json_problems;

/// JSON body: `415` without a JSON content type, `400` when it does not parse, `422` naming the
/// field when a value has the wrong type or a field is unknown or missing, `413` when too large.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim())
            .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"));
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Maps a body-reading failure: the body limit gives 413, anything else is a bad request.
pub fn body_error(rejection: axum::extract::rejection::BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(rejection.body_text().len())
    } else {
        ApiError::MalformedJson(rejection.body_text())
    }
}

/// Deserializes JSON, telling syntax errors (400) from data errors (422 with the field's path).
/// Strict: one JSON document and nothing after it (`{…}garbage` and `{…}{…}` are malformed), no
/// key twice in one object, and every string obeys the one text rule (`domain::text`: no
/// control characters, bounded).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    if let Some(key) = super::json_keys::duplicate_key(bytes) {
        return Err(ApiError::MalformedJson(format!(
            "the key {key} appears twice in one object"
        )));
    }
    let problems = json_problems(&value);
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    parse_value(value)
}

/// Deserializes an already-parsed JSON value, naming the offending field on failure (422).
pub fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        ApiError::Validation(vec![FieldError::new(field, strip_position(e.inner()))])
    })
}

/// serde_json appends " at line 1 column 42"; the field path already says where.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Query string whose rejection is a 422 problem naming the bad parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| ApiError::invalid(format!("query.{}", e.path()), e.inner().to_string()))
    }
}

/// Path parameters whose rejection is a 422 problem (`/api/v1/refund-requests/abc/approve`),
/// not axum's plain-text 400: every API error is problem+json.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|e| ApiError::invalid("path", e.body_text()))
    }
}

/// The caller behind `Authorization: Bearer <key>`: 401 without a valid, unrevoked key.
pub struct Auth(pub Caller);

impl Auth {
    /// 403 unless the caller has one of `roles`.
    pub fn allow(self, roles: &[Role]) -> Result<Caller, ApiError> {
        if roles.contains(&self.0.role) {
            Ok(self.0)
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let caller = app
            .store
            .caller_for_key(key)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        tracing::Span::current().record("caller", caller.actor());
        Ok(Auth(caller))
    }
}
