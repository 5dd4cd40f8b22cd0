//! Where the hub sends each bank's requests, and how free text is written for each bank: the
//! wire details the hub must not know (bidv.md §1–§6, vcb.md §1 and §5, vnpay.md §4).

use bank_adapters::{bidv, vcb, vnpay};
use chrono::NaiveDate;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 30).unwrap()
}

#[test]
fn each_bank_names_the_statement_of_a_day_as_its_spec_says() {
    let partner = bidv::Partner {
        code: "DVCQG",
        secret: "s",
    };
    assert_eq!(
        bidv::statement_path(&partner, day()),
        "/thuho/v1/statement?MaDoiTac=DVCQG&Ngay=20260530"
    );
    assert_eq!(vcb::statement_path(day()), "/v1/statements?date=2026-05-30");
    assert_eq!(
        vnpay::statement_url(
            "https://sandbox.vnpayment.vn:8443/merchant_webapi/api/transaction",
            day()
        )
        .as_deref(),
        Some("https://sandbox.vnpayment.vn:8443/merchant_webapi/statement?date=20260530")
    );
}

#[test]
fn a_vnpay_api_address_that_is_not_an_http_url_names_no_statement() {
    assert_eq!(
        vnpay::statement_url("sandbox.vnpayment.vn/api", day()),
        None
    );
    assert_eq!(vnpay::statement_url("ftp://host/api", day()), None);
    assert_eq!(vnpay::statement_url("https:///api", day()), None);
}

#[test]
fn a_partner_code_is_percent_encoded_in_the_statement_query() {
    let partner = bidv::Partner {
        code: "A&B=C",
        secret: "s",
    };
    assert_eq!(
        bidv::statement_path(&partner, day()),
        "/thuho/v1/statement?MaDoiTac=A%26B%3DC&Ngay=20260530"
    );
}

#[test]
fn vietnamese_text_reaches_vcb_and_bidv_as_plain_ascii() {
    let text = "Lệ phí hồ sơ  000.00.12.H29-260530-0001 (Đợt 1)";
    assert_eq!(
        vcb::plain_text(text),
        "Le phi ho so 000.00.12.H29-260530-0001 (Dot 1)"
    );
    assert_eq!(bidv::plain_text(text), vcb::plain_text(text));
    // VNPAY alone drops the characters its encoders disagree on (vnpay.md §1).
    assert_eq!(
        vnpay::sanitize_order_info(text),
        "Le phi ho so 000.00.12.H29-260530-0001 Dot 1"
    );
    assert_eq!(bidv::customer_name("Nguyễn Văn Ánh"), "NGUYEN VAN ANH");
    assert_eq!(vcb::plain_text(&"đ".repeat(300)).len(), 255);
}

#[test]
fn bidv_01_on_a_query_means_no_such_bill() {
    assert_eq!(bidv::ReplyCode::parse("01"), bidv::ReplyCode::BillNotFound);
    assert_eq!(
        bidv::ReplyCode::parse("42"),
        bidv::ReplyCode::Unknown("42".into())
    );
}
