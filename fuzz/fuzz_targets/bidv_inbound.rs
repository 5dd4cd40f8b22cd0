//! BIDV's messages to PayHub (bidv.md §2, §3): `verify_inquiry` and `verify_notification` on an
//! arbitrary body. The mode's second bit picks which field list a re-signed body is signed over.
#![no_main]

use bank_adapters::bidv::{self, wire};
use bank_adapters::{BankCode, TxnStatus};
use libfuzzer_sys::fuzz_target;
use payhub_fuzz::{sign_bidv, split_mode, NOW, PARTNER};

fuzz_target!(|data: &[u8]| {
    let Some((resign, body)) = split_mode(data) else {
        return;
    };
    let signed = if data[0] & 2 == 0 {
        wire::INQUIRY
    } else {
        wire::NOTIFY
    };
    let body = match resign.then(|| sign_bidv(body, signed)).flatten() {
        Some(signed) => signed,
        None => body.to_vec(),
    };
    match bidv::verify_inquiry(&PARTNER, &body, NOW) {
        Ok(inquiry) => {
            assert!(!inquiry.bill_code.is_empty());
            // Fresh means within 15 minutes either way.
            assert!((NOW - inquiry.sent_at.timestamp()).abs() <= wire::MAX_AGE_SECS);
        }
        // Whatever failed, the refusal can still be written.
        Err(e) => {
            drop(bidv::InquiryReply::refusal_echoing(e.inquiry_code(), &body).to_json(&PARTNER))
        }
    }
    match bidv::verify_notification(&PARTNER, &body) {
        Ok(callback) => {
            assert_eq!(
                (callback.bank, &callback.status),
                (BankCode::Bidv, &TxnStatus::Paid)
            );
            assert!(callback
                .bank_txn_id
                .as_deref()
                .is_some_and(|id| !id.is_empty()));
        }
        Err(e) => drop(bidv::NotifyReply::echoing(e.notify_code(), &body).to_json(&PARTNER)),
    }
});
