//! Pending sync's storage: claiming a due attempt under a lease, recording what its bank said,
//! listing attempts for finance staff.
//!
//! The claim is a conditional update of `next_query_at` (STYLE rule 10, like the notification
//! dispatcher): only the instance whose update moved it past `now` may query that attempt; if it
//! dies, the lease lapses and another instance queries it.

use chrono::{DateTime, Utc};

use super::attempts::{transition_attempt, AttemptRow, ATTEMPT_COLUMNS};
use super::{on_tx, with_pool, Store, StoreError, Tx};
use crate::domain::attempt::Attempt;
use crate::domain::state::{AttemptEvent, AttemptStatus};

/// When to ask the bank again after a query that did not settle the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextQuery {
    At(DateTime<Utc>),
    /// The result went through `apply_report`: nothing more to ask.
    Resolved,
    /// The schedule is over and the bank never said: the attempt becomes `unknown`.
    GiveUp,
}

/// An attempt as finance staff see it in `GET /api/v1/attempts`: with what its bank last said.
#[derive(Debug, Clone)]
pub struct AttemptSummary {
    pub attempt: Attempt,
    pub last_queried_at: Option<DateTime<Utc>>,
    pub last_query_result: Option<String>,
    pub result_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    #[sqlx(flatten)]
    attempt: AttemptRow,
    last_queried_at: Option<DateTime<Utc>>,
    last_query_result: Option<String>,
    result_code: Option<String>,
}

impl SummaryRow {
    fn into_domain(self) -> Result<AttemptSummary, StoreError> {
        Ok(AttemptSummary {
            attempt: self.attempt.into_domain()?,
            last_queried_at: self.last_queried_at,
            last_query_result: self.last_query_result,
            result_code: self.result_code,
        })
    }
}

/// PostgreSQL instances skip an attempt another one is claiming instead of queueing on its lock;
/// SQLite's `begin immediate` already lets one writer in at a time.
fn claim_sql(store: &Store) -> String {
    let skip_locked = match store {
        Store::Postgres(_) => " for update skip locked",
        Store::Sqlite(..) => "",
    };
    format!(
        "update payment_attempts set next_query_at = $2
         where status = 'redirected' and next_query_at <= $1 and id = (
             select id from payment_attempts
             where status = 'redirected' and next_query_at <= $1
             order by next_query_at, id limit 1{skip_locked})
         returning {ATTEMPT_COLUMNS}"
    )
}

pub(crate) async fn attempt_by_id_tx(tx: &mut Tx, id: i64) -> Result<Option<Attempt>, StoreError> {
    let sql = format!("select {ATTEMPT_COLUMNS} from payment_attempts where id = $1");
    let row: Option<AttemptRow> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await?);
    row.map(AttemptRow::into_domain).transpose()
}

impl Store {
    /// Claims the most overdue redirected attempt until `lease_until`.
    #[tracing::instrument(skip_all)]
    pub async fn claim_due_attempt(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Attempt>, StoreError> {
        let sql = claim_sql(self);
        let mut tx = self.begin().await?;
        let row: Option<AttemptRow> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(now)
            .bind(lease_until)
            .fetch_optional(c)
            .await?);
        tx.commit().await?;
        row.map(AttemptRow::into_domain).transpose()
    }

    /// Records one query of a claimed attempt and what comes next; `GiveUp` moves it to
    /// `unknown` (unless a callback settled it meanwhile: the state machine refuses then).
    #[tracing::instrument(skip_all, fields(attempt_id = attempt.id))]
    pub async fn record_query(
        &self,
        attempt: &Attempt,
        result: &str,
        next: NextQuery,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let next_at = match next {
            NextQuery::At(at) => Some(at),
            NextQuery::Resolved | NextQuery::GiveUp => None,
        };
        on_tx!(&mut tx, |c| sqlx::query(
            "update payment_attempts set query_count = query_count + 1, last_queried_at = $2,
               last_query_result = $3, next_query_at = $4
             where id = $1"
        )
        .bind(attempt.id)
        .bind(now)
        .bind(result)
        .bind(next_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected())?);
        if next == NextQuery::GiveUp {
            if let Some(current) = attempt_by_id_tx(&mut tx, attempt.id).await? {
                transition_attempt(
                    &mut tx,
                    &current,
                    AttemptEvent::GaveUp,
                    Some("unknown"),
                    now,
                )
                .await?;
            }
        }
        tx.commit().await
    }

    /// Attempts in `status`, oldest first, at most `limit`.
    pub async fn attempts_with_status(
        &self,
        status: AttemptStatus,
        limit: i64,
    ) -> Result<Vec<AttemptSummary>, StoreError> {
        let sql = format!(
            "select {ATTEMPT_COLUMNS}, last_queried_at, last_query_result, result_code
             from payment_attempts where status = $1 order by created_at, id limit $2"
        );
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, SummaryRow>(&sql)
                .bind(status.as_str())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(SummaryRow::into_domain).collect()
    }
}
