//! Golden vectors for BIDV (../shared/spec/banks/bidv.md), using the spec's example values.
//! Expected `ChuKy` values were computed with python3 (`hmac.new(b"bidv_test_secret", message,
//! hashlib.sha256)`) on the `|` strings written out by hand above each.

use bank_adapters::bidv::{
    self, BidvError, Bill, InquiryCode, InquiryReply, NotifyCode, NotifyReply, Partner,
    RefundOrder, RegisterCode, ReplyCode,
};
use bank_adapters::{CallbackDetail, RefundStatus, TxnStatus, Vnd};
use chrono::DateTime;

const PARTNER: Partner = Partner {
    code: "DVCQG",
    secret: "bidv_test_secret",
};

/// 2026-05-30 21:00:00 GMT+7.
const NINE_PM: i64 = 1_780_149_600;

fn vnd(dong: i64) -> Vnd {
    Vnd::from_dong(dong).unwrap()
}

#[test]
fn a_register_body_is_signed_over_its_six_fields() {
    let bill = Bill {
        bill_code: "B7K2M9Q4".into(),
        amount: vnd(150_000),
        description: "Le phi ho so 000.00.12.H29-260530-0001".into(),
        due: DateTime::parse_from_rfc3339("2026-05-30T22:15:00+07:00").unwrap(),
        account_no: "12010000123456".into(),
        account_name: "KBNN HA NOI".into(),
    };
    // DVCQG|B7K2M9Q4|150000|20260530221500|12010000123456|20260530210000
    assert_eq!(
        bidv::register_body(&PARTNER, &bill, NINE_PM),
        r#"{"MaDoiTac":"DVCQG","MaHoaDon":"B7K2M9Q4","SoTien":150000,"NoiDung":"Le phi ho so 000.00.12.H29-260530-0001","HanThanhToan":"20260530221500","TKThuHuong":"12010000123456","TenTKThuHuong":"KBNN HA NOI","ThoiGian":"20260530210000","ChuKy":"62382fe2936c018997c2df65ac46db8e8ec1cd2007e6246e43abafb1f002b7b0"}"#
    );
}

#[test]
fn a_register_reply_is_verified_over_the_bill_code_asked_about() {
    // 00|B7K2M9Q4|https://bidv.example/pay?bill=B7K2M9Q4
    let body = r#"{"MaLoi":"00","MoTa":"Thanh cong","UrlThanhToan":"https://bidv.example/pay?bill=B7K2M9Q4","ChuKy":"7d31763bbdc443e80e212280e387a29a9b87d7b4deb441bd4b9a3e507f036cc4"}"#;
    let registration = bidv::verify_register_reply(&PARTNER, "B7K2M9Q4", body.as_bytes()).unwrap();
    assert_eq!(registration.code, RegisterCode::Ok);
    assert_eq!(
        registration.payment_url.as_deref(),
        Some("https://bidv.example/pay?bill=B7K2M9Q4")
    );
    // The same reply replayed for another bill does not verify.
    assert_eq!(
        bidv::verify_register_reply(&PARTNER, "B0000000", body.as_bytes()),
        Err(BidvError::BadChecksum)
    );
}

// DVCQG|B7K2M9Q4|20260530210312
const INQUIRY: &str = r#"{"MaDoiTac":"DVCQG","MaHoaDon":"B7K2M9Q4","ThoiGian":"20260530210312","ChuKy":"0b453ad012beef650680cd98752e78ea8331ff0e71490443ea08442bc1060065"}"#;
/// The inquiry's ThoiGian, 2026-05-30 21:03:12 GMT+7.
const INQUIRY_AT: i64 = 1_780_149_792;

#[test]
fn a_genuine_inquiry_verifies() {
    let inquiry = bidv::verify_inquiry(&PARTNER, INQUIRY.as_bytes(), INQUIRY_AT + 60).unwrap();
    assert_eq!(inquiry.bill_code, "B7K2M9Q4");
    assert_eq!(inquiry.sent_at.timestamp(), INQUIRY_AT);
}

#[test]
fn an_inquiry_older_than_fifteen_minutes_is_refused_apart_from_a_bad_checksum() {
    assert!(bidv::verify_inquiry(&PARTNER, INQUIRY.as_bytes(), INQUIRY_AT + 900).is_ok());
    let error = bidv::verify_inquiry(&PARTNER, INQUIRY.as_bytes(), INQUIRY_AT + 901).unwrap_err();
    assert_eq!(error, BidvError::Stale { age_secs: 901 });
    assert_eq!(error.inquiry_code(), InquiryCode::BadChecksum);
    let forged = INQUIRY.replace("B7K2M9Q4", "B7K2M9Q5");
    assert_eq!(
        bidv::verify_inquiry(&PARTNER, forged.as_bytes(), INQUIRY_AT),
        Err(BidvError::BadChecksum)
    );
}

#[test]
fn inquiry_replies_are_signed_with_an_empty_amount_when_refused() {
    let payable = InquiryReply::payable("B7K2M9Q4", vnd(150_000), "Le phi ho so", "NGUYEN VAN A");
    // 00|B7K2M9Q4|150000
    assert_eq!(
        payable.to_json(&PARTNER),
        r#"{"MaLoi":"00","MaHoaDon":"B7K2M9Q4","SoTien":150000,"NoiDung":"Le phi ho so","TenKhachHang":"NGUYEN VAN A","ChuKy":"deaec0827e5c5b00151eeabb5c09f94fba9d3fb307b146f332f10722beca9c46"}"#
    );
    // 01|B7K2M9Q4|
    assert_eq!(
        InquiryReply::refusal(InquiryCode::NotFound, "B7K2M9Q4").to_json(&PARTNER),
        r#"{"MaLoi":"01","MaHoaDon":"B7K2M9Q4","ChuKy":"8edd34a5bca6ab3bc08783e5f7ca9201d2404337f746828a4d1602a6b8126851"}"#
    );
    let echoed = InquiryReply::refusal_echoing(InquiryCode::BadChecksum, INQUIRY.as_bytes());
    assert_eq!(echoed.bill_code, "B7K2M9Q4");
}

// DVCQG|B7K2M9Q4|BIDV26053000012345|150000|20260530210455|12010000123456
const NOTIFY: &str = r#"{"MaDoiTac":"DVCQG","MaHoaDon":"B7K2M9Q4","MaGiaoDich":"BIDV26053000012345","SoTien":150000,"ThoiGianGD":"20260530210455","TKThuHuong":"12010000123456","KenhThanhToan":"MOBILE","ChuKy":"96e853584503df4e19d5d13d5ad10d494a1ae959fb0fc7f1d137aeea7cb24f3d"}"#;

#[test]
fn a_genuine_notification_verifies_and_reads_as_paid() {
    let callback = bidv::verify_notification(&PARTNER, NOTIFY.as_bytes()).unwrap();
    assert_eq!(callback.status, TxnStatus::Paid);
    assert_eq!(callback.reference, "B7K2M9Q4");
    assert_eq!(callback.bank_txn_id.as_deref(), Some("BIDV26053000012345"));
    assert_eq!(callback.amount, vnd(150_000));
    assert_eq!(callback.credit_account.as_deref(), Some("12010000123456"));
    assert_eq!(
        callback.paid_at.unwrap().to_rfc3339(),
        "2026-05-30T21:04:55+07:00"
    );
    assert_eq!(
        callback.detail,
        CallbackDetail::Bidv {
            channel: "MOBILE".into()
        }
    );
}

#[test]
fn a_tampered_amount_fails_verification() {
    let forged = NOTIFY.replace("\"SoTien\":150000", "\"SoTien\":15000");
    let error = bidv::verify_notification(&PARTNER, forged.as_bytes()).unwrap_err();
    assert_eq!(error, BidvError::BadChecksum);
    assert_eq!(error.notify_code(), NotifyCode::BadChecksum);
    let uppercase = NOTIFY.replace("96e853584503df4e", "96E853584503DF4E");
    assert_eq!(
        bidv::verify_notification(&PARTNER, uppercase.as_bytes()),
        Err(BidvError::BadChecksum)
    );
}

#[test]
fn a_field_holding_the_separator_is_refused_even_when_signed() {
    // `A|B` + `C` and `A` + `B|C` join alike: a `ChuKy` cannot fix where a field ends, so a
    // signed field holding `|` proves nothing (a transaction id `X|Y` once paid an order).
    let fields = [
        "DVCQG",
        "B7K2M9Q4",
        "BIDV2605|3000012345",
        "150000",
        "20260530210455",
        "12010000123456",
    ];
    let chu_ky = bank_adapters::signing::hmac_sha256_hex(PARTNER.secret, fields.join("|"));
    let body = format!(
        r#"{{"MaDoiTac":"DVCQG","MaHoaDon":"B7K2M9Q4","MaGiaoDich":"BIDV2605|3000012345","SoTien":150000,"ThoiGianGD":"20260530210455","TKThuHuong":"12010000123456","KenhThanhToan":"MOBILE","ChuKy":"{chu_ky}"}}"#
    );
    assert_eq!(
        bidv::verify_notification(&PARTNER, body.as_bytes()),
        Err(BidvError::BadChecksum)
    );
}

#[test]
fn a_notification_for_another_partner_is_refused() {
    // OTHER|B7K2M9Q4|BIDV26053000012345|150000|20260530210455|12010000123456, signed with our secret.
    let other = NOTIFY.replace("\"DVCQG\"", "\"OTHER\"").replace(
        "96e853584503df4e19d5d13d5ad10d494a1ae959fb0fc7f1d137aeea7cb24f3d",
        "0b07e86a9d1517b5ecda0c2dbcf883575fa73da33f331a3644493dce6e259c28",
    );
    assert_eq!(
        bidv::verify_notification(&PARTNER, other.as_bytes()),
        Err(BidvError::UnknownPartner("OTHER".into()))
    );
}

#[test]
fn a_notification_reply_is_signed_over_its_code_and_transaction() {
    let reply = NotifyReply {
        code: NotifyCode::Recorded,
        bank_txn_id: "BIDV26053000012345".into(),
    };
    // 00|BIDV26053000012345
    assert_eq!(
        reply.to_json(&PARTNER),
        r#"{"MaLoi":"00","MoTa":"Thanh cong","MaGiaoDich":"BIDV26053000012345","ChuKy":"37c3748104f9dc6aba073e61eb36c546d9c0f0c12abfd720b323cb1af738b2e7"}"#
    );
    assert_eq!(
        NotifyReply::echoing(NotifyCode::Error, NOTIFY.as_bytes()).bank_txn_id,
        "BIDV26053000012345"
    );
    assert!(NotifyCode::PaidByAnother.stops_retries());
    assert!(!NotifyCode::AmountMismatch.stops_retries());
}

#[test]
fn a_query_and_its_reply_are_signed_over_their_field_lists() {
    // DVCQG|B7K2M9Q4|20260530211500
    assert_eq!(
        bidv::query_body(&PARTNER, "B7K2M9Q4", NINE_PM + 900),
        r#"{"MaDoiTac":"DVCQG","MaHoaDon":"B7K2M9Q4","ThoiGian":"20260530211500","ChuKy":"87a46507bb7219449c61f877ea758d3ab0844c6d4b610e306d6e547b16ea3139"}"#
    );
    // 00|B7K2M9Q4|PAID|BIDV26053000012345|150000
    let body = r#"{"MaLoi":"00","TrangThai":"PAID","MaGiaoDich":"BIDV26053000012345","SoTien":150000,"ThoiGianGD":"20260530210455","ChuKy":"e4f0810904d59c1110d3c66212b393a59069b7b0de28b463bd743aeebd0f166e"}"#;
    let bill = bidv::verify_query_reply(&PARTNER, "B7K2M9Q4", body.as_bytes()).unwrap();
    assert_eq!(
        (bill.code, bill.status),
        (ReplyCode::Ok, Some(TxnStatus::Paid))
    );
    assert_eq!(bill.amount, Some(vnd(150_000)));
    let forged = body.replace("PAID", "UNPAID");
    assert_eq!(
        bidv::verify_query_reply(&PARTNER, "B7K2M9Q4", forged.as_bytes()),
        Err(BidvError::BadChecksum)
    );
}

#[test]
fn a_refund_and_its_reply_are_signed_over_their_field_lists() {
    let order = RefundOrder {
        bank_txn_id: "BIDV26053000012345".into(),
        refund_ref: "R7K2M9Q4".into(),
        amount: vnd(150_000),
        reason: "Ho so bi tu choi".into(),
    };
    // DVCQG|BIDV26053000012345|R7K2M9Q4|150000|20260531090000
    assert_eq!(
        bidv::refund_body(&PARTNER, &order, 1_780_192_800),
        r#"{"MaDoiTac":"DVCQG","MaGiaoDich":"BIDV26053000012345","MaHoanTien":"R7K2M9Q4","SoTien":150000,"LyDo":"Ho so bi tu choi","ThoiGian":"20260531090000","ChuKy":"d271519510c981f63425260884fe8877f8e6a151c82a4535eb13b032053c4c71"}"#
    );
    // 00|R7K2M9Q4|SUCCESS
    let body = r#"{"MaLoi":"00","MaHoanTien":"R7K2M9Q4","TrangThai":"SUCCESS","ChuKy":"474290ac26cc37936742483e704e06123b5ff182dcd1a20b535bc4c8384024c2"}"#;
    let receipt = bidv::verify_refund_reply(&PARTNER, "R7K2M9Q4", body.as_bytes()).unwrap();
    assert_eq!(receipt.status, Some(RefundStatus::Succeeded));
    assert!(matches!(
        bidv::verify_refund_reply(&PARTNER, "R0000000", body.as_bytes()),
        Err(BidvError::WrongReference { .. })
    ));
}
