//! The second officer's approval of a refund request (issue 14): claimed once, then the refund
//! goes to the bank through the one refund path, as the approver, and a discrepancy it was asked
//! from is resolved once the bank has refunded.

use crate::app::AppState;
use crate::domain::keys::Caller;
use crate::domain::refund::RefundState;
use crate::payments::refund::{new_refund_ref, refund_payment};
use crate::store::reconciliation::ResolveError;
use crate::store::refund_requests::{RefundRequest, RequestError};
use crate::store::refunds::{NewRefund, RefundError};

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    Refund(#[from] RefundError),
}

/// Approves request `id` as `caller` and refunds; returns the request and the refund as the
/// bank left it (JSON, the same body `POST /api/v1/orders/{id}/refunds` answers).
pub async fn approve_and_refund(
    app: &AppState,
    id: i64,
    caller: &Caller,
) -> Result<(RefundRequest, serde_json::Value), ApprovalError> {
    let request = app
        .store
        .approve_refund_request(id, caller, app.clock.now())
        .await?;
    let actor = caller.actor();
    let key = format!("refund-request-{id}");
    let amount = crate::store::rows::vnd(request.amount_vnd).map_err(RequestError::Store)?;
    let new = NewRefund {
        order_id: &request.order_id,
        payment_id: Some(request.payment_id),
        amount,
        reason: &request.reason,
        actor: &actor,
        key_id: caller.key_id,
        idempotency_key: &key,
        fingerprint: &key,
        refund_ref: &new_refund_ref(),
    };
    let reply = match refund_payment(app, &new).await {
        Ok(reply) => reply,
        Err(e) => {
            app.store
                .reopen_refund_request(id)
                .await
                .map_err(RequestError::Store)?;
            return Err(e.into());
        }
    };
    let refund: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
    if let Some(refund_id) = refund["id"].as_i64() {
        app.store
            .link_refund(id, refund_id)
            .await
            .map_err(RequestError::Store)?;
    }
    let refunded = refund["status"] == RefundState::Succeeded.as_str();
    if let (Some(discrepancy), true) = (request.discrepancy_id, refunded) {
        let note = format!(
            "Đã hoàn {} đồng ({}), đề nghị #{id} của {} được {} duyệt",
            request.amount_vnd, refund["refund_ref"], request.requested_by, actor
        );
        match (app.store)
            .resolve_discrepancy(discrepancy, &actor, &note, app.clock.now())
            .await
        {
            Ok(_) | Err(ResolveError::AlreadyResolved(_)) => {}
            Err(ResolveError::Store(e)) => return Err(RequestError::Store(e).into()),
        }
    }
    let request = app
        .store
        .refund_request(id)
        .await
        .map_err(RequestError::Store)?
        .unwrap_or(request);
    Ok((request, refund))
}
