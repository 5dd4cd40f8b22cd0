//! Auto-recovery of `missing_in_payhub`: statements.md says "PayHub confirms with the bank's
//! query API and applies it; staff review the rest". The statement alone is never enough to
//! mark an order paid: only a signed query answer is, applied through the same exactly-once path
//! as a callback (`Store::apply_callback`).

use crate::app::AppState;
use crate::banks::credits::statement_credit;
use crate::banks::{query_attempt, BankCallError, QueryAnswer};
use crate::domain::attempt::{Attempt, Channel};
use crate::domain::bank::BankCode;
use crate::domain::credit::CreditOutcome;
use crate::domain::Vnd;
use crate::store::payments::Applied;
use crate::store::reconciliation::{Discrepancy, DiscrepancyFilter, ResolveError};
use crate::store::StoreError;

/// Who resolves what recovery confirmed, in the discrepancy and the audit log.
pub const AUTO_ACTOR: &str = "system:reconciliation";

/// What recovery did with one discrepancy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// The bank confirmed the transaction; PayHub applied it and resolved the discrepancy.
    Applied(Applied),
    /// Left for the staff, with the reason.
    LeftForStaff(String),
}

#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error(transparent)]
    Bank(#[from] BankCallError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Confirms one `missing_in_payhub` line with the bank's query API and, when the bank confirms
/// that very transaction as paid, applies it and resolves the discrepancy.
#[tracing::instrument(skip_all, fields(discrepancy_id = d.id, reference = %d.facts.reference))]
pub async fn confirm_and_apply_missing(
    app: &AppState,
    d: &Discrepancy,
) -> Result<Recovery, RecoverError> {
    let Some(attempt) = app.store.attempt_by_reference(&d.facts.reference).await? else {
        return Ok(Recovery::LeftForStaff(
            "PayHub has no attempt with this reference".into(),
        ));
    };
    if attempt.channel == Channel::Vietqr {
        return recover_transfer(app, d, &attempt).await;
    }
    let cb = match query_attempt(app, &attempt).await? {
        QueryAnswer::Found(report) if report.is_paid() => report,
        QueryAnswer::Found(_) | QueryAnswer::NotFound => {
            return Ok(Recovery::LeftForStaff(
                "the bank's query does not confirm a payment".into(),
            ))
        }
    };
    let now = app.clock.now();
    let applied = app.store.apply_report(&cb, now).await?;
    let same_txn = cb.bank_txn_id.is_some() && cb.bank_txn_id == d.facts.bank_txn_id;
    let settled = matches!(
        applied,
        Applied::Paid | Applied::Repeat | Applied::DuplicatePayment { .. }
    );
    if !(same_txn && settled) {
        return Ok(Recovery::LeftForStaff(format!(
            "the query answered {:?}, applied as {applied:?}",
            cb.bank_txn_id
        )));
    }
    let note = format!(
        "{} confirmed {} by query; applied ({applied:?})",
        attempt.bank,
        cb.bank_txn_id.unwrap_or_default()
    );
    match app
        .store
        .resolve_discrepancy(d.id, AUTO_ACTOR, &note, now)
        .await
    {
        Ok(_) | Err(ResolveError::AlreadyResolved(_)) => Ok(Recovery::Applied(applied)),
        Err(ResolveError::Store(e)) => Err(e.into()),
    }
}

/// vietqr.md: a transfer PayHub missed (its credit notification lost) is recovered from the
/// statement line itself, whose content names the VietQR attempt: no gateway knows the transfer,
/// so there is no query to ask. The statement is the bank's signed (VCB) or hashed (BIDV) word.
/// The credit is recorded like a notified one, once per bank transaction (`account_credits`
/// and `payments` are unique on it), so a late notification or a re-run changes nothing.
async fn recover_transfer(
    app: &AppState,
    d: &Discrepancy,
    attempt: &Attempt,
) -> Result<Recovery, RecoverError> {
    let f = &d.facts;
    let (Some(txn_id), Some(amount), Some(at), Some(account)) = (
        f.bank_txn_id.as_deref(),
        f.bank_amount_vnd,
        f.bank_at,
        f.credited_account.as_deref(),
    ) else {
        return Ok(Recovery::LeftForStaff(
            "the statement line lacks a transaction, amount, time or account".into(),
        ));
    };
    let Ok(amount) = Vnd::from_dong(amount) else {
        return Ok(Recovery::LeftForStaff(format!(
            "amount {amount} is not money"
        )));
    };
    let merchant = match attempt.bank {
        BankCode::Vcb => crate::banks::vcb::merchant(&app.config).map(|m| m.id.to_owned()),
        BankCode::Bidv => crate::banks::bidv::partner(&app.config).map(|p| p.code.to_owned()),
        BankCode::Vnpay => None,
    };
    // The engine's line keeps no content; the reference it named stands for it.
    let content = format!("(statement) {}", f.reference);
    let credit = statement_credit(
        attempt.bank,
        &merchant.unwrap_or_default(),
        txn_id,
        amount,
        at,
        account,
        &content,
    );
    let now = app.clock.now();
    let outcome = app.store.record_credit(&credit, Some(attempt), now).await?;
    if !matches!(
        outcome,
        CreditOutcome::Paid | CreditOutcome::Repeat | CreditOutcome::DuplicatePayment
    ) {
        return Ok(Recovery::LeftForStaff(format!(
            "the transfer was recorded as {}",
            outcome.as_str()
        )));
    }
    if outcome == CreditOutcome::Paid {
        app.metrics.payment(attempt.bank);
    }
    let note = format!(
        "{} transfer {txn_id} recovered from the statement ({})",
        attempt.bank,
        outcome.as_str()
    );
    let applied = match outcome {
        CreditOutcome::Paid => Applied::Paid,
        CreditOutcome::DuplicatePayment => Applied::DuplicatePayment {
            attempt_was_final: true,
        },
        _ => Applied::Repeat,
    };
    match (app.store)
        .resolve_discrepancy(d.id, AUTO_ACTOR, &note, now)
        .await
    {
        Ok(_) | Err(ResolveError::AlreadyResolved(_)) => Ok(Recovery::Applied(applied)),
        Err(ResolveError::Store(e)) => Err(e.into()),
    }
}

/// Tries recovery on every unresolved `missing_in_payhub` payment line of a run that PayHub has
/// a pending attempt for (`a…` records). Failures are logged: the run itself stands, and the
/// discrepancy stays for the staff.
pub async fn recover_missing(app: &AppState, run_id: i64) {
    let filter = DiscrepancyFilter {
        class: Some("missing_in_payhub".into()),
        resolved: Some(false),
        ..DiscrepancyFilter::default()
    };
    let missing = match app.store.discrepancies(run_id, &filter).await {
        Ok(missing) => missing,
        Err(e) => {
            tracing::error!(error.cause_chain = ?e, run_id, "reading missing lines failed");
            return;
        }
    };
    let pending = missing.iter().filter(|d| {
        d.facts
            .payment_ref
            .as_deref()
            .is_some_and(|r| r.starts_with('a'))
    });
    for d in pending {
        match confirm_and_apply_missing(app, d).await {
            Ok(recovery) => tracing::info!(
                run_id,
                discrepancy_id = d.id,
                ?recovery,
                "missing_in_payhub"
            ),
            Err(e) => {
                tracing::warn!(error.cause_chain = ?e, run_id, discrepancy_id = d.id, "recovery failed")
            }
        }
    }
}
