//! Scheduled-job leases (`job_runs`), apart from the data the jobs produce: one row per
//! `(job, slot)`, claimed by one instance, its lease renewed while the job runs, and its outcome
//! recorded when it ends.

use chrono::{DateTime, Utc};

use super::{on_tx, Store, StoreError};

impl Store {
    /// Claims `(job, slot)` for this instance until `lease_until`: `true` for exactly one
    /// claimer (STYLE rule 10). A slot claimed before is claimed again only if its job never
    /// finished and its lease has run out: the instance running it died.
    pub async fn claim_job(
        &self,
        job: &str,
        slot: &str,
        claimed_by: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let claimed = on_tx!(&mut tx, |c| sqlx::query(
            "insert into job_runs (job, slot, claimed_at, claimed_by, lease_until)
             values ($1, $2, $3, $4, $5)
             on conflict (job, slot) do update
               set claimed_at = excluded.claimed_at, claimed_by = excluded.claimed_by,
                   lease_until = excluded.lease_until
               where job_runs.finished_at is null
                 and (job_runs.lease_until is null or job_runs.lease_until < excluded.claimed_at)"
        )
        .bind(job)
        .bind(slot)
        .bind(now)
        .bind(claimed_by)
        .bind(lease_until)
        .execute(c)
        .await?
        .rows_affected());
        tx.commit().await?;
        Ok(claimed == 1)
    }

    /// Extends the lease of a running job this instance holds; `false` if it is no longer its.
    pub async fn renew_job_lease(
        &self,
        job: &str,
        slot: &str,
        claimed_by: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let renewed = on_tx!(&mut tx, |c| sqlx::query(
            "update job_runs set lease_until = $4
             where job = $1 and slot = $2 and claimed_by = $3 and finished_at is null"
        )
        .bind(job)
        .bind(slot)
        .bind(claimed_by)
        .bind(lease_until)
        .execute(c)
        .await?
        .rows_affected());
        tx.commit().await?;
        Ok(renewed == 1)
    }

    /// Records how a claimed job ended.
    pub async fn finish_job(
        &self,
        job: &str,
        slot: &str,
        outcome: &str,
        run_id: Option<i64>,
        detail: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "update job_runs set finished_at = $3, outcome = $4, run_id = $5, detail = $6
             where job = $1 and slot = $2"
        )
        .bind(job)
        .bind(slot)
        .bind(now)
        .bind(outcome)
        .bind(run_id)
        .bind(detail)
        .execute(c)
        .await
        .map(|_| ())?);
        tx.commit().await
    }
}
