//! Bank incidents, detected from what PayHub saw rather than typed in (messages.md §2, "the bank
//! incidents of the day"): a period in which a bank's payment starts, callbacks or queries
//! failed or stopped coming beyond its normal rate.
//!
//! Every call is a [`Signal`]: a start the bank did or did not take, a query it did or did not
//! answer, a payment whose callback came in time or late or never. Per bank, a window of
//! [`WINDOW`] opening at a failure is beyond the normal rate when at least [`MIN_FAILURES`] of
//! its signals failed and they are at least half of them. A bank answers nearly every call
//! (a citizen's decline is an answer, not a failure), so a failing half is not noise. Failures
//! of such windows at most two windows apart are one incident, from its first failure to the
//! bank's first success on a channel that failed; with no such success, it ends at its last
//! failure once the bank has been quiet for [`QUIET`], and lasts until then.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::bank::BankCode;

pub const WINDOW: Duration = Duration::minutes(5);
pub const MIN_FAILURES: usize = 3;
/// With no success after the last failure, the incident is over once the bank has been quiet
/// this long (nobody paid through it, or it works and nobody tried).
pub const QUIET: Duration = Duration::minutes(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Start,
    Callback,
    Query,
}

/// One call of a bank as PayHub saw it.
#[derive(Debug, Clone)]
pub struct Signal {
    pub bank: BankCode,
    pub channel: Channel,
    pub at: DateTime<Utc>,
    pub ok: bool,
    pub order_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub bank: BankCode,
    pub started_at: DateTime<Utc>,
    /// `None` while it lasts.
    pub ended_at: Option<DateTime<Utc>>,
    pub last_failure_at: DateTime<Utc>,
    /// What failed: starts, callbacks, queries.
    pub channels: Vec<Channel>,
    pub failures: usize,
    /// The orders whose calls failed in it, sorted.
    pub orders: Vec<String>,
}

impl Incident {
    pub fn is_ongoing(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// The incidents in `signals`, as known at `as_of`, ordered by bank then start.
pub fn detect(signals: &[Signal], as_of: DateTime<Utc>) -> Vec<Incident> {
    let mut by_bank: BTreeMap<&str, Vec<&Signal>> = BTreeMap::new();
    for s in signals {
        by_bank.entry(s.bank.as_str()).or_default().push(s);
    }
    let mut incidents = Vec::new();
    for mut of_bank in by_bank.into_values() {
        of_bank.sort_by_key(|s| s.at);
        let marked = in_bursts(&of_bank);
        let mut group: Vec<&Signal> = Vec::new();
        for (&s, _) in of_bank.iter().zip(&marked).filter(|(_, m)| **m) {
            if group.last().is_some_and(|last| s.at - last.at > WINDOW * 2) {
                incidents.push(incident(&of_bank, &group, as_of));
                group.clear();
            }
            group.push(s);
        }
        if !group.is_empty() {
            incidents.push(incident(&of_bank, &group, as_of));
        }
    }
    incidents
}

/// Marks each failure that lies in a bad window: one of [`WINDOW`] opening at a failure, with
/// at least [`MIN_FAILURES`] failures that are at least half its signals. One pass with two
/// ends, so a day of calls is read once.
fn in_bursts(signals: &[&Signal]) -> Vec<bool> {
    let mut marked = vec![false; signals.len()];
    let (mut end, mut failed, mut marked_to) = (0, 0usize, 0);
    for (i, s) in signals.iter().enumerate() {
        while end < signals.len() && signals[end].at < s.at + WINDOW {
            failed += usize::from(!signals[end].ok);
            end += 1;
        }
        let all = end - i;
        if !s.ok && failed >= MIN_FAILURES && failed * 2 >= all {
            let from = marked_to.max(i);
            for (m, s) in marked[from..end].iter_mut().zip(&signals[from..end]) {
                *m = !s.ok;
            }
            marked_to = end;
        }
        failed -= usize::from(!s.ok);
    }
    marked
}

/// An incident of `failures` (in time order): it ends at the first success after its last
/// failure on a channel that failed in it (a query answered says nothing of callbacks).
fn incident(signals: &[&Signal], failures: &[&Signal], as_of: DateTime<Utc>) -> Incident {
    let started_at = failures[0].at;
    let last_failure_at = failures[failures.len() - 1].at;
    let channels: BTreeSet<Channel> = failures.iter().map(|s| s.channel).collect();
    let recovered = signals
        .iter()
        .find(|s| s.ok && s.at > last_failure_at && channels.contains(&s.channel))
        .map(|s| s.at);
    let ended_at =
        recovered.or_else(|| (as_of - last_failure_at >= QUIET).then_some(last_failure_at));
    let orders: BTreeSet<&str> = failures.iter().map(|s| s.order_id.as_str()).collect();
    Incident {
        bank: failures[0].bank,
        started_at,
        ended_at,
        last_failure_at,
        channels: channels.into_iter().collect(),
        failures: failures.len(),
        orders: orders.into_iter().map(str::to_owned).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(minute)
    }

    fn signal(minute: i64, ok: bool, order: &str) -> Signal {
        Signal {
            bank: BankCode::Vcb,
            channel: Channel::Start,
            at: at(minute),
            ok,
            order_id: order.into(),
        }
    }

    #[test]
    fn scattered_failures_are_the_normal_rate_not_an_incident() {
        let signals: Vec<_> = (0..60)
            .map(|m| signal(m, m % 7 != 0, &format!("o{m}")))
            .collect();
        assert!(detect(&signals, at(60)).is_empty());
    }

    #[test]
    fn a_run_of_failures_is_one_incident_until_the_bank_answers_again() {
        let mut signals = vec![signal(0, true, "a")];
        signals.extend((10..22).map(|m| signal(m, false, &format!("f{m}"))));
        signals.push(signal(23, true, "b"));
        let found = detect(&signals, at(60));
        assert_eq!(found.len(), 1, "{found:?}");
        let i = &found[0];
        assert_eq!((i.started_at, i.ended_at), (at(10), Some(at(23))));
        assert_eq!((i.failures, i.orders.len()), (12, 12));
    }

    #[test]
    fn an_incident_without_a_success_since_lasts_until_the_bank_is_quiet() {
        let signals: Vec<_> = (0..4).map(|m| signal(m, false, "o")).collect();
        assert!(detect(&signals, at(10))[0].is_ongoing());
        assert_eq!(detect(&signals, at(20))[0].ended_at, Some(at(3)));
        assert_eq!(detect(&signals, at(10))[0].orders, ["o"]);
    }
}
