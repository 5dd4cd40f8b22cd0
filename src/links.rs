//! The addresses PayHub gives out (a checkout page, a receipt), made where a reply or a
//! notification is sent: the store keeps facts, never `server.public_url`.

use serde_json::Value;

/// The citizen's checkout page of an order.
pub fn checkout(public_url: &str, order_id: &str) -> String {
    format!("{public_url}/checkout/{order_id}")
}

/// Straight to one bank's hand-off for an order (an INIT whose `MaNganHang` names a bank).
pub fn checkout_at(
    public_url: &str,
    order_id: &str,
    bank: crate::domain::bank::BankCode,
) -> String {
    format!("{public_url}/checkout/{order_id}/banks/{}", bank.as_str())
}

/// An order as the API and the dossier system's notifications show it: its stored snapshot
/// (`Order::snapshot`) with its checkout link.
pub fn order_json(mut snapshot: Value, public_url: &str) -> Value {
    if let Some(id) = snapshot
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
    {
        snapshot["checkout_url"] = Value::String(checkout(public_url, &id));
    }
    snapshot
}

/// [`order_json`] of a snapshot stored as text (an outbox row, an idempotent reply). Text that
/// is not a JSON object goes out as it was stored.
pub fn order_text(stored: &str, public_url: &str) -> String {
    match serde_json::from_str::<Value>(stored) {
        Ok(snapshot @ Value::Object(_)) => order_json(snapshot, public_url).to_string(),
        _ => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_order_goes_out_with_its_checkout_link() {
        let sent = order_text(
            r#"{"id":"ord_1","status":"pending"}"#,
            "https://payhub.example",
        );
        let sent: Value = serde_json::from_str(&sent).unwrap();
        assert_eq!(
            sent,
            json!({"id": "ord_1", "status": "pending",
                   "checkout_url": "https://payhub.example/checkout/ord_1"})
        );
        assert_eq!(order_text("not json", "https://x"), "not json");
    }
}
