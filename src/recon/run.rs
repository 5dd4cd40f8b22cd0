//! One reconciliation run, however its statement came (fetched, uploaded, or from the CLI):
//! parse the whole file, record the run, read PayHub's side, reconcile, store, then try to
//! recover lost callbacks.

use std::sync::Arc;

use bank_adapters::StatementError;
use chrono::NaiveDate;
use reconciliation::{reconcile, AccountHistory, RunInput};
use sha2::{Digest, Sha256};

use super::entries;
use super::input::{account_history, business_day, engine_line, engine_record, record_window};
use super::progress::Progress;
use super::recover::recover_missing;
use super::transfers::{keep_contents, Transfers, Unnamed};
use crate::app::AppState;
use crate::domain::bank::BankCode;
use crate::store::reconciliation::{DiscrepancyFacts, MatchedBatch, NewRun, RunSource, Total};
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
///
/// The file is parsed on a blocking thread while PayHub's side of the day is read (one core
/// each: neither needs the other), and each is dropped as soon as the engine's input is made.
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
    let shown = progress.clone();
    // About one record per line: the size both sides' vectors start at.
    let expected = file.iter().filter(|&&b| b == b'\n').count();
    let parsing = tokio::task::spawn_blocking(move || {
        let file_sha256 = hex::encode(Sha256::digest(&file));
        parse(bank, date, file, expected, &*shown).map(|lines| (file_sha256, lines))
    });
    let started = std::time::Instant::now();
    let parsing = async {
        let parsed = parsing.await;
        tracing::debug!(elapsed = ?started.elapsed(), "statement parsed");
        parsed
    };
    let reading = async {
        let side = payhub_side(app, bank, date, expected).await;
        tracing::debug!(elapsed = ?started.elapsed(), "records read");
        side
    };
    let (parsed, side) = tokio::join!(parsing, reading);
    let (file_sha256, (mut lines, transfers)) = parsed??;
    let unnamed = super::transfers::name_orders(app, &mut lines, transfers).await?;
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
    let judged = match side {
        Ok(side) => judge_and_store(app, run_id, date, (lines, unnamed), side, progress).await,
        Err(e) => Err(e),
    };
    if let Err(e) = judged {
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

/// The whole file or nothing, read straight into the engine's lines (the adapter's form of a
/// line lives only while it is converted); the file is dropped as soon as it is read.
fn parse(
    bank: BankCode,
    date: NaiveDate,
    file: Vec<u8>,
    estimate: usize,
    progress: &dyn Progress,
) -> Result<(Vec<reconciliation::StatementLine>, Transfers), StatementError> {
    progress.stage("reading the statement", estimate as u64);
    let mut lines = Vec::with_capacity(estimate);
    let mut transfers = Transfers::default();
    bank_adapters::each_statement_line(bank, &file, |line| {
        transfers.note(lines.len(), &line);
        lines.push(engine_line(line));
        if lines.len() % 10_000 == 0 {
            progress.advance(10_000);
        }
    })?;
    drop(file);
    check_day(date, &lines)?;
    Ok((lines, transfers))
}

/// PayHub's records of the run's window, as the engine's, and the bank's account history.
struct Side {
    records: Vec<reconciliation::Record>,
    accounts: AccountHistory,
}

async fn payhub_side(
    app: &AppState,
    bank: BankCode,
    date: NaiveDate,
    expected: usize,
) -> Result<Side, ReconError> {
    let window = record_window(date);
    let records = app
        .store
        .payhub_records(bank, window, expected, engine_record)
        .await?;
    let accounts = account_history(&app.store.account_rows(bank).await?)?;
    Ok(Side { records, accounts })
}
/// A statement none of whose lines is of the day asked for is another day's file, uploaded by
/// mistake; reconciling it would report every payment of the day as missing at the bank.
fn check_day(
    date: NaiveDate,
    lines: &[reconciliation::StatementLine],
) -> Result<(), StatementError> {
    let day = business_day(date);
    match lines.first() {
        Some(first) if !lines.iter().any(|l| day.contains(l.at)) => Err(StatementError {
            line: first.line_no as usize,
            reason: format!("no line of this statement is dated {date}: it is another day's file"),
        }),
        _ => Ok(()),
    }
}

async fn judge_and_store(
    app: &AppState,
    run_id: i64,
    date: NaiveDate,
    (lines, unnamed): (Vec<reconciliation::StatementLine>, Unnamed),
    side: Side,
    progress: Arc<dyn Progress>,
) -> Result<(), ReconError> {
    let shown = progress.clone();
    let started = std::time::Instant::now();
    let mut judged =
        tokio::task::spawn_blocking(move || judge(date, lines, side, &*shown)).await??;
    keep_contents(&mut judged.discrepancies, &unnamed);
    tracing::debug!(elapsed = ?started.elapsed(), "judged");
    progress.stage("storing the run", 0);
    let records = i32::try_from(judged.records).unwrap_or(i32::MAX);
    let looked_up = app
        .store
        .accounts_of_records(&entries::records_to_look_up(&judged.money))
        .await?;
    let money = entries::with_accounts(judged.money, &looked_up);
    app.store
        .finish_run(
            run_id,
            records,
            &judged.totals,
            &judged.discrepancies,
            &judged.matched,
            &money,
            app.clock.now(),
        )
        .await?;
    tracing::debug!(elapsed = ?started.elapsed(), "stored");
    Ok(())
}

/// What a run stores: owned, because the engine's report borrows its input.
struct Judged {
    records: usize,
    totals: Vec<Total>,
    discrepancies: Vec<DiscrepancyFacts>,
    matched: Vec<MatchedBatch>,
    money: Vec<entries::MoneyRow>,
}

fn judge(
    date: NaiveDate,
    lines: Vec<reconciliation::StatementLine>,
    side: Side,
    progress: &dyn Progress,
) -> Result<Judged, ReconError> {
    progress.stage("reconciling", 0);
    let input = RunInput::new(business_day(date), lines, side.records, side.accounts);
    let started = std::time::Instant::now();
    let report = reconcile(&input).map_err(|e| ReconError::Engine(e.to_string()))?;
    tracing::debug!(elapsed = ?started.elapsed(), "engine");
    let judged = Judged {
        records: input.records.len(),
        totals: entries::totals(&report),
        discrepancies: entries::discrepancies(&report),
        matched: entries::matched(&report),
        money: entries::money(&report),
    };
    tracing::debug!(elapsed = ?started.elapsed(), "entries");
    Ok(judged)
}
