//! Refunding a payment (reference-data.md: a refund is its own audited money movement against a
//! paid order). Two transactions around the bank call, so no lock is held while the bank answers:
//! the refund is written `pending` with its key claimed, the bank is asked, and its answer sets
//! the refund (and, on success, the money and the order).

use crate::app::AppState;
use crate::banks;
use crate::store::orders::StoredReply;
use crate::store::refunds::{NewRefund, RefundError, RefundStart};

/// `R` and 15 of `[A-Z0-9]`: VCB's `refundRef`, BIDV's `MaHoanTien`, VNPAY's `vnp_RequestId`.
pub fn new_refund_ref() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rngs::OsRng;
    let tail: String = (0..15)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("R{tail}")
}

/// Refunds `new` through the payment's bank; the reply is the refund as the bank left it
/// (`succeeded`, `pending`, or `failed` with the reason), or the first reply of a repeated key.
pub async fn refund_payment(
    app: &AppState,
    new: &NewRefund<'_>,
) -> Result<StoredReply, RefundError> {
    let configured = |attempt: &_| banks::can_refund(&app.config, attempt);
    let pending = match app
        .store
        .begin_refund(new, configured, app.clock.now())
        .await?
    {
        RefundStart::Replay(reply) => return Ok(reply),
        RefundStart::Started(pending) => pending,
    };
    let outcome = banks::refund(app, &pending, new.actor).await;
    let now = app.clock.now();
    let reply = (app.store)
        .finish_refund(
            &pending,
            &outcome,
            new.actor,
            new.key_id,
            new.idempotency_key,
            now,
        )
        .await?;
    Ok(reply)
}
