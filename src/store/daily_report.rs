//! What the daily operations report reads (messages.md §2): the facts of one window of time,
//! each through an index on its time column (migration 0012), so a day's report reads that day's
//! rows and not the history before it. Figures are added up in `daily_report`, not here.

use chrono::{DateTime, Utc};

use super::rows::parse_col;
use super::{with_pool, Store, StoreError};
use crate::domain::bank::{bank_code, BankCode};

/// `[from, to)`: the report's day, up to the moment it is made.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// A count per agency (and, where it matters, per kind of thing).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgencyCount {
    pub agency_code: Option<String>,
    pub kind: String,
    pub n: i64,
    pub sum_vnd: i64,
}

/// One payment attempt started in the window.
#[derive(Debug, Clone)]
pub struct StartedAttempt {
    pub agency_code: String,
    pub order_id: String,
    pub bank: BankCode,
    pub created_at: DateTime<Utc>,
    pub succeeded: bool,
    pub failed: bool,
    /// The bank never started it (its start call failed).
    pub not_started: bool,
}

/// One payment (the order's own, not a duplicate) the bank made in the window.
#[derive(Debug, Clone)]
pub struct DayPayment {
    pub agency_code: String,
    pub order_id: String,
    pub bank: BankCode,
    pub amount_vnd: i64,
    pub paid_at: DateTime<Utc>,
    pub order_created_at: DateTime<Utc>,
    /// When the bank's first callback about it arrived, if one did before the window's end.
    pub first_callback_at: Option<DateTime<Utc>>,
}

/// One question to a bank about an attempt, asked in the window.
#[derive(Debug, Clone)]
pub struct BankQuery {
    pub bank: BankCode,
    pub order_id: String,
    pub asked_at: DateTime<Utc>,
    pub answered: bool,
}

/// The discrepancies open at the window's end for one agency, and when the oldest was found.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenDiscrepancies {
    pub agency_code: Option<String>,
    pub n: i64,
    pub oldest: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    agency_code: String,
    order_id: String,
    bank: String,
    created_at: DateTime<Utc>,
    status: String,
    result_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    agency_code: String,
    order_id: String,
    bank: String,
    amount_vnd: i64,
    paid_at: DateTime<Utc>,
    order_created_at: DateTime<Utc>,
    first_callback_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct QueryRow {
    bank: String,
    order_id: String,
    asked_at: DateTime<Utc>,
    answered: bool,
}

fn bank(column: &str, text: &str) -> Result<BankCode, StoreError> {
    parse_col(column, text, bank_code)
}

/// A callback that told PayHub about a payment: applied, or a repeat of one applied. Inquiries
/// (BIDV asks before the citizen pays), refusals and errors are not.
const ANNOUNCING_CALLBACK: &str = "c.verdict not like 'inquiry%' and c.verdict not like 'refused%'
    and c.verdict not like 'error%' and c.verdict <> 'UnknownReference'";

impl Store {
    /// Orders created, and orders that became cancelled or expired, per agency (`kind`).
    pub async fn day_order_counts(&self, w: Window) -> Result<Vec<AgencyCount>, StoreError> {
        let sql = "select agency_code, 'created' as kind, count(*) as n, cast(0 as bigint) as sum_vnd from orders
             where created_at >= $1 and created_at < $2 group by agency_code
           union all
           select o.agency_code, e.to_status as kind, count(*) as n, cast(0 as bigint) as sum_vnd
             from order_events e join orders o on o.id = e.order_id
             where e.at >= $1 and e.at < $2 and e.to_status in ('cancelled', 'expired')
             group by o.agency_code, e.to_status";
        Ok(with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(w.from)
            .bind(w.to)
            .fetch_all(pool)
            .await?))
    }

    /// Every payment attempt started in the window.
    pub async fn day_attempts(&self, w: Window) -> Result<Vec<StartedAttempt>, StoreError> {
        let sql = "select o.agency_code, a.order_id, a.bank, a.created_at, a.status, a.result_code
             from payment_attempts a join orders o on o.id = a.order_id
             where a.created_at >= $1 and a.created_at < $2";
        let rows: Vec<AttemptRow> = with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(w.from)
            .bind(w.to)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|r| {
                Ok(StartedAttempt {
                    bank: bank("payment_attempts.bank", &r.bank)?,
                    succeeded: r.status == "succeeded",
                    failed: r.status == "failed",
                    not_started: r.result_code.as_deref() == Some("not_started"),
                    agency_code: r.agency_code,
                    order_id: r.order_id,
                    created_at: r.created_at,
                })
            })
            .collect()
    }

    /// The orders' own payments made in the window, each with its first announcing callback.
    pub async fn day_payments(&self, w: Window) -> Result<Vec<DayPayment>, StoreError> {
        let sql = format!(
            "select o.agency_code, p.order_id, p.bank, p.amount_vnd, p.paid_at,
                    o.created_at as order_created_at,
                    (select min(c.received_at) from inbound_callbacks c
                      where c.bank = p.bank and c.reference = a.reference
                        and c.received_at < $2 and {ANNOUNCING_CALLBACK}) as first_callback_at
             from payments p
             join payment_attempts a on a.id = p.attempt_id
             join orders o on o.id = p.order_id
             where p.paid_at >= $1 and p.paid_at < $2 and p.kind = 'payment'"
        );
        let rows: Vec<PaymentRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(w.from)
            .bind(w.to)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|r| {
                Ok(DayPayment {
                    bank: bank("payments.bank", &r.bank)?,
                    agency_code: r.agency_code,
                    order_id: r.order_id,
                    amount_vnd: r.amount_vnd,
                    paid_at: r.paid_at,
                    order_created_at: r.order_created_at,
                    first_callback_at: r.first_callback_at,
                })
            })
            .collect()
    }

    /// Refunds requested in the window, per agency and status (`kind`), with their sum.
    pub async fn day_refunds(&self, w: Window) -> Result<Vec<AgencyCount>, StoreError> {
        let sql = "select o.agency_code, r.status as kind, count(*) as n,
                    cast(coalesce(sum(r.amount_vnd), 0) as bigint) as sum_vnd
             from refunds r join orders o on o.id = r.order_id
             where r.created_at >= $1 and r.created_at < $2
             group by o.agency_code, r.status";
        Ok(with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(w.from)
            .bind(w.to)
            .fetch_all(pool)
            .await?))
    }

    /// Notifications to dossier systems made in the window that failed: given up (`dead`), or
    /// still being retried after a failed delivery (`retrying`).
    pub async fn day_failed_notifications(
        &self,
        w: Window,
    ) -> Result<Vec<AgencyCount>, StoreError> {
        let sql = "select o.agency_code,
                    case when n.status = 'dead' then 'dead' else 'retrying' end as kind,
                    count(*) as n, cast(0 as bigint) as sum_vnd
             from notifications n join orders o on o.id = n.order_id
             where n.created_at >= $1 and n.created_at < $2
               and (n.status = 'dead' or (n.status = 'pending' and n.attempts > 0))
             group by o.agency_code, case when n.status = 'dead' then 'dead' else 'retrying' end";
        Ok(with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(w.from)
            .bind(w.to)
            .fetch_all(pool)
            .await?))
    }

    /// Discrepancies found in the window (`opened`: by runs started in it) and resolved in it
    /// (`resolved`), per agency; only a day's current run counts, as on the reports pages.
    pub async fn day_discrepancy_counts(&self, w: Window) -> Result<Vec<AgencyCount>, StoreError> {
        let sql =
            "select d.agency_code, 'opened' as kind, count(*) as n, cast(0 as bigint) as sum_vnd
             from reconciliation_runs r join discrepancies d on d.run_id = r.id
             where r.started_at >= $1 and r.started_at < $2 and r.is_current
             group by d.agency_code
           union all
           select d.agency_code, 'resolved' as kind, count(*) as n, cast(0 as bigint) as sum_vnd
             from discrepancies d join reconciliation_runs r on r.id = d.run_id
             where d.resolved_at >= $1 and d.resolved_at < $2 and r.is_current
             group by d.agency_code";
        Ok(with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(w.from)
            .bind(w.to)
            .fetch_all(pool)
            .await?))
    }

    /// Discrepancies open at the window's end, per agency: unresolved now, or resolved after
    /// it (two indexed reads: the open backlog, and what was resolved since).
    pub async fn open_discrepancies_at(
        &self,
        at: DateTime<Utc>,
    ) -> Result<Vec<OpenDiscrepancies>, StoreError> {
        let sql = "select agency_code, count(*) as n, min(started_at) as oldest from (
               select d.agency_code, r.started_at
                 from discrepancies d join reconciliation_runs r on r.id = d.run_id
                 where d.resolved_at is null and r.is_current and r.started_at < $1
               union all
               select d.agency_code, r.started_at
                 from discrepancies d join reconciliation_runs r on r.id = d.run_id
                 where d.resolved_at >= $1 and r.is_current and r.started_at < $1
             ) as still_open group by agency_code";
        Ok(with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(at)
            .fetch_all(pool)
            .await?))
    }

    /// Every question asked of a bank in the window.
    pub async fn day_bank_queries(&self, w: Window) -> Result<Vec<BankQuery>, StoreError> {
        let sql = "select bank, order_id, asked_at, answered from bank_queries
             where asked_at >= $1 and asked_at < $2";
        let rows: Vec<QueryRow> = with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(w.from)
            .bind(w.to)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|r| {
                Ok(BankQuery {
                    bank: bank("bank_queries.bank", &r.bank)?,
                    order_id: r.order_id,
                    asked_at: r.asked_at,
                    answered: r.answered,
                })
            })
            .collect()
    }

    /// Every agency's code: each group is reported, a quiet day included.
    pub async fn agency_codes(&self) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar(
            "select code from agencies order by code"
        )
        .fetch_all(pool)
        .await?))
    }

    /// Records that PayHub asked `bank` about an attempt, and whether it answered.
    pub async fn record_bank_query(
        &self,
        bank: BankCode,
        attempt_id: i64,
        order_id: &str,
        answered: Result<(), &str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        super::on_tx!(&mut tx, |c| sqlx::query(
            "insert into bank_queries (bank, attempt_id, order_id, asked_at, answered, error)
             values ($1, $2, $3, $4, $5, $6)"
        )
        .bind(bank.as_str())
        .bind(attempt_id)
        .bind(order_id)
        .bind(at)
        .bind(answered.is_ok())
        .bind(answered.err())
        .execute(c)
        .await
        .map(|_| ())?);
        tx.commit().await
    }
}
