//! Credits to agencies' accounts (VietQR transfers, vietqr.md §4): every credit recorded once per
//! (bank, bank transaction id), and the one that names a VietQR attempt applied through the same
//! exactly-once path as every bank callback (`payments::apply_report_in`), in one transaction.

use chrono::{DateTime, Utc};

use super::attempts::{AttemptRow, ATTEMPT_COLUMNS};
use super::payments::{apply_report_in, insert_inbound, Applied, InboundCallback};
use super::transitions::{lock_order, record_event};
use super::{on_tx, with_pool, Store, StoreError, Tx};
use crate::domain::attempt::Attempt;
use crate::domain::credit::{AccountCredit, CreditOutcome};

impl Store {
    /// The VietQR attempt a credit's content names: one indexed lookup of every candidate on the
    /// unique `reference` index; the first candidate in the content's order wins. A reference of
    /// a gateway attempt is not a VietQR one and names nothing here (vietqr.md §2).
    pub async fn vietqr_attempt_named(
        &self,
        candidates: &[String],
    ) -> Result<Option<Attempt>, StoreError> {
        if candidates.is_empty() {
            return Ok(None);
        }
        let marks: Vec<String> = (1..=candidates.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "select {ATTEMPT_COLUMNS} from payment_attempts
             where reference in ({}) and channel = 'vietqr'",
            marks.join(", ")
        );
        let rows: Vec<AttemptRow> = with_pool!(self, |pool| {
            let mut q = sqlx::query_as(&sql);
            for c in candidates {
                q = q.bind(c);
            }
            q.fetch_all(pool).await?
        });
        let mut found = rows
            .into_iter()
            .map(AttemptRow::into_domain)
            .collect::<Result<Vec<_>, _>>()?;
        found.sort_by_key(|a| candidates.iter().position(|c| *c == a.reference));
        Ok(found.into_iter().next())
    }

    /// Which of `candidates` are references of VietQR attempts (reconciliation's transfer
    /// lines): one query on the unique `reference` index.
    pub async fn vietqr_references(
        &self,
        candidates: &[String],
    ) -> Result<Vec<String>, StoreError> {
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=candidates.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "select reference from payment_attempts where reference in ({}) and channel = 'vietqr'",
            marks.join(", ")
        );
        Ok(with_pool!(self, |pool| {
            let mut q = sqlx::query_scalar(&sql);
            for c in candidates {
                q = q.bind(c);
            }
            q.fetch_all(pool).await?
        }))
    }

    /// Records a credit PayHub learnt of without a callback to ledger (from a statement).
    pub async fn record_credit(
        &self,
        credit: &AccountCredit,
        attempt: Option<&Attempt>,
        now: DateTime<Utc>,
    ) -> Result<CreditOutcome, StoreError> {
        let mut tx = self.begin().await?;
        let outcome = record_credit_in(&mut tx, credit, attempt, now).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Records a notified credit and its inbound-ledger row, built by `ledger` from the
    /// outcome, in one transaction (as [`Store::apply_callback_ledgered`]).
    pub async fn record_credit_ledgered<'a>(
        &self,
        credit: &AccountCredit,
        attempt: Option<&Attempt>,
        now: DateTime<Utc>,
        ledger: impl FnOnce(CreditOutcome) -> InboundCallback<'a>,
    ) -> Result<(CreditOutcome, InboundCallback<'a>), StoreError> {
        let mut tx = self.begin().await?;
        let outcome = record_credit_in(&mut tx, credit, attempt, now).await?;
        let row = ledger(outcome);
        insert_inbound(&mut tx, &row, now).await?;
        tx.commit().await?;
        Ok((outcome, row))
    }
}

async fn record_credit_in(
    tx: &mut Tx,
    credit: &AccountCredit,
    attempt: Option<&Attempt>,
    now: DateTime<Utc>,
) -> Result<CreditOutcome, StoreError> {
    let outcome = match attempt {
        None => CreditOutcome::Unidentified,
        Some(a) if !credit.reached_account_of(a) => CreditOutcome::WrongAccount,
        Some(a) => match apply_report_in(tx, &credit.report_about(a), now).await? {
            Applied::Paid => CreditOutcome::Paid,
            Applied::Repeat => CreditOutcome::Repeat,
            Applied::DuplicatePayment { .. } => CreditOutcome::DuplicatePayment,
            Applied::AmountMismatch => CreditOutcome::AmountMismatch,
            // A success is never a failure or not final; the attempt was just read.
            Applied::FailureRecorded | Applied::NotFinal | Applied::UnknownReference => {
                CreditOutcome::Unidentified
            }
        },
    };
    let inserted = on_tx!(tx, |c| sqlx::query(
        "insert into account_credits (bank, bank_txn_id, event_id, account_no, amount_vnd,
           currency_is_vnd, credited_at, content, counterparty, reference, order_id, outcome,
           source, received_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         on conflict (bank, bank_txn_id) do nothing"
    )
    .bind(credit.bank.as_str())
    .bind(&credit.bank_txn_id)
    .bind(&credit.event_id)
    .bind(&credit.account_no)
    .bind(credit.amount.dong())
    .bind(credit.currency_is_vnd)
    .bind(credit.credited_at)
    .bind(&credit.content)
    .bind(credit.counterparty.as_deref())
    .bind(attempt.map(|a| a.reference.as_str()))
    .bind(attempt.map(|a| a.order_id.as_str()))
    .bind(outcome.as_str())
    .bind(credit.source.as_str())
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())?);
    if inserted != 1 {
        return Ok(CreditOutcome::Repeat);
    }
    if let (CreditOutcome::WrongAccount, Some(a)) = (outcome, attempt) {
        // The order stays as it is, but its history shows the money that named it.
        let status = lock_order(tx, &a.order_id).await?;
        let detail = format!(
            "{}: {} đồng to {}, not {}",
            credit.bank_txn_id, credit.amount, credit.account_no, a.account_no
        );
        let actor = format!("bank:{}", credit.bank);
        let (id, event) = (&a.order_id, "vietqr_wrong_account");
        record_event(
            tx,
            id,
            event,
            Some(status),
            status,
            &actor,
            now,
            Some(&detail),
        )
        .await?;
    }
    Ok(outcome)
}
