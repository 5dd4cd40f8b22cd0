//! The receipt as an A4 PDF. The text is set in DejaVu Sans, embedded (it has every Vietnamese
//! letter, and a machine without it still renders the receipt) with a ToUnicode map, so the
//! text can be searched and extracted. The QR code is drawn as filled squares, no image needed.

use printpdf::path::PaintMode;
use printpdf::{IndirectFontRef, Mm, PdfDocument, PdfLayerReference, Rect};
use qrcode::{Color, QrCode};

use super::words::vnd_in_words;
use super::Receipt;
use crate::clock::vietnam;
use crate::domain::bank::display_name;

/// DejaVu Sans 2.37, Bitstream Vera licence: assets/fonts/LICENSE-DejaVu.txt.
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const LEFT: f32 = 20.0;
const LINE: f32 = 6.5;
/// Characters per line of body text at 10 pt across the page (DejaVu Sans averages ~1.9 mm).
const WRAP: usize = 85;

/// A page being written from top to bottom.
struct Writer {
    layer: PdfLayerReference,
    font: IndirectFontRef,
    y: f32,
}

impl Writer {
    fn text(&mut self, size: f32, x: f32, text: &str) {
        self.layer
            .use_text(text, size, Mm(x), Mm(self.y), &self.font);
    }

    fn line(&mut self, text: &str) {
        for part in wrap(text, WRAP) {
            self.text(10.0, LEFT, &part);
            self.y -= LINE;
        }
    }

    /// A row with the amount in its own column.
    fn row(&mut self, indent: f32, text: &str, amount: &str) {
        let parts = wrap(text, WRAP - 25);
        for (i, part) in parts.iter().enumerate() {
            self.text(10.0, LEFT + indent, part);
            if i + 1 == parts.len() {
                self.text(10.0, 160.0, amount);
            }
            self.y -= LINE;
        }
    }
}

/// Splits at spaces into lines of at most `width` characters (a longer word stands alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line at least");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

pub fn render(receipt: &Receipt) -> Vec<u8> {
    let (doc, page, layer) =
        PdfDocument::new("Biên nhận thanh toán", Mm(210.0), Mm(297.0), "receipt");
    let font = doc
        .add_external_font(FONT)
        .expect("the embedded DejaVu Sans parses");
    let layer = doc.get_page(page).get_layer(layer);
    draw_qr(&layer, &receipt.verify_url, 150.0, 232.0, 40.0);
    let mut w = Writer {
        layer,
        font,
        y: 272.0,
    };
    w.text(9.0, LEFT, "CỔNG DỊCH VỤ CÔNG QUỐC GIA — PAYHUB");
    w.y -= 12.0;
    w.text(16.0, LEFT, "BIÊN NHẬN THANH TOÁN");
    w.y -= 8.0;
    w.text(
        9.0,
        LEFT,
        &format!("Mã tham chiếu PayHub: {}", receipt.reference),
    );
    w.y -= 14.0;
    body(&mut w, receipt);
    w.y -= 4.0;
    w.text(
        8.0,
        LEFT,
        "Quét mã QR hoặc mở địa chỉ sau để kiểm tra biên nhận:",
    );
    w.y -= 5.0;
    w.text(8.0, LEFT, &receipt.verify_url);
    doc.save_to_bytes()
        .expect("a PDF written to memory cannot fail")
}

fn body(w: &mut Writer, r: &Receipt) {
    w.line(&format!(
        "Cơ quan thu: {} ({})",
        r.agency_name, r.agency_code
    ));
    w.line(&format!("Mã hồ sơ: {}", r.dossier_code));
    w.line(&format!(
        "Thủ tục: {} — {}",
        r.procedure_code, r.procedure_name
    ));
    w.line(&format!("Người nộp: {}", r.payer_name));
    if let Some(id) = &r.payer_id_number {
        w.line(&format!("Số giấy tờ tùy thân: {id}"));
    }
    w.y -= 4.0;
    w.row(0.0, "Khoản nộp", "Số tiền");
    for group in &r.groups {
        w.row(0.0, group.kind.vietnamese(), "");
        for item in &group.items {
            w.row(
                6.0,
                &format!("{} — {}", item.code, item.name),
                &item.amount.to_vietnamese(),
            );
        }
        let label = format!("Cộng {}", group.kind.vietnamese().to_lowercase());
        w.row(6.0, &label, &group.subtotal.to_vietnamese());
    }
    w.row(0.0, "Tổng cộng", &r.total.to_vietnamese());
    w.line(&format!("Bằng chữ: {}", vnd_in_words(r.total)));
    w.y -= 4.0;
    w.line(&format!("Ngân hàng: {}", display_name(r.bank)));
    w.line(&format!("Mã giao dịch ngân hàng: {}", r.bank_txn_id));
    let at = r.paid_at.with_timezone(&vietnam());
    w.line(&format!(
        "Thời gian thanh toán: {} (GMT+7)",
        at.format("%H:%M:%S %d/%m/%Y")
    ));
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
    fn long_text_wraps_at_spaces() {
        assert_eq!(wrap("một hai ba", 7), ["một hai", "ba"]);
        assert_eq!(wrap("", 7), [""]);
    }
}
