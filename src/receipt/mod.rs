//! Payment receipts (biên nhận thanh toán): for a paid order, a PDF with the agency, dossier,
//! procedure, payer, items grouped by kind with subtotals, the total in figures and in words,
//! the bank, its transaction id, the payment time (GMT+7), PayHub's reference and a QR code of
//! the public verification page `/receipts/{token}`.

pub mod pdf;
pub mod words;

use chrono::{DateTime, Utc};
use payhub_money::Vnd;

use crate::app::AppState;
use crate::domain::agency::FeeKind;
use crate::domain::bank::BankCode;
use crate::domain::order::{Item, Order};
use crate::store::StoreError;

/// The items of one kind and what they add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemGroup {
    pub kind: FeeKind,
    pub items: Vec<Item>,
    pub subtotal: Vnd,
}

/// Everything a receipt shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub agency_code: String,
    pub agency_name: String,
    pub dossier_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub payer_name: String,
    pub payer_id_number: Option<String>,
    pub groups: Vec<ItemGroup>,
    pub total: Vnd,
    pub bank: BankCode,
    pub bank_txn_id: String,
    pub paid_at: DateTime<Utc>,
    /// PayHub's reference of the payment (the attempt's reference the bank knows it by).
    pub reference: String,
    pub verify_url: String,
}

/// The number of the receipt of one fee kind: PayHub's reference of the payment and the kind
/// (`P` phí, `LP` lệ phí, `DV` other), so each receipt of a payment has its own number.
pub fn receipt_number(reference: &str, kind: FeeKind) -> String {
    let suffix = match kind {
        FeeKind::Fee => "P",
        FeeKind::Charge => "LP",
        FeeKind::Service => "DV",
    };
    format!("{reference}-{suffix}")
}

/// Phí, then lệ phí, then other items: the order law and receipts use.
pub fn group_items(items: &[Item]) -> Vec<ItemGroup> {
    [FeeKind::Fee, FeeKind::Charge, FeeKind::Service]
        .into_iter()
        .filter_map(|kind| {
            let items: Vec<Item> = items.iter().filter(|i| i.kind == kind).cloned().collect();
            let subtotal = Vnd::checked_sum(items.iter().map(|i| i.amount))?;
            (!items.is_empty()).then_some(ItemGroup {
                kind,
                items,
                subtotal,
            })
        })
        .collect()
}

impl Receipt {
    /// The receipt of a paid order; `None` while it has no payment.
    pub fn of(order: &Order, agency_name: &str, verify_url: String) -> Option<Receipt> {
        let payment = order.payment.as_ref()?;
        Some(Receipt {
            agency_code: order.agency_code.clone(),
            agency_name: agency_name.to_owned(),
            dossier_code: order.dossier_code.clone(),
            procedure_code: order.procedure_code.clone(),
            procedure_name: order.procedure_name.clone(),
            payer_name: order.payer_name.clone(),
            payer_id_number: order.payer_id_number.clone(),
            groups: group_items(&order.items),
            total: order.amount,
            bank: payment.bank,
            bank_txn_id: payment.bank_txn_id.clone(),
            paid_at: payment.paid_at,
            reference: payment.reference.clone(),
            verify_url,
        })
    }
}

/// The order's receipt with its verification token made on first need; `None` unless paid.
pub async fn receipt_of(app: &AppState, order: &Order) -> Result<Option<Receipt>, StoreError> {
    if !order.status.is_paid() || order.payment.is_none() {
        return Ok(None);
    }
    let agency_name = app
        .store
        .agency(&order.agency_code)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let token = app.store.receipt_token(&order.id, app.clock.now()).await?;
    let url = format!("{}/receipts/{token}", app.config.server.public_url);
    Ok(Receipt::of(order, &agency_name, url))
}

/// The receipt as PDF bytes; `None` unless the order is paid.
pub async fn receipt_pdf(app: &AppState, order: &Order) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(receipt_of(app, order).await?.map(|r| pdf::render(&r)))
}

/// `Content-Disposition` naming the file after the dossier (ASCII only, for every browser).
pub fn disposition(order: &Order) -> String {
    let name: String = order
        .dossier_code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("inline; filename=\"bien-nhan-{name}.pdf\"")
}
