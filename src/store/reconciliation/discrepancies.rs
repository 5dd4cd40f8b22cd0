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
    resolved_at, resolved_by, note";

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

/// Inserts one discrepancy of `run_id` in the transaction that finishes the run.
pub(super) async fn insert_discrepancy(
    tx: &mut Tx,
    run_id: i64,
    d: &DiscrepancyFacts,
) -> Result<(), StoreError> {
    on_tx!(tx, |c| sqlx::query(
        "insert into discrepancies (run_id, class, agency_code, reference, bank_txn_id,
           order_id, amount_vnd, line_no, bank_amount_vnd, bank_status, bank_at,
           credited_account, payment_ref, payhub_amount_vnd, payhub_status, payhub_at,
           expected_accounts, detail_json)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    )
    .bind(run_id)
    .bind(&d.class)
    .bind(d.agency_code.as_deref())
    .bind(&d.reference)
    .bind(d.bank_txn_id.as_deref())
    .bind(d.order_id.as_deref())
    .bind(d.amount_vnd)
    .bind(d.line_no)
    .bind(d.bank_amount_vnd)
    .bind(d.bank_status.as_deref())
    .bind(d.bank_at)
    .bind(d.credited_account.as_deref())
    .bind(d.payment_ref.as_deref())
    .bind(d.payhub_amount_vnd)
    .bind(d.payhub_status.as_deref())
    .bind(d.payhub_at)
    .bind(d.expected_accounts.as_deref())
    .bind(&d.detail_json)
    .execute(c)
    .await
    .map(|_| ())?);
    Ok(())
}
