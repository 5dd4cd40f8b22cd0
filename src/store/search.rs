//! Finding a payment the way finance staff know it (issue 14): by dossier code, PayHub's
//! reference, the bank's transaction id, the order id, or the payer's name without accents.
//! Each key is an equality on an indexed column (migration 0013), the name the beginnings of the
//! words of the folded name (`order_name_words`, indexed); statement lines PayHub has no order
//! for are found through their discrepancies.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{on_tx, with_pool, Store, StoreError, Tx};
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

/// The orders found by every key but the name; `{NAME_BRANCH}` is replaced by the name's
/// branch (one `intersect` per word of the query), or nothing.
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
        {NAME_BRANCH}) k
  join orders o on o.id = k.order_id
 order by o.created_at desc, o.id
 limit $3";

const LINE_HITS: &str = "select id as discrepancy_id, run_id, class, reference, bank_txn_id,
       amount_vnd,
       case when bank_txn_id = $1 then 'bank_txn_id' else 'reference' end as matched_by
  from discrepancies
 where order_id is null and (bank_txn_id = $1 or reference in ($1, $2))
 order by id desc
 limit $3";

/// The words a name query is made of, folded; none when too short to mean anything (a name is
/// found from two letters on). At most five words.
fn name_words(query: &str) -> Vec<String> {
    let words: Vec<String> = plain_words(query).take(5).collect();
    if words.iter().map(|w| w.chars().count()).sum::<usize>() < 2 {
        return Vec::new();
    }
    words
}

/// The folded text's words, letters and digits only (so no `%` or `_` reaches a pattern).
fn plain_words(text: &str) -> impl Iterator<Item = String> {
    fold_name(text)
        .split(' ')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// The folded name's words, each once.
fn words_of(name: &str) -> Vec<String> {
    let mut words: Vec<String> = plain_words(name).collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// Writes the words of an order's payer name (the order insert's transaction, and the
/// backfill's).
pub(super) async fn insert_name_words(
    tx: &mut Tx,
    order_id: &str,
    name: &str,
) -> Result<(), StoreError> {
    let words = words_of(name);
    if words.is_empty() {
        return Ok(());
    }
    on_tx!(tx, |c| {
        let mut insert = sqlx::QueryBuilder::new("insert into order_name_words (word, order_id) ");
        insert.push_values(&words, |mut row, word| {
            row.push_bind(word).push_bind(order_id);
        });
        insert.push(" on conflict do nothing");
        insert.build().execute(c).await.map(|_| ())
    }?);
    Ok(())
}

impl Store {
    /// The branch of [`ORDER_HITS`] that finds orders whose name has a word starting with each
    /// word of the query: binds from `$4`, two per word (the word, and the word followed by the
    /// last character, so the range is a prefix whatever the collation: PostgreSQL's index is
    /// `text_pattern_ops`, SQLite compares bytes).
    fn name_branch(&self, words: usize) -> String {
        if words == 0 {
            return String::new();
        }
        let one = |i: usize| {
            let (from, to) = (4 + 2 * i, 5 + 2 * i);
            match self {
                Store::Postgres(_) => format!(
                    "select order_id from order_name_words where word like ${from} || '%' \
                     and ${to} <> ''"
                ),
                Store::Sqlite(..) => format!(
                    "select order_id from order_name_words where word >= ${from} and word < ${to}"
                ),
            }
        };
        let all: Vec<String> = (0..words).map(one).collect();
        format!(
            "union all select order_id, 'payer_name' from ({}) w",
            all.join(" intersect ")
        )
    }

    /// Orders and unknown statement lines matching `query` (trimmed), newest first, each order
    /// once with the first key it matched by. A name needs two letters or more.
    pub async fn search(&self, query: &str) -> Result<SearchResults, StoreError> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(SearchResults::default());
        }
        self.fold_missing_names().await?;
        let upper = query.to_uppercase();
        let words = name_words(query);
        let sql = ORDER_HITS.replace("{NAME_BRANCH}", &self.name_branch(words.len()));
        let hits: Vec<OrderHit> = with_pool!(self, |pool| {
            let mut q = sqlx::query_as(&sql)
                .bind(query)
                .bind(&upper)
                .bind(SEARCH_LIMIT * 5);
            for word in &words {
                q = q.bind(word.clone());
                q = q.bind(format!("{word}{}", char::MAX));
            }
            q.fetch_all(pool).await?
        });
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
                insert_name_words(&mut tx, id, name).await?;
            }
            tx.commit().await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_query_is_its_plain_folded_words() {
        assert_eq!(name_words("  Ánh   TUYẾT "), ["anh", "tuyet"]);
        assert_eq!(name_words("a"), Vec::<String>::new());
        assert_eq!(name_words("50%_off"), ["50off"]);
        assert_eq!(
            words_of("Trần Thị Ánh Tuyết Tuyết"),
            ["anh", "thi", "tran", "tuyet"]
        );
    }
}
