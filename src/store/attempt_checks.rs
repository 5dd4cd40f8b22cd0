//! What the citizen's pages know about an order's open attempts: when the citizen came back from
//! the bank, and the bank's answers to the questions the pages asked it. A page may ask a bank
//! only within a budget (README, "The citizen's way forward"): a claim is taken under the
//! order's lock, so two reloads at once cannot both spend the same slot.

use chrono::{DateTime, Duration, Utc};

use super::attempts::{AttemptRow, ATTEMPT_COLUMNS};
use super::transitions::lock_order;
use super::{on_tx, with_pool, Store, StoreError};
use crate::domain::attempt::Attempt;

/// An attempt with what the pages learnt about it.
#[derive(Debug, Clone)]
pub struct CheckedAttempt {
    pub attempt: Attempt,
    pub returned_at: Option<DateTime<Utc>>,
    pub page_queries: i32,
    pub not_paid_at: Option<DateTime<Utc>>,
}

/// How often and how many times the pages may ask a bank about an order.
#[derive(Debug, Clone, Copy)]
pub struct QueryBudget {
    /// At least this long between two questions about one order.
    pub spacing: Duration,
    pub per_attempt: i32,
    pub per_order: i32,
}

/// What the budget said to a page that wants to ask a bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    Granted,
    /// Asked about this order moments ago: ask again on a later load.
    TooSoon,
    /// No more questions from pages about this attempt or order: pending sync goes on alone.
    Spent,
}

#[derive(sqlx::FromRow)]
struct CheckedRow {
    #[sqlx(flatten)]
    attempt: AttemptRow,
    returned_at: Option<DateTime<Utc>>,
    page_queries: Option<i32>,
    not_paid_at: Option<DateTime<Utc>>,
}

impl Store {
    /// The order's attempts, newest first, each with what the pages know about it.
    pub async fn checked_attempts(
        &self,
        order_id: &str,
    ) -> Result<Vec<CheckedAttempt>, StoreError> {
        let columns = ATTEMPT_COLUMNS
            .split(", ")
            .map(|c| format!("a.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "select {columns}, c.returned_at, c.page_queries, c.not_paid_at
             from payment_attempts a left join attempt_checks c on c.attempt_id = a.id
             where a.order_id = $1 order by a.created_at desc, a.id desc"
        );
        let rows: Vec<CheckedRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(order_id)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|r| {
                Ok(CheckedAttempt {
                    attempt: r.attempt.into_domain()?,
                    returned_at: r.returned_at,
                    page_queries: r.page_queries.unwrap_or(0),
                    not_paid_at: r.not_paid_at,
                })
            })
            .collect()
    }

    /// The citizen's browser came back from the bank for this attempt (first time kept).
    pub async fn attempt_returned(
        &self,
        attempt: &Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "insert into attempt_checks (attempt_id, order_id, returned_at) values ($1, $2, $3)
             on conflict (attempt_id) do update set returned_at = coalesce(attempt_checks.returned_at, $3)"
        )
        .bind(attempt.id)
        .bind(&attempt.order_id)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())?
        });
        tx.commit().await
    }

    /// Takes one question about `attempt` from the budget, or says why the budget refuses.
    pub async fn claim_page_query(
        &self,
        attempt: &Attempt,
        budget: QueryBudget,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let mut tx = self.begin().await?;
        lock_order(&mut tx, &attempt.order_id).await?;
        let (last, total): (Option<DateTime<Utc>>, Option<i64>) = on_tx!(&mut tx, |c| {
            sqlx::query_as(
                "select max(last_page_query_at), sum(page_queries) from attempt_checks
                 where order_id = $1",
            )
            .bind(&attempt.order_id)
            .fetch_one(c)
            .await?
        });
        if total.unwrap_or(0) >= i64::from(budget.per_order) {
            return Ok(Claim::Spent);
        }
        if last.is_some_and(|at| at + budget.spacing > now) {
            return Ok(Claim::TooSoon);
        }
        let claimed = on_tx!(&mut tx, |c| {
            sqlx::query(
            "insert into attempt_checks (attempt_id, order_id, page_queries, last_page_query_at)
             values ($1, $2, 1, $3)
             on conflict (attempt_id) do update
               set page_queries = attempt_checks.page_queries + 1, last_page_query_at = $3
               where attempt_checks.page_queries < $4"
        )
        .bind(attempt.id)
        .bind(&attempt.order_id)
        .bind(now)
        .bind(budget.per_attempt)
        .execute(c)
        .await?
        .rows_affected()
        });
        tx.commit().await?;
        Ok(if claimed == 1 {
            Claim::Granted
        } else {
            Claim::Spent
        })
    }

    /// The bank, asked from a page or by pending sync, said the attempt is not paid (not
    /// found, or not final).
    pub async fn attempt_not_paid(
        &self,
        attempt: &Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "insert into attempt_checks (attempt_id, order_id, not_paid_at) values ($1, $2, $3)
             on conflict (attempt_id) do update set not_paid_at = $3"
        )
        .bind(attempt.id)
        .bind(&attempt.order_id)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())?);
        tx.commit().await
    }
}
