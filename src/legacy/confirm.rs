//! CONFIRM delivery (legacy-platform.md §CONFIRM): one attempt of an outbox row of target
//! `legacy_confirm`. The message is made from the row's facts and signed now with the partner's
//! secret; the attempt counts as delivered only when the partner answers a well-signed `00` for
//! this reference.

use std::time::Instant;

use secrecy::ExposeSecret;
use serde_json::{json, Map, Value};

use super::checksum::{checksum, legacy_time, verify};
use crate::app::AppState;
use crate::domain::order::ConfirmFacts;
use crate::notify::{error_text, read_snippet, REQUEST_TIMEOUT};
use crate::store::notifications::{AttemptRecord, Claimed};

/// The fields CONFIRM's `MaXacThuc` covers, in the spec's order.
pub const SIGNED_FIELDS: [&str; 10] = [
    "LoaiBanTin",
    "MaLoi",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "MaTienTe",
    "MaGiaoDich",
    "MaNganHang",
    "ThoiGianGD",
    "ThongTinGiaoDich",
];

/// The partner's reply is signed over its fields but `MoTaLoi`, in their order (the spec lists
/// the fields and not the checksum's; this is how its other replies are signed).
pub const REPLY_SIGNED_FIELDS: [&str; 4] = ["MaLoi", "MaDoiTac", "MaThamChieu", "ThoiGianGD"];

fn field<'a>(object: &'a Map<String, Value>, name: &str) -> &'a str {
    object.get(name).and_then(Value::as_str).unwrap_or("")
}

/// The CONFIRM message of `facts`, every field but `MaXacThuc`.
pub fn message(facts: &ConfirmFacts) -> Map<String, Value> {
    let message = json!({"LoaiBanTin": "CONFIRM", "MaLoi": "00",
        "MaDoiTac": facts.partner_code, "MaThamChieu": facts.reference,
        "SoTien": facts.amount.to_string(), "MaTienTe": "VND", "MaGiaoDich": facts.bank_txn_id,
        "MaNganHang": super::bank_short_code(facts.bank), "ThoiGianGD": legacy_time(facts.paid_at),
        "ThongTinGiaoDich": facts.transaction_info});
    match message {
        Value::Object(fields) => fields,
        _ => unreachable!("json! of an object literal is an object"),
    }
}

/// The message of a stored row: its facts, or (for rows queued before PayHub stored facts) the
/// message itself.
fn stored_message(payload: &str) -> Option<Map<String, Value>> {
    if let Ok(facts) = serde_json::from_str::<ConfirmFacts>(payload) {
        return Some(message(&facts));
    }
    match serde_json::from_str::<Value>(payload) {
        Ok(Value::Object(fields)) if fields.contains_key("LoaiBanTin") => Some(fields),
        _ => None,
    }
}

/// Adds `MaXacThuc` to a CONFIRM message.
pub fn sign(payload: &mut Map<String, Value>, secret: &str) {
    let values: Vec<&str> = SIGNED_FIELDS.iter().map(|f| field(payload, f)).collect();
    let sum = checksum(&values, secret);
    payload.insert("MaXacThuc".into(), Value::String(sum));
}

/// Why a reply does not confirm the payment, or `None` when it does.
pub fn reply_problem(reply: &str, partner: &str, reference: &str, secret: &str) -> Option<String> {
    let Ok(Value::Object(reply)) = serde_json::from_str::<Value>(reply) else {
        return Some("the reply is not a JSON object".into());
    };
    let values: Vec<&str> = REPLY_SIGNED_FIELDS
        .iter()
        .map(|f| field(&reply, f))
        .collect();
    if !verify(&values, secret, field(&reply, "MaXacThuc")) {
        return Some("the reply's MaXacThuc does not verify".into());
    }
    if field(&reply, "MaDoiTac") != partner || field(&reply, "MaThamChieu") != reference {
        return Some("the reply is for another partner or reference".into());
    }
    match field(&reply, "MaLoi") {
        "00" => None,
        code => Some(format!("the partner answered MaLoi {code:?}")),
    }
}

fn failed(
    latency_ms: i64,
    status_code: Option<u16>,
    snippet: Option<String>,
    error: String,
) -> (AttemptRecord, bool) {
    let record = AttemptRecord {
        status_code,
        latency_ms,
        response_snippet: snippet,
        error: Some(error),
    };
    (record, false)
}

/// Makes one attempt; returns what to record and whether the CONFIRM is delivered.
#[tracing::instrument(skip_all, fields(notification_id = claimed.id, attempt = claimed.attempt))]
pub async fn send(app: &AppState, claimed: &Claimed) -> (AttemptRecord, bool) {
    let Some(mut payload) = stored_message(&claimed.payload) else {
        return failed(0, None, None, "the stored CONFIRM cannot be read".into());
    };
    let code = field(&payload, "MaDoiTac").to_owned();
    let reference = field(&payload, "MaThamChieu").to_owned();
    let Some(partner) = super::partner(&app.config, &code) else {
        return failed(
            0,
            None,
            None,
            format!("partner {code} is no longer configured"),
        );
    };
    let secret = partner.secret.expose_secret();
    sign(&mut payload, secret);
    let started = Instant::now();
    let sent = app
        .http
        .post(&claimed.url)
        .timeout(REQUEST_TIMEOUT)
        .json(&payload)
        .send()
        .await;
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let response = match sent {
        Ok(r) => r,
        Err(e) => return failed(latency_ms, None, None, error_text(&e)),
    };
    let status = response.status().as_u16();
    let snippet = match read_snippet(response).await {
        Ok(s) => s,
        Err(e) => {
            let error = format!("reading the reply: {}", error_text(&e));
            return failed(latency_ms, Some(status), None, error);
        }
    };
    let problem = if (200..300).contains(&status) {
        reply_problem(&snippet, &code, &reference, secret)
    } else {
        Some(format!("HTTP {status}"))
    };
    match problem {
        None => {
            let record = AttemptRecord {
                status_code: Some(status),
                latency_ms,
                response_snippet: Some(snippet),
                error: None,
            };
            (record, true)
        }
        Some(problem) => failed(latency_ms, Some(status), Some(snippet), problem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_confirm_is_signed_over_the_ten_fields_in_order() {
        let Value::Object(mut payload) = json!({"LoaiBanTin": "CONFIRM", "MaLoi": "00",
            "MaDoiTac": "STP_HANOI", "MaThamChieu": "REF-1", "SoTien": "650000",
            "MaTienTe": "VND", "MaGiaoDich": "VCB123", "MaNganHang": "VCB",
            "ThoiGianGD": "20260530143005", "ThongTinGiaoDich": "Nop phi"})
        else {
            unreachable!()
        };
        sign(&mut payload, "s3cret");
        // python3: hashlib.sha256("CONFIRM|00|STP_HANOI|REF-1|650000|VND|VCB123|VCB|
        //                          20260530143005|Nop phi|s3cret".encode()).hexdigest()
        assert_eq!(
            payload["MaXacThuc"],
            "e0650e9722903d154578ea074f1480246d92c306b7246af762da6645dd2a33ce"
        );
    }

    #[test]
    fn a_confirm_made_from_its_stored_facts_is_the_message_the_partner_expects() {
        use chrono::TimeZone;
        let facts = ConfirmFacts {
            partner_code: "STP_HANOI".into(),
            reference: "REF-1".into(),
            amount: crate::domain::Vnd::parse("650000").unwrap(),
            bank: crate::domain::bank::BankCode::Vcb,
            bank_txn_id: "VCB123".into(),
            // 14:30:05 GMT+7.
            paid_at: chrono::Utc.with_ymd_and_hms(2026, 5, 30, 7, 30, 5).unwrap(),
            transaction_info: "Nop phi".into(),
        };
        let stored = serde_json::to_string(&facts).unwrap();
        let mut payload = stored_message(&stored).unwrap();
        sign(&mut payload, "s3cret");
        assert_eq!(
            payload["MaXacThuc"],
            "e0650e9722903d154578ea074f1480246d92c306b7246af762da6645dd2a33ce"
        );
        // A row queued before PayHub stored facts still goes out as it was queued.
        let queued = json!({"LoaiBanTin": "CONFIRM", "MaDoiTac": "STP_HANOI"}).to_string();
        assert_eq!(stored_message(&queued).unwrap()["MaDoiTac"], "STP_HANOI");
        assert!(stored_message("[]").is_none());
    }

    #[test]
    fn only_a_well_signed_00_for_this_reference_confirms() {
        let reply = |code: &str, reference: &str, secret: &str| {
            let values = [code, "STP_HANOI", reference, "20260530143006"];
            json!({"MaLoi": code, "MoTaLoi": "", "MaDoiTac": "STP_HANOI",
                   "MaThamChieu": reference, "ThoiGianGD": "20260530143006",
                   "MaXacThuc": checksum(&values, secret)})
            .to_string()
        };
        assert_eq!(
            reply_problem(
                &reply("00", "REF-1", "s3cret"),
                "STP_HANOI",
                "REF-1",
                "s3cret"
            ),
            None
        );
        assert!(reply_problem(
            &reply("00", "REF-1", "forged"),
            "STP_HANOI",
            "REF-1",
            "s3cret"
        )
        .is_some());
        assert!(reply_problem(
            &reply("99", "REF-1", "s3cret"),
            "STP_HANOI",
            "REF-1",
            "s3cret"
        )
        .is_some());
        assert!(reply_problem(
            &reply("00", "REF-2", "s3cret"),
            "STP_HANOI",
            "REF-1",
            "s3cret"
        )
        .is_some());
        assert!(reply_problem("ok", "STP_HANOI", "REF-1", "s3cret").is_some());
    }
}
