//! VCB's payment notification (vcb.md §2): `verify_notification` on arbitrary headers and body.
//! Unsigned mode reads `timestamp\nsignature\nbody`; re-signed mode signs the whole message as the
//! body, at a time set by the second mode byte (some within the ±300 s window, some outside).
#![no_main]

use bank_adapters::vcb::{self, SignedHeaders};
use bank_adapters::BankCode;
use libfuzzer_sys::fuzz_target;
use payhub_fuzz::{split_mode, MERCHANT, NOW};

fuzz_target!(|data: &[u8]| {
    let Some((resign, message)) = split_mode(data) else {
        return;
    };
    let (timestamp, signature, body) = if resign {
        let Some((&skew, body)) = message.split_first() else {
            return;
        };
        let sent_at = NOW + (i64::from(skew) - 128) * 4;
        let [_, (_, ts), (_, sig)] = vcb::sign_headers(&MERCHANT, sent_at, body);
        (ts, sig, body)
    } else {
        let mut parts = message.splitn(3, |&b| b == b'\n');
        let (Some(ts), Some(sig), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return;
        };
        let (Ok(ts), Ok(sig)) = (std::str::from_utf8(ts), std::str::from_utf8(sig)) else {
            return;
        };
        (ts.to_owned(), sig.to_owned(), body)
    };
    let headers = SignedHeaders {
        merchant: Some(MERCHANT.id),
        timestamp: Some(&timestamp),
        signature: Some(&signature),
    };
    if let Ok(callback) = vcb::verify_notification(&MERCHANT, &headers, body, NOW) {
        assert_eq!(callback.bank, BankCode::Vcb);
        assert_eq!(callback.merchant, MERCHANT.id);
        // Verifying is pure: the same message verifies the same way again.
        let again = vcb::verify_notification(&MERCHANT, &headers, body, NOW);
        assert_eq!(again.as_ref(), Ok(&callback));
    }
});
