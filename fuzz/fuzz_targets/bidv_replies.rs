//! BIDV's replies to PayHub (bidv.md §1, §4, §5): `verify_register_reply`, `verify_query_reply`
//! and `verify_refund_reply` on an arbitrary body, about the vectors' bill and refund. The mode's
//! second and third bits pick which field list a re-signed body is signed over.
#![no_main]

use bank_adapters::bidv::{self, wire, BidvError};
use libfuzzer_sys::fuzz_target;
use payhub_fuzz::{sign_bidv, split_mode, PARTNER};

const BILL: &str = "B7K2M9Q4";
const REFUND: &str = "R7K2M9Q4";

fuzz_target!(|data: &[u8]| {
    let Some((resign, body)) = split_mode(data) else {
        return;
    };
    let signed = match (data[0] >> 1) % 3 {
        0 => wire::REGISTER_REPLY,
        1 => wire::QUERY_REPLY,
        _ => wire::REFUND_REPLY,
    };
    let body = match resign.then(|| sign_bidv(body, signed)).flatten() {
        Some(signed) => signed,
        None => body.to_vec(),
    };
    if let Ok(registration) = bidv::verify_register_reply(&PARTNER, BILL, &body) {
        assert!(registration.payment_url.as_deref() != Some(""));
    }
    match bidv::verify_query_reply(&PARTNER, BILL, &body) {
        Ok(query) => assert!(query.bank_txn_id.as_deref() != Some("")),
        Err(BidvError::WrongReference { expected, got }) => {
            assert_eq!(expected, BILL);
            assert_ne!(got, BILL);
        }
        Err(_) => {}
    }
    if let Ok(receipt) = bidv::verify_refund_reply(&PARTNER, REFUND, &body) {
        assert!(receipt.refund_ref.is_empty() || receipt.refund_ref == REFUND);
    }
});
