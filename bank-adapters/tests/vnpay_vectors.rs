//! Golden vectors for VNPAY (../shared/spec/banks/vnpay.md). Every expected hash was computed
//! outside this crate (python3 `hmac.new(b"test_secret", canonical, hashlib.sha512)`) on the
//! canonical string written out by hand in the comment above it, or copied from the spec.

use bank_adapters::vnpay::{self, wire, IpnReply, Locale, PaymentRequest, Terminal, VnpayError};
use bank_adapters::{CallbackDetail, TxnStatus, Vnd};
use chrono::DateTime;

const TERMINAL: Terminal = Terminal {
    code: "TEST_TMN_CODE",
    hash_secret: "test_secret",
};

fn secret_of(code: &str) -> Option<&'static str> {
    (code == "TEST_TMN_CODE").then_some("test_secret")
}

#[test]
fn the_spec_example_reproduces_the_exact_order_info_encoding_and_hash() {
    // vnpay.md §1 example, fields deliberately out of order: sorting is the canonicalizer's job.
    let fields = [
        ("vnp_TxnRef", "DVC0000123"),
        ("vnp_OrderInfo", "Thanh toán lệ phí hồ sơ #123"),
        ("vnp_Amount", "2500000"),
        ("vnp_BankCode", "VNBANK"),
        ("vnp_CreateDate", "20250101000000"),
        ("vnp_IpAddr", "10.0.0.1"),
        ("vnp_Locale", "en"),
        ("vnp_OrderType", "other"),
        ("vnp_ReturnUrl", "https://example.vn/r"),
        ("vnp_TmnCode", "TEST_TMN_CODE"),
        ("vnp_Version", "2.1.0"),
        ("vnp_Command", "pay"),
        ("vnp_CurrCode", "VND"),
    ];
    let canonical = wire::canonical_query(fields);
    assert!(canonical
        .contains("&vnp_OrderInfo=Thanh+to%C3%A1n+l%E1%BB%87+ph%C3%AD+h%E1%BB%93+s%C6%A1+%23123&"));
    assert_eq!(
        wire::secure_hash("test_secret", &canonical),
        "56aa36753674638d76b3c72b4f024b3bc34b30d7cca437bd7dfe22d92649be7372fb281c8798bfdd956de4b4736667bfa9de31a6a8c8b0b60823f102130e3b3a"
    );
}

fn request() -> PaymentRequest {
    PaymentRequest {
        txn_ref: "A7K2M9Q4".into(),
        amount: Vnd::from_dong(150_000).unwrap(),
        order_info: "Le phi ho so 000.00.12.H29-260530-0001".into(),
        order_type: "billpayment".into(),
        // Given in UTC: must be sent as 21:00 GMT+7.
        create_date: DateTime::parse_from_rfc3339("2026-05-30T14:00:00Z").unwrap(),
        expire_date: DateTime::parse_from_rfc3339("2026-05-30T21:30:00+07:00").unwrap(),
        ip_addr: "203.0.113.9".parse().unwrap(),
        locale: Locale::Vn,
        return_url: "https://payhub.example/return/vnpay".into(),
        bank_code: None,
    }
}

#[test]
fn a_payment_url_is_signed_byte_for_byte() {
    // Canonical string by hand; its HMAC-SHA512 by python3.
    let canonical =
        "vnp_Amount=15000000&vnp_Command=pay&vnp_CreateDate=20260530210000&vnp_CurrCode=VND\
        &vnp_ExpireDate=20260530213000&vnp_IpAddr=203.0.113.9&vnp_Locale=vn\
        &vnp_OrderInfo=Le+phi+ho+so+000.00.12.H29-260530-0001&vnp_OrderType=billpayment\
        &vnp_ReturnUrl=https%3A%2F%2Fpayhub.example%2Freturn%2Fvnpay&vnp_TmnCode=TEST_TMN_CODE\
        &vnp_TxnRef=A7K2M9Q4&vnp_Version=2.1.0";
    let hash = "46ba9a8511743723830abd53fa002f2c5b9039afc5d81d0061ca4a1ae514080f8ab46677370ce376ce2c8dc4e891842664560945425002f5b712b85481778b71";
    let url = vnpay::payment_url(
        "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
        &TERMINAL,
        &request(),
    )
    .unwrap();
    assert_eq!(
        url,
        format!(
            "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{canonical}&vnp_SecureHash={hash}"
        )
    );
}

#[test]
fn a_request_that_would_sign_ambiguously_is_refused() {
    let refuse = |edit: fn(&mut PaymentRequest)| {
        let mut request = request();
        edit(&mut request);
        let result = vnpay::payment_url("https://pay", &TERMINAL, &request);
        assert!(
            matches!(result, Err(VnpayError::InvalidRequest(_))),
            "{result:?}"
        );
    };
    refuse(|r| r.txn_ref = "A7K2-M9Q4".into());
    refuse(|r| r.order_info = "Le phi (ho so)".into());
    refuse(|r| r.order_info = "x".repeat(256));
    refuse(|r| r.amount = Vnd::ZERO);
    refuse(|r| r.expire_date = r.create_date);
}

// Canonical string of the genuine IPN, by hand:
// vnp_Amount=15000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14980726&vnp_CardType=ATM
// &vnp_OrderInfo=Le+phi+ho+so+000.00.12.H29-260530-0001&vnp_PayDate=20260530210411
// &vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14980726
// &vnp_TransactionStatus=00&vnp_TxnRef=A7K2M9Q4
const IPN_HASH: &str = "5b868b32ec8518712a84c918d9fc1f1504979e1b37b671176328ea708f748d5ab52201e52b0d71a379bd9645b36aeadea2fe341008bc9a633e650d5ef21dc97d";

fn ipn(amount: &str, hash: &str) -> String {
    format!(
        "vnp_Amount={amount}&vnp_BankCode=NCB&vnp_BankTranNo=VNP14980726&vnp_CardType=ATM\
         &vnp_OrderInfo=Le+phi+ho+so+000.00.12.H29-260530-0001&vnp_PayDate=20260530210411\
         &vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14980726\
         &vnp_TransactionStatus=00&vnp_TxnRef=A7K2M9Q4&vnp_SecureHash={hash}"
    )
}

#[test]
fn a_genuine_ipn_verifies_and_reads_as_paid() {
    let callback = vnpay::verify_ipn(&ipn("15000000", IPN_HASH), secret_of).unwrap();
    assert_eq!(callback.status, TxnStatus::Paid);
    assert_eq!(callback.reference, "A7K2M9Q4");
    assert_eq!(callback.amount, Vnd::from_dong(150_000).unwrap());
    assert_eq!(callback.bank_txn_id.as_deref(), Some("14980726"));
    assert_eq!(callback.merchant, "TEST_TMN_CODE");
    assert_eq!(
        callback.paid_at.unwrap().to_rfc3339(),
        "2026-05-30T21:04:11+07:00"
    );
    let CallbackDetail::Vnpay {
        response_code,
        bank_code,
        ..
    } = callback.detail
    else {
        panic!("not a VNPAY detail");
    };
    assert_eq!(
        (response_code.as_deref(), bank_code.as_deref()),
        (Some("00"), Some("NCB"))
    );
}

#[test]
fn the_hash_is_accepted_in_uppercase_hex() {
    let query = ipn("15000000", &IPN_HASH.to_uppercase());
    assert!(vnpay::verify_ipn(&query, secret_of).is_ok());
}

#[test]
fn a_tampered_amount_fails_verification_and_is_answered_97() {
    let error = vnpay::verify_ipn(&ipn("16000000", IPN_HASH), secret_of).unwrap_err();
    assert_eq!(error, VnpayError::BadSignature);
    assert_eq!(error.ipn_reply(), IpnReply::InvalidSignature);
}

#[test]
fn an_unknown_terminal_or_a_missing_hash_is_answered_97() {
    let error = vnpay::verify_ipn(&ipn("15000000", IPN_HASH), |_| None::<&str>).unwrap_err();
    assert_eq!(error, VnpayError::UnknownTerminal("TEST_TMN_CODE".into()));
    assert_eq!(error.ipn_reply().rsp_code(), "97");
    let unsigned = ipn("15000000", IPN_HASH).replace(&format!("&vnp_SecureHash={IPN_HASH}"), "");
    assert_eq!(
        vnpay::verify_ipn(&unsigned, secret_of).unwrap_err(),
        VnpayError::MissingSignature
    );
}

#[test]
fn the_return_url_ignores_payhubs_own_parameters_the_hash_type_and_empty_values() {
    // Reordered, %20 instead of +, PayHub's own `attempt`, an empty vnp_ value, SecureHashType.
    let query = format!(
        "?attempt=42&vnp_SecureHashType=HmacSHA512&vnp_TxnRef=A7K2M9Q4&vnp_BankTranNo=VNP14980726\
         &vnp_Amount=15000000&vnp_BankCode=NCB&vnp_CardType=ATM&vnp_PromotionCode=\
         &vnp_OrderInfo=Le%20phi%20ho%20so%20000.00.12.H29-260530-0001&vnp_PayDate=20260530210411\
         &vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14980726\
         &vnp_TransactionStatus=00&vnp_SecureHash={IPN_HASH}"
    );
    assert_eq!(
        vnpay::verify_return(&query, secret_of).unwrap().status,
        TxnStatus::Paid
    );
}

#[test]
fn a_key_sent_twice_is_refused() {
    let query = format!("{}&vnp_Amount=15000000", ipn("15000000", IPN_HASH));
    assert!(matches!(
        vnpay::verify_ipn(&query, secret_of),
        Err(VnpayError::Malformed(_))
    ));
}

#[test]
fn a_cancelled_payment_has_no_bank_transaction() {
    // vnp_Amount=15000000&vnp_BankCode=NCB&vnp_CardType=ATM&vnp_OrderInfo=Le+phi+ho+so
    // &vnp_PayDate=20260530210530&vnp_ResponseCode=24&vnp_TmnCode=TEST_TMN_CODE
    // &vnp_TransactionNo=0&vnp_TransactionStatus=02&vnp_TxnRef=A7K2M9Q4
    let query = "vnp_Amount=15000000&vnp_BankCode=NCB&vnp_CardType=ATM&vnp_OrderInfo=Le+phi+ho+so\
        &vnp_PayDate=20260530210530&vnp_ResponseCode=24&vnp_TmnCode=TEST_TMN_CODE\
        &vnp_TransactionNo=0&vnp_TransactionStatus=02&vnp_TxnRef=A7K2M9Q4\
        &vnp_SecureHash=e0c6f3ec331a61cb6160fd5f4f44e2b33be8a8cceb8b4082160a87e23cfc956498f1c1b5d36e401c2c38c95c29273a8fc4eb96d08000b41f436b444d0737a2d2";
    let callback = vnpay::verify_ipn(query, secret_of).unwrap();
    assert_eq!(callback.status, TxnStatus::Cancelled);
    assert_eq!(callback.bank_txn_id, None);
}

#[test]
fn an_unknown_response_code_reads_as_failed_with_that_code() {
    // vnp_Amount=15000000&vnp_ResponseCode=42&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=0
    // &vnp_TransactionStatus=02&vnp_TxnRef=A7K2M9Q4
    let query = "vnp_Amount=15000000&vnp_ResponseCode=42&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=0\
        &vnp_TransactionStatus=02&vnp_TxnRef=A7K2M9Q4\
        &vnp_SecureHash=240448baa0284ce7054927abf1fff997d9de7cbba686cbfd99619b5934c17fccecf5a127fc7f13ae079e172a494bb77d3eaef99f48ce0470cfe66ae5d0f7522b";
    let callback = vnpay::verify_ipn(query, secret_of).unwrap();
    assert_eq!(callback.status, TxnStatus::Failed { code: "42".into() });
    assert_eq!(callback.paid_at, None);
}

#[test]
fn success_needs_both_codes_and_every_other_combination_is_explicit() {
    let failed = |code: &str| TxnStatus::Failed { code: code.into() };
    assert_eq!(wire::ipn_status("00", "00"), TxnStatus::Paid);
    assert_eq!(wire::ipn_status("00", "01"), TxnStatus::Pending);
    assert_eq!(
        wire::ipn_status("00", "02"),
        TxnStatus::Unknown("00/02".into())
    );
    assert_eq!(wire::ipn_status("24", "02"), TxnStatus::Cancelled);
    assert_eq!(wire::ipn_status("07", "07"), TxnStatus::Pending);
    assert_eq!(wire::ipn_status("51", "02"), failed("51"));
    assert_eq!(wire::ipn_status("ZZ", "00"), failed("ZZ"));
    assert_eq!(wire::query_status("01", "00"), TxnStatus::Paid);
    assert_eq!(wire::query_status("02", "00"), TxnStatus::Refunded);
    assert_eq!(wire::query_status("01", "04"), failed("04"));
    assert_eq!(
        wire::query_status("01", "88"),
        TxnStatus::Unknown("88".into())
    );
}

#[test]
fn ipn_replies_are_the_spec_tables_json() {
    let expected = [
        (
            IpnReply::ConfirmSuccess,
            r#"{"RspCode":"00","Message":"Confirm Success"}"#,
        ),
        (
            IpnReply::OrderNotFound,
            r#"{"RspCode":"01","Message":"Order not found"}"#,
        ),
        (
            IpnReply::AlreadyConfirmed,
            r#"{"RspCode":"02","Message":"Order already confirmed"}"#,
        ),
        (
            IpnReply::InvalidAmount,
            r#"{"RspCode":"04","Message":"invalid amount"}"#,
        ),
        (
            IpnReply::InvalidSignature,
            r#"{"RspCode":"97","Message":"Invalid signature"}"#,
        ),
        (
            IpnReply::UnknownError,
            r#"{"RspCode":"99","Message":"Unknow error"}"#,
        ),
    ];
    for (reply, body) in expected {
        assert_eq!(reply.body(), body);
    }
    assert!(IpnReply::AlreadyConfirmed.stops_retries());
    assert!(!IpnReply::InvalidAmount.stops_retries());
}
