//! The IPN: VNPAY's signed server-to-server `GET` to PayHub (vnpay.md §2), and the signed query
//! it shares with the browser's return.

use super::Simulator;
use crate::simulator::{Outcome, Outgoing, TxnId};
use crate::vnpay::wire::{canonical_query, secure_hash};

/// §1's canonical string plus its hash, the same as PayHub's payment URL.
pub(super) fn signed_query(secret: &str, fields: &[(&str, String)]) -> String {
    let canonical = canonical_query(fields.iter().map(|(k, v)| (*k, v.as_str())));
    let hash = secure_hash(secret, &canonical);
    format!("{canonical}&vnp_SecureHash={hash}")
}

pub(super) fn append_query(url: &str, query: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

/// The IPN: `GET {ipn_url}?<signed query>` (§2).
pub(super) fn ipn(sim: &Simulator, txn: TxnId, url: String) -> Outgoing {
    let client = sim.controls().client().clone();
    Outgoing::new(txn, move || {
        let (client, url) = (client.clone(), url.clone());
        async move { send_ipn(&client, &url).await }
    })
}

/// §2: VNPAY stops on `RspCode` `00` or `02`; anything else, or no answer, is retried.
async fn send_ipn(client: &reqwest::Client, url: &str) -> Outcome {
    let response = match client.get(url).send().await {
        Ok(response) => response,
        Err(e) => return Outcome::failed(e),
    };
    let status = response.status().as_u16();
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => return Outcome::failed(e),
    };
    let code = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|reply| reply.get("RspCode")?.as_str().map(str::to_owned));
    Outcome {
        http_status: Some(status),
        acknowledged: status == 200 && matches!(code.as_deref(), Some("00" | "02")),
        error: code
            .is_none()
            .then(|| format!("no RspCode in {}", String::from_utf8_lossy(&body))),
        code,
    }
}
