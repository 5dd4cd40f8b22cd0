//! Sessions of the finance staff's pages: a random id in an HttpOnly cookie, stored here only as
//! its SHA-256 hash, with the key it was opened with, a CSRF token and an expiry.

use chrono::{DateTime, Utc};

use super::keys::hash_key;
use super::rows::parse_col;
use super::{on_tx, with_pool, Store, StoreError};
use crate::domain::keys::{Caller, Role};

/// A session just opened: `id` goes into the cookie and is never stored.
pub struct NewSession {
    pub id: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// A live session: its key is not revoked, it has not ended, it has not expired.
#[derive(Debug, Clone)]
pub struct Session {
    pub caller: Caller,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// 43 base-62 characters (about 256 bits) from the OS's generator: session ids and CSRF tokens.
pub fn random_token() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, 43)
}

impl Store {
    /// Opens a session for the key `key_id` until `expires_at`.
    pub async fn open_session(
        &self,
        key_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<NewSession, StoreError> {
        let (id, csrf_token) = (random_token(), random_token());
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "insert into report_sessions (id_hash, key_id, csrf_token, created_at, expires_at)
             values ($1, $2, $3, $4, $5)"
        )
        .bind(hash_key(&id))
        .bind(key_id)
        .bind(&csrf_token)
        .bind(now)
        .bind(expires_at)
        .execute(c)
        .await
        .map(|_| ())?);
        tx.commit().await?;
        Ok(NewSession {
            id,
            csrf_token,
            expires_at,
        })
    }

    /// The live session of a cookie's id. Read on every request, uncached, with the key's
    /// revocation, so a revoked key or a sign-out ends the session at once.
    pub async fn session(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, StoreError> {
        let sql = "select k.id, k.name, k.role, s.csrf_token, s.expires_at
             from report_sessions s join api_keys k on k.id = s.key_id
             where s.id_hash = $1 and s.ended_at is null and s.expires_at > $2
               and k.revoked_at is null";
        type Row = (i64, String, String, String, DateTime<Utc>);
        let row: Option<Row> = with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(hash_key(id))
            .bind(now)
            .fetch_optional(pool)
            .await?);
        row.map(|(key_id, name, role, csrf_token, expires_at)| {
            Ok(Session {
                caller: Caller {
                    key_id,
                    name,
                    role: parse_col("api_keys.role", &role, Role::parse)?,
                },
                csrf_token,
                expires_at,
            })
        })
        .transpose()
    }

    /// Ends a session (sign-out); ending an ended or unknown session does nothing.
    pub async fn end_session(&self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "update report_sessions set ended_at = $2 where id_hash = $1 and ended_at is null"
        )
        .bind(hash_key(id))
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())?);
        tx.commit().await
    }
}
