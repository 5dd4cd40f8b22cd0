//! The outbox's vocabulary: whom a notification is for, and where its delivery stands.

use serde::Serialize;

/// Whom a notification goes to (the `notifications.target` check constraint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The agency's dossier system: the order as JSON, signed with its webhook secret.
    Webhook,
    /// A partner of the previous platform: its CONFIRM (legacy-platform.md).
    LegacyConfirm,
}

/// A notification's delivery state (the `notifications.status` check constraint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Given up after the retry window; an admin may redeliver it.
    Dead,
}

impl TryFrom<String> for Target {
    type Error = String;
    fn try_from(text: String) -> Result<Target, String> {
        match text.as_str() {
            "webhook" => Ok(Target::Webhook),
            "legacy_confirm" => Ok(Target::LegacyConfirm),
            _ => Err(format!("unknown notification target {text:?}")),
        }
    }
}

impl TryFrom<String> for DeliveryStatus {
    type Error = String;
    fn try_from(text: String) -> Result<DeliveryStatus, String> {
        match text.as_str() {
            "pending" => Ok(DeliveryStatus::Pending),
            "delivered" => Ok(DeliveryStatus::Delivered),
            "dead" => Ok(DeliveryStatus::Dead),
            _ => Err(format!("unknown notification status {text:?}")),
        }
    }
}
