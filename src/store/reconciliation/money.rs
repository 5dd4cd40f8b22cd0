//! A run's money per (agency, account, class) on each side (migration 0013): written with the
//! run, read back for its summary; and the accounts PayHub's payments were made to, for the
//! entries the bank's statement has no line for.

use std::collections::HashMap;

use super::MoneyTotal;
use crate::store::{on_tx, with_pool, Store, StoreError, Tx};

impl Store {
    /// The money rows of a run, in the order they were written (agency, account, class).
    pub async fn run_money(&self, run_id: i64) -> Result<Vec<MoneyTotal>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            "select agency_code, account, class, moved, entries, amount_vnd, bank_vnd, payhub_vnd
             from reconciliation_money where run_id = $1 order by id"
        )
        .bind(run_id)
        .fetch_all(pool)
        .await?))
    }

    /// (run id, bank credited, PayHub recorded) of each of `run_ids` that has money rows.
    pub async fn runs_money(&self, run_ids: &[i64]) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        if run_ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=run_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "select run_id, cast(sum(bank_vnd) as bigint), cast(sum(payhub_vnd) as bigint)
               from reconciliation_money where moved and run_id in ({})
              group by run_id",
            marks.join(", ")
        );
        Ok(with_pool!(self, |pool| {
            let mut q = sqlx::query_as(&sql);
            for id in run_ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        }))
    }

    /// The account each of `payment_ids` (the engine's record ids: `p<payment>` or
    /// `r<refund>`) was made to: the attempt's snapshot of the beneficiary setting, the terminal
    /// for VNPAY (what its statement names). Ids of other forms are left out.
    pub async fn accounts_of_records(
        &self,
        record_ids: &[String],
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut found = HashMap::new();
        for (prefix, sql) in [
            (
                'p',
                "select p.id, coalesce(a.terminal_code, a.account_no) from payments p
                 join payment_attempts a on a.id = p.attempt_id where p.id = $1",
            ),
            (
                'r',
                "select r.id, coalesce(a.terminal_code, a.account_no) from refunds r
                 join payments p on p.id = r.payment_id
                 join payment_attempts a on a.id = p.attempt_id where r.id = $1",
            ),
        ] {
            let ids = record_ids
                .iter()
                .filter_map(|id| id.strip_prefix(prefix)?.parse::<i64>().ok());
            for id in ids {
                let row: Option<(i64, String)> = with_pool!(self, |pool| sqlx::query_as(sql)
                    .bind(id)
                    .fetch_optional(pool)
                    .await?);
                if let Some((id, account)) = row {
                    found.insert(format!("{prefix}{id}"), account);
                }
            }
        }
        Ok(found)
    }
}

/// Inserts a run's money rows in the transaction that finishes it.
pub(super) async fn insert_money(
    tx: &mut Tx,
    run_id: i64,
    rows: &[MoneyTotal],
) -> Result<(), StoreError> {
    for m in rows {
        on_tx!(tx, |c| sqlx::query(
            "insert into reconciliation_money (run_id, agency_code, account, class, moved,
               entries, amount_vnd, bank_vnd, payhub_vnd)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(run_id)
        .bind(m.agency_code.as_deref())
        .bind(m.account.as_deref())
        .bind(&m.class)
        .bind(m.moved)
        .bind(m.entries)
        .bind(m.amount_vnd)
        .bind(m.bank_vnd)
        .bind(m.payhub_vnd)
        .execute(c)
        .await
        .map(|_| ())?);
    }
    Ok(())
}
