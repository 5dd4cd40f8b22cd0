//! BIDV asks PayHub what a bill is before debiting it (bidv.md §2).

use chrono::{DateTime, FixedOffset};

use super::pay::PayError;
use super::Simulator;
use crate::bidv::bills::verify_about;
use crate::bidv::wire::{self, QueryBody};
use crate::{compact_time, Vnd};

/// One inquiry BIDV made to PayHub (§2), and PayHub's verified answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryAttempt {
    /// `MaHoaDon` asked about.
    pub bill_code: String,
    /// When BIDV asked.
    pub at: DateTime<FixedOffset>,
    /// PayHub's `MaLoi`, once its `ChuKy` verified.
    pub code: Option<String>,
    /// PayHub's `SoTien`, when it gave one.
    pub amount: Option<Vnd>,
    /// Why the answer could not be used.
    pub error: Option<String>,
}

/// §2: asks PayHub about the bill; returns the amount to debit when PayHub answers `00`.
pub(super) async fn inquire(sim: &Simulator, bill_code: &str) -> Result<Vnd, PayError> {
    let at = sim.controls().clock().now();
    let answer = ask(sim, bill_code, &at).await;
    let (code, amount, error) = match &answer {
        Ok((code, amount)) => (Some(code.clone()), *amount, None),
        Err(e) => (None, None, Some(e.clone())),
    };
    sim.inner
        .inquiries
        .lock()
        .expect("inquiries lock")
        .push(InquiryAttempt {
            bill_code: bill_code.to_owned(),
            at,
            code,
            amount,
            error,
        });
    match answer {
        Ok((code, Some(amount))) if code == "00" => Ok(amount),
        Ok((code, None)) if code == "00" => Err(PayError::Inquiry("00 without SoTien".into())),
        Ok((code, _)) => Err(PayError::Refused(code)),
        Err(e) => Err(PayError::Inquiry(e)),
    }
}

/// Sends the inquiry and verifies the reply's `ChuKy` over `MaLoi|MaHoaDon|SoTien`.
async fn ask(
    sim: &Simulator,
    bill_code: &str,
    at: &DateTime<FixedOffset>,
) -> Result<(String, Option<Vnd>), String> {
    // The inquiry has the same three fields as the §4 query, so the same wire struct.
    let body = QueryBody {
        MaDoiTac: &sim.inner.config.partner_code,
        MaHoaDon: bill_code,
        ThoiGian: compact_time::format(at),
    };
    let body = wire::signed_json(&sim.inner.config.secret, wire::INQUIRY, &body);
    let reply = post_json(sim, &sim.inner.config.inquiry_url, body).await?;
    let message = verify_about(
        &sim.partner(),
        &reply,
        wire::INQUIRY_REPLY,
        "MaHoaDon",
        bill_code,
    )
    .map_err(|e| e.to_string())?;
    let code = message.text("MaLoi")?;
    let amount = match message.text("SoTien")? {
        amount if amount.is_empty() => None,
        amount => Some(Vnd::parse(&amount).map_err(|e| format!("SoTien {amount:?}: {e}"))?),
    };
    Ok((code, amount))
}

async fn post_json(sim: &Simulator, url: &str, body: String) -> Result<Vec<u8>, String> {
    let response = sim
        .controls()
        .client()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    Ok(bytes.to_vec())
}
