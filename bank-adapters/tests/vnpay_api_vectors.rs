//! Golden vectors for VNPAY's JSON API, querydr and refund (vnpay.md §3). Expected hashes were
//! computed with python3 (`hmac.new(b"test_secret", message, hashlib.sha512)`) on the `|` strings
//! written out by hand above each.

use bank_adapters::vnpay::{
    self, ApiCode, QueryDrRequest, RefundKind, RefundRequest, Terminal, VnpayError,
};
use bank_adapters::{RefundStatus, TxnStatus, Vnd};
use chrono::DateTime;
use serde_json::Value;

const TERMINAL: Terminal = Terminal {
    code: "TEST_TMN_CODE",
    hash_secret: "test_secret",
};

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap()
}

#[test]
fn a_querydr_request_is_signed_over_the_spec_field_order() {
    let request = QueryDrRequest {
        request_id: "R0001".into(),
        txn_ref: "A7K2M9Q4".into(),
        order_info: "Truy van giao dich A7K2M9Q4".into(),
        transaction_no: None,
        transaction_date: DateTime::parse_from_rfc3339("2026-05-30T21:00:00+07:00").unwrap(),
        create_date: DateTime::parse_from_rfc3339("2026-05-30T15:00:00Z").unwrap(),
        ip_addr: "203.0.113.1".parse().unwrap(),
    };
    let body = json(&vnpay::querydr_body(&TERMINAL, &request));
    // R0001|2.1.0|querydr|TEST_TMN_CODE|A7K2M9Q4|20260530210000|20260530220000|203.0.113.1|Truy van giao dich A7K2M9Q4
    assert_eq!(
        body["vnp_SecureHash"],
        "47d587aff8b9e741ee38ab3192817de66bc2195810667a2214baafa85ee1771f0e727bf2afd43b2ed41e85688f91de34f4ab1786c5a2bf1c3334fead3632b33a"
    );
    assert_eq!(body["vnp_CreateDate"], "20260530220000");
    assert_eq!(body["vnp_Command"], "querydr");
    assert!(body.get("vnp_TransactionNo").is_none());
}

// RS0001|querydr|00|QueryDR Success|TEST_TMN_CODE|A7K2M9Q4|15000000|NCB|20260530210411|14980726|01|00|Le phi ho so||
const QUERYDR_HASH: &str = "06eb74caf6b9a57da5c46fd1aba226e25234c3b726223bd4577b6adaee45a5f453c65af40bb56b068fed331d8fa2dbfe68d931371af877ddb029336b4a3dc4df";

fn querydr_response(status: &str, promotion: &str) -> String {
    format!(
        r#"{{"vnp_ResponseId":"RS0001","vnp_Command":"querydr","vnp_ResponseCode":"00","vnp_Message":"QueryDR Success",
        "vnp_TmnCode":"TEST_TMN_CODE","vnp_TxnRef":"A7K2M9Q4","vnp_Amount":"15000000","vnp_BankCode":"NCB",
        "vnp_PayDate":"20260530210411","vnp_TransactionNo":"14980726","vnp_TransactionType":"01",
        "vnp_TransactionStatus":"{status}","vnp_OrderInfo":"Le phi ho so"{promotion},"vnp_SecureHash":"{QUERYDR_HASH}"}}"#
    )
}

#[test]
fn a_genuine_querydr_answer_reads_as_the_transaction() {
    let answer =
        vnpay::verify_querydr_response(&TERMINAL, querydr_response("00", "").as_bytes()).unwrap();
    assert_eq!(answer.code, ApiCode::Ok);
    let txn = answer.transaction.unwrap();
    assert_eq!(txn.status, TxnStatus::Paid);
    assert_eq!(txn.amount, Vnd::from_dong(150_000).unwrap());
    assert_eq!(txn.bank_txn_id.as_deref(), Some("14980726"));
    // Present-but-empty promotion fields sign exactly like absent ones.
    let with_empty_promotion =
        querydr_response("00", r#","vnp_PromotionCode":"","vnp_PromotionAmount":"""#);
    assert!(vnpay::verify_querydr_response(&TERMINAL, with_empty_promotion.as_bytes()).is_ok());
}

#[test]
fn a_tampered_querydr_status_fails_verification() {
    let forged = querydr_response("02", "");
    assert_eq!(
        vnpay::verify_querydr_response(&TERMINAL, forged.as_bytes()).unwrap_err(),
        VnpayError::BadSignature
    );
    let other_terminal = Terminal {
        code: "OTHER001",
        hash_secret: "test_secret",
    };
    assert!(matches!(
        vnpay::verify_querydr_response(&other_terminal, querydr_response("00", "").as_bytes()),
        Err(VnpayError::WrongTerminal { .. })
    ));
}

#[test]
fn a_querydr_not_found_carries_no_transaction() {
    // RS0003|querydr|91|Not found|TEST_TMN_CODE|A7K2M9Q4||||||||| (nine empty fields)
    let body = r#"{"vnp_ResponseId":"RS0003","vnp_Command":"querydr","vnp_ResponseCode":"91","vnp_Message":"Not found",
        "vnp_TmnCode":"TEST_TMN_CODE","vnp_TxnRef":"A7K2M9Q4",
        "vnp_SecureHash":"ae85887685c98ec2b34857b927266cca7a6104b6aa1de6fe800db1fd7776ee9899549639d1876b737d3ebba7c2e47550e3f7a556343037f5e5ecd53d0ea1febd"}"#;
    let answer = vnpay::verify_querydr_response(&TERMINAL, body.as_bytes()).unwrap();
    assert_eq!((answer.code, answer.transaction), (ApiCode::NotFound, None));
}

#[test]
fn a_refund_request_is_signed_over_the_spec_field_order() {
    let request = RefundRequest {
        request_id: "R0002".into(),
        kind: RefundKind::Partial,
        txn_ref: "A7K2M9Q4".into(),
        amount: Vnd::from_dong(50_000).unwrap(),
        transaction_no: Some("14980726".into()),
        transaction_date: DateTime::parse_from_rfc3339("2026-05-30T21:00:00+07:00").unwrap(),
        create_by: "ketoan01".into(),
        create_date: DateTime::parse_from_rfc3339("2026-05-31T09:00:00+07:00").unwrap(),
        ip_addr: "203.0.113.1".parse().unwrap(),
        order_info: "Hoan phi ho so A7K2M9Q4".into(),
    };
    let body = json(&vnpay::refund_body(&TERMINAL, &request));
    // R0002|2.1.0|refund|TEST_TMN_CODE|03|A7K2M9Q4|5000000|14980726|20260530210000|ketoan01|20260531090000|203.0.113.1|Hoan phi ho so A7K2M9Q4
    assert_eq!(
        body["vnp_SecureHash"],
        "eb6deff109ff77b5f8a6209c41cdebfe75a8fc1a9200b762815ea4c85cfcb1edcb0a7f2bce6b7b500d10b10ab670653b6afde85adce86a0837ab8b1849a96562"
    );
    assert_eq!(body["vnp_Amount"], "5000000");
    assert_eq!(body["vnp_TransactionType"], "03");
}

#[test]
fn a_genuine_refund_answer_reads_as_pending() {
    // RS0002|refund|00|Refund success|TEST_TMN_CODE|A7K2M9Q4|5000000|NCB|20260531090012|14980999|03|05|Hoan phi ho so A7K2M9Q4
    let body = r#"{"vnp_ResponseId":"RS0002","vnp_Command":"refund","vnp_ResponseCode":"00","vnp_Message":"Refund success",
        "vnp_TmnCode":"TEST_TMN_CODE","vnp_TxnRef":"A7K2M9Q4","vnp_Amount":"5000000","vnp_BankCode":"NCB",
        "vnp_PayDate":"20260531090012","vnp_TransactionNo":"14980999","vnp_TransactionType":"03",
        "vnp_TransactionStatus":"05","vnp_OrderInfo":"Hoan phi ho so A7K2M9Q4",
        "vnp_SecureHash":"2d649f506d825ee2ed69d17f640fda5a5de39b2e56dea989907f6a56df03b6369c71f033a5ca726172fc58948e12e591dde5d0807f091e014b15d45ca9564b1c"}"#;
    let answer = vnpay::verify_refund_response(&TERMINAL, body.as_bytes()).unwrap();
    assert_eq!(answer.code, ApiCode::Ok);
    assert_eq!(answer.status, Some(RefundStatus::Pending));
    assert_eq!(answer.amount, Some(Vnd::from_dong(50_000).unwrap()));
    assert_eq!(answer.bank_txn_id.as_deref(), Some("14980999"));
    let forged = body.replace(r#""vnp_Amount":"5000000""#, r#""vnp_Amount":"50000000""#);
    assert_eq!(
        vnpay::verify_refund_response(&TERMINAL, forged.as_bytes()).unwrap_err(),
        VnpayError::BadSignature
    );
}
