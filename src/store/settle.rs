//! An admin settling by hand an attempt pending sync could not resolve (`unknown`). A settled
//! payment goes through the same apply path as a bank's callback, so it is recorded exactly
//! once on the unique (bank, bank_txn_id) key; the settlement and its audit row commit together.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::attempts::transition_attempt;
use super::audit::{append_audit, Change};
use super::payments::{apply_report_in, Applied};
use super::pending_sync::attempt_by_id_tx;
use super::transitions::lock_order;
use super::{on_tx, Store, StoreError};
use crate::domain::attempt::{Attempt, BankReport, Reported};
use crate::domain::bank::BankCode;
use crate::domain::state::{AttemptEvent, AttemptStatus};

/// What the admin found out from the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    Paid { bank_txn_id: String },
    Failed,
}

#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    #[error("no such attempt")]
    NotFound,
    #[error("the attempt is {}, not unknown", .0.as_str())]
    NotUnknown(AttemptStatus),
    #[error("bank transaction {0} is already recorded")]
    AlreadyRecorded(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SettleError {
    fn from(e: sqlx::Error) -> Self {
        SettleError::Store(e.into())
    }
}

/// The payment as the bank would have reported it: the attempt's own amount and account.
fn settled_report(attempt: &Attempt, bank_txn_id: &str) -> BankReport {
    // VNPAY settles a terminal, the others credit the account (BankReport::credit_account).
    let credit_account = match attempt.bank {
        BankCode::Vnpay => attempt.terminal_code.clone(),
        BankCode::Vcb | BankCode::Bidv => Some(attempt.account_no.clone()),
    };
    BankReport {
        bank: attempt.bank,
        merchant: attempt.terminal_code.clone().unwrap_or_default(),
        reference: attempt.reference.clone(),
        bank_txn_id: Some(bank_txn_id.to_owned()),
        amount: attempt.amount,
        currency_is_vnd: true,
        outcome: Reported::Paid,
        paid_at: None,
        credit_account,
    }
}

impl Store {
    /// Settles an `unknown` attempt; returns it as it now is.
    #[tracing::instrument(skip_all, fields(attempt_id = id))]
    pub async fn settle_attempt(
        &self,
        id: i64,
        settlement: &Settlement,
        note: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Attempt, SettleError> {
        let mut tx = self.begin().await?;
        let attempt = attempt_by_id_tx(&mut tx, id)
            .await?
            .ok_or(SettleError::NotFound)?;
        lock_order(&mut tx, &attempt.order_id).await?;
        // Re-read under the order's lock: a late callback may have just settled it.
        let attempt = attempt_by_id_tx(&mut tx, id)
            .await?
            .ok_or(SettleError::NotFound)?;
        if attempt.status != AttemptStatus::Unknown {
            return Err(SettleError::NotUnknown(attempt.status));
        }
        let (event, code) = match settlement {
            Settlement::Paid { .. } => (AttemptEvent::SettledPaid, "settled_paid"),
            Settlement::Failed => (AttemptEvent::SettledFailed, "settled_failed"),
        };
        transition_attempt(&mut tx, &attempt, event, Some(code), now).await?;
        let mut after = json!({"status": if event == AttemptEvent::SettledPaid { "succeeded" } else { "failed" },
            "note": note});
        if let Settlement::Paid { bank_txn_id } = settlement {
            let report = settled_report(&attempt, bank_txn_id);
            let applied = apply_report_in(&mut tx, &report, now).await?;
            if applied == Applied::Repeat {
                return Err(SettleError::AlreadyRecorded(bank_txn_id.clone()));
            }
            after["bank_txn_id"] = json!(bank_txn_id);
            after["applied"] = json!(format!("{applied:?}"));
        }
        let change = Change {
            actor,
            action: "attempt.settle",
            subject: format!("attempt:{id}"),
            before: Some(json!({"status": "unknown", "order_id": attempt.order_id})),
            after: Some(after),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        let settled = attempt_by_id_tx(&mut tx, id)
            .await?
            .ok_or(SettleError::NotFound)?;
        tx.commit().await?;
        Ok(settled)
    }
}
