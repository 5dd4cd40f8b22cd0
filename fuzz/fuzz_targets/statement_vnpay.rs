//! The VNPAY statement (statements.md "VNPAY"): `vnpay::parse_statement` on an arbitrary file.
#![no_main]

use bank_adapters::{parse_statement, vnpay, BankCode, LineKind, LineStatus};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|file: &[u8]| {
    let parsed = vnpay::parse_statement(file);
    // The bank-generic entry point is the same parser.
    assert_eq!(parse_statement(BankCode::Vnpay, file), parsed);
    if let Ok(lines) = parsed {
        for (i, line) in lines.iter().enumerate() {
            assert_eq!(line.bank, BankCode::Vnpay);
            // Line numbers follow the header and never go back.
            assert!(line.line_no >= 2);
            assert!(i == 0 || lines[i - 1].line_no < line.line_no);
            assert!(!line.reference.is_empty() && !line.bank_txn_id.is_empty());
            if line.status == LineStatus::Refunded {
                assert_eq!(line.kind, LineKind::Refund);
            }
        }
    }
});
