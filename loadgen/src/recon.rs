//! B3's data and PayHub's side of it: a generated business day (the engine's own seeded
//! generator, 1% of lines in the 28 discrepancy scenarios) written as three CSV files that
//! DuckDB reads too, and a run of the engine over them.
//!
//! `lines.csv`, `records.csv` and `accounts.csv` hold exactly the engine's input fields, so
//! both contenders start from the same bytes; none of the generated ids contain a comma.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context};
use reconciliation::gen::{generate, DaySpec};
use reconciliation::{
    reconcile, AccountHistory, AccountSetting, BusinessDay, Class, FeeKind, FeeKinds, LineKind,
    LineStatus, Record, RecordKind, RecordStatus, RunInput, SettingKind, StatementLine,
};
use serde_json::{json, Value};

/// The generator's day (`DaySpec::typical`).
fn the_day() -> BusinessDay {
    BusinessDay::from_date(2026, 5, 30).expect("a real date")
}

/// Writes the three files for a day of about `lines` statement lines; checks first that the
/// engine reports what the generator expects, so the data is known-good.
pub fn write_day(lines: usize, dir: &Path) -> anyhow::Result<Value> {
    let day = generate(&DaySpec::typical(42, lines));
    if let Err(problems) = day.check(&reconcile(&day.input)?) {
        bail!(
            "the generated day is not as expected: {:?}",
            &problems[..3.min(problems.len())]
        );
    }
    fs::create_dir_all(dir)?;
    let input = &day.input;
    let mut out = String::from(
        "line_no,bank_txn_id,reference,amount,kind,status,at,credited_to,original_txn_id\n",
    );
    for l in &input.lines {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            l.line_no,
            l.bank_txn_id,
            l.reference,
            l.amount.dong(),
            line_kind(l.kind),
            line_status(l.status),
            l.at,
            l.credited_to.as_deref().unwrap_or(""),
            l.original_txn_id.as_deref().unwrap_or("")
        );
    }
    fs::write(dir.join("lines.csv"), &out)?;
    out = String::from("payment_id,order_id,agency_code,procedure_code,fee_kinds,reference,bank_txn_id,amount,kind,status,paid_at\n");
    for r in &input.records {
        let kinds: Vec<&str> = r.fee_kinds.iter().map(fee_kind).collect();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{}",
            r.payment_id,
            r.order_id,
            r.agency_code,
            r.procedure_code.as_deref().unwrap_or(""),
            kinds.join("|"),
            r.reference,
            r.bank_txn_id.as_deref().unwrap_or(""),
            r.amount.dong(),
            record_kind(r.kind),
            record_status(r.status),
            r.paid_at
        );
    }
    fs::write(dir.join("records.csv"), &out)?;
    out = String::from("agency_code,fee_kind,procedure_code,account,effective_from\n");
    for s in input.accounts.settings() {
        let _ = writeln!(
            out,
            "{},{},{},{},{}",
            s.agency_code,
            setting_kind(s.fee_kind),
            s.procedure_code.as_deref().unwrap_or(""),
            s.account,
            s.effective_from
        );
    }
    fs::write(dir.join("accounts.csv"), &out)?;
    Ok(
        json!({"lines": input.lines.len(), "records": input.records.len(),
              "settings": input.accounts.settings().len()}),
    )
}

/// Reads the three files, reconciles, and reports the time of each stage, the class tallies
/// and the process's resident memory around the engine (`/proc/self/status`).
pub fn run_engine(dir: &Path) -> anyhow::Result<Value> {
    let started = Instant::now();
    let input = read_day(dir)?;
    let loaded = started.elapsed();
    let rss_before = proc_status_kb("VmRSS");
    let t = Instant::now();
    let report = reconcile(&input)?;
    let engine = t.elapsed();
    let hwm_after = proc_status_kb("VmHWM");
    let tallies: serde_json::Map<String, Value> = Class::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), json!(report.tally(*c).count)))
        .collect();
    let lines = input.lines.len();
    Ok(json!({
        "lines": lines, "records": input.records.len(),
        "load_s": loaded.as_secs_f64(), "engine_s": engine.as_secs_f64(),
        "engine_lines_per_s": (lines as f64 / engine.as_secs_f64()).round(),
        "engine_ns_per_line": (engine.as_nanos() as f64 / lines as f64).round(),
        "rss_before_engine_kb": rss_before, "hwm_after_engine_kb": hwm_after,
        "classes": tallies,
    }))
}

fn proc_status_kb(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn read_day(dir: &Path) -> anyhow::Result<RunInput> {
    let lines = read_csv(&dir.join("lines.csv"), 9, parse_line)?;
    let records = read_csv(&dir.join("records.csv"), 11, parse_record)?;
    let settings = read_csv(&dir.join("accounts.csv"), 5, parse_setting)?;
    Ok(RunInput::new(
        the_day(),
        lines,
        records,
        AccountHistory::new(settings),
    ))
}

fn read_csv<T>(
    path: &Path,
    columns: usize,
    parse: impl Fn(&[&str]) -> Option<T>,
) -> anyhow::Result<Vec<T>> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut rows = Vec::with_capacity(text.len() / 64);
    let mut fields = Vec::with_capacity(columns);
    for (n, line) in text.lines().enumerate().skip(1) {
        fields.clear();
        fields.extend(line.split(','));
        let row = (fields.len() == columns)
            .then(|| parse(&fields))
            .flatten()
            .with_context(|| format!("{} line {}: {line}", path.display(), n + 1))?;
        rows.push(row);
    }
    Ok(rows)
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

fn vnd(s: &str) -> Option<payhub_money::Vnd> {
    payhub_money::Vnd::from_dong(s.parse().ok()?).ok()
}

fn parse_line(f: &[&str]) -> Option<StatementLine> {
    Some(StatementLine {
        line_no: f[0].parse().ok()?,
        bank_txn_id: f[1].to_owned(),
        reference: f[2].to_owned(),
        amount: vnd(f[3])?,
        kind: match f[4] {
            "payment" => LineKind::Payment,
            "refund" => LineKind::Refund,
            _ => return None,
        },
        status: match f[5] {
            "paid" => LineStatus::Paid,
            "refunded" => LineStatus::Refunded,
            "failed" => LineStatus::Failed,
            "other" => LineStatus::Other,
            _ => return None,
        },
        at: f[6].parse().ok()?,
        credited_to: opt(f[7]),
        original_txn_id: opt(f[8]),
    })
}

fn parse_record(f: &[&str]) -> Option<Record> {
    let kinds: Option<Vec<FeeKind>> = f[4]
        .split('|')
        .filter(|k| !k.is_empty())
        .map(|k| FeeKind::ALL.into_iter().find(|x| fee_kind(*x) == k))
        .collect();
    Some(Record {
        payment_id: f[0].to_owned(),
        order_id: f[1].to_owned(),
        agency_code: f[2].to_owned(),
        procedure_code: opt(f[3]),
        fee_kinds: FeeKinds::of(&kinds?),
        reference: f[5].to_owned(),
        bank_txn_id: opt(f[6]),
        amount: vnd(f[7])?,
        kind: match f[8] {
            "payment" => RecordKind::Payment,
            "refund" => RecordKind::Refund,
            _ => return None,
        },
        status: [
            RecordStatus::Pending,
            RecordStatus::Paid,
            RecordStatus::Refunded,
            RecordStatus::PartiallyRefunded,
            RecordStatus::Duplicate,
            RecordStatus::Failed,
        ]
        .into_iter()
        .find(|s| record_status(*s) == f[9])?,
        paid_at: f[10].parse().ok()?,
    })
}

fn parse_setting(f: &[&str]) -> Option<AccountSetting> {
    Some(AccountSetting {
        agency_code: f[0].to_owned(),
        fee_kind: [
            SettingKind::Fee,
            SettingKind::Charge,
            SettingKind::Service,
            SettingKind::Any,
        ]
        .into_iter()
        .find(|k| setting_kind(*k) == f[1])?,
        procedure_code: opt(f[2]),
        account: f[3].to_owned(),
        effective_from: f[4].parse().ok()?,
    })
}

fn line_kind(k: LineKind) -> &'static str {
    match k {
        LineKind::Payment => "payment",
        LineKind::Refund => "refund",
    }
}

fn line_status(s: LineStatus) -> &'static str {
    match s {
        LineStatus::Paid => "paid",
        LineStatus::Refunded => "refunded",
        LineStatus::Failed => "failed",
        LineStatus::Other => "other",
    }
}

fn fee_kind(k: FeeKind) -> &'static str {
    match k {
        FeeKind::Fee => "fee",
        FeeKind::Charge => "charge",
        FeeKind::Service => "service",
    }
}

fn record_kind(k: RecordKind) -> &'static str {
    match k {
        RecordKind::Payment => "payment",
        RecordKind::Refund => "refund",
    }
}

fn record_status(s: RecordStatus) -> &'static str {
    match s {
        RecordStatus::Pending => "pending",
        RecordStatus::Paid => "paid",
        RecordStatus::Refunded => "refunded",
        RecordStatus::PartiallyRefunded => "partially_refunded",
        RecordStatus::Duplicate => "duplicate",
        RecordStatus::Failed => "failed",
    }
}

fn setting_kind(k: SettingKind) -> &'static str {
    match k {
        SettingKind::Fee => "fee",
        SettingKind::Charge => "charge",
        SettingKind::Service => "service",
        SettingKind::Any => "any",
    }
}
