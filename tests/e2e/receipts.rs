//! The receipt PDF as a citizen keeps it: under 100 KB (the font subset to the glyphs used), one
//! receipt per fee kind with its own number, the agency in full with its code, amounts
//! right-aligned, nothing overlapping, and a title PDF readers show in Vietnamese.

use std::collections::HashMap;

use pdf_extract::content::Content;
use pdf_extract::{Document, Object};
use serde_json::{json, Value};

use crate::callbacks::{app, press, wait_for};
use crate::helpers::{order_body, Backend, AGENCY};
use crate::on_both_backends;

on_both_backends!(a_receipt_per_fee_kind_small_laid_out_and_readable);

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const LONG_NAME: &str = "Văn phòng Đăng ký đất đai Hà Nội – Chi nhánh quận Hoàn Kiếm, Sở Tài nguyên và Môi trường thành phố Hà Nội";

/// One shown string: where it starts (mm), its size (pt), its text.
#[derive(Debug, Clone)]
struct Run {
    x: f32,
    y: f32,
    size: f32,
    text: String,
}

fn number(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        _ => 0.0,
    }
}

/// The glyph-to-character map of every ToUnicode stream.
fn to_unicode(doc: &Document) -> HashMap<u16, char> {
    let mut map = HashMap::new();
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
                if let (Ok(gid), Ok(u)) = (
                    u16::from_str_radix(gid, 16),
                    u32::from_str_radix(unicode, 16),
                ) {
                    map.extend(char::from_u32(u).map(|c| (gid, c)));
                }
            }
        }
    }
    map
}

/// Every page's runs, in the order they are drawn.
fn pages(pdf: &[u8]) -> Vec<Vec<Run>> {
    let doc = Document::load_mem(pdf).expect("a PDF");
    let map = to_unicode(&doc);
    assert!(!map.is_empty(), "the font has a ToUnicode map");
    let pt = 25.4 / 72.0;
    let mut pages = Vec::new();
    for page in doc.get_pages().values() {
        let content = Content::decode(&doc.get_page_content(*page).unwrap()).unwrap();
        let (mut x, mut y, mut size) = (0.0, 0.0, 0.0);
        let mut runs = Vec::new();
        for op in &content.operations {
            match op.operator.as_str() {
                "BT" => (x, y) = (0.0, 0.0),
                "Td" => {
                    x += number(&op.operands[0]);
                    y += number(&op.operands[1]);
                }
                "Tm" => (x, y) = (number(&op.operands[4]), number(&op.operands[5])),
                "Tf" => size = number(&op.operands[1]),
                "Tj" | "TJ" => {
                    let mut text = String::new();
                    let strings = op.operands.iter().flat_map(|o| match o {
                        Object::Array(items) => items.clone(),
                        other => vec![other.clone()],
                    });
                    for s in strings {
                        if let Object::String(bytes, _) = s {
                            for pair in bytes.chunks(2) {
                                let gid = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
                                text.push(*map.get(&gid).unwrap_or(&'\u{fffd}'));
                            }
                        }
                    }
                    runs.push(Run {
                        x: x * pt,
                        y: y * pt,
                        size,
                        text,
                    });
                }
                _ => {}
            }
        }
        pages.push(runs);
    }
    pages
}

fn width(face: &ttf_parser::Face, text: &str, size: f32) -> f32 {
    let units: u32 = text
        .chars()
        .filter_map(|c| face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)))
        .map(u32::from)
        .sum();
    units as f32 / f32::from(face.units_per_em()) * size * 25.4 / 72.0
}

async fn a_receipt_per_fee_kind_small_laid_out_and_readable(backend: Backend) {
    let app = app(backend).await;
    let agency = json!({"name": LONG_NAME, "notify_url": "http://localhost:9/notify"});
    let r = app
        .put_json(
            &format!("/api/v1/agencies/{AGENCY}"),
            &app.admin_key,
            &agency,
        )
        .await;
    assert!(r.status().is_success());
    let mut body = order_body("000.00.12.H29-260530-0042");
    body["items"] = json!([
        {"kind": "charge", "code": "LPXD", "name": "Lệ phí cấp giấy phép xây dựng", "amount": "150000"},
        {"kind": "fee", "code": "PTD", "name": "Phí thẩm định hồ sơ cấp giấy phép xây dựng công trình nhà ở riêng lẻ tại đô thị", "amount": "500000"},
        {"kind": "service", "code": "BC", "name": "Cước bưu chính trả kết quả", "amount": "28000"}]);
    let order: Value = app.create_order("r1", &body).await.json().await.unwrap();
    let id = order["id"].as_str().unwrap();
    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", "vcb")])
        .send()
        .await
        .unwrap();
    press(
        &app,
        chosen.headers()["location"].to_str().unwrap(),
        "approve",
    )
    .await;
    let paid = wait_for(&app, id, |o| o["status"] == "paid").await;
    let reference = {
        let attempts = app.store.checked_attempts(id).await.unwrap();
        attempts[0].attempt.reference.clone()
    };
    assert_eq!(paid["status"], "paid");

    let response = app
        .client
        .get(app.url(&format!("/checkout/{id}/receipt.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    eprintln!("receipt PDF: {} bytes", pdf.len());
    assert!(pdf.len() < 100 * 1024, "the receipt is {} bytes", pdf.len());
    // A standard text extraction reads it too (no glyph outside the subset's ToUnicode map).
    let extracted = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    for part in [
        "BIÊN NHẬN THANH TOÁN",
        &format!("Mã cơ quan: {AGENCY}"),
        &format!("{reference}-LP"),
    ] {
        assert!(
            extracted.contains(part),
            "pdf-extract reads {part:?}:\n{extracted}"
        );
    }

    let pages = pages(&pdf);
    assert_eq!(
        pages.len(),
        3,
        "one receipt per fee kind: phí, lệ phí, other"
    );
    let face = ttf_parser::Face::parse(FONT, 0).unwrap();
    for (runs, (suffix, kind, amount)) in pages.iter().zip([
        ("P", "Phí", "500.000 ₫"),
        ("LP", "Lệ phí", "150.000 ₫"),
        ("DV", "Khác", "28.000 ₫"),
    ]) {
        let text: String = runs
            .iter()
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        for part in [
            format!("Số: {reference}-{suffix}"),
            LONG_NAME.to_owned(),
            format!("Mã cơ quan: {AGENCY}"),
            "000.00.12.H29-260530-0042".to_owned(),
            amount.to_owned(),
            "Tổng số tiền đã thanh toán cho hồ sơ: 678.000 ₫".to_owned(),
        ] {
            assert!(
                text.contains(&part),
                "page {suffix} shows {part:?}:\n{text}"
            );
        }
        assert!(text.to_lowercase().contains(&kind.to_lowercase()), "{text}");
        // Amounts end at the right margin.
        for run in runs.iter().filter(|r| r.text.ends_with('₫')) {
            let end = run.x + width(&face, &run.text, run.size);
            assert!((end - 190.0).abs() < 0.5, "{run:?} ends at {end} mm");
        }
        // No two strings on one line overlap, and nothing runs under the QR code (156–190 mm,
        // 240–274 mm) or off the page.
        for (i, a) in runs.iter().enumerate() {
            let a_end = a.x + width(&face, &a.text, a.size);
            assert!(
                a.x >= 19.9 && a_end <= 190.1 && a.y >= 19.0,
                "{a:?} is off the margins"
            );
            if a.y > 238.0 && a.y < 276.0 {
                assert!(a_end < 156.0, "{a:?} runs under the QR code");
            }
            for b in &runs[i + 1..] {
                if (a.y - b.y).abs() < 3.0 {
                    let b_end = b.x + width(&face, &b.text, b.size);
                    assert!(a_end <= b.x || b_end <= a.x, "{a:?} overlaps {b:?}");
                }
            }
        }
    }

    let doc = Document::load_mem(&pdf).unwrap();
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let Ok(Object::Dictionary(info)) = doc.get_object(info) else {
        panic!("an Info dictionary")
    };
    let Ok(Object::String(title, _)) = info.get(b"Title") else {
        panic!("a Title")
    };
    assert_eq!(
        &title[..2],
        [0xFE, 0xFF],
        "UTF-16BE with its byte order mark"
    );
    let units: Vec<u16> = title[2..]
        .chunks(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    assert_eq!(
        String::from_utf16(&units).unwrap(),
        "Biên nhận thanh toán hồ sơ 000.00.12.H29-260530-0042"
    );
}
