//! VNPAY's IPN and return URL (vnpay.md §2): `verify_signed_query`, `verify_ipn` and
//! `verify_return` on an arbitrary query string.
#![no_main]

use bank_adapters::vnpay;
use libfuzzer_sys::fuzz_target;
use payhub_fuzz::{sign_vnpay_query, split_mode, TERMINAL};

fn secret_of(code: &str) -> Option<&'static str> {
    (code == TERMINAL.code).then_some(TERMINAL.hash_secret)
}

fuzz_target!(|data: &[u8]| {
    let Some((resign, message)) = split_mode(data) else {
        return;
    };
    let Ok(query) = std::str::from_utf8(message) else {
        return;
    };
    let query = match resign.then(|| sign_vnpay_query(query)).flatten() {
        Some(signed) => signed,
        None => query.to_owned(),
    };
    let fields = vnpay::verify_signed_query(&query, secret_of);
    let ipn = vnpay::verify_ipn(&query, secret_of);
    let ret = vnpay::verify_return(&query, secret_of);
    // The return URL verifies exactly as the IPN does.
    assert_eq!(format!("{ipn:?}"), format!("{ret:?}"));
    if let Ok(fields) = fields {
        // Only signed `vnp_` fields with a value come back, and only for our terminal.
        assert!(fields
            .iter()
            .all(|(k, v)| vnpay::wire::is_signed_key(k) && !v.is_empty()));
        assert_eq!(
            fields.get("vnp_TmnCode").map(String::as_str),
            Some(TERMINAL.code)
        );
        if let Ok(callback) = ipn {
            assert_eq!(callback.merchant, TERMINAL.code);
            assert_eq!(Some(&callback.reference), fields.get("vnp_TxnRef"));
        }
    } else {
        assert!(
            ipn.is_err(),
            "an IPN verified whose query did not: {query:?}"
        );
    }
});
