//! What the citizen is told when an order is paid or refunded (messages.md §1): the facts are
//! read when the message is sent (links from this instance's address, as notifications do), and
//! put into Vietnamese: an email in plain text and HTML, an SMS without diacritics in at most
//! 160 characters carrying the amount, the dossier code and a short receipt link.

use chrono::{DateTime, Utc};
use payhub_money::Vnd;

use super::email::Email;
use super::sms::MAX_CHARS;
use crate::app::AppState;
use crate::clock::vietnam;
use crate::domain::bank::{display_name, BankCode};
use crate::domain::order::Order;
use crate::store::StoreError;

/// Everything a message about one order says.
#[derive(Debug, Clone)]
pub struct Facts {
    pub refund: bool,
    pub dossier_code: String,
    pub procedure_name: String,
    pub payer_name: String,
    pub agency_name: String,
    pub amount: Vnd,
    pub refunded: Vnd,
    pub bank: Option<BankCode>,
    pub bank_txn_id: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    /// The PDF, for the payer (the order id in it is as secret as the checkout page).
    pub receipt_pdf_url: String,
    /// The public verification page, short, for the SMS.
    pub short_url: String,
    pub support_phone: String,
    pub support_email: String,
}

/// The facts of `order` for a message about `event`.
pub async fn facts(app: &AppState, order: &Order, event: &str) -> Result<Facts, StoreError> {
    let agency_name = app
        .store
        .agency(&order.agency_code)
        .await?
        .map(|a| a.name)
        .unwrap_or_else(|| order.agency_code.clone());
    let base = &app.config.server.public_url;
    let code = app
        .store
        .receipt_short_code(&order.id, app.clock.now())
        .await?;
    let payment = order.payment.as_ref();
    let support = &app.config.messages.support;
    // `order.refunded.<total refunded after this refund>`: the message says what it was sent for.
    let refunded = event
        .strip_prefix("order.refunded.")
        .and_then(|total| Vnd::parse(total).ok());
    Ok(Facts {
        refund: refunded.is_some(),
        dossier_code: order.dossier_code.clone(),
        procedure_name: order.procedure_name.clone(),
        payer_name: order.payer_name.clone(),
        agency_name,
        amount: order.amount,
        refunded: refunded.unwrap_or(order.refunded),
        bank: payment.map(|p| p.bank),
        bank_txn_id: payment.map(|p| p.bank_txn_id.clone()),
        paid_at: payment.map(|p| p.paid_at),
        receipt_pdf_url: format!("{base}/checkout/{}/receipt.pdf", order.id),
        short_url: format!("{base}/r/{code}"),
        support_phone: support.phone.clone(),
        support_email: support.email.clone(),
    })
}

fn ascii(text: &str) -> String {
    bank_adapters::plain_ascii(text, usize::MAX, &[])
}

/// "650.000d": the amount as an SMS can carry it.
fn ascii_amount(v: Vnd) -> String {
    v.to_vietnamese().replace(" ₫", "d")
}

/// The SMS: the richest wording that fits in 160 characters; the dossier code is cut only if
/// even the shortest wording does not fit (a dossier code can be 100 characters).
pub fn sms_text(f: &Facts) -> String {
    let dossier = ascii(&f.dossier_code);
    let bank = f.bank.map(display_name).unwrap_or_default();
    let at = f
        .paid_at
        .map(|t| {
            t.with_timezone(&vietnam())
                .format("%H:%M %d/%m")
                .to_string()
        })
        .unwrap_or_default();
    let link = &f.short_url;
    let candidates = if f.refund {
        let amount = ascii_amount(f.refunded);
        vec![
            format!("DVCQG: Ho so {dossier} da duoc hoan tien, tong da hoan {amount}, ve tai khoan da thanh toan. Chi tiet: {link}"),
            format!("DVCQG: Ho so {dossier} da duoc hoan tien, tong da hoan {amount}. Chi tiet: {link}"),
        ]
    } else {
        let amount = ascii_amount(f.amount);
        vec![
            format!("DVCQG: Da thanh toan {amount} ho so {dossier} qua {bank} luc {at}. Bien nhan: {link}"),
            format!("DVCQG: Da thanh toan {amount} ho so {dossier}. Bien nhan: {link}"),
        ]
    };
    if let Some(fits) = candidates.iter().find(|c| c.len() <= MAX_CHARS) {
        return fits.clone();
    }
    // The shortest wording with the dossier code cut to what is left.
    let shortest = candidates.last().expect("two wordings");
    let over = shortest.len() - MAX_CHARS;
    let cut = &dossier[..dossier.len().saturating_sub(over + 3)];
    shortest.replacen(&dossier, &format!("{cut}..."), 1)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The email: subject, plain text and HTML with the same lines.
pub fn email(f: &Facts, to: &str) -> Email {
    let (subject, intro) = if f.refund {
        (
            format!("Hoàn tiền hồ sơ {}", f.dossier_code),
            format!(
                "PayHub – Cổng Dịch vụ công Quốc gia thông báo hồ sơ của bạn đã được hoàn tiền; tổng số tiền đã hoàn: {}. Tiền được trả về tài khoản đã dùng để thanh toán.",
                f.refunded.to_vietnamese()
            ),
        )
    } else {
        (
            format!("Đã thanh toán hồ sơ {}", f.dossier_code),
            "PayHub – Cổng Dịch vụ công Quốc gia xác nhận bạn đã thanh toán thành công:".to_owned(),
        )
    };
    let at = f.paid_at.map(|t| {
        t.with_timezone(&vietnam())
            .format("%H:%M:%S %d/%m/%Y (GMT+7)")
            .to_string()
    });
    let rows: Vec<(&str, String)> = [
        ("Hồ sơ", Some(f.dossier_code.clone())),
        ("Thủ tục", Some(f.procedure_name.clone())),
        ("Cơ quan", Some(f.agency_name.clone())),
        ("Số tiền", Some(f.amount.to_vietnamese())),
        ("Ngân hàng", f.bank.map(|b| display_name(b).to_owned())),
        ("Thời gian", at),
        ("Mã giao dịch ngân hàng", f.bank_txn_id.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let greeting = format!("Kính gửi {},", f.payer_name);
    let receipt = format!("Biên nhận thanh toán (PDF): {}", f.receipt_pdf_url);
    let verify = format!("Kiểm tra biên nhận: {}", f.short_url);
    let support = format!(
        "Cần hỗ trợ: {}, {}. Email này được gửi tự động, vui lòng không trả lời.",
        f.support_phone, f.support_email
    );
    let mut text = format!("{greeting}\n\n{intro}\n");
    for (k, v) in &rows {
        text.push_str(&format!("- {k}: {v}\n"));
    }
    text.push_str(&format!("\n{receipt}\n{verify}\n\n{support}\n"));
    let mut html = format!(
        "<p>{}</p><p>{}</p><table>",
        escape(&greeting),
        escape(&intro)
    );
    for (k, v) in &rows {
        html.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
            escape(k),
            escape(v)
        ));
    }
    html.push_str(&format!(
        "</table><p><a href=\"{0}\">Tải biên nhận thanh toán (PDF)</a></p><p>{1}</p><p>{2}</p>",
        escape(&f.receipt_pdf_url),
        escape(&verify),
        escape(&support)
    ));
    Email {
        to: vec![to.to_owned()],
        subject,
        text,
        html: Some(html),
        attachments: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(dossier: &str) -> Facts {
        Facts {
            refund: false,
            dossier_code: dossier.into(),
            procedure_name: "Cấp giấy phép xây dựng".into(),
            payer_name: "Nguyễn Văn A".into(),
            agency_name: "Sở Xây dựng Hà Nội".into(),
            amount: Vnd::from_dong(650_000).unwrap(),
            refunded: Vnd::from_dong(0).unwrap(),
            bank: Some(BankCode::Vcb),
            bank_txn_id: Some("VCB123".into()),
            paid_at: Some(Utc::now()),
            receipt_pdf_url: "https://payhub.example.gov.vn/checkout/x/receipt.pdf".into(),
            short_url: "https://payhub.example.gov.vn/r/AbCdEfGh12".into(),
            support_phone: "1800 1096".into(),
            support_email: "hotro@dichvucong.gov.vn".into(),
        }
    }

    #[test]
    fn the_sms_is_plain_ascii_within_160_characters_even_for_a_long_dossier_code() {
        let short = sms_text(&facts("000.00.12.H29-260530-0001"));
        assert!(
            short.contains("650.000d") && short.contains("Vietcombank"),
            "{short}"
        );
        assert!(short.contains("000.00.12.H29-260530-0001") && short.contains("/r/AbCdEfGh12"));
        let long = sms_text(&facts(&"Đ".repeat(100)));
        for sms in [&short, &long] {
            assert!(sms.is_ascii() && sms.len() <= 160, "{} {sms}", sms.len());
        }
        assert!(
            long.contains("DDD...") && long.ends_with("/r/AbCdEfGh12"),
            "{long}"
        );
    }
}
