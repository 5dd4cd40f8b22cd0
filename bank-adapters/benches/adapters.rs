//! Micro-benchmarks of the adapters' hot paths (BENCHMARKS.md): VNPAY's payment URL signing and
//! IPN verification (HMAC-SHA512 over the canonical query), and each bank's statement parser on
//! a generated file of 10,000 lines (throughput per line).

use bank_adapters::vnpay::{self, Locale, PaymentRequest, Terminal};
use bank_adapters::{parse_statement, BankCode, Vnd};
use chrono::{FixedOffset, TimeZone};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const SECRET: &str = "BENCHSECRETVNPAY0123456789ABCDEF";
const LINES: usize = 10_000;

fn terminal() -> Terminal<'static> {
    Terminal {
        code: "BENCH001",
        hash_secret: SECRET,
    }
}

fn request() -> PaymentRequest {
    let gmt7 = FixedOffset::east_opt(7 * 3600).expect("GMT+7");
    let at = gmt7
        .with_ymd_and_hms(2026, 5, 30, 21, 4, 11)
        .single()
        .expect("a real time");
    PaymentRequest {
        txn_ref: "A7K2M9Q4X1Z2".into(),
        amount: Vnd::from_dong(650_000).expect("whole đồng"),
        order_info: "Thanh toan ho so 000.00.12.H29-260530-0001".into(),
        order_type: "billpayment".into(),
        create_date: at,
        expire_date: at + chrono::Duration::minutes(30),
        ip_addr: std::net::IpAddr::from([127, 0, 0, 1]),
        locale: Locale::Vn,
        return_url: "https://payhub.example.gov.vn/return/vnpay".into(),
        bank_code: None,
    }
}

/// A success IPN as VNPAY sends it (vnpay.md §2), signed with `SECRET`.
fn ipn_query() -> String {
    use bank_adapters::vnpay::wire::{canonical_query, secure_hash};
    let fields = [
        ("vnp_Amount", "65000000"),
        ("vnp_BankCode", "NCB"),
        ("vnp_BankTranNo", "VNP14980726"),
        ("vnp_CardType", "ATM"),
        (
            "vnp_OrderInfo",
            "Thanh toan ho so 000.00.12.H29-260530-0001",
        ),
        ("vnp_PayDate", "20260530210411"),
        ("vnp_ResponseCode", "00"),
        ("vnp_TmnCode", "BENCH001"),
        ("vnp_TransactionNo", "14980726"),
        ("vnp_TransactionStatus", "00"),
        ("vnp_TxnRef", "A7K2M9Q4X1Z2"),
    ];
    let canonical = canonical_query(fields);
    let hash = secure_hash(SECRET, &canonical);
    format!("{canonical}&vnp_SecureHash={hash}")
}

fn vnpay_signing(c: &mut Criterion) {
    let (terminal, request, query) = (terminal(), request(), ipn_query());
    let pay_url = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html";
    c.bench_function("vnpay/sign_payment_url", |b| {
        b.iter(|| vnpay::payment_url(pay_url, &terminal, &request).expect("a valid request"))
    });
    c.bench_function("vnpay/verify_ipn", |b| {
        b.iter(|| vnpay::verify_ipn(&query, |_| Some(SECRET)).expect("a genuine IPN"))
    });
}

fn vnpay_statement() -> String {
    let mut file = String::from("tmn_code,txn_ref,transaction_no,bank_code,amount_x100,pay_date,transaction_type,transaction_status,fee_x100\n");
    for n in 0..LINES {
        file.push_str(&format!(
            "BENCH001,R{n:011},{},NCB,65000000,20260530210411,01,00,165000\n",
            10_000_000 + n
        ));
    }
    file
}

fn vcb_statement() -> String {
    let mut file = String::from(
        "bank_txn_id,payment_id,order_ref,amount,currency,status,paid_at,credit_account_no,fee\n",
    );
    for n in 0..LINES {
        file.push_str(&format!(
            "FT26150{n:09},VCB26053{n:08},R{n:011},650000,VND,SUCCESS,2026-05-30T21:04:11+07:00,0011001234567,0\n"
        ));
    }
    file
}

fn bidv_statement() -> String {
    let mut body = format!("H|DVCQG|20260530|{LINES}|{}\n", 650_000 * LINES);
    for n in 0..LINES {
        body.push_str(&format!(
            "D|BIDV2605300{n:07}|B{n:011}|650000|20260530210455|12010000123456|MOBILE|PAID\n"
        ));
    }
    let hash = bank_adapters::signing::sha256_hex(body.as_bytes());
    format!("{body}T|{hash}\n")
}

fn statement_parsers(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_statement");
    group.throughput(Throughput::Elements(LINES as u64));
    for (bank, file) in [
        (BankCode::Vnpay, vnpay_statement()),
        (BankCode::Vcb, vcb_statement()),
        (BankCode::Bidv, bidv_statement()),
    ] {
        let lines = parse_statement(bank, file.as_bytes()).expect("a valid statement");
        assert_eq!(lines.len(), LINES);
        group.bench_function(bank.as_str(), |b| {
            b.iter(|| parse_statement(bank, file.as_bytes()).expect("a valid statement"))
        });
    }
    group.finish();
}

criterion_group!(benches, vnpay_signing, statement_parsers);
criterion_main!(benches);
