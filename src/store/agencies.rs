//! Agencies and their versioned beneficiary-account settings.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::audit::{append_audit, Change};
use super::rows::parse_col;
use super::{on_tx, with_pool, Store, StoreError};
use crate::domain::agency::{
    setting_in_force, AgencyCode, BeneficiarySetting, FeeKind, FeeKindScope, NewBeneficiarySetting,
};
use crate::domain::bank::{bank_code, BankCode};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Agency {
    pub code: String,
    pub name: String,
    pub notify_url: Option<String>,
    #[serde(skip)]
    pub webhook_secret: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What `upsert_agency` did; a new agency's webhook secret is shown in the reply once.
pub enum Upserted {
    Created(Agency),
    Updated(Agency),
}

#[derive(sqlx::FromRow)]
struct SettingRow {
    id: i64,
    agency_code: String,
    bank: String,
    fee_kind: String,
    procedure_code: Option<String>,
    account_no: String,
    account_name: String,
    bank_bin: String,
    terminal_code: Option<String>,
    effective_from: DateTime<Utc>,
    created_at: DateTime<Utc>,
    created_by: String,
}

impl SettingRow {
    fn into_domain(self) -> Result<BeneficiarySetting, StoreError> {
        Ok(BeneficiarySetting {
            bank: parse_col("beneficiary_accounts.bank", &self.bank, bank_code)?,
            fee_kind: parse_col(
                "beneficiary_accounts.fee_kind",
                &self.fee_kind,
                FeeKindScope::parse,
            )?,
            id: self.id,
            agency_code: self.agency_code,
            procedure_code: self.procedure_code,
            account_no: self.account_no,
            account_name: self.account_name,
            bank_bin: self.bank_bin,
            terminal_code: self.terminal_code,
            effective_from: self.effective_from,
            created_at: self.created_at,
            created_by: self.created_by,
        })
    }
}

const AGENCY_COLUMNS: &str = "code, name, notify_url, webhook_secret, created_at, updated_at";
const SETTING_COLUMNS: &str = "id, agency_code, bank, fee_kind, procedure_code, account_no, \
    account_name, bank_bin, terminal_code, effective_from, created_at, created_by";

fn new_webhook_secret() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    format!(
        "whsec_{}",
        Alphanumeric.sample_string(&mut rand::rngs::OsRng, 32)
    )
}

impl Store {
    pub async fn upsert_agency(
        &self,
        code: &AgencyCode,
        name: &str,
        notify_url: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Upserted, StoreError> {
        let select = format!("select {AGENCY_COLUMNS} from agencies where code = $1");
        let mut tx = self.begin().await?;
        let before: Option<Agency> = on_tx!(&mut tx, |c| sqlx::query_as(&select)
            .bind(code.as_str())
            .fetch_optional(c)
            .await?);
        if before.is_none() {
            on_tx!(&mut tx, |c| sqlx::query(
                "insert into agencies (code, name, notify_url, webhook_secret, created_at,
                   updated_at)
                 values ($1, $2, $3, $4, $5, $5)"
            )
            .bind(code.as_str())
            .bind(name)
            .bind(notify_url)
            .bind(new_webhook_secret())
            .bind(now)
            .execute(c)
            .await
            .map(|_| ())?);
        } else {
            on_tx!(&mut tx, |c| sqlx::query(
                "update agencies set name = $2, notify_url = $3, updated_at = $4 where code = $1"
            )
            .bind(code.as_str())
            .bind(name)
            .bind(notify_url)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ())?);
        }
        let after: Agency = on_tx!(&mut tx, |c| sqlx::query_as(&select)
            .bind(code.as_str())
            .fetch_one(c)
            .await?);
        let change = Change {
            actor,
            action: if before.is_some() {
                "agency.updated"
            } else {
                "agency.created"
            },
            subject: format!("agency:{code}"),
            before: before.as_ref().map(|a| json!(a)),
            after: Some(json!(after)),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        tx.commit().await?;
        Ok(if before.is_some() {
            Upserted::Updated(after)
        } else {
            Upserted::Created(after)
        })
    }

    /// Every agency's name by its code, for reports that name agencies (not only their codes).
    pub async fn agency_names(
        &self,
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let rows: Vec<(String, String)> = with_pool!(self, |pool| sqlx::query_as(
            "select code, name from agencies"
        )
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().collect())
    }

    pub async fn agency(&self, code: &str) -> Result<Option<Agency>, StoreError> {
        let sql = format!("select {AGENCY_COLUMNS} from agencies where code = $1");
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(code)
            .fetch_optional(pool)
            .await?))
    }

    /// Appends a setting; it supersedes older ones for the same key from its `effective_from`.
    pub async fn add_beneficiary_setting(
        &self,
        agency: &AgencyCode,
        new: &NewBeneficiarySetting,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<BeneficiarySetting, StoreError> {
        let sql = format!(
            "insert into beneficiary_accounts (agency_code, bank, fee_kind, procedure_code, account_no,
               account_name, bank_bin, terminal_code, effective_from, created_at, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning {SETTING_COLUMNS}"
        );
        let mut tx = self.begin().await?;
        let exists: Option<(String,)> = on_tx!(&mut tx, |c| sqlx::query_as(
            "select code from agencies where code = $1"
        )
        .bind(agency.as_str())
        .fetch_optional(c)
        .await?);
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let row: SettingRow = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(agency.as_str())
            .bind(new.bank.as_str())
            .bind(new.fee_kind.as_str())
            .bind(new.procedure_code.as_ref().map(|p| p.as_str()))
            .bind(new.account_no.as_str())
            .bind(&new.account_name)
            .bind(&new.bank_bin)
            .bind(new.terminal_code.as_deref())
            .bind(new.effective_from)
            .bind(now)
            .bind(actor)
            .fetch_one(c)
            .await?);
        let change = Change {
            actor,
            action: "beneficiary_account.added",
            subject: format!("agency:{agency}"),
            before: None,
            after: Some(json!(new)),
        };
        on_tx!(&mut tx, |c| append_audit!(c, now, change));
        tx.commit().await?;
        row.into_domain()
    }

    /// Every setting of an agency, oldest first: the full history.
    pub async fn beneficiary_settings(
        &self,
        agency: &str,
        bank: Option<BankCode>,
    ) -> Result<Vec<BeneficiarySetting>, StoreError> {
        let sql = format!(
            "select {SETTING_COLUMNS} from beneficiary_accounts
             where agency_code = $1 and ($2 is null or bank = $2) order by effective_from, id"
        );
        let rows: Vec<SettingRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(agency)
            .bind(bank.map(BankCode::as_str))
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(SettingRow::into_domain).collect()
    }

    /// The account in force for (agency, bank, fee kind, procedure) at `at`.
    pub async fn beneficiary_in_force(
        &self,
        agency: &str,
        bank: BankCode,
        kind: FeeKind,
        procedure: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Option<BeneficiarySetting>, StoreError> {
        let settings = self.beneficiary_settings(agency, Some(bank)).await?;
        Ok(setting_in_force(&settings, kind, procedure, at).cloned())
    }
}

/// Every setting of an agency, inside a transaction (order creation and checkout).
pub(crate) async fn settings_tx(
    tx: &mut super::Tx,
    agency: &str,
) -> Result<Vec<BeneficiarySetting>, StoreError> {
    let sql = format!(
        "select {SETTING_COLUMNS} from beneficiary_accounts where agency_code = $1 order by effective_from, id"
    );
    let rows: Vec<SettingRow> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(agency)
        .fetch_all(c)
        .await?);
    rows.into_iter().map(SettingRow::into_domain).collect()
}
