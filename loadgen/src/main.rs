//! `payhub-loadgen`: drives a running PayHub over HTTP for `bench/run-all.sh` (BENCHMARKS.md).
//! Every subcommand prints one JSON line of results on stdout.
//!
//! - `orders`: B2, `POST /api/v1/orders` with pre-built bodies and fresh idempotency keys.
//! - `callbacks`: B1, seeds redirected attempts (API + checkout, VCB through an in-process VCB
//!   simulator; VietQR on PayHub's QR page), fires one pre-signed success callback per attempt
//!   (a VNPAY IPN, a VCB notification or a VCB credit notification), then checks that every
//!   acknowledged callback paid its order exactly once, also after a replay of each.
//! - `recon-gen` / `recon-engine`: B3's generated day as CSV, and the engine's run over it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, ensure, Context};
use clap::{Parser, Subcommand};
use serde_json::json;

mod api;
mod callbacks;
mod drive;
mod recon;

use api::{prepare_order, Api};
use callbacks::{pending_attempt, sign_success, SignedCallback};
use drive::{drive, taken};

#[derive(Parser)]
#[command(name = "payhub-loadgen", about = "PayHub's load generator (bench/)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Target {
    /// PayHub's base URL.
    #[arg(long, default_value = "http://127.0.0.1:18080")]
    url: String,
    #[arg(long, env = "BENCH_ADMIN_KEY")]
    admin_key: String,
    #[arg(long, env = "BENCH_PORTAL_KEY")]
    portal_key: String,
    /// Labels copied into the result line (e.g. `backend=postgres`).
    #[arg(long = "label", value_parser = parse_label)]
    labels: Vec<(String, String)>,
}

#[derive(clap::Args, Clone, Copy)]
struct Load {
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Requests built beforehand; the run stops early if they run out.
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
}

#[derive(Subcommand)]
enum Command {
    /// B2: order create.
    Orders {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        load: Load,
    },
    /// B1: callback apply.
    Callbacks {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        load: Load,
        /// Where to serve the VCB simulator PayHub's `[banks.vcb] base_url` points at.
        #[arg(long, default_value = "127.0.0.1:18092")]
        vcb_listen: SocketAddr,
    },
    /// B3: writes lines.csv, records.csv and accounts.csv of a generated day.
    ReconGen {
        #[arg(long)]
        lines: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// B3: PayHub's engine over the files of `recon-gen`.
    ReconEngine {
        #[arg(long)]
        dir: PathBuf,
    },
}

fn parse_label(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s}: expected key=value"))
}

impl Target {
    fn api(&self, concurrency: usize) -> anyhow::Result<Api> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency.max(16))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Api {
            http,
            base: self.url.trim_end_matches('/').to_owned(),
            admin_key: self.admin_key.clone(),
            portal_key: self.portal_key.clone(),
        })
    }

    fn labels(&self, load: &Load) -> serde_json::Value {
        let mut labels: serde_json::Map<_, _> = self
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        labels.insert("concurrency".into(), json!(load.concurrency));
        serde_json::Value::Object(labels)
    }
}

/// A name unique to this run, so that dossier codes, idempotency keys and bank transaction ids
/// never collide with an earlier run's on the same database.
fn run_id() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as u64
        % 100_000_000
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let result = match Cli::parse().command {
        Command::Orders { target, load } => create_orders(&target, load).await?,
        Command::Callbacks {
            target,
            load,
            vcb_listen,
        } => fire_callbacks(&target, load, vcb_listen).await?,
        Command::ReconGen { lines, out } => recon::write_day(lines, &out)?,
        Command::ReconEngine { dir } => recon::run_engine(&dir)?,
    };
    println!("{result}");
    Ok(())
}

async fn create_orders(target: &Target, load: Load) -> anyhow::Result<serde_json::Value> {
    let api = target.api(load.concurrency)?;
    api.seed_agency().await?;
    let run = run_id().to_string();
    let jobs: Arc<Vec<_>> = Arc::new((0..load.requests).map(|n| prepare_order(&run, n)).collect());
    let fire = move |i: usize| {
        let (api, jobs) = (api.clone(), jobs.clone());
        async move { api.create_order(&jobs[i]).await.map(|_| ()) }
    };
    let seconds = Duration::from_secs(load.seconds);
    let stats = drive(load.requests, load.concurrency, seconds, fire).await;
    Ok(stats.to_json(target.labels(&load)))
}

async fn fire_callbacks(
    target: &Target,
    load: Load,
    vcb_listen: SocketAddr,
) -> anyhow::Result<serde_json::Value> {
    use bank_adapters::vcb::simulator;
    let vcb = simulator::spawn(
        simulator::SimulatorConfig::new(callbacks::VCB_MERCHANT, callbacks::VCB_SECRET),
        vcb_listen,
    )
    .await
    .with_context(|| format!("serving the VCB simulator on {vcb_listen}"))?;
    let vcb_base = format!("http://{vcb_listen}");
    let api = target.api(load.concurrency)?;
    api.seed_agency().await?;
    let signed = Arc::new(seed_callbacks(&api, &vcb_base, load.requests).await?);
    let fire = {
        let (api, signed) = (api.clone(), signed.clone());
        move |i: usize| {
            let (api, signed) = (api.clone(), signed.clone());
            async move { signed[i].send(&api).await }
        }
    };
    let seconds = Duration::from_secs(load.seconds);
    let stats = drive(signed.len(), load.concurrency, seconds, fire.clone()).await;
    drop(vcb);
    ensure!(
        stats.errors == 0,
        "callbacks failed: {:?}",
        stats.first_error
    );
    let fired = taken(&stats);
    // A bank repeats a callback it is unsure of: replay every one fired, outside the timing.
    let replay = drive(fired, load.concurrency, Duration::from_secs(600), fire).await;
    ensure!(
        replay.errors == 0,
        "replays failed: {:?}",
        replay.first_error
    );
    let checked = verify_paid_once(&api, &signed[..fired]).await?;
    let mut result = stats.to_json(target.labels(&load));
    result["replayed"] = json!(replay.ok);
    result["verified_paid_once"] = json!(checked);
    Ok(result)
}

/// Orders through the API, then a checkout per order, a third each at VNPAY, VCB and VietQR
/// (paid into the VCB account), then one signed success callback per attempt (for VietQR, VCB's
/// credit notification of the transfer). Runs at a fixed concurrency of 16, untimed.
async fn seed_callbacks(
    api: &Api,
    vcb_base: &str,
    count: usize,
) -> anyhow::Result<Vec<SignedCallback>> {
    let run = run_id();
    let tasks = Arc::new(std::sync::Mutex::new(Vec::with_capacity(count)));
    let seed = {
        let (api, vcb_base, tasks) = (api.clone(), vcb_base.to_owned(), tasks.clone());
        move |n: usize| {
            let (api, vcb_base, tasks) = (api.clone(), vcb_base.clone(), tasks.clone());
            async move {
                let order = prepare_order(&format!("cb{run}"), n);
                let order_id = api.create_order(&order).await?;
                let bank = ["vnpay", "vcb", "vietqr"][n % 3];
                let attempt = pending_attempt(&api, &vcb_base, order_id, bank)
                    .await
                    .map_err(|e| format!("{e:#}"))?;
                let seq = (run as usize % 1000) * 1_000_000 + n;
                tasks
                    .lock()
                    .expect("not poisoned")
                    .push((n, sign_success(&attempt, seq)));
                Ok(())
            }
        }
    };
    let seeded = drive(count, 16, Duration::from_secs(3600), seed).await;
    if seeded.errors > 0 {
        bail!("seeding failed: {:?}", seeded.first_error);
    }
    let mut signed = std::mem::take(&mut *tasks.lock().expect("not poisoned"));
    signed.sort_by_key(|(n, _)| *n);
    Ok(signed.into_iter().map(|(_, cb)| cb).collect())
}

/// Every order whose callback was fired (and replayed) is `paid` with exactly one payment: the
/// one of that callback. Returns how many orders it checked.
async fn verify_paid_once(api: &Api, fired: &[SignedCallback]) -> anyhow::Result<usize> {
    for cb in fired {
        let order = api.order(cb.order_id()).await?;
        ensure!(
            order["status"] == "paid" && order["payment"].is_object(),
            "order {} is not paid once: {order}",
            cb.order_id()
        );
    }
    Ok(fired.len())
}
