//! A run's life: started as `running`, then finished with its results or failed; and reading
//! runs and their totals back.

use chrono::{DateTime, NaiveDate, Utc};

use super::discrepancies::insert_discrepancies;
use super::money::insert_money;
use super::{
    DiscrepancyFacts, MatchedBatch, MoneyTotal, NewRun, Run, RunFilter, RunSource, RunStatus, Total,
};
use crate::domain::bank::{bank_code, BankCode};
use crate::store::rows::{parse_col, vnd};
use crate::store::{on_tx, with_pool, Store, StoreError};

const RUN_COLUMNS: &str = "id, bank, business_date, status, source, started_by, started_at, \
    finished_at, is_current, file_name, file_sha256, statement_lines, payhub_records, error";

#[derive(sqlx::FromRow)]
struct RunRow {
    id: i64,
    bank: String,
    business_date: NaiveDate,
    status: String,
    source: String,
    started_by: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    is_current: bool,
    file_name: Option<String>,
    file_sha256: String,
    statement_lines: i32,
    payhub_records: i32,
    error: Option<String>,
}

impl RunRow {
    fn into_domain(self) -> Result<Run, StoreError> {
        Ok(Run {
            status: parse_col("reconciliation_runs.status", &self.status, RunStatus::parse)?,
            bank: parse_col("reconciliation_runs.bank", &self.bank, bank_code)?,
            source: parse_col("reconciliation_runs.source", &self.source, RunSource::parse)?,
            id: self.id,
            business_date: self.business_date,
            started_by: self.started_by,
            started_at: self.started_at,
            finished_at: self.finished_at,
            is_current: self.is_current,
            file_name: self.file_name,
            file_sha256: self.file_sha256,
            statement_lines: self.statement_lines,
            payhub_records: self.payhub_records,
            error: self.error,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TotalRow {
    class: String,
    agency_code: Option<String>,
    entries: i64,
    sum_vnd: i64,
}

impl Store {
    /// Records a run as `running`, before its records are read and reconciled.
    pub async fn start_run(&self, new: &NewRun<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let (id,): (i64,) = on_tx!(&mut tx, |c| sqlx::query_as(
            "insert into reconciliation_runs (bank, business_date, status, source, started_by,
               started_at, file_name, file_sha256, statement_lines, payhub_records)
             values ($1, $2, 'running', $3, $4, $5, $6, $7, $8, 0) returning id"
        )
        .bind(new.bank.as_str())
        .bind(new.date)
        .bind(new.source.as_str())
        .bind(new.started_by)
        .bind(now)
        .bind(new.file_name)
        .bind(new.file_sha256)
        .bind(new.statement_lines)
        .fetch_one(c)
        .await?);
        tx.commit().await?;
        Ok(id)
    }

    /// Stores a run's totals, discrepancies and matched entries and makes it its day's current
    /// run, all in one transaction. Every run of the day is updated (not only the current one), so that two runs
    /// finishing together on PostgreSQL queue on each other's rows instead of both becoming
    /// current.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_run(
        &self,
        run_id: i64,
        payhub_records: i32,
        totals: &[Total],
        discrepancies: &[DiscrepancyFacts],
        matched: &[MatchedBatch],
        money: &[MoneyTotal],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for t in totals {
            on_tx!(&mut tx, |c| sqlx::query(
                "insert into reconciliation_totals (run_id, class, agency_code, entries, sum_vnd)
                 values ($1, $2, $3, $4, $5)"
            )
            .bind(run_id)
            .bind(&t.class)
            .bind(t.agency_code.as_deref())
            .bind(t.entries)
            .bind(t.sum.dong())
            .execute(c)
            .await
            .map(|_| ())?);
        }
        insert_discrepancies(&mut tx, run_id, discrepancies).await?;
        insert_money(&mut tx, run_id, money).await?;
        for (batch, m) in matched.iter().enumerate() {
            on_tx!(&mut tx, |c| sqlx::query(
                "insert into reconciliation_matched (run_id, batch, entries, body)
                 values ($1, $2, $3, $4)"
            )
            .bind(run_id)
            .bind(i32::try_from(batch).unwrap_or(i32::MAX))
            .bind(m.entries)
            .bind(&m.body)
            .execute(c)
            .await
            .map(|_| ())?);
        }
        on_tx!(&mut tx, |c| sqlx::query(
            "update reconciliation_runs set is_current = false
             where (bank, business_date) =
               (select bank, business_date from reconciliation_runs where id = $1)"
        )
        .bind(run_id)
        .execute(c)
        .await
        .map(|_| ())?);
        on_tx!(&mut tx, |c| sqlx::query(
            "update reconciliation_runs set status = 'succeeded', is_current = true,
               finished_at = $2, payhub_records = $3 where id = $1"
        )
        .bind(run_id)
        .bind(now)
        .bind(payhub_records)
        .execute(c)
        .await
        .map(|_| ())?);
        tx.commit().await
    }

    /// A run that started but could not finish; its day keeps its current run.
    pub async fn fail_run(
        &self,
        run_id: i64,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "update reconciliation_runs set status = 'failed', finished_at = $2, error = $3
             where id = $1"
        )
        .bind(run_id)
        .bind(now)
        .bind(error)
        .execute(c)
        .await
        .map(|_| ())?);
        tx.commit().await
    }

    pub async fn run(&self, id: i64) -> Result<Option<Run>, StoreError> {
        let sql = format!("select {RUN_COLUMNS} from reconciliation_runs where id = $1");
        let row: Option<RunRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await?);
        row.map(RunRow::into_domain).transpose()
    }

    /// Newest day first, newest run of a day first.
    pub async fn runs(&self, f: &RunFilter, limit: i64) -> Result<Vec<Run>, StoreError> {
        let sql = format!(
            "select {RUN_COLUMNS} from reconciliation_runs
             where ($1 is null or bank = $1) and ($2 is null or business_date = $2)
               and ($3 is null or is_current = $3)
             order by business_date desc, id desc limit $4"
        );
        let rows: Vec<RunRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(f.bank.map(BankCode::as_str))
            .bind(f.date)
            .bind(f.current)
            .bind(limit)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(RunRow::into_domain).collect()
    }

    /// The totals of a run, per (class, agency).
    pub async fn run_totals(&self, run_id: i64) -> Result<Vec<Total>, StoreError> {
        let rows: Vec<TotalRow> = with_pool!(self, |pool| sqlx::query_as(
            "select class, agency_code, entries, sum_vnd from reconciliation_totals
             where run_id = $1 order by id"
        )
        .bind(run_id)
        .fetch_all(pool)
        .await?);
        rows.into_iter()
            .map(|r| {
                Ok(Total {
                    sum: vnd(r.sum_vnd)?,
                    class: r.class,
                    agency_code: r.agency_code,
                    entries: r.entries,
                })
            })
            .collect()
    }
}
