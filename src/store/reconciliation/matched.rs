//! A run's matched entries, kept in batches of text (migration 0010's `reconciliation_matched`)
//! so reports can list every line of a run while a million-line day costs a hundred rows.
//!
//! One entry per line of a batch's `body`, tab-separated, an absent value as an empty field:
//! line number, bank transaction id, reference, amount (đồng), the bank's time (Unix seconds),
//! credited account, PayHub's payment ref, order id, agency code. A tab, newline or backslash
//! inside a value is written `\t`, `\n`, `\\`.

use chrono::{DateTime, Utc};

use super::MatchedEntry;
use crate::store::{with_pool, Store, StoreError};

/// Entries per stored row.
const BATCH_ENTRIES: usize = 10_000;

/// A batch of encoded entries, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchedBatch {
    pub entries: i32,
    pub body: String,
}

/// Encodes matched entries into batches as they come.
#[derive(Default)]
pub struct MatchedBatches {
    done: Vec<MatchedBatch>,
    open: MatchedBatch,
}

impl MatchedBatches {
    pub fn push(&mut self, e: &MatchedEntryRef<'_>) {
        use std::fmt::Write;
        let body = &mut self.open.body;
        let _ = write!(body, "{}\t", Opt(e.line_no));
        field(body, e.bank_txn_id);
        field(body, Some(e.reference));
        let _ = write!(body, "{}\t{}\t", e.amount_vnd, Opt(e.bank_at));
        field(body, e.credited_account);
        field(body, e.payment_ref);
        field(body, e.order_id);
        field(body, e.agency_code);
        body.pop();
        body.push('\n');
        self.open.entries += 1;
        if self.open.entries as usize == BATCH_ENTRIES {
            self.done.push(std::mem::take(&mut self.open));
        }
    }

    pub fn finish(mut self) -> Vec<MatchedBatch> {
        if self.open.entries > 0 {
            self.done.push(self.open);
        }
        self.done
    }
}

/// One matched entry as the run has it, borrowed from the engine's report.
pub struct MatchedEntryRef<'a> {
    pub line_no: Option<u32>,
    pub bank_txn_id: Option<&'a str>,
    pub reference: &'a str,
    pub amount_vnd: i64,
    pub bank_at: Option<i64>,
    pub credited_account: Option<&'a str>,
    pub payment_ref: Option<&'a str>,
    pub order_id: Option<&'a str>,
    pub agency_code: Option<&'a str>,
}

struct Opt<T>(Option<T>);

impl<T: std::fmt::Display> std::fmt::Display for Opt<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(v) => v.fmt(f),
            None => Ok(()),
        }
    }
}

fn field(body: &mut String, value: Option<&str>) {
    let value = value.unwrap_or_default();
    if value.bytes().any(|b| matches!(b, b'\t' | b'\n' | b'\\')) {
        for c in value.chars() {
            match c {
                '\t' => body.push_str("\\t"),
                '\n' => body.push_str("\\n"),
                '\\' => body.push_str("\\\\"),
                c => body.push(c),
            }
        }
    } else {
        body.push_str(value);
    }
    body.push('\t');
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        out.push(match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('t') => '\t',
                Some('n') => '\n',
                Some(other) => other,
                None => '\\',
            },
            (c, false) => c,
        });
    }
    out
}

fn decode_line(line: &str) -> Result<MatchedEntry, StoreError> {
    let bad = || StoreError::Corrupt(format!("reconciliation_matched entry {line:?}"));
    let fields: Vec<&str> = line.split('\t').collect();
    let [line_no, txn, reference, amount, at, credited, payment_ref, order_id, agency] = fields[..]
    else {
        return Err(bad());
    };
    let text = |f: &str| (!f.is_empty()).then(|| unescape(f));
    Ok(MatchedEntry {
        line_no: match line_no {
            "" => None,
            n => Some(n.parse().map_err(|_| bad())?),
        },
        bank_txn_id: text(txn),
        reference: unescape(reference),
        amount_vnd: amount.parse().map_err(|_| bad())?,
        bank_at: match at {
            "" => None,
            t => Some(
                t.parse()
                    .ok()
                    .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
                    .ok_or_else(bad)?,
            ),
        },
        credited_account: text(credited),
        payment_ref: text(payment_ref),
        order_id: text(order_id),
        agency_code: text(agency),
    })
}

/// Decodes stored batches, in order.
pub fn decode(batches: &[(i32, String)]) -> Result<Vec<MatchedEntry>, StoreError> {
    let mut entries = Vec::new();
    for (count, body) in batches {
        let before = entries.len();
        for line in body.lines() {
            entries.push(decode_line(line)?);
        }
        if entries.len() - before != *count as usize {
            return Err(StoreError::Corrupt(
                "reconciliation_matched batch count".into(),
            ));
        }
    }
    Ok(entries)
}

impl Store {
    /// Every matched entry of a run (its discrepancies are in `discrepancies`), in the report's
    /// order: what a report lists besides the discrepancies to show every line of the run.
    pub async fn matched_entries(&self, run_id: i64) -> Result<Vec<MatchedEntry>, StoreError> {
        let batches: Vec<(i32, String)> = with_pool!(self, |pool| sqlx::query_as(
            "select entries, body from reconciliation_matched where run_id = $1 order by batch"
        )
        .bind(run_id)
        .fetch_all(pool)
        .await?);
        decode(&batches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_as_written_whatever_their_ids_hold() {
        let mut batches = MatchedBatches::default();
        let odd = "a\tb\\c\nd";
        batches.push(&MatchedEntryRef {
            line_no: Some(7),
            bank_txn_id: Some("FT26150000000123"),
            reference: odd,
            amount_vnd: 650_000,
            bank_at: Some(1_780_074_000),
            credited_account: Some("0011001234567"),
            payment_ref: Some("p42"),
            order_id: Some("bench-1"),
            agency_code: Some("000.00.99.H29"),
        });
        batches.push(&MatchedEntryRef {
            line_no: None,
            bank_txn_id: None,
            reference: "B1",
            amount_vnd: 0,
            bank_at: None,
            credited_account: None,
            payment_ref: Some("a9"),
            order_id: None,
            agency_code: None,
        });
        let stored: Vec<(i32, String)> = batches
            .finish()
            .into_iter()
            .map(|b| (b.entries, b.body))
            .collect();
        let back = decode(&stored).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].reference, odd);
        assert_eq!(back[0].line_no, Some(7));
        assert_eq!(back[0].bank_at.unwrap().timestamp(), 1_780_074_000);
        assert_eq!(back[0].agency_code.as_deref(), Some("000.00.99.H29"));
        assert_eq!(back[1].line_no, None);
        assert_eq!(back[1].payment_ref.as_deref(), Some("a9"));
        assert_eq!(back[1].order_id, None);
    }
}
