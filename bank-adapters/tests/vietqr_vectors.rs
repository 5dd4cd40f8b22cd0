//! Golden vectors of vietqr.md §1–§2: fixed inputs to exact bytes. The PayHub payloads below
//! were worked out by hand from the spec's table (object by object) and their CRCs computed by a
//! separate CRC-16/CCITT-FALSE routine, not by this crate.

use bank_adapters::vietqr::{
    crc16_ccitt_false, parse_payload, payload, transfer_content, QrPayment, QrPaymentError,
};
use bank_adapters::Vnd;

/// vietqr.md §1's public vector: a static QR of another bank, everything up to `6304`.
const PUBLIC_VECTOR: &str = "00020101021138480010A00000072701300006970403011621129950446040255204581253037045802VN5910PHUONG CAC6005HANOI62110307NPS686963045802";

#[test]
fn the_crc_of_the_spec_public_vector_is_5802() {
    let body = &PUBLIC_VECTOR[..PUBLIC_VECTOR.len() - 4];
    assert!(body.ends_with("6304"));
    assert_eq!(crc16_ccitt_false(body.as_bytes()), 0x5802);
    assert_eq!(&PUBLIC_VECTOR[PUBLIC_VECTOR.len() - 4..], "5802");
}

#[test]
fn the_crc_is_ccitt_false_on_the_standard_check_string() {
    // The catalogue's check value of CRC-16/CCITT-FALSE over "123456789".
    assert_eq!(crc16_ccitt_false(b"123456789"), 0x29B1);
}

#[test]
fn a_vcb_payload_is_built_object_by_object() {
    let p = QrPayment {
        bank_bin: "970436".into(),
        account_no: "0011001234567".into(),
        amount: Vnd::parse("650000").unwrap(),
        content: transfer_content("A7K2M9Q4ZT"),
    };
    assert_eq!(
        payload(&p),
        "000201\
         010212\
         3857\
         0010A000000727\
         0127\
         0006970436\
         01130011001234567\
         0208QRIBFTTA\
         5303704\
         5406650000\
         5802VN\
         6217\
         0813PH A7K2M9Q4ZT\
         6304213A"
    );
}

#[test]
fn a_bidv_payload_with_a_twelve_letter_reference() {
    let p = QrPayment {
        bank_bin: "970418".into(),
        account_no: "12010000123456".into(),
        amount: Vnd::parse("150000").unwrap(),
        content: transfer_content("B7K2M9Q4XYZ1"),
    };
    assert_eq!(
        payload(&p),
        "00020101021238580010A000000727012800069704180114120100001234560208QRIBFTTA\
         530370454061500005802VN62190815PH B7K2M9Q4XYZ16304CEEF"
    );
}

#[test]
fn a_payload_reads_back_to_what_it_was_built_from() {
    let p = QrPayment {
        bank_bin: "970436".into(),
        account_no: "0011001234567".into(),
        amount: Vnd::parse("650000").unwrap(),
        content: transfer_content("A7K2M9Q4ZT"),
    };
    assert_eq!(parse_payload(&payload(&p)).unwrap(), p);
}

#[test]
fn a_payload_with_a_changed_character_fails_its_crc() {
    let good = "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA530370454066500005802VN62170813PH A7K2M9Q4ZT6304213A";
    let tampered = good.replace("650000", "050000");
    assert!(matches!(
        parse_payload(&tampered),
        Err(QrPaymentError::BadCrc { .. })
    ));
    assert!(parse_payload("").is_err());
    assert!(parse_payload("6304").is_err());
    assert!(parse_payload("00020101021263040000").is_err());
}

mod credits {
    //! vietqr.md §4: the credit notifications. Signatures computed with python3's `hmac` over
    //! the exact bytes below (VCB: `ts + "." + body`; BIDV: the six fields joined by `|`).
    use bank_adapters::bidv::{self, Partner};
    use bank_adapters::vcb::{self, Merchant, SignedHeaders};
    use bank_adapters::{BankCode, Vnd};

    const MERCHANT: Merchant = Merchant {
        id: "PAYHUB01",
        secret: "vcb_test_secret",
    };
    const PARTNER: Partner = Partner {
        code: "DVCQG",
        secret: "bidv_test_secret",
    };
    const VCB_CREDIT: &str = r#"{"eventId":"CR-0001","accountNo":"0011001234567","amount":650000,"currency":"VND","bankTxnId":"FT26153001234567","creditedAt":"2026-05-30T10:15:02+07:00","content":"MBVCB.8812345.PH A7K2M9Q4ZT.Nguyen Van A chuyen tien","counterBankBin":"970422","counterAccountNo":"0123456789","counterName":"NGUYEN VAN A"}"#;
    const VCB_TS: i64 = 1_780_110_902;
    const VCB_SIG: &str = "965322946c87405826367391515cdda614c2e869612ca65b116352ae52f53e31";

    fn headers(sig: &str) -> SignedHeaders<'_> {
        SignedHeaders {
            merchant: Some("PAYHUB01"),
            timestamp: Some("1780110902"),
            signature: Some(sig),
        }
    }

    #[test]
    fn a_vcb_credit_of_the_spec_verifies_and_names_its_reference() {
        let credit =
            vcb::verify_credit(&MERCHANT, &headers(VCB_SIG), VCB_CREDIT.as_bytes(), VCB_TS)
                .unwrap();
        assert_eq!(credit.bank, BankCode::Vcb);
        assert_eq!(credit.account_no, "0011001234567");
        assert_eq!(credit.amount, Vnd::parse("650000").unwrap());
        assert_eq!(credit.bank_txn_id, "FT26153001234567");
        assert_eq!(credit.credited_at.timestamp(), VCB_TS);
        assert!(credit
            .reference_candidates()
            .contains(&"A7K2M9Q4ZT".to_owned()));
    }

    #[test]
    fn a_vcb_credit_with_a_bad_signature_is_refused_with_97() {
        let forged = VCB_SIG.replace('9', "8");
        let e = vcb::verify_credit(&MERCHANT, &headers(&forged), VCB_CREDIT.as_bytes(), VCB_TS)
            .unwrap_err();
        assert_eq!(e.notify_reply().code(), "97");
        assert_eq!(e.notify_reply().http_status(), 401);
        let altered = VCB_CREDIT.replace("650000", "65000");
        assert!(
            vcb::verify_credit(&MERCHANT, &headers(VCB_SIG), altered.as_bytes(), VCB_TS).is_err()
        );
    }

    #[test]
    fn a_vcb_credit_body_built_for_the_simulator_reads_back() {
        let credit =
            vcb::verify_credit(&MERCHANT, &headers(VCB_SIG), VCB_CREDIT.as_bytes(), VCB_TS)
                .unwrap();
        let body = vcb::credit_body(&credit);
        let signed = vcb::sign_headers(&MERCHANT, VCB_TS, body.as_bytes());
        let get = |n: &str| {
            signed
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.as_str())
        };
        let again = vcb::verify_credit(
            &MERCHANT,
            &SignedHeaders::from_lookup(get),
            body.as_bytes(),
            VCB_TS,
        )
        .unwrap();
        assert_eq!(again, credit);
    }

    const BIDV_CREDIT: &str = r#"{"MaDoiTac":"DVCQG","SoTaiKhoan":"12010000123456","SoTien":150000,"MaGiaoDich":"BIDV26053000099999","ThoiGian":"20260530101502","NoiDung":"IBFT ph b7k2m9q4xyz1 Nop le phi","ChuKy":"647efbec85d5dde511c82a19ef1fc441c26eaa4107e36bbd5f1f24193026545a"}"#;

    #[test]
    fn a_bidv_credit_verifies_over_its_six_fields() {
        let credit = bidv::verify_credit(&PARTNER, BIDV_CREDIT.as_bytes()).unwrap();
        assert_eq!(credit.bank, BankCode::Bidv);
        assert_eq!(credit.account_no, "12010000123456");
        assert_eq!(credit.amount, Vnd::parse("150000").unwrap());
        assert_eq!(credit.content, "IBFT ph b7k2m9q4xyz1 Nop le phi");
        assert!(credit
            .reference_candidates()
            .contains(&"B7K2M9Q4XYZ1".to_owned()));
        assert_eq!(bidv::credit_body(&PARTNER, &credit), BIDV_CREDIT);
    }

    #[test]
    fn a_bidv_credit_with_another_content_fails_its_checksum() {
        let altered = BIDV_CREDIT.replace("Nop le phi", "Nop le phi.");
        let e = bidv::verify_credit(&PARTNER, altered.as_bytes()).unwrap_err();
        assert_eq!(e.notify_code().as_str(), "97");
    }
}

mod statements {
    //! statements.md: VCB's tenth column and BIDV's `C` records carry the transfers.
    use bank_adapters::{bidv, vcb, LineKind, LineStatus};

    #[test]
    fn a_vcb_statement_with_descriptions_reads_transfers_and_gateway_lines() {
        let file = "bank_txn_id,payment_id,order_ref,amount,currency,status,paid_at,credit_account_no,fee,description\n\
FT26150123456789,VCB2605300000123,A7K2M9Q4,150000,VND,SUCCESS,2026-05-30T21:04:11+07:00,0011001234567,0,\n\
FT26150999999999,,,650000,VND,SUCCESS,2026-05-30T10:15:02+07:00,0011001234567,0,MBVCB.8812345.PH A7K2M9Q4ZT.Nguyen Van A\n";
        let lines = vcb::parse_statement(file.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].reference, "A7K2M9Q4");
        assert_eq!(lines[0].transfer_content, None);
        let transfer = &lines[1];
        assert_eq!(transfer.reference, "");
        assert_eq!(transfer.kind, LineKind::Payment);
        assert_eq!(transfer.status, LineStatus::Paid);
        assert_eq!(transfer.credited_to.as_deref(), Some("0011001234567"));
        assert_eq!(
            transfer.transfer_content.as_deref(),
            Some("MBVCB.8812345.PH A7K2M9Q4ZT.Nguyen Van A")
        );
    }

    #[test]
    fn a_nine_column_vcb_statement_is_still_valid() {
        let file = "bank_txn_id,payment_id,order_ref,amount,currency,status,paid_at,credit_account_no,fee\n\
FT26150123456789,VCB2605300000123,A7K2M9Q4,150000,VND,SUCCESS,2026-05-30T21:04:11+07:00,0011001234567,0\n";
        assert_eq!(vcb::parse_statement(file.as_bytes()).unwrap().len(), 1);
    }

    #[test]
    fn a_bidv_statement_counts_and_sums_its_credit_records() {
        let file = "H|DVCQG|20260530|2|800000\n\
D|BIDV26053000012345|B7K2M9Q4|150000|20260530210455|12010000123456|MOBILE|PAID\n\
C|BIDV26053000099999|650000|20260530101502|12010000123456|IBFT ph a7k2 m9q4zt Nguyen Van A\n\
T|4622d962b123c122b9f9afdcc4e2d0b0096792d5861f90b33692a11acf51ce6f\n";
        let lines = bidv::parse_statement(file.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        let credit = &lines[1];
        assert_eq!(credit.reference, "");
        assert_eq!(credit.bank_txn_id, "BIDV26053000099999");
        assert_eq!(
            credit.transfer_content.as_deref(),
            Some("IBFT ph a7k2 m9q4zt Nguyen Van A")
        );
        let wrong_count = file.replace("H|DVCQG|20260530|2|", "H|DVCQG|20260530|1|");
        assert!(bidv::parse_statement(wrong_count.as_bytes()).is_err());
    }
}
