//! Signing in and out of the finance pages, the session cookie and the CSRF checks.

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::Duration;
use minijinja::context;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::super::pages::{message, page};
use crate::app::AppState;
use crate::domain::keys::Role;
use crate::store::sessions::{random_token, Session};

/// The session cookie: a random id whose hash is a `report_sessions` row.
const SESSION_COOKIE: &str = "payhub_reports";
/// The sign-in form's own token (double submit), so another site cannot sign a browser in.
const SIGN_IN_COOKIE: &str = "payhub_sign_in";
/// A working day; a revoked key or a sign-out ends a session sooner.
const SESSION_HOURS: i64 = 8;
const SIGN_IN_FORM_SECS: i64 = 3600;

/// A signed-in member of staff. As an extractor it sends anyone else to the sign-in page (303).
pub struct StaffSession {
    /// The cookie's id (only its hash is stored).
    id: String,
    pub session: Session,
}

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(see_other("/reports/sign-in"));
        };
        match app.store.session(id, app.clock.now()).await {
            Ok(Some(session)) => {
                tracing::Span::current().record("caller", session.caller.actor());
                Ok(StaffSession {
                    id: id.to_owned(),
                    session,
                })
            }
            Ok(None) => Err(see_other("/reports/sign-in")),
            Err(e) => {
                tracing::error!(error.cause_chain = ?e, "session not read");
                Err(unavailable())
            }
        }
    }
}

impl StaffSession {
    /// Whether `presented` is this session's CSRF token; every state-changing form is refused
    /// with [`csrf_refused`] otherwise.
    pub fn csrf_matches(&self, presented: Option<&str>) -> bool {
        same_secret(presented, Some(&self.session.csrf_token))
    }
}

fn same_secret(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) if !a.is_empty() => a.as_bytes().ct_eq(b.as_bytes()).into(),
        _ => false,
    }
}

pub fn csrf_refused() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Biểu mẫu không hợp lệ",
        "Biểu mẫu đã hết hạn hoặc không được gửi từ trang của PayHub. Vui lòng tải lại trang và thử lại.",
        Some("/reports"),
    )
}

pub fn unavailable() -> Response {
    message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Tạm thời gián đoạn",
        "Hệ thống đang bận, vui lòng thử lại sau ít phút.",
        None,
    )
}

pub fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for the pages only: HttpOnly, SameSite=Strict, and Secure when PayHub is
/// served over HTTPS (a plain-HTTP test or demo could not send it back otherwise).
fn set_cookie(app: &AppState, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if app.config.server.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{name}={value}; Path=/reports; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    );
    HeaderValue::from_str(&text).expect("cookie values are base-62")
}

fn sign_in_page(app: &AppState, status: StatusCode, token: &str, error: Option<&str>) -> Response {
    let mut response = page(
        status,
        "reports_sign_in.html",
        context! { csrf => token, error },
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(app, SIGN_IN_COOKIE, token, SIGN_IN_FORM_SECS),
    );
    response
}

/// `GET /reports/sign-in`: the form, with a fresh double-submit token.
pub async fn show_sign_in(State(app): State<AppState>) -> Response {
    sign_in_page(&app, StatusCode::OK, &random_token(), None)
}

#[derive(Deserialize)]
pub struct SignInForm {
    csrf: Option<String>,
    api_key: Option<String>,
}

/// `POST /reports/sign-in`: a finance or admin key opens a session; any other key is refused
/// with the reason, in Vietnamese, on the form again.
pub async fn sign_in(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return csrf_refused();
    };
    let expected = cookie(&headers, SIGN_IN_COOKIE);
    if !same_secret(form.csrf.as_deref(), expected) {
        return csrf_refused();
    }
    let token = expected.unwrap_or_default();
    let key = form.api_key.as_deref().map(str::trim).unwrap_or_default();
    let caller = match app.store.caller_for_key(key).await {
        Ok(caller) => caller,
        Err(_) => return unavailable(),
    };
    let Some(caller) = caller.filter(|_| !key.is_empty()) else {
        let text = "Khóa API không đúng hoặc đã bị thu hồi.";
        return sign_in_page(&app, StatusCode::UNAUTHORIZED, token, Some(text));
    };
    if !matches!(caller.role, Role::Finance | Role::Admin) {
        let text =
            "Khóa này không có quyền xem đối soát. Vui lòng dùng khóa của bộ phận tài chính.";
        return sign_in_page(&app, StatusCode::FORBIDDEN, token, Some(text));
    }
    let now = app.clock.now();
    let expires_at = now + Duration::hours(SESSION_HOURS);
    let Ok(session) = app.store.open_session(caller.key_id, now, expires_at).await else {
        return unavailable();
    };
    tracing::info!(caller = caller.actor(), "signed in to the reports");
    let mut response = see_other("/reports");
    let cookies = response.headers_mut();
    let max_age = SESSION_HOURS * 3600;
    cookies.append(
        header::SET_COOKIE,
        set_cookie(&app, SESSION_COOKIE, &session.id, max_age),
    );
    cookies.append(header::SET_COOKIE, set_cookie(&app, SIGN_IN_COOKIE, "", 0));
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

/// `POST /reports/sign-out`: ends the session in the database (not only in the browser).
pub async fn sign_out(
    State(app): State<AppState>,
    staff: StaffSession,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let presented = form.ok().and_then(|Form(f)| f.csrf);
    if !staff.csrf_matches(presented.as_deref()) {
        return csrf_refused();
    }
    if app
        .store
        .end_session(&staff.id, app.clock.now())
        .await
        .is_err()
    {
        return unavailable();
    }
    let mut response = see_other("/reports/sign-in");
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, "", 0));
    response
}
