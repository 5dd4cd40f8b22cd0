//! VNPAY's JSON API (vnpay.md §3): one URL, dispatching on `vnp_Command`. What `querydr` and
//! `refund` share is here: the checks every request passes and the signed answer. Requests are
//! verified and answers signed with `|`-joined raw values, as [`crate::vnpay::wire::pipe_hash`]
//! defines.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::{querydr, refund, Session, Simulator};
use crate::compact_time;
use crate::signing::{verify_hmac_sha512_hex, HexCase};
use crate::vnpay::wire::{self, ApiFields};

/// `POST /merchant_webapi/api/transaction`, dispatching on `vnp_Command`.
pub(super) async fn transaction(State(sim): State<Simulator>, body: Bytes) -> Response {
    let request = match ApiFields::parse(&body) {
        Ok(request) => request,
        Err(reason) => return Answer::new(&sim, "", None).code("03", &reason).unsigned(),
    };
    match request.text("vnp_Command").as_deref() {
        Ok("querydr") => querydr::querydr(&sim, &request),
        Ok("refund") => refund::refund(&sim, &request),
        _ => Answer::new(&sim, "", Some(&request))
            .code("03", "vnp_Command must be querydr or refund")
            .unsigned(),
    }
}

/// A request that passed the checks every §3 command shares.
pub(super) struct Checked {
    pub(super) secret: String,
    pub(super) session: Option<Session>,
}

/// Why a request was refused before its command ran, with the §3 response code.
pub(super) enum Refusal {
    /// `02`: no such terminal, so nothing to sign with.
    BadTmnCode,
    /// `97`, `03`, `94`: signed with the terminal's secret.
    Signed {
        secret: String,
        code: &'static str,
        message: &'static str,
    },
}

impl Refusal {
    pub(super) fn answer(self, answer: Answer, signed: &[&'static str]) -> Response {
        match self {
            Refusal::BadTmnCode => answer.code("02", "Invalid TmnCode").unsigned(),
            Refusal::Signed {
                secret,
                code,
                message,
            } => answer.code(code, message).signed(&secret, signed),
        }
    }
}

/// Terminal, checksum, required fields, then the 5-minute duplicate rule; finds the session
/// by `(TmnCode, TxnRef, TransactionDate)`, as VNPAY does.
pub(super) fn check(
    sim: &Simulator,
    request: &ApiFields,
    signed: &[&str],
    required: &[&str],
) -> Result<Checked, Refusal> {
    let tmn_code = text(request, "vnp_TmnCode");
    let secret = sim.secret(&tmn_code).ok_or(Refusal::BadTmnCode)?;
    let refuse = |code, message| Refusal::Signed {
        secret: secret.clone(),
        code,
        message,
    };
    let hash = text(request, "vnp_SecureHash");
    let joined = request.pipe_joined(signed).unwrap_or_default();
    if hash.is_empty() || !verify_hmac_sha512_hex(&secret, joined, &hash, HexCase::Any) {
        return Err(refuse("97", "Invalid Checksum"));
    }
    let common = ["vnp_RequestId", "vnp_TransactionDate", "vnp_CreateDate"];
    if common
        .iter()
        .chain(required)
        .any(|key| text(request, key).is_empty())
        || compact_time::parse(&text(request, "vnp_TransactionDate")).is_none()
    {
        return Err(refuse("03", "Invalid request format"));
    }
    if sim.is_repeated_request(&tmn_code, &text(request, "vnp_RequestId")) {
        return Err(refuse("94", "Duplicate request"));
    }
    let session = sim.find_session(
        &tmn_code,
        &text(request, "vnp_TxnRef"),
        &text(request, "vnp_TransactionDate"),
    );
    Ok(Checked { secret, session })
}

pub(super) fn text(request: &ApiFields, key: &str) -> String {
    request.text(key).unwrap_or_default()
}

/// A §3 answer being built: every value a JSON string; a field not set is sent empty.
pub(super) struct Answer {
    fields: BTreeMap<&'static str, String>,
}

impl Answer {
    /// An answer echoing the request's terminal and reference (`None`: an unreadable request).
    pub(super) fn new(sim: &Simulator, command: &str, request: Option<&ApiFields>) -> Answer {
        let echo = |key: &str| request.map(|r| text(r, key)).unwrap_or_default();
        let mut fields = BTreeMap::new();
        fields.insert("vnp_ResponseId", format!("R{}", sim.controls().next_seq()));
        fields.insert("vnp_Command", command.to_owned());
        fields.insert("vnp_TmnCode", echo("vnp_TmnCode"));
        fields.insert("vnp_TxnRef", echo("vnp_TxnRef"));
        Answer { fields }
    }

    pub(super) fn set(mut self, key: &'static str, value: String) -> Answer {
        self.fields.insert(key, value);
        self
    }

    pub(super) fn code(self, code: &str, message: &str) -> Answer {
        self.set("vnp_ResponseCode", code.into())
            .set("vnp_Message", message.into())
    }

    /// `vnp_SecureHash` over `signed` (§3: a missing value joins as empty).
    pub(super) fn signed(mut self, secret: &str, signed: &[&'static str]) -> Response {
        for key in signed {
            self.fields.entry(*key).or_default();
        }
        let values: Vec<&str> = signed.iter().map(|k| self.fields[k].as_str()).collect();
        let hash = wire::pipe_hash(secret, &values);
        self.set("vnp_SecureHash", hash).unsigned()
    }

    pub(super) fn unsigned(self) -> Response {
        Json(self.fields).into_response()
    }
}
