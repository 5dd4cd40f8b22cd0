//! PostgreSQL stopped under load: while the dossier systems post orders and the banks deliver
//! callbacks, the database is stopped for `OUTAGE` and started again. PayHub must answer every
//! request quickly with "try again" (503 problem+json, each bank's retry code), say it is not
//! ready, leave no half-written order, and apply every callback the banks repeat afterwards
//! exactly once.
//!
//! The test runs a PostgreSQL of its own (`initdb` and `pg_ctl` on a free port in a temporary
//! folder), never the shared server, which other tests use at the same time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bank_adapters::simulator::{Controls, Faults, FlushOrder};
use serde_json::Value;

use crate::callbacks::{checkout, press};
use crate::helpers::{order_body, spawn_app_with_banks_retrying, Backend, TestApp, AGENCY};
use crate::orders::count;

/// How long PostgreSQL stays down: the "about 30 s" shortened so the whole test stays
/// under a minute in CI; past the pool's acquire timeout (2 s) a longer outage changes nothing.
const OUTAGE: Duration = Duration::from_secs(20);

/// The banks' gap between two callback attempts: VNPAY's 10 retries then span 40 s, longer
/// than the outage, so every bank still repeats its callback after PostgreSQL is back.
const RETRY_EVERY: Duration = Duration::from_secs(4);

/// No request may take longer than this, outage or not ("answers quickly").
const MAX_REPLY: Duration = Duration::from_secs(5);

/// A PostgreSQL server of the test's own, in a temporary folder, stopped and removed on drop.
struct OwnPostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// `runuser -u postgres --` when the tests run as root: initdb and postgres refuse root.
    as_postgres: bool,
}

impl OwnPostgres {
    /// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb` and `pg_ctl`, or
    /// `PAYHUB_TEST_PG_BIN`. Without one the test is skipped, except when `CI` is set: then it
    /// fails, as the shared PostgreSQL suite does.
    fn binaries() -> Option<PathBuf> {
        let usable = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
        if let Some(dir) = std::env::var_os("PAYHUB_TEST_PG_BIN").map(PathBuf::from) {
            return usable(&dir).then_some(dir);
        }
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse().ok()?;
                Some((version, e.path().join("bin")))
            })
            .filter(|(_, bin)| usable(bin))
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    }

    /// initdb on a temporary folder, then start on a free port. `None` (skipped) when the
    /// binaries are missing and `CI` is not set.
    fn start() -> Option<OwnPostgres> {
        let Some(bin) = OwnPostgres::binaries() else {
            if std::env::var_os("CI").is_some() {
                panic!("CI is set but no PostgreSQL binaries (initdb, pg_ctl) were found under /usr/lib/postgresql/*/bin or PAYHUB_TEST_PG_BIN");
            }
            eprintln!("outage test skipped: no initdb/pg_ctl under /usr/lib/postgresql/*/bin");
            return None;
        };
        let dir = std::env::temp_dir().join(format!("payhub_pg_{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let as_postgres = std::os::unix::fs::MetadataExt::uid(&dir.metadata().unwrap()) == 0;
        if as_postgres {
            run(Command::new("chown").args(["postgres:postgres"]).arg(&dir));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = OwnPostgres {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = pg.data();
        // --no-sync and fsync=off: a throwaway cluster; trust auth on 127.0.0.1 only.
        run(pg
            .command("initdb")
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data));
        pg.pg_ctl_start();
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `bin/program`, as the `postgres` user when the tests run as root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// Starts the server and waits (`-w`) until it accepts connections. The socket directory
    /// is the temporary folder: the default one may not exist or be writable here.
    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        run(self
            .command("pg_ctl")
            .args(["-w", "-t", "30", "-D"])
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-o", &options, "start"]));
    }

    /// Stops the server the way an operator or a failover does: `fast` closes every session.
    fn pg_ctl_stop(&self, mode: &str) -> std::io::Result<std::process::Output> {
        self.command("pg_ctl")
            .args(["-w", "-D"])
            .arg(self.data())
            .args(["-m", mode, "stop"])
            .output()
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self.pg_ctl_stop("immediate");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(command: &mut Command) {
    let out = command.output().expect("the PostgreSQL binaries run");
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Where the database stood when a request was sent and when its reply came.
const UP: u8 = 0;
const DOWN: u8 = 1;
const BACK: u8 = 2;

#[derive(Debug)]
struct Reply {
    what: &'static str,
    key: String,
    sent_in: u8,
    answered_in: u8,
    status: u16,
    took: Duration,
    body: Value,
}

/// Orders and readiness checks, one after another, until `stop`: the dossier systems' and the
/// load balancer's side of the outage.
async fn load(app: Arc<TestApp>, phase: Arc<AtomicU8>, stop: Arc<AtomicBool>) -> Vec<Reply> {
    let mut replies = Vec::new();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let key = format!("{AGENCY}-L{n}");
        for what in ["order", "readyz"] {
            let sent_in = phase.load(Ordering::SeqCst);
            let started = Instant::now();
            let response = match what {
                "order" => app.create_order(&key, &order_body(&key)).await,
                _ => app.client.get(app.url("/readyz")).send().await.unwrap(),
            };
            let status = response.status().as_u16();
            let problem = response.headers().get("content-type").map(|v| v.as_bytes())
                == Some(b"application/problem+json");
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert!(
                status < 500 || problem,
                "{what} {status} is not problem+json"
            );
            replies.push(Reply {
                what,
                key: key.clone(),
                sent_in,
                answered_in: phase.load(Ordering::SeqCst),
                status,
                took: started.elapsed(),
                body,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    replies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_load_answers_try_again_fast_and_applies_each_repeated_callback_once(
) {
    let Some(pg) = OwnPostgres::start() else {
        return;
    };
    let app = spawn_app_with_banks_retrying(Backend::Postgres(pg.url()), RETRY_EVERY, |_| {}).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let banks = app.banks.as_ref().unwrap();
    let controls: Vec<(&str, Controls)> = vec![
        ("vnpay", (*banks.vnpay).clone()),
        ("vcb", (*banks.vcb).clone()),
        ("bidv", (*banks.bidv).clone()),
    ];
    // Arrange: a citizen at each bank has paid; each bank holds its callback (three copies at
    // once, each retried on its own) to deliver it while the database is down.
    let mut order_ids = Vec::new();
    for (n, (bank, controls)) in controls.iter().enumerate() {
        controls.fault_next(Faults::default().hold().copies(3).concurrent());
        let (order, page) = checkout(&app, &format!("{AGENCY}-P{n}"), bank).await;
        press(&app, &page, "approve").await;
        assert_eq!(controls.held_callbacks(), 1, "{bank}");
        order_ids.push(order["id"].as_str().unwrap().to_owned());
    }
    let app = Arc::new(app);
    let phase = Arc::new(AtomicU8::new(UP));
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn(load(app.clone(), phase.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Act: stop PostgreSQL under load, let the banks deliver, start it again.
    let started = Instant::now();
    let pg = Arc::new(pg);
    let stopper = pg.clone();
    let stopped = tokio::task::spawn_blocking(move || stopper.pg_ctl_stop("fast"))
        .await
        .unwrap()
        .unwrap();
    assert!(stopped.status.success(), "{stopped:?}");
    phase.store(DOWN, Ordering::SeqCst);
    let deliveries: Vec<_> = (controls.iter())
        .map(|(_, c)| {
            let c = c.clone();
            tokio::spawn(async move { c.flush(FlushOrder::Fifo).await })
        })
        .collect();
    tokio::time::sleep(OUTAGE).await;
    phase.store(BACK, Ordering::SeqCst);
    let starter = pg.clone();
    tokio::task::spawn_blocking(move || starter.pg_ctl_start())
        .await
        .unwrap();
    let ready = Instant::now();
    while app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .status()
        != 200
    {
        assert!(
            ready.elapsed() < Duration::from_secs(10),
            "never ready again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("ready {:?} after the restart", ready.elapsed());
    for delivery in deliveries {
        let flushed = tokio::time::timeout(Duration::from_secs(30), delivery).await;
        assert_eq!(flushed.expect("the banks' retries end").unwrap(), 1);
    }
    stop.store(true, Ordering::SeqCst);
    let replies = load.await.unwrap();
    eprintln!("outage and recovery took {:?}", started.elapsed());

    // Assert: every request was answered quickly, with "try again" while the database was down.
    let slowest = replies.iter().max_by_key(|r| r.took).unwrap();
    assert!(slowest.took < MAX_REPLY, "too slow: {slowest:?}");
    let during: Vec<_> = (replies.iter())
        .filter(|r| r.sent_in == DOWN && r.answered_in == DOWN)
        .collect();
    assert!(
        during.len() >= 4,
        "too little load in the outage: {}",
        during.len()
    );
    for r in &during {
        assert_eq!(r.status, 503, "{r:?}");
        assert_eq!(
            r.body["type"], "https://payhub.dev/problems/unavailable",
            "{r:?}"
        );
    }
    for r in &replies {
        let ok = if r.what == "order" { 201 } else { 200 };
        assert!(r.status == ok || r.status == 503, "{r:?}");
    }
    // Each bank saw its retry code while the database was down, never a timeout, and then one
    // acknowledgement per copy.
    for (bank, controls) in &controls {
        let txn = &controls.transactions()[0];
        let attempts = &txn.callback.attempts;
        assert!(
            attempts.iter().all(|a| a.error.is_none()),
            "{bank}: {attempts:?}"
        );
        let refused: Vec<_> = attempts.iter().filter(|a| !a.acknowledged).collect();
        assert!(!refused.is_empty(), "{bank} never met the outage");
        let retry_status = if *bank == "vcb" { 500 } else { 200 };
        for a in refused {
            assert_eq!(
                (a.http_status, a.code.as_deref()),
                (Some(retry_status), Some("99")),
                "{bank}"
            );
        }
        assert_eq!(
            attempts.iter().filter(|a| a.acknowledged).count(),
            3,
            "{bank}"
        );
    }
    // Exactly once: one payment, one paid order and one notification per bank.
    let app = &*app;
    for id in &order_ids {
        let order: Value = app
            .get(&format!("/api/v1/orders/{id}"), &app.finance_key)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(order["status"], "paid", "{order}");
    }
    assert_eq!(count(app, "select count(*) from payments").await, 3);
    assert_eq!(
        count(
            app,
            "select count(*) from payment_attempts where status = 'succeeded'"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            app,
            "select count(*) from notifications where event = 'order.paid'"
        )
        .await,
        3
    );
    // No half-written order: every order has its two items and its idempotency key, and each
    // refused order posted again with its key is created now, once.
    let keys: std::collections::BTreeSet<_> = (replies.iter())
        .filter(|r| r.what == "order")
        .map(|r| r.key.clone())
        .collect();
    for key in &keys {
        let again = app.create_order(key, &order_body(key)).await;
        assert!(again.status().is_success(), "{key}: {}", again.status());
    }
    let orders = count(app, "select count(*) from orders").await;
    assert_eq!(orders, 3 + keys.len() as i64);
    assert_eq!(
        count(app, "select count(*) from order_items").await,
        2 * orders
    );
    assert_eq!(
        count(app, "select count(*) from idempotency_keys").await,
        orders
    );
}
