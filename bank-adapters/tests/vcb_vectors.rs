//! Golden vectors for VCB (../shared/spec/banks/vcb.md). Expected signatures were computed with
//! python3 (`hmac.new(b"vcb_test_secret", f"{ts}.{body}", hashlib.sha256)`) on the exact bodies
//! below.

use bank_adapters::vcb::{
    self, Beneficiary, Merchant, NotifyReply, PaymentLookup, PaymentOrder, SignedHeaders, VcbError,
};
use bank_adapters::{CallbackDetail, TxnStatus, Vnd};
use chrono::DateTime;

const MERCHANT: Merchant = Merchant {
    id: "PAYHUB01",
    secret: "vcb_test_secret",
};

const NOTIFICATION: &str = r#"{"eventId":"EVT-0001","paymentId":"VCB2605300000123","orderRef":"A7K2M9Q4","status":"SUCCESS","amount":150000,"currency":"VND","bankTxnId":"FT26150123456789","paidAt":"2026-05-30T21:04:11+07:00","creditAccountNo":"0011001234567","failureReason":null}"#;
const NOTIFICATION_TS: &str = "1780149851";
const NOTIFICATION_SIG: &str = "bb0dfd707f52cc980900cd5a2375d6fcd083a8590f0b18d90a5b34d0bb70e69e";

fn headers<'a>(ts: &'a str, sig: &'a str) -> SignedHeaders<'a> {
    SignedHeaders {
        merchant: Some("PAYHUB01"),
        timestamp: Some(ts),
        signature: Some(sig),
    }
}

#[test]
fn a_create_payment_body_matches_the_spec_and_is_signed_over_its_exact_bytes() {
    let order = PaymentOrder {
        order_ref: "A7K2M9Q4".into(),
        amount: Vnd::from_dong(150_000).unwrap(),
        description: "Le phi ho so 000.00.12.H29-260530-0001".into(),
        return_url: "https://payhub.example/return/vcb".into(),
        notify_url: "https://payhub.example/callbacks/vcb".into(),
        expire_at: DateTime::parse_from_rfc3339("2026-05-30T15:15:00Z").unwrap(),
        beneficiary: Beneficiary {
            account_no: "0011001234567".into(),
            bank_bin: "970436".into(),
            account_name: "KBNN HA NOI".into(),
        },
    };
    let body = vcb::create_payment_body(&MERCHANT, &order);
    assert_eq!(
        body,
        r#"{"merchantId":"PAYHUB01","orderRef":"A7K2M9Q4","amount":150000,"currency":"VND","description":"Le phi ho so 000.00.12.H29-260530-0001","returnUrl":"https://payhub.example/return/vcb","notifyUrl":"https://payhub.example/callbacks/vcb","expireAt":"2026-05-30T22:15:00+07:00","beneficiary":{"accountNo":"0011001234567","bankBin":"970436","accountName":"KBNN HA NOI"}}"#
    );
    let [merchant, timestamp, signature] =
        vcb::sign_headers(&MERCHANT, 1_780_149_600, body.as_bytes());
    assert_eq!(merchant, ("X-VCB-Merchant", "PAYHUB01".to_owned()));
    assert_eq!(timestamp, ("X-VCB-Timestamp", "1780149600".to_owned()));
    assert_eq!(
        signature,
        (
            "X-VCB-Signature",
            "ff53bfb8a3a0fc61be59fce4373f9ae4286e96c130821d17319155208337ea40".to_owned()
        )
    );
}

#[test]
fn a_get_is_signed_over_the_empty_body() {
    let [_, _, (_, signature)] = vcb::sign_headers(&MERCHANT, 1_780_149_600, b"");
    assert_eq!(
        signature,
        "27196f86177a5f7132c1a24fd4493eb6978c23de50529c3edf089e61780220bd"
    );
    assert_eq!(
        vcb::query_path(PaymentLookup::OrderRef("A7K2 M9Q4")),
        "/v1/payments?orderRef=A7K2%20M9Q4"
    );
    assert_eq!(
        vcb::refund_path("VCB2605300000123"),
        "/v1/payments/VCB2605300000123/refunds"
    );
}

#[test]
fn a_genuine_notification_verifies_and_reads_as_paid() {
    let now = 1_780_149_861;
    let callback = vcb::verify_notification(
        &MERCHANT,
        &headers(NOTIFICATION_TS, NOTIFICATION_SIG),
        NOTIFICATION.as_bytes(),
        now,
    )
    .unwrap();
    assert_eq!(callback.status, TxnStatus::Paid);
    assert_eq!(callback.reference, "A7K2M9Q4");
    assert_eq!(callback.amount, Vnd::from_dong(150_000).unwrap());
    assert!(callback.currency_is_vnd);
    assert_eq!(callback.bank_txn_id.as_deref(), Some("FT26150123456789"));
    assert_eq!(callback.credit_account.as_deref(), Some("0011001234567"));
    assert_eq!(
        callback.paid_at.unwrap().to_rfc3339(),
        "2026-05-30T21:04:11+07:00"
    );
    assert!(
        matches!(callback.detail, CallbackDetail::Vcb { event_id: Some(ref id), .. } if id == "EVT-0001")
    );
}

#[test]
fn a_tampered_amount_fails_verification_and_is_answered_97_with_401() {
    let forged = NOTIFICATION.replace("\"amount\":150000", "\"amount\":1500000");
    let error = vcb::verify_notification(
        &MERCHANT,
        &headers(NOTIFICATION_TS, NOTIFICATION_SIG),
        forged.as_bytes(),
        1_780_149_861,
    )
    .unwrap_err();
    assert_eq!(error, VcbError::BadSignature);
    let reply = error.notify_reply();
    assert_eq!((reply.code(), reply.http_status()), ("97", 401));
    // The same bytes re-serialized (a space added) are not the bytes signed.
    let reserialized = NOTIFICATION.replace(",\"amount\"", ", \"amount\"");
    assert_eq!(
        vcb::verify_signed(
            &MERCHANT,
            &headers(NOTIFICATION_TS, NOTIFICATION_SIG),
            reserialized.as_bytes(),
            1_780_149_861
        ),
        Err(VcbError::BadSignature)
    );
}

#[test]
fn a_stale_timestamp_is_refused_apart_from_a_bad_signature() {
    let verify = |now| {
        vcb::verify_signed(
            &MERCHANT,
            &headers(NOTIFICATION_TS, NOTIFICATION_SIG),
            NOTIFICATION.as_bytes(),
            now,
        )
    };
    assert_eq!(verify(1_780_149_851 + 300), Ok(()));
    assert_eq!(
        verify(1_780_149_851 + 301),
        Err(VcbError::Stale { skew_secs: 301 })
    );
    assert_eq!(
        verify(1_780_149_851 - 301),
        Err(VcbError::Stale { skew_secs: -301 })
    );
    assert_eq!(
        VcbError::Stale { skew_secs: 301 }.notify_reply(),
        NotifyReply::BadSignature
    );
}

#[test]
fn missing_headers_another_merchant_and_uppercase_hex_are_refused() {
    let body = NOTIFICATION.as_bytes();
    let now = 1_780_149_861;
    let mut missing = headers(NOTIFICATION_TS, NOTIFICATION_SIG);
    missing.signature = None;
    assert_eq!(
        vcb::verify_signed(&MERCHANT, &missing, body, now),
        Err(VcbError::MissingHeader("X-VCB-Signature"))
    );
    let mut other = headers(NOTIFICATION_TS, NOTIFICATION_SIG);
    other.merchant = Some("SOMEONE");
    assert_eq!(
        vcb::verify_signed(&MERCHANT, &other, body, now),
        Err(VcbError::UnknownMerchant("SOMEONE".into()))
    );
    let upper = NOTIFICATION_SIG.to_uppercase();
    assert_eq!(
        vcb::verify_signed(&MERCHANT, &headers(NOTIFICATION_TS, &upper), body, now),
        Err(VcbError::BadSignature)
    );
}

#[test]
fn notification_replies_carry_the_http_status_each_code_needs() {
    let expected = [
        (
            NotifyReply::Recorded,
            200,
            r#"{"code":"00","message":"OK"}"#,
        ),
        (
            NotifyReply::UnknownOrderRef,
            200,
            r#"{"code":"01","message":"Unknown orderRef"}"#,
        ),
        (
            NotifyReply::AmountMismatch,
            200,
            r#"{"code":"04","message":"Amount or currency mismatch"}"#,
        ),
        (
            NotifyReply::BadSignature,
            401,
            r#"{"code":"97","message":"Bad signature or stale timestamp"}"#,
        ),
        (
            NotifyReply::Malformed,
            400,
            r#"{"code":"99","message":"Malformed notification"}"#,
        ),
        (
            NotifyReply::InternalError,
            500,
            r#"{"code":"99","message":"Internal error"}"#,
        ),
    ];
    for (reply, status, body) in expected {
        assert_eq!((reply.http_status(), reply.body().as_str()), (status, body));
    }
}

#[test]
fn the_browser_return_is_verified_over_its_pipe_string() {
    // VCB2605300000123|A7K2M9Q4|SUCCESS|1780149860
    let sig = "2d1d24838e7c8e6fe52729672763154c1c9cfe0f540c3656156dce46da45e370";
    let query = format!(
        "paymentId=VCB2605300000123&orderRef=A7K2M9Q4&status=SUCCESS&ts=1780149860&sig={sig}"
    );
    let back = vcb::verify_return(&MERCHANT, &query).unwrap();
    assert_eq!((back.status, back.ts), (TxnStatus::Paid, 1_780_149_860));
    let forged = query.replace("SUCCESS", "FAILED");
    assert_eq!(
        vcb::verify_return(&MERCHANT, &forged),
        Err(VcbError::BadSignature)
    );
}
