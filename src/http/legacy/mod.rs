//! `POST /legacy/v1/messages`: the previous platform's message set (legacy-platform.md), one
//! endpoint dispatched on `LoaiBanTin`. The old platform answered every message with HTTP 200
//! and the outcome in `MaLoi`, and partners' code reads it that way; only GET_BILL's receipt is
//! not JSON.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::app::AppState;
use crate::config::LegacyPartner;
use crate::domain::text::json_problems;
use crate::legacy::checksum::{legacy_time, time_problem, verify};
use crate::legacy::wire::{short_reply, Envelope, ReplyCode};

mod init;
mod lookup;

pub fn router() -> Router<AppState> {
    Router::new().route("/legacy/v1/messages", post(receive_message))
}

#[tracing::instrument(skip_all, fields(kind = tracing::field::Empty, partner = tracing::field::Empty))]
async fn receive_message(State(app): State<AppState>, body: Bytes) -> Response {
    let now = app.clock.now();
    let message: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return unreadable("the message is not a JSON object", now),
    };
    // The one text rule (`domain::text`), before a field is read, checked or stored.
    if let Some(problem) = json_problems(&message).first() {
        return unreadable(&format!("{}: {}", problem.field, problem.reason), now);
    }
    let Ok(envelope) = serde_json::from_value::<Envelope>(message.clone()) else {
        return unreadable("LoaiBanTin, MaDoiTac and MaThamChieu must be strings", now);
    };
    // A signed message replayed later, or sent with a clock far off, is refused before anything
    // is looked up (legacy-platform.md gives every message its `ThoiGianGD`).
    let sent = message
        .get("ThoiGianGD")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Some(problem) = time_problem(sent, now) {
        return unreadable(&problem, now);
    }
    let span = tracing::Span::current();
    span.record("kind", envelope.kind.as_str());
    span.record("partner", envelope.partner.as_str());
    match envelope.kind.as_str() {
        "INIT" => init::respond(&app, message, now).await,
        "QUERY" => lookup::query(&app, message, now).await,
        "GET_BILL" => lookup::bill(&app, message, now).await,
        _ => {
            let text = "LoaiBanTin: must be INIT, QUERY or GET_BILL";
            let reply = short_reply(
                ReplyCode::InvalidData,
                text,
                &envelope.partner,
                &envelope.reference,
                &legacy_time(now),
                None,
            );
            json_reply(&reply)
        }
    }
}

fn unreadable(text: &str, now: chrono::DateTime<chrono::Utc>) -> Response {
    json_reply(&short_reply(
        ReplyCode::InvalidData,
        text,
        "",
        "",
        &legacy_time(now),
        None,
    ))
}

pub(super) fn json_reply(reply: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        reply.to_string(),
    )
        .into_response()
}

/// A message's fields, or `01` naming the one that has the wrong type.
fn parse_message<T: DeserializeOwned>(message: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(message).map_err(|e| format!("{}: {}", e.path(), e.inner()))
}

/// Why a message is refused with `97`. Neither reply is signed: the sender has not shown that it
/// holds the secret, so PayHub does not sign text it chose.
enum Unauthenticated {
    UnknownPartner,
    BadChecksum,
}

impl Unauthenticated {
    fn text(&self) -> &'static str {
        match self {
            Unauthenticated::UnknownPartner => "MaDoiTac: unknown partner",
            Unauthenticated::BadChecksum => "MaXacThuc: checksum does not match",
        }
    }
}

/// The configured partner, when its checksum over `values` is `given` (constant time).
fn authenticate<'a>(
    app: &'a AppState,
    partner: &str,
    values: &[&str],
    given: &str,
) -> Result<&'a LegacyPartner, Unauthenticated> {
    let partner =
        crate::legacy::partner(&app.config, partner).ok_or(Unauthenticated::UnknownPartner)?;
    if verify(values, partner.secret.expose_secret(), given) {
        Ok(partner)
    } else {
        Err(Unauthenticated::BadChecksum)
    }
}
