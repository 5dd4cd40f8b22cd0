//! The hub's side of the bank adapters: the adapters are pure, this module does their I/O (one
//! shared `reqwest::Client`) and reads credentials from the configuration.

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;

use bank_adapters::{bidv, vcb, vnpay};

use crate::clock::vietnam;
use crate::config::Config;
use crate::domain::bank::BankCode;
use crate::domain::order::Order;
use crate::http::AppState;
use crate::store::attempts::Attempt;

#[derive(Debug, thiserror::Error)]
pub enum BankCallError {
    #[error("{0} is not configured")]
    NotConfigured(BankCode),
    #[error("the bank could not be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the bank refused: {0}")]
    Refused(String),
}

pub fn vcb_merchant(config: &Config) -> Option<vcb::Merchant<'_>> {
    let c = config.banks.vcb.as_ref()?;
    Some(vcb::Merchant {
        id: &c.merchant_id,
        secret: c.secret.expose_secret(),
    })
}

/// A VCB API reply as it arrived; [`VcbReceived::reply`] lends it to the adapter, which checks
/// its signature.
pub struct VcbReceived {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl VcbReceived {
    pub fn reply(&self) -> vcb::Reply<'_> {
        vcb::Reply {
            status: self.status,
            headers: vcb::SignedHeaders::from_lookup(|name| {
                self.headers.get(name).and_then(|v| v.to_str().ok())
            }),
            body: &self.body,
        }
    }
}

/// Sends one request to VCB's API signed at `now` as vcb.md "Signing" says: over the JSON body,
/// or over the empty body for a GET (`body` `None`).
pub async fn vcb_send(
    app: &AppState,
    merchant: &vcb::Merchant<'_>,
    url: String,
    body: Option<String>,
    now: i64,
) -> Result<VcbReceived, reqwest::Error> {
    let signed_over = body.as_deref().unwrap_or("");
    let mut request = match &body {
        Some(_) => app
            .http
            .post(url)
            .header("content-type", "application/json"),
        None => app.http.get(url),
    };
    for (name, value) in vcb::sign_headers(merchant, now, signed_over.as_bytes()) {
        request = request.header(name, value);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let reply = request.send().await?;
    Ok(VcbReceived {
        status: reply.status().as_u16(),
        headers: reply.headers().clone(),
        body: reply.bytes().await?.to_vec(),
    })
}

pub fn bidv_partner(config: &Config) -> Option<bidv::Partner<'_>> {
    let c = config.banks.bidv.as_ref()?;
    Some(bidv::Partner {
        code: &c.partner_code,
        secret: c.secret.expose_secret(),
    })
}

pub fn vnpay_terminal<'a>(config: &'a Config, code: &str) -> Option<vnpay::Terminal<'a>> {
    let vnpay = config.banks.vnpay.as_ref()?;
    let t = vnpay.terminals.iter().find(|t| t.code == code)?;
    Some(vnpay::Terminal {
        code: &t.code,
        hash_secret: t.hash_secret.expose_secret(),
    })
}

/// What the citizen's payment is described as at the bank: ASCII, no characters encoders
/// disagree on (vnpay.md §1), e.g. `Thanh toan ho so 000.00.12.H29-260530-0001`.
pub fn description(order: &Order) -> String {
    vnpay::sanitize_order_info(&format!("Thanh toan ho so {}", order.dossier_code))
}

/// `vnp_CreateDate` for an attempt created at `at`: stored, because querydr must repeat it.
pub fn vnpay_create_date(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam())
        .format("%Y%m%d%H%M%S")
        .to_string()
}

/// Asks the bank to start `attempt` and returns where to send the browser, plus the bank's own
/// id for the payment where it gives one (VCB's `paymentId`).
pub async fn start_payment(
    app: &AppState,
    order: &Order,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<(String, Option<String>), BankCallError> {
    let public_url = &app.config.server.public_url;
    let expires = order.expires_at.with_timezone(&vietnam());
    match attempt.bank {
        BankCode::Vnpay => {
            let cfg = app
                .config
                .banks
                .vnpay
                .as_ref()
                .ok_or(BankCallError::NotConfigured(attempt.bank))?;
            let code = attempt.terminal_code.as_deref().unwrap_or_default();
            let terminal = vnpay_terminal(&app.config, code)
                .ok_or(BankCallError::NotConfigured(attempt.bank))?;
            let ip = attempt.client_ip.as_deref().and_then(|ip| ip.parse().ok());
            let request = vnpay::PaymentRequest {
                txn_ref: attempt.reference.clone(),
                amount: attempt.amount,
                order_info: description(order),
                order_type: "billpayment".into(),
                create_date: attempt.created_at.with_timezone(&vietnam()),
                expire_date: expires,
                ip_addr: ip.unwrap_or(std::net::IpAddr::from([127, 0, 0, 1])),
                locale: vnpay::Locale::Vn,
                return_url: format!("{public_url}/return/vnpay"),
                bank_code: None,
            };
            let url = vnpay::payment_url(&cfg.pay_url, &terminal, &request)
                .map_err(|e| BankCallError::Refused(e.to_string()))?;
            Ok((url, None))
        }
        BankCode::Vcb => start_vcb(app, order, attempt, now).await,
        BankCode::Bidv => start_bidv(app, order, attempt, now).await,
    }
}

async fn start_vcb(
    app: &AppState,
    order: &Order,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<(String, Option<String>), BankCallError> {
    let cfg = app
        .config
        .banks
        .vcb
        .as_ref()
        .ok_or(BankCallError::NotConfigured(BankCode::Vcb))?;
    let merchant = vcb_merchant(&app.config).ok_or(BankCallError::NotConfigured(BankCode::Vcb))?;
    let public_url = &app.config.server.public_url;
    let body = vcb::create_payment_body(
        &merchant,
        &vcb::PaymentOrder {
            order_ref: attempt.reference.clone(),
            amount: attempt.amount,
            description: description(order),
            return_url: format!("{public_url}/return/vcb"),
            notify_url: format!("{public_url}/callbacks/vcb"),
            expire_at: order.expires_at.with_timezone(&vietnam()),
            beneficiary: vcb::Beneficiary {
                account_no: attempt.account_no.clone(),
                bank_bin: attempt.bank_bin.clone(),
                account_name: attempt.account_name.clone(),
            },
        },
    );
    let url = format!("{}/v1/payments", cfg.base_url);
    let received = vcb_send(app, &merchant, url, Some(body), now.timestamp()).await?;
    let parsed = vcb::parse_create_reply(&merchant, &received.reply(), app.clock.now().timestamp())
        .map_err(|e| BankCallError::Refused(e.to_string()))?;
    Ok((parsed.payment_url, Some(parsed.payment_id)))
}

async fn start_bidv(
    app: &AppState,
    order: &Order,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<(String, Option<String>), BankCallError> {
    let cfg = app
        .config
        .banks
        .bidv
        .as_ref()
        .ok_or(BankCallError::NotConfigured(BankCode::Bidv))?;
    let partner = bidv_partner(&app.config).ok_or(BankCallError::NotConfigured(BankCode::Bidv))?;
    let bill = bidv::Bill {
        bill_code: attempt.reference.clone(),
        amount: attempt.amount,
        description: description(order),
        due: order.expires_at.with_timezone(&vietnam()),
        account_no: attempt.account_no.clone(),
        account_name: attempt.account_name.clone(),
    };
    let body = bidv::register_body(&partner, &bill, now.timestamp());
    let reply = app
        .http
        .post(format!("{}/thuho/v1/bill/register", cfg.base_url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let bytes = reply.bytes().await?;
    let registration = bidv::verify_register_reply(&partner, &attempt.reference, &bytes)
        .map_err(|e| BankCallError::Refused(e.to_string()))?;
    registration
        .payment_url
        .map(|url| (url, None))
        .ok_or_else(|| {
            BankCallError::Refused(format!("{:?}: {}", registration.code, registration.message))
        })
}

/// Whether a browser return carries the bank's valid signature (BIDV's return has none). The
/// return page only displays, so this only decides whether to show the result at all.
pub fn return_is_genuine(config: &Config, bank: BankCode, query: &str) -> bool {
    match bank {
        BankCode::Vnpay => vnpay::verify_return(query, |code| config.vnpay_secret(code)).is_ok(),
        BankCode::Vcb => {
            vcb_merchant(config).is_some_and(|m| vcb::verify_return(&m, query).is_ok())
        }
        BankCode::Bidv => true,
    }
}
