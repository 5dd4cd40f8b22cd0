//! What the demo sets up before the day: keys, and the agencies with their beneficiary accounts
//! (created through the admin API, as an operator would).

use anyhow::{ensure, Context};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::scenario::AGENCIES;
use super::Demo;
use crate::domain::keys::Role;
use crate::store::Store;

/// The keys the demo uses and prints.
pub struct Keys {
    pub admin: String,
    pub portal: String,
    pub finance: String,
}

pub async fn keys(store: &Store, now: DateTime<Utc>) -> anyhow::Result<Keys> {
    let actor = "system:demo";
    let create = |role, name: &'static str| async move {
        store
            .create_key(name, role, actor, now)
            .await
            .map(|k| k.secret)
            .with_context(|| format!("creating the {name} key"))
    };
    Ok(Keys {
        admin: create(Role::Admin, "demo-admin").await?,
        portal: create(Role::Portal, "demo-portal").await?,
        finance: create(Role::Finance, "demo-finance").await?,
    })
}

/// Every agency of the scenario, with its account at each bank in force since `since`.
pub async fn agencies(demo: &Demo, since: DateTime<Utc>) -> anyhow::Result<()> {
    for agency in &AGENCIES {
        let body = json!({"name": agency.name,
            "notify_url": format!("{}/notify/{}", demo.portal_url, agency.code)});
        demo.admin_send(
            reqwest::Method::PUT,
            &format!("/api/v1/agencies/{}", agency.code),
            &body,
        )
        .await?;
        // VNPAY settles a terminal into an account of the agency's: its Vietcombank one here.
        let accounts = [
            ("vcb", agency.vcb_account, "970436"),
            ("bidv", agency.bidv_account, "970418"),
            ("vnpay", agency.vcb_account, "970436"),
        ];
        for (bank, account_no, bin) in accounts {
            let mut setting = json!({"bank": bank, "fee_kind": "any", "account_no": account_no,
                "account_name": agency.treasury, "bank_bin": bin,
                "effective_from": since.to_rfc3339(), "backdate": true});
            if bank == "vnpay" {
                setting["terminal_code"] = json!(super::credentials().vnpay_terminal);
            }
            let path = format!("/api/v1/agencies/{}/beneficiary-accounts", agency.code);
            demo.admin_send(reqwest::Method::POST, &path, &setting)
                .await?;
        }
    }
    Ok(())
}

impl Demo {
    async fn admin_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<()> {
        let response = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.keys.admin)
            .json(body)
            .send()
            .await
            .with_context(|| path.to_owned())?;
        let status = response.status();
        ensure!(
            status.is_success(),
            "{path}: {status} {}",
            response.text().await.unwrap_or_default()
        );
        Ok(())
    }
}
