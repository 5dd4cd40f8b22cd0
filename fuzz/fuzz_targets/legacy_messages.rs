//! The previous platform's messages (legacy-platform.md) read as `POST /legacy/v1/messages` reads
//! them (src/http/legacy/): a JSON object, its envelope, then INIT's or QUERY/GET_BILL's fields
//! through `serde_path_to_error` and the `MaXacThuc` check; and a partner's reply to a CONFIRM
//! (`legacy::confirm::reply_problem`). Re-signed mode sets a good `MaXacThuc` first.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payhub::legacy::checksum::{checksum, verify};
use payhub::legacy::confirm::reply_problem;
use payhub::legacy::wire::{Envelope, InitRequest, LookupRequest};
use payhub_fuzz::split_mode;
use serde_json::Value;

const PARTNER: &str = "STP_HANOI";
const SECRET: &str = "s3cret";

fuzz_target!(|data: &[u8]| {
    let Some((resign, body)) = split_mode(data) else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = reply_problem(text, PARTNER, "REF-1", SECRET);
    }
    let mut message: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return,
    };
    let Ok(envelope) = serde_json::from_value::<Envelope>(message.clone()) else {
        return;
    };
    match envelope.kind.as_str() {
        "INIT" => {
            if resign {
                if let Ok(req) = serde_path_to_error::deserialize::<_, InitRequest>(message.clone())
                {
                    message["MaXacThuc"] = checksum(&req.signed_values(), SECRET).into();
                }
            }
            if let Ok(req) = serde_path_to_error::deserialize::<_, InitRequest>(message) {
                let good = verify(&req.signed_values(), SECRET, &req.checksum);
                assert_signed(resign, good, &req.signed_values());
            }
        }
        "QUERY" | "GET_BILL" => {
            if resign {
                if let Ok(req) =
                    serde_path_to_error::deserialize::<_, LookupRequest>(message.clone())
                {
                    let sum = checksum(&req.signed_values(), SECRET).to_uppercase();
                    message["MaXacThuc"] = sum.into();
                }
            }
            if let Ok(req) = serde_path_to_error::deserialize::<_, LookupRequest>(message) {
                let good = verify(&req.signed_values(), SECRET, &req.checksum);
                assert_signed(resign, good, &req.signed_values());
            }
        }
        _ => {}
    }
});

/// A message signed here verifies exactly when none of its signed values holds the separator `|`
/// (a `|` inside a field would let text move between fields under the same checksum).
fn assert_signed(resigned: bool, verified: bool, values: &[&str]) {
    if resigned {
        let separable = values.iter().all(|v| !v.contains('|'));
        assert_eq!(verified, separable, "a message signed here: verified {verified}, values {values:?}");
    } else if verified {
        assert!(values.iter().all(|v| !v.contains('|')), "verified with a separator inside a field");
    }
}
