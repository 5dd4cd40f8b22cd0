//! INIT's reply (legacy-platform.md §INIT): parse, authenticate, take it
//! ([`crate::legacy::init::take_init`]), and answer with the payment link. The reply is made
//! from the stored order, so a repeated INIT gets the first reply byte for byte.

use axum::response::Response;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::{authenticate, json_reply, parse_message};
use crate::app::AppState;
use crate::domain::bank::bank_code;
use crate::legacy::checksum::legacy_time;
use crate::legacy::init::{take_init, Init};
use crate::legacy::wire::{init_reply, InitRequest, ReplyCode};
use crate::links;

pub(super) async fn respond(app: &AppState, message: Value, now: DateTime<Utc>) -> Response {
    let time = legacy_time(now);
    let unsigned = |code, text: &str, partner: &str, reference: &str| {
        json_reply(&init_reply(code, text, partner, reference, "", &time, None))
    };
    let req: InitRequest = match parse_message(message.clone()) {
        Ok(r) => r,
        Err(text) => return unsigned(ReplyCode::InvalidData, &text, "", ""),
    };
    let partner = match authenticate(app, &req.partner, &req.signed_values(), &req.checksum) {
        Ok(p) => p,
        Err(e) => {
            return unsigned(
                ReplyCode::BadChecksum,
                e.text(),
                &req.partner,
                &req.reference,
            )
        }
    };
    let secret = partner.secret.expose_secret();
    let reply = |code, text: &str, url: &str, time: &str| {
        init_reply(
            code,
            text,
            &req.partner,
            &req.reference,
            url,
            time,
            Some(secret),
        )
    };
    match take_init(app, &req, partner, message, now).await {
        Init::Refused { code, text } => json_reply(&reply(code, &text, "", &time)),
        Init::Taken { stored } => match taken(&stored, &app.config.server.public_url, &req.bank) {
            Some((url, created)) => json_reply(&reply(ReplyCode::Ok, "", &url, &created)),
            // A reply stored whole, before PayHub stored the order instead: as it was.
            None => json_reply_text(stored),
        },
    }
}

/// The payment link and the reply time of a taken INIT, from its stored order: the time the
/// order was created, so that a repeat gets the first reply's `ThoiGianGD` too.
fn taken(stored: &str, public_url: &str, bank: &str) -> Option<(String, String)> {
    let order: Value = serde_json::from_str(stored).ok()?;
    let id = order.get("id")?.as_str()?;
    let created = order.get("created_at")?.as_str()?;
    let created = DateTime::parse_from_rfc3339(created)
        .ok()?
        .with_timezone(&Utc);
    // The checkout page, or the bank directly when `MaNganHang` names one.
    let url = match bank_code(&bank.to_ascii_lowercase()) {
        Some(bank) => links::checkout_at(public_url, id, bank),
        None => links::checkout(public_url, id),
    };
    Some((url, legacy_time(created)))
}

fn json_reply_text(body: String) -> Response {
    use axum::response::IntoResponse;
    let content_type = (
        axum::http::header::CONTENT_TYPE,
        "application/json; charset=utf-8",
    );
    ([content_type], body).into_response()
}
