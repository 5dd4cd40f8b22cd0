//! Payment receipts' verification tokens: random, made once per order on first need.

use chrono::{DateTime, Utc};

use super::orders::load_order;
use super::{with_pool, Store, StoreError};
use crate::domain::order::Order;

/// 32 base-62 characters (about 190 bits) from the OS's generator: not guessable.
fn new_token() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, 32)
}

impl Store {
    /// The order's receipt token, made on first call; every later call returns the same one.
    pub async fn receipt_token(
        &self,
        order_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        with_pool!(self, |pool| sqlx::query(
            "insert into receipts (order_id, token, created_at) values ($1, $2, $3)
             on conflict (order_id) do nothing"
        )
        .bind(order_id)
        .bind(new_token())
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())?);
        let (token,): (String,) = with_pool!(self, |pool| sqlx::query_as(
            "select token from receipts where order_id = $1"
        )
        .bind(order_id)
        .fetch_one(pool)
        .await?);
        Ok(token)
    }

    /// The receipt's short code for SMS links (10 base-62 characters, about 59 bits), made with
    /// the token on first need.
    pub async fn receipt_short_code(
        &self,
        order_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        self.receipt_token(order_id, now).await?;
        use rand::distributions::{Alphanumeric, DistString};
        let code = Alphanumeric.sample_string(&mut rand::rngs::OsRng, 10);
        with_pool!(self, |pool| sqlx::query(
            "update receipts set short_code = $2 where order_id = $1 and short_code is null"
        )
        .bind(order_id)
        .bind(code)
        .execute(pool)
        .await
        .map(|_| ())?);
        let (code,): (String,) = with_pool!(self, |pool| sqlx::query_as(
            "select short_code from receipts where order_id = $1"
        )
        .bind(order_id)
        .fetch_one(pool)
        .await?);
        Ok(code)
    }

    /// The verification token of the receipt with this short code.
    pub async fn receipt_token_by_short_code(
        &self,
        code: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = with_pool!(self, |pool| sqlx::query_as(
            "select token from receipts where short_code = $1"
        )
        .bind(code)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(t,)| t))
    }

    /// The order a receipt token belongs to.
    pub async fn order_by_receipt_token(&self, token: &str) -> Result<Option<Order>, StoreError> {
        let mut tx = self.begin_read().await?;
        let row: Option<(String,)> = super::on_tx!(&mut tx, |c| sqlx::query_as(
            "select order_id from receipts where token = $1"
        )
        .bind(token)
        .fetch_optional(c)
        .await?);
        let order = match row {
            Some((id,)) => load_order(&mut tx, &id).await?,
            None => None,
        };
        tx.commit().await?;
        Ok(order)
    }
}
