//! API key roles (api.md, Conventions).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A dossier system: creates and reads its own orders.
    Portal,
    /// Finance staff: reads reconciliation, resolves discrepancies, refunds.
    Finance,
    /// Administrators: agencies, beneficiary accounts, keys.
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "portal" => Some(Role::Portal),
            "finance" => Some(Role::Finance),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Portal => "portal",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }
}

/// Who made a request or a change, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub key_id: i64,
    pub name: String,
    pub role: Role,
}

impl Caller {
    /// The audit log's `actor`: role and key name, never the key itself.
    pub fn actor(&self) -> String {
        format!("{}:{}#{}", self.role.as_str(), self.name, self.key_id)
    }
}

/// What an idempotency key's request is compared by: SHA-256 of the body as parsed JSON, so
/// whitespace and key order do not make a retry differ, and another body with the same key is
/// told apart (api.md, `idempotency-mismatch`).
pub fn request_fingerprint(body: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(body.to_string().as_bytes()))
}
