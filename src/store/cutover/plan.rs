//! A batch's rows, planned table by table and inserted a few hundred rows per statement: an
//! import is a million rows, and a statement per row would be six million round trips.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{order_status, ImportContext, Known};
use crate::cutover::file::{BankAttempt, LegacyPayment, LegacyState};
use crate::domain::agency::FeeKind;
use crate::domain::bank::BankCode;
use crate::store::orders::kinds_mask;
use crate::store::{StoreError, Tx};

/// The kinds of item a row has (the amounts it gives per kind that are not 0).
pub(super) fn kinds(row: &LegacyPayment) -> impl Iterator<Item = FeeKind> + '_ {
    row.by_kind.iter().filter(|(_, v)| *v > 0).map(|(k, _)| *k)
}

/// One value of a multi-row insert.
#[derive(Debug, Clone)]
enum Val {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    Time(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
}

/// The rows a batch writes, table by table, inserted a few hundred rows per statement.
#[derive(Default)]
pub(super) struct Plan {
    orders: Vec<Val>,
    items: Vec<Val>,
    legacy: Vec<Val>,
    attempts: Vec<Val>,
    /// Per attempt planned with a payment: its reference and the payment's values after
    /// `attempt_id`.
    payments: Vec<(String, Vec<Val>)>,
    events: Vec<Val>,
}

const ORDER_COLUMNS: &str = "orders (id, agency_code, dossier_code, procedure_code, \
    procedure_name, payer_name, amount_vnd, refunded_vnd, status, return_url, created_by_key_id, \
    expires_at, created_at, updated_at, paid_at, item_kinds)";
const ITEM_COLUMNS: &str = "order_items (order_id, position, kind, code, name, amount_vnd)";
const LEGACY_COLUMNS: &str = "legacy_orders (order_id, partner_code, reference, confirm_url, \
    transaction_info, created_at, imported_at, beneficiary_account, beneficiary_bin)";
const ATTEMPT_COLUMNS: &str = "payment_attempts (order_id, bank, reference, status, amount_vnd, \
    account_no, account_name, bank_bin, terminal_code, bank_payment_id, bank_create_date, \
    next_query_at, created_at, updated_at, result_at)";
const PAYMENT_COLUMNS: &str = "payments (attempt_id, order_id, bank, bank_txn_id, amount_vnd, \
    kind, credit_account, paid_at, recorded_at, refunded_vnd)";
const EVENT_COLUMNS: &str =
    "order_events (order_id, at, event, from_status, to_status, actor, detail)";

impl Plan {
    pub(super) fn add(
        &mut self,
        row: &LegacyPayment,
        terminal: Option<String>,
        known: &Known,
        ctx: &ImportContext,
    ) {
        use Val::*;
        let partner = &ctx.partners[&row.partner];
        // Time-ordered (UUIDv7): a million imported orders then append to the end of every
        // index keyed by order id instead of landing at random pages of it, which made SQLite's
        // import slow down as the file grew. Its 74 random bits keep the id unguessable.
        let id = uuid::Uuid::now_v7().to_string();
        let status = order_status(row.state);
        let refunded = if row.state == LegacyState::Refunded {
            row.amount
        } else {
            0
        };
        let expires_at = match row.state {
            LegacyState::Started => ctx.now + ctx.pending_for,
            _ => row.created_at + ctx.pending_for,
        };
        self.orders.extend([
            Text(id.clone()),
            Text(row.agency_code.as_str().to_owned()),
            Text(row.dossier_code.clone()),
            Text(row.procedure_code.as_str().to_owned()),
            Text(row.procedure_code.as_str().to_owned()),
            Text(row.payer_name.clone()),
            Int(row.amount),
            Int(refunded),
            Text(status.as_str().to_owned()),
            Text(partner.return_url.clone()),
            Int(partner.key_id),
            Time(expires_at),
            Time(row.created_at),
            Time(ctx.now),
            OptTime(row.paid_at),
            // Written with every order (migration 0010): reconciliation reads the kinds here.
            Int(kinds_mask(kinds(row)).into()),
        ]);
        let items = row.by_kind.iter().filter(|(_, v)| *v > 0);
        for (position, (kind, amount)) in items.enumerate() {
            self.items.extend([
                Text(id.clone()),
                Int(position as i64),
                Text(kind.as_str().to_owned()),
                Text(kind.as_str().to_uppercase()),
                Text(kind.vietnamese().to_owned()),
                Int(*amount),
            ]);
        }
        self.legacy.extend([
            Text(id.clone()),
            Text(row.partner.clone()),
            Text(row.reference.clone()),
            Text(partner.confirm_url.clone()),
            Text(String::new()),
            Time(row.created_at),
            Time(ctx.now),
            Text(row.account.clone()),
            Text(row.account_bin.clone()),
        ]);
        if let Some(b) = &row.bank {
            self.add_attempt(&id, row, b, terminal, known, ctx);
        }
        let detail = format!(
            "taken over from the previous platform as {}",
            row.state.as_str()
        );
        self.events.extend([
            Text(id),
            Time(ctx.now),
            Text("imported".into()),
            OptText(None),
            Text(status.as_str().to_owned()),
            Text(ctx.actor.clone()),
            OptText(Some(detail)),
        ]);
    }

    fn add_attempt(
        &mut self,
        order_id: &str,
        row: &LegacyPayment,
        b: &BankAttempt,
        terminal: Option<String>,
        known: &Known,
        ctx: &ImportContext,
    ) {
        use Val::*;
        let (status, next_query_at, result_at) = match row.state {
            // The pending sync asks the bank about it at once, like any open attempt.
            LegacyState::Started => ("redirected", Some(ctx.now), None),
            LegacyState::Failed => ("failed", None, Some(ctx.now)),
            LegacyState::Paid | LegacyState::Refunded => ("succeeded", None, row.paid_at),
        };
        let paid = row.state.is_paid();
        let account_name = known.agency_names[row.agency_code.as_str()].clone();
        let create_date =
            (b.bank == BankCode::Vnpay).then(|| crate::banks::vnpay::create_date(row.created_at));
        self.attempts.extend([
            Text(order_id.to_owned()),
            Text(b.bank.as_str().to_owned()),
            Text(b.reference.clone()),
            Text(status.into()),
            Int(row.amount),
            Text(row.account.clone()),
            Text(account_name),
            Text(row.account_bin.clone()),
            OptText(terminal.clone()),
            // A transaction id on a row where no money moved is the bank's id of the attempt.
            OptText(b.txn_id.clone().filter(|_| !paid)),
            OptText(create_date),
            OptTime(next_query_at),
            Time(row.created_at),
            Time(ctx.now),
            OptTime(result_at),
        ]);
        if let (true, Some(txn), Some(paid_at)) = (paid, &b.txn_id, row.paid_at) {
            let credit_account = match b.bank {
                BankCode::Vnpay => terminal,
                BankCode::Vcb | BankCode::Bidv => Some(row.account.clone()),
            };
            let refunded = if row.state == LegacyState::Refunded {
                row.amount
            } else {
                0
            };
            self.payments.push((
                b.reference.clone(),
                vec![
                    Text(order_id.to_owned()),
                    Text(b.bank.as_str().to_owned()),
                    Text(txn.clone()),
                    Int(row.amount),
                    Text("payment".into()),
                    OptText(credit_account),
                    Time(paid_at),
                    Time(ctx.now),
                    Int(refunded),
                ],
            ));
        }
    }

    pub(super) async fn write(self, tx: &mut Tx) -> Result<(), StoreError> {
        insert(tx, ORDER_COLUMNS, 16, &self.orders).await?;
        insert(tx, ITEM_COLUMNS, 6, &self.items).await?;
        insert(tx, LEGACY_COLUMNS, 9, &self.legacy).await?;
        let ids = insert_attempts(tx, &self.attempts).await?;
        let mut payments = Vec::with_capacity(self.payments.len() * 10);
        for (reference, values) in self.payments {
            let id = ids.get(&reference).ok_or_else(|| {
                StoreError::Corrupt(format!("attempt {reference} was not written"))
            })?;
            payments.push(Val::Int(*id));
            payments.extend(values);
        }
        insert(tx, PAYMENT_COLUMNS, 10, &payments).await?;
        insert(tx, EVENT_COLUMNS, 7, &self.events).await
    }
}

/// Binds each value in turn (a macro: `query` and `query_as` are different types).
macro_rules! bind_all {
    ($query:expr, $vals:expr) => {{
        let mut q = $query;
        for v in $vals {
            q = match v {
                Val::Text(s) => q.bind(s),
                Val::OptText(s) => q.bind(s),
                Val::Int(i) => q.bind(i),
                Val::Time(t) => q.bind(t),
                Val::OptTime(t) => q.bind(t),
            };
        }
        q
    }};
}

/// PostgreSQL's bulk path: one array per column and `select * from unnest($1::text[], …)`, so a
/// batch is one short statement per table whatever its rows, instead of statements of thousands
/// of parameters to parse and plan (BENCHMARKS.md, issue 16).
fn unnest(vals: &[Val], width: usize) -> String {
    let arrays: Vec<String> = vals[..width]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let ty = match v {
                Val::Text(_) | Val::OptText(_) => "text",
                Val::Int(_) => "int8",
                Val::Time(_) | Val::OptTime(_) => "timestamptz",
            };
            format!("${}::{ty}[]", i + 1)
        })
        .collect();
    format!("select * from unnest({})", arrays.join(", "))
}

/// Binds column `c` of rows of `width` values as one array (the column's type is its first
/// value's: every row of a table is planned by the same code). A macro for the same reason as
/// `bind_all!`: `query` and `query_as` are different types.
macro_rules! bind_columns {
    ($query:expr, $vals:expr, $width:expr) => {{
        let (mut q, vals, width): (_, &[Val], usize) = ($query, $vals, $width);
        for c in 0..width {
            let column = vals.iter().skip(c).step_by(width);
            q = match &vals[c] {
                Val::Text(_) | Val::OptText(_) => q.bind(column.map(Val::text).collect::<Vec<_>>()),
                Val::Int(_) => q.bind(column.map(Val::int).collect::<Vec<_>>()),
                Val::Time(_) | Val::OptTime(_) => q.bind(column.map(Val::time).collect::<Vec<_>>()),
            };
        }
        q
    }};
}

/// Rows per insert statement on SQLite: well under its 32,766 parameters.
const ROWS_PER_INSERT: usize = 500;

/// Inserts rows of `width` values into `table` (its name and columns).
async fn insert(tx: &mut Tx, table: &str, width: usize, vals: &[Val]) -> Result<(), StoreError> {
    if vals.is_empty() {
        return Ok(());
    }
    match tx {
        Tx::Postgres(t) => {
            let sql = format!("insert into {table} {}", unnest(vals, width));
            bind_columns!(sqlx::query(&sql), vals, width)
                .execute(&mut **t)
                .await?;
        }
        Tx::Sqlite(t, _) => {
            for chunk in vals.chunks(width * ROWS_PER_INSERT) {
                let rows = values(chunk.len() / width, width);
                let sql = format!("insert into {table} values {rows}");
                bind_all!(sqlx::query(&sql), chunk)
                    .execute(&mut **t)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Inserts the attempts and returns their ids by reference (the payments refer to them).
async fn insert_attempts(tx: &mut Tx, vals: &[Val]) -> Result<HashMap<String, i64>, StoreError> {
    const WIDTH: usize = 15;
    let mut ids = HashMap::with_capacity(vals.len() / WIDTH);
    if vals.is_empty() {
        return Ok(ids);
    }
    let returning = "returning reference, id";
    match tx {
        Tx::Postgres(t) => {
            let sql = format!(
                "insert into {ATTEMPT_COLUMNS} {} {returning}",
                unnest(vals, WIDTH)
            );
            let rows: Vec<(String, i64)> = bind_columns!(sqlx::query_as(&sql), vals, WIDTH)
                .fetch_all(&mut **t)
                .await?;
            ids.extend(rows);
        }
        Tx::Sqlite(t, _) => {
            for chunk in vals.chunks(WIDTH * ROWS_PER_INSERT) {
                let rows = values(chunk.len() / WIDTH, WIDTH);
                let sql = format!("insert into {ATTEMPT_COLUMNS} values {rows} {returning}");
                let rows: Vec<(String, i64)> = bind_all!(sqlx::query_as(&sql), chunk)
                    .fetch_all(&mut **t)
                    .await?;
                ids.extend(rows);
            }
        }
    }
    Ok(ids)
}

/// `(?, ?, …), …`: the placeholders of `n` rows of `width` values (SQLite's path). SQLite looks
/// each numbered parameter's name up in a list as long as the statement's parameters
/// (`sqlite3_bind_parameter_name`, which sqlx calls for every bind), so a statement of thousands
/// of `$n` spent its time there; plain `?` are bound by position.
pub(super) fn values(n: usize, width: usize) -> String {
    let row = format!("({})", vec!["?"; width].join(", "));
    vec![row; n].join(", ")
}

impl Val {
    fn text(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            Val::OptText(s) => s.as_deref(),
            _ => None,
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            _ => None,
        }
    }

    fn time(&self) -> Option<DateTime<Utc>> {
        match self {
            Val::Time(t) => Some(*t),
            Val::OptTime(t) => *t,
            _ => None,
        }
    }
}
