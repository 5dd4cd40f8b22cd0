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

impl MessagesConfig {
    /// Checked at start-up: (the key, what is wrong with it).
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some(sms) = &self.sms {
            let url = reqwest::Url::parse(&sms.base_url).ok();
            if !url.is_some_and(|u| matches!(u.scheme(), "http" | "https")) {
                return Err(("messages.sms.base_url", "must be an http(s) URL".into()));
            }
        }
        if let Some(email) = &self.email {
            email::Mailer::new(email).map_err(|e| ("messages.email", e.to_string()))?;
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_sms_gateway_and_support_contact_come_from_the_environment() {
        let sms = |base: &str| {
            crate::config::Config::load_with_env(
                None,
                env(&[
                    ("PAYHUB_MESSAGES__SMS__BASE_URL", base),
                    ("PAYHUB_MESSAGES__SMS__BRANDNAME", "DVCQG"),
                    ("PAYHUB_MESSAGES__SMS__SECRET", "sms-topsecret"),
                    ("PAYHUB_MESSAGES__SUPPORT__PHONE", "1900 1234"),
                ]),
            )
        };
        let c = sms("https://sms.example.gov.vn").unwrap();
        let gateway = c.messages.sms.as_ref().unwrap();
        assert_eq!(gateway.brandname, "DVCQG");
        assert_eq!(gateway.timeout_ms, 5000);
        assert_eq!(c.messages.support.phone, "1900 1234");
        assert_eq!(c.messages.support.email, "hotro@dichvucong.gov.vn");
        assert!(!format!("{c:?}").contains("sms-topsecret"));
        assert!(sms("not a url").is_err());
    }
}
