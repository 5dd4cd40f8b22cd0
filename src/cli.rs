//! The `payhub` command line (api.md, "Running it").

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::keys::Role;
use crate::startup::{shutdown_signal, App};
use crate::store::Store;
use crate::telemetry::{self, LogFormat};

#[derive(Parser, Debug)]
#[command(
    name = "payhub",
    version,
    about = "Payment hub of the National Public Service Portal"
)]
pub struct Cli {
    /// TOML config file; without one PayHub runs on defaults (SQLite ./payhub.db, 127.0.0.1:8080).
    #[arg(long, global = true, env = "PAYHUB_CONFIG")]
    pub config: Option<PathBuf>,
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API, the citizen pages and the background workers.
    Serve,
    /// Play a business day on SQLite with the three bank simulators, reconcile it, then serve.
    /// No set-up and no config file: everything it needs it creates.
    Demo(crate::demo::DemoArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    // Reconciliation (src/recon/cli.rs).
    /// Reconcile one bank's statement of one day: the file given, else fetched from the bank.
    Reconcile {
        #[arg(long)]
        bank: crate::domain::bank::BankCode,
        /// The business day, YYYY-MM-DD.
        #[arg(long)]
        date: chrono::NaiveDate,
        /// The bank's statement file; without it PayHub fetches the statement.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    // The cutover night (cutover.md, src/cutover/).
    /// Take over the previous platform's payments from its transaction export.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Hand back to the previous platform what PayHub created or changed.
    #[command(subcommand)]
    Export(ExportCommand),
    // The daily operations report (src/daily_report/cli.rs).
    /// Operations reports.
    #[command(subcommand)]
    Report(ReportCommand),
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import the previous platform's transaction export; refused rows go to
    /// `<file>.refused.csv` with their reason.
    Legacy {
        #[arg(long)]
        file: PathBuf,
        /// Check every row and print the summary, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Write every order created or changed since a time, in the previous platform's format.
    Legacy {
        /// RFC 3339, e.g. 2026-05-29T22:00:00+07:00.
        #[arg(long)]
        since: chrono::DateTime<chrono::FixedOffset>,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// Print one day's operations report (GMT+7) and write it as XLSX.
    Daily {
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        date: chrono::NaiveDate,
        /// One agency group (Gxx or Hxx); the national summary is always included.
        #[arg(long)]
        group: Option<String>,
        /// Where to write the workbook (default: bao-cao-van-hanh-<date>[-<group>].xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create a key; it is printed once, alone on the last line.
    Create {
        #[arg(long, value_enum)]
        role: Role,
        #[arg(long)]
        name: String,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by id; it stops working at once.
    Revoke { id: i64 },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Demo(args) = cli.command {
        telemetry::init_with(cli.log_format, "warn");
        return crate::demo::run(args).await;
    }
    telemetry::init(cli.log_format);
    let config = Config::load(cli.config.as_deref()).context("loading configuration")?;
    match cli.command {
        Command::Serve => {
            let app = App::build(config).await?;
            let signal = shutdown_signal();
            tracing::info!(port = app.port(), "PayHub is serving");
            app.run_until(signal).await
        }
        Command::Demo(_) => unreachable!("the demo runs without a config, above"),
        Command::Migrate => {
            let store = open_store(&config).await?;
            println!("migrations applied ({})", store.backend());
            Ok(())
        }
        Command::Keys(keys) => run_keys(&config, keys).await,
        Command::Reconcile { bank, date, file } => {
            crate::recon::cli::reconcile(config, bank, date, file.as_deref(), &cli_actor()).await
        }
        Command::Import(ImportCommand::Legacy { file, dry_run }) => {
            let store = open_store(&config).await?;
            let now = Clock::default().now();
            let show_progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let summary = crate::cutover::import::import_file(
                &store,
                &config,
                &file,
                dry_run,
                &cli_actor(),
                now,
                show_progress,
            )
            .await?;
            if summary.refused > 0 {
                let refused = crate::cutover::import::refused_path(&file);
                println!("refused rows and their reasons: {}", refused.display());
            }
            if dry_run {
                println!("dry run: nothing was written");
            }
            println!("{summary}");
            Ok(())
        }
        Command::Export(ExportCommand::Legacy { since, out }) => {
            let store = open_store(&config).await?;
            let summary = crate::cutover::export::export_file(
                &store,
                since.with_timezone(&chrono::Utc),
                &out,
            )
            .await?;
            println!(
                "exported {} rows to {} (sha256 {})",
                summary.rows,
                out.display(),
                summary.sha256
            );
            Ok(())
        }
        Command::Report(ReportCommand::Daily { date, group, out }) => {
            let (group, out) = (group.as_deref(), out.as_deref());
            crate::daily_report::cli::report_daily(config, date, group, out).await
        }
    }
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database)
        .await
        .with_context(|| format!("connecting to {}", config.database.url.redacted()))?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

/// The audit log's actor for CLI changes: the operating-system user at the console.
fn cli_actor() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

async fn run_keys(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let now = Clock::default().now();
    match command {
        KeysCommand::Create { role, name } => {
            let key = store.create_key(&name, role, &cli_actor(), now).await?;
            println!(
                "created {} key #{} \"{}\"; it is shown once:",
                role.as_str(),
                key.info.id,
                name
            );
            println!("{}", key.secret);
        }
        KeysCommand::List => {
            println!(
                "{:<6} {:<8} {:<10} {:<26} {:<10} name",
                "id", "role", "prefix", "created", "state"
            );
            for k in store.list_keys().await? {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{:<6} {:<8} {:<10} {:<26} {:<10} {}",
                    k.id,
                    k.role.as_str(),
                    k.key_prefix,
                    k.created_at.to_rfc3339(),
                    state,
                    k.name
                );
            }
        }
        KeysCommand::Revoke { id } => {
            let revoked = store.revoke_key(id, &cli_actor(), now).await?;
            println!(
                "key #{id} {}",
                if revoked {
                    "revoked"
                } else {
                    "was already revoked"
                }
            );
        }
    }
    store.close().await;
    Ok(())
}
