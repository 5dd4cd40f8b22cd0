//! `payhub reconcile --bank <bank> --date <YYYY-MM-DD> [--file <path>]` (api.md): the same run as
//! the API's, with a progress bar on large files, then the summary on stdout.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};

use super::progress::Progress;
use super::run::{reconcile_statement, Statement};
use super::summary::{self, to_text};
use crate::app::AppState;
use crate::banks::fetch_statement;
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::bank::BankCode;
use crate::store::reconciliation::RunSource;
use crate::store::Store;

/// Files from this size get a progress bar; smaller ones finish before it would be read.
const LARGE_FILE_BYTES: usize = 1 << 20;

struct Bar(ProgressBar);

impl Progress for Bar {
    fn stage(&self, name: &str, len: u64) {
        self.0.set_message(name.to_owned());
        self.0.set_length(len);
        self.0.set_position(0);
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

fn progress_bar(file_len: usize) -> ProgressBar {
    if file_len < LARGE_FILE_BYTES {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{spinner} {msg:24} [{bar:40}] {human_pos}/{human_len} {elapsed}",
    )
    .expect("the template is valid");
    let bar = ProgressBar::new(0).with_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Runs one reconciliation and prints its summary (count and sum per class).
pub async fn reconcile(
    config: Config,
    bank: BankCode,
    date: NaiveDate,
    file: Option<&Path>,
    actor: &str,
) -> anyhow::Result<()> {
    let store = Store::connect(&config.database)
        .await
        .with_context(|| format!("connecting to {}", config.database.url.redacted()))?;
    store.migrate().await.context("applying migrations")?;
    let app = AppState::new(store, config, Clock::default());
    let statement = match file {
        Some(path) => Statement {
            bank,
            date,
            file: tokio::fs::read(path)
                .await
                .with_context(|| format!("reading {}", path.display()))?,
            source: RunSource::Cli,
            file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
        },
        None => Statement {
            bank,
            date,
            file: fetch_statement(&app, bank, date).await?,
            source: RunSource::Fetched,
            file_name: None,
        },
    };
    let bar = progress_bar(statement.file.len());
    let run = reconcile_statement(&app, statement, actor, Arc::new(Bar(bar.clone()))).await;
    bar.finish_and_clear();
    let run_id = run?;
    let summary = summary::load(&app.store, run_id)
        .await?
        .context("the run just stored")?;
    print!("{}", to_text(&summary));
    app.store.close().await;
    Ok(())
}
