//! PayHub's configuration: the TOML keys fixed in api.md ("Running it"), each overridable by an
//! environment variable `PAYHUB_<SECTION>__<KEY>` (nested tables and array indexes add more `__`).
//! Secrets are `SecretString`, so neither `Debug` nor a log line can print them.

use std::fmt;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config is not valid TOML or has a wrong key or value: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("environment variable {var}: {reason}")]
    Env { var: String, reason: String },
    #[error("config value {key}: {reason}")]
    Invalid { key: &'static str, reason: String },
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub banks: BanksConfig,
    pub reconciliation: ReconciliationConfig,
    pub legacy: LegacyConfig,
    pub reports: ReportsConfig,
    pub messages: MessagesConfig,
}

// The sections of the daily report and of messages live beside what they configure.
pub use crate::daily_report::schedule::{ReportRecipients, ReportsConfig};
pub use crate::messages::{EmailConfig, MessagesConfig};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: String,
    /// Base of the checkout, return and callback URLs that citizens' browsers and banks reach.
    pub public_url: String,
    #[serde(deserialize_with = "number_or_string")]
    pub body_limit_bytes: usize,
    /// Run the background workers (expiry, notifications, pending sync, reconciliation schedule).
    #[serde(deserialize_with = "bool_or_string")]
    pub workers: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            body_limit_bytes: 256 * 1024,
            workers: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    pub url: DatabaseUrl,
    #[serde(deserialize_with = "number_or_string")]
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: DatabaseUrl("sqlite://payhub.db".into()),
            max_connections: 16,
        }
    }
}

/// A database URL whose `Debug` hides the password (a PostgreSQL URL may carry one).
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct DatabaseUrl(pub String);

impl DatabaseUrl {
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    /// The URL with any password replaced, fit for logs.
    pub fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return self.0.clone();
        };
        match rest.split_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or("");
                let hidden = if userinfo.contains(':') { ":***" } else { "" };
                format!("{scheme}://{user}{hidden}@{host}")
            }
            None => self.0.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BanksConfig {
    pub vnpay: Option<VnpayConfig>,
    pub vcb: Option<VcbConfig>,
    pub bidv: Option<BidvConfig>,
    /// How long one call to a bank may take before PayHub gives up on it (a timeout): the
    /// citizen waits on it at payment start. 15 s by default; tests of a slow bank shorten it.
    #[serde(deserialize_with = "number_or_string")]
    pub timeout_ms: u64,
}

impl Default for BanksConfig {
    fn default() -> Self {
        BanksConfig {
            vnpay: None,
            vcb: None,
            bidv: None,
            timeout_ms: 15_000,
        }
    }
}

impl BanksConfig {
    /// The banks PayHub can collect through: those configured, in `BankCode::ALL` order.
    pub fn configured(&self) -> Vec<crate::domain::bank::BankCode> {
        use crate::domain::bank::BankCode;
        BankCode::ALL
            .into_iter()
            .filter(|bank| match bank {
                BankCode::Vnpay => self.vnpay.is_some(),
                BankCode::Vcb => self.vcb.is_some(),
                BankCode::Bidv => self.bidv.is_some(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VnpayConfig {
    pub pay_url: String,
    pub api_url: String,
    #[serde(default)]
    pub terminals: Vec<VnpayTerminal>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VnpayTerminal {
    pub code: String,
    pub hash_secret: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VcbConfig {
    pub base_url: String,
    pub merchant_id: String,
    pub secret: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BidvConfig {
    pub base_url: String,
    pub partner_code: String,
    pub secret: SecretString,
}

/// Cron expressions (with seconds, GMT+7) per bank; each run covers the previous day.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ReconciliationConfig {
    pub vnpay: Option<String>,
    pub vcb: Option<String>,
    pub bidv: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LegacyConfig {
    pub partners: Vec<LegacyPartner>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyPartner {
    pub code: String,
    pub secret: SecretString,
    pub agencies: Vec<String>,
    pub confirm_url: String,
    /// Where the citizen's pages link back to; the message set has no such field, so by
    /// default the origin of `confirm_url` (the partner's own site).
    #[serde(default)]
    pub return_url: Option<String>,
}

impl LegacyPartner {
    pub fn return_url(&self) -> String {
        if let Some(url) = &self.return_url {
            return url.clone();
        }
        match reqwest::Url::parse(&self.confirm_url) {
            Ok(url) => format!("{}/", url.origin().ascii_serialization()),
            Err(_) => self.confirm_url.clone(),
        }
    }
}

impl Config {
    /// Reads the file if one is given (defaults otherwise), then applies `PAYHUB_*__*` variables.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with_env(path, std::env::vars())
    }

    pub fn load_with_env(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.display().to_string(),
                source,
            })?,
            None => String::new(),
        };
        let mut table: toml::Table = toml::from_str(&text)?;
        for (var, value) in env {
            if let Some(key) = var.strip_prefix("PAYHUB_").filter(|k| k.contains("__")) {
                apply_override(&mut table, &var, key, value)?;
            }
        }
        let config: Config = toml::Value::Table(table).try_into()?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.database.url;
        if !url.is_postgres() && !url.0.starts_with("sqlite:") {
            return Err(ConfigError::Invalid {
                key: "database.url",
                reason: "must start with sqlite: or postgres://".into(),
            });
        }
        self.validate_legacy()?;
        let email = self.messages.email.as_ref();
        crate::daily_report::schedule::validate(&self.reports, email).map_err(|reason| {
            ConfigError::Invalid {
                key: "reports",
                reason,
            }
        })?;
        (self.messages.validate()).map_err(|(key, reason)| ConfigError::Invalid { key, reason })?;
        if self.server.public_url.ends_with('/') {
            return Err(ConfigError::Invalid {
                key: "server.public_url",
                reason: "must not end with '/'".into(),
            });
        }
        Ok(())
    }

    /// Partners of the previous platform: unique codes, and a confirm URL PayHub can POST to.
    fn validate_legacy(&self) -> Result<(), ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            key: "legacy.partners",
            reason,
        };
        let mut codes = std::collections::HashSet::new();
        for p in &self.legacy.partners {
            if p.code.trim().is_empty() || !codes.insert(p.code.as_str()) {
                return Err(invalid(format!("code {:?} is empty or repeated", p.code)));
            }
            let url = reqwest::Url::parse(&p.confirm_url).ok();
            if !url.is_some_and(|u| matches!(u.scheme(), "http" | "https")) {
                return Err(invalid(format!(
                    "{}: confirm_url must be an http(s) URL",
                    p.code
                )));
            }
        }
        Ok(())
    }

    /// The secret of a configured VNPAY terminal.
    pub fn vnpay_secret(&self, terminal: &str) -> Option<&str> {
        let vnpay = self.banks.vnpay.as_ref()?;
        let t = vnpay.terminals.iter().find(|t| t.code == terminal)?;
        Some(t.hash_secret.expose_secret())
    }
}

/// `PAYHUB_BANKS__VCB__SECRET=x` sets `banks.vcb.secret = "x"`; a numeric segment indexes an array.
fn apply_override(
    table: &mut toml::Table,
    var: &str,
    key: &str,
    value: String,
) -> Result<(), ConfigError> {
    let path: Vec<String> = key.split("__").map(|s| s.to_ascii_lowercase()).collect();
    let env_err = |reason: &str| ConfigError::Env {
        var: var.to_owned(),
        reason: reason.into(),
    };
    let mut node = table
        .entry(path[0].clone())
        .or_insert_with(|| toml::Value::Table(Default::default()));
    for segment in &path[1..] {
        node = match node {
            toml::Value::Table(t) => t
                .entry(segment.clone())
                .or_insert_with(|| toml::Value::Table(Default::default())),
            toml::Value::Array(items) => {
                let i: usize = segment
                    .parse()
                    .map_err(|_| env_err("expected an array index"))?;
                items
                    .get_mut(i)
                    .ok_or_else(|| env_err("array index out of range"))?
            }
            _ => return Err(env_err("path goes through a value that is not a table")),
        };
    }
    *node = toml::Value::String(value);
    Ok(())
}

/// Numbers may arrive as strings from environment overrides.
fn number_or_string<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + std::str::FromStr,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(i64),
        S(String),
    }
    let bad = || serde::de::Error::custom("expected a non-negative whole number");
    match Raw::deserialize(d)? {
        Raw::N(n) => T::try_from(n).map_err(|_| bad()),
        Raw::S(s) => s.trim().parse().map_err(|_| bad()),
    }
}

fn bool_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        B(bool),
        S(String),
    }
    match Raw::deserialize(d)? {
        Raw::B(b) => Ok(b),
        Raw::S(s) => match s.as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(serde::de::Error::custom("expected true or false")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn no_file_means_sqlite_and_localhost_defaults() {
        let c = Config::load_with_env(None, env(&[])).unwrap();
        assert_eq!(c.database.url.0, "sqlite://payhub.db");
        assert_eq!(c.server.listen, "127.0.0.1:8080");
    }

    #[test]
    fn environment_overrides_every_level() {
        let dir = std::env::temp_dir().join(format!("payhub-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("payhub.toml");
        std::fs::write(
            &file,
            r#"
[server]
listen = "0.0.0.0:1"
[banks.vnpay]
pay_url = "https://p"
api_url = "https://a"
[[banks.vnpay.terminals]]
code = "T1"
hash_secret = "s1"
"#,
        )
        .unwrap();
        let c = Config::load_with_env(
            Some(&file),
            env(&[
                ("PAYHUB_SERVER__LISTEN", "127.0.0.1:9"),
                ("PAYHUB_DATABASE__URL", "postgres://u:pw@h/db"),
                ("PAYHUB_DATABASE__MAX_CONNECTIONS", "4"),
                ("PAYHUB_BANKS__VNPAY__TERMINALS__0__HASH_SECRET", "s2"),
                ("PAYHUB_BANKS__VCB__BASE_URL", "http://v"),
                ("PAYHUB_BANKS__VCB__MERCHANT_ID", "M"),
                ("PAYHUB_BANKS__VCB__SECRET", "vs"),
                ("PAYHUB_TEST_POSTGRES_URL", "ignored: no section"),
            ]),
        )
        .unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:9");
        assert_eq!(c.database.max_connections, 4);
        assert_eq!(c.vnpay_secret("T1"), Some("s2"));
        assert_eq!(c.banks.vcb.unwrap().merchant_id, "M");
    }

    #[test]
    fn secrets_and_database_passwords_never_show_in_debug() {
        let c = Config::load_with_env(
            None,
            env(&[
                (
                    "PAYHUB_DATABASE__URL",
                    "postgres://payhub:hunter2@db/payhub",
                ),
                ("PAYHUB_BANKS__BIDV__BASE_URL", "http://b"),
                ("PAYHUB_BANKS__BIDV__PARTNER_CODE", "DVCQG"),
                ("PAYHUB_BANKS__BIDV__SECRET", "topsecret"),
            ]),
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(shown.contains("postgres://payhub:***@db/payhub"));
    }

    #[test]
    fn legacy_partners_are_read_with_secrets_from_the_environment() {
        let dir = std::env::temp_dir().join(format!("payhub-legacy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("payhub.toml");
        let partner = r#"
[[legacy.partners]]
code = "STP_HANOI"
secret = "in-file"
agencies = ["000.00.12.H26"]
confirm_url = "https://dvc.example.gov.vn/payment/confirm"
"#;
        std::fs::write(&file, partner).unwrap();
        let c = Config::load_with_env(
            Some(&file),
            env(&[("PAYHUB_LEGACY__PARTNERS__0__SECRET", "from-env")]),
        )
        .unwrap();
        let p = &c.legacy.partners[0];
        assert_eq!(p.secret.expose_secret(), "from-env");
        assert_eq!(p.return_url(), "https://dvc.example.gov.vn/");
        assert!(!format!("{c:?}").contains("from-env"));

        std::fs::write(&file, format!("{partner}{partner}")).unwrap();
        let e = Config::load_with_env(Some(&file), env(&[])).unwrap_err();
        assert!(e.to_string().contains("repeated"), "{e}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = Config::load_with_env(None, env(&[("PAYHUB_SERVER__LISTN", "x")])).unwrap_err();
        assert!(e.to_string().contains("listn"), "{e}");
    }
}
