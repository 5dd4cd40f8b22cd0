//! Golden vectors for PayHub → VCB calls and VCB's signed replies (vcb.md §1, §3, §4). Expected
//! signatures were computed with python3 (`hmac.new(b"vcb_test_secret", f"{ts}.{body}",
//! hashlib.sha256)`) on the exact bodies below.

use bank_adapters::vcb::{self, Merchant, RefundOrder, Reply, SignedHeaders, VcbError};
use bank_adapters::{RefundStatus, TxnStatus, Vnd};

const MERCHANT: Merchant = Merchant {
    id: "PAYHUB01",
    secret: "vcb_test_secret",
};

fn reply<'a>(status: u16, ts: &'a str, sig: &'a str, body: &'a str) -> Reply<'a> {
    Reply {
        status,
        headers: SignedHeaders {
            merchant: Some("PAYHUB01"),
            timestamp: Some(ts),
            signature: Some(sig),
        },
        body: body.as_bytes(),
    }
}

#[test]
fn create_replies_map_to_a_payment_or_a_named_refusal() {
    let now = 1_780_149_605;
    let created = r#"{"paymentId":"VCB2605300000123","paymentUrl":"https://vcb.example/pay/VCB2605300000123","status":"PENDING"}"#;
    let sig = "8e823f0be32f290cc462dcd0ae3ccc2c102e019040aefe6a658df00356251f67";
    let payment =
        vcb::parse_create_reply(&MERCHANT, &reply(201, "1780149601", sig, created), now).unwrap();
    assert_eq!(payment.payment_id, "VCB2605300000123");
    assert_eq!(payment.status, TxnStatus::Pending);

    let duplicate = r#"{"code":"DUPLICATE_ORDER_REF"}"#;
    let sig = "c04073019aab057859a515501abfd4ad801ab3d2c76dd01a018d9cb71c377433";
    let error = vcb::parse_create_reply(&MERCHANT, &reply(409, "1780149601", sig, duplicate), now)
        .unwrap_err();
    assert_eq!(error, VcbError::DuplicateOrderRef);

    let invalid = r#"{"code":"INVALID_REQUEST","message":"amount must be positive"}"#;
    let sig = "3989f94d4180ea0baf9e4d52a0085b0102c566800e98ffd23cb9d5be73e58e6b";
    let error = vcb::parse_create_reply(&MERCHANT, &reply(400, "1780149601", sig, invalid), now)
        .unwrap_err();
    assert!(
        matches!(error, VcbError::RequestRefused { status: 400, ref code, .. } if code == "INVALID_REQUEST")
    );

    let unauthorized = r#"{"code":"INVALID_SIGNATURE"}"#;
    let sig = "f1b10bf541239a68b2d3d72e6f75c47d36a54ce69e7af9a5adb543552f374fc5";
    let error =
        vcb::parse_create_reply(&MERCHANT, &reply(401, "1780149601", sig, unauthorized), now)
            .unwrap_err();
    assert_eq!(error, VcbError::SignatureRefused);

    let gateway = Reply {
        status: 502,
        headers: SignedHeaders::default(),
        body: b"<html>",
    };
    assert_eq!(
        vcb::parse_create_reply(&MERCHANT, &gateway, now),
        Err(VcbError::UnexpectedReply { status: 502 })
    );
    let forged = created.replace("PENDING", "SUCCESS");
    let sig = "8e823f0be32f290cc462dcd0ae3ccc2c102e019040aefe6a658df00356251f67";
    let error = vcb::parse_create_reply(&MERCHANT, &reply(201, "1780149601", sig, &forged), now)
        .unwrap_err();
    assert_eq!(error, VcbError::BadSignature);
}

#[test]
fn a_query_reads_a_failed_payment_and_404_reads_as_none() {
    let now = 1_780_150_010;
    let body = r#"{"paymentId":"VCB2605300000123","orderRef":"A7K2M9Q4","status":"FAILED","amount":150000,"currency":"VND","bankTxnId":null,"paidAt":null,"creditAccountNo":null,"failureReason":"INSUFFICIENT_FUNDS"}"#;
    let sig = "2a1b2926798eb51b5d1fefb7b18a9ba35e3f6b0c7e7ef0e7857f3cefa605d46a";
    let payment = vcb::parse_query_reply(&MERCHANT, &reply(200, "1780150000", sig, body), now)
        .unwrap()
        .unwrap();
    assert_eq!(
        payment.status,
        TxnStatus::Failed {
            code: "INSUFFICIENT_FUNDS".into()
        }
    );
    assert_eq!((payment.bank_txn_id, payment.paid_at), (None, None));

    let not_found = r#"{"code":"NOT_FOUND"}"#;
    let sig = "2606fc340114861a213f0be7a6f556445a7868b5a0a24d32679f82dc52808bf0";
    assert_eq!(
        vcb::parse_query_reply(&MERCHANT, &reply(404, "1780150000", sig, not_found), now),
        Ok(None)
    );
}

#[test]
fn a_refund_body_and_reply_round_the_spec() {
    let order = RefundOrder {
        refund_ref: "R7K2M9Q4".into(),
        amount: Vnd::from_dong(150_000).unwrap(),
        reason: "Ho so bi tu choi".into(),
    };
    assert_eq!(
        vcb::refund_body(&order),
        r#"{"refundRef":"R7K2M9Q4","amount":150000,"reason":"Ho so bi tu choi"}"#
    );
    let body = r#"{"refundId":"RF0001","status":"PENDING"}"#;
    let sig = "8b80eec4ed39a5ea2a708f2182a4b8c73d78c0a9fe46da45aa741771fbc6cffc";
    let receipt = vcb::parse_refund_reply(
        &MERCHANT,
        &reply(201, "1780236000", sig, body),
        1_780_236_001,
    )
    .unwrap();
    assert_eq!(
        (receipt.refund_id.as_str(), receipt.status),
        ("RF0001", RefundStatus::Pending)
    );
}
