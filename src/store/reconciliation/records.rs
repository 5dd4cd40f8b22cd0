//! What a run reads of PayHub's own records for one bank and a window of days.
//!
//! A day can hold millions of records, so they are not collected as owned rows: each row is
//! handed, borrowed from the driver, to the caller's `make`, which builds what the run keeps (the
//! engine's record) and nothing else. Timestamps come out of the query as Unix seconds, the order's
//! item kinds from `orders.item_kinds` (migration 0010). On SQLite the rows are stepped with
//! rusqlite on a blocking thread over a connection of its own: sqlx's SQLite driver copies every
//! value and sends each row as a message from its worker thread, which was most of a run's time.

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::TryStreamExt;
use sqlx::Row;

use crate::domain::bank::BankCode;
use crate::store::{with_pool, Store, StoreError};

/// One attempt of the run's bank and, when money moved, one of its payments.
#[derive(Debug, Clone, Copy)]
pub struct AttemptRecordRow<'r> {
    pub attempt_id: i64,
    pub order_id: &'r str,
    pub agency_code: &'r str,
    pub procedure_code: &'r str,
    pub reference: &'r str,
    pub attempt_status: &'r str,
    pub attempt_amount_vnd: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub payment_id: Option<i64>,
    pub bank_txn_id: Option<&'r str>,
    pub payment_kind: Option<&'r str>,
    pub paid_vnd: Option<i64>,
    pub refunded_vnd: Option<i64>,
    /// Unix seconds.
    pub paid_at: Option<i64>,
    /// `orders.item_kinds`: bit 1 fee, bit 2 charge, bit 4 service.
    pub item_kinds: i32,
}

/// One refund of a payment at the run's bank.
#[derive(Debug, Clone, Copy)]
pub struct RefundRecordRow<'r> {
    pub refund_id: i64,
    pub order_id: &'r str,
    pub agency_code: &'r str,
    pub procedure_code: &'r str,
    pub reference: &'r str,
    pub bank_refund_id: Option<&'r str>,
    pub amount_vnd: i64,
    pub status: &'r str,
    /// Unix seconds.
    pub updated_at: i64,
    pub item_kinds: i32,
}

/// One row of PayHub's side of a run.
#[derive(Debug, Clone, Copy)]
pub enum RecordRow<'r> {
    Attempt(AttemptRecordRow<'r>),
    Refund(RefundRecordRow<'r>),
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

/// The two queries of a run, with `epoch` making the backend's "Unix seconds of" a column.
/// Column order is what `sqlite_records` and `postgres_records` read. No `order by`: the engine
/// takes records in any order, and sorting a million rows is a second of a run.
///
/// A payment belongs to the window by its payment time, an attempt without one by its creation;
/// a payment refunded in the window is read too, so the refund's line finds what it refunds.
/// Three disjoint branches, each on an index (migration 0009), so a run reads its window, not
/// history, and each row is read once where it is found (the refunds drive the third: SQLite
/// keeps a `cross join`'s order).
fn queries(epoch: fn(&str) -> String) -> (String, String) {
    let (created, paid) = (epoch("a.created_at"), epoch("p.paid_at"));
    let attempt = format!(
        "a.id, a.order_id, o.agency_code, o.procedure_code, a.reference, a.status, a.amount_vnd,
         {created}"
    );
    let paid_row = format!(
        "select {attempt}, p.id, p.bank_txn_id, p.kind, p.amount_vnd, p.refunded_vnd, {paid},
           o.item_kinds"
    );
    let of_payment = "payments p join payment_attempts a on a.id = p.attempt_id
           join orders o on o.id = a.order_id";
    let attempts = format!(
        "{paid_row} from {of_payment}
          where p.bank = $1 and p.paid_at >= $2 and p.paid_at < $3
         union all
         select {attempt}, null, null, null, null, null, null, o.item_kinds
           from payment_attempts a join orders o on o.id = a.order_id
          where a.bank = $1 and a.created_at >= $2 and a.created_at < $3
            and not exists (select 1 from payments p where p.attempt_id = a.id)
         union all
         {paid_row}
           from (select distinct r.payment_id from refunds r
                  where r.updated_at >= $2 and r.updated_at < $3) rp
           cross join {of_payment}
          where p.id = rp.payment_id and p.bank = $1
            and not (p.paid_at >= $2 and p.paid_at < $3)"
    );
    let refunds = format!(
        "select r.id, r.order_id, o.agency_code, o.procedure_code, a.reference, r.bank_refund_id,
           r.amount_vnd, r.status, {}, o.item_kinds
         from refunds r join payments p on p.id = r.payment_id
         join payment_attempts a on a.id = p.attempt_id join orders o on o.id = r.order_id
         where p.bank = $1 and r.updated_at >= $2 and r.updated_at < $3",
        epoch("r.updated_at"),
    );
    (attempts, refunds)
}

fn sqlite_epoch(column: &str) -> String {
    format!("unixepoch({column})")
}

fn postgres_epoch(column: &str) -> String {
    // `floor`: the engine's instants are whole seconds rounded down, as `DateTime::timestamp`.
    format!("floor(extract(epoch from {column}))::bigint")
}

impl Store {
    /// PayHub's attempts, payments and refunds with `bank` in `[from, to)`, each row passed to
    /// `make` as it is read; returns what `make` made, in no particular order. Both queries read
    /// one snapshot. `expected` sizes the result up front (a run passes its statement's line
    /// count), so a million records are not copied again each time the vector grows.
    pub async fn payhub_records<R, F>(
        &self,
        bank: BankCode,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        expected: usize,
        make: F,
    ) -> Result<Vec<R>, StoreError>
    where
        R: Send + 'static,
        F: FnMut(RecordRow<'_>) -> Result<R, StoreError> + Send + 'static,
    {
        match self {
            Store::Sqlite(pool, _) => {
                let file = pool.connect_options().get_filename().to_owned();
                tokio::task::spawn_blocking(move || {
                    sqlite_records(&file, bank, (from, to), Vec::with_capacity(expected), make)
                })
                .await
                .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?
            }
            Store::Postgres(pool) => {
                postgres_records(pool, bank, (from, to), Vec::with_capacity(expected), make).await
            }
        }
    }

    /// The bank's beneficiary settings with their history.
    pub async fn account_rows(&self, bank: BankCode) -> Result<Vec<AccountRow>, StoreError> {
        let accounts_sql = "select agency_code, fee_kind, procedure_code,
               coalesce(case when bank = 'vnpay' then terminal_code end, account_no) as account,
               effective_from
             from beneficiary_accounts where bank = $1 order by id";
        Ok(with_pool!(self, |pool| sqlx::query_as(accounts_sql)
            .bind(bank.as_str())
            .fetch_all(pool)
            .await?))
    }
}

fn sqlite_records<R>(
    file: &std::path::Path,
    bank: BankCode,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    mut made: Vec<R>,
    mut make: impl FnMut(RecordRow<'_>) -> Result<R, StoreError>,
) -> Result<Vec<R>, StoreError> {
    use rusqlite::OpenFlags;
    let db = rusqlite::Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    db.busy_timeout(std::time::Duration::from_secs(5))?;
    // A page cache of 64 MiB instead of 2: a day's rows span most of the tables' pages, and
    // each page missed is a system call.
    db.execute_batch("pragma query_only = on; pragma cache_size = -65536; begin")?;
    // Bound as sqlx stores instants in SQLite (RFC 3339 text), which the columns compare as.
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, false);
    let (from, to) = (at(from), at(to));
    let params = rusqlite::params![bank.as_str(), from, to];
    let (attempts_sql, refunds_sql) = queries(sqlite_epoch);
    let mut attempts = db.prepare(&attempts_sql)?;
    let mut rows = attempts.query(params)?;
    while let Some(row) = rows.next()? {
        made.push(make(RecordRow::Attempt(AttemptRecordRow {
            attempt_id: row.get(0)?,
            order_id: sqlite_text(row, 1)?,
            agency_code: sqlite_text(row, 2)?,
            procedure_code: sqlite_text(row, 3)?,
            reference: sqlite_text(row, 4)?,
            attempt_status: sqlite_text(row, 5)?,
            attempt_amount_vnd: row.get(6)?,
            created_at: row.get(7)?,
            payment_id: row.get(8)?,
            bank_txn_id: sqlite_opt_text(row, 9)?,
            payment_kind: sqlite_opt_text(row, 10)?,
            paid_vnd: row.get(11)?,
            refunded_vnd: row.get(12)?,
            paid_at: row.get(13)?,
            item_kinds: row.get(14)?,
        }))?);
    }
    let mut refunds = db.prepare(&refunds_sql)?;
    let mut rows = refunds.query(params)?;
    while let Some(row) = rows.next()? {
        made.push(make(RecordRow::Refund(RefundRecordRow {
            refund_id: row.get(0)?,
            order_id: sqlite_text(row, 1)?,
            agency_code: sqlite_text(row, 2)?,
            procedure_code: sqlite_text(row, 3)?,
            reference: sqlite_text(row, 4)?,
            bank_refund_id: sqlite_opt_text(row, 5)?,
            amount_vnd: row.get(6)?,
            status: sqlite_text(row, 7)?,
            updated_at: row.get(8)?,
            item_kinds: row.get(9)?,
        }))?);
    }
    Ok(made)
}

/// A text column borrowed from SQLite's row, without a copy.
fn sqlite_text<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str, StoreError> {
    sqlite_opt_text(row, i)?.ok_or_else(|| StoreError::Corrupt(format!("column {i} is null")))
}

fn sqlite_opt_text<'r>(
    row: &'r rusqlite::Row<'_>,
    i: usize,
) -> Result<Option<&'r str>, StoreError> {
    use rusqlite::types::ValueRef;
    match row.get_ref(i)? {
        ValueRef::Null => Ok(None),
        value => value
            .as_str()
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("column {i}: {e}"))),
    }
}

async fn postgres_records<R>(
    pool: &sqlx::PgPool,
    bank: BankCode,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    mut made: Vec<R>,
    mut make: impl FnMut(RecordRow<'_>) -> Result<R, StoreError>,
) -> Result<Vec<R>, StoreError> {
    let (attempts_sql, refunds_sql) = queries(postgres_epoch);
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    // A day's join hashes a million orders and attempts: with the default 4 MB of work memory
    // PostgreSQL splits it into batches spilled to temporary files, and chooses merge joins over
    // full index scans to avoid that; 256 MB keeps it in memory, for this transaction only.
    sqlx::query("set local work_mem = '256MB'")
        .execute(&mut *tx)
        .await?;
    let mut rows = sqlx::query(&attempts_sql)
        .bind(bank.as_str())
        .bind(from)
        .bind(to)
        .fetch(&mut *tx);
    while let Some(row) = rows.try_next().await? {
        made.push(make(RecordRow::Attempt(AttemptRecordRow {
            attempt_id: row.try_get(0)?,
            order_id: row.try_get(1)?,
            agency_code: row.try_get(2)?,
            procedure_code: row.try_get(3)?,
            reference: row.try_get(4)?,
            attempt_status: row.try_get(5)?,
            attempt_amount_vnd: row.try_get(6)?,
            created_at: row.try_get(7)?,
            payment_id: row.try_get(8)?,
            bank_txn_id: row.try_get(9)?,
            payment_kind: row.try_get(10)?,
            paid_vnd: row.try_get(11)?,
            refunded_vnd: row.try_get(12)?,
            paid_at: row.try_get(13)?,
            item_kinds: row.try_get(14)?,
        }))?);
    }
    drop(rows);
    let mut rows = sqlx::query(&refunds_sql)
        .bind(bank.as_str())
        .bind(from)
        .bind(to)
        .fetch(&mut *tx);
    while let Some(row) = rows.try_next().await? {
        made.push(make(RecordRow::Refund(RefundRecordRow {
            refund_id: row.try_get(0)?,
            order_id: row.try_get(1)?,
            agency_code: row.try_get(2)?,
            procedure_code: row.try_get(3)?,
            reference: row.try_get(4)?,
            bank_refund_id: row.try_get(5)?,
            amount_vnd: row.try_get(6)?,
            status: row.try_get(7)?,
            updated_at: row.try_get(8)?,
            item_kinds: row.try_get(9)?,
        }))?);
    }
    drop(rows);
    tx.commit().await?;
    Ok(made)
}
