//! VCB's browser return (vcb.md §1): `verify_return` on an arbitrary query string. Re-signed mode
//! appends a good `sig` over the query's own `paymentId|orderRef|status|ts`.
#![no_main]

use bank_adapters::signing::hmac_sha256_hex;
use bank_adapters::vcb::{self, wire};
use libfuzzer_sys::fuzz_target;
use payhub_fuzz::{split_mode, MERCHANT};

fn first<'a>(query: &'a str, key: &str) -> &'a str {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map_or("", |(_, v)| v)
}

fuzz_target!(|data: &[u8]| {
    let Some((resign, message)) = split_mode(data) else {
        return;
    };
    let Ok(query) = std::str::from_utf8(message) else {
        return;
    };
    let query = if resign {
        // Signs the raw values: a query that needs decoding gets a wrong sig, which is fine.
        let signed = wire::return_message(
            first(query, "paymentId"),
            first(query, "orderRef"),
            first(query, "status"),
            first(query, "ts"),
        );
        format!("{query}&sig={}", hmac_sha256_hex(MERCHANT.secret, signed))
    } else {
        query.to_owned()
    };
    if let Ok(ret) = vcb::verify_return(&MERCHANT, &query) {
        let again = vcb::verify_return(&MERCHANT, &query).expect("verifying is pure");
        assert_eq!(format!("{ret:?}"), format!("{again:?}"));
    }
});
