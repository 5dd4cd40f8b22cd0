//! Orders: idempotent creation, reads and listing.

use chrono::{DateTime, Utc};

use super::rows::{parse_col, vnd};
use super::transitions::transition_order;
use super::{on_tx, Store, StoreError, Tx};
use crate::domain::agency::{single_account, FeeKind};
use crate::domain::bank::{bank_code, BankCode};
use crate::domain::keys::Caller;
use crate::domain::order::{Item, NewOrder, Order, PaymentSummary};
use crate::domain::state::{OrderEvent, OrderStatus};

/// The reply to a create request, as first given (replays give the same status and body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReply {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateOrderError {
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyMismatch,
    #[error("unknown agency {0}")]
    UnknownAgency(String),
    #[error(
        "no bank can take this order now: no beneficiary account in force covers its fee kinds"
    )]
    NoBankAvailable,
    #[error("dossier {dossier} already has an open order {open_order_id}")]
    OpenOrder {
        dossier: String,
        open_order_id: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CreateOrderError {
    fn from(e: sqlx::Error) -> Self {
        CreateOrderError::Store(e.into())
    }
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: String,
    agency_code: String,
    dossier_code: String,
    procedure_code: String,
    procedure_name: String,
    payer_name: String,
    payer_id_number: Option<String>,
    amount_vnd: i64,
    refunded_vnd: i64,
    status: String,
    review_reason: Option<String>,
    return_url: String,
    created_by_key_id: i64,
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    paid_at: Option<DateTime<Utc>>,
}

pub(crate) const ORDER_COLUMNS: &str = "id, agency_code, dossier_code, procedure_code, \
    procedure_name, payer_name, payer_id_number, amount_vnd, refunded_vnd, status, review_reason, \
    return_url, created_by_key_id, expires_at, created_at, updated_at, paid_at";

#[derive(sqlx::FromRow)]
struct ItemRow {
    kind: String,
    code: String,
    name: String,
    amount_vnd: i64,
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    bank: String,
    bank_txn_id: String,
    amount_vnd: i64,
    paid_at: DateTime<Utc>,
    reference: String,
}

/// Loads an order with its items and the payment that settled it.
pub(crate) async fn load_order(tx: &mut Tx, id: &str) -> Result<Option<Order>, StoreError> {
    let sql = format!("select {ORDER_COLUMNS} from orders where id = $1");
    let row: Option<OrderRow> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await?);
    let Some(row) = row else { return Ok(None) };
    let items: Vec<ItemRow> = on_tx!(tx, |c| {
        sqlx::query_as(
        "select kind, code, name, amount_vnd from order_items where order_id = $1 order by position"
    )
    .bind(id)
    .fetch_all(c)
    .await?
    });
    let payment: Option<PaymentRow> = on_tx!(tx, |c| sqlx::query_as(
        "select p.bank, p.bank_txn_id, p.amount_vnd, p.paid_at, a.reference
         from payments p join payment_attempts a on a.id = p.attempt_id
         where p.order_id = $1 and p.kind = 'payment' order by p.id limit 1"
    )
    .bind(id)
    .fetch_optional(c)
    .await?);
    Ok(Some(into_order(row, items, payment)?))
}

fn into_order(
    row: OrderRow,
    items: Vec<ItemRow>,
    payment: Option<PaymentRow>,
) -> Result<Order, StoreError> {
    let items = items
        .into_iter()
        .map(|i| {
            Ok(Item {
                kind: parse_col("order_items.kind", &i.kind, FeeKind::parse)?,
                code: i.code,
                name: i.name,
                amount: vnd(i.amount_vnd)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let payment = payment
        .map(|p| {
            Ok::<_, StoreError>(PaymentSummary {
                bank: parse_col("payments.bank", &p.bank, bank_code)?,
                bank_txn_id: p.bank_txn_id,
                amount: vnd(p.amount_vnd)?,
                paid_at: p.paid_at,
                reference: p.reference,
            })
        })
        .transpose()?;
    Ok(Order {
        status: parse_col("orders.status", &row.status, OrderStatus::parse)?,
        amount: vnd(row.amount_vnd)?,
        refunded: vnd(row.refunded_vnd)?,
        id: row.id,
        agency_code: row.agency_code,
        dossier_code: row.dossier_code,
        procedure_code: row.procedure_code,
        procedure_name: row.procedure_name,
        payer_name: row.payer_name,
        payer_id_number: row.payer_id_number,
        review_reason: row.review_reason,
        return_url: row.return_url,
        created_by_key_id: row.created_by_key_id,
        expires_at: row.expires_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        paid_at: row.paid_at,
        items,
        payment,
    })
}

/// Filters of `GET /api/v1/orders`; `cursor` continues after the last order of a page.
#[derive(Debug, Default, Clone)]
pub struct OrderFilter {
    pub agency_code: Option<String>,
    pub dossier_code: Option<String>,
    pub status: Option<OrderStatus>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub created_by_key_id: Option<i64>,
    pub after: Option<(DateTime<Utc>, String)>,
}

impl Store {
    /// Creates an order once per (API key, idempotency key): the whole operation, including the
    /// stored reply, is one transaction. A concurrent request with the same key waits on the
    /// key's row and then replays the committed reply (or creates, if the first rolled back).
    pub async fn create_order(
        &self,
        caller: &Caller,
        idempotency_key: &str,
        fingerprint: &str,
        new: &NewOrder,
        banks: &[BankCode],
        now: DateTime<Utc>,
    ) -> Result<StoredReply, CreateOrderError> {
        let mut tx = self.begin().await?;
        let claimed = on_tx!(&mut tx, |c| sqlx::query(
            "insert into idempotency_keys (api_key_id, idempotency_key, request_fingerprint,
               response_status, response_body, created_at)
             values ($1, $2, $3, 0, '', $4) on conflict do nothing"
        )
        .bind(caller.key_id)
        .bind(idempotency_key)
        .bind(fingerprint)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected());
        if claimed == 0 {
            let (stored_fingerprint, status, body): (String, i32, String) = on_tx!(&mut tx, |c| {
                sqlx::query_as(
                    "select request_fingerprint, response_status, response_body from idempotency_keys
                     where api_key_id = $1 and idempotency_key = $2",
                )
                .bind(caller.key_id)
                .bind(idempotency_key)
                .fetch_one(c)
                .await?
            });
            if stored_fingerprint != fingerprint {
                return Err(CreateOrderError::IdempotencyMismatch);
            }
            return Ok(StoredReply {
                status: status as u16,
                body,
                replayed: true,
            });
        }
        check_agency_can_collect(&mut tx, new, banks, now).await?;
        close_stale_order_of_dossier(&mut tx, new, now).await?;
        let order_id = insert_order(&mut tx, caller, new, now).await?;
        let order = load_order(&mut tx, &order_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        // The reply is the order's snapshot; the web layer adds its links when it answers.
        let body = order.snapshot().to_string();
        on_tx!(&mut tx, |c| sqlx::query(
            "update idempotency_keys set response_status = 201, response_body = $3
             where api_key_id = $1 and idempotency_key = $2"
        )
        .bind(caller.key_id)
        .bind(idempotency_key)
        .bind(&body)
        .execute(c)
        .await
        .map(|r| r.rows_affected())?);
        tx.commit().await?;
        Ok(StoredReply {
            status: 201,
            body,
            replayed: false,
        })
    }

    pub async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        let mut tx = self.begin_read().await?;
        let order = load_order(&mut tx, id).await?;
        tx.commit().await?;
        Ok(order)
    }

    /// Newest first, at most `limit`.
    pub async fn list_orders(&self, f: &OrderFilter, limit: i64) -> Result<Vec<Order>, StoreError> {
        let mut tx = self.begin_read().await?;
        let sql = "select id from orders
             where ($1 is null or agency_code = $1) and ($2 is null or dossier_code = $2)
               and ($3 is null or status = $3) and ($4 is null or created_at >= $4)
               and ($5 is null or created_at < $5) and ($6 is null or created_by_key_id = $6)
               and ($7 is null or created_at < $7 or (created_at = $7 and id < $8))
             order by created_at desc, id desc limit $9";
        let (after_at, after_id) = f.after.clone().unzip();
        let ids: Vec<(String,)> = on_tx!(&mut tx, |c| sqlx::query_as(sql)
            .bind(f.agency_code.as_deref())
            .bind(f.dossier_code.as_deref())
            .bind(f.status.map(OrderStatus::as_str))
            .bind(f.created_from)
            .bind(f.created_to)
            .bind(f.created_by_key_id)
            .bind(after_at)
            .bind(after_id)
            .bind(limit)
            .fetch_all(c)
            .await?);
        let mut orders = Vec::with_capacity(ids.len());
        for (id,) in ids {
            orders.extend(load_order(&mut tx, &id).await?);
        }
        tx.commit().await?;
        Ok(orders)
    }

    /// Begins a transaction for reads only (SQLite: deferred, so readers do not queue).
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Store::Postgres(pool) => Tx::Postgres(pool.begin().await?),
            Store::Sqlite(pool, _) => Tx::Sqlite(pool.begin().await?, None),
        })
    }
}

/// api.md: the agency exists and has a beneficiary setting in force for at least one bank
/// covering the items' kinds.
async fn check_agency_can_collect(
    tx: &mut Tx,
    new: &NewOrder,
    banks: &[BankCode],
    now: DateTime<Utc>,
) -> Result<(), CreateOrderError> {
    let agency = new.agency_code.as_str();
    let exists: Option<(String,)> = on_tx!(tx, |c| sqlx::query_as(
        "select code from agencies where code = $1"
    )
    .bind(agency)
    .fetch_optional(c)
    .await?);
    if exists.is_none() {
        return Err(CreateOrderError::UnknownAgency(agency.to_owned()));
    }
    let settings = super::agencies::settings_tx(tx, agency).await?;
    let kinds = new.kinds();
    let procedure = Some(new.procedure_code.as_str());
    let payable = banks.iter().any(|bank| {
        let of_bank: Vec<_> = settings
            .iter()
            .filter(|s| s.bank == *bank)
            .cloned()
            .collect();
        single_account(&of_bank, &kinds, procedure, now).is_some()
    });
    if payable {
        Ok(())
    } else {
        Err(CreateOrderError::NoBankAvailable)
    }
}

/// A pending order past its expiry that the worker has not reached yet must not block a new
/// order for its dossier: expire it here, through the same transition.
async fn close_stale_order_of_dossier(
    tx: &mut Tx,
    new: &NewOrder,
    now: DateTime<Utc>,
) -> Result<(), CreateOrderError> {
    let open: Option<(String, DateTime<Utc>)> = on_tx!(tx, |c| sqlx::query_as(
        "select id, expires_at from orders
         where agency_code = $1 and dossier_code = $2 and status = 'pending'"
    )
    .bind(new.agency_code.as_str())
    .bind(&new.dossier_code)
    .fetch_optional(c)
    .await?);
    match open {
        Some((id, expires_at)) if expires_at <= now => {
            transition_order(tx, &id, OrderEvent::Expire, "expiry", now).await?;
            Ok(())
        }
        Some((id, _)) => Err(CreateOrderError::OpenOrder {
            dossier: new.dossier_code.clone(),
            open_order_id: id,
        }),
        None => Ok(()),
    }
}

/// `orders.item_kinds` (migration 0010): which kinds the order's items have, bit 1 fee, bit 2
/// charge, bit 4 service, so a reconciliation run reads them with the order instead of
/// searching its items. Every insert into `orders` writes it from the order's items.
pub fn item_kinds_mask(items: &[Item]) -> i32 {
    kinds_mask(items.iter().map(|item| item.kind))
}

/// [`item_kinds_mask`] of the kinds themselves (the cutover's import has amounts per kind).
pub fn kinds_mask(kinds: impl IntoIterator<Item = FeeKind>) -> i32 {
    kinds.into_iter().fold(0, |mask, kind| {
        mask | match kind {
            FeeKind::Fee => 1,
            FeeKind::Charge => 2,
            FeeKind::Service => 4,
        }
    })
}

async fn insert_order(
    tx: &mut Tx,
    caller: &Caller,
    new: &NewOrder,
    now: DateTime<Utc>,
) -> Result<String, CreateOrderError> {
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = on_tx!(tx, |c| sqlx::query(
        "insert into orders (id, agency_code, dossier_code, procedure_code, procedure_name,
           payer_name, payer_id_number, amount_vnd, status, return_url, created_by_key_id,
           expires_at, created_at, updated_at, item_kinds, payer_name_folded)
         values ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $12, $12, $13, $14)"
    )
    .bind(&id)
    .bind(new.agency_code.as_str())
    .bind(&new.dossier_code)
    .bind(new.procedure_code.as_str())
    .bind(&new.procedure_name)
    .bind(&new.payer_name)
    .bind(new.payer_id_number.as_deref())
    .bind(new.amount.dong())
    .bind(&new.return_url)
    .bind(caller.key_id)
    .bind(now + new.expires_in)
    .bind(now)
    .bind(item_kinds_mask(&new.items))
    .bind(crate::domain::fold::fold_name(&new.payer_name))
    .execute(c)
    .await
    .map(|r| r.rows_affected()));
    if let Err(sqlx::Error::Database(e)) = &inserted {
        // Two different keys racing for one dossier on PostgreSQL: the partial unique index
        // decides, and the loser is told about the winner like any other open order.
        if e.constraint() == Some("orders_one_pending_per_dossier") {
            return Err(CreateOrderError::OpenOrder {
                dossier: new.dossier_code.clone(),
                open_order_id: "(being created concurrently)".into(),
            });
        }
    }
    inserted?;
    for (position, item) in new.items.iter().enumerate() {
        on_tx!(tx, |c| sqlx::query(
            "insert into order_items (order_id, position, kind, code, name, amount_vnd)
             values ($1, $2, $3, $4, $5, $6)"
        )
        .bind(&id)
        .bind(position as i32)
        .bind(item.kind.as_str())
        .bind(&item.code)
        .bind(&item.name)
        .bind(item.amount.dong())
        .execute(c)
        .await
        .map(|r| r.rows_affected())?);
    }
    super::search::insert_name_words(tx, &id, &new.payer_name).await?;
    if let Some(origin) = &new.legacy {
        super::legacy::insert_legacy_order(tx, &id, origin, now).await?;
    }
    super::citizen_messages::insert_contact(tx, &id, &new.contact).await?;
    super::transitions::record_event(
        tx,
        &id,
        "created",
        None,
        OrderStatus::Pending,
        &caller.actor(),
        now,
        None,
    )
    .await?;
    Ok(id)
}
