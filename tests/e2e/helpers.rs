//! `spawn_app(backend)`: a real PayHub on port 0 over a fresh database of its own, dropped after.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use payhub::clock::{vietnam, Clock};
use payhub::config::{
    BanksConfig, BidvConfig, Config, DatabaseUrl, VcbConfig, VnpayConfig, VnpayTerminal,
};
use payhub::domain::keys::Role;
use payhub::simulated_banks::{Credentials, SimulatedBanks};
use payhub::startup::App;
use payhub::store::Store;
use serde_json::Value;
use sqlx::Connection;
use tokio::sync::oneshot;

/// Generates, for each named `async fn name(backend: Backend)`, a module `name` with the tests
/// `on_sqlite` and `on_postgres`, so one behaviour suite runs on both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_postgres() {
                    if let Some(backend) = $crate::helpers::Backend::postgres() {
                        super::$name(backend).await
                    }
                }
            }
        )+
    };
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// A URL of a PostgreSQL server where the tests may create and drop databases.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when `PAYHUB_TEST_POSTGRES_URL` is set. With `CI` set and the URL missing the
    /// test fails: a CI run that silently skipped PostgreSQL would prove nothing about it.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("PAYHUB_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ if std::env::var_os("CI").is_some() => {
                panic!(
                    "CI is set but PAYHUB_TEST_POSTGRES_URL is not: the PostgreSQL suite must run"
                )
            }
            _ => {
                eprintln!("PostgreSQL test skipped: PAYHUB_TEST_POSTGRES_URL is not set");
                None
            }
        }
    }
}

/// A database made for one test and removed when the test ends.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    pub async fn create(backend: &Backend) -> TestDb {
        let name = format!("payhub_test_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}", dir.join("payhub.db").display());
                TestDb {
                    url,
                    cleanup: Cleanup::File(dir),
                }
            }
            Backend::Postgres(admin_url) => {
                let mut conn = sqlx::PgConnection::connect(admin_url)
                    .await
                    .expect("PostgreSQL reachable");
                sqlx::query(&format!("create database {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let mut url = reqwest::Url::parse(admin_url).unwrap();
                url.set_path(&name);
                TestDb {
                    url: url.to_string(),
                    cleanup: Cleanup::Database {
                        admin_url: admin_url.clone(),
                        name,
                    },
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; a runtime of its own on another thread
                // can still await the connection.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let sql = format!("drop database if exists {name} with (force)");
                            let _ = sqlx::query(&sql).execute(&mut conn).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub clock: Clock,
    pub config: Config,
    pub client: reqwest::Client,
    pub admin_key: String,
    pub portal_key: String,
    pub finance_key: String,
    pub banks: Option<Banks>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    // Declared last: dropped after the server has stopped.
    pub db: TestDb,
}

/// The configuration tests start from: port 0, no background workers (tests run their passes).
pub fn test_config(db: &TestDb) -> Config {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".into();
    config.server.workers = false;
    config.server.public_url = String::new();
    config.database.url = DatabaseUrl(db.url.clone());
    config.database.max_connections = 8;
    config.banks = test_banks("http://127.0.0.1:9");
    config
}

/// All three banks configured, pointing at `base` until a test starts the simulators.
pub fn test_banks(base: &str) -> BanksConfig {
    BanksConfig {
        vnpay: Some(VnpayConfig {
            pay_url: format!("{base}/paymentv2/vpcpay.html"),
            api_url: format!("{base}/merchant_webapi/api/transaction"),
            terminals: vec![VnpayTerminal {
                code: VNPAY_TERMINAL.into(),
                hash_secret: VNPAY_SECRET.to_owned().into(),
            }],
        }),
        vcb: Some(VcbConfig {
            base_url: base.into(),
            merchant_id: "PAYHUB01".into(),
            secret: VCB_SECRET.to_owned().into(),
        }),
        bidv: Some(BidvConfig {
            base_url: base.into(),
            partner_code: "DVCQG".into(),
            secret: BIDV_SECRET.to_owned().into(),
        }),
        ..BanksConfig::default()
    }
}

pub const VNPAY_TERMINAL: &str = "AGENCY01";
pub const VNPAY_SECRET: &str = "vnpay-test-secret";
pub const VCB_SECRET: &str = "vcb-test-secret";
pub const BIDV_SECRET: &str = "bidv-test-secret";
pub const AGENCY: &str = "000.00.12.H29";

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDb::create(&backend).await;
    let mut config = test_config(&db);
    adjust(&mut config);
    let listener = tokio::net::TcpListener::bind(&config.server.listen)
        .await
        .unwrap();
    start(db, config, listener, None).await
}

/// The three bank simulators, playing the banks over real HTTP on port 0.
pub type Banks = SimulatedBanks;

/// The credentials of `test_banks`, shared with the simulators.
pub fn credentials() -> Credentials {
    Credentials {
        vnpay_terminal: VNPAY_TERMINAL.into(),
        vnpay_secret: VNPAY_SECRET.into(),
        vcb_merchant: "PAYHUB01".into(),
        vcb_secret: VCB_SECRET.into(),
        bidv_partner: "DVCQG".into(),
        bidv_secret: BIDV_SECRET.into(),
    }
}

/// PayHub with the three simulators (`payhub::simulated_banks`, the demo's wiring), callbacks
/// retried every 20 ms instead of minutes: the specs' counts, compressed.
pub async fn spawn_app_with_banks(backend: Backend) -> TestApp {
    spawn_app_with_banks_and(backend, |_| {}).await
}

/// `spawn_app_with_banks` with the configuration adjusted last (after the banks' are set).
pub async fn spawn_app_with_banks_and(
    backend: Backend,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    spawn_app_with_banks_retrying(backend, Duration::from_millis(20), adjust).await
}

/// `spawn_app_with_banks_and` with the banks retrying callbacks every `retry_every`.
pub async fn spawn_app_with_banks_retrying(
    backend: Backend,
    retry_every: Duration,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    let db = TestDb::create(&backend).await;
    let mut config = test_config(&db);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let payhub = format!("http://{}", listener.local_addr().unwrap());
    let credentials = credentials();
    let banks = SimulatedBanks::spawn(&payhub, &credentials, retry_every)
        .await
        .unwrap();
    config.banks = banks.config(&credentials);
    adjust(&mut config);
    start(db, config, listener, Some(banks)).await
}

async fn start(
    db: TestDb,
    mut config: Config,
    listener: tokio::net::TcpListener,
    banks: Option<Banks>,
) -> TestApp {
    let clock = Clock::default();
    // Tests run at any hour, CI's included. Within minutes of midnight GMT+7 a payment is a
    // cutoff_shift and the business day ends mid-test, so every test starts at the next 10:00
    // GMT+7, the banks' clocks in step; a test that needs midnight moves there itself.
    clock.advance(until_ten_in_vietnam(clock.now()));
    if let Some(banks) = &banks {
        banks.set_clock_offset(clock.now() - chrono::Utc::now());
    }
    let app = App::build_on(config.clone(), clock.clone(), listener)
        .await
        .expect("PayHub builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    config.server.public_url = address.clone();
    let store = app.state().store.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let now = clock.now();
    let key = |role, name: &'static str| {
        let store = store.clone();
        async move {
            store
                .create_key(name, role, "test", now)
                .await
                .unwrap()
                .secret
        }
    };
    TestApp {
        admin_key: key(Role::Admin, "test-admin").await,
        portal_key: key(Role::Portal, "test-portal").await,
        finance_key: key(Role::Finance, "test-finance").await,
        address,
        store,
        clock,
        config,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        banks,
        stop: Some(stop),
        server: Some(server),
        db,
    }
}

/// How far `now` is from the next 10:00 in Vietnam (zero if it is 10:00 now).
fn until_ten_in_vietnam(now: DateTime<Utc>) -> chrono::Duration {
    let local = now.with_timezone(&vietnam());
    let ten = local.date_naive().and_hms_opt(10, 0, 0).unwrap();
    let ten = ten.and_local_timezone(vietnam()).unwrap();
    if ten >= local {
        ten - local
    } else {
        ten + chrono::Duration::days(1) - local
    }
}

impl TestApp {
    /// Moves PayHub's clock and every simulated bank's by `by`, together: the banks refuse
    /// messages stamped far from their own clocks (vcb.md "Signing", bidv.md "Checksum").
    pub fn move_clocks_by(&self, by: chrono::Duration) {
        self.clock.advance(by);
        if let Some(banks) = &self.banks {
            banks.set_clock_offset(self.clock.now() - Utc::now());
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, key: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, key: &str, body: &Value) -> reqwest::Response {
        self.send_json(reqwest::Method::POST, path, key, body).await
    }

    pub async fn put_json(&self, path: &str, key: &str, body: &Value) -> reqwest::Response {
        self.send_json(reqwest::Method::PUT, path, key, body).await
    }

    /// Stops the server and waits for its graceful shutdown to finish.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.server.take().unwrap().await.unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Asserts a problem+json reply with `status` and slug; returns the problem document.
pub async fn assert_problem(response: reqwest::Response, status: u16, slug: &str) -> Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "status of {}",
        response.url()
    );
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["type"],
        format!("https://payhub.dev/problems/{slug}"),
        "{body}"
    );
    assert_eq!(body["status"], status);
    body
}

/// The beneficiary account every test agency collects into, per bank.
pub fn test_account(bank: &str) -> &'static str {
    match bank {
        "vcb" => "0011001234567",
        "bidv" => "12010000123456",
        _ => "0011007654321",
    }
}

impl TestApp {
    /// Creates `code` with a notification URL and a beneficiary account (any fee kind) at each
    /// bank, in force since an hour ago.
    pub async fn seed_agency(&self, code: &str, notify_url: &str) {
        let body = serde_json::json!({"name": "Sở Xây dựng Hà Nội", "notify_url": notify_url});
        let r = self
            .put_json(&format!("/api/v1/agencies/{code}"), &self.admin_key, &body)
            .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        let since = (self.clock.now() - chrono::Duration::hours(1)).to_rfc3339();
        for (bank, bin) in [("vcb", "970436"), ("bidv", "970418"), ("vnpay", "970436")] {
            let mut setting = serde_json::json!({"bank": bank, "fee_kind": "any",
                "account_no": test_account(bank), "account_name": "KBNN HA NOI", "bank_bin": bin,
                "effective_from": since});
            if bank == "vnpay" {
                setting["terminal_code"] = serde_json::json!(VNPAY_TERMINAL);
            }
            let path = format!("/api/v1/agencies/{code}/beneficiary-accounts");
            let r = self.post_json(&path, &self.admin_key, &setting).await;
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        }
    }

    /// POSTs an order with `key` as its Idempotency-Key.
    pub async fn create_order(&self, key: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/orders"))
            .bearer_auth(&self.portal_key)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// api.md's example order (650.000 đ: lệ phí 150.000 + phí 500.000) for `dossier`.
pub fn order_body(dossier: &str) -> Value {
    serde_json::json!({"dossier_code": dossier, "procedure_code": "1.001234",
        "procedure_name": "Cấp giấy phép xây dựng", "agency_code": AGENCY,
        "payer": {"name": "Nguyễn Văn A", "id_number": "001090012345", "phone": "0912345678", "email": null},
        "items": [{"kind": "charge", "code": "LPXD", "name": "Lệ phí cấp giấy phép xây dựng", "amount": "150000"},
                  {"kind": "fee", "code": "PTD", "name": "Phí thẩm định", "amount": "500000"}],
        "return_url": "https://portal.example.gov.vn/dossiers/1", "expires_in_minutes": 30})
}
