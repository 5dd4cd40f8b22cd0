//! One reconciliation run, however its statement came (fetched, uploaded, or from the CLI):
//! parse the whole file, record the run, read PayHub's side, reconcile, store, then try to
//! recover lost callbacks.

use std::sync::Arc;

use bank_adapters::StatementError;
use chrono::NaiveDate;
use reconciliation::{reconcile, RunInput};
use sha2::{Digest, Sha256};

use super::entries;
use super::input::{account_history, business_day, engine_line, engine_records, record_window};
use super::progress::Progress;
use super::recover::recover_missing;
use crate::app::AppState;
use crate::domain::bank::BankCode;
use crate::store::reconciliation::{DiscrepancyFacts, NewRun, PayhubSide, RunSource, Total};
use crate::store::StoreError;

/// A statement file to reconcile, as received.
pub struct Statement {
    pub bank: BankCode,
    pub date: NaiveDate,
    pub file: Vec<u8>,
    pub source: RunSource,
    pub file_name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconError {
    /// statements.md: a file that fails to parse is "rejected whole with the line number and
    /// reason"; nothing is stored.
    #[error(transparent)]
    Malformed(#[from] StatementError),
    #[error("the engine refused the run: {0}")]
    Engine(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the run's worker stopped: {0}")]
    Worker(#[from] tokio::task::JoinError),
}

/// Reconciles `statement` and returns the new run's id. A malformed file stores nothing; a
/// failure after the file parsed leaves a `failed` run and the day's current run unchanged.
#[tracing::instrument(skip_all, fields(bank = %statement.bank, date = %statement.date))]
pub async fn reconcile_statement(
    app: &AppState,
    statement: Statement,
    actor: &str,
    progress: Arc<dyn Progress>,
) -> Result<i64, ReconError> {
    let Statement {
        bank,
        date,
        file,
        source,
        file_name,
    } = statement;
    let file_sha256 = hex::encode(Sha256::digest(&file));
    let shown = progress.clone();
    let lines = tokio::task::spawn_blocking(move || parse(bank, date, &file, &*shown)).await??;
    let new = NewRun {
        bank,
        date,
        source,
        started_by: actor,
        file_name: file_name.as_deref(),
        file_sha256: &file_sha256,
        statement_lines: i32::try_from(lines.len()).unwrap_or(i32::MAX),
    };
    let run_id = app.store.start_run(&new, app.clock.now()).await?;
    if let Err(e) = judge_and_store(app, run_id, bank, date, lines, progress).await {
        if let Err(failed) = app
            .store
            .fail_run(run_id, &e.to_string(), app.clock.now())
            .await
        {
            tracing::error!(error.cause_chain = ?failed, run_id, "marking the run failed failed");
        }
        return Err(e);
    }
    recover_missing(app, run_id).await;
    Ok(run_id)
}

/// The whole file or nothing; then the engine's lines.
fn parse(
    bank: BankCode,
    date: NaiveDate,
    file: &[u8],
    progress: &dyn Progress,
) -> Result<Vec<reconciliation::StatementLine>, StatementError> {
    progress.stage("parsing the statement", 0);
    let parsed = bank_adapters::parse_statement(bank, file)?;
    check_day(date, &parsed)?;
    progress.stage("reading lines", parsed.len() as u64);
    let mut lines = Vec::with_capacity(parsed.len());
    for chunk in parsed.chunks(10_000) {
        lines.extend(chunk.iter().map(engine_line));
        progress.advance(chunk.len() as u64);
    }
    Ok(lines)
}

/// A statement none of whose lines is of the day asked for is another day's file, uploaded by
/// mistake; reconciling it would report every payment of the day as missing at the bank.
fn check_day(
    date: NaiveDate,
    lines: &[bank_adapters::StatementLine],
) -> Result<(), StatementError> {
    let day = business_day(date);
    match lines.first() {
        Some(first) if !lines.iter().any(|l| day.contains(l.at.timestamp())) => {
            Err(StatementError {
                line: first.line_no,
                reason: format!(
                    "no line of this statement is dated {date}: it is another day's file"
                ),
            })
        }
        _ => Ok(()),
    }
}

async fn judge_and_store(
    app: &AppState,
    run_id: i64,
    bank: BankCode,
    date: NaiveDate,
    lines: Vec<reconciliation::StatementLine>,
    progress: Arc<dyn Progress>,
) -> Result<(), ReconError> {
    let (from, to) = record_window(date);
    let side = app.store.payhub_side(bank, from, to).await?;
    let shown = progress.clone();
    let judged = tokio::task::spawn_blocking(move || judge(date, lines, &side, &*shown)).await??;
    progress.stage("storing the run", 0);
    let records = i32::try_from(judged.records).unwrap_or(i32::MAX);
    app.store
        .finish_run(
            run_id,
            records,
            &judged.totals,
            &judged.discrepancies,
            app.clock.now(),
        )
        .await?;
    Ok(())
}

/// What a run stores: owned, because the engine's report borrows its input.
struct Judged {
    records: usize,
    totals: Vec<Total>,
    discrepancies: Vec<DiscrepancyFacts>,
}

fn judge(
    date: NaiveDate,
    lines: Vec<reconciliation::StatementLine>,
    side: &PayhubSide,
    progress: &dyn Progress,
) -> Result<Judged, ReconError> {
    progress.stage("reconciling", 0);
    let records = engine_records(side)?;
    let accounts = account_history(&side.accounts)?;
    let input = RunInput::new(business_day(date), lines, records, accounts);
    let report = reconcile(&input).map_err(|e| ReconError::Engine(e.to_string()))?;
    Ok(Judged {
        records: input.records.len(),
        totals: entries::totals(&report),
        discrepancies: entries::discrepancies(&report),
    })
}
