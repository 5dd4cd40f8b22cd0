//! Hostile input, as an attacker or a clumsy integrator sends it: every case gets its 4xx in the
//! route's own language (a problem, a page, the bank's or the partner's code), no case gets a
//! 5xx, and nothing of PayHub's state changes. On PostgreSQL a NUL in text used to end in 500.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::callbacks::{app, checkout, signed_ipn, vnpay_reference};
use crate::helpers::{
    order_body, Backend, TestApp, AGENCY, BIDV_SECRET, VCB_SECRET, VNPAY_SECRET, VNPAY_TERMINAL,
};
use crate::on_both_backends;
use crate::orders::count;

on_both_backends!(
    hostile_text_gets_a_4xx_in_each_routes_language_and_changes_nothing,
    signed_but_malformed_bank_messages_are_refused_without_a_5xx,
    every_response_carries_the_security_headers,
);

/// What a case must get back.
enum Expect {
    /// problem+json with this status and `type` slug.
    Problem(u16, &'static str),
    /// As `Problem`, its text saying this (where another refusal would give the same type).
    ProblemSaying(u16, &'static str, &'static str),
    /// A page (HTML) with this status.
    Page(u16),
    /// The previous platform's reply, HTTP 200, with this `MaLoi`.
    Legacy(&'static str),
    /// VNPAY's IPN reply with this `RspCode`.
    Vnpay(&'static str),
    /// A plain answer with this status (a query that finds nothing, say).
    Status(u16),
}

/// Whose API key a case presents.
#[derive(Clone, Copy)]
enum Key {
    /// The one the route needs: finance for refunds, admin for agencies, portal otherwise.
    Usual,
    Finance,
    Forged,
    Absent,
}

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    /// `None`: no body; `Some(text)`: sent with `content_type`.
    body: Option<String>,
    content_type: &'static str,
    key: Key,
    expect: Expect,
}

impl Case {
    fn with_key(mut self, key: Key) -> Case {
        self.key = key;
        self
    }

    fn with_content_type(mut self, content_type: &'static str) -> Case {
        self.content_type = content_type;
        self
    }
}

fn case(
    name: &'static str,
    method: Method,
    path: &str,
    body: Option<String>,
    expect: Expect,
) -> Case {
    Case {
        name,
        method,
        path: path.to_owned(),
        body,
        content_type: "application/json",
        key: Key::Usual,
        expect,
    }
}

const UPLOAD_CONTENT_TYPE: &str = "multipart/form-data; boundary=hostile-boundary";

/// A statement upload (`POST /api/v1/reconciliations`) whose file is called `file_name`.
fn upload_body(file_name: &str) -> String {
    let part = |name: &str, value: &str| {
        format!("--hostile-boundary\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    format!(
        "{}{}--hostile-boundary\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"{file_name}\"\r\nContent-Type: text/plain\r\n\r\nH|x\r\n--hostile-boundary--\r\n",
        part("bank", "vcb"),
        part("date", "2026-05-30"),
    )
}

/// An order body with `field` (a JSON pointer) set to `value`.
fn order_with(pointer: &str, value: Value) -> String {
    let mut body = order_body("000.00.12.H29-HOSTILE");
    *body.pointer_mut(pointer).unwrap() = value;
    body.to_string()
}

fn cases(order_id: &str, ipn_with_nul: String, ipn_of_nothing: String) -> Vec<Case> {
    use Expect::*;
    let get = Method::GET;
    let post = Method::POST;
    let good = order_body("000.00.12.H29-HOSTILE").to_string();
    vec![
        case(
            "NUL in the payer's name",
            post.clone(),
            "/api/v1/orders",
            Some(order_with("/payer/name", json!("Nguyễn\u{0}Văn A"))),
            Problem(422, "validation"),
        ),
        case(
            "escape sequence in a dossier code",
            post.clone(),
            "/api/v1/orders",
            Some(order_with(
                "/dossier_code",
                json!("000.00.12.H29-\u{1b}[31m"),
            )),
            Problem(422, "validation"),
        ),
        case(
            "C1 control in an item name",
            post.clone(),
            "/api/v1/orders",
            Some(order_with("/items/0/name", json!("Lệ phí\u{85}"))),
            Problem(422, "validation"),
        ),
        case(
            "an id number of 21 characters",
            post.clone(),
            "/api/v1/orders",
            Some(order_with("/payer/id_number", json!("0".repeat(21)))),
            Problem(422, "validation"),
        ),
        case(
            "a return_url of 2,001 characters",
            post.clone(),
            "/api/v1/orders",
            Some(order_with(
                "/return_url",
                json!(format!(
                    "https://portal.example.gov.vn/{}",
                    "a".repeat(1971)
                )),
            )),
            Problem(422, "validation"),
        ),
        case(
            "a string of 4,001 characters",
            post.clone(),
            "/api/v1/orders",
            Some(order_with("/payer/phone", json!("9".repeat(4001)))),
            Problem(422, "validation"),
        ),
        case(
            "JSON followed by garbage",
            post.clone(),
            "/api/v1/orders",
            Some(format!("{good}garbage")),
            Problem(400, "malformed-json"),
        ),
        case(
            "two JSON documents",
            post.clone(),
            "/api/v1/orders",
            Some(format!("{good}{good}")),
            Problem(400, "malformed-json"),
        ),
        case(
            "an amount given twice",
            post.clone(),
            "/api/v1/orders",
            Some(good.replacen(
                "\"amount\":\"150000\"",
                "\"amount\":\"1\",\"amount\":\"150000\"",
                1,
            )),
            Problem(400, "malformed-json"),
        ),
        case(
            "JSON nested 10,000 deep",
            post.clone(),
            "/api/v1/orders",
            Some(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000))),
            Problem(400, "malformed-json"),
        ),
        case(
            "an amount of 400 digits",
            post.clone(),
            "/api/v1/orders",
            Some(good.replacen("\"150000\"", &"9".repeat(400), 1)),
            Problem(400, "malformed-json"),
        ),
        case(
            "a negative amount",
            post.clone(),
            "/api/v1/orders",
            Some(order_with("/items/0/amount", json!("-150000"))),
            Problem(422, "validation"),
        ),
        case(
            "an amount with a fraction",
            post.clone(),
            "/api/v1/orders",
            Some(order_with("/items/0/amount", json!(150000.5))),
            Problem(422, "validation"),
        ),
        case(
            "an order sent as text",
            post.clone(),
            "/api/v1/orders",
            Some(good.clone()),
            Problem(415, "unsupported-media-type"),
        )
        .with_content_type("text/plain"),
        case(
            "no API key",
            post.clone(),
            "/api/v1/orders",
            Some(good.clone()),
            Problem(401, "unauthorized"),
        )
        .with_key(Key::Absent),
        case(
            "a forged API key",
            get.clone(),
            "/api/v1/orders",
            None,
            Problem(401, "unauthorized"),
        )
        .with_key(Key::Forged),
        case(
            "finance creating an order",
            post.clone(),
            "/api/v1/orders",
            Some(good.clone()),
            Problem(403, "forbidden"),
        )
        .with_key(Key::Finance),
        case(
            "a method the route lacks",
            Method::DELETE,
            "/api/v1/orders",
            None,
            Problem(405, "method-not-allowed"),
        ),
        case(
            "SQL in a query parameter",
            get.clone(),
            "/api/v1/orders?dossier_code=%27%20OR%20%271%27%3D%271",
            None,
            Status(200),
        ),
        case(
            "SQL in a path parameter",
            get.clone(),
            "/api/v1/orders/x%27%3B%20drop%20table%20orders%3B--",
            None,
            Problem(404, "not-found"),
        ),
        case(
            "path traversal",
            get.clone(),
            "/checkout/..%2F..%2Fetc%2Fpasswd",
            None,
            Page(404),
        ),
        case(
            // The multipart parser itself refuses C0 bytes in a part's headers; C1 passes it.
            "a control character in an uploaded statement's file name",
            post.clone(),
            "/api/v1/reconciliations",
            Some(upload_body("sao\u{85}ke.txt")),
            ProblemSaying(422, "validation", "control character U+0085"),
        )
        .with_key(Key::Finance)
        .with_content_type(UPLOAD_CONTENT_TYPE),
        case(
            "NUL in a key",
            post.clone(),
            "/api/v1/orders",
            Some(good.replacen("\"payer\"", "\"pay\\u0000er\"", 1)),
            Problem(422, "validation"),
        ),
        case(
            "NUL in an agency's name",
            Method::PUT,
            &format!("/api/v1/agencies/{AGENCY}"),
            Some(json!({"name": "Sở\u{0}", "notify_url": "http://localhost:9/n"}).to_string()),
            Problem(422, "validation"),
        ),
        case(
            "NUL in a path parameter",
            get.clone(),
            "/api/v1/orders/ord%00x",
            None,
            Problem(422, "validation"),
        ),
        case(
            "NUL in a query parameter",
            get.clone(),
            "/api/v1/orders?dossier_code=a%00b",
            None,
            Problem(422, "validation"),
        ),
        case(
            "a path parameter of 513 characters",
            get.clone(),
            &format!("/api/v1/orders/{}", "x".repeat(513)),
            None,
            Problem(422, "validation"),
        ),
        case(
            "NUL in a refund reason",
            post.clone(),
            &format!("/api/v1/orders/{order_id}/refunds"),
            Some(json!({"amount": "1000", "reason": "x\u{0}"}).to_string()),
            Problem(422, "validation"),
        ),
        case(
            "NUL in the checkout page's id",
            get.clone(),
            "/checkout/ord%00x",
            None,
            Page(400),
        ),
        case(
            "a control character in a bank's return",
            get.clone(),
            "/return/vnpay?vnp_TxnRef=%07",
            None,
            Page(400),
        ),
        case(
            "NUL in a receipt token",
            get.clone(),
            "/receipts/%00",
            None,
            Page(400),
        ),
        case(
            "NUL in a legacy message",
            post.clone(),
            "/legacy/v1/messages",
            Some(
                json!({"LoaiBanTin": "QUERY", "PhienBan": "1.0.6", "MaDoiTac": "STP",
                "MaThamChieu": "REF\u{0}", "ThoiGianGD": "20260530143005", "MaXacThuc": "x"})
                .to_string(),
            ),
            Legacy("01"),
        ),
        case(
            "an unsigned IPN with NUL",
            get.clone(),
            "/callbacks/vnpay/ipn?vnp_TxnRef=%00&vnp_SecureHash=00",
            None,
            Vnpay("97"),
        ),
        case(
            "a signed IPN whose transaction id holds NUL",
            get.clone(),
            &format!("/callbacks/vnpay/ipn?{ipn_with_nul}"),
            None,
            Vnpay("01"),
        ),
        // Issue 14: the finance staff's tools.
        case(
            "NUL in a search",
            get.clone(),
            "/api/v1/search?q=a%00b",
            None,
            Problem(422, "validation"),
        )
        .with_key(Key::Finance),
        case(
            "a search of 513 characters",
            get.clone(),
            &format!("/api/v1/search?q={}", "ă".repeat(513)),
            None,
            Problem(422, "validation"),
        )
        .with_key(Key::Finance),
        case(
            "a search of only percent signs and underscores",
            get.clone(),
            "/api/v1/search?q=%25_%25_",
            None,
            Status(200),
        )
        .with_key(Key::Finance),
        case(
            "NUL in a refund request's reason",
            post.clone(),
            &format!("/api/v1/orders/{order_id}/refund-requests"),
            Some(json!({"reason": "x\u{0}"}).to_string()),
            Problem(422, "validation"),
        )
        .with_key(Key::Finance),
        case(
            "an approval of a refund request that is not a number",
            post.clone(),
            "/api/v1/refund-requests/abc/approve",
            None,
            Problem(422, "validation"),
        )
        .with_key(Key::Finance),
        case(
            "a run whose id is not a number",
            get.clone(),
            "/api/v1/reconciliations/abc",
            None,
            Problem(422, "validation"),
        )
        .with_key(Key::Finance),
        case(
            "a settlement period that is not a date",
            get.clone(),
            "/api/v1/settlement?from=2026-02-30&to=x",
            None,
            Problem(422, "validation"),
        )
        .with_key(Key::Finance),
        case(
            "an open-items class no one defined",
            get.clone(),
            "/api/v1/open-items?class=%3Cscript%3E",
            None,
            Problem(422, "validation"),
        )
        .with_key(Key::Finance),
        case(
            "NUL in the order page's id",
            get.clone(),
            "/reports/orders/ord%00x",
            None,
            Page(400),
        ),
        case(
            "a signed IPN of 0 đồng",
            Method::GET,
            &format!("/callbacks/vnpay/ipn?{ipn_of_nothing}"),
            None,
            Vnpay("04"),
        ),
    ]
}

async fn send(app: &TestApp, c: &Case) -> Response {
    let usual = if c.path.contains("/refunds") {
        &app.finance_key
    } else if c.path.contains("/agencies/") {
        &app.admin_key
    } else {
        &app.portal_key
    };
    let mut request = app.client.request(c.method.clone(), app.url(&c.path));
    request = match c.key {
        Key::Usual => request.bearer_auth(usual),
        Key::Finance => request.bearer_auth(&app.finance_key),
        Key::Forged => request.bearer_auth(format!("{usual}x")),
        Key::Absent => request,
    };
    if let Some(body) = &c.body {
        request = request
            .header("content-type", c.content_type)
            .header("idempotency-key", format!("hostile-{}", c.name.len()))
            .body(body.clone());
    }
    request.send().await.unwrap()
}

async fn check(c: &Case, response: Response) {
    let status = response.status().as_u16();
    assert!(status < 500, "{}: {status}", c.name);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();
    let json = || serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
    match c.expect {
        Expect::Problem(want, slug) => {
            assert_eq!(
                (status, content_type.as_str()),
                (want, "application/problem+json"),
                "{}: {text}",
                c.name
            );
            assert_eq!(
                json()["type"],
                format!("https://payhub.dev/problems/{slug}"),
                "{}",
                c.name
            );
        }
        Expect::ProblemSaying(want, slug, saying) => {
            assert_eq!(status, want, "{}: {text}", c.name);
            assert!(content_type == "application/problem+json", "{}", c.name);
            assert_eq!(
                json()["type"],
                format!("https://payhub.dev/problems/{slug}"),
                "{}",
                c.name
            );
            assert!(text.contains(saying), "{}: {text}", c.name);
        }
        Expect::Page(want) => {
            assert_eq!(status, want, "{}: {text}", c.name);
            assert!(
                content_type.starts_with("text/html"),
                "{}: {content_type}",
                c.name
            );
        }
        Expect::Legacy(code) => {
            assert_eq!(status, 200, "{}", c.name);
            assert_eq!(json()["MaLoi"], code, "{}: {text}", c.name);
        }
        Expect::Status(want) => assert_eq!(status, want, "{}: {text}", c.name),
        Expect::Vnpay(code) => {
            assert_eq!(status, 200, "{}", c.name);
            assert_eq!(json()["RspCode"], code, "{}: {text}", c.name);
        }
    }
}

/// The rows a hostile request could have written.
async fn state(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "orders",
        "order_items",
        "payment_attempts",
        "payments",
        "refunds",
        "agencies",
        "idempotency_keys",
        "notifications",
        "order_events",
        "reconciliation_runs",
        "refund_requests",
    ] {
        counts.push(count(app, &format!("select count(*) from {table}")).await);
    }
    counts
}

async fn hostile_text_gets_a_4xx_in_each_routes_language_and_changes_nothing(backend: Backend) {
    let app = app(backend).await;
    let (order, page) = checkout(&app, "000.00.12.H29-1", "vnpay").await;
    let order_id = order["id"].as_str().unwrap();
    let reference = vnpay_reference(&page);
    let ipn = |amount: &str, transaction_no: &str| {
        let fields = [
            ("vnp_TmnCode", VNPAY_TERMINAL),
            ("vnp_Amount", amount),
            ("vnp_BankCode", "NCB"),
            ("vnp_CardType", "ATM"),
            ("vnp_PayDate", "20260530210411"),
            ("vnp_OrderInfo", "x"),
            ("vnp_TransactionNo", transaction_no),
            ("vnp_ResponseCode", "00"),
            ("vnp_TransactionStatus", "00"),
            ("vnp_TxnRef", &reference),
        ];
        signed_ipn(&fields, VNPAY_SECRET)
    };
    let before = state(&app).await;
    let ledger_before = count(&app, "select count(*) from inbound_callbacks").await;
    let cases = cases(
        order_id,
        ipn("65000000", "1498\u{0}0726"),
        ipn("0", "14980727"),
    );
    for c in &cases {
        check(c, send(&app, c).await).await;
    }
    assert_eq!(
        state(&app).await,
        before,
        "no hostile request changed PayHub's state"
    );
    let ipns = cases
        .iter()
        .filter(|c| matches!(c.expect, Expect::Vnpay(_)))
        .count() as i64;
    assert_eq!(
        count(&app, "select count(*) from inbound_callbacks").await,
        ledger_before + ipns,
        "each callback is in the ledger, NUL and all"
    );
    let order: Value = app
        .get(&format!("/api/v1/orders/{order_id}"), &app.portal_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["status"], "pending");
}

async fn every_response_carries_the_security_headers(backend: Backend) {
    let app = app(backend).await;
    let (order, _) = checkout(&app, "000.00.12.H29-1", "vcb").await;
    let page = app
        .client
        .get(app.url(&format!("/checkout/{}", order["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    let reports = app.client.get(app.url("/reports")).send().await.unwrap();
    let api = app.get("/api/v1/orders", &app.portal_key).await;
    for (name, response) in [("checkout", &page), ("reports", &reports), ("api", &api)] {
        let header = |h: &str| {
            response
                .headers()
                .get(h)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{name}");
        assert_eq!(
            header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{name}"
        );
        assert_eq!(
            header("referrer-policy").as_deref(),
            Some("no-referrer"),
            "{name}"
        );
        assert!(
            header("content-security-policy")
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{name}"
        );
    }
    for (name, response) in [("reports", &reports), ("api", &api)] {
        assert_eq!(response.headers()["cache-control"], "no-store", "{name}");
    }
}

/// A VCB notification `body`, signed by VCB over these bytes with `timestamp` (vcb.md, Signing).
async fn vcb_notify(app: &TestApp, body: &str, timestamp: &str) -> (u16, Value) {
    let message = bank_adapters::vcb::wire::signed_message(timestamp, body.as_bytes());
    let signature = bank_adapters::signing::hmac_sha256_hex(VCB_SECRET, message);
    let response = app
        .client
        .post(app.url("/callbacks/vcb"))
        .header("content-type", "application/json")
        .header("x-vcb-merchant", "PAYHUB01")
        .header("x-vcb-timestamp", timestamp)
        .header("x-vcb-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A BIDV notification of `fields` (bidv.md §3), its `ChuKy` over them as sent.
async fn bidv_notify(app: &TestApp, fields: &[(&str, Value)]) -> (u16, Value) {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let joined: Vec<String> = bank_adapters::bidv::wire::NOTIFY
        .iter()
        .map(|k| {
            fields
                .iter()
                .find(|(f, _)| f == k)
                .map_or(String::new(), |(_, v)| text(v))
        })
        .collect();
    let mut body = serde_json::Map::new();
    for (k, v) in fields {
        body.insert((*k).to_owned(), v.clone());
    }
    let chu_ky = bank_adapters::signing::hmac_sha256_hex(BIDV_SECRET, joined.join("|"));
    body.insert("ChuKy".into(), json!(chu_ky));
    let response = app
        .client
        .post(app.url("/callbacks/bidv/notify"))
        .header("content-type", "application/json")
        .body(Value::Object(body).to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn signed_but_malformed_bank_messages_are_refused_without_a_5xx(backend: Backend) {
    let app = app(backend).await;
    checkout(&app, "000.00.12.H29-1", "vcb").await;
    checkout(&app, "000.00.12.H29-2", "bidv").await;
    checkout(&app, "000.00.12.H29-3", "vnpay").await;
    let reference = |bank: &str| {
        let app = &app;
        let bank = bank.to_owned();
        async move {
            let sql = format!("select reference from payment_attempts where bank = '{bank}'");
            match &app.store {
                payhub::store::Store::Postgres(p) => sqlx::query_scalar::<_, String>(&sql)
                    .fetch_one(p)
                    .await
                    .unwrap(),
                payhub::store::Store::Sqlite(p, _) => sqlx::query_scalar::<_, String>(&sql)
                    .fetch_one(p)
                    .await
                    .unwrap(),
            }
        }
    };
    let (vcb_ref, bidv_ref) = (reference("vcb").await, reference("bidv").await);
    let now = app.clock.now().timestamp().to_string();
    let vcb = |amount: Value| {
        json!({"eventId": "EVT-1", "paymentId": "VCB1", "orderRef": vcb_ref, "status": "SUCCESS",
            "amount": amount, "currency": "VND", "bankTxnId": "FT1",
            "paidAt": "2026-05-30T21:04:11+07:00", "creditAccountNo": "0011001234567",
            "failureReason": null})
        .to_string()
    };
    let before = state(&app).await;
    let vcb_cases = [
        ("not JSON", "<html>oops</html>".to_owned(), now.clone(), 400),
        (
            "JSON with trailing data",
            format!("{}garbage", vcb(json!(650000))),
            now.clone(),
            400,
        ),
        (
            "an amount as a string",
            vcb(json!("650000")),
            now.clone(),
            400,
        ),
        ("a negative amount", vcb(json!(-650000)), now.clone(), 400),
        ("a huge amount", vcb(json!(1e30)), now.clone(), 400),
        ("an amount of 0 đồng", vcb(json!(0)), now.clone(), 200),
        (
            "a field missing",
            vcb(json!(650000)).replace("\"eventId\":\"EVT-1\",", ""),
            now.clone(),
            400,
        ),
        (
            "a timestamp in milliseconds",
            vcb(json!(650000)),
            format!("{now}000"),
            400,
        ),
        (
            "a timestamp that is no number",
            vcb(json!(650000)),
            "yesterday".to_owned(),
            400,
        ),
    ];
    for (name, body, timestamp, want) in vcb_cases {
        let (status, reply) = vcb_notify(&app, &body, &timestamp).await;
        assert_eq!(status, want, "VCB, {name}: {reply}");
        assert_ne!(reply["code"], "00", "VCB, {name}: {reply}");
    }
    let bidv = |amount: Value, txn: &str| {
        vec![
            ("MaDoiTac", json!("DVCQG")),
            ("MaHoaDon", json!(bidv_ref)),
            ("MaGiaoDich", json!(txn)),
            ("SoTien", amount),
            ("ThoiGianGD", json!("20260530210455")),
            ("TKThuHuong", json!("12010000123456")),
            ("KenhThanhToan", json!("MOBILE")),
        ]
    };
    let bidv_cases = [
        ("an amount as text", bidv(json!("sau tram"), "BIDV1"), "99"),
        ("a negative amount", bidv(json!(-650000), "BIDV2"), "99"),
        ("an amount of 0 đồng", bidv(json!(0), "BIDV3"), "04"),
        (
            "a transaction id holding the separator",
            bidv(json!(650000), "BIDV|4"),
            "97",
        ),
    ];
    for (name, fields, want) in bidv_cases {
        let (status, reply) = bidv_notify(&app, &fields).await;
        assert_eq!(status, 200, "BIDV, {name}: {reply}");
        assert_eq!(reply["MaLoi"], want, "BIDV, {name}: {reply}");
    }
    let vnpay_ref = reference("vnpay").await;
    for (name, amount) in [
        ("an amount that is no number", "sau-tram"),
        ("a negative amount", "-65000000"),
    ] {
        let fields = [
            ("vnp_TmnCode", VNPAY_TERMINAL),
            ("vnp_Amount", amount),
            ("vnp_PayDate", "20260530210411"),
            ("vnp_TransactionNo", "14980726"),
            ("vnp_ResponseCode", "00"),
            ("vnp_TransactionStatus", "00"),
            ("vnp_TxnRef", &vnpay_ref),
        ];
        let url = app.url(&format!(
            "/callbacks/vnpay/ipn?{}",
            signed_ipn(&fields, VNPAY_SECRET)
        ));
        let response = app.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "VNPAY, {name}");
        let reply: Value = response.json().await.unwrap();
        // vnpay.md §2 answers with HTTP 200 always; a message PayHub cannot read is `99`.
        assert_eq!(reply["RspCode"], "99", "VNPAY, {name}: {reply}");
    }
    assert_eq!(
        state(&app).await,
        before,
        "no malformed message changed PayHub's state"
    );
}
