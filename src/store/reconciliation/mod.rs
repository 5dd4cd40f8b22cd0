//! Reconciliation runs, their totals and discrepancies, and what a run reads from PayHub's own
//! records: the types here, the operations in `runs`, `discrepancies` and `records`.
//!
//! A run's results (totals, discrepancies, the day's "current" flag) are written in one
//! transaction by `finish_run`; before that the run exists only as a `running` row, so a
//! statement that fails to parse never gets this far and leaves nothing behind.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::bank::BankCode;
use crate::store::StoreError;

mod discrepancies;
mod matched;
mod money;
mod records;
mod runs;

pub use matched::{MatchedBatch, MatchedBatches, MatchedEntryRef};

pub use records::{AccountRow, AttemptRecordRow, RecordRow, RefundRecordRow};

/// How a run got its statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunSource {
    Fetched,
    Uploaded,
    Cli,
}

impl RunSource {
    pub fn parse(text: &str) -> Option<RunSource> {
        [RunSource::Fetched, RunSource::Uploaded, RunSource::Cli]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunSource::Fetched => "fetched",
            RunSource::Uploaded => "uploaded",
            RunSource::Cli => "cli",
        }
    }
}

/// Where a run is (migration 0004's check): `running` from `start_run` until `finish_run` makes
/// it `succeeded` or `fail_run` makes it `failed`. Serialized as the stored text (api.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
}

impl RunStatus {
    pub const ALL: [RunStatus; 3] = [RunStatus::Running, RunStatus::Succeeded, RunStatus::Failed];

    pub fn parse(text: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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

#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub id: i64,
    pub bank: BankCode,
    #[serde(rename = "date")]
    pub business_date: NaiveDate,
    pub status: RunStatus,
    pub source: RunSource,
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

/// Count and sum of one class for one agency (`None`: no agency could be named).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    pub class: String,
    pub agency_code: Option<String>,
    pub entries: i64,
    pub sum: payhub_money::Vnd,
}

/// What the entries of one (agency, account, class) of a run moved, in whole đồng, signed
/// (refunds out): `bank_vnd` by the statement's lines, `payhub_vnd` by PayHub's records of the
/// day; `amount_vnd` is the entries' own amounts (the class's sum). `moved` false: entries that
/// moved no money on either side, counted apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MoneyTotal {
    pub agency_code: Option<String>,
    pub account: Option<String>,
    pub class: String,
    pub moved: bool,
    pub entries: i64,
    pub amount_vnd: i64,
    pub bank_vnd: i64,
    pub payhub_vnd: i64,
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
    /// What the bank's line moved and what PayHub recorded as moved on the run's day, signed
    /// (migration 0013; 0 on runs stored before it).
    pub bank_money_vnd: i64,
    pub payhub_money_vnd: i64,
}

/// A matched entry of a run, as stored in batches: the bank's line (absent for a record no line
/// took, such as an abandoned attempt) and PayHub's record it matched (absent for a failed line
/// PayHub has no record of).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchedEntry {
    pub line_no: Option<i32>,
    pub bank_txn_id: Option<String>,
    pub reference: String,
    pub amount_vnd: i64,
    pub bank_at: Option<DateTime<Utc>>,
    pub credited_account: Option<String>,
    pub payment_ref: Option<String>,
    pub order_id: Option<String>,
    pub agency_code: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_status_reads_back_from_its_stored_text_and_serializes_to_it() {
        for status in RunStatus::ALL {
            assert_eq!(RunStatus::parse(status.as_str()), Some(status));
            assert_eq!(status.to_string(), status.as_str());
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
        assert_eq!(RunStatus::parse("done"), None);
    }
}
