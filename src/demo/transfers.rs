//! The day's VietQR payments (vietqr.md): citizens scan PayHub's code with their own banking
//! app and transfer to the agency's account at Vietcombank, which notifies PayHub of the credit.
//! One app adds the bank's prefix and the citizen's name to the content, one notification is
//! lost (reconciliation recovers it from the statement), and one citizen types a content of
//! their own that names no order: money reconciliation reports as `unidentified_credit`.

use std::time::Duration;

use anyhow::{ensure, Context};
use bank_adapters::simulator::{CallbackState, Faults};
use bank_adapters::BankCode;
use chrono::NaiveTime;
use payhub_money::Vnd;
use reconciliation::Class;

use super::play::{dossier_code, order_body, Played};
use super::scenario::{
    Action, Fault, Procedure, Visit, AGENCIES, BUILDING_PERMIT, CIVIL_STATUS_EXTRACT,
    CRIMINAL_RECORD, PASSPORT,
};
use super::Demo;

/// What the transfer carries as its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// As in the code: `PH <reference>`.
    AsShown,
    /// Edited by the app and the citizen: `{ref}` stands for the reference.
    Edited(&'static str),
    /// The citizen's own words, naming no order.
    Unnamed(&'static str),
}

/// One citizen paying by VietQR.
pub struct Transfer {
    pub at: (u32, u32),
    pub citizen: &'static str,
    pub procedure: &'static Procedure,
    pub content: Content,
    /// The bank's credit notification never reaches PayHub.
    pub lost: bool,
}

/// Every demo agency's VietQR account is its Vietcombank one (VCB is offered first).
pub const BANK: BankCode = BankCode::Vcb;

#[rustfmt::skip]
pub const TRANSFERS: [Transfer; 4] = [
    transfer((9, 15), "Nguyễn Thị Thu", &CRIMINAL_RECORD, Content::AsShown, false),
    transfer((10, 50), "Trần Văn Khải", &BUILDING_PERMIT, Content::Edited("MBVCB.8812345.ph {ref}.Tran Van Khai nop phi"), false),
    transfer((13, 40), "Lê Thị Hạnh", &PASSPORT, Content::AsShown, true),
    transfer((15, 10), "Phạm Văn Tâm", &CIVIL_STATUS_EXTRACT, Content::Unnamed("Phạm Văn Tâm chuyển tiền trích lục"), false),
];

const fn transfer(
    at: (u32, u32),
    citizen: &'static str,
    procedure: &'static Procedure,
    content: Content,
    lost: bool,
) -> Transfer {
    Transfer {
        at,
        citizen,
        procedure,
        content,
        lost,
    }
}

impl Transfer {
    pub fn time(&self) -> NaiveTime {
        NaiveTime::from_hms_opt(self.at.0, self.at.1, 0).expect("valid times of day")
    }

    /// The classes of its line and its attempt that moved money: a transfer PayHub saw is
    /// matched, a lost one is missing in PayHub (then recovered), and one that names no order is
    /// an unidentified credit (its attempt, never paid, moved no money and counts apart).
    pub fn expected(&self) -> Vec<(Class, Vnd)> {
        let total = self.procedure.total();
        match (self.content, self.lost) {
            (Content::Unnamed(_), _) => vec![(Class::UnidentifiedCredit, total)],
            (_, true) => vec![(Class::MissingInPayhub, total)],
            (_, false) => vec![(Class::Matched, total)],
        }
    }

    /// The order's status after the day: paid unless its money named no order.
    pub fn expected_paid(&self) -> bool {
        !matches!(self.content, Content::Unnamed(_))
    }

    fn as_visit(&self) -> Visit {
        Visit {
            at: self.at,
            citizen: self.citizen,
            procedure: self.procedure,
            bank: BANK,
            action: Action::Approve,
            fault: Fault::None,
        }
    }

    /// `  09:15  Nguyễn Thị Thu  vietqr  200.000 ₫  paid  (…)`
    pub fn describe(&self, played: &Played) -> String {
        let (h, m) = self.at;
        let what = match (self.content, self.lost) {
            (Content::Unnamed(text), _) => format!("content \"{text}\" names no order"),
            (_, true) => "credit notification lost".to_owned(),
            (Content::Edited(text), _) => format!("content arrived as \"{text}\""),
            (Content::AsShown, false) => String::new(),
        };
        format!(
            "  {h:02}:{m:02}  {:<18} {:<6} {:>12}  {:<9} {what}",
            self.citizen,
            "vietqr",
            self.procedure.total().to_vietnamese(),
            played.status,
        )
    }
}

/// The citizen chooses VietQR on the checkout page, reads the code on PayHub's page, and their
/// app pays it at Vietcombank over HTTP (the simulator's `POST /sim/vietqr`).
pub async fn play_transfer(demo: &Demo, n: usize, t: &Transfer) -> anyhow::Result<Played> {
    let visit = t.as_visit();
    let dossier = dossier_code(AGENCIES[t.procedure.agency].code, demo.day, n);
    let order = (demo.create_order(&dossier, &order_body(demo, &visit, &dossier))).await?;
    let id = order["id"].as_str().context("order id")?.to_owned();
    let page = demo.choose_bank(&id, "vietqr").await?;
    let html = demo
        .client
        .get(demo.url(&page))
        .send()
        .await?
        .text()
        .await?;
    let payload = text_of(&html, "vietqr-payload").context("the code's payload")?;
    let reference = page.rsplit('/').next().unwrap_or_default().to_owned();
    let bank = demo.banks_controls(BANK);
    if t.lost {
        bank.fault_reference(&reference, Faults::default().drop_callback());
    }
    let content = match t.content {
        Content::AsShown => None,
        Content::Edited(text) => Some(text.replace("{ref}", &reference.to_lowercase())),
        Content::Unnamed(text) => Some(text.to_owned()),
    };
    let mut form = vec![("payload", payload)];
    form.extend(content.map(|c| ("content", c)));
    let url = format!("{}/sim/vietqr", demo.banks.vcb.base_url());
    let paid = demo.client.post(url).form(&form).send().await?;
    ensure!(
        paid.status() == 200,
        "the app's transfer: {}",
        paid.status()
    );
    let txn = paid.text().await?;
    let done = |all: &[bank_adapters::simulator::Transaction]| {
        all.iter().any(|x| {
            x.bank_txn_id.as_deref() == Some(&*txn)
                && !matches!(
                    x.callback.state,
                    CallbackState::Delivering | CallbackState::Held
                )
        })
    };
    ensure!(
        bank.wait_until(Duration::from_secs(30), done).await,
        "the credit notification of {txn} did not finish within 30 s"
    );
    demo.played(id).await
}

fn text_of(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\">");
    let start = html.find(&marker)? + marker.len();
    let end = start + html[start..].find('<')?;
    Some(html[start..end].trim().to_owned())
}

/// The transfers' classes at their bank, as [`super::scenario::expected_totals`] counts visits.
pub fn add_expected(totals: &mut std::collections::BTreeMap<(BankCode, Class), (i64, Vnd)>) {
    for t in &TRANSFERS {
        for (class, amount) in t.expected() {
            let entry = totals.entry((BANK, class)).or_insert((0, Vnd::ZERO));
            entry.0 += 1;
            entry.1 = entry.1.checked_add(amount).expect("a day's sums fit");
        }
    }
}
