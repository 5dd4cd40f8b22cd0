//! A dossier system built for the previous platform, written here from legacy-platform.md alone:
//! it signs its messages with SHA-256 over `|`-joined fields and its secret, follows
//! `UrlThanhToan`, verifies every reply, and runs a CONFIRM endpoint that checks PayHub's
//! checksum and answers with its own. Nothing here uses PayHub's legacy code.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use chrono::Duration;
use payhub::app::AppState;
use payhub::config::LegacyPartner;
use payhub::notify::deliver_due;
use payhub::workers::Outcome;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::callbacks::press;
use crate::helpers::{spawn_app_with_banks_and, test_account, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::orders::count;

on_both_backends!(
    a_dossier_system_of_the_old_platform_is_paid_confirmed_and_gets_its_receipt,
    a_bad_checksum_or_an_unknown_partner_gets_97_and_changes_nothing,
    init_refuses_a_foreign_agency_a_foreign_account_and_items_that_do_not_add_up,
    the_same_init_twice_gets_the_same_reply_and_a_changed_one_gets_02,
    a_confirm_endpoint_failing_twice_gets_the_confirm_again_until_it_answers_00,
);

pub(crate) const PARTNER: &str = "STP_HANOI";
const SECRET: &str = "stp-hanoi-secret";
const DOSSIER: &str = "000.00.12.H29-260530-0001";

/// legacy-platform.md: lowercase hex SHA-256 of the values joined by `|`, the secret last.
fn checksum(values: &[&str]) -> String {
    let mut text = values.join("|");
    text.push('|');
    text.push_str(SECRET);
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn field<'a>(message: &'a Value, name: &str) -> &'a str {
    message[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} in {message}"))
}

fn signed_over(message: &Value, names: &[&str]) -> bool {
    let values: Vec<&str> = names.iter().map(|n| field(message, n)).collect();
    field(message, "MaXacThuc") == checksum(&values)
}

/// How the partner's CONFIRM endpoint misbehaves before it answers properly.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Failure {
    ServerError,
    /// `00`, but with a checksum the partner's secret did not make.
    ForgedReply,
}

#[derive(Clone, Default)]
struct Inbox {
    /// Every CONFIRM received, with whether its checksum verified.
    confirms: Arc<Mutex<Vec<(Value, bool)>>>,
    failures: Arc<Mutex<VecDeque<Failure>>>,
}

pub(crate) struct Partner {
    confirm_url: String,
    inbox: Inbox,
}

impl Partner {
    pub(crate) async fn start(failures: &[Failure]) -> Partner {
        let inbox = Inbox::default();
        inbox.failures.lock().unwrap().extend(failures);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let confirm_url = format!("http://{}/payment/confirm", listener.local_addr().unwrap());
        let router = Router::new()
            .route("/payment/confirm", post(confirm))
            .with_state(inbox.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Partner { confirm_url, inbox }
    }

    pub(crate) fn config(&self) -> LegacyPartner {
        LegacyPartner {
            code: PARTNER.into(),
            secret: SECRET.to_owned().into(),
            agencies: vec![AGENCY.into()],
            confirm_url: self.confirm_url.clone(),
            return_url: None,
        }
    }

    pub(crate) fn confirms(&self) -> Vec<(Value, bool)> {
        self.inbox.confirms.lock().unwrap().clone()
    }
}

/// The partner's side of CONFIRM: verify PayHub's checksum, answer `00` signed with its own.
async fn confirm(
    State(inbox): State<Inbox>,
    Json(message): Json<Value>,
) -> (axum::http::StatusCode, Json<Value>) {
    let genuine = signed_over(
        &message,
        &[
            "LoaiBanTin",
            "MaLoi",
            "MaDoiTac",
            "MaThamChieu",
            "SoTien",
            "MaTienTe",
            "MaGiaoDich",
            "MaNganHang",
            "ThoiGianGD",
            "ThongTinGiaoDich",
        ],
    );
    inbox
        .confirms
        .lock()
        .unwrap()
        .push((message.clone(), genuine));
    let code = if genuine { "00" } else { "97" };
    let (partner, reference) = (field(&message, "MaDoiTac"), field(&message, "MaThamChieu"));
    let time = "20260530143010";
    let mut sum = checksum(&[code, partner, reference, time]);
    let failure = inbox.failures.lock().unwrap().pop_front();
    let status = match failure {
        Some(Failure::ServerError) => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        Some(Failure::ForgedReply) => {
            sum = "0".repeat(64);
            axum::http::StatusCode::OK
        }
        None => axum::http::StatusCode::OK,
    };
    let reply = json!({"MaLoi": code, "MoTaLoi": "", "MaDoiTac": partner,
        "MaThamChieu": reference, "ThoiGianGD": time, "MaXacThuc": sum});
    (status, Json(reply))
}

pub(crate) async fn app_with(backend: Backend, partner: &Partner) -> TestApp {
    let config = partner.config();
    let app = spawn_app_with_banks_and(backend, |c| c.legacy.partners = vec![config]).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    app
}

/// An INIT as the old platform's integrations send it: phí 500.000 and lệ phí 150.000.
fn init(reference: &str) -> Value {
    json!({"LoaiBanTin": "INIT", "PhienBan": "1.0.6", "MaDoiTac": PARTNER,
        "MaThamChieu": reference, "SoTien": "650000", "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1", "MaThietBi": "1", "NgonNgu": "vi-VN", "MaTienTe": "VND",
        "MaNganHang": "PAYMENT", "ThongTinGiaoDich": "Nộp phí hồ sơ 000.00.12.H29-260530-0001",
        "ThoiGianGD": "20260530142900", "Ip": "10.0.0.8",
        "ThongTinBienLai": {"MaDichVu": "2", "MaHoSo": DOSSIER, "MaTTHC": "1.001234",
            "TenTTHC": "Cấp giấy phép xây dựng", "MaDVC": "1.001234.000.00.12.H29",
            "TenDVC": "Cấp giấy phép xây dựng", "MaDonVi": AGENCY,
            "TenDonVi": "Sở Xây dựng Hà Nội", "TKThuHuong": test_account("vcb"),
            "MaNHThuHuong": "970436", "TenTKThuHuong": "KBNN HA NOI",
            "HoTenNguoiNop": "Nguyễn Văn A", "SoCMNDNguoiNop": "001090012345",
            "DiaChiNguoiNop": "1 Tràng Tiền", "HuyenNguoiNop": "Hoàn Kiếm",
            "TinhNguoiNop": "Hà Nội", "NoiDungThanhToan": "Nộp phí, lệ phí cấp phép",
            "PhiLePhi": [
                {"LoaiPhiLePhi": "1", "MaPhiLePhi": "PTD", "TenPhiLePhi": "Phí thẩm định", "SoTien": "500000"},
                {"LoaiPhiLePhi": "2", "MaPhiLePhi": "LPXD", "TenPhiLePhi": "Lệ phí cấp giấy phép xây dựng", "SoTien": "150000"}],
            "DSKhoanNop": []}})
}

const INIT_FIELDS: [&str; 14] = [
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "LoaiHinhThanhToan",
    "MaKenhThanhToan",
    "MaThietBi",
    "NgonNgu",
    "MaTienTe",
    "MaNganHang",
    "ThongTinGiaoDich",
    "ThoiGianGD",
    "Ip",
];
const LOOKUP_FIELDS: [&str; 5] = [
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "ThoiGianGD",
];

fn sign(mut message: Value, fields: &[&str]) -> Value {
    let values: Vec<&str> = fields.iter().map(|f| field(&message, f)).collect();
    message["MaXacThuc"] = json!(checksum(&values));
    message
}

pub(crate) fn lookup(kind: &str, reference: &str) -> Value {
    let message = json!({"LoaiBanTin": kind, "PhienBan": "1.0.6", "MaDoiTac": PARTNER,
        "MaThamChieu": reference, "ThoiGianGD": "20260530143000"});
    sign(message, &LOOKUP_FIELDS)
}

/// The partner's clock: the tests write `ThoiGianGD` as 2026-05-30 around 14:30 GMT+7, and the
/// partner sends it as the same offset from PayHub's clock (which the tests set), signed again
/// if it was signed right. PayHub refuses a time more than 15 minutes off.
fn sent_now(app: &TestApp, message: &Value) -> Value {
    let written = field(message, "ThoiGianGD");
    let Some(offset) = written.strip_prefix("20260530") else {
        return message.clone();
    };
    let seconds = |hhmmss: &str| -> i64 {
        let n = |r: std::ops::Range<usize>| hhmmss[r].parse::<i64>().unwrap_or(0);
        n(0..2) * 3600 + n(2..4) * 60 + n(4..6)
    };
    let from_half_past_two = seconds(offset) - seconds("143000");
    let at = app.clock.now() + Duration::seconds(from_half_past_two);
    let fields: &[&str] = if field(message, "LoaiBanTin") == "INIT" {
        &INIT_FIELDS
    } else {
        &LOOKUP_FIELDS
    };
    let was_signed = signed_over(message, fields);
    let mut sent = message.clone();
    sent["ThoiGianGD"] = json!(payhub::legacy::checksum::legacy_time(at));
    if was_signed {
        sent = sign(sent, fields);
    }
    sent
}

pub(crate) async fn send(app: &TestApp, message: &Value) -> reqwest::Response {
    let r = app
        .client
        .post(app.url("/legacy/v1/messages"))
        .json(&sent_now(app, message))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the message set answers in MaLoi");
    r
}

pub(crate) async fn send_json(app: &TestApp, message: &Value) -> Value {
    send(app, message).await.json().await.unwrap()
}

/// Sends an INIT and checks the reply's checksum.
async fn send_init(app: &TestApp, message: &Value) -> Value {
    let reply = send_json(app, message).await;
    if !field(&reply, "MaXacThuc").is_empty() {
        let fields = [
            "MaLoi",
            "MaDoiTac",
            "MaThamChieu",
            "UrlThanhToan",
            "ThoiGianGD",
        ];
        assert!(signed_over(&reply, &fields), "INIT reply signed: {reply}");
    }
    reply
}

async fn query(app: &TestApp, reference: &str) -> Value {
    let reply = send_json(app, &lookup("QUERY", reference)).await;
    let fields = [
        "MaLoi",
        "MaDoiTac",
        "MaThamChieu",
        "TrangThaiGD",
        "MaGiaoDich",
        "SoTien",
        "ThoiGianGD",
    ];
    assert!(signed_over(&reply, &fields), "QUERY reply signed: {reply}");
    reply
}

/// The citizen follows `UrlThanhToan`, chooses Vietcombank and approves; returns once QUERY
/// says paid (the bank's callback arrives in the background).
async fn pay(app: &TestApp, pay_url: &str, reference: &str) -> Value {
    let page = app.client.get(pay_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Phí thẩm định"));
    let chosen = app
        .client
        .post(pay_url)
        .form(&[("bank", "vcb")])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 303);
    let bank_page = chosen.headers()["location"].to_str().unwrap().to_owned();
    press(app, &bank_page, "approve").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let reply = query(app, reference).await;
        if reply["TrangThaiGD"] == "1" || tokio::time::Instant::now() > deadline {
            return reply;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Runs the outbox dispatcher until nothing is due.
pub(crate) async fn deliver_all(app: &TestApp) {
    let payhub = AppState::new(app.store.clone(), app.config.clone(), app.clock.clone());
    while deliver_due(&payhub).await.unwrap() == Outcome::Done {}
}

/// The receipt's text as a PDF reader extracts it: each shown string's glyph ids mapped back to
/// characters through the font's ToUnicode map, one line per string. (pdf-extract's own text
/// extraction stops at printpdf's map, which lists a few glyphs outside the BMP with five hex
/// digits; the glyphs a receipt uses are all mapped, and this reads them the standard way.)
fn pdf_text(pdf: &[u8]) -> String {
    use pdf_extract::content::Content;
    use pdf_extract::{Document, Object};
    let doc = Document::load_mem(pdf).expect("a PDF");
    let mut to_unicode = std::collections::HashMap::new();
    for object in doc.objects.values() {
        let Object::Stream(stream) = object else {
            continue;
        };
        let bytes = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        let text = String::from_utf8_lossy(&bytes);
        if !text.contains("beginbfchar") {
            continue;
        }
        for line in text.lines() {
            let hex: Vec<&str> = line
                .split_whitespace()
                .filter_map(|t| t.strip_prefix('<')?.strip_suffix('>'))
                .collect();
            if let [gid, unicode] = hex[..] {
                let (Ok(gid), Ok(unicode)) = (
                    u16::from_str_radix(gid, 16),
                    u32::from_str_radix(unicode, 16),
                ) else {
                    continue;
                };
                to_unicode.extend(char::from_u32(unicode).map(|c| (gid, c)));
            }
        }
    }
    assert!(
        !to_unicode.is_empty(),
        "the embedded font has a ToUnicode map"
    );
    let mut lines = Vec::new();
    for page in doc.get_pages().values() {
        let content = Content::decode(&doc.get_page_content(*page).unwrap()).unwrap();
        for op in content
            .operations
            .iter()
            .filter(|op| op.operator == "Tj" || op.operator == "TJ")
        {
            let mut line = String::new();
            let strings = op.operands.iter().flat_map(|o| match o {
                Object::Array(items) => items.clone(),
                other => vec![other.clone()],
            });
            for object in strings {
                let Object::String(bytes, _) = object else {
                    continue;
                };
                for pair in bytes.chunks(2) {
                    let gid = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
                    line.push(*to_unicode.get(&gid).unwrap_or(&'\u{fffd}'));
                }
            }
            lines.push(line);
        }
    }
    lines.join("\n")
}

async fn a_dossier_system_of_the_old_platform_is_paid_confirmed_and_gets_its_receipt(
    backend: Backend,
) {
    let partner = Partner::start(&[]).await;
    let app = app_with(backend, &partner).await;
    let message = sign(init("STP-2026-000123"), &INIT_FIELDS);

    let reply = send_init(&app, &message).await;
    assert_eq!(reply["MaLoi"], "00", "{reply}");
    assert_eq!(reply["MaThamChieu"], "STP-2026-000123");
    let pay_url = field(&reply, "UrlThanhToan").to_owned();
    assert!(pay_url.starts_with(&app.url("/checkout/")), "{pay_url}");
    assert_eq!(query(&app, "STP-2026-000123").await["TrangThaiGD"], "3");

    let paid = pay(&app, &pay_url, "STP-2026-000123").await;
    assert_eq!(paid["MaLoi"], "00");
    assert_eq!(paid["TrangThaiGD"], "1", "{paid}");
    assert_eq!(paid["SoTien"], "650000");
    assert_eq!(paid["MaNganHang"], "VCB");
    let bank_txn_id = field(&paid, "MaGiaoDich").to_owned();
    assert!(!bank_txn_id.is_empty());

    deliver_all(&app).await;
    let confirms = partner.confirms();
    assert_eq!(confirms.len(), 1, "one CONFIRM");
    let (confirm, genuine) = &confirms[0];
    assert!(genuine, "the CONFIRM's checksum verifies: {confirm}");
    assert_eq!(confirm["LoaiBanTin"], "CONFIRM");
    assert_eq!(confirm["MaLoi"], "00");
    assert_eq!(confirm["MaThamChieu"], "STP-2026-000123");
    assert_eq!(confirm["SoTien"], "650000");
    assert_eq!(confirm["MaTienTe"], "VND");
    assert_eq!(confirm["MaGiaoDich"], bank_txn_id.as_str());
    assert_eq!(confirm["MaNganHang"], "VCB");
    assert_eq!(confirm["ThongTinGiaoDich"], message["ThongTinGiaoDich"]);
    assert_eq!(field(confirm, "ThoiGianGD").len(), 14, "yyyyMMddHHmmss");

    let bill = send(&app, &lookup("GET_BILL", "STP-2026-000123")).await;
    assert_eq!(bill.headers()["content-type"], "application/pdf");
    let text = pdf_text(&bill.bytes().await.unwrap());
    for expected in [
        DOSSIER,
        "Phí thẩm định",
        "Lệ phí cấp giấy phép xây dựng",
        "650.000",
        "Sáu trăm năm mươi nghìn đồng",
        &bank_txn_id,
        "Sở Xây dựng Hà Nội",
        "Nguyễn Văn A",
        "GMT+7",
    ] {
        assert!(
            text.contains(expected),
            "the receipt shows {expected:?}:\n{text}"
        );
    }

    // The QR code's URL is printed under it: anyone holding it can check the receipt.
    let verify_url = text
        .split_whitespace()
        .find(|w| w.contains("/receipts/"))
        .expect("the verification URL")
        .to_owned();
    let page = app.client.get(&verify_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(DOSSIER) && html.contains("650.000 ₫") && html.contains(&bank_txn_id));
    assert!(
        !html.contains("Nguyễn Văn A") && !html.contains("001090012345"),
        "{html}"
    );
    let guessed = app
        .client
        .get(app.url("/receipts/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(guessed.status(), 404);

    let order_id = pay_url.rsplit('/').next().unwrap();
    let api = app
        .get(
            &format!("/api/v1/orders/{order_id}/receipt.pdf"),
            &app.finance_key,
        )
        .await;
    assert_eq!(api.status(), 200);
    assert!(pdf_text(&api.bytes().await.unwrap()).contains(&bank_txn_id));
}

async fn a_bad_checksum_or_an_unknown_partner_gets_97_and_changes_nothing(backend: Backend) {
    let partner = Partner::start(&[]).await;
    let app = app_with(backend, &partner).await;

    let mut forged = sign(init("STP-1"), &INIT_FIELDS);
    forged["SoTien"] = json!("65000");
    forged["ThongTinBienLai"]["PhiLePhi"][0]["SoTien"] = json!("-435000");
    let reply = send_init(&app, &forged).await;
    assert_eq!(reply["MaLoi"], "97", "{reply}");
    assert_eq!(reply["UrlThanhToan"], "");

    let mut stranger = init("STP-2");
    stranger["MaDoiTac"] = json!("SOMEONE_ELSE");
    let reply = send_init(&app, &sign(stranger, &INIT_FIELDS)).await;
    assert_eq!(reply["MaLoi"], "97", "{reply}");

    let mut query = lookup("QUERY", "STP-1");
    query["MaXacThuc"] = json!("0".repeat(64));
    assert_eq!(send_json(&app, &query).await["MaLoi"], "97");
    assert_eq!(count(&app, "select count(*) from orders").await, 0);
    assert_eq!(count(&app, "select count(*) from legacy_partners").await, 0);
}

async fn init_refuses_a_foreign_agency_a_foreign_account_and_items_that_do_not_add_up(
    backend: Backend,
) {
    let partner = Partner::start(&[]).await;
    let app = app_with(backend, &partner).await;
    let other_agency = "000.00.14.H29";
    app.seed_agency(other_agency, "http://localhost:9/notify")
        .await;

    let mut foreign_agency = init("STP-A");
    foreign_agency["ThongTinBienLai"]["MaDonVi"] = json!(other_agency);
    let mut foreign_account = init("STP-B");
    foreign_account["ThongTinBienLai"]["TKThuHuong"] = json!("0011009999999");
    let mut not_adding_up = init("STP-C");
    not_adding_up["SoTien"] = json!("700000");
    let mut no_items = init("STP-D");
    no_items["ThongTinBienLai"]["PhiLePhi"] = json!([]);

    for (message, named) in [
        (foreign_agency, "MaDonVi"),
        (foreign_account, "TKThuHuong"),
        (not_adding_up, "SoTien"),
        (no_items, "PhiLePhi"),
    ] {
        let reply = send_init(&app, &sign(message, &INIT_FIELDS)).await;
        assert_eq!(reply["MaLoi"], "01", "{named}: {reply}");
        assert!(field(&reply, "MoTaLoi").contains(named), "{named}: {reply}");
        assert!(
            !field(&reply, "MaXacThuc").is_empty(),
            "a known partner's refusal is signed"
        );
    }
    let mut no_address = init("STP-E");
    no_address["Ip"] = json!("10.0.0.8; drop");
    let reply = send_init(&app, &sign(no_address, &INIT_FIELDS)).await;
    assert_eq!(reply["MaLoi"], "01", "{reply}");
    assert!(field(&reply, "MoTaLoi").contains("Ip"), "{reply}");
    // Signed right, but sent long ago: a replay.
    let mut replayed = init("STP-F");
    replayed["ThoiGianGD"] = json!("20250101090000");
    let reply = send_json(&app, &sign(replayed, &INIT_FIELDS)).await;
    assert_eq!(reply["MaLoi"], "01", "{reply}");
    assert!(field(&reply, "MoTaLoi").contains("ThoiGianGD"), "{reply}");
    assert_eq!(count(&app, "select count(*) from orders").await, 0);
    assert_eq!(query(&app, "STP-B").await["MaLoi"], "03");
}

async fn the_same_init_twice_gets_the_same_reply_and_a_changed_one_gets_02(backend: Backend) {
    let partner = Partner::start(&[]).await;
    let app = app_with(backend, &partner).await;
    let message = sign(init("STP-7"), &INIT_FIELDS);

    let first = send(&app, &message).await.text().await.unwrap();
    let again = send(&app, &message).await.text().await.unwrap();
    assert_eq!(first, again, "the same INIT gets the same reply");
    let mut retried = init("STP-7");
    retried["ThoiGianGD"] = json!("20260530143100");
    let retried = send(&app, &sign(retried, &INIT_FIELDS))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        first, retried,
        "a retry with a fresh ThoiGianGD is the same INIT"
    );
    assert_eq!(count(&app, "select count(*) from orders").await, 1);

    let mut changed = init("STP-7");
    changed["SoTien"] = json!("660000");
    changed["ThongTinBienLai"]["PhiLePhi"][0]["SoTien"] = json!("510000");
    let reply = send_init(&app, &sign(changed, &INIT_FIELDS)).await;
    assert_eq!(reply["MaLoi"], "02", "{reply}");
    assert_eq!(count(&app, "select count(*) from orders").await, 1);
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["MaLoi"], "00");
}

async fn a_confirm_endpoint_failing_twice_gets_the_confirm_again_until_it_answers_00(
    backend: Backend,
) {
    let partner = Partner::start(&[Failure::ServerError, Failure::ForgedReply]).await;
    let app = app_with(backend, &partner).await;
    let reply = send_init(&app, &sign(init("STP-9"), &INIT_FIELDS)).await;
    let pay_url = field(&reply, "UrlThanhToan").to_owned();
    assert_eq!(pay(&app, &pay_url, "STP-9").await["TrangThaiGD"], "1");

    deliver_all(&app).await;
    assert_eq!(partner.confirms().len(), 1);
    deliver_all(&app).await;
    assert_eq!(partner.confirms().len(), 1, "not again before the backoff");
    app.clock.advance(Duration::seconds(31));
    deliver_all(&app).await;
    assert_eq!(partner.confirms().len(), 2, "retried after 30 s");
    app.clock.advance(Duration::seconds(61));
    deliver_all(&app).await;
    let confirms = partner.confirms();
    assert_eq!(confirms.len(), 3, "retried after 60 s more");
    assert!(confirms.iter().all(|(_, genuine)| *genuine));
    app.clock.advance(Duration::seconds(3600));
    deliver_all(&app).await;
    assert_eq!(partner.confirms().len(), 3, "done after the well-signed 00");

    let order_id = pay_url.rsplit('/').next().unwrap();
    let listed: Value = app
        .get(
            &format!("/api/v1/orders/{order_id}/notifications"),
            &app.finance_key,
        )
        .await
        .json()
        .await
        .unwrap();
    let confirm = listed["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["event"] == "legacy.confirm")
        .expect("the CONFIRM in the delivery log")
        .clone();
    assert_eq!(confirm["status"], "delivered");
    let attempts = confirm["deliveries"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "every attempt is kept: {confirm}");
    assert_eq!(attempts[0]["status_code"], 500);
    assert!(
        attempts[1]["error"].as_str().unwrap().contains("MaXacThuc"),
        "{confirm}"
    );
    assert_eq!(attempts[2]["error"], Value::Null);
}
