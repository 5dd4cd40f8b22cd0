//! Messages PayHub sends to people (messages.md): email through SMTP. Each channel is off
//! without its config section.

pub mod email;

use secrecy::SecretString;
use serde::Deserialize;

/// Outgoing messages (messages.md §1); a channel without its section is off.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MessagesConfig {
    pub email: Option<EmailConfig>,
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
