//! A run's summary (count and sum per class, and per agency and class) and the names finance
//! staff read, shared by the API, the CLI and the reports.

use payhub_money::Vnd;
use reconciliation::Class;
use serde::Serialize;
use serde_json::{json, Value};

use crate::store::reconciliation::{Discrepancy, Run, Total};

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
    pub by_class: Vec<ClassTally>,
    pub by_agency: Vec<AgencyTally>,
}

/// Every class in the engine's report order, zeros included, and the stored per-agency rows.
pub fn summarize(run: Run, totals: &[Total]) -> Summary {
    let by_class = Class::ALL
        .into_iter()
        .map(|class| {
            let of_class = totals.iter().filter(|t| t.class == class.as_str());
            ClassTally {
                class: class.as_str(),
                label: label(class.as_str()),
                count: of_class.clone().map(|t| t.entries).sum(),
                sum: Vnd::checked_sum(of_class.map(|t| t.sum)).unwrap_or(Vnd::ZERO),
            }
        })
        .collect();
    let by_agency = totals
        .iter()
        .map(|t| AgencyTally {
            agency_code: t.agency_code.clone(),
            class: t.class.clone(),
            count: t.entries,
            sum: t.sum,
        })
        .collect();
    Summary {
        run,
        by_class,
        by_agency,
    }
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
        "detail": serde_json::from_str::<Value>(&f.detail_json).unwrap_or(Value::Null),
        "resolved_at": d.resolved_at, "resolved_by": d.resolved_by, "note": d.note,
    })
}
