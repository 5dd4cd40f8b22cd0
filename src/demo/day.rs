//! The day, visit after visit, with its progress on the terminal (a bar when stderr is one,
//! plain lines otherwise, e.g. in CI logs).

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::play::{self, dossier_code, order_body, Played};
use super::scenario::{Action, Fault, Visit, AGENCIES, CRIMINAL_RECORD, DAY};
use super::transfers::{self, Transfer, TRANSFERS};
use super::Demo;
use chrono::NaiveTime;

pub async fn play(demo: &Demo) -> anyhow::Result<Vec<Played>> {
    let citizens = DAY.len() + TRANSFERS.len();
    println!("\nPlaying {} ({citizens} citizens, GMT+7):", demo.day);
    let bar = ProgressBar::new(citizens as u64).with_style(
        ProgressStyle::with_template("  [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    // The visits at the banks' pages and the VietQR transfers, in time order.
    let mut steps: Vec<(NaiveTime, Step)> = DAY
        .iter()
        .map(|v| (v.time(), Step::Visit(v)))
        .chain(TRANSFERS.iter().map(|t| (t.time(), Step::Transfer(t))))
        .collect();
    steps.sort_by_key(|(time, _)| *time);
    let mut played = Vec::with_capacity(citizens);
    for (n, (time, step)) in steps.into_iter().enumerate() {
        demo.move_clock_to(time);
        let (citizen, line, outcome) = match step {
            Step::Visit(visit) => {
                let outcome = play::play_visit(demo, n + 1, visit).await?;
                (visit.citizen, describe(visit, &outcome), outcome)
            }
            Step::Transfer(t) => {
                let outcome = transfers::play_transfer(demo, n + 1, t).await?;
                (t.citizen, t.describe(&outcome), outcome)
            }
        };
        bar.set_message(citizen);
        if bar.is_hidden() {
            println!("{line}");
        } else {
            bar.println(line);
        }
        bar.inc(1);
        played.push(outcome);
    }
    bar.finish_and_clear();
    Ok(played)
}

enum Step {
    Visit(&'static Visit),
    Transfer(&'static Transfer),
}

/// `  09:30  Hoàng Minh Đức       vcb     1.023.000 ₫  paid  (…)`
fn describe(visit: &Visit, played: &Played) -> String {
    let (h, m) = visit.at;
    format!(
        "  {h:02}:{m:02}  {:<18} {:<6} {:>12}  {:<9} {}",
        visit.citizen,
        visit.bank.as_str(),
        visit.procedure.total().to_vietnamese(),
        played.status,
        what_happened(visit)
    )
}

fn what_happened(visit: &Visit) -> String {
    let action = match visit.action {
        Action::Approve => "",
        Action::Decline => "declined by the bank",
        Action::Cancel => "cancelled at the bank",
    };
    let fault = match visit.fault {
        Fault::None => String::new(),
        Fault::DuplicateCallbacks => "callback sent 3 times at once".into(),
        Fault::LostCallback => "callback lost".into(),
        Fault::WrongAmount(dong) => format!("bank debited {dong} đ instead"),
        Fault::WrongAccount(account) => format!("bank credited account {account}"),
        Fault::PaidAfterExpiry => "paid after the order expired".into(),
        Fault::PaidTwice => "citizen debited twice".into(),
        Fault::CancelledByPortal => "order cancelled by the dossier system".into(),
    };
    [action, &fault]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

/// An order nobody has paid yet, for the person trying the demo; returns its checkout URL.
pub async fn fresh_order(demo: &Demo) -> anyhow::Result<String> {
    let visit = Visit {
        at: (17, 30),
        citizen: "Nguyễn Văn A",
        procedure: &CRIMINAL_RECORD,
        bank: bank_adapters::BankCode::Vcb,
        action: Action::Approve,
        fault: Fault::None,
    };
    let dossier = dossier_code(AGENCIES[0].code, demo.day, DAY.len() + TRANSFERS.len() + 1);
    let mut body = order_body(demo, &visit, &dossier);
    body["expires_in_minutes"] = Value::from(24 * 60);
    let order = demo.create_order(&dossier, &body).await?;
    Ok(order["checkout_url"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}
