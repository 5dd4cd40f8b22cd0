//! From the engine's report (which borrows the run's input) to what the store keeps: totals per
//! (class, agency) and one row per discrepancy with both sides' data.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use reconciliation::{Class, Entry, Money, Record, Report, StatementLine};
use serde::Serialize;
use serde_json::json;

use crate::store::reconciliation::{
    DiscrepancyFacts, MatchedBatch, MatchedBatches, MatchedEntryRef, MoneyTotal, Total,
};

/// Every (agency, class) tally, matched included (the issue: "totals include every class").
pub fn totals(report: &Report<'_>) -> Vec<Total> {
    report
        .totals
        .by_agency
        .iter()
        .map(|t| Total {
            class: t.class.as_str().to_owned(),
            agency_code: t.agency_code.map(str::to_owned),
            entries: i64::try_from(t.count).unwrap_or(i64::MAX),
            sum: t.sum,
        })
        .collect()
}

/// The entries someone has to act on, as stored rows.
pub fn discrepancies(report: &Report<'_>) -> Vec<DiscrepancyFacts> {
    report
        .discrepancies()
        .map(|e| discrepancy(e, report.money(e)))
        .collect()
}

/// The matched entries, in report order, encoded in batches: what lets a report list every line
/// of the run (the discrepancies are stored apart, with both sides in full).
pub fn matched(report: &Report<'_>) -> Vec<MatchedBatch> {
    let mut batches = MatchedBatches::default();
    for entry in report.entries.iter().filter(|e| !e.class.is_discrepancy()) {
        let (line, record) = (entry.line, entry.record.or(entry.related));
        batches.push(&MatchedEntryRef {
            line_no: line.map(|l| l.line_no),
            bank_txn_id: line
                .map(|l| l.bank_txn_id.as_str())
                .or_else(|| record.and_then(|r| r.bank_txn_id.as_deref())),
            reference: entry.reference(),
            amount_vnd: entry.amount().dong(),
            bank_at: line.map(|l| l.at),
            credited_account: line.and_then(|l| l.credited_to.as_deref()),
            payment_ref: record.map(|r| r.payment_id.as_str()),
            order_id: record.map(|r| r.order_id.as_str()),
            agency_code: entry.agency_code,
        });
    }
    batches.finish()
}

fn discrepancy(entry: &Entry<'_>, money: Money) -> DiscrepancyFacts {
    let line = entry.line;
    // PayHub's side is the entry's own record, else the one it relates to (the payment a
    // refund refunds, the first payment of an order paid twice).
    let record = entry.record.or(entry.related);
    DiscrepancyFacts {
        class: entry.class.as_str().to_owned(),
        agency_code: entry.agency_code.map(str::to_owned),
        reference: entry.reference().to_owned(),
        bank_txn_id: line
            .map(|l| l.bank_txn_id.clone())
            .or_else(|| record.and_then(|r| r.bank_txn_id.clone())),
        order_id: record.map(|r| r.order_id.clone()),
        amount_vnd: entry.amount().dong(),
        line_no: line.map(|l| i32::try_from(l.line_no).unwrap_or(i32::MAX)),
        bank_amount_vnd: line.map(|l| l.amount.dong()),
        bank_status: line.map(|l| serde_name(&l.status)),
        bank_at: line.and_then(|l| instant(l.at)),
        credited_account: line.and_then(|l| l.credited_to.clone()),
        payment_ref: record.map(|r| r.payment_id.clone()),
        payhub_amount_vnd: record.map(|r| r.amount.dong()),
        payhub_status: record.map(|r| serde_name(&r.status)),
        payhub_at: record.and_then(|r| instant(r.paid_at)),
        expected_accounts: entry.accounts.as_ref().map(|a| a.expected.join(", ")),
        detail_json: detail(line, entry.record, entry.related, entry).to_string(),
        bank_money_vnd: money.bank,
        payhub_money_vnd: money.payhub,
    }
}

fn detail(
    line: Option<&StatementLine>,
    record: Option<&Record>,
    related: Option<&Record>,
    entry: &Entry<'_>,
) -> serde_json::Value {
    json!({"line": line, "record": record, "related": related, "accounts": entry.accounts})
}

/// The snake_case name serde gives a unit variant (`paid`, `partially_refunded`, …).
fn serde_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => format!("{other:?}"),
    }
}

fn instant(unix: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(unix, 0)
}

/// The account an entry's money is counted under: the one the bank credited, else (an entry
/// with no line, such as `missing_at_bank`) the one PayHub's record was made to, looked up by
/// [`with_accounts`] after the engine ran.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MoneyAccount {
    Credited(String),
    OfRecord(String),
    Unknown,
}

/// A [`MoneyTotal`] before the accounts of record-only entries are known.
#[derive(Debug, Clone, Default)]
pub struct MoneySums {
    pub entries: i64,
    pub amount_vnd: i64,
    pub bank_vnd: i64,
    pub payhub_vnd: i64,
}

pub type MoneyKey = (Option<String>, MoneyAccount, &'static str, bool);

/// One (agency, account, class, moved) of [`money`].
pub type MoneyRow = (MoneyKey, MoneySums);

/// What every entry moved on each side (`Report::money`), added up per (agency, account,
/// class, moved). Entries that moved nothing keep no account: they add to no sum. Added up with
/// keys borrowed from the report (a million entries are a few dozen groups), owned only once
/// per group.
pub fn money(report: &Report<'_>) -> Vec<MoneyRow> {
    type Borrowed<'a> = (Option<&'a str>, Option<&'a str>, bool, Class, bool);
    let mut sums: HashMap<Borrowed<'_>, MoneySums> = HashMap::new();
    for entry in &report.entries {
        let m = report.money(entry);
        // (account or record id, whether it is the record's id)
        let account = match (
            entry.line.and_then(|l| l.credited_to.as_deref()),
            entry.record,
        ) {
            _ if !m.moved => (None, false),
            (Some(account), _) => (Some(account), false),
            (None, Some(record)) => (Some(record.payment_id.as_str()), true),
            (None, None) => (None, false),
        };
        let key = (
            entry.agency_code,
            account.0,
            account.1,
            entry.class,
            m.moved,
        );
        let sum = sums.entry(key).or_default();
        sum.entries += 1;
        sum.amount_vnd += if m.moved { entry.amount().dong() } else { 0 };
        sum.bank_vnd += m.bank;
        sum.payhub_vnd += m.payhub;
    }
    let mut rows: Vec<MoneyRow> = sums
        .into_iter()
        .map(|((agency, account, of_record, class, moved), sum)| {
            let account = match (account, of_record) {
                (Some(id), true) => MoneyAccount::OfRecord(id.to_owned()),
                (Some(account), false) => MoneyAccount::Credited(account.to_owned()),
                (None, _) => MoneyAccount::Unknown,
            };
            (
                (agency.map(str::to_owned), account, class.as_str(), moved),
                sum,
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// The record ids whose account must be looked up.
pub fn records_to_look_up(money: &[MoneyRow]) -> Vec<String> {
    money
        .iter()
        .filter_map(|((_, account, _, _), _)| match account {
            MoneyAccount::OfRecord(id) => Some(id.clone()),
            _ => None,
        })
        .collect()
}

/// The stored rows, record-only entries under their record's account, added up again.
pub fn with_accounts(money: Vec<MoneyRow>, accounts: &HashMap<String, String>) -> Vec<MoneyTotal> {
    type RowKey = (Option<String>, Option<String>, &'static str, bool);
    let mut rows: BTreeMap<RowKey, MoneySums> = BTreeMap::new();
    for ((agency, account, class, moved), s) in money {
        let account = match account {
            MoneyAccount::Credited(a) => Some(a),
            MoneyAccount::OfRecord(id) => accounts.get(&id).cloned(),
            MoneyAccount::Unknown => None,
        };
        let row = rows.entry((agency, account, class, moved)).or_default();
        row.entries += s.entries;
        row.amount_vnd += s.amount_vnd;
        row.bank_vnd += s.bank_vnd;
        row.payhub_vnd += s.payhub_vnd;
    }
    rows.into_iter()
        .map(|((agency_code, account, class, moved), s)| MoneyTotal {
            agency_code,
            account,
            class: class.to_owned(),
            moved,
            entries: s.entries,
            amount_vnd: s.amount_vnd,
            bank_vnd: s.bank_vnd,
            payhub_vnd: s.payhub_vnd,
        })
        .collect()
}
