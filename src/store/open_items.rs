//! The open items across runs (issue 14): every unresolved discrepancy of each day's current run,
//! and every payment that came after its order expired or was cancelled until an officer handles
//! it, oldest first.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

use super::audit::{append_audit, Change};
use super::{on_tx, with_pool, Store, StoreError};

/// Filters; `class` is a reconciliation class or a review reason (`paid_after_expiry`, …).
#[derive(Debug, Default, Clone)]
pub struct OpenItemFilter {
    pub bank: Option<String>,
    pub agency_code: Option<String>,
    pub class: Option<String>,
}

/// One item someone has to act on.
#[derive(Debug, Clone, Serialize)]
pub struct OpenItem {
    /// `discrepancy` or `late_payment`.
    pub kind: &'static str,
    /// The discrepancy's id; for a late payment, none (its order id says which).
    pub discrepancy_id: Option<i64>,
    pub run_id: Option<i64>,
    pub bank: Option<String>,
    pub agency_code: Option<String>,
    pub class: String,
    pub reference: Option<String>,
    pub bank_txn_id: Option<String>,
    pub order_id: Option<String>,
    pub amount_vnd: i64,
    /// The business day of the run (a discrepancy) or the payment's day (a late payment).
    pub day: NaiveDate,
    /// When the money moved or the item began, for the age.
    pub since: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct DiscrepancyItem {
    id: i64,
    run_id: i64,
    bank: String,
    business_date: NaiveDate,
    class: String,
    agency_code: Option<String>,
    reference: String,
    bank_txn_id: Option<String>,
    order_id: Option<String>,
    amount_vnd: i64,
    bank_at: Option<DateTime<Utc>>,
    payhub_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct LateItem {
    id: String,
    agency_code: String,
    review_reason: String,
    paid_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    amount_vnd: i64,
    bank: Option<String>,
    bank_txn_id: Option<String>,
}

const OPEN_LIMIT: i64 = 2000;

impl Store {
    /// Oldest first (by day, then id), at most 2,000 of each kind.
    pub async fn open_items(&self, f: &OpenItemFilter) -> Result<Vec<OpenItem>, StoreError> {
        let rows: Vec<DiscrepancyItem> = with_pool!(self, |pool| {
            sqlx::query_as(
            "select d.id, d.run_id, r.bank, r.business_date, d.class, d.agency_code, d.reference,
                    d.bank_txn_id, d.order_id, d.amount_vnd, d.bank_at, d.payhub_at
               from discrepancies d join reconciliation_runs r on r.id = d.run_id
              where d.resolved_at is null and r.is_current
                and ($1 is null or r.bank = $1) and ($2 is null or d.agency_code = $2)
                and ($3 is null or d.class = $3)
              order by r.business_date, d.id limit $4"
        )
        .bind(f.bank.as_deref())
        .bind(f.agency_code.as_deref())
        .bind(f.class.as_deref())
        .bind(OPEN_LIMIT)
        .fetch_all(pool)
        .await?
        });
        let late: Vec<LateItem> = with_pool!(self, |pool| {
            sqlx::query_as(
            "select o.id, o.agency_code, o.review_reason, o.paid_at, o.created_at, o.amount_vnd,
                    p.bank, p.bank_txn_id
               from orders o
               left join payments p on p.id =
                 (select min(p2.id) from payments p2 where p2.order_id = o.id)
              where o.review_reason is not null
                and not exists (select 1 from order_reviews_handled h where h.order_id = o.id)
                and ($1 is null or p.bank = $1) and ($2 is null or o.agency_code = $2)
                and ($3 is null or o.review_reason = $3)
              order by o.paid_at, o.id limit $4"
        )
        .bind(f.bank.as_deref())
        .bind(f.agency_code.as_deref())
        .bind(f.class.as_deref())
        .bind(OPEN_LIMIT)
        .fetch_all(pool)
        .await?
        });
        let mut items: Vec<OpenItem> = rows.into_iter().map(discrepancy_item).collect();
        items.extend(late.into_iter().map(late_item));
        items.sort_by_key(|a| (a.day, a.since));
        Ok(items)
    }

    /// Takes a late payment off the queue with a note; audited. `false` if it was handled before.
    pub async fn handle_late_payment(
        &self,
        order_id: &str,
        actor: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let inserted = on_tx!(&mut tx, |c| sqlx::query(
            "insert into order_reviews_handled (order_id, handled_by, handled_at, note)
             select id, $2, $3, $4 from orders where id = $1 and review_reason is not null
             on conflict do nothing"
        )
        .bind(order_id)
        .bind(actor)
        .bind(now)
        .bind(note)
        .execute(c)
        .await
        .map(|r| r.rows_affected())?);
        if inserted == 0 {
            return Ok(false);
        }
        let change = Change {
            actor,
            action: "late_payment.handled",
            subject: format!("order:{order_id}"),
            before: None,
            after: Some(json!({"handled_at": now, "handled_by": actor, "note": note})),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        tx.commit().await?;
        Ok(true)
    }
}

fn discrepancy_item(d: DiscrepancyItem) -> OpenItem {
    OpenItem {
        kind: "discrepancy",
        discrepancy_id: Some(d.id),
        run_id: Some(d.run_id),
        bank: Some(d.bank),
        agency_code: d.agency_code,
        class: d.class,
        reference: Some(d.reference),
        bank_txn_id: d.bank_txn_id,
        order_id: d.order_id,
        amount_vnd: d.amount_vnd,
        day: d.business_date,
        since: d.bank_at.or(d.payhub_at),
    }
}

fn late_item(o: LateItem) -> OpenItem {
    let at = o.paid_at.unwrap_or(o.created_at);
    OpenItem {
        kind: "late_payment",
        discrepancy_id: None,
        run_id: None,
        bank: o.bank,
        agency_code: Some(o.agency_code),
        class: o.review_reason,
        reference: None,
        bank_txn_id: o.bank_txn_id,
        order_id: Some(o.id),
        amount_vnd: o.amount_vnd,
        day: at.with_timezone(&crate::clock::vietnam()).date_naive(),
        since: Some(at),
    }
}
