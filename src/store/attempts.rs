//! Payment attempts: one per bank redirect, with a snapshot of the beneficiary account.

use chrono::{DateTime, Utc};

use super::rows::{parse_col, vnd};
use super::transitions::lock_order;
use super::{on_tx, with_pool, Store, StoreError, Tx};
use crate::domain::agency::BeneficiarySetting;
use crate::domain::attempt::{Attempt, Channel};
use crate::domain::bank::{bank_code, BankCode};
use crate::domain::state::{
    attempt_transition, AttemptEvent, AttemptStatus, AttemptTransition, OrderStatus,
};
use crate::domain::Vnd;

#[derive(sqlx::FromRow)]
pub(crate) struct AttemptRow {
    id: i64,
    order_id: String,
    bank: String,
    reference: String,
    status: String,
    amount_vnd: i64,
    account_no: String,
    account_name: String,
    bank_bin: String,
    terminal_code: Option<String>,
    bank_payment_id: Option<String>,
    bank_create_date: Option<String>,
    client_ip: Option<String>,
    query_count: i32,
    created_at: DateTime<Utc>,
    channel: String,
}

pub(crate) const ATTEMPT_COLUMNS: &str = "id, order_id, bank, reference, status, amount_vnd, \
    account_no, account_name, bank_bin, terminal_code, bank_payment_id, bank_create_date, \
    client_ip, query_count, created_at, channel";

impl AttemptRow {
    pub(crate) fn into_domain(self) -> Result<Attempt, StoreError> {
        Ok(Attempt {
            bank: parse_col("payment_attempts.bank", &self.bank, bank_code)?,
            status: parse_col(
                "payment_attempts.status",
                &self.status,
                AttemptStatus::parse,
            )?,
            amount: vnd(self.amount_vnd)?,
            channel: parse_col("payment_attempts.channel", &self.channel, Channel::parse)?,
            id: self.id,
            order_id: self.order_id,
            reference: self.reference,
            account_no: self.account_no,
            account_name: self.account_name,
            bank_bin: self.bank_bin,
            terminal_code: self.terminal_code,
            bank_payment_id: self.bank_payment_id,
            bank_create_date: self.bank_create_date,
            client_ip: self.client_ip,
            query_count: self.query_count,
            created_at: self.created_at,
        })
    }
}

/// What a citizen's bank choice creates.
pub struct NewAttempt<'a> {
    pub order_id: &'a str,
    pub bank: BankCode,
    pub reference: &'a str,
    pub setting: &'a BeneficiarySetting,
    pub client_ip: Option<&'a str>,
    pub bank_create_date: Option<&'a str>,
    pub channel: Channel,
}

#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    #[error("the order is {} and cannot be paid", .0.as_str())]
    NotPayable(OrderStatus),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AttemptError {
    fn from(e: sqlx::Error) -> Self {
        AttemptError::Store(e.into())
    }
}

pub(crate) async fn attempt_by_reference_tx(
    tx: &mut Tx,
    reference: &str,
) -> Result<Option<Attempt>, StoreError> {
    let sql = format!("select {ATTEMPT_COLUMNS} from payment_attempts where reference = $1");
    let row: Option<AttemptRow> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(reference)
        .fetch_optional(c)
        .await?);
    row.map(AttemptRow::into_domain).transpose()
}

/// Moves an attempt through the state machine; returns the transition taken.
pub(crate) async fn transition_attempt(
    tx: &mut Tx,
    attempt: &Attempt,
    event: AttemptEvent,
    result_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AttemptTransition, StoreError> {
    let t = attempt_transition(attempt.status, event);
    if let AttemptTransition::To(to) = t {
        let is_final = matches!(to, AttemptStatus::Succeeded | AttemptStatus::Failed);
        on_tx!(tx, |c| sqlx::query(
            "update payment_attempts set status = $2, updated_at = $3,
               result_code = coalesce($4, result_code),
               result_at = case when $5 then $3 else result_at end
             where id = $1 and status = $6"
        )
        .bind(attempt.id)
        .bind(to.as_str())
        .bind(now)
        .bind(result_code)
        .bind(is_final)
        .bind(attempt.status.as_str())
        .execute(c)
        .await
        .map(|r| r.rows_affected())?);
    }
    Ok(t)
}

impl Store {
    /// Creates an attempt for a pending order (re-checked under the order's lock).
    pub async fn create_attempt(
        &self,
        new: &NewAttempt<'_>,
        amount: Vnd,
        now: DateTime<Utc>,
    ) -> Result<Attempt, AttemptError> {
        let mut tx = self.begin().await?;
        let status = lock_order(&mut tx, new.order_id).await?;
        if status != OrderStatus::Pending {
            return Err(AttemptError::NotPayable(status));
        }
        let sql = format!(
            "insert into payment_attempts (order_id, bank, reference, status, amount_vnd, account_no,
               account_name, bank_bin, terminal_code, bank_create_date, client_ip, created_at, updated_at,
               channel)
             values ($1, $2, $3, 'created', $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
             returning {ATTEMPT_COLUMNS}"
        );
        let row: AttemptRow = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(new.order_id)
            .bind(new.bank.as_str())
            .bind(new.reference)
            .bind(amount.dong())
            .bind(&new.setting.account_no)
            .bind(&new.setting.account_name)
            .bind(&new.setting.bank_bin)
            .bind(new.setting.terminal_code.as_deref())
            .bind(new.bank_create_date)
            .bind(new.client_ip)
            .bind(now)
            .bind(new.channel.as_str())
            .fetch_one(c)
            .await?);
        tx.commit().await?;
        Ok(row.into_domain()?)
    }

    /// The bank accepted the attempt and the browser is on its way there. Pending sync will
    /// first ask the bank about it at `first_query_at`.
    pub async fn attempt_redirected(
        &self,
        attempt: &Attempt,
        bank_payment_id: Option<&str>,
        first_query_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        transition_attempt(&mut tx, attempt, AttemptEvent::Redirected, None, now).await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "update payment_attempts set bank_payment_id = coalesce($2, bank_payment_id),
               next_query_at = $3 where id = $1"
        )
        .bind(attempt.id)
        .bind(bank_payment_id)
        .bind(first_query_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected())?);
        tx.commit().await
    }

    /// A VietQR attempt is shown to the citizen: it waits for the transfer's credit
    /// notification. Pending sync never asks about it (`next_query_at` stays empty): no gateway
    /// knows it, and a missed credit is found in the statement.
    pub async fn attempt_awaiting_transfer(
        &self,
        attempt: &Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        transition_attempt(&mut tx, attempt, AttemptEvent::Redirected, None, now).await?;
        tx.commit().await
    }

    /// The bank refused to start the payment (or did not answer): no money can have moved.
    pub async fn attempt_not_started(
        &self,
        attempt: &Attempt,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        transition_attempt(&mut tx, attempt, AttemptEvent::Failed, Some(reason), now).await?;
        tx.commit().await
    }

    pub async fn attempt_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<Attempt>, StoreError> {
        let sql = format!("select {ATTEMPT_COLUMNS} from payment_attempts where reference = $1");
        let row: Option<AttemptRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(reference)
            .fetch_optional(pool)
            .await?);
        row.map(AttemptRow::into_domain).transpose()
    }
}
