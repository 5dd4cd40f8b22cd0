//! `GET …/{id}/report.csv`: every line of the run, matched and discrepancies, one per row
//! (RFC 4180), both sides' data, made to open well in Excel on Windows (issue 14): a UTF-8
//! byte-order mark (without it Excel reads UTF-8 as the ANSI code page and mangles Vietnamese),
//! Vietnamese column headers, and times as `yyyy-mm-dd hh:mm:ss` in GMT+7, which Excel reads as
//! dates (RFC 3339's `T` and offset make it text).

use chrono::{DateTime, Utc};

use crate::clock::vietnam;
use crate::recon::summary::label;
use crate::store::reconciliation::{Discrepancy, MatchedEntry};

/// The byte-order mark Excel needs to read the file as UTF-8.
pub const BOM: &str = "\u{feff}";

pub const HEADER: [&str; 21] = [
    "Mã loại",
    "Loại",
    "Đơn vị",
    "Tham chiếu PayHub",
    "Mã giao dịch ngân hàng",
    "Mã đơn",
    "Số tiền (đồng)",
    "Dòng sao kê",
    "Số tiền ngân hàng",
    "Trạng thái ngân hàng",
    "Thời điểm ngân hàng",
    "Tài khoản ghi có",
    "Bản ghi PayHub",
    "Số tiền PayHub",
    "Trạng thái PayHub",
    "Thời điểm PayHub",
    "Tài khoản cấu hình",
    "Mã chênh lệch",
    "Xử lý lúc",
    "Người xử lý",
    "Ghi chú",
];

/// The CSV text: the matched lines first (report order), then the discrepancies. Amounts are
/// whole đồng without separators, so Excel sums them.
pub fn run_csv(matched: &[MatchedEntry], rows: &[Discrepancy]) -> String {
    let mut out = String::from(BOM);
    out.push_str(&row(HEADER.iter().map(|h| (*h).to_owned())));
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    for m in matched {
        out.push_str(&row([
            "matched".to_owned(),
            label("matched").to_owned(),
            text(&m.agency_code),
            m.reference.clone(),
            text(&m.bank_txn_id),
            text(&m.order_id),
            m.amount_vnd.to_string(),
            opt(m.line_no.map(i64::from)),
            String::new(),
            String::new(),
            time(m.bank_at),
            text(&m.credited_account),
            text(&m.payment_ref),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]));
    }
    for d in rows {
        let f = &d.facts;
        out.push_str(&row([
            f.class.clone(),
            label(&f.class).to_owned(),
            text(&f.agency_code),
            f.reference.clone(),
            text(&f.bank_txn_id),
            text(&f.order_id),
            f.amount_vnd.to_string(),
            opt(f.line_no.map(i64::from)),
            opt(f.bank_amount_vnd),
            text(&f.bank_status),
            time(f.bank_at),
            text(&f.credited_account),
            text(&f.payment_ref),
            opt(f.payhub_amount_vnd),
            text(&f.payhub_status),
            time(f.payhub_at),
            text(&f.expected_accounts),
            d.id.to_string(),
            time(d.resolved_at),
            text(&d.resolved_by),
            text(&d.note),
        ]));
    }
    out
}

/// GMT+7, as Excel reads a date and time.
pub fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| {
        t.with_timezone(&vietnam())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    })
    .unwrap_or_default()
}

fn row(fields: impl IntoIterator<Item = String>) -> String {
    let mut line = fields
        .into_iter()
        .map(|f| quote(&f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. A field
/// starting with `=`, `+`, `-` or `@` that is not a number is prefixed with `'`, so Excel shows
/// text typed by others (a note, a reference) instead of running it as a formula.
fn quote(field: &str) -> String {
    let formula = field.starts_with(['=', '+', '-', '@']) && field.parse::<i64>().is_err();
    let field = if formula {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_newlines_are_quoted() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
    }

    #[test]
    fn text_that_excel_would_run_as_a_formula_is_kept_as_text() {
        assert_eq!(quote("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(quote("-650000"), "-650000");
    }

    #[test]
    fn the_file_starts_with_the_bom_and_vietnamese_headers() {
        let csv = run_csv(&[], &[]);
        assert!(csv.starts_with("\u{feff}Mã loại,Loại,Đơn vị,"));
        let at = DateTime::from_timestamp(1_780_149_851, 0);
        assert_eq!(time(at), "2026-05-30 21:04:11");
    }
}
