//! `payhub demo`: PayHub on a fresh SQLite database with the three bank simulators in-process,
//! seeded agencies, and a business day of citizens paying through the real HTTP flows, faults
//! included (scenario.rs); then reconciliation of that day, and PayHub keeps serving.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use bank_adapters::simulator::Controls;
use bank_adapters::BankCode;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::app::AppState;
use crate::clock::{vietnam, Clock};
use crate::config::{Config, DatabaseUrl};
use crate::simulated_banks::{Credentials, SimulatedBanks};
use crate::startup::{shutdown_signal, App};

pub mod cutover;
mod day;
pub mod play;
pub mod portal;
pub mod reconcile;
pub mod scenario;
pub mod seed;
pub mod transfers;

/// The banks call back this often until PayHub acknowledges: the specs' minutes, compressed.
const RETRY_EVERY: Duration = Duration::from_millis(200);

#[derive(clap::Args, Debug, Clone)]
pub struct DemoArgs {
    /// Where PayHub listens: 127.0.0.1:8080 by default; a free port with --once.
    #[arg(long)]
    pub listen: Option<String>,
    /// The demo's folder; its SQLite database is made afresh on every run.
    #[arg(long, default_value = "payhub-demo-data")]
    pub data: PathBuf,
    /// Play on this database instead (e.g. postgres://…); it must hold no orders yet.
    #[arg(long, env = "PAYHUB_DEMO_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Play the day, print the reconciliation summary and exit.
    #[arg(long)]
    pub once: bool,
    /// Rehearse the cutover night instead of a day (README, "The cutover night"), then exit.
    #[arg(long)]
    pub cutover: bool,
}

/// The secrets PayHub and the simulated banks share in the demo (never real ones).
pub fn credentials() -> Credentials {
    Credentials {
        vnpay_terminal: "DVCQG001".into(),
        vnpay_secret: "demo-vnpay-hash-secret".into(),
        vcb_merchant: "PAYHUB01".into(),
        vcb_secret: "demo-vcb-secret".into(),
        bidv_partner: "DVCQG".into(),
        bidv_secret: "demo-bidv-secret".into(),
    }
}

/// A running demo: PayHub, the banks, the stand-in portal, the keys and the day's clock.
pub struct Demo {
    pub payhub: String,
    pub portal_url: String,
    pub client: reqwest::Client,
    pub keys: seed::Keys,
    pub banks: SimulatedBanks,
    pub state: AppState,
    /// The business day played (GMT+7).
    pub day: NaiveDate,
    /// How far PayHub's and the banks' clocks are moved from the system clock.
    offset_ms: AtomicI64,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let database = match &args.database_url {
        Some(url) => url.clone(),
        None => fresh_sqlite(&args.data)?,
    };
    let default_listen = if args.once || args.cutover {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:8080"
    };
    let listen = args.listen.as_deref().unwrap_or(default_listen);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen} (choose another with --listen)"))?;
    let payhub = format!("http://{}", listener.local_addr()?);
    let credentials = credentials();
    let banks = SimulatedBanks::spawn(&payhub, &credentials, RETRY_EVERY).await?;
    let mut config = Config::default();
    config.server.listen = listen.into();
    config.server.public_url = payhub.clone();
    // The workers start after the day: the pending sync would otherwise find the lost callback
    // before reconciliation does, and the day's story is reconciliation's.
    config.server.workers = false;
    config.database.url = DatabaseUrl(database);
    config.banks = banks.config(&credentials);
    let portal_url = portal::spawn().await?;
    config.legacy.partners = vec![cutover::partner(&portal_url)];
    let app = App::build_on(config, Clock::default(), listener).await?;
    let state = app.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let demo = Demo::start(payhub, portal_url, banks, state).await?;
    println!(
        "PayHub is up at {} ({}), seeded with {} agencies, in {:.1} s",
        demo.payhub,
        demo.state.config.database.url.redacted(),
        scenario::AGENCIES.len(),
        started.elapsed().as_secs_f64()
    );
    if args.cutover {
        cutover::rehearse(&demo, &args.data).await?;
        let _ = stop.send(());
        return server.await.context("server task")?;
    }
    let day_started = Instant::now();
    day::play(&demo).await?;
    let runs = reconcile::reconcile_day(&demo).await?;
    println!(
        "\nReconciliation of {} (bank, class, count, sum):",
        demo.day
    );
    for line in reconcile::summary_lines(&runs) {
        println!("{line}");
    }
    println!(
        "\nThe day played and reconciled in {:.1} s.",
        day_started.elapsed().as_secs_f64()
    );
    if !args.once {
        serve(&demo).await?;
    }
    let _ = stop.send(());
    server.await.context("server task")??;
    Ok(())
}

/// `<data>/payhub.db`, removed first with its WAL files: every run starts a fresh day.
fn fresh_sqlite(data: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    for file in ["payhub.db", "payhub.db-wal", "payhub.db-shm"] {
        match std::fs::remove_file(data.join(file)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing the last run's {file}"))
            }
            _ => {}
        }
    }
    Ok(format!("sqlite://{}", data.join("payhub.db").display()))
}

/// After the day: the workers run, and the next steps are printed until Ctrl-C.
async fn serve(demo: &Demo) -> anyhow::Result<()> {
    let mut config = (*demo.state.config).clone();
    config.server.workers = true;
    let state = demo.state.with_config(config);
    let workers = crate::workers::spawn_all(&state, state.shutdown());
    let checkout = day::fresh_order(demo).await?;
    println!(
        "\nPayHub keeps serving at {payhub} (Ctrl-C to stop). Next steps:\n\
         \x20 1. Pay a fresh order as a citizen: {checkout}\n\
         \x20 2. Read the day's reconciliation: {payhub}/reports\n\
         \x20    finance key: {finance}\n\
         \x20 3. The API: {payhub}/docs (portal key: {portal}; admin key: {admin})\n\
         \x20 Metrics {payhub}/metrics · health {payhub}/readyz",
        payhub = demo.payhub,
        finance = demo.keys.finance,
        portal = demo.keys.portal,
        admin = demo.keys.admin,
    );
    shutdown_signal().await;
    state.stop();
    for worker in workers {
        let _ = tokio::time::timeout(Duration::from_secs(10), worker).await;
    }
    Ok(())
}

impl Demo {
    /// Sets the clocks to the start of today's business day, creates the keys, refuses a
    /// database that already has orders, and seeds the agencies.
    async fn start(
        payhub: String,
        portal_url: String,
        banks: SimulatedBanks,
        state: AppState,
    ) -> anyhow::Result<Demo> {
        let day = Utc::now().with_timezone(&vietnam()).date_naive();
        let opening = at(day, NaiveTime::from_hms_opt(7, 50, 0).expect("a time"));
        let demo = Demo {
            payhub,
            portal_url,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()?,
            keys: seed::keys(&state.store, opening).await?,
            banks,
            state,
            day,
            offset_ms: AtomicI64::new(0),
        };
        demo.move_clock_by(opening - demo.state.clock.now());
        let orders = demo.get("/api/v1/orders", &demo.keys.finance).await?;
        ensure!(
            orders["orders"].as_array().is_some_and(|o| o.is_empty()),
            "the demo needs a database without orders"
        );
        // Accounts in force since New Year, so every payment of the day is judged by them.
        let new_year = NaiveDate::from_ymd_opt(day.year(), 1, 1).expect("1 January");
        seed::agencies(&demo, at(new_year, NaiveTime::MIN)).await?;
        Ok(demo)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.payhub)
    }

    pub fn banks_controls(&self, bank: BankCode) -> &Controls {
        self.banks.controls(bank)
    }

    /// Moves PayHub's clock and every bank's by `by`, together.
    pub fn move_clock_by(&self, by: TimeDelta) {
        self.state.clock.advance(by);
        let total = self
            .offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed)
            + by.num_milliseconds();
        self.banks.set_clock_offset(TimeDelta::milliseconds(total));
    }

    /// Moves the clocks forward to `time` of the day (never back).
    pub fn move_clock_to(&self, time: NaiveTime) {
        let by = at(self.day, time) - self.state.clock.now();
        if by > TimeDelta::zero() {
            self.move_clock_by(by);
        }
    }

    async fn get(&self, path: &str, key: &str) -> anyhow::Result<Value> {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await.with_context(|| path.to_owned())?;
        ensure!(status.is_success(), "{path}: {status} {body}");
        Ok(body)
    }

    /// POSTs an order as the dossier system, its dossier code as the Idempotency-Key.
    pub async fn create_order(&self, dossier: &str, body: &Value) -> anyhow::Result<Value> {
        let response = self
            .client
            .post(self.url("/api/v1/orders"))
            .bearer_auth(&self.keys.portal)
            .header("idempotency-key", dossier)
            .json(body)
            .send()
            .await?;
        let status = response.status();
        let order: Value = response.json().await?;
        ensure!(status == 201, "creating {dossier}: {status} {order}");
        Ok(order)
    }

    pub async fn portal_post(&self, path: &str) -> anyhow::Result<()> {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(&self.keys.portal)
            .send()
            .await?;
        ensure!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        Ok(())
    }

    /// The citizen's bank choice on the checkout page; returns the bank's page.
    pub async fn choose_bank(&self, order_id: &str, bank: &str) -> anyhow::Result<String> {
        let chosen = self
            .client
            .post(self.url(&format!("/checkout/{order_id}")))
            .form(&[("bank", bank)])
            .send()
            .await?;
        ensure!(
            chosen.status() == 303,
            "choosing {bank}: {}",
            chosen.status()
        );
        play::location(&chosen)
    }

    /// One pass of the expiry worker (which starts only after the day).
    pub async fn expire_due_orders(&self) -> anyhow::Result<()> {
        let now = self.state.clock.now();
        self.state.store.expire_due_orders(now, 200).await?;
        Ok(())
    }

    pub async fn played(&self, order_id: String) -> anyhow::Result<play::Played> {
        let order = self
            .get(&format!("/api/v1/orders/{order_id}"), &self.keys.portal)
            .await?;
        let status = order["status"].as_str().unwrap_or("?").to_owned();
        Ok(play::Played { order_id, status })
    }
}

/// `time` of `day` in Vietnam.
fn at(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    vietnam()
        .from_local_datetime(&day.and_time(time))
        .single()
        .expect("GMT+7 has no gaps")
        .with_timezone(&Utc)
}
