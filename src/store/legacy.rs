//! The previous platform's partners and their orders (legacy-platform.md): each partner's own
//! API key, the (partner, `MaThamChieu`) → order mapping, and the CONFIRM outbox rows.

use chrono::{DateTime, Utc};

use super::keys::{generate_key, hash_key};
use super::{on_tx, with_pool, Store, StoreError, Tx};
use crate::domain::keys::{Caller, Role};
use crate::domain::order::{ConfirmFacts, LegacyOrigin, Order};

impl Store {
    /// The caller a partner's INIT acts as: an API key of its own, created on first use with a
    /// random secret that is never shown, so nobody can use it over the JSON API.
    pub async fn legacy_partner_caller(
        &self,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<Caller, StoreError> {
        let name = format!("legacy:{code}");
        let select = "select api_key_id from legacy_partners where code = $1";
        let mut tx = self.begin().await?;
        let found: Option<(i64,)> = on_tx!(&mut tx, |c| sqlx::query_as(select)
            .bind(code)
            .fetch_optional(c)
            .await?);
        let key_id = match found {
            Some((id,)) => id,
            None => {
                let (id,): (i64,) = on_tx!(&mut tx, |c| sqlx::query_as(
                    "insert into api_keys (name, role, key_hash, key_prefix, created_at)
                     values ($1, 'portal', $2, 'legacy', $3) returning id"
                )
                .bind(&name)
                .bind(hash_key(&generate_key()))
                .bind(now)
                .fetch_one(c)
                .await?);
                on_tx!(&mut tx, |c| sqlx::query(
                    "insert into legacy_partners (code, api_key_id, created_at)
                     values ($1, $2, $3) on conflict do nothing"
                )
                .bind(code)
                .bind(id)
                .bind(now)
                .execute(c)
                .await
                .map(|_| ())?);
                // A concurrent first INIT may have won: use its key, so that one partner's
                // idempotency keys all live under one API key.
                let (winner,): (i64,) = on_tx!(&mut tx, |c| sqlx::query_as(select)
                    .bind(code)
                    .fetch_one(c)
                    .await?);
                winner
            }
        };
        tx.commit().await?;
        Ok(Caller {
            key_id,
            name,
            role: Role::Portal,
        })
    }

    /// The order a partner knows by `reference`.
    pub async fn legacy_order_id(
        &self,
        partner: &str,
        reference: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = with_pool!(self, |pool| sqlx::query_as(
            "select order_id from legacy_orders where partner_code = $1 and reference = $2"
        )
        .bind(partner)
        .bind(reference)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(id,)| id))
    }

    /// Whether a bank attempt of the order may still turn into a payment: created, sent to the
    /// bank, or with a result nobody knows yet.
    pub async fn has_unresolved_attempt(&self, order_id: &str) -> Result<bool, StoreError> {
        let (n,): (i64,) = with_pool!(self, |pool| sqlx::query_as(
            "select count(*) from payment_attempts
             where order_id = $1 and status in ('created', 'redirected', 'unknown')"
        )
        .bind(order_id)
        .fetch_one(pool)
        .await?);
        Ok(n > 0)
    }
}

/// Written with the order, in its transaction (called from `insert_order`).
pub(crate) async fn insert_legacy_order(
    tx: &mut Tx,
    order_id: &str,
    origin: &LegacyOrigin,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    on_tx!(tx, |c| sqlx::query(
        "insert into legacy_orders (order_id, partner_code, reference, confirm_url,
           transaction_info, created_at)
         values ($1, $2, $3, $4, $5, $6)"
    )
    .bind(order_id)
    .bind(&origin.partner_code)
    .bind(&origin.reference)
    .bind(&origin.confirm_url)
    .bind(&origin.transaction_info)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LegacyRow {
    partner_code: String,
    reference: String,
    confirm_url: String,
    transaction_info: String,
}

/// legacy-platform.md §CONFIRM: when an INIT order becomes paid, the CONFIRM goes into the same
/// outbox as the JSON notifications. The row holds its facts ([`ConfirmFacts`]); the dispatcher
/// makes the message and signs it with the partner's secret from the configuration (secrets are
/// not stored).
pub(crate) async fn enqueue_confirm(
    tx: &mut Tx,
    order: &Order,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row: Option<LegacyRow> = on_tx!(tx, |c| sqlx::query_as(
        "select partner_code, reference, confirm_url, transaction_info from legacy_orders
         where order_id = $1"
    )
    .bind(&order.id)
    .fetch_optional(c)
    .await?);
    let (Some(row), Some(payment)) = (row, order.payment.as_ref()) else {
        return Ok(());
    };
    let facts = ConfirmFacts {
        partner_code: row.partner_code,
        reference: row.reference,
        amount: payment.amount,
        bank: payment.bank,
        bank_txn_id: payment.bank_txn_id.clone(),
        paid_at: payment.paid_at,
        transaction_info: row.transaction_info,
    };
    let payload = serde_json::to_string(&facts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    on_tx!(tx, |c| sqlx::query(
        "insert into notifications (order_id, event, target, url, payload, status, attempts,
           next_attempt_at, lease_until, created_at)
         values ($1, 'legacy.confirm', 'legacy_confirm', $2, $3, 'pending', 0, $4, $4, $4)"
    )
    .bind(&order.id)
    .bind(&row.confirm_url)
    .bind(payload)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}
