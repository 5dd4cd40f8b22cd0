//! `payhub report daily --date <YYYY-MM-DD> [--group <Gxx|Hxx>] [--out <file.xlsx>]`
//! (messages.md §2): prints the report and writes it as a workbook.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;

use super::{daily_report, text, xlsx};
use crate::app::AppState;
use crate::clock::Clock;
use crate::config::Config;
use crate::store::Store;

pub async fn report_daily(
    config: Config,
    date: NaiveDate,
    group: Option<&str>,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let store = Store::connect(&config.database)
        .await
        .with_context(|| format!("connecting to {}", config.database.url.redacted()))?;
    store.migrate().await.context("applying migrations")?;
    let app = AppState::new(store.clone(), config, Clock::default());
    let report = daily_report(&app, date, group).await?;
    let bytes = xlsx::report_xlsx(&report).context("making the workbook")?;
    let path = out.map(Path::to_path_buf).unwrap_or_else(|| {
        let suffix = group.map(|g| format!("-{g}")).unwrap_or_default();
        PathBuf::from(format!("bao-cao-van-hanh-{date}{suffix}.xlsx"))
    });
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    print!("{}", text::report_text(&report));
    println!("\nXLSX: {}", path.display());
    store.close().await;
    Ok(())
}
