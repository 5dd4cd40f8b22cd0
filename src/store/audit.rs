//! The audit log: every admin change with who, when, what, before and after. Append-only: the
//! application has no update or delete for it, and triggers refuse them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::{with_pool, Store, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    #[serde(rename = "before", serialize_with = "as_json")]
    pub before_json: Option<String>,
    #[serde(rename = "after", serialize_with = "as_json")]
    pub after_json: Option<String>,
}

fn as_json<S: serde::Serializer>(text: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    let value: Value = text
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null);
    value.serialize(s)
}

/// One change to record, written in the same transaction as the change itself.
pub struct Change<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Appends `change` on `conn` (a transaction of either backend).
macro_rules! append_audit {
    ($conn:expr, $at:expr, $change:expr) => {{
        let change: $crate::store::audit::Change = $change;
        sqlx::query(
            "insert into audit_log (at, actor, action, subject, before_json, after_json)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind($at)
        .bind(change.actor)
        .bind(change.action)
        .bind(&change.subject)
        .bind(change.before.map(|v| v.to_string()))
        .bind(change.after.map(|v| v.to_string()))
        .execute($conn)
        .await?;
    }};
}
pub(crate) use append_audit;

impl Store {
    /// Newest first; `subject` filters to one thing (e.g. `agency:000.00.12.H29`).
    pub async fn audit_entries(
        &self,
        subject: Option<&str>,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let sql = "select id, at, actor, action, subject, before_json, after_json from audit_log
                   where ($1 is null or subject = $1) and ($2 is null or id < $2)
                   order by id desc limit $3";
        let rows = with_pool!(self, |pool| sqlx::query_as::<_, AuditEntry>(sql)
            .bind(subject)
            .bind(before_id)
            .bind(limit)
            .fetch_all(pool)
            .await?);
        Ok(rows)
    }
}
