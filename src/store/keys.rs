//! API keys: created by the CLI, shown once, stored as a SHA-256 hash, revoked at once.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::audit::{append_audit, Change};
use super::rows::parse_col;
use super::{on_tx, with_pool, Store, StoreError};
use crate::domain::keys::{Caller, Role};

#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub key_prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    name: String,
    role: String,
    key_prefix: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl KeyRow {
    fn into_domain(self) -> Result<ApiKeyInfo, StoreError> {
        Ok(ApiKeyInfo {
            role: parse_col("api_keys.role", &self.role, Role::parse)?,
            id: self.id,
            name: self.name,
            key_prefix: self.key_prefix,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// A newly generated key; `secret` is shown once and never stored.
pub struct NewKey {
    pub info: ApiKeyInfo,
    pub secret: String,
}

/// `ph_` and 32 base-62 characters (about 190 bits) from the OS's generator.
pub fn generate_key() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    format!(
        "ph_{}",
        Alphanumeric.sample_string(&mut rand::rngs::OsRng, 32)
    )
}

pub fn hash_key(key: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(key.as_bytes()))
}

const KEY_COLUMNS: &str = "id, name, role, key_prefix, created_at, revoked_at";

impl Store {
    pub async fn create_key(
        &self,
        name: &str,
        role: Role,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<NewKey, StoreError> {
        let secret = generate_key();
        let prefix: String = secret.chars().take(8).collect();
        let sql = format!(
            "insert into api_keys (name, role, key_hash, key_prefix, created_at)
             values ($1, $2, $3, $4, $5) returning {KEY_COLUMNS}"
        );
        let mut tx = self.begin().await?;
        let row: KeyRow = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(name)
            .bind(role.as_str())
            .bind(hash_key(&secret))
            .bind(&prefix)
            .bind(now)
            .fetch_one(c)
            .await?);
        let change = Change {
            actor,
            action: "key.created",
            subject: format!("key:{}", row.id),
            before: None,
            after: Some(
                json!({"id": row.id, "name": name, "role": role.as_str(), "key_prefix": prefix}),
            ),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        tx.commit().await?;
        Ok(NewKey {
            info: row.into_domain()?,
            secret,
        })
    }

    pub async fn list_keys(&self) -> Result<Vec<ApiKeyInfo>, StoreError> {
        let sql = format!("select {KEY_COLUMNS} from api_keys order by id");
        let rows: Vec<KeyRow> =
            with_pool!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(KeyRow::into_domain).collect()
    }

    /// Revokes a key; revoking a revoked key is a no-op that reports `false`.
    pub async fn revoke_key(
        &self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let exists: Option<(i64,)> = on_tx!(&mut tx, |c| sqlx::query_as(
            "select id from api_keys where id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await?);
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let done = on_tx!(&mut tx, |c| sqlx::query(
            "update api_keys set revoked_at = $1 where id = $2 and revoked_at is null"
        )
        .bind(now)
        .bind(id)
        .execute(c)
        .await?
        .rows_affected())
            == 1;
        if done {
            let change = Change {
                actor,
                action: "key.revoked",
                subject: format!("key:{id}"),
                before: Some(json!({"revoked_at": null})),
                after: Some(json!({"revoked_at": now})),
            };
            on_tx!(&mut tx, |c| append_audit!(c, now, change));
        }
        tx.commit().await?;
        Ok(done)
    }

    /// The caller a presented key belongs to, if the key exists and is not revoked. Read on every
    /// request, uncached, so a revocation takes effect at once.
    pub async fn caller_for_key(&self, key: &str) -> Result<Option<Caller>, StoreError> {
        let sql = "select id, name, role from api_keys where key_hash = $1 and revoked_at is null";
        let row: Option<(i64, String, String)> = with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(hash_key(key))
            .fetch_optional(pool)
            .await?);
        row.map(|(key_id, name, role)| {
            Ok(Caller {
                key_id,
                name,
                role: parse_col("api_keys.role", &role, Role::parse)?,
            })
        })
        .transpose()
    }
}
