//! Finding a payment the way finance staff know it (issue 14): by dossier code, PayHub's
//! reference, the bank's transaction id, the order id, or the payer's name without accents.
//! Each key is an equality on an indexed column (migration 0013), the name a pattern on the
//! folded name; statement lines PayHub has no order for are found through their discrepancies.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{on_tx, with_pool, Store, StoreError};
use crate::domain::fold::fold_name;

/// At most this many results: a search box is for finding one payment, not for listing.
pub const SEARCH_LIMIT: i64 = 50;

/// An order found, and which of its keys matched.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OrderHit {
    pub order_id: String,
    pub dossier_code: String,
    pub agency_code: String,
    pub payer_name: String,
    pub amount_vnd: i64,
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// `order_id`, `dossier_code`, `reference`, `bank_txn_id` or `payer_name`.
    pub matched_by: String,
}

/// A statement line PayHub has no order for (its discrepancy), found by its ids.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LineHit {
    pub discrepancy_id: i64,
    pub run_id: i64,
    pub class: String,
    pub reference: String,
    pub bank_txn_id: Option<String>,
    pub amount_vnd: i64,
    pub matched_by: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    pub orders: Vec<OrderHit>,
    pub lines: Vec<LineHit>,
}

const ORDER_HITS: &str = "select o.id as order_id, o.dossier_code, o.agency_code, o.payer_name,
       o.amount_vnd, o.status, o.created_at, k.matched_by
  from (select id as order_id, 'order_id' as matched_by from orders where id = $1
        union all
        select id, 'dossier_code' from orders where dossier_code = $1
        union all
        select order_id, 'reference' from payment_attempts where reference in ($1, $2)
        union all
        select order_id, 'bank_txn_id' from payments where bank_txn_id = $1
        union all
        select order_id, 'bank_txn_id' from refunds where bank_refund_id = $1
        union all
        select id, 'payer_name' from orders where $3 <> '' and payer_name_folded like $3) k
  join orders o on o.id = k.order_id
 order by o.created_at desc, o.id
 limit $4";

const LINE_HITS: &str = "select id as discrepancy_id, run_id, class, reference, bank_txn_id,
       amount_vnd,
       case when bank_txn_id = $1 then 'bank_txn_id' else 'reference' end as matched_by
  from discrepancies
 where order_id is null and (bank_txn_id = $1 or reference in ($1, $2))
 order by id desc
 limit $3";

impl Store {
    /// Orders and unknown statement lines matching `query` (trimmed), newest first, each order
    /// once with the first key it matched by. A name needs two letters or more.
    pub async fn search(&self, query: &str) -> Result<SearchResults, StoreError> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(SearchResults::default());
        }
        self.fold_missing_names().await?;
        let upper = query.to_uppercase();
        let folded = fold_name(query);
        let pattern = if folded.chars().count() >= 2 {
            format!("%{}%", folded.replace(['%', '_'], ""))
        } else {
            String::new()
        };
        let hits: Vec<OrderHit> = with_pool!(self, |pool| sqlx::query_as(ORDER_HITS)
            .bind(query)
            .bind(&upper)
            .bind(&pattern)
            .bind(SEARCH_LIMIT * 5)
            .fetch_all(pool)
            .await?);
        let mut orders: Vec<OrderHit> = Vec::new();
        for hit in hits {
            if !orders.iter().any(|o| o.order_id == hit.order_id) {
                orders.push(hit);
            }
        }
        orders.truncate(SEARCH_LIMIT as usize);
        let lines: Vec<LineHit> = with_pool!(self, |pool| sqlx::query_as(LINE_HITS)
            .bind(query)
            .bind(&upper)
            .bind(SEARCH_LIMIT)
            .fetch_all(pool)
            .await?);
        Ok(SearchResults { orders, lines })
    }

    /// Folds the names of orders written without their folded name (before migration 0013, or
    /// by the cutover's import), a batch at a time; nothing to do is one indexed lookup.
    async fn fold_missing_names(&self) -> Result<(), StoreError> {
        loop {
            let rows: Vec<(String, String)> = with_pool!(self, |pool| sqlx::query_as(
                "select id, payer_name from orders where payer_name_folded is null limit 500"
            )
            .fetch_all(pool)
            .await?);
            if rows.is_empty() {
                return Ok(());
            }
            let mut tx = self.begin().await?;
            for (id, name) in &rows {
                on_tx!(&mut tx, |c| sqlx::query(
                    "update orders set payer_name_folded = $2 where id = $1"
                )
                .bind(id)
                .bind(fold_name(name))
                .execute(c)
                .await
                .map(|_| ())?);
            }
            tx.commit().await?;
        }
    }
}
