//! Reconciliation runs, their totals and discrepancies, and what a run reads from PayHub's own
//! records.
//!
//! A run's results (totals, discrepancies, the day's "current" flag) are written in one
//! transaction by `finish_run`; before that the run exists only as a `running` row, so a
//! statement that fails to parse never gets this far and leaves nothing behind.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

use super::audit::{append_audit, Change};
use super::rows::vnd;
use super::{on_tx, with_pool, Store, StoreError, Tx};
use crate::domain::bank::BankCode;

/// How a run got its statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunSource {
    Fetched,
    Uploaded,
    Cli,
}

impl RunSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RunSource::Fetched => "fetched",
            RunSource::Uploaded => "uploaded",
            RunSource::Cli => "cli",
        }
    }
}

/// A run about to start: its statement parsed, its records not yet read.
pub struct NewRun<'a> {
    pub bank: BankCode,
    pub date: NaiveDate,
    pub source: RunSource,
    pub started_by: &'a str,
    pub file_name: Option<&'a str>,
    pub file_sha256: &'a str,
    pub statement_lines: i32,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Run {
    pub id: i64,
    pub bank: String,
    #[serde(rename = "date")]
    pub business_date: NaiveDate,
    pub status: String,
    pub source: String,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub is_current: bool,
    pub file_name: Option<String>,
    pub file_sha256: String,
    pub statement_lines: i32,
    pub payhub_records: i32,
    pub error: Option<String>,
}

const RUN_COLUMNS: &str = "id, bank, business_date, status, source, started_by, started_at, \
    finished_at, is_current, file_name, file_sha256, statement_lines, payhub_records, error";

/// Count and sum of one class for one agency (`None`: no agency could be named).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    pub class: String,
    pub agency_code: Option<String>,
    pub entries: i64,
    pub sum: payhub_money::Vnd,
}

#[derive(sqlx::FromRow)]
struct TotalRow {
    class: String,
    agency_code: Option<String>,
    entries: i64,
    sum_vnd: i64,
}

/// One side-by-side discrepancy as stored: the bank's line and PayHub's record, flattened into
/// columns, with the full data in `detail_json`. Amounts are whole đồng.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DiscrepancyFacts {
    pub class: String,
    pub agency_code: Option<String>,
    pub reference: String,
    pub bank_txn_id: Option<String>,
    pub order_id: Option<String>,
    pub amount_vnd: i64,
    pub line_no: Option<i32>,
    pub bank_amount_vnd: Option<i64>,
    pub bank_status: Option<String>,
    pub bank_at: Option<DateTime<Utc>>,
    pub credited_account: Option<String>,
    pub payment_ref: Option<String>,
    pub payhub_amount_vnd: Option<i64>,
    pub payhub_status: Option<String>,
    pub payhub_at: Option<DateTime<Utc>>,
    pub expected_accounts: Option<String>,
    pub detail_json: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Discrepancy {
    pub id: i64,
    pub run_id: i64,
    #[sqlx(flatten)]
    pub facts: DiscrepancyFacts,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub note: Option<String>,
}

const DISCREPANCY_COLUMNS: &str = "id, run_id, class, agency_code, reference, bank_txn_id, \
    order_id, amount_vnd, line_no, bank_amount_vnd, bank_status, bank_at, credited_account, \
    payment_ref, payhub_amount_vnd, payhub_status, payhub_at, expected_accounts, detail_json, \
    resolved_at, resolved_by, note";

/// Filters of `GET …/{id}/discrepancies`.
#[derive(Debug, Default, Clone)]
pub struct DiscrepancyFilter {
    pub class: Option<String>,
    pub agency_code: Option<String>,
    pub resolved: Option<bool>,
}

/// Filters of `GET /api/v1/reconciliations`.
#[derive(Debug, Default, Clone)]
pub struct RunFilter {
    pub bank: Option<BankCode>,
    pub date: Option<NaiveDate>,
    pub current: Option<bool>,
}

/// Why resolving a discrepancy did nothing.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("discrepancy {0} was already resolved")]
    AlreadyResolved(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ResolveError {
    fn from(e: sqlx::Error) -> Self {
        ResolveError::Store(e.into())
    }
}

/// One attempt of the run's bank and, when money moved, one of its payments.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRecordRow {
    pub attempt_id: i64,
    pub order_id: String,
    pub agency_code: String,
    pub procedure_code: String,
    pub reference: String,
    pub attempt_status: String,
    pub attempt_amount_vnd: i64,
    pub created_at: DateTime<Utc>,
    pub payment_id: Option<i64>,
    pub bank_txn_id: Option<String>,
    pub payment_kind: Option<String>,
    pub paid_vnd: Option<i64>,
    pub refunded_vnd: Option<i64>,
    pub paid_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    pub kinds: OrderKinds,
}

/// Which kinds of item the record's order has (the engine picks the account in force by kind).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct OrderKinds {
    pub has_fee: bool,
    pub has_charge: bool,
    pub has_service: bool,
}

/// The `OrderKinds` columns of the order `o`: one row per record, not one per item.
const ORDER_KINDS: &str = "
    exists (select 1 from order_items i where i.order_id = o.id and i.kind = 'fee') as has_fee,
    exists (select 1 from order_items i where i.order_id = o.id and i.kind = 'charge') as has_charge,
    exists (select 1 from order_items i where i.order_id = o.id and i.kind = 'service')
      as has_service";

/// One refund of a payment at the run's bank.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefundRecordRow {
    pub refund_id: i64,
    pub order_id: String,
    pub agency_code: String,
    pub procedure_code: String,
    pub reference: String,
    pub bank_refund_id: Option<String>,
    pub amount_vnd: i64,
    pub status: String,
    pub updated_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub kinds: OrderKinds,
}

/// One beneficiary setting of the run's bank; `account` is the terminal code for VNPAY.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub agency_code: String,
    pub fee_kind: String,
    pub procedure_code: Option<String>,
    pub account: String,
    pub effective_from: DateTime<Utc>,
}

/// What a run reads of PayHub's side for one bank and a window of days.
pub struct PayhubSide {
    pub attempts: Vec<AttemptRecordRow>,
    pub refunds: Vec<RefundRecordRow>,
    pub accounts: Vec<AccountRow>,
}

// A payment belongs to the window by its payment time, an attempt without one by its creation;
// a payment refunded in the window is read too, so the refund's line finds what it refunds. Three
// disjoint branches, each on an index (migration 0009), so a run reads its window, not history
// (the refunds drive the third: SQLite keeps a `cross join`'s order).
const ROWS_IN_WINDOW: &str = "
    select a.id as attempt_id, p.id as payment_id
      from payments p join payment_attempts a on a.id = p.attempt_id
     where p.bank = $1 and p.paid_at >= $2 and p.paid_at < $3
    union all
    select a.id, null
      from payment_attempts a
     where a.bank = $1 and a.created_at >= $2 and a.created_at < $3
       and not exists (select 1 from payments p where p.attempt_id = a.id)
    union all
    select distinct a.id, p.id
      from refunds r cross join payments p join payment_attempts a on a.id = p.attempt_id
     where r.updated_at >= $2 and r.updated_at < $3 and p.id = r.payment_id
       and p.bank = $1 and not (p.paid_at >= $2 and p.paid_at < $3)";

impl Store {
    /// PayHub's attempts, payments and refunds with `bank` in `[from, to)`, the kinds of their
    /// orders' items, and the bank's beneficiary settings with their history.
    pub async fn payhub_side(
        &self,
        bank: BankCode,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<PayhubSide, StoreError> {
        let attempts_sql = format!(
            "select a.id as attempt_id, a.order_id, o.agency_code, o.procedure_code, a.reference,
               a.status as attempt_status, a.amount_vnd as attempt_amount_vnd, a.created_at,
               p.id as payment_id, p.bank_txn_id, p.kind as payment_kind, p.amount_vnd as paid_vnd,
               p.refunded_vnd, p.paid_at, {ORDER_KINDS}
             from ({ROWS_IN_WINDOW}) w
             join payment_attempts a on a.id = w.attempt_id
             join orders o on o.id = a.order_id
             left join payments p on p.id = w.payment_id
             order by a.id, p.id"
        );
        let refunds_sql = format!(
            "select r.id as refund_id, r.order_id, o.agency_code, o.procedure_code,
               a.reference, r.bank_refund_id, r.amount_vnd, r.status, r.updated_at, {ORDER_KINDS}
             from refunds r join payments p on p.id = r.payment_id
             join payment_attempts a on a.id = p.attempt_id join orders o on o.id = r.order_id
             where p.bank = $1 and r.updated_at >= $2 and r.updated_at < $3 order by r.id"
        );
        let accounts_sql = "select agency_code, fee_kind, procedure_code,
               coalesce(case when bank = 'vnpay' then terminal_code end, account_no) as account,
               effective_from
             from beneficiary_accounts where bank = $1 order by id";
        let bank = bank.as_str();
        Ok(with_pool!(self, |pool| PayhubSide {
            attempts: sqlx::query_as(&attempts_sql)
                .bind(bank)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?,
            refunds: sqlx::query_as(&refunds_sql)
                .bind(bank)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?,
            accounts: sqlx::query_as(accounts_sql)
                .bind(bank)
                .fetch_all(pool)
                .await?,
        }))
    }

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

    /// Stores a run's totals and discrepancies and makes it its day's current run, all in one
    /// transaction. Every run of the day is updated (not only the current one), so that two runs
    /// finishing together on PostgreSQL queue on each other's rows instead of both becoming
    /// current.
    pub async fn finish_run(
        &self,
        run_id: i64,
        payhub_records: i32,
        totals: &[Total],
        discrepancies: &[DiscrepancyFacts],
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
        for d in discrepancies {
            insert_discrepancy(&mut tx, run_id, d).await?;
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
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await?))
    }

    /// Newest day first, newest run of a day first.
    pub async fn runs(&self, f: &RunFilter, limit: i64) -> Result<Vec<Run>, StoreError> {
        let sql = format!(
            "select {RUN_COLUMNS} from reconciliation_runs
             where ($1 is null or bank = $1) and ($2 is null or business_date = $2)
               and ($3 is null or is_current = $3)
             order by business_date desc, id desc limit $4"
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(f.bank.map(BankCode::as_str))
            .bind(f.date)
            .bind(f.current)
            .bind(limit)
            .fetch_all(pool)
            .await?))
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

    pub async fn discrepancies(
        &self,
        run_id: i64,
        f: &DiscrepancyFilter,
    ) -> Result<Vec<Discrepancy>, StoreError> {
        let sql = format!(
            "select {DISCREPANCY_COLUMNS} from discrepancies
             where run_id = $1 and ($2 is null or class = $2) and ($3 is null or agency_code = $3)
               and ($4 is null or (resolved_at is not null) = $4)
             order by id"
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(run_id)
            .bind(f.class.as_deref())
            .bind(f.agency_code.as_deref())
            .bind(f.resolved)
            .fetch_all(pool)
            .await?))
    }

    pub async fn discrepancy(&self, id: i64) -> Result<Option<Discrepancy>, StoreError> {
        let sql = format!("select {DISCREPANCY_COLUMNS} from discrepancies where id = $1");
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await?))
    }

    /// Marks a discrepancy resolved by `actor` with `note`, and writes who, when and the note
    /// to the audit log in the same transaction. A discrepancy is resolved once.
    pub async fn resolve_discrepancy(
        &self,
        id: i64,
        actor: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Discrepancy, ResolveError> {
        let sql = format!(
            "update discrepancies set resolved_at = $2, resolved_by = $3, note = $4
             where id = $1 and resolved_at is null returning {DISCREPANCY_COLUMNS}"
        );
        let mut tx = self.begin().await?;
        let resolved: Option<Discrepancy> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(id)
            .bind(now)
            .bind(actor)
            .bind(note)
            .fetch_optional(c)
            .await?);
        let Some(resolved) = resolved else {
            let exists: Option<(i64,)> = on_tx!(&mut tx, |c| sqlx::query_as(
                "select id from discrepancies where id = $1"
            )
            .bind(id)
            .fetch_optional(c)
            .await?);
            return Err(match exists {
                Some(_) => ResolveError::AlreadyResolved(id),
                None => ResolveError::Store(StoreError::NotFound),
            });
        };
        let change = Change {
            actor,
            action: "discrepancy.resolved",
            subject: format!("discrepancy:{id}"),
            before: Some(
                json!({"run_id": resolved.run_id, "class": resolved.facts.class,
                "reference": resolved.facts.reference, "resolved_at": null}),
            ),
            after: Some(json!({"resolved_at": now, "resolved_by": actor, "note": note})),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        tx.commit().await?;
        Ok(resolved)
    }
}

/// Inserts one discrepancy of `run_id` in the transaction that finishes the run.
async fn insert_discrepancy(
    tx: &mut Tx,
    run_id: i64,
    d: &DiscrepancyFacts,
) -> Result<(), StoreError> {
    on_tx!(tx, |c| sqlx::query(
        "insert into discrepancies (run_id, class, agency_code, reference, bank_txn_id,
           order_id, amount_vnd, line_no, bank_amount_vnd, bank_status, bank_at,
           credited_account, payment_ref, payhub_amount_vnd, payhub_status, payhub_at,
           expected_accounts, detail_json)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    )
    .bind(run_id)
    .bind(&d.class)
    .bind(d.agency_code.as_deref())
    .bind(&d.reference)
    .bind(d.bank_txn_id.as_deref())
    .bind(d.order_id.as_deref())
    .bind(d.amount_vnd)
    .bind(d.line_no)
    .bind(d.bank_amount_vnd)
    .bind(d.bank_status.as_deref())
    .bind(d.bank_at)
    .bind(d.credited_account.as_deref())
    .bind(d.payment_ref.as_deref())
    .bind(d.payhub_amount_vnd)
    .bind(d.payhub_status.as_deref())
    .bind(d.payhub_at)
    .bind(d.expected_accounts.as_deref())
    .bind(&d.detail_json)
    .execute(c)
    .await
    .map(|_| ())?);
    Ok(())
}
