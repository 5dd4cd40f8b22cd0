//! PayHub's own API, as a dossier system, an administrator and a citizen's browser use it: the
//! seeding path of the benchmarks (agency, beneficiary accounts, orders, checkout).

use anyhow::{bail, Context};
use serde_json::{json, Value};

/// The bench agency and its settings: one VNPAY terminal and one VCB account, `any` fee kind.
pub const AGENCY: &str = "000.00.99.H29";
pub const VNPAY_TERMINAL: &str = "BENCH001";
pub const VCB_ACCOUNT: &str = "0011001234567";

#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub admin_key: String,
    pub portal_key: String,
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates the bench agency with a VNPAY and a VCB setting; a repeat only updates the agency.
    pub async fn seed_agency(&self) -> anyhow::Result<()> {
        let agency =
            json!({"name": "Sở Xây dựng (benchmark)", "notify_url": "http://127.0.0.1:9/notify"});
        let r = self
            .http
            .put(self.url(&format!("/api/v1/agencies/{AGENCY}")))
            .bearer_auth(&self.admin_key)
            .json(&agency)
            .send()
            .await?;
        let created = r.status() == 201;
        check(r, "creating the agency").await?;
        if !created {
            return Ok(());
        }
        let since = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        let settings = [
            json!({"bank": "vnpay", "fee_kind": "any", "account_no": "0011007654321",
                   "account_name": "KBNN HA NOI", "bank_bin": "970436",
                   "terminal_code": VNPAY_TERMINAL, "effective_from": since}),
            json!({"bank": "vcb", "fee_kind": "any", "account_no": VCB_ACCOUNT,
                   "account_name": "KBNN HA NOI", "bank_bin": "970436", "effective_from": since}),
        ];
        for setting in settings {
            let r = self
                .http
                .post(self.url(&format!("/api/v1/agencies/{AGENCY}/beneficiary-accounts")))
                .bearer_auth(&self.admin_key)
                .json(&setting)
                .send()
                .await?;
            check(r, "adding a beneficiary account").await?;
        }
        Ok(())
    }

    /// `POST /api/v1/orders`; returns the new order's id.
    pub async fn create_order(&self, order: &PreparedOrder) -> Result<String, String> {
        let r = self
            .http
            .post(self.url("/api/v1/orders"))
            .bearer_auth(&self.portal_key)
            .header("idempotency-key", &order.idempotency_key)
            .header("content-type", "application/json")
            .body(order.body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        let body: Value = r.json().await.map_err(|e| e.to_string())?;
        match (status, body["id"].as_str()) {
            (201, Some(id)) => Ok(id.to_owned()),
            _ => Err(format!("order create: {status} {body}")),
        }
    }

    /// The citizen chooses `bank` on the checkout page; returns the bank URL PayHub redirects to.
    pub async fn checkout(&self, order_id: &str, bank: &str) -> anyhow::Result<String> {
        let r = self
            .http
            .post(self.url(&format!("/checkout/{order_id}")))
            .form(&[("bank", bank)])
            .send()
            .await?;
        if r.status() != 303 {
            bail!("checkout at {bank}: {} {}", r.status(), r.text().await?);
        }
        let location = r
            .headers()
            .get("location")
            .context("a 303 without Location")?;
        Ok(location.to_str()?.to_owned())
    }

    /// The order as its dossier system reads it (`status`, `payment`).
    pub async fn order(&self, order_id: &str) -> anyhow::Result<Value> {
        let r = self
            .http
            .get(self.url(&format!("/api/v1/orders/{order_id}")))
            .bearer_auth(&self.portal_key)
            .send()
            .await?;
        Ok(check(r, "reading an order").await?.json().await?)
    }
}

async fn check(r: reqwest::Response, what: &str) -> anyhow::Result<reqwest::Response> {
    if r.status().is_success() {
        Ok(r)
    } else {
        bail!("{what}: {} {}", r.status(), r.text().await?)
    }
}

/// An order request built before the clock starts: its JSON bytes and its idempotency key.
pub struct PreparedOrder {
    pub idempotency_key: String,
    pub body: Vec<u8>,
}

/// api.md's example order (650.000 đ: lệ phí 150.000 + phí 500.000) for a dossier of its own:
/// `run` keeps dossier codes unique across runs on one database.
pub fn prepare_order(run: &str, n: usize) -> PreparedOrder {
    let body = json!({"dossier_code": format!("000.00.12.H29-{run}-{n:07}"),
        "procedure_code": "1.001234", "procedure_name": "Cấp giấy phép xây dựng",
        "agency_code": AGENCY,
        "payer": {"name": "Nguyễn Văn A", "id_number": "001090012345", "phone": "0912345678", "email": null},
        "items": [{"kind": "charge", "code": "LPXD", "name": "Lệ phí cấp giấy phép xây dựng", "amount": "150000"},
                  {"kind": "fee", "code": "PTD", "name": "Phí thẩm định", "amount": "500000"}],
        "return_url": "https://portal.example.gov.vn/dossiers/1", "expires_in_minutes": 60});
    PreparedOrder {
        idempotency_key: format!("bench-{run}-{n}"),
        body: serde_json::to_vec(&body).expect("JSON serializes"),
    }
}

/// The example order's total, in đồng.
pub const ORDER_AMOUNT: i64 = 650_000;
