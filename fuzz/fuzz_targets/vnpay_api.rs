//! VNPAY's merchant API answers (vnpay.md §3): `verify_querydr_response` and
//! `verify_refund_response` on an arbitrary body. The mode's second bit picks which field list a
//! re-signed body is signed over.
#![no_main]

use bank_adapters::vnpay::{self, wire, ApiCode};
use libfuzzer_sys::fuzz_target;
use payhub_fuzz::{sign_vnpay_api, split_mode, TERMINAL};

fuzz_target!(|data: &[u8]| {
    let Some((resign, body)) = split_mode(data) else {
        return;
    };
    let signed: &[&str] = if data[0] & 2 == 0 {
        &wire::QUERYDR_RESPONSE_SIGNED
    } else {
        &wire::REFUND_RESPONSE_SIGNED
    };
    let body = match resign.then(|| sign_vnpay_api(body, signed)).flatten() {
        Some(signed) => signed,
        None => body.to_vec(),
    };
    if let Ok(answer) = vnpay::verify_querydr_response(&TERMINAL, &body) {
        // A transaction is read only from a successful answer.
        assert!(answer.transaction.is_none() || answer.code == ApiCode::Ok);
        if let Some(txn) = answer.transaction {
            assert_eq!(txn.merchant, TERMINAL.code);
        }
    }
    if let Ok(answer) = vnpay::verify_refund_response(&TERMINAL, &body) {
        assert!(answer.status.is_none() || answer.code == ApiCode::Ok);
    }
});
