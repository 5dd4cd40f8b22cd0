//! A run's discrepancies: written with the run, read with filters, and resolved once by
//! finance staff with a note, audited.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{Discrepancy, DiscrepancyFacts, DiscrepancyFilter, ResolveError};
use crate::store::audit::{append_audit, Change};
use crate::store::{on_tx, with_pool, Store, StoreError, Tx};

const DISCREPANCY_COLUMNS: &str = "id, run_id, class, agency_code, reference, bank_txn_id, \
    order_id, amount_vnd, line_no, bank_amount_vnd, bank_status, bank_at, credited_account, \
    payment_ref, payhub_amount_vnd, payhub_status, payhub_at, expected_accounts, detail_json, \
    bank_money_vnd, payhub_money_vnd, resolved_at, resolved_by, note";

impl Store {
    pub async fn discrepancies(
        &self,
        run_id: i64,
        f: &DiscrepancyFilter,
    ) -> Result<Vec<Discrepancy>, StoreError> {
        let sql = format!(
            "select {DISCREPANCY_COLUMNS} from discrepancies
             where run_id = $1 and ($2 is null or class = $2) and ($3 is null or agency_code = $3)
               and ($4 is null or (resolved_at is not null) = $4)
             order by id"
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(run_id)
            .bind(f.class.as_deref())
            .bind(f.agency_code.as_deref())
            .bind(f.resolved)
            .fetch_all(pool)
            .await?))
    }

    /// Every discrepancy about order `order_id`, of every run, oldest first.
    pub async fn discrepancies_of_order(
        &self,
        order_id: &str,
    ) -> Result<Vec<Discrepancy>, StoreError> {
        let sql = format!(
            "select {DISCREPANCY_COLUMNS} from discrepancies where order_id = $1 order by id"
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(order_id)
            .fetch_all(pool)
            .await?))
    }

    pub async fn discrepancy(&self, id: i64) -> Result<Option<Discrepancy>, StoreError> {
        let sql = format!("select {DISCREPANCY_COLUMNS} from discrepancies where id = $1");
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await?))
    }

    /// Marks a discrepancy resolved by `actor` with `note`, and writes who, when and the note
    /// to the audit log in the same transaction. A discrepancy is resolved once.
    pub async fn resolve_discrepancy(
        &self,
        id: i64,
        actor: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Discrepancy, ResolveError> {
        let sql = format!(
            "update discrepancies set resolved_at = $2, resolved_by = $3, note = $4
             where id = $1 and resolved_at is null returning {DISCREPANCY_COLUMNS}"
        );
        let mut tx = self.begin().await?;
        let resolved: Option<Discrepancy> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(id)
            .bind(now)
            .bind(actor)
            .bind(note)
            .fetch_optional(c)
            .await?);
        let Some(resolved) = resolved else {
            let exists: Option<(i64,)> = on_tx!(&mut tx, |c| sqlx::query_as(
                "select id from discrepancies where id = $1"
            )
            .bind(id)
            .fetch_optional(c)
            .await?);
            return Err(match exists {
                Some(_) => ResolveError::AlreadyResolved(id),
                None => ResolveError::Store(StoreError::NotFound),
            });
        };
        let change = Change {
            actor,
            action: "discrepancy.resolved",
            subject: format!("discrepancy:{id}"),
            before: Some(
                json!({"run_id": resolved.run_id, "class": resolved.facts.class,
                "reference": resolved.facts.reference, "resolved_at": null}),
            ),
            after: Some(json!({"resolved_at": now, "resolved_by": actor, "note": note})),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        tx.commit().await?;
        Ok(resolved)
    }
}

/// Rows per insert statement: 20 values each stays under SQLite's 32,766 bound variables.
const ROWS_PER_INSERT: usize = 500;

/// Inserts the discrepancies of `run_id` in the transaction that finishes the run, a batch of
/// rows per statement rather than a round trip each.
pub(super) async fn insert_discrepancies(
    tx: &mut Tx,
    run_id: i64,
    all: &[DiscrepancyFacts],
) -> Result<(), StoreError> {
    for chunk in all.chunks(ROWS_PER_INSERT) {
        on_tx!(tx, |c| {
            let mut insert = sqlx::QueryBuilder::new(
                "insert into discrepancies (run_id, class, agency_code, reference, bank_txn_id,
                   order_id, amount_vnd, line_no, bank_amount_vnd, bank_status, bank_at,
                   credited_account, payment_ref, payhub_amount_vnd, payhub_status, payhub_at,
                   expected_accounts, detail_json, bank_money_vnd, payhub_money_vnd) ",
            );
            insert.push_values(chunk, |mut row, d| {
                row.push_bind(run_id)
                    .push_bind(&d.class)
                    .push_bind(d.agency_code.as_deref())
                    .push_bind(&d.reference)
                    .push_bind(d.bank_txn_id.as_deref())
                    .push_bind(d.order_id.as_deref())
                    .push_bind(d.amount_vnd)
                    .push_bind(d.line_no)
                    .push_bind(d.bank_amount_vnd)
                    .push_bind(d.bank_status.as_deref())
                    .push_bind(d.bank_at)
                    .push_bind(d.credited_account.as_deref())
                    .push_bind(d.payment_ref.as_deref())
                    .push_bind(d.payhub_amount_vnd)
                    .push_bind(d.payhub_status.as_deref())
                    .push_bind(d.payhub_at)
                    .push_bind(d.expected_accounts.as_deref())
                    .push_bind(&d.detail_json)
                    .push_bind(d.bank_money_vnd)
                    .push_bind(d.payhub_money_vnd);
            });
            insert.build().execute(c).await.map(|_| ())
        }?);
    }
    Ok(())
}
