//! The end of the demo's day: each bank closes it, a finance officer's key runs reconciliation
//! for each bank through the API, and the summary is printed one row per bank and class.

use anyhow::{ensure, Context};
use bank_adapters::BankCode;
use payhub_money::Vnd;
use serde_json::{json, Value};

use super::Demo;

/// One bank's run as the API returned it.
pub struct BankRun {
    pub bank: BankCode,
    pub summary: Value,
}

pub async fn reconcile_day(demo: &Demo) -> anyhow::Result<Vec<BankRun>> {
    let mut runs = Vec::new();
    for bank in BankCode::ALL {
        runs.push(reconcile_bank(demo, bank).await?);
    }
    Ok(runs)
}

/// `bank` closes the day and a finance officer runs its reconciliation.
pub async fn reconcile_bank(demo: &Demo, bank: BankCode) -> anyhow::Result<BankRun> {
    demo.banks_controls(bank).close_day(demo.day);
    let body = json!({"bank": bank.as_str(), "date": demo.day.to_string()});
    let response = demo
        .client
        .post(demo.url("/api/v1/reconciliations"))
        .bearer_auth(&demo.keys.finance)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let summary: Value = response.json().await.context("the run's summary")?;
    ensure!(status == 201, "reconciling {bank}: {status} {summary}");
    Ok(BankRun { bank, summary })
}

/// `  vcb    amount_mismatch         1        923.000 ₫`: every class with a count, per bank.
pub fn summary_lines(runs: &[BankRun]) -> Vec<String> {
    let mut lines = Vec::new();
    for run in runs {
        for tally in run.summary["by_class"].as_array().into_iter().flatten() {
            let count = tally["count"].as_i64().unwrap_or(0);
            if count == 0 {
                continue;
            }
            let sum = tally["sum"]
                .as_str()
                .and_then(|s| Vnd::parse(s).ok())
                .map_or_else(|| "?".into(), Vnd::to_vietnamese);
            let class = tally["class"].as_str().unwrap_or("?");
            lines.push(format!(
                "  {:<6} {class:<18} {count:>5} {sum:>16}",
                run.bank.as_str()
            ));
        }
    }
    lines
}
