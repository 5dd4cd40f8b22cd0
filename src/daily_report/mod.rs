//! The daily operations report every ministry and province is owed before 17:00 (messages.md
//! §2): per agency group and day (GMT+7), what happened and what is still open, and the bank
//! incidents of the day. One report serves the API (JSON, XLSX), the pages, `payhub report
//! daily` and the scheduled email.
//!
//! A report of day D covers D from 00:00 GMT+7 until the end of D, or until the moment it is
//! made when D is today (`as_of`): the 16:00 email tells the day so far, and the same request
//! the next day tells the whole day. Each figure reads only that window (store `daily_report`).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

use crate::app::AppState;
use crate::clock::vietnam;
use crate::store::daily_report::Window;
use crate::store::StoreError;

pub mod cli;
pub mod figures;
pub mod incidents;
pub mod schedule;
pub mod text;
pub mod xlsx;

use figures::Tally;
pub use figures::{group_of, GroupReport};
use incidents::{Channel, Incident, Signal};

/// The group code of the national summary.
pub const NATIONAL: &str = "ALL";

#[derive(Debug, Clone, Serialize)]
pub struct DailyReport {
    pub date: NaiveDate,
    /// The report's figures are as of this moment (GMT+7).
    pub as_of: DateTime<FixedOffset>,
    /// The whole day is in it (it was made after the day ended).
    pub complete: bool,
    /// One entry per agency group, by group code.
    pub groups: Vec<GroupReport>,
    pub national: GroupReport,
    /// Every bank incident of the day, with the orders each touched.
    pub incidents: Vec<Incident>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0} has not begun yet in Vietnam")]
    Future(NaiveDate),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Day `date` in GMT+7, from its start to its end or to `now`.
pub fn window(date: NaiveDate, now: DateTime<Utc>) -> Result<Window, ReportError> {
    let start = date
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(vietnam())
        .single()
        .expect("GMT+7 has no gaps")
        .with_timezone(&Utc);
    if now < start {
        return Err(ReportError::Future(date));
    }
    let end = start + chrono::Duration::days(1);
    Ok(Window {
        from: start,
        to: end.min(now),
    })
}

/// The report of `date` as of now; `only_group` keeps one group (the national summary stays
/// the whole country's).
pub async fn daily_report(
    app: &AppState,
    date: NaiveDate,
    only_group: Option<&str>,
) -> Result<DailyReport, ReportError> {
    let w = window(date, app.clock.now())?;
    let store = &app.store;
    let attempts = store.day_attempts(w).await?;
    let payments = store.day_payments(w).await?;
    let queries = store.day_bank_queries(w).await?;
    let incidents = incidents::detect(&signals(&attempts, &payments, &queries), w.to);

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for code in store.agency_codes().await? {
        let tally = tallies.entry(group_of(&code)).or_default();
        tally.agencies.insert(code);
    }
    let mut national = Tally::default();
    let mut add = |agency: Option<&str>, f: &mut dyn FnMut(&mut Tally)| {
        f(&mut national);
        if let Some(code) = agency {
            let tally = tallies.entry(group_of(code)).or_default();
            tally.agencies.insert(code.to_owned());
            f(tally);
        }
    };
    let mut counts = store.day_order_counts(w).await?;
    counts.extend(store.day_refunds(w).await?);
    counts.extend(store.day_failed_notifications(w).await?);
    counts.extend(store.day_discrepancy_counts(w).await?);
    for c in &counts {
        add(c.agency_code.as_deref(), &mut |t| t.count(c));
    }
    for a in &attempts {
        add(Some(&a.agency_code), &mut |t| t.attempt(a));
    }
    for p in &payments {
        add(Some(&p.agency_code), &mut |t| t.payment(p));
    }
    for o in &store.open_discrepancies_at(w.to).await? {
        add(o.agency_code.as_deref(), &mut |t| t.open_discrepancies(o));
    }

    let agency_of: HashMap<&str, &str> = attempts
        .iter()
        .map(|a| (a.order_id.as_str(), a.agency_code.as_str()))
        .chain(
            payments
                .iter()
                .map(|p| (p.order_id.as_str(), p.agency_code.as_str())),
        )
        .collect();
    let touched_in = |group: &str, i: &Incident| {
        let of_group =
            |o: &String| agency_of.get(o.as_str()).map(|a| group_of(a)) == Some(group.to_owned());
        i.orders.iter().filter(|o| of_group(o)).count()
    };
    let groups = tallies
        .into_iter()
        .filter(|(group, _)| only_group.is_none_or(|g| *group == g))
        .map(|(group, t)| {
            let touched = |i: &Incident| touched_in(&group, i);
            t.finish(group.clone(), w.to, &incidents, touched)
        })
        .collect();
    Ok(DailyReport {
        date,
        as_of: w.to.with_timezone(&vietnam()),
        complete: w.to - w.from == chrono::Duration::days(1),
        groups,
        national: national.finish(NATIONAL.into(), w.to, &incidents, |i| i.orders.len()),
        incidents,
    })
}

/// Each bank call of the window as an incident signal: starts (the bank took it or not),
/// callbacks (in time, or late or never), queries (answered or not).
fn signals(
    attempts: &[crate::store::daily_report::StartedAttempt],
    payments: &[crate::store::daily_report::DayPayment],
    queries: &[crate::store::daily_report::BankQuery],
) -> Vec<Signal> {
    let starts = attempts.iter().map(|a| Signal {
        bank: a.bank,
        channel: Channel::Start,
        at: a.created_at,
        ok: !a.not_started,
        order_id: a.order_id.clone(),
    });
    let callbacks = payments.iter().map(|p| Signal {
        bank: p.bank,
        channel: Channel::Callback,
        at: p.paid_at,
        ok: p
            .first_callback_at
            .is_some_and(|at| at - p.paid_at <= figures::LATE_CALLBACK),
        order_id: p.order_id.clone(),
    });
    let asked = queries.iter().map(|q| Signal {
        bank: q.bank,
        channel: Channel::Query,
        at: q.asked_at,
        ok: q.answered,
        order_id: q.order_id.clone(),
    });
    starts.chain(callbacks).chain(asked).collect()
}

/// The incidents of today (GMT+7) so far, ongoing ones included: the incidents page.
pub async fn incidents_today(app: &AppState) -> Result<(Window, Vec<Incident>), ReportError> {
    let now = app.clock.now();
    let w = window(now.with_timezone(&vietnam()).date_naive(), now)?;
    let attempts = app.store.day_attempts(w).await?;
    let payments = app.store.day_payments(w).await?;
    let queries = app.store.day_bank_queries(w).await?;
    Ok((
        w,
        incidents::detect(&signals(&attempts, &payments, &queries), w.to),
    ))
}
