//! One agency group's figures of the day (messages.md §2), added up from the store's rows.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Serialize, Serializer};

use super::incidents::{Channel, Incident};
use crate::domain::bank::BankCode;
use crate::store::daily_report::{AgencyCount, DayPayment, OpenDiscrepancies, StartedAttempt};

/// messages.md §2: a callback "more than 5 minutes after the bank's payment time" is late.
pub const LATE_CALLBACK: Duration = Duration::minutes(5);

/// Money in JSON is a string of whole đồng (api.md, "Conventions").
fn dong<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OrderFigures {
    pub created: i64,
    pub paid: i64,
    #[serde(serialize_with = "dong")]
    pub paid_amount: i64,
    /// Payment attempts that did not succeed: declined or cancelled at the bank, or never
    /// started by it.
    pub failed: i64,
    pub cancelled: i64,
    pub expired: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BankFigures {
    pub bank: BankCode,
    pub paid: i64,
    #[serde(serialize_with = "dong")]
    pub amount: i64,
    /// Payments started at this bank (attempts), those that succeeded, and those it never
    /// started (its start call failed).
    pub started: i64,
    pub succeeded: i64,
    pub not_started: i64,
    /// `succeeded / started`, in percent with one decimal; `None` when nothing was started.
    pub success_rate_percent: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TimeToPay {
    pub median_seconds: Option<i64>,
    pub p95_seconds: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CallbackFigures {
    /// Came more than 5 minutes after the bank's payment time.
    pub late: i64,
    /// Never came: the payment was found by pending sync or reconciliation.
    pub never: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DiscrepancyFigures {
    pub opened: i64,
    pub resolved: i64,
    /// Open at the report's time, and the age of the oldest of them then.
    pub open: i64,
    pub oldest_open_age_seconds: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RefundFigures {
    pub requested: i64,
    #[serde(serialize_with = "dong")]
    pub amount: i64,
    pub succeeded: i64,
    pub pending: i64,
    pub failed: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct NotificationFigures {
    /// Given up after a day of retries.
    pub dead: i64,
    /// Failed at least once and still being retried.
    pub retrying: i64,
}

/// A bank incident as one group saw it: how many of its orders it touched.
#[derive(Debug, Clone, Serialize)]
pub struct GroupIncident {
    pub bank: BankCode,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub channels: Vec<Channel>,
    pub orders_touched: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// `Gxx` (a ministry), `Hxx` (a province), or `ALL` for the national summary.
    pub group: String,
    pub agencies: Vec<String>,
    pub orders: OrderFigures,
    pub banks: Vec<BankFigures>,
    pub time_to_pay: TimeToPay,
    pub callbacks: CallbackFigures,
    pub discrepancies: DiscrepancyFigures,
    pub refunds: RefundFigures,
    pub notifications_failed: NotificationFigures,
    pub incidents: Vec<GroupIncident>,
}

/// The figures of one group while they are being added up.
#[derive(Debug, Default)]
pub struct Tally {
    pub agencies: BTreeSet<String>,
    orders: OrderFigures,
    banks: BTreeMap<&'static str, (BankCode, [i64; 5])>,
    times_to_pay: Vec<i64>,
    callbacks: CallbackFigures,
    discrepancies: DiscrepancyFigures,
    oldest_open: Option<DateTime<Utc>>,
    refunds: RefundFigures,
    notifications: NotificationFigures,
}

const PAID: usize = 0;
const AMOUNT: usize = 1;
const STARTED: usize = 2;
const SUCCEEDED: usize = 3;
const NOT_STARTED: usize = 4;

impl Tally {
    fn bank(&mut self, bank: BankCode) -> &mut [i64; 5] {
        &mut self.banks.entry(bank.as_str()).or_insert((bank, [0; 5])).1
    }

    pub fn count(&mut self, c: &AgencyCount) {
        let o = &mut self.orders;
        match c.kind.as_str() {
            "created" => o.created += c.n,
            "cancelled" => o.cancelled += c.n,
            "expired" => o.expired += c.n,
            "opened" => self.discrepancies.opened += c.n,
            "resolved" => self.discrepancies.resolved += c.n,
            "dead" => self.notifications.dead += c.n,
            "retrying" => self.notifications.retrying += c.n,
            refund => {
                let r = &mut self.refunds;
                r.requested += c.n;
                r.amount += c.sum_vnd;
                match refund {
                    "succeeded" => r.succeeded += c.n,
                    "failed" => r.failed += c.n,
                    _ => r.pending += c.n,
                }
            }
        }
    }

    pub fn attempt(&mut self, a: &StartedAttempt) {
        let b = self.bank(a.bank);
        b[STARTED] += 1;
        b[SUCCEEDED] += i64::from(a.succeeded);
        b[NOT_STARTED] += i64::from(a.not_started);
        self.orders.failed += i64::from(a.failed);
    }

    pub fn payment(&mut self, p: &DayPayment) {
        let b = self.bank(p.bank);
        b[PAID] += 1;
        b[AMOUNT] += p.amount_vnd;
        self.orders.paid += 1;
        self.orders.paid_amount += p.amount_vnd;
        self.times_to_pay
            .push((p.paid_at - p.order_created_at).num_seconds().max(0));
        match p.first_callback_at {
            None => self.callbacks.never += 1,
            Some(at) if at - p.paid_at > LATE_CALLBACK => self.callbacks.late += 1,
            Some(_) => {}
        }
    }

    pub fn open_discrepancies(&mut self, o: &OpenDiscrepancies) {
        self.discrepancies.open += o.n;
        self.oldest_open = match (self.oldest_open, o.oldest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The group's report at `as_of`; `touched` counts an incident's orders of this group.
    pub fn finish(
        mut self,
        group: String,
        as_of: DateTime<Utc>,
        incidents: &[Incident],
        touched: impl Fn(&Incident) -> usize,
    ) -> GroupReport {
        self.times_to_pay.sort_unstable();
        let banks = self
            .banks
            .into_values()
            .map(|(bank, b)| BankFigures {
                bank,
                paid: b[PAID],
                amount: b[AMOUNT],
                started: b[STARTED],
                succeeded: b[SUCCEEDED],
                not_started: b[NOT_STARTED],
                success_rate_percent: (b[STARTED] > 0)
                    .then(|| (b[SUCCEEDED] * 1000 / b[STARTED]) as f64 / 10.0),
            })
            .collect();
        let mut discrepancies = self.discrepancies;
        discrepancies.oldest_open_age_seconds = self.oldest_open.map(|t| (as_of - t).num_seconds());
        GroupReport {
            group,
            agencies: self.agencies.into_iter().collect(),
            orders: self.orders,
            banks,
            time_to_pay: TimeToPay {
                median_seconds: percentile(&self.times_to_pay, 50),
                p95_seconds: percentile(&self.times_to_pay, 95),
            },
            callbacks: self.callbacks,
            discrepancies,
            refunds: self.refunds,
            notifications_failed: self.notifications,
            incidents: incidents
                .iter()
                .map(|i| GroupIncident {
                    bank: i.bank,
                    started_at: i.started_at,
                    ended_at: i.ended_at,
                    channels: i.channels.clone(),
                    orders_touched: touched(i),
                })
                .collect(),
        }
    }
}

/// The nearest-rank percentile `p` of `sorted`.
fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The group of an agency code (reference-data.md, "Codes a payment carries"): its last
/// segment, `Hxx` for a province, `Gxx` for a ministry (`000.00.12.H29` is `H29`).
pub fn group_of(agency_code: &str) -> String {
    agency_code
        .rsplit('.')
        .next()
        .unwrap_or(agency_code)
        .to_owned()
}

/// `Gxx` or `Hxx`: a group's code as operators write it.
pub fn is_group_code(code: &str) -> bool {
    code.len() == 3
        && matches!(code.as_bytes()[0], b'G' | b'H')
        && code[1..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<i64> = (1..=20).collect();
        assert_eq!(percentile(&v, 50), Some(10));
        assert_eq!(percentile(&v, 95), Some(19));
        assert_eq!(percentile(&[7], 95), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn an_agency_belongs_to_the_group_of_its_last_segment() {
        assert_eq!(group_of("000.00.12.H29"), "H29");
        assert_eq!(group_of("000.00.00.G12"), "G12");
    }
}
