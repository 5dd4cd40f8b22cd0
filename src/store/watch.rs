//! What the operators watch that lives in the database (README, "Operating it"): the backlogs
//! read at each Prometheus scrape. Each read is of the open backlog through a partial index
//! (`status = 'redirected'`, `status = 'pending'`, `resolved_at is null`), never of history.

use chrono::{DateTime, Utc};

use super::{with_pool, Store, StoreError};

/// A backlog: how many, and since when the oldest waits (`None` when empty).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Backlog {
    pub label: String,
    pub n: i64,
    pub oldest: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// Per bank: attempts redirected to the bank's gateway with no final answer yet.
    pub pending_attempts: Vec<Backlog>,
    /// Discrepancies of current runs not resolved (one backlog, label `all`).
    pub open_discrepancies: Vec<Backlog>,
    /// Per destination (`webhook`, `legacy_confirm`): notifications not yet delivered.
    pub outbox: Vec<Backlog>,
}

impl Store {
    pub async fn gauges(&self) -> Result<Gauges, StoreError> {
        // A VietQR attempt waits for a citizen's transfer, not for a bank's answer, and no
        // pending sync ends it (a code never paid stays open, payable late): not a backlog.
        let pending = "select bank as label, count(*) as n, min(created_at) as oldest
             from payment_attempts where status = 'redirected' and channel = 'gateway'
             group by bank";
        let discrepancies = "select 'all' as label, count(*) as n, min(r.started_at) as oldest
             from discrepancies d join reconciliation_runs r on r.id = d.run_id
             where d.resolved_at is null and r.is_current";
        let outbox = "select target as label, count(*) as n, min(created_at) as oldest
             from notifications where status = 'pending' group by target";
        Ok(with_pool!(self, |pool| Gauges {
            pending_attempts: sqlx::query_as(pending).fetch_all(pool).await?,
            open_discrepancies: sqlx::query_as(discrepancies).fetch_all(pool).await?,
            outbox: sqlx::query_as(outbox).fetch_all(pool).await?,
        }))
    }
}
