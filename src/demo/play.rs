//! Playing one citizen's visit through the real HTTP flows: the dossier system creates the order,
//! the citizen chooses a bank on the checkout page, presses a button on the bank's page and
//! lands on PayHub's result page; the bank calls back on its own.

use std::time::Duration;

use anyhow::{anyhow, ensure, Context};
use bank_adapters::simulator::{CallbackState, Controls, Faults, Transaction};
use chrono::NaiveDate;
use payhub_money::Vnd;
use serde_json::{json, Value};

use super::scenario::{Action, Fault, Visit, AGENCIES};
use super::Demo;

/// Minutes a demo order stays payable; the late payer's is the shortest api.md allows.
const EXPIRES_IN: i64 = 30;
const LATE_EXPIRES_IN: i64 = 5;

/// What became of one visit.
pub struct Played {
    pub order_id: String,
    /// The order's status once the bank's callbacks are done.
    pub status: String,
}

/// `000.00.12.H26-261123-0007`: the agency, the day, the visit's number.
pub fn dossier_code(agency: &str, day: NaiveDate, n: usize) -> String {
    format!("{agency}-{}-{n:04}", day.format("%y%m%d"))
}

/// The order a dossier system sends for `visit`.
pub fn order_body(demo: &Demo, visit: &Visit, dossier: &str) -> Value {
    let procedure = visit.procedure;
    let items: Vec<Value> = procedure
        .items
        .iter()
        .map(|(kind, code, name, amount)| {
            json!({"kind": kind, "code": code, "name": name, "amount": amount.to_string()})
        })
        .collect();
    let expires = if visit.fault == Fault::PaidAfterExpiry {
        LATE_EXPIRES_IN
    } else {
        EXPIRES_IN
    };
    json!({"dossier_code": dossier, "procedure_code": procedure.code,
        "procedure_name": procedure.name, "agency_code": AGENCIES[procedure.agency].code,
        "payer": {"name": visit.citizen, "id_number": "001090012345", "phone": "0912345678",
                  "email": null},
        "items": items, "return_url": format!("{}/dossiers/{dossier}", demo.portal_url),
        "expires_in_minutes": expires})
}

pub async fn play_visit(demo: &Demo, n: usize, visit: &Visit) -> anyhow::Result<Played> {
    let agency = AGENCIES[visit.procedure.agency].code;
    let dossier = dossier_code(agency, demo.day, n);
    let order = demo
        .create_order(&dossier, &order_body(demo, visit, &dossier))
        .await?;
    let id = order["id"].as_str().context("order id")?.to_owned();
    if visit.fault == Fault::CancelledByPortal {
        demo.portal_post(&format!("/api/v1/orders/{id}/cancel"))
            .await?;
        return demo.played(id).await;
    }
    let page = demo.choose_bank(&id, visit.bank.as_str()).await?;
    let html = demo.client.get(&page).send().await?.text().await?;
    let reference = element_text(&html, "reference").context("the bank page's reference")?;
    let bank = demo.banks_controls(visit.bank);
    bank.fault_reference(&reference, faults(visit.fault)?);
    if visit.fault == Fault::PaidAfterExpiry {
        // The citizen leaves the bank's page open past the order's expiry.
        demo.move_clock_by(chrono::Duration::minutes(LATE_EXPIRES_IN + 1));
        demo.expire_due_orders().await?;
    }
    let back = press(demo, &page, &html, visit.action).await?;
    // With a lost callback the citizen closes the tab at the bank: PayHub's result page would
    // have asked the bank and found the payment (README, "The citizen's way forward"), and the
    // day is to show reconciliation finding it instead.
    if visit.fault != Fault::LostCallback {
        demo.client.get(&back).send().await?.error_for_status()?;
    }
    let debits = match (visit.action, visit.fault) {
        (Action::Approve, Fault::PaidTwice) => 2,
        (Action::Approve, _) => 1,
        _ => 0,
    };
    wait_for_callbacks(bank, &reference, debits).await?;
    demo.played(id).await
}

fn faults(fault: Fault) -> anyhow::Result<Faults> {
    let faults = Faults::default();
    Ok(match fault {
        Fault::None | Fault::PaidAfterExpiry | Fault::CancelledByPortal => faults,
        Fault::DuplicateCallbacks => faults.copies(3).concurrent(),
        Fault::LostCallback => faults.drop_callback(),
        Fault::WrongAmount(dong) => faults.wrong_amount(Vnd::from_dong(dong)?),
        Fault::WrongAccount(account) => faults.wrong_account(account),
        Fault::PaidTwice => faults.paid_twice(),
    })
}

/// Submits the bank page's form with the citizen's button; returns where the bank sends the
/// browser (PayHub's `/return/{bank}`).
pub(super) async fn press(
    demo: &Demo,
    page: &str,
    html: &str,
    action: Action,
) -> anyhow::Result<String> {
    let start = html
        .find("action=\"")
        .context("a form on the bank's page")?
        + 8;
    let path = &html[start..start + html[start..].find('"').context("form action")?];
    let origin: String = page.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let done = demo
        .client
        .post(format!("{origin}{path}"))
        .form(&[("action", action.form_value())])
        .send()
        .await?;
    ensure!(done.status() == 303, "the bank answered {}", done.status());
    location(&done)
}

pub fn location(response: &reqwest::Response) -> anyhow::Result<String> {
    let location = response
        .headers()
        .get("location")
        .ok_or_else(|| anyhow!("{} gave no redirect", response.url()))?;
    Ok(location.to_str()?.to_owned())
}

/// The text of `<… id="{id}">text<`, as the simulators' pages write it.
fn element_text(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\">");
    let start = html.find(&marker)? + marker.len();
    let end = start + html[start..].find('<')?;
    Some(html[start..end].to_owned())
}

/// Waits until the bank has booked `debits` payments of `reference` and finished calling back
/// about each: PayHub has then applied (or refused) every callback.
async fn wait_for_callbacks(bank: &Controls, reference: &str, debits: usize) -> anyhow::Result<()> {
    let done = |all: &[Transaction]| {
        let mine: Vec<&Transaction> = all.iter().filter(|t| t.reference == reference).collect();
        let paid = mine.iter().filter(|t| t.bank_txn_id.is_some()).count();
        paid >= debits
            && mine.iter().all(|t| {
                !matches!(
                    t.callback.state,
                    CallbackState::Delivering | CallbackState::Held
                )
            })
    };
    ensure!(
        bank.wait_until(Duration::from_secs(30), done).await,
        "the bank's callbacks for {reference} did not finish within 30 s"
    );
    Ok(())
}
