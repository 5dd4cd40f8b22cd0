//! `GET …/{id}/report.csv`: the run's discrepancies, one per row (RFC 4180), both sides' data.

use chrono::{DateTime, Utc};

use crate::clock::vietnam;
use crate::store::reconciliation::Discrepancy;

const HEADER: [&str; 19] = [
    "id",
    "class",
    "agency_code",
    "reference",
    "bank_txn_id",
    "order_id",
    "amount",
    "line_no",
    "bank_amount",
    "bank_status",
    "bank_at",
    "credited_account",
    "payhub_ref",
    "payhub_amount",
    "payhub_status",
    "payhub_at",
    "expected_accounts",
    "resolved_at",
    "resolved_by",
];

/// The CSV text; amounts are whole đồng, times RFC 3339 in GMT+7. The resolution note is the
/// last column.
pub fn discrepancies_csv(rows: &[Discrepancy]) -> String {
    let mut out = row(HEADER.iter().copied().chain(["note"]).map(str::to_owned));
    for d in rows {
        let f = &d.facts;
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        out.push_str(&row([
            d.id.to_string(),
            f.class.clone(),
            f.agency_code.clone().unwrap_or_default(),
            f.reference.clone(),
            f.bank_txn_id.clone().unwrap_or_default(),
            f.order_id.clone().unwrap_or_default(),
            f.amount_vnd.to_string(),
            opt(f.line_no.map(i64::from)),
            opt(f.bank_amount_vnd),
            f.bank_status.clone().unwrap_or_default(),
            time(f.bank_at),
            f.credited_account.clone().unwrap_or_default(),
            f.payment_ref.clone().unwrap_or_default(),
            opt(f.payhub_amount_vnd),
            f.payhub_status.clone().unwrap_or_default(),
            time(f.payhub_at),
            f.expected_accounts.clone().unwrap_or_default(),
            time(d.resolved_at),
            d.resolved_by.clone().unwrap_or_default(),
            d.note.clone().unwrap_or_default(),
        ]));
    }
    out
}

pub fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.with_timezone(&vietnam()).to_rfc3339())
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

/// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
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
}
