//! Statement files of the three layouts in ../shared/spec/statements.md: good files parse to
//! normalized lines; a bad file is rejected whole, naming the right line. BIDV trailer hashes were
//! computed with python3 (`hashlib.sha256`) over the lines above them, each ending in `\n`.

use bank_adapters::{parse_statement, BankCode, LineKind, LineStatus, StatementError, Vnd};

fn vnd(dong: i64) -> Vnd {
    Vnd::from_dong(dong).unwrap()
}

/// Asserts `file` is rejected whole, on `line`, with a reason that mentions `because`.
fn assert_rejected(bank: BankCode, file: &str, line: usize, because: &str) {
    match parse_statement(bank, file.as_bytes()) {
        Err(StatementError { line: at, reason }) => {
            assert_eq!(at, line, "{reason}");
            assert!(
                reason.contains(because),
                "{reason:?} does not mention {because:?}"
            );
        }
        Ok(lines) => panic!("accepted a bad file: {lines:?}"),
    }
}

const VNPAY_HEADER: &str =
    "tmn_code,txn_ref,transaction_no,bank_code,amount_x100,pay_date,transaction_type,transaction_status,fee_x100\n";

#[test]
fn a_vnpay_statement_keeps_every_status_and_reads_refunds() {
    let file = format!(
        "{VNPAY_HEADER}AGENCY01,A7K2M9Q4,14980726,NCB,15000000,20260530210411,01,00,165000\r\n\
         \"AGENCY01\",\"B1\",\"14980727\",\"NCB\",\"5000000\",\"20260530220000\",\"03\",\"00\",\"\"\n\
         AGENCY01,C2,14980728,VNPAYQR,2000000,20260530230000,01,02,0\n"
    );
    let lines = parse_statement(BankCode::Vnpay, file.as_bytes()).unwrap();
    assert_eq!(lines.len(), 3);
    let paid = &lines[0];
    assert_eq!(
        (paid.line_no, paid.kind, &paid.status),
        (2, LineKind::Payment, &LineStatus::Paid)
    );
    assert_eq!((paid.amount, paid.fee), (vnd(150_000), Some(vnd(1_650))));
    assert_eq!(paid.credited_to.as_deref(), Some("AGENCY01"));
    assert_eq!(paid.at.to_rfc3339(), "2026-05-30T21:04:11+07:00");
    assert_eq!(
        (lines[1].kind, &lines[1].status, lines[1].fee),
        (LineKind::Refund, &LineStatus::Refunded, None)
    );
    assert_eq!(lines[2].status, LineStatus::Failed);
}

#[test]
fn a_vnpay_amount_that_is_not_whole_dong_rejects_the_file() {
    let file = format!(
        "{VNPAY_HEADER}AGENCY01,A1,1,NCB,15000000,20260530210411,01,00,0\n\
         AGENCY01,A2,2,NCB,15000050,20260530210411,01,00,0\n"
    );
    assert_rejected(BankCode::Vnpay, &file, 3, "not a whole number");
}

#[test]
fn a_malformed_vnpay_file_is_rejected_on_the_right_line() {
    let line = "AGENCY01,A1,1,NCB,15000000,20260530210411,01,00,0\n";
    assert_rejected(BankCode::Vnpay, line, 1, "header must be");
    assert_rejected(BankCode::Vnpay, "", 1, "empty");
    let short = format!("{VNPAY_HEADER}{line}AGENCY01,A2,2,NCB,15000000,20260530210411,01\n");
    assert_rejected(BankCode::Vnpay, &short, 3, "expected 9 fields");
    let bad_number =
        format!("{VNPAY_HEADER}{line}{line}AGENCY01,A3,3,NCB,15O00000,20260530210411,01,00,0\n");
    assert_rejected(BankCode::Vnpay, &bad_number, 4, "amount_x100");
    let bad_date = format!("{VNPAY_HEADER}AGENCY01,A1,1,NCB,15000000,2026-05-30,01,00,0\n");
    assert_rejected(BankCode::Vnpay, &bad_date, 2, "pay_date");
    let unknown_type = format!("{VNPAY_HEADER}AGENCY01,A1,1,NCB,15000000,20260530210411,09,00,0\n");
    assert_rejected(BankCode::Vnpay, &unknown_type, 2, "transaction_type");
}

const VCB_HEADER: &str =
    "bank_txn_id,payment_id,order_ref,amount,currency,status,paid_at,credit_account_no,fee\n";
const VCB_PAID: &str =
    "FT26150123456789,VCB2605300000123,A7K2M9Q4,150000,VND,SUCCESS,2026-05-30T21:04:11+07:00,0011001234567,0\n";

#[test]
fn a_vcb_refund_line_becomes_a_positive_refund_naming_the_original() {
    let refund = "FT26150999999999,FT26150123456789,A7K2M9Q4,-150000,VND,REFUNDED,2026-05-30T23:10:00+07:00,0011001234567,0\n";
    let lines = parse_statement(
        BankCode::Vcb,
        format!("{VCB_HEADER}{VCB_PAID}{refund}").as_bytes(),
    )
    .unwrap();
    assert_eq!(
        (lines[0].kind, &lines[0].status, lines[0].amount),
        (LineKind::Payment, &LineStatus::Paid, vnd(150_000))
    );
    assert_eq!(lines[0].credited_to.as_deref(), Some("0011001234567"));
    let refund = &lines[1];
    assert_eq!(
        (refund.kind, &refund.status, refund.amount),
        (LineKind::Refund, &LineStatus::Refunded, vnd(150_000))
    );
    assert_eq!(refund.bank_txn_id, "FT26150999999999");
    assert_eq!(refund.original_txn_id.as_deref(), Some("FT26150123456789"));
    assert_eq!(refund.line_no, 3);
}

#[test]
fn a_malformed_vcb_file_is_rejected_on_the_right_line() {
    let with = |line: &str| format!("{VCB_HEADER}{VCB_PAID}{line}\n");
    let bad_number =
        with("FT2,VCB2,B1,150000.5,VND,SUCCESS,2026-05-30T21:04:11+07:00,0011001234567,0");
    assert_rejected(BankCode::Vcb, &bad_number, 3, "whole đồng");
    let positive_refund =
        with("FT2,FT1,B1,150000,VND,REFUNDED,2026-05-30T21:04:11+07:00,0011001234567,0");
    assert_rejected(BankCode::Vcb, &positive_refund, 3, "REFUNDED line");
    let negative_payment =
        with("FT2,VCB2,B1,-150000,VND,SUCCESS,2026-05-30T21:04:11+07:00,0011001234567,0");
    assert_rejected(
        BankCode::Vcb,
        &negative_payment,
        3,
        "SUCCESS line has a negative",
    );
    let short = with("FT2,VCB2,B1,150000,VND,SUCCESS");
    assert_rejected(BankCode::Vcb, &short, 3, "expected 9 fields");
    let dollars = with("FT2,VCB2,B1,150000,USD,SUCCESS,2026-05-30T21:04:11+07:00,0011001234567,0");
    assert_rejected(BankCode::Vcb, &dollars, 3, "USD");
    let bad_quote = format!("{VCB_HEADER}{VCB_PAID}{VCB_PAID}FT2,\"VCB2\"x,B1,1,VND,SUCCESS,2026-05-30T21:04:11+07:00,1,0\n");
    assert_rejected(BankCode::Vcb, &bad_quote, 4, "closing quote");
}

const BIDV_D1: &str =
    "D|BIDV26053000012345|B7K2M9Q4|150000|20260530210455|12010000123456|MOBILE|PAID";
const BIDV_D2: &str =
    "D|BIDV26053000012399|B7K2M9Q9|150000|20260530223010|12010000123456|COUNTER|REFUNDED";

fn bidv_file(header: &str, trailer_hash: &str) -> String {
    format!("{header}\n{BIDV_D1}\n{BIDV_D2}\nT|{trailer_hash}\n")
}

const GOOD_HASH: &str = "b8d6ab0ab852b77c27933ca4ccb3ad46cce1b8683e3d6778c451f02427958fd4";

#[test]
fn a_bidv_statement_checks_its_trailer_and_totals() {
    let file = bidv_file("H|DVCQG|20260530|2|300000", GOOD_HASH);
    let lines = parse_statement(BankCode::Bidv, file.as_bytes()).unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0].line_no, lines[0].kind, &lines[0].status),
        (2, LineKind::Payment, &LineStatus::Paid)
    );
    assert_eq!(lines[0].credited_to.as_deref(), Some("12010000123456"));
    assert_eq!(
        (lines[1].kind, &lines[1].status),
        (LineKind::Refund, &LineStatus::Refunded)
    );
    // CRLF line ends: the \r is not part of a line, so the same hash holds.
    assert!(parse_statement(BankCode::Bidv, file.replace('\n', "\r\n").as_bytes()).is_ok());
}

#[test]
fn a_wrong_bidv_trailer_hash_is_rejected_on_the_trailer_line() {
    let header = "H|DVCQG|20260530|2|300000";
    let wrong = GOOD_HASH.replace("b8d6", "b8d7");
    assert_rejected(
        BankCode::Bidv,
        &bidv_file(header, &wrong),
        4,
        "trailer hash",
    );
    let upper = GOOD_HASH.to_uppercase();
    assert_rejected(
        BankCode::Bidv,
        &bidv_file(header, &upper),
        4,
        "trailer hash",
    );
}

#[test]
fn a_wrong_bidv_count_or_sum_is_rejected_on_the_header_line() {
    // Trailers are right for these headers, so only the totals are wrong.
    let count = "43e3b611ee41ef71044eeb617c93caf5154e09a9ef3aef216b548fcf255d6a0c";
    let file = bidv_file("H|DVCQG|20260530|3|300000", count);
    assert_rejected(BankCode::Bidv, &file, 1, "counts 3 detail lines");
    let sum = "5f8d03b1179b10c60e3e3da37ea5c8af6d2afe2737a08c3d45a877bb8e7a642c";
    let file = bidv_file("H|DVCQG|20260530|2|350000", sum);
    assert_rejected(BankCode::Bidv, &file, 1, "sums to 350000");
}

#[test]
fn a_malformed_bidv_file_is_rejected_on_the_right_line() {
    let header = "H|DVCQG|20260530|2|300000";
    let bad_d2 = BIDV_D2.replace("|150000|", "|15O000|");
    let bad_number = format!("{header}\n{BIDV_D1}\n{bad_d2}\nT|{GOOD_HASH}\n");
    assert_rejected(BankCode::Bidv, &bad_number, 3, "SoTien");
    let short = format!("{header}\n{BIDV_D1}\nD|BIDV1|B1|150000\nT|{GOOD_HASH}\n");
    assert_rejected(BankCode::Bidv, &short, 3, "8 fields");
    let no_trailer = format!("{header}\n{BIDV_D1}\n{BIDV_D2}\n");
    assert_rejected(BankCode::Bidv, &no_trailer, 4, "trailer (T) is missing");
    let after_trailer = format!("{}{BIDV_D1}\n", bidv_file(header, GOOD_HASH));
    assert_rejected(BankCode::Bidv, &after_trailer, 5, "after the trailer");
    let no_header = format!("{BIDV_D1}\n");
    assert_rejected(
        BankCode::Bidv,
        &no_header,
        1,
        "first line must be the header",
    );
    let bad_date = "H|DVCQG|2026-05-30|2|300000\n";
    assert_rejected(BankCode::Bidv, bad_date, 1, "YYYYMMDD");
}
