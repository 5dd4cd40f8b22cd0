//! The cutover (cutover.md): the previous platform's payments written as PayHub's own orders, a
//! batch per transaction, and PayHub's orders read back in the export's shape for the way back.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::agencies::settings_tx;
use super::{on_tx, Store, StoreError, Tx};
use crate::cutover::file::{LegacyPayment, LegacyState};
use crate::domain::agency::{single_account, BeneficiarySetting, FeeKind};
use crate::domain::bank::BankCode;
use crate::domain::state::OrderStatus;

/// What happened to one row of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    Imported(LegacyState),
    /// PayHub already holds the row, or knows more of it (an in-flight row PayHub has since
    /// settled).
    Unchanged,
    Refused(String),
}

/// A partner of the previous platform as configured: whose orders an import may hold.
#[derive(Debug, Clone)]
pub struct ImportPartner {
    pub key_id: i64,
    pub confirm_url: String,
    pub return_url: String,
    pub agencies: Vec<String>,
}

/// What an import knows beside the rows.
pub struct ImportContext {
    pub partners: HashMap<String, ImportPartner>,
    /// The audit log's actor, e.g. `cli:root import export.csv`.
    pub actor: String,
    pub now: DateTime<Utc>,
    /// How long an in-flight order stays payable after the import (the orders' default expiry).
    pub pending_for: Duration,
}

impl Store {
    /// Imports one batch in one transaction, rolled back on a dry run. When the database itself
    /// refuses the batch (a rule only it saw, such as a dossier a concurrent INIT just opened),
    /// each row is tried alone, so one row is refused and the rest goes in; no row is ever half
    /// written.
    pub async fn import_legacy(
        &self,
        rows: &[LegacyPayment],
        ctx: &ImportContext,
        dry_run: bool,
    ) -> Result<Vec<RowOutcome>, StoreError> {
        match self.import_batch(rows, ctx, dry_run).await {
            Err(e) if rows.len() > 1 && refused_by_database(&e) => {
                tracing::warn!(error = %e, "an import batch was refused; importing row by row");
                let mut outcomes = Vec::with_capacity(rows.len());
                for row in rows {
                    outcomes.push(
                        match self
                            .import_batch(std::slice::from_ref(row), ctx, dry_run)
                            .await
                        {
                            Ok(mut one) => one.remove(0),
                            Err(e) if refused_by_database(&e) => {
                                RowOutcome::Refused(format!("the database refused it: {e}"))
                            }
                            Err(e) => return Err(e),
                        },
                    );
                }
                Ok(outcomes)
            }
            other => other,
        }
    }

    async fn import_batch(
        &self,
        rows: &[LegacyPayment],
        ctx: &ImportContext,
        dry_run: bool,
    ) -> Result<Vec<RowOutcome>, StoreError> {
        let mut tx = self.begin().await?;
        let mut known = Known::load(&mut tx, rows).await?;
        let mut plan = Plan::default();
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows {
            outcomes.push(match known.check(row, ctx) {
                Ok(Some(terminal)) => {
                    plan.add(row, terminal, &known, ctx);
                    known.take(row);
                    RowOutcome::Imported(row.state)
                }
                Ok(None) => RowOutcome::Unchanged,
                Err(reason) => RowOutcome::Refused(reason),
            });
        }
        plan.write(&mut tx).await?;
        if !dry_run {
            tx.commit().await?;
        }
        Ok(outcomes)
    }
}

/// The database answered and said no (a constraint), as opposed to not answering at all.
fn refused_by_database(e: &StoreError) -> bool {
    matches!(e, StoreError::Database(sqlx::Error::Database(_))) && !e.is_unavailable()
}

/// What PayHub holds of an order a row names.
struct Held {
    amount: i64,
    status: OrderStatus,
    txn_id: Option<String>,
}

/// What the database already holds that a batch's rows may meet, read in a few queries per
/// batch, then kept up to date as rows of the same batch are planned.
#[derive(Default)]
struct Known {
    held: HashMap<(String, String), Held>,
    agency_names: HashMap<String, String>,
    bank_refs: HashSet<String>,
    txn_ids: HashSet<(String, String)>,
    open_dossiers: HashSet<(String, String)>,
    vnpay_settings: HashMap<String, Vec<BeneficiarySetting>>,
}

impl Known {
    async fn load(tx: &mut Tx, rows: &[LegacyPayment]) -> Result<Known, StoreError> {
        let mut known = Known::default();
        let keys: Vec<String> = rows
            .iter()
            .flat_map(|r| [r.partner.clone(), r.reference.clone()])
            .collect();
        let sql = format!(
            "select lo.partner_code, lo.reference, o.amount_vnd, o.status,
               (select p.bank_txn_id from payments p where p.order_id = o.id and p.kind = 'payment'
                 order by p.id limit 1)
             from legacy_orders lo join orders o on o.id = lo.order_id
             where (lo.partner_code, lo.reference) in ({})",
            tuples(rows.len(), 2)
        );
        let held: Vec<(String, String, i64, String, Option<String>)> =
            fetch_texts(tx, &sql, &keys).await?;
        for (partner, reference, amount, status, txn_id) in held {
            let status = OrderStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("orders.status {status}")))?;
            let held = Held {
                amount,
                status,
                txn_id,
            };
            known.held.insert((partner, reference), held);
        }
        let agencies: Vec<String> = unique(rows.iter().map(|r| r.agency_code.as_str()));
        let sql = format!(
            "select code, name from agencies where code in ({})",
            tuples(agencies.len(), 1)
        );
        known.agency_names = fetch_texts(tx, &sql, &agencies)
            .await?
            .into_iter()
            .collect();
        let refs = unique(
            rows.iter()
                .filter_map(|r| r.bank.as_ref().map(|b| &*b.reference)),
        );
        let sql = format!(
            "select reference from payment_attempts where reference in ({})",
            tuples(refs.len(), 1)
        );
        let found: Vec<(String,)> = fetch_texts(tx, &sql, &refs).await?;
        known.bank_refs = found.into_iter().map(|(r,)| r).collect();
        let txns: Vec<String> = rows
            .iter()
            .filter_map(|r| r.bank.as_ref())
            .filter_map(|b| Some([b.bank.as_str().to_owned(), b.txn_id.clone()?]))
            .flatten()
            .collect();
        let sql = format!(
            "select bank, bank_txn_id from payments where (bank, bank_txn_id) in ({})",
            tuples(txns.len() / 2, 2)
        );
        known.txn_ids = fetch_texts(tx, &sql, &txns).await?.into_iter().collect();
        let dossiers: Vec<String> = rows
            .iter()
            .filter(|r| r.state == LegacyState::Started)
            .flat_map(|r| [r.agency_code.as_str().to_owned(), r.dossier_code.clone()])
            .collect();
        let sql = format!(
            "select agency_code, dossier_code from orders
             where status = 'pending' and (agency_code, dossier_code) in ({})",
            tuples(dossiers.len() / 2, 2)
        );
        known.open_dossiers = fetch_texts(tx, &sql, &dossiers)
            .await?
            .into_iter()
            .collect();
        let vnpay_agencies = unique(
            rows.iter()
                .filter(|r| r.bank.as_ref().is_some_and(|b| b.bank == BankCode::Vnpay))
                .map(|r| r.agency_code.as_str()),
        );
        for agency in vnpay_agencies {
            let mut settings = settings_tx(tx, &agency).await?;
            settings.retain(|s| s.bank == BankCode::Vnpay);
            known.vnpay_settings.insert(agency, settings);
        }
        Ok(known)
    }

    /// `Ok(Some(terminal))`: the row goes in (with VNPAY's terminal when it has one); `Ok(None)`:
    /// PayHub already holds it; `Err`: why it is refused.
    fn check(
        &self,
        row: &LegacyPayment,
        ctx: &ImportContext,
    ) -> Result<Option<Option<String>>, String> {
        let partner = ctx.partners.get(&row.partner).ok_or_else(|| {
            format!(
                "MaDoiTac {} is not a partner in [legacy.partners]",
                row.partner
            )
        })?;
        let agency = row.agency_code.as_str();
        if !partner.agencies.iter().any(|a| a == agency) {
            return Err(format!(
                "MaDonVi {agency} is not one of {}'s agencies",
                row.partner
            ));
        }
        if !self.agency_names.contains_key(agency) {
            return Err(format!("MaDonVi {agency} is not an agency PayHub knows"));
        }
        if let Some(held) = self.held.get(&(row.partner.clone(), row.reference.clone())) {
            return held_matches(held, row).map(|()| None);
        }
        if let Some(b) = &row.bank {
            if self.bank_refs.contains(&b.reference) {
                return Err(format!(
                    "MaThamChieuNH {} is another payment's",
                    b.reference
                ));
            }
            if let Some(txn) = &b.txn_id {
                if self
                    .txn_ids
                    .contains(&(b.bank.as_str().to_owned(), txn.clone()))
                {
                    return Err(format!("MaGiaoDich {txn} is already recorded"));
                }
            }
        }
        if row.state == LegacyState::Started {
            let dossier = (agency.to_owned(), row.dossier_code.clone());
            if self.open_dossiers.contains(&dossier) {
                return Err(format!(
                    "dossier {} already has an open order",
                    row.dossier_code
                ));
            }
        }
        self.terminal(row).map(Some)
    }

    /// VNPAY knows a payment by terminal: an in-flight one needs the terminal PayHub queries and
    /// verifies it with; for history it is the terminal in force then, when there is one.
    fn terminal(&self, row: &LegacyPayment) -> Result<Option<String>, String> {
        let Some(settings) = self.vnpay_settings.get(row.agency_code.as_str()) else {
            return Ok(None);
        };
        let kinds: Vec<FeeKind> = row
            .by_kind
            .iter()
            .filter(|(_, v)| *v > 0)
            .map(|(k, _)| *k)
            .collect();
        let procedure = Some(row.procedure_code.as_str());
        let terminal = single_account(settings, &kinds, procedure, row.created_at)
            .and_then(|s| s.terminal_code.clone());
        match (terminal, row.state) {
            (None, LegacyState::Started) => Err(format!(
                "no VNPAY terminal of {} was in force at ThoiGianTao",
                row.agency_code.as_str()
            )),
            (terminal, _) => Ok(terminal),
        }
    }

    /// Marks what a planned row takes, so a later row of the same batch meets it.
    fn take(&mut self, row: &LegacyPayment) {
        let status = order_status(row.state);
        let txn_id = row.bank.as_ref().and_then(|b| b.txn_id.clone());
        if let Some(b) = &row.bank {
            self.bank_refs.insert(b.reference.clone());
            if let Some(txn) = &b.txn_id {
                self.txn_ids
                    .insert((b.bank.as_str().to_owned(), txn.clone()));
            }
        }
        if status == OrderStatus::Pending {
            let agency = row.agency_code.as_str().to_owned();
            self.open_dossiers
                .insert((agency, row.dossier_code.clone()));
        }
        let held = Held {
            amount: row.amount,
            status,
            txn_id: txn_id.filter(|_| row.state.is_paid()),
        };
        self.held
            .insert((row.partner.clone(), row.reference.clone()), held);
    }
}

/// Whether a row says what PayHub holds of it, or less: an in-flight row of an order PayHub has
/// since settled, or a paid row of one it has since refunded, changes nothing.
fn held_matches(held: &Held, row: &LegacyPayment) -> Result<(), String> {
    use OrderStatus as S;
    if held.amount != row.amount {
        return Err(format!(
            "SoTien {} but PayHub holds {}",
            row.amount, held.amount
        ));
    }
    let row_txn = row.bank.as_ref().and_then(|b| b.txn_id.as_ref());
    let same_txn = held.txn_id.as_ref() == row_txn;
    let agrees = match row.state {
        LegacyState::Started => true,
        LegacyState::Paid => {
            same_txn && matches!(held.status, S::Paid | S::PartiallyRefunded | S::Refunded)
        }
        LegacyState::Refunded => same_txn && held.status == S::Refunded,
        LegacyState::Failed => matches!(held.status, S::Expired | S::Cancelled),
    };
    if agrees {
        Ok(())
    } else {
        Err(format!(
            "PayHub holds it as {} (bank transaction {}); the file says {}",
            held.status.as_str(),
            held.txn_id.as_deref().unwrap_or("none"),
            row.state.as_str()
        ))
    }
}

/// The order status a row's state becomes.
pub fn order_status(state: LegacyState) -> OrderStatus {
    match state {
        LegacyState::Started => OrderStatus::Pending,
        LegacyState::Paid => OrderStatus::Paid,
        LegacyState::Failed => OrderStatus::Expired,
        LegacyState::Refunded => OrderStatus::Refunded,
    }
}

/// `values ($1, $2), ($3, $4), …`: `n` tuples of `width` placeholders, for `in (…)`. A subquery,
/// because SQLite takes a row value on the left of `in` only with one on the right. A query
/// with no tuples is not run.
fn tuples(n: usize, width: usize) -> String {
    format!("values {}", values(n, width, 0))
}

/// `($k+1, …), …`: the placeholders of a multi-row insert, numbered from `offset + 1`.
fn values(n: usize, width: usize, offset: usize) -> String {
    let mut out = String::with_capacity(n * width * 6);
    for row in 0..n {
        out.push_str(if row == 0 { "(" } else { ", (" });
        for col in 0..width {
            if col > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", offset + row * width + col + 1));
        }
        out.push(')');
    }
    out
}

fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let set: HashSet<&str> = items.collect();
    set.into_iter().map(str::to_owned).collect()
}

async fn fetch_texts<T>(tx: &mut Tx, sql: &str, binds: &[String]) -> Result<Vec<T>, StoreError>
where
    T: Send + Unpin,
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
{
    if binds.is_empty() {
        return Ok(Vec::new());
    }
    Ok(on_tx!(tx, |c| {
        let mut q = sqlx::query_as(sql);
        for b in binds {
            q = q.bind(b);
        }
        q.fetch_all(c).await?
    }))
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
struct Plan {
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
    expires_at, created_at, updated_at, paid_at)";
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
    fn add(
        &mut self,
        row: &LegacyPayment,
        terminal: Option<String>,
        known: &Known,
        ctx: &ImportContext,
    ) {
        use Val::*;
        let partner = &ctx.partners[&row.partner];
        let id = uuid::Uuid::new_v4().to_string();
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
        b: &crate::cutover::file::BankAttempt,
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

    async fn write(self, tx: &mut Tx) -> Result<(), StoreError> {
        insert(tx, ORDER_COLUMNS, 15, &self.orders).await?;
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

/// Binds each value in turn (a macro: the query's type differs per backend inside `on_tx!`).
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

/// Rows per insert statement: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const ROWS_PER_INSERT: usize = 500;

async fn insert(tx: &mut Tx, table: &str, width: usize, vals: &[Val]) -> Result<(), StoreError> {
    for chunk in vals.chunks(width * ROWS_PER_INSERT) {
        let sql = format!(
            "insert into {table} values {}",
            values(chunk.len() / width, width, 0)
        );
        on_tx!(tx, |c| {
            bind_all!(sqlx::query(&sql), chunk)
                .execute(c)
                .await
                .map(|r| r.rows_affected())?
        });
    }
    Ok(())
}

/// Inserts the attempts and returns their ids by reference (the payments refer to them).
async fn insert_attempts(tx: &mut Tx, vals: &[Val]) -> Result<HashMap<String, i64>, StoreError> {
    const WIDTH: usize = 15;
    let mut ids = HashMap::with_capacity(vals.len() / WIDTH);
    for chunk in vals.chunks(WIDTH * ROWS_PER_INSERT) {
        let sql = format!(
            "insert into {ATTEMPT_COLUMNS} values {} returning reference, id",
            values(chunk.len() / WIDTH, WIDTH, 0)
        );
        let rows: Vec<(String, i64)> = on_tx!(tx, |c| {
            bind_all!(sqlx::query_as(&sql), chunk).fetch_all(c).await?
        });
        ids.extend(rows);
    }
    Ok(ids)
}

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
        super::with_pool!(self, |pool| {
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
