//! The BIDV statement (statements.md "BIDV"): `bidv::parse_statement` on an arbitrary file. With
//! the mode's low bit set, the target appends the right trailer hash, so the header's count and
//! sum checks are reached too.
#![no_main]

use bank_adapters::signing::sha256_hex;
use bank_adapters::{bidv, parse_statement, BankCode, Vnd};
use libfuzzer_sys::fuzz_target;
use payhub_fuzz::split_mode;

fuzz_target!(|data: &[u8]| {
    let Some((with_trailer, file)) = split_mode(data) else {
        return;
    };
    let mut file = file.to_vec();
    if with_trailer {
        if !file.is_empty() && !file.ends_with(b"\n") {
            file.push(b'\n');
        }
        let trailer = format!("T|{}\n", sha256_hex(&file));
        file.extend_from_slice(trailer.as_bytes());
    }
    let parsed = bidv::parse_statement(&file);
    assert_eq!(parse_statement(BankCode::Bidv, &file), parsed);
    if let Ok(lines) = parsed {
        // The header's sum was checked against the details: it cannot overflow.
        assert!(Vnd::checked_sum(lines.iter().map(|l| l.amount)).is_some());
        assert!(lines
            .iter()
            .all(|l| l.bank == BankCode::Bidv && l.line_no >= 2));
    }
});
