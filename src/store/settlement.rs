//! An agency's settlement for a period (issue 14): per agency and beneficiary account, per day
//! and bank, what the bank credited and what PayHub recorded, read from the money of each day's
//! current reconciliation run (migration 0013), so it ties out with the run pages.

use chrono::NaiveDate;

use super::{with_pool, Store, StoreError};

/// One (day, bank, agency, account) of money that moved.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SettlementRow {
    pub business_date: NaiveDate,
    pub bank: String,
    pub agency_code: Option<String>,
    pub agency_name: Option<String>,
    pub account: Option<String>,
    pub entries: i64,
    pub bank_vnd: i64,
    pub payhub_vnd: i64,
}

impl Store {
    /// Days `from..=to`, one agency or all; sorted by agency, account, day, bank.
    pub async fn settlement(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        agency_code: Option<&str>,
    ) -> Result<Vec<SettlementRow>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            "select r.business_date, r.bank, m.agency_code, a.name as agency_name, m.account,
                    cast(sum(m.entries) as bigint) as entries,
                    cast(sum(m.bank_vnd) as bigint) as bank_vnd,
                    cast(sum(m.payhub_vnd) as bigint) as payhub_vnd
               from reconciliation_money m
               join reconciliation_runs r on r.id = m.run_id
               left join agencies a on a.code = m.agency_code
              where r.is_current and m.moved and r.business_date >= $1 and r.business_date <= $2
                and ($3 is null or m.agency_code = $3)
              group by r.business_date, r.bank, m.agency_code, a.name, m.account
              order by m.agency_code, m.account, r.business_date, r.bank"
        )
        .bind(from)
        .bind(to)
        .bind(agency_code)
        .fetch_all(pool)
        .await?))
    }
}
