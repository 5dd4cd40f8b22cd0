//! `payhub export legacy --since <RFC 3339> --out <file.csv>` (cutover.md §4): the way back. Every
//! order PayHub created or changed since then, its own and the imported ones, in the export's
//! format, so the old platform can take over again; the last line, `# rows=<n> sha256=<hex>`,
//! lets it check that nothing was lost on the way.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::file::{row_fields, BankAttempt, LegacyPayment, LegacyState, COLUMNS};
use crate::domain::agency::{AgencyCode, FeeKind, ProcedureCode};
use crate::domain::bank::bank_code;
use crate::domain::state::OrderStatus;
use crate::store::cutover::ExportedOrder;
use crate::store::{Store, StoreError};

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub rows: u64,
    pub sha256: String,
}

/// Writes the export to `out` (replaced if it exists).
pub async fn export_file(
    store: &Store,
    since: DateTime<Utc>,
    out: &Path,
) -> anyhow::Result<ExportSummary> {
    let file = std::fs::File::create(out).with_context(|| format!("writing {}", out.display()))?;
    let mut csv = csv::Writer::from_writer(Hashing::new(std::io::BufWriter::new(file)));
    csv.write_record(COLUMNS)?;
    let rows = store
        .export_legacy(since, |order| {
            let row = export_row(order)?;
            csv.write_record(row_fields(&row))
                .map_err(|e| StoreError::Corrupt(format!("writing the export: {e}")))
        })
        .await?;
    let Hashing { mut inner, hasher } = csv.into_inner().map_err(|e| e.into_error())?;
    let sha256 = hex::encode(hasher.finalize());
    writeln!(inner, "# rows={rows} sha256={sha256}")?;
    inner.flush()?;
    Ok(ExportSummary { rows, sha256 })
}

/// The previous platform's `TrangThai` for an order status: a partly refunded payment still
/// stands (the old platform has no partial refunds), an expired or cancelled order failed.
pub fn legacy_state(status: OrderStatus) -> LegacyState {
    match status {
        OrderStatus::Pending => LegacyState::Started,
        OrderStatus::Paid | OrderStatus::PartiallyRefunded => LegacyState::Paid,
        OrderStatus::Expired | OrderStatus::Cancelled => LegacyState::Failed,
        OrderStatus::Refunded => LegacyState::Refunded,
    }
}

fn export_row(o: ExportedOrder) -> Result<LegacyPayment, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("order {}: {what}", o.id));
    let status = OrderStatus::parse(&o.status).ok_or_else(|| corrupt("status"))?;
    let state = legacy_state(status);
    let bank = match (o.bank.as_deref(), o.bank_reference.clone()) {
        (Some(bank), Some(reference)) => Some(BankAttempt {
            bank: bank_code(bank).ok_or_else(|| corrupt("bank"))?,
            reference,
            // An imported row's transaction id of an attempt that moved no money goes back too.
            txn_id: match state.is_paid() {
                true => o.bank_txn_id.clone(),
                false => o.bank_payment_id.clone().filter(|_| o.imported),
            },
        }),
        _ => None,
    };
    // Imported rows go back with the accounts their file gave; PayHub's own with the attempt's.
    let (account, bin) = match (o.beneficiary_account, o.beneficiary_bin) {
        (Some(account), Some(bin)) if o.imported => (account, bin),
        _ => (
            o.account_no.unwrap_or_default(),
            o.bank_bin.unwrap_or_default(),
        ),
    };
    Ok(LegacyPayment {
        partner: o.partner_code.unwrap_or(o.key_name),
        reference: o.partner_reference.unwrap_or_else(|| o.id.clone()),
        dossier_code: o.dossier_code,
        agency_code: AgencyCode::parse(&o.agency_code).map_err(|_| corrupt("agency"))?,
        procedure_code: ProcedureCode::parse(&o.procedure_code)
            .map_err(|_| corrupt("procedure"))?,
        amount: o.amount_vnd,
        by_kind: [
            (FeeKind::Fee, o.fee_vnd),
            (FeeKind::Charge, o.charge_vnd),
            (FeeKind::Service, o.service_vnd),
        ],
        state,
        bank,
        created_at: o.created_at,
        paid_at: o.paid_at.filter(|_| state.is_paid()),
        account,
        account_bin: bin,
        payer_name: o.payer_name,
    })
}

/// A writer that hashes every byte it passes on: the checksum line covers exactly what was
/// written before it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
}

impl<W> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
        }
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
