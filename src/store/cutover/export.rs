//! The way back (cutover.md §4): every order created or changed since a time, read in the
//! export's shape, streamed.

use chrono::{DateTime, Utc};

use crate::store::{with_pool, Store, StoreError};

/// One order as the way back reads it (cutover.md §4).
#[derive(Debug, sqlx::FromRow)]
pub struct ExportedOrder {
    pub id: String,
    pub agency_code: String,
    pub dossier_code: String,
    pub procedure_code: String,
    pub amount_vnd: i64,
    pub status: String,
    pub payer_name: String,
    pub created_at: DateTime<Utc>,
    pub fee_vnd: i64,
    pub charge_vnd: i64,
    pub service_vnd: i64,
    /// The previous platform's partner and reference; an order made through PayHub's own API
    /// has none, and goes back under its API key's name and its id.
    pub partner_code: Option<String>,
    pub partner_reference: Option<String>,
    pub key_name: String,
    pub imported: bool,
    pub beneficiary_account: Option<String>,
    pub beneficiary_bin: Option<String>,
    /// The attempt that paid the order, else its latest.
    pub bank: Option<String>,
    pub bank_reference: Option<String>,
    pub account_no: Option<String>,
    pub bank_bin: Option<String>,
    pub bank_payment_id: Option<String>,
    pub bank_txn_id: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
}

const EXPORT_SQL: &str = "
    select o.id, o.agency_code, o.dossier_code, o.procedure_code, o.amount_vnd, o.status,
      o.payer_name, o.created_at,
      cast(coalesce((select sum(i.amount_vnd) from order_items i
        where i.order_id = o.id and i.kind = 'fee'), 0) as bigint) as fee_vnd,
      cast(coalesce((select sum(i.amount_vnd) from order_items i
        where i.order_id = o.id and i.kind = 'charge'), 0) as bigint) as charge_vnd,
      cast(coalesce((select sum(i.amount_vnd) from order_items i
        where i.order_id = o.id and i.kind = 'service'), 0) as bigint) as service_vnd,
      lo.partner_code, lo.reference as partner_reference, k.name as key_name,
      lo.imported_at is not null as imported, lo.beneficiary_account, lo.beneficiary_bin,
      a.bank, a.reference as bank_reference, a.account_no, a.bank_bin, a.bank_payment_id,
      p.bank_txn_id, p.paid_at
    from orders o
    join api_keys k on k.id = o.created_by_key_id
    left join legacy_orders lo on lo.order_id = o.id
    left join payments p on p.id = (select min(p2.id) from payments p2
      where p2.order_id = o.id and p2.kind = 'payment')
    left join payment_attempts a on a.id = coalesce(p.attempt_id,
      (select max(a2.id) from payment_attempts a2 where a2.order_id = o.id))
    where o.updated_at >= $1
    order by o.updated_at, o.id";

impl Store {
    /// Every order created or changed since `since`, oldest change first, handed to `each` as
    /// it is read (the export is streamed, never held).
    pub async fn export_legacy<F>(
        &self,
        since: DateTime<Utc>,
        mut each: F,
    ) -> Result<u64, StoreError>
    where
        F: FnMut(ExportedOrder) -> Result<(), StoreError>,
    {
        use futures_util::TryStreamExt;
        let mut n = 0;
        with_pool!(self, |pool| {
            let mut rows = sqlx::query_as::<_, ExportedOrder>(EXPORT_SQL)
                .bind(since)
                .fetch(pool);
            while let Some(row) = rows.try_next().await? {
                each(row)?;
                n += 1;
            }
        });
        Ok(n)
    }
}
