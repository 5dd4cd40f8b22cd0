//! VCB's replies to PayHub (vcb.md §1, §3, §4): `parse_create_reply`, `parse_query_reply` and
//! `parse_refund_reply` on an arbitrary status and body. The second byte picks the HTTP status;
//! re-signed mode signs the body at `NOW`, unsigned mode reads `signature\nbody`.
#![no_main]

use bank_adapters::vcb::{self, Reply, SignedHeaders, VcbError};
use libfuzzer_sys::fuzz_target;
use payhub_fuzz::{split_mode, MERCHANT, NOW};

const STATUSES: [u16; 8] = [200, 201, 400, 401, 404, 409, 502, 204];

fuzz_target!(|data: &[u8]| {
    let Some((resign, message)) = split_mode(data) else {
        return;
    };
    let Some((&status, message)) = message.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(status) % STATUSES.len()];
    let timestamp = NOW.to_string();
    let (signature, body) = if resign {
        let [_, _, (_, sig)] = vcb::sign_headers(&MERCHANT, NOW, message);
        (sig, message)
    } else {
        let Some(cut) = message.iter().position(|&b| b == b'\n') else {
            return;
        };
        let Ok(sig) = std::str::from_utf8(&message[..cut]) else {
            return;
        };
        (sig.to_owned(), &message[cut + 1..])
    };
    let reply = Reply {
        status,
        headers: SignedHeaders {
            merchant: Some(MERCHANT.id),
            timestamp: Some(&timestamp),
            signature: Some(&signature),
        },
        body,
    };
    let created = vcb::parse_create_reply(&MERCHANT, &reply, NOW);
    let queried = vcb::parse_query_reply(&MERCHANT, &reply, NOW);
    let refunded = vcb::parse_refund_reply(&MERCHANT, &reply, NOW);
    // Success bodies are read only under their own status.
    assert!(created.is_err() || status == 201);
    assert!(refunded.is_err() || status == 201);
    assert!(!matches!(queried, Ok(Some(_))) || status == 200);
    if matches!(queried, Ok(None)) {
        assert_eq!(status, 404);
    }
    if let Err(VcbError::UnexpectedReply { status: s }) = created {
        assert_eq!(s, status);
    }
});
