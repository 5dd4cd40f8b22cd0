//! A run's summary (count and sum per class, and per agency and class) and the names finance
//! staff read, shared by the API, the CLI and the reports.

use std::collections::{BTreeMap, HashMap};

use payhub_money::Vnd;
use reconciliation::Class;
use serde::Serialize;
use serde_json::{json, Value};

use super::money;
use crate::store::reconciliation::{Discrepancy, MoneyTotal, Run, Total};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct ClassTally {
    pub class: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub sum: Vnd,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgencyTally {
    pub agency_code: Option<String>,
    pub class: String,
    pub count: i64,
    pub sum: Vnd,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub run: Run,
    /// What the bank credited, what PayHub recorded as paid, and the difference.
    pub totals: money::Totals,
    /// Entries where neither side moved money: counted apart, in no sum.
    pub no_money_moved: money::NoMoney,
    /// Count and sum per class of the entries that moved money.
    pub by_class: Vec<ClassTally>,
    pub by_agency: Vec<AgencyTally>,
    /// Per agency (with its name) and beneficiary account: the same totals.
    pub agencies: Vec<money::AgencyMoney>,
}

/// Every class in the engine's report order, zeros included, the per-agency rows, and the
/// money tied out. A run stored before its money was (migration 0013) has no money rows: its
/// class tallies are the engine's, declined attempts included, as they were reported then.
pub fn summarize(
    run: Run,
    totals: &[Total],
    money_rows: &[MoneyTotal],
    names: &HashMap<String, String>,
) -> Summary {
    let moved: Vec<Total> = if money_rows.is_empty() {
        totals.to_vec()
    } else {
        moved_totals(money_rows)
    };
    let by_class = Class::ALL
        .into_iter()
        .map(|class| {
            let of_class = moved.iter().filter(|t| t.class == class.as_str());
            ClassTally {
                class: class.as_str(),
                label: label(class.as_str()),
                count: of_class.clone().map(|t| t.entries).sum(),
                sum: Vnd::checked_sum(of_class.map(|t| t.sum)).unwrap_or(Vnd::ZERO),
            }
        })
        .collect();
    let by_agency = moved
        .iter()
        .map(|t| AgencyTally {
            agency_code: t.agency_code.clone(),
            class: t.class.clone(),
            count: t.entries,
            sum: t.sum,
        })
        .collect();
    let (run_totals, no_money_moved, agencies) = money::tie_out(money_rows, names);
    Summary {
        run,
        totals: run_totals,
        no_money_moved,
        by_class,
        by_agency,
        agencies,
    }
}

/// The summary of run `run_id` as stored, `None` when there is no such run.
pub async fn load(store: &Store, run_id: i64) -> Result<Option<Summary>, StoreError> {
    let Some(run) = store.run(run_id).await? else {
        return Ok(None);
    };
    let totals = store.run_totals(run_id).await?;
    let money_rows = store.run_money(run_id).await?;
    let names = store.agency_names().await?;
    Ok(Some(summarize(run, &totals, &money_rows, &names)))
}

/// Count and sum per (agency, class) of the entries that moved money, sorted like the engine's
/// tallies (agency, then class in report order).
fn moved_totals(rows: &[MoneyTotal]) -> Vec<Total> {
    let rank = |class: &str| Class::ALL.iter().position(|c| c.as_str() == class);
    type Key = (Option<String>, Option<usize>, String);
    let mut sums: BTreeMap<Key, (i64, i64)> = BTreeMap::new();
    for m in rows.iter().filter(|m| m.moved) {
        let key = (m.agency_code.clone(), rank(&m.class), m.class.clone());
        let sum = sums.entry(key).or_default();
        sum.0 += m.entries;
        sum.1 += m.amount_vnd;
    }
    sums.into_iter()
        .map(|((agency_code, _, class), (entries, sum))| Total {
            class,
            agency_code,
            entries,
            sum: Vnd::from_dong(sum).unwrap_or(Vnd::ZERO),
        })
        .collect()
}

/// The Vietnamese name of a class, for reports (statements.md's table, in the staff's words).
pub fn label(class: &str) -> &'static str {
    match class {
        "matched" => "Khớp",
        "missing_in_payhub" => "Ngân hàng có, PayHub chưa ghi nhận",
        "missing_at_bank" => "PayHub có, ngân hàng không có",
        "amount_mismatch" => "Lệch số tiền",
        "status_mismatch" => "Lệch trạng thái",
        "duplicate_payment" => "Thanh toán trùng",
        "wrong_beneficiary" => "Sai tài khoản thụ hưởng",
        "cutoff_shift" => "Lệch ngày (giao dịch sát nửa đêm)",
        "unidentified_credit" => "Tiền chuyển đến chưa xác định hồ sơ",
        _ => "Khác",
    }
}

/// The CLI's summary: one line per class, count and sum.
pub fn to_text(summary: &Summary) -> String {
    let run = &summary.run;
    let mut out = format!(
        "run #{} {} {} ({}): {} statement lines, {} PayHub records\n",
        run.id, run.bank, run.business_date, run.status, run.statement_lines, run.payhub_records
    );
    out.push_str(&format!(
        "{:<20} {:>8} {:>20}\n",
        "class", "count", "sum (VND)"
    ));
    for t in &summary.by_class {
        out.push_str(&format!(
            "{:<20} {:>8} {:>20}\n",
            t.class,
            t.count,
            t.sum.to_vietnamese()
        ));
    }
    let t = &summary.totals;
    out.push_str(&format!(
        "no money moved: {} (declined, cancelled; in no sum)\n\
         bank credited {} / PayHub recorded {} / difference {} (VND)\n",
        summary.no_money_moved.count, t.bank_credited, t.payhub_recorded, t.difference
    ));
    out
}

/// A discrepancy for the API: the bank's side and PayHub's side apart, money as strings of
/// digits (api.md, Conventions), and the stored detail as JSON.
pub fn discrepancy_json(d: &Discrepancy) -> Value {
    let f = &d.facts;
    let money = |v: Option<i64>| v.map(|v| v.to_string());
    let bank = f.line_no.map(|line_no| {
        json!({"line_no": line_no, "amount": money(f.bank_amount_vnd), "status": f.bank_status,
            "at": f.bank_at, "credited_account": f.credited_account})
    });
    let payhub = f.payment_ref.as_ref().map(|payment_ref| {
        json!({"ref": payment_ref, "amount": money(f.payhub_amount_vnd), "status": f.payhub_status,
            "at": f.payhub_at, "expected_accounts": f.expected_accounts})
    });
    json!({
        "id": d.id, "run_id": d.run_id, "class": f.class, "label": label(&f.class),
        "agency_code": f.agency_code, "reference": f.reference, "bank_txn_id": f.bank_txn_id,
        "order_id": f.order_id, "amount": f.amount_vnd.to_string(), "bank": bank, "payhub": payhub,
        "money": {"bank_credited": f.bank_money_vnd.to_string(),
            "payhub_recorded": f.payhub_money_vnd.to_string(),
            "difference": (f.bank_money_vnd - f.payhub_money_vnd).to_string()},
        "detail": serde_json::from_str::<Value>(&f.detail_json).unwrap_or(Value::Null),
        "resolved_at": d.resolved_at, "resolved_by": d.resolved_by, "note": d.note,
    })
}
