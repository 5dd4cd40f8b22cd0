//! What a run reads of PayHub's own records for one bank and a window of days.

use chrono::{DateTime, Utc};

use crate::domain::bank::BankCode;
use crate::store::{with_pool, Store, StoreError};

/// One attempt of the run's bank and, when money moved, one of its payments.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRecordRow {
    pub attempt_id: i64,
    pub order_id: String,
    pub agency_code: String,
    pub procedure_code: String,
    pub reference: String,
    pub attempt_status: String,
    pub attempt_amount_vnd: i64,
    pub created_at: DateTime<Utc>,
    pub payment_id: Option<i64>,
    pub bank_txn_id: Option<String>,
    pub payment_kind: Option<String>,
    pub paid_vnd: Option<i64>,
    pub refunded_vnd: Option<i64>,
    pub paid_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    pub kinds: OrderKinds,
}

/// Which kinds of item the record's order has (the engine picks the account in force by kind).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct OrderKinds {
    pub has_fee: bool,
    pub has_charge: bool,
    pub has_service: bool,
}

/// The `OrderKinds` columns of the order `o`: one row per record, not one per item.
const ORDER_KINDS: &str = "
    exists (select 1 from order_items i where i.order_id = o.id and i.kind = 'fee') as has_fee,
    exists (select 1 from order_items i where i.order_id = o.id and i.kind = 'charge') as has_charge,
    exists (select 1 from order_items i where i.order_id = o.id and i.kind = 'service')
      as has_service";

/// One refund of a payment at the run's bank.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefundRecordRow {
    pub refund_id: i64,
    pub order_id: String,
    pub agency_code: String,
    pub procedure_code: String,
    pub reference: String,
    pub bank_refund_id: Option<String>,
    pub amount_vnd: i64,
    pub status: String,
    pub updated_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub kinds: OrderKinds,
}

/// One beneficiary setting of the run's bank; `account` is the terminal code for VNPAY.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub agency_code: String,
    pub fee_kind: String,
    pub procedure_code: Option<String>,
    pub account: String,
    pub effective_from: DateTime<Utc>,
}

/// What a run reads of PayHub's side for one bank and a window of days.
pub struct PayhubSide {
    pub attempts: Vec<AttemptRecordRow>,
    pub refunds: Vec<RefundRecordRow>,
    pub accounts: Vec<AccountRow>,
}

// A payment belongs to the window by its payment time, an attempt without one by its creation;
// a payment refunded in the window is read too, so the refund's line finds what it refunds. Three
// disjoint branches, each on an index (migration 0009), so a run reads its window, not history
// (the refunds drive the third: SQLite keeps a `cross join`'s order).
const ROWS_IN_WINDOW: &str = "
    select a.id as attempt_id, p.id as payment_id
      from payments p join payment_attempts a on a.id = p.attempt_id
     where p.bank = $1 and p.paid_at >= $2 and p.paid_at < $3
    union all
    select a.id, null
      from payment_attempts a
     where a.bank = $1 and a.created_at >= $2 and a.created_at < $3
       and not exists (select 1 from payments p where p.attempt_id = a.id)
    union all
    select distinct a.id, p.id
      from refunds r cross join payments p join payment_attempts a on a.id = p.attempt_id
     where r.updated_at >= $2 and r.updated_at < $3 and p.id = r.payment_id
       and p.bank = $1 and not (p.paid_at >= $2 and p.paid_at < $3)";

impl Store {
    /// PayHub's attempts, payments and refunds with `bank` in `[from, to)`, the kinds of their
    /// orders' items, and the bank's beneficiary settings with their history.
    pub async fn payhub_side(
        &self,
        bank: BankCode,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<PayhubSide, StoreError> {
        let attempts_sql = format!(
            "select a.id as attempt_id, a.order_id, o.agency_code, o.procedure_code, a.reference,
               a.status as attempt_status, a.amount_vnd as attempt_amount_vnd, a.created_at,
               p.id as payment_id, p.bank_txn_id, p.kind as payment_kind, p.amount_vnd as paid_vnd,
               p.refunded_vnd, p.paid_at, {ORDER_KINDS}
             from ({ROWS_IN_WINDOW}) w
             join payment_attempts a on a.id = w.attempt_id
             join orders o on o.id = a.order_id
             left join payments p on p.id = w.payment_id
             order by a.id, p.id"
        );
        let refunds_sql = format!(
            "select r.id as refund_id, r.order_id, o.agency_code, o.procedure_code,
               a.reference, r.bank_refund_id, r.amount_vnd, r.status, r.updated_at, {ORDER_KINDS}
             from refunds r join payments p on p.id = r.payment_id
             join payment_attempts a on a.id = p.attempt_id join orders o on o.id = r.order_id
             where p.bank = $1 and r.updated_at >= $2 and r.updated_at < $3 order by r.id"
        );
        let accounts_sql = "select agency_code, fee_kind, procedure_code,
               coalesce(case when bank = 'vnpay' then terminal_code end, account_no) as account,
               effective_from
             from beneficiary_accounts where bank = $1 order by id";
        let bank = bank.as_str();
        Ok(with_pool!(self, |pool| PayhubSide {
            attempts: sqlx::query_as(&attempts_sql)
                .bind(bank)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?,
            refunds: sqlx::query_as(&refunds_sql)
                .bind(bank)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?,
            accounts: sqlx::query_as(accounts_sql)
                .bind(bank)
                .fetch_all(pool)
                .await?,
        }))
    }
}
