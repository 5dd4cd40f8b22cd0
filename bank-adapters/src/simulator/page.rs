//! The simulated banks' payment page: plain HTML, no script, no external assets. The citizen (or
//! a test posting the form) approves, declines or cancels.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::Vnd;

/// What the payment page shows.
pub(crate) struct PaymentPage<'a> {
    pub(crate) bank: &'a str,
    pub(crate) merchant: &'a str,
    pub(crate) reference: &'a str,
    pub(crate) description: &'a str,
    pub(crate) amount: Vnd,
    /// Where the form posts: `/sim/pay/{id}`.
    pub(crate) action: &'a str,
}

/// The form the payment page posts: `action=approve|decline|cancel`.
#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    pub(crate) action: PayAction,
}

/// The citizen's choice on the payment page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PayAction {
    /// The debit goes through.
    Approve,
    /// The bank refuses it (insufficient balance).
    Decline,
    /// The citizen gives up.
    Cancel,
}

pub(crate) fn payment_page(page: &PaymentPage) -> Response {
    let body = format!(
        r#"<h1>{bank} — Cổng thanh toán (mô phỏng) / Payment gateway (simulated)</h1>
<dl>
<dt>Đơn vị nhận / Merchant</dt><dd id="merchant">{merchant}</dd>
<dt>Mã giao dịch / Reference</dt><dd id="reference">{reference}</dd>
<dt>Nội dung / Description</dt><dd id="description">{description}</dd>
<dt>Số tiền / Amount</dt><dd id="amount">{amount}</dd>
</dl>
<form method="post" action="{action}">
<button type="submit" name="action" value="approve">Thanh toán / Approve</button>
<button type="submit" name="action" value="decline">Từ chối (không đủ số dư) / Decline</button>
<button type="submit" name="action" value="cancel">Hủy giao dịch / Cancel</button>
</form>"#,
        bank = escape(page.bank),
        merchant = escape(page.merchant),
        reference = escape(page.reference),
        description = escape(page.description),
        amount = page.amount.to_vietnamese(),
        action = escape(page.action),
    );
    Html(document(page.bank, &body)).into_response()
}

/// An error or result page, e.g. VNPAY's "wrong signature" (code 70).
pub(crate) fn message_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = format!("<h1>{}</h1>\n<p>{}</p>", escape(title), escape(detail));
    (status, Html(document(title, &body))).into_response()
}

fn document(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="vi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{}</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}
dt{{font-weight:bold}}button{{margin:.5em .5em 0 0;padding:.5em 1em}}</style></head>
<body>
{body}
</body>
</html>
"#,
        escape(title)
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_merchant_cannot_inject_markup() {
        assert_eq!(
            escape("<b>\"x\" & 'y'"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;"
        );
    }
}
