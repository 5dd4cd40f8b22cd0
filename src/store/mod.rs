//! PayHub's storage: one `Store` over PostgreSQL or SQLite. Each method is one business operation
//! and, where it writes, one transaction. SQL is lowercase and, where both dialects accept the
//! same text, written once: the macros below expand the same code for each backend's pool type
//! (`with_pool!` for reads, `on_tx!` for each statement of a write transaction).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::config::DatabaseConfig;

pub mod agencies;
pub mod attempt_checks;
pub mod attempts;
pub mod audit;
pub mod citizen_messages;
pub mod credits;
pub mod cutover;
pub mod daily_report;
pub mod jobs;
pub mod keys;
pub mod legacy;
pub mod notifications;
pub mod open_items;
pub mod order_story;
pub mod orders;
pub mod payments;
pub mod pending_sync;
pub mod receipts;
pub mod reconciliation;
pub mod refund_requests;
pub mod refunds;
pub mod rows;
pub mod search;
pub mod sessions;
pub mod settle;
pub mod settlement;
pub mod transitions;
pub mod watch;

pub use audit::AuditEntry;

#[derive(Clone)]
pub enum Store {
    Postgres(PgPool),
    Sqlite(SqlitePool, WriteQueue),
}

/// SQLite admits one writer at a time. This process's writers wait for their turn here, woken
/// in order, instead of each polling SQLite's busy handler, which sleeps in steps of up to 100 ms
/// and is what SQLite's tail latency under concurrent writes was made of (BENCHMARKS.md, B1).
/// Another process on the same file still meets the busy handler, as before.
#[derive(Clone, Default)]
pub struct WriteQueue(Arc<tokio::sync::Mutex<()>>);

impl WriteQueue {
    pub(crate) async fn turn(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.0.clone().lock_owned().await
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Store::Postgres(_) => "Store::Postgres",
            Store::Sqlite(..) => "Store::Sqlite",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Reconciliation's read of a day on SQLite, which goes around sqlx (`reconciliation::records`).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// The database could not be reached or went away mid-request (no connection within the
    /// acquire timeout, a broken socket, a server shutting down or starting up): nothing was
    /// written, and the same request may succeed once the database is back, so callers answer
    /// "try again" (503, a bank's retry code) rather than "PayHub is broken".
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Database(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
            // SQLSTATE class 08 (connection exception); 57P01..57P03: the server is shutting
            // down, crashed, or cannot accept connections yet (PostgreSQL, Appendix A).
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
            }),
            _ => false,
        }
    }
}

/// Runs `$body` with `$pool` bound to whichever backend `$store` is. The body is compiled once per
/// backend, so the same sqlx code serves both.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Postgres($pool) => $body,
            $crate::store::Store::Sqlite($pool, _) => $body,
        }
    };
}

pub(crate) use with_pool;

/// A write transaction on either backend: `Store::begin`, then each statement through `on_tx!`,
/// then `commit`. An early return (`?`) drops the `Tx` uncommitted, which rolls it back.
pub enum Tx {
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    /// The transaction, then the writer's turn: released after the transaction ends.
    Sqlite(
        sqlx::Transaction<'static, sqlx::Sqlite>,
        Option<tokio::sync::OwnedMutexGuard<()>>,
    ),
}

/// Runs `$body` with `$conn` bound to the transaction's connection, whichever backend it is.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::store::Tx::Sqlite(t, _) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Postgres(t) => t.commit().await?,
            Tx::Sqlite(t, _turn) => t.commit().await?,
        }
        Ok(())
    }
}

/// How long a request waits for a PostgreSQL connection before it is answered 503 (a bank's
/// retry code on a callback). While the server is down, sqlx retries a refused connection until
/// this runs out, so it is how long each database call hangs during an outage. A callback makes
/// two calls when the first fails (the apply, then the inbound ledger), so twice this must stay
/// under the banks' callback timeouts (5 s for VCB and the simulators) for them to read PayHub's
/// retry code rather than a timeout; and a healthy pool busy with a burst still serves a request
/// within it (16 connections, queries of milliseconds). SQLite keeps 10 s: its file cannot go
/// away, and its waits are only for other writers.
pub const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

impl Store {
    /// Connects without migrating. SQLite files are created when missing.
    pub async fn connect(config: &DatabaseConfig) -> Result<Store, StoreError> {
        let url = &config.url.0;
        if config.url.is_postgres() {
            let pool = PgPoolOptions::new()
                .max_connections(config.max_connections)
                .acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT)
                .connect(url)
                .await?;
            Ok(Store::Postgres(pool))
        } else {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(config.max_connections.clamp(1, 8))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store::Sqlite(pool, WriteQueue::default()))
        }
    }

    /// Applies the embedded migrations of this backend (same numbers and names in both folders).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
            Store::Sqlite(pool, _) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
        }
        Ok(())
    }

    /// Begins a write transaction. SQLite takes the write lock up front (`begin immediate`) so
    /// that two writers queue instead of failing when a read lock cannot be upgraded; this
    /// process's writers queue in its [`WriteQueue`] first.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Store::Postgres(pool) => Tx::Postgres(pool.begin().await?),
            Store::Sqlite(pool, queue) => {
                let turn = queue.turn().await;
                Tx::Sqlite(pool.begin_with("begin immediate").await?, Some(turn))
            }
        })
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Postgres(_) => "postgres",
            Store::Sqlite(..) => "sqlite",
        }
    }

    /// For `/readyz`: the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, |pool| sqlx::query("select 1")
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// Every (table, column) of the schema, sorted: the schema-parity test compares backends.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut columns: Vec<(String, String)> = match self {
            Store::Postgres(pool) => {
                sqlx::query_as(
                    "select table_name::text, column_name::text from information_schema.columns
                     where table_schema = current_schema() and table_name not like '\\_sqlx%'",
                )
                .fetch_all(pool)
                .await?
            }
            Store::Sqlite(pool, _) => {
                sqlx::query_as(
                    "select m.name, p.name from sqlite_master m, pragma_table_info(m.name) p
                     where m.type = 'table' and m.name not like '\\_sqlx%' escape '\\'
                       and m.name != 'sqlite_sequence'",
                )
                .fetch_all(pool)
                .await?
            }
        };
        columns.sort();
        Ok(columns)
    }

    pub async fn close(&self) {
        with_pool!(self, |pool| {
            pool.close().await;
        })
    }
}
