//! The open attempt rule (README, "The citizen's way forward"). An attempt is open while no
//! final result is recorded for it (`created`, `redirected`). While one is *in progress* the
//! checkout offers only its bank again; another bank is offered once it is final or *clearly
//! abandoned*: the bank, asked by PayHub, said it is not paid, after the citizen came back from
//! the bank or once the attempt is `ABANDONED_AFTER` old. Before deciding, the pages ask the bank
//! themselves, within a budget per attempt and per order, so reloading cannot flood the bank.

use chrono::{DateTime, Duration, Utc};

use crate::app::AppState;
use crate::banks::{query_attempt, QueryAnswer};
use crate::domain::attempt::{Attempt, Channel};
use crate::domain::bank::BankCode;
use crate::domain::state::AttemptStatus;
use crate::store::attempt_checks::{CheckedAttempt, Claim, QueryBudget};
use crate::store::payments::Applied;
use crate::store::StoreError;

/// Pages ask a bank about an order at most every 3 s, 5 times per attempt, 15 times per order:
/// with the result page reloading every 3 s, the wait for a pending outcome lasts ~15 s.
pub const PAGE_BUDGET: QueryBudget = QueryBudget {
    spacing: Duration::seconds(3),
    per_attempt: 5,
    per_order: 15,
};

/// A bank's payment page gives the citizen 15 minutes (VNPAY's `vnp_ExpireDate` and the
/// others' sessions): an attempt older than this that the bank says is not paid was left.
pub const ABANDONED_AFTER: Duration = Duration::minutes(15);

/// A start takes one call to the bank (`banks.timeout_ms`, 15 s by default): an attempt still
/// `created` after this never reached the bank.
pub const NEVER_STARTED_AFTER: Duration = Duration::minutes(2);

/// Where an attempt stands for the citizen's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Succeeded, failed, or left to finance staff (`unknown`): it blocks nothing.
    Final,
    /// The citizen may still be paying at the bank: only this bank is offered.
    InProgress,
    /// Open, but the bank says it is not paid and the citizen has left it.
    Abandoned,
}

pub fn is_open(status: AttemptStatus) -> bool {
    matches!(status, AttemptStatus::Created | AttemptStatus::Redirected)
}

/// The rule itself, pure.
pub fn standing(c: &CheckedAttempt, now: DateTime<Utc>) -> Standing {
    if !is_open(c.attempt.status) {
        return Standing::Final;
    }
    let age = now - c.attempt.created_at;
    // Never handed to the bank (the start was cut short): no money can move on it.
    if c.attempt.status == AttemptStatus::Created && age >= NEVER_STARTED_AFTER {
        return Standing::Abandoned;
    }
    let old = age >= ABANDONED_AFTER;
    // A VietQR code cannot be asked about: shown for a bank page's lifetime, then left. A
    // transfer that still comes is applied; a second payment is refunded as a duplicate.
    if c.attempt.channel == Channel::Vietqr {
        return if old {
            Standing::Abandoned
        } else {
            Standing::InProgress
        };
    }
    let said_not_paid_after_return = match (c.not_paid_at, c.returned_at) {
        (Some(not_paid), Some(returned)) => not_paid >= returned,
        _ => false,
    };
    if said_not_paid_after_return || (old && c.not_paid_at.is_some()) {
        Standing::Abandoned
    } else {
        Standing::InProgress
    }
}

/// What a page's question to the bank came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// The attempt already had a final result: nothing asked.
    Final,
    /// Asked; the answer (if any) is recorded.
    Asked,
    /// Not now: asked about this order moments ago.
    TooSoon,
    /// The pages' budget for this attempt or order is spent: the wait is over.
    Spent,
    /// Nothing to ask: no bank's query knows a VietQR transfer (it is known when it arrives).
    NoQuery,
}

/// Asks the attempt's bank for its outcome if the budget allows, and applies a final answer
/// through the one exactly-once path. A bank that does not answer is not an answer.
pub async fn ask_bank(app: &AppState, attempt: &Attempt) -> Result<Asked, StoreError> {
    if !is_open(attempt.status) {
        return Ok(Asked::Final);
    }
    if attempt.channel == Channel::Vietqr {
        return Ok(Asked::NoQuery);
    }
    let now = app.clock.now();
    match app
        .store
        .claim_page_query(attempt, PAGE_BUDGET, now)
        .await?
    {
        Claim::Granted => {}
        Claim::TooSoon => return Ok(Asked::TooSoon),
        Claim::Spent => return Ok(Asked::Spent),
    }
    let not_paid = match query_attempt(app, attempt).await {
        Ok(QueryAnswer::Found(report)) => {
            let applied = app.store.apply_report(&report, now).await?;
            if applied == Applied::Paid {
                app.metrics.payment(attempt.bank);
            }
            tracing::info!(attempt_id = attempt.id, ?applied, "a page asked the bank");
            applied == Applied::NotFinal
        }
        Ok(QueryAnswer::NotFound) => true,
        Err(e) => {
            tracing::warn!(attempt_id = attempt.id, error = %e, "a page's bank query failed");
            false
        }
    };
    if not_paid {
        app.store.attempt_not_paid(attempt, now).await?;
    }
    Ok(Asked::Asked)
}

/// The order's attempts as the checkout sees them, after asking the bank of each open one.
#[derive(Debug, Clone, Default)]
pub struct OpenAttempts {
    /// The newest attempt in progress: only its bank is offered.
    pub in_progress: Option<CheckedAttempt>,
    /// The newest attempt left open but abandoned: the page warns about it.
    pub abandoned: Option<CheckedAttempt>,
}

impl OpenAttempts {
    /// Whether a new attempt at `bank` through `channel` may start now: a VietQR code in
    /// progress blocks the gateways, a gateway in progress blocks the others and VietQR.
    pub fn allows(&self, bank: BankCode, channel: Channel) -> bool {
        self.in_progress.as_ref().is_none_or(|c| {
            c.attempt.channel == channel && (channel == Channel::Vietqr || c.attempt.bank == bank)
        })
    }
}

/// Asks the bank of each open attempt (within the budget), then sorts them by the rule.
pub async fn open_attempts(app: &AppState, order_id: &str) -> Result<OpenAttempts, StoreError> {
    let before = app.store.checked_attempts(order_id).await?;
    let mut asked = false;
    for c in before.iter().filter(|c| is_open(c.attempt.status)) {
        asked |= ask_bank(app, &c.attempt).await? == Asked::Asked;
    }
    let checked = if asked {
        app.store.checked_attempts(order_id).await?
    } else {
        before
    };
    let now = app.clock.now();
    let mut open = OpenAttempts::default();
    for c in checked {
        match standing(&c, now) {
            Standing::InProgress if open.in_progress.is_none() => open.in_progress = Some(c),
            Standing::Abandoned if open.abandoned.is_none() => open.abandoned = Some(c),
            _ => {}
        }
    }
    Ok(open)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Vnd;

    fn checked(
        status: AttemptStatus,
        age_min: i64,
        returned: Option<i64>,
        not_paid: Option<i64>,
    ) -> (CheckedAttempt, DateTime<Utc>) {
        let now = Utc::now();
        let created_at = now - Duration::minutes(age_min);
        let at = |m: i64| created_at + Duration::minutes(m);
        let attempt = Attempt {
            id: 1,
            order_id: "o".into(),
            bank: BankCode::Bidv,
            reference: "R".into(),
            status,
            amount: Vnd::from_dong(1000).unwrap(),
            account_no: String::new(),
            account_name: String::new(),
            bank_bin: String::new(),
            terminal_code: None,
            bank_payment_id: None,
            bank_create_date: None,
            client_ip: None,
            query_count: 0,
            created_at,
            channel: Channel::Gateway,
        };
        let c = CheckedAttempt {
            attempt,
            returned_at: returned.map(at),
            page_queries: 0,
            not_paid_at: not_paid.map(at),
        };
        (c, now)
    }

    #[test]
    fn an_open_attempt_blocks_until_final_or_clearly_abandoned() {
        use AttemptStatus::*;
        let cases = [
            (checked(Redirected, 1, None, None), Standing::InProgress),
            (checked(Redirected, 1, None, Some(0)), Standing::InProgress),
            (
                checked(Redirected, 2, Some(1), Some(0)),
                Standing::InProgress,
            ),
            (
                checked(Redirected, 2, Some(1), Some(1)),
                Standing::Abandoned,
            ),
            (checked(Redirected, 20, None, None), Standing::InProgress),
            (checked(Redirected, 20, None, Some(16)), Standing::Abandoned),
            (checked(Failed, 1, None, None), Standing::Final),
            (checked(Succeeded, 1, None, None), Standing::Final),
            (checked(Unknown, 1, None, None), Standing::Final),
            (checked(Created, 1, None, None), Standing::InProgress),
            (checked(Created, 3, None, None), Standing::Abandoned),
        ];
        for ((c, now), expected) in cases {
            assert_eq!(standing(&c, now), expected, "{c:?}");
        }
    }
}
