//! `payhub import legacy --file <export.csv> [--dry-run]`: the file streamed a batch at a time (its
//! size never held in memory), each batch one transaction, refused rows written with their reason
//! to `<export.csv>.refused.csv`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use futures_util::{stream, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::oneshot;

use super::file::{parse_row, ColumnMap, LegacyPayment, LegacyState, COLUMNS};
use crate::config::Config;
use crate::store::cutover::{ImportContext, ImportPartner, RowOutcome};
use crate::store::Store;

/// Rows per transaction: large enough that a million rows take 500 commits and as many rounds of
/// lookups, small enough that a refused batch is quick to retry row by row (1,000 and 5,000
/// measured slower: BENCHMARKS.md).
pub const BATCH_ROWS: usize = 2000;

/// How long an in-flight payment stays payable after the import: the orders' default expiry.
const IN_FLIGHT_FOR: Duration = Duration::minutes(30);

/// The counts of the summary line (cutover.md §2).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub in_flight: u64,
    pub paid: u64,
    pub failed: u64,
    pub refunded: u64,
    pub unchanged: u64,
    pub refused: u64,
}

impl ImportSummary {
    pub fn imported(&self) -> u64 {
        self.in_flight + self.paid + self.failed + self.refunded
    }

    fn count(&mut self, outcome: &RowOutcome) {
        match outcome {
            RowOutcome::Imported(LegacyState::Started) => self.in_flight += 1,
            RowOutcome::Imported(LegacyState::Paid) => self.paid += 1,
            RowOutcome::Imported(LegacyState::Failed) => self.failed += 1,
            RowOutcome::Imported(LegacyState::Refunded) => self.refunded += 1,
            RowOutcome::Unchanged => self.unchanged += 1,
            RowOutcome::Refused(_) => self.refused += 1,
        }
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {}: in-flight {}, paid {}, failed {}, refunded {}; unchanged {}; refused {}",
            self.imported(),
            self.in_flight,
            self.paid,
            self.failed,
            self.refunded,
            self.unchanged,
            self.refused
        )
    }
}

/// Where the refused rows of `file` go.
pub fn refused_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".refused.csv");
    PathBuf::from(name)
}

/// Imports `file`; `show_progress` draws a bar on the terminal.
pub async fn import_file(
    store: &Store,
    config: &Config,
    file: &Path,
    dry_run: bool,
    actor: &str,
    now: DateTime<Utc>,
    show_progress: bool,
) -> anyhow::Result<ImportSummary> {
    let ctx = ImportContext {
        partners: partners(store, config, now).await?,
        actor: format!("{actor} import {}", file.display()),
        now,
        pending_for: IN_FLIGHT_FOR,
    };
    let size = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    let bar = progress_bar(size, show_progress);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        // The way back's last line, `# rows=… sha256=…`, is not a row.
        .comment(Some(b'#'))
        .from_path(file)
        .with_context(|| format!("reading {}", file.display()))?;
    let header = reader.headers()?.clone();
    let mut refused = Refused::create(&refused_path(file), &header)?;
    let batches = Batches {
        records: reader.into_records(),
        columns: ColumnMap::new(&header),
        bar: bar.clone(),
        previous_keys: HashSet::new(),
    };
    // Two batches in flight: on PostgreSQL each has a connection and a server process of its
    // own, so the server's work (most of an import's) runs on two cores while the next batch is
    // read. A batch naming a key of the one before it (a row the file repeats) waits for it, so
    // the file's first row is the one taken whichever batch is faster.
    let mut previous_done: Option<oneshot::Receiver<()>> = None;
    let mut results = stream::iter(batches)
        .map(|(batch, after_previous)| {
            let (done, done_rx) = oneshot::channel();
            let previous = previous_done.replace(done_rx);
            let ctx = &ctx;
            async move {
                if let (true, Some(previous)) = (after_previous, previous) {
                    _ = previous.await;
                }
                let outcomes = import_batch(store, ctx, &batch, dry_run).await;
                _ = done.send(());
                (batch, outcomes)
            }
        })
        .buffered(2);
    let mut summary = ImportSummary::default();
    while let Some((batch, outcomes)) = results.next().await {
        record(&batch, outcomes?, &mut refused, &mut summary)?;
    }
    refused.finish()?;
    bar.finish_and_clear();
    Ok(summary)
}

/// The file's rows, `BATCH_ROWS` at a time, each batch with whether it names a key of the
/// batch before it.
struct Batches {
    records: csv::StringRecordsIntoIter<std::fs::File>,
    columns: Result<ColumnMap, String>,
    bar: ProgressBar,
    previous_keys: HashSet<String>,
}

impl Iterator for Batches {
    type Item = (Vec<Read>, bool);

    fn next(&mut self) -> Option<(Vec<Read>, bool)> {
        let batch = self.read_batch()?;
        let keys: HashSet<String> = batch
            .iter()
            .filter_map(|read| read.row.as_ref().ok())
            .flat_map(unique_keys)
            .collect();
        let after_previous = !keys.is_disjoint(&self.previous_keys);
        self.previous_keys = keys;
        Some((batch, after_previous))
    }
}

/// The keys a row takes that another row may also name: its reference with the previous
/// platform, its bank's reference and transaction id, the dossier of an in-flight row.
fn unique_keys(row: &LegacyPayment) -> Vec<String> {
    let mut keys = vec![format!("ref {} {}", row.partner, row.reference)];
    if let Some(b) = &row.bank {
        keys.push(format!("bank {}", b.reference));
        if let Some(txn) = &b.txn_id {
            keys.push(format!("txn {} {txn}", b.bank.as_str()));
        }
    }
    if row.state == LegacyState::Started {
        let agency = row.agency_code.as_str();
        keys.push(format!("dossier {agency} {}", row.dossier_code));
    }
    keys
}

impl Batches {
    fn read_batch(&mut self) -> Option<Vec<Read>> {
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        for record in self.records.by_ref() {
            let read = match (record, &self.columns) {
                (Ok(record), Ok(map)) => Read::new(parse_row(map.fields(&record)), record),
                (Ok(record), Err(reason)) => Read::new(Err(reason.clone()), record),
                // Bytes that are not UTF-8: refused alone, its neighbours unaffected.
                (Err(e), _) => Read {
                    line: e.position().map_or(0, |p| p.line()),
                    record: csv::StringRecord::new(),
                    row: Err(e.to_string()),
                },
            };
            self.bar
                .set_position(read.record.position().map_or(0, |p| p.byte()));
            batch.push(read);
            if batch.len() == BATCH_ROWS {
                break;
            }
        }
        (!batch.is_empty()).then_some(batch)
    }
}

/// One row as read: rows refused while reading stay in their batch, so the refused file keeps
/// the file's order.
struct Read {
    line: u64,
    record: csv::StringRecord,
    row: Result<LegacyPayment, String>,
}

impl Read {
    fn new(row: Result<LegacyPayment, String>, record: csv::StringRecord) -> Read {
        let line = record.position().map_or(0, |p| p.line());
        Read { line, record, row }
    }
}

/// The outcome of each row of `batch` that was read whole, in order.
async fn import_batch(
    store: &Store,
    ctx: &ImportContext,
    batch: &[Read],
    dry_run: bool,
) -> anyhow::Result<Vec<RowOutcome>> {
    let rows: Vec<LegacyPayment> = batch
        .iter()
        .filter_map(|read| read.row.as_ref().ok().cloned())
        .collect();
    Ok(store.import_legacy(&rows, ctx, dry_run).await?)
}

/// Counts a batch's outcomes and writes its refused rows, in the file's order.
fn record(
    batch: &[Read],
    outcomes: Vec<RowOutcome>,
    refused: &mut Refused,
    summary: &mut ImportSummary,
) -> anyhow::Result<()> {
    let mut outcomes = outcomes.into_iter();
    for read in batch {
        let outcome = match &read.row {
            Ok(_) => outcomes.next().context("an outcome for every row")?,
            Err(reason) => RowOutcome::Refused(reason.clone()),
        };
        if let RowOutcome::Refused(reason) = &outcome {
            refused.row(read.line, &read.record, reason)?;
        }
        summary.count(&outcome);
    }
    Ok(())
}

/// Each configured partner with the API key its orders belong to (the one its INITs use).
async fn partners(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> anyhow::Result<HashMap<String, ImportPartner>> {
    let mut partners = HashMap::new();
    for p in &config.legacy.partners {
        let caller = store.legacy_partner_caller(&p.code, now).await?;
        let partner = ImportPartner {
            key_id: caller.key_id,
            confirm_url: p.confirm_url.clone(),
            return_url: p.return_url(),
            agencies: p.agencies.clone(),
        };
        partners.insert(p.code.clone(), partner);
    }
    Ok(partners)
}

/// `<export.csv>.refused.csv`: the file's own columns as they were, then the line and the reason.
struct Refused {
    writer: csv::Writer<std::fs::File>,
    width: usize,
}

impl Refused {
    fn create(path: &Path, header: &csv::StringRecord) -> anyhow::Result<Refused> {
        let mut writer =
            csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
        let mut names: Vec<&str> = header.iter().collect();
        if names.is_empty() {
            names = COLUMNS.to_vec();
        }
        let width = names.len();
        writer.write_record(names.into_iter().chain(["Dong", "LyDo"]))?;
        Ok(Refused { writer, width })
    }

    fn row(&mut self, line: u64, record: &csv::StringRecord, reason: &str) -> anyhow::Result<()> {
        let fields = (0..self.width).map(|i| record.get(i).unwrap_or(""));
        let line = line.to_string();
        self.writer
            .write_record(fields.chain([line.as_str(), reason]))?;
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

fn progress_bar(size: u64, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{spinner} importing [{bar:40}] {binary_bytes}/{binary_total_bytes} {elapsed} (eta {eta})",
    )
    .expect("the template is valid");
    ProgressBar::new(size).with_style(style)
}
