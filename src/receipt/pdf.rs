//! The receipts as one A4 PDF: a page per fee kind present, each a receipt with its own number
//! (reference-data.md: phí and lệ phí are receipted separately). The text is set in DejaVu Sans
//! (every Vietnamese letter), embedded as a subset of the glyphs used (a receipt is tens of KB,
//! not the whole 740 KB font) with a ToUnicode map, so the text can be searched and extracted.
//! Text is measured with the font's own advances: amounts are right-aligned, lines wrap by
//! width, and nothing runs under the QR code. The metadata is UTF-16BE with a BOM, as PDF
//! readers expect for text beyond ASCII.

use printpdf::lopdf::{self, Object, StringFormat};
use printpdf::path::PaintMode;
use printpdf::{IndirectFontRef, Mm, PdfDocument, PdfDocumentReference, PdfLayerReference, Rect};
use qrcode::{Color, QrCode};

use super::words::vnd_in_words;
use super::{receipt_number, ItemGroup, Receipt};
use crate::clock::vietnam;
use crate::domain::bank::display_name;

/// DejaVu Sans 2.37, Bitstream Vera licence: assets/fonts/LICENSE-DejaVu.txt.
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const LEFT: f32 = 20.0;
const RIGHT: f32 = 190.0;
/// The QR code's square, top right; the header's text stops short of it.
const QR_SIZE: f32 = 34.0;
const QR_LEFT: f32 = RIGHT - QR_SIZE;
const QR_BOTTOM: f32 = 240.0;
/// Below this a page is full: the receipt goes on over the next page.
const BOTTOM: f32 = 20.0;
const BODY: f32 = 10.0;
const MM_PER_PT: f32 = 25.4 / 72.0;

/// The font's advances, to measure text in millimetres.
struct Metrics(ttf_parser::Face<'static>);

impl Metrics {
    fn new() -> Metrics {
        Metrics(ttf_parser::Face::parse(FONT, 0).expect("the embedded DejaVu Sans parses"))
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| {
                self.0
                    .glyph_index(c)
                    .and_then(|g| self.0.glyph_hor_advance(g))
                    .map_or(0, u32::from)
            })
            .sum();
        units as f32 / f32::from(self.0.units_per_em()) * size * MM_PER_PT
    }

    /// Lines of at most `width` mm, broken at spaces (a word too wide is broken anywhere).
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = vec![String::new()];
        for word in text.split_whitespace() {
            let last = lines.last_mut().expect("one line at least");
            let joined = if last.is_empty() {
                word.to_owned()
            } else {
                format!("{last} {word}")
            };
            if self.width(&joined, size) <= width {
                *last = joined;
                continue;
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if self.width(&piece, size) > width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            lines.push(piece);
        }
        lines.retain(|l| !l.is_empty());
        if lines.is_empty() {
            lines.push(String::new());
        }
        lines
    }
}

/// The document being written, page by page, from top to bottom.
struct Writer<'a> {
    doc: &'a PdfDocumentReference,
    metrics: &'a Metrics,
    layer: PdfLayerReference,
    font: IndirectFontRef,
    y: f32,
}

impl Writer<'_> {
    fn new_page(&mut self) {
        let (page, layer) = self.doc.add_page(Mm(210.0), Mm(297.0), "receipt");
        self.layer = self.doc.get_page(page).get_layer(layer);
        self.y = 277.0;
    }

    fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    fn text(&self, size: f32, x: f32, text: &str) {
        self.layer
            .use_text(text, size, Mm(x), Mm(self.y), &self.font);
    }

    fn right(&self, size: f32, text: &str) {
        let x = RIGHT - self.metrics.width(text, size);
        self.text(size, x, text);
    }

    /// Wrapped text between `x` and `to`, one line every `size`-dependent step.
    fn lines(&mut self, size: f32, x: f32, to: f32, text: &str) {
        let step = size * 0.62;
        for line in self.metrics.wrap(text, size, to - x) {
            self.room(step);
            self.text(size, x, &line);
            self.y -= step;
        }
    }

    fn line(&mut self, text: &str) {
        self.lines(BODY, LEFT, RIGHT, text);
    }

    /// A label and its amount, right-aligned on the label's last line.
    fn row(&mut self, indent: f32, label: &str, amount: &str) {
        let amount_room = self.metrics.width("000.000.000.000.000 ₫", BODY) + 4.0;
        let lines = self
            .metrics
            .wrap(label, BODY, RIGHT - amount_room - LEFT - indent);
        let step = BODY * 0.62;
        for (i, line) in lines.iter().enumerate() {
            self.room(step);
            self.text(BODY, LEFT + indent, line);
            if i + 1 == lines.len() {
                self.right(BODY, amount);
            }
            self.y -= step;
        }
    }

    fn rule(&mut self) {
        let y = self.y + 2.0;
        self.layer.add_rect(
            Rect::new(Mm(LEFT), Mm(y - 0.2), Mm(RIGHT), Mm(y)).with_mode(PaintMode::Fill),
        );
        self.y -= 2.0;
    }
}

pub fn render(receipt: &Receipt) -> Vec<u8> {
    // The same title in the XMP metadata (UTF-8 XML) and the Info dictionary (`finish`).
    let title = title(receipt);
    let (doc, page, layer) = PdfDocument::new(&title, Mm(210.0), Mm(297.0), "receipt");
    let font = doc
        .add_external_font(FONT)
        .expect("the embedded DejaVu Sans parses");
    let metrics = Metrics::new();
    let mut w = Writer {
        doc: &doc,
        metrics: &metrics,
        layer: doc.get_page(page).get_layer(layer),
        font,
        y: 277.0,
    };
    let count = receipt.groups.len();
    for (i, group) in receipt.groups.iter().enumerate() {
        if i > 0 {
            w.new_page();
        }
        one_receipt(&mut w, receipt, group, (i + 1, count));
    }
    let bytes = doc
        .save_to_bytes()
        .expect("a PDF written to memory cannot fail");
    finish(bytes, receipt)
}

/// The receipt of one fee kind, from the top of a page.
fn one_receipt(w: &mut Writer, r: &Receipt, group: &ItemGroup, (n, count): (usize, usize)) {
    draw_qr(&w.layer, &r.verify_url, QR_LEFT, QR_BOTTOM, QR_SIZE);
    let header_right = QR_LEFT - 4.0;
    w.lines(
        8.0,
        LEFT,
        header_right,
        "CỔNG DỊCH VỤ CÔNG QUỐC GIA — PAYHUB",
    );
    w.y -= 6.0;
    w.text(16.0, LEFT, "BIÊN NHẬN THANH TOÁN");
    w.y -= 8.0;
    let number = receipt_number(&r.reference, group.kind);
    w.lines(BODY, LEFT, header_right, &format!("Số: {number}"));
    let kind = format!(
        "Loại khoản thu: {} (biên nhận {n}/{count} của hồ sơ)",
        group.kind.vietnamese()
    );
    w.lines(BODY, LEFT, header_right, &kind);
    w.y = w.y.min(QR_BOTTOM - 6.0);
    w.lines(
        BODY,
        LEFT,
        RIGHT,
        &format!("Cơ quan thu: {}", r.agency_name),
    );
    w.line(&format!("Mã cơ quan: {}", r.agency_code));
    w.line(&format!("Mã hồ sơ: {}", r.dossier_code));
    w.line(&format!(
        "Thủ tục: {} — {}",
        r.procedure_code, r.procedure_name
    ));
    w.line(&format!("Người nộp: {}", r.payer_name));
    if let Some(id) = &r.payer_id_number {
        w.line(&format!("Số giấy tờ tùy thân: {id}"));
    }
    w.y -= 3.0;
    w.row(0.0, "Khoản nộp", "Số tiền");
    w.rule();
    for item in &group.items {
        let label = format!("{} — {}", item.code, item.name);
        w.row(0.0, &label, &item.amount.to_vietnamese());
    }
    w.rule();
    let label = format!("Cộng {}", group.kind.vietnamese().to_lowercase());
    w.row(0.0, &label, &group.subtotal.to_vietnamese());
    w.line(&format!("Bằng chữ: {}", vnd_in_words(group.subtotal)));
    if count > 1 {
        w.line(&format!(
            "Tổng số tiền đã thanh toán cho hồ sơ: {} ({count} biên nhận)",
            r.total.to_vietnamese()
        ));
        w.line(&format!("Tổng bằng chữ: {}", vnd_in_words(r.total)));
    }
    w.y -= 3.0;
    w.line(&format!("Ngân hàng: {}", display_name(r.bank)));
    w.line(&format!("Mã giao dịch ngân hàng: {}", r.bank_txn_id));
    let at = r.paid_at.with_timezone(&vietnam());
    w.line(&format!(
        "Thời gian thanh toán: {} (GMT+7)",
        at.format("%H:%M:%S %d/%m/%Y")
    ));
    w.line(&format!("Mã tham chiếu PayHub: {}", r.reference));
    w.y -= 3.0;
    w.lines(
        8.0,
        LEFT,
        RIGHT,
        "Quét mã QR hoặc mở địa chỉ sau để kiểm tra biên nhận:",
    );
    w.lines(8.0, LEFT, RIGHT, &r.verify_url);
}

fn title(r: &Receipt) -> String {
    format!("Biên nhận thanh toán hồ sơ {}", r.dossier_code)
}

/// A PDF text string in UTF-16BE with its byte order mark (PDF 32000-1, 7.9.2.2).
fn pdf_text_string(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// Sets the document information in UTF-16 and compresses the streams.
fn finish(bytes: Vec<u8>, r: &Receipt) -> Vec<u8> {
    let Ok(mut doc) = lopdf::Document::load_mem(&bytes) else {
        return bytes;
    };
    let info_id = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
    if let Some(Ok(Object::Dictionary(info))) = info_id.map(|id| doc.get_object_mut(id)) {
        info.set("Title", pdf_text_string(&title(r)));
        info.set("Author", pdf_text_string(&r.agency_name));
        info.set(
            "Subject",
            pdf_text_string("Biên nhận thanh toán phí, lệ phí"),
        );
        info.set(
            "Creator",
            pdf_text_string("PayHub – Cổng Dịch vụ công Quốc gia"),
        );
    }
    doc.compress();
    let mut out = Vec::new();
    match doc.save_to(&mut out) {
        Ok(()) => out,
        Err(_) => bytes,
    }
}

/// The QR code of `url`, `size` mm wide, its lower-left corner at (`x`, `y`).
fn draw_qr(layer: &PdfLayerReference, url: &str, x: f32, y: f32, size: f32) {
    let Ok(code) = QrCode::new(url.as_bytes()) else {
        return;
    };
    let width = code.width();
    let colors = code.to_colors();
    let module = size / width as f32;
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (col, row) = ((i % width) as f32, (i / width) as f32);
        let (left, top) = (x + col * module, y + size - row * module);
        let square = Rect::new(Mm(left), Mm(top - module), Mm(left + module), Mm(top))
            .with_mode(PaintMode::Fill);
        layer.add_rect(square);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_by_width_at_spaces() {
        let m = Metrics::new();
        let lines = m.wrap("một hai ba bốn năm sáu bảy tám chín mười", 10.0, 30.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| m.width(l, 10.0) <= 30.0), "{lines:?}");
        assert_eq!(m.wrap("", 10.0, 30.0), [""]);
        let url = m.wrap(&"x".repeat(200), 8.0, 50.0);
        assert!(url.len() > 1 && url.iter().all(|l| m.width(l, 8.0) <= 50.0));
    }

    #[test]
    fn metadata_strings_are_utf16_with_a_byte_order_mark() {
        let Object::String(bytes, _) = pdf_text_string("Biên") else {
            panic!("a string")
        };
        assert_eq!(bytes, [0xFE, 0xFF, 0, b'B', 0, b'i', 0x00, 0xEA, 0, b'n']);
    }
}
