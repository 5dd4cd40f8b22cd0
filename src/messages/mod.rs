//! Messages PayHub sends to people (messages.md): email through SMTP, SMS through the brandname
//! gateway, and the citizen's messages when an order is paid or refunded. Each channel is off
//! without its config section.

pub mod citizen;
pub mod email;
pub mod outbox;
pub mod sms;
pub mod sms_gateway;

use secrecy::SecretString;
use serde::Deserialize;

/// Outgoing messages (messages.md §1); a channel without its section is off.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MessagesConfig {
    pub email: Option<EmailConfig>,
    pub sms: Option<SmsConfig>,
    pub support: SupportConfig,
}

/// `[messages.email]`: an SMTP server (`smtp://host:port`), the sender, optional credentials.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub smtp_url: String,
    pub from: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<SecretString>,
}

/// `[messages.sms]`: the brandname gateway (messages.md §1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    pub base_url: String,
    pub brandname: String,
    pub secret: SecretString,
    /// One call to the gateway, then it counts as not answered (retried).
    #[serde(default = "sms_timeout_ms")]
    pub timeout_ms: u64,
}

fn sms_timeout_ms() -> u64 {
    5000
}

/// `[messages.support]`: who citizens can ask, shown on the pages and in the messages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupportConfig {
    pub phone: String,
    pub email: String,
}

impl Default for SupportConfig {
    fn default() -> Self {
        SupportConfig {
            phone: "1800 1096".into(),
            email: "hotro@dichvucong.gov.vn".into(),
        }
    }
}
