//! Starting a payment: the attempt, with a snapshot of the beneficiary account in force; the
//! bank's hand-off; the redirect recorded, or the attempt closed when the bank did not start it.

use chrono::{DateTime, Duration, Utc};

use crate::app::AppState;
use crate::banks;
use crate::domain::agency::{single_account, BeneficiarySetting};
use crate::domain::attempt::Channel;
use crate::domain::bank::BankCode;
use crate::domain::order::Order;
use crate::domain::state::OrderStatus;
use crate::store::attempts::{AttemptError, NewAttempt};
use crate::store::StoreError;

/// Pending sync's first question to the bank, this long after the redirect: the first time of
/// its schedule.
pub const FIRST_QUERY_AFTER: Duration = Duration::minutes(crate::pending_sync::SCHEDULE_MINUTES[0]);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the order cannot be paid now")]
    NotPayable,
    #[error("{0} does not take payments for this order")]
    BankNotOffered(String),
    /// Another attempt is in progress at this bank (the open attempt rule, `open_attempt`).
    #[error("a payment is in progress at {0}")]
    InProgress(BankCode),
    #[error("{bank} did not start the payment: {cause}")]
    BankDidNotStart {
        bank: BankCode,
        cause: banks::BankCallError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The status a citizen should see: a pending order past its expiry is expired, even before
/// the expiry worker has written it.
pub fn shown_status(order: &Order, now: DateTime<Utc>) -> OrderStatus {
    match order.status {
        OrderStatus::Pending if order.expires_at <= now => OrderStatus::Expired,
        other => other,
    }
}

/// The banks that can take this order now: configured, and with one beneficiary account in
/// force covering all of its fee kinds.
pub async fn available_banks(
    app: &AppState,
    order: &Order,
    now: DateTime<Utc>,
) -> Result<Vec<(BankCode, BeneficiarySetting)>, StoreError> {
    let settings = (app.store)
        .beneficiary_settings(&order.agency_code, None)
        .await?;
    let kinds = order.kinds();
    let mut banks = Vec::new();
    for bank in app.config.banks.configured() {
        let of_bank: Vec<_> = settings
            .iter()
            .filter(|s| s.bank == bank)
            .cloned()
            .collect();
        if let Some(s) = single_account(&of_bank, &kinds, Some(&order.procedure_code), now) {
            banks.push((bank, s.clone()));
        }
    }
    Ok(banks)
}

/// A random attempt reference: 12 of `[A-Z0-9]` (vnp_TxnRef allows `[A-Za-z0-9]`), unrelated to
/// the dossier code so that nothing about the citizen travels to the bank in it.
pub(super) fn new_reference() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rngs::OsRng;
    (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Starts a payment of `order` at the bank the citizen chose (`choice`, as the page sent it),
/// from `client_ip`; returns where to send the browser.
#[tracing::instrument(skip_all, fields(order_id = %order.id, bank = choice))]
pub async fn start_payment(
    app: &AppState,
    order: &Order,
    choice: &str,
    client_ip: &str,
) -> Result<String, StartError> {
    let now = app.clock.now();
    if shown_status(order, now) != OrderStatus::Pending {
        return Err(StartError::NotPayable);
    }
    let banks = available_banks(app, order, now).await?;
    // The open attempt rule: the bank of an attempt in progress is asked first.
    let open = super::open_attempt::open_attempts(app, &order.id).await?;
    if choice == super::vietqr::CHOICE {
        return super::vietqr::start_vietqr(app, order, &banks, &open, client_ip).await;
    }
    let chosen =
        crate::domain::bank::bank_code(choice).and_then(|b| banks.iter().find(|(c, _)| *c == b));
    let Some((bank, setting)) = chosen else {
        return Err(StartError::BankNotOffered(
            choice.chars().take(20).collect(),
        ));
    };
    if let Some(c) = open
        .in_progress
        .as_ref()
        .filter(|_| !open.allows(*bank, Channel::Gateway))
    {
        return Err(StartError::InProgress(c.attempt.bank));
    }
    let reference = new_reference();
    let create_date = banks::vnpay::create_date(now);
    let new = NewAttempt {
        order_id: &order.id,
        bank: *bank,
        reference: &reference,
        setting,
        client_ip: Some(client_ip),
        bank_create_date: (*bank == BankCode::Vnpay).then_some(create_date.as_str()),
        channel: Channel::Gateway,
    };
    let attempt = match app.store.create_attempt(&new, order.amount, now).await {
        Ok(a) => a,
        Err(AttemptError::NotPayable(_)) => return Err(StartError::NotPayable),
        Err(AttemptError::Store(e)) => return Err(e.into()),
    };
    let started = banks::start_payment(app, order, &attempt).await;
    app.metrics.bank_call(*bank, "start", started.is_ok());
    match started {
        Ok(started) => {
            let id = started.bank_payment_id.as_deref();
            (app.store)
                .attempt_redirected(&attempt, id, now + FIRST_QUERY_AFTER, now)
                .await?;
            Ok(started.url)
        }
        Err(cause) => {
            // Nothing reached the citizen: no money can move on this attempt.
            (app.store)
                .attempt_not_started(&attempt, "not_started", now)
                .await?;
            Err(StartError::BankDidNotStart { bank: *bank, cause })
        }
    }
}
