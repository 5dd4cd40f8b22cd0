//! The cutover (cutover.md): the previous platform's payments written as PayHub's own orders, a
//! batch per transaction (`plan.rs` writes it), and PayHub's orders read back in the export's
//! shape for the way back (`export.rs`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

mod export;
mod plan;

pub use export::ExportedOrder;
use plan::{values, Plan};

use super::agencies::settings_tx;
use super::{Store, StoreError, Tx};
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
                    outcomes.push(self.import_row(row, ctx, dry_run).await?);
                }
                Ok(outcomes)
            }
            other => other,
        }
    }

    /// One row in its own transaction. A row refused by the database is tried once more: when
    /// it met a row a concurrent batch had not yet committed, it waited for that commit, and
    /// the second try sees the row (`unchanged`, or refused for what it contradicts).
    async fn import_row(
        &self,
        row: &LegacyPayment,
        ctx: &ImportContext,
        dry_run: bool,
    ) -> Result<RowOutcome, StoreError> {
        let mut tried = false;
        loop {
            match self
                .import_batch(std::slice::from_ref(row), ctx, dry_run)
                .await
            {
                Ok(mut one) => return Ok(one.remove(0)),
                Err(e) if refused_by_database(&e) && !tried => tried = true,
                Err(e) if refused_by_database(&e) => {
                    return Ok(RowOutcome::Refused(format!("the database refused it: {e}")))
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn import_batch(
        &self,
        rows: &[LegacyPayment],
        ctx: &ImportContext,
        dry_run: bool,
    ) -> Result<Vec<RowOutcome>, StoreError> {
        let mut tx = self.begin().await?;
        match &mut tx {
            // A batch's lookup of a thousand keys is estimated dear enough for PostgreSQL to
            // JIT-compile it, which took longer than running it, every batch (BENCHMARKS.md).
            // Nor does a batch wait for its commit to reach the disk: a crash loses at most the
            // last batches, which the import, run again, writes then (it is idempotent).
            Tx::Postgres(t) => {
                let sql = "set local jit = off; set local synchronous_commit = off";
                _ = sqlx::raw_sql(sql).execute(&mut **t).await?
            }
            // The import's lookups and inserts touch every index of six tables: with SQLite's
            // default 2 MB page cache, each batch read the same pages again through the kernel.
            Tx::Sqlite(t, _) => {
                _ = sqlx::query("pragma cache_size = -65536")
                    .execute(&mut **t)
                    .await?
            }
        }
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
pub(super) struct Known {
    held: HashMap<(String, String), Held>,
    pub(super) agency_names: HashMap<String, String>,
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
            "with k (partner, reference) as ({})
             select lo.partner_code, lo.reference, o.amount_vnd, o.status,
               (select p.bank_txn_id from payments p where p.order_id = o.id and p.kind = 'payment'
                 order by p.id limit 1)
             from k join legacy_orders lo on lo.partner_code = k.partner and lo.reference = k.reference
             join orders o on o.id = lo.order_id",
            tuples(tx, rows.len(), 2)
        );
        let held: Vec<(String, String, i64, String, Option<String>)> =
            fetch_texts(tx, &sql, &keys, 2).await?;
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
            tuples(tx, agencies.len(), 1)
        );
        known.agency_names = fetch_texts(tx, &sql, &agencies, 1)
            .await?
            .into_iter()
            .collect();
        let refs = unique(
            rows.iter()
                .filter_map(|r| r.bank.as_ref().map(|b| &*b.reference)),
        );
        let sql = format!(
            "select reference from payment_attempts where reference in ({})",
            tuples(tx, refs.len(), 1)
        );
        let found: Vec<(String,)> = fetch_texts(tx, &sql, &refs, 1).await?;
        known.bank_refs = found.into_iter().map(|(r,)| r).collect();
        let txns: Vec<String> = rows
            .iter()
            .filter_map(|r| r.bank.as_ref())
            .filter_map(|b| Some([b.bank.as_str().to_owned(), b.txn_id.clone()?]))
            .flatten()
            .collect();
        let sql = format!(
            "with k (bank, txn) as ({})
             select p.bank, p.bank_txn_id from k
             join payments p on p.bank = k.bank and p.bank_txn_id = k.txn",
            tuples(tx, txns.len() / 2, 2)
        );
        known.txn_ids = fetch_texts(tx, &sql, &txns, 2).await?.into_iter().collect();
        let dossiers: Vec<String> = rows
            .iter()
            .filter(|r| r.state == LegacyState::Started)
            .flat_map(|r| [r.agency_code.as_str().to_owned(), r.dossier_code.clone()])
            .collect();
        let sql = format!(
            "with k (agency, dossier) as ({})
             select o.agency_code, o.dossier_code from k join orders o
               on o.agency_code = k.agency and o.dossier_code = k.dossier and o.status = 'pending'",
            tuples(tx, dossiers.len() / 2, 2)
        );
        known.open_dossiers = fetch_texts(tx, &sql, &dossiers, 2)
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
        let kinds: Vec<FeeKind> = plan::kinds(row).collect();
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

/// `values ($1, $2), ($3, $4), …`: `n` tuples of `width` placeholders, as a subquery or a `with`
/// table joined on an index (SQLite scans the whole table for `(a, b) in (values …)`, which made
/// a million-row import quadratic). A query with no tuples is not run.
/// On PostgreSQL the table is one array per column (`unnest`), so the statement stays the same
/// short text whatever the batch holds.
fn tuples(tx: &Tx, n: usize, width: usize) -> String {
    match tx {
        Tx::Postgres(_) => {
            let arrays: Vec<String> = (1..=width).map(|i| format!("${i}::text[]")).collect();
            format!("select * from unnest({})", arrays.join(", "))
        }
        Tx::Sqlite(..) => format!("values {}", values(n, width)),
    }
}

fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let set: HashSet<&str> = items.collect();
    set.into_iter().map(str::to_owned).collect()
}

/// Runs a query of `tuples(…, width)`, `binds` being its rows one after the other.
async fn fetch_texts<T>(
    tx: &mut Tx,
    sql: &str,
    binds: &[String],
    width: usize,
) -> Result<Vec<T>, StoreError>
where
    T: Send + Unpin,
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
{
    if binds.is_empty() {
        return Ok(Vec::new());
    }
    Ok(match tx {
        Tx::Postgres(t) => {
            let mut q = sqlx::query_as(sql);
            for c in 0..width {
                q = q.bind(binds.iter().skip(c).step_by(width).collect::<Vec<_>>());
            }
            q.fetch_all(&mut **t).await?
        }
        Tx::Sqlite(t, _) => {
            let mut q = sqlx::query_as(sql);
            for b in binds {
                q = q.bind(b);
            }
            q.fetch_all(&mut **t).await?
        }
    })
}
