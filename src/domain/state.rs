//! The state machines of orders and payment attempts, in one place (api.md, Orders). Every
//! change of state in the store goes through `order_transition` or `attempt_transition`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Paid,
    Expired,
    Cancelled,
    Refunded,
    PartiallyRefunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Expired,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
        OrderStatus::PartiallyRefunded,
    ];

    pub fn parse(text: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Expired => "expired",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::PartiallyRefunded => "partially_refunded",
        }
    }

    /// The money of this order has moved (it may have been refunded since).
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid | OrderStatus::Refunded | OrderStatus::PartiallyRefunded
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    /// A bank reported the order's money as received (first success for this order).
    PaymentSucceeded,
    Expire,
    Cancel,
    /// A refund of the order's payment succeeded; `full` when nothing is left to refund.
    Refunded {
        full: bool,
    },
}

/// Why a paid order needs a person's eyes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewReason {
    PaidAfterExpiry,
    PaidAfterCancellation,
}

impl ReviewReason {
    pub const ALL: [ReviewReason; 2] = [
        ReviewReason::PaidAfterExpiry,
        ReviewReason::PaidAfterCancellation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewReason::PaidAfterExpiry => "paid_after_expiry",
            ReviewReason::PaidAfterCancellation => "paid_after_cancellation",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderTransition {
    To(OrderStatus),
    /// The money moved although the order was closed: still paid, flagged for finance.
    ToFlagged(OrderStatus, ReviewReason),
    /// The order was already paid: this money is a second payment, to be refunded.
    DuplicatePayment,
    /// The event does not apply in this state; nothing changes.
    Refused,
}

pub fn order_transition(from: OrderStatus, event: OrderEvent) -> OrderTransition {
    use OrderEvent::{Cancel, Expire, PaymentSucceeded};
    use OrderStatus::*;
    use OrderTransition::*;
    match (from, event) {
        (Pending, PaymentSucceeded) => To(Paid),
        (Expired, PaymentSucceeded) => ToFlagged(Paid, ReviewReason::PaidAfterExpiry),
        (Cancelled, PaymentSucceeded) => ToFlagged(Paid, ReviewReason::PaidAfterCancellation),
        (Paid | Refunded | PartiallyRefunded, PaymentSucceeded) => DuplicatePayment,
        (Pending, Expire) => To(Expired),
        (Paid | Expired | Cancelled | Refunded | PartiallyRefunded, Expire) => Refused,
        (Pending, Cancel) => To(Cancelled),
        (Paid | Expired | Cancelled | Refunded | PartiallyRefunded, Cancel) => Refused,
        (Paid | PartiallyRefunded, OrderEvent::Refunded { full: true }) => To(Refunded),
        (Paid | PartiallyRefunded, OrderEvent::Refunded { full: false }) => To(PartiallyRefunded),
        (Pending | Expired | Cancelled | Refunded, OrderEvent::Refunded { .. }) => Refused,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    Created,
    Redirected,
    Succeeded,
    Failed,
    Unknown,
}

impl AttemptStatus {
    pub const ALL: [AttemptStatus; 5] = [
        AttemptStatus::Created,
        AttemptStatus::Redirected,
        AttemptStatus::Succeeded,
        AttemptStatus::Failed,
        AttemptStatus::Unknown,
    ];

    pub fn parse(text: &str) -> Option<AttemptStatus> {
        AttemptStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Created => "created",
            AttemptStatus::Redirected => "redirected",
            AttemptStatus::Succeeded => "succeeded",
            AttemptStatus::Failed => "failed",
            AttemptStatus::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptEvent {
    Redirected,
    Succeeded,
    Failed,
    /// Pending sync ran out of tries without an answer from the bank.
    GaveUp,
    /// An admin settled an unknown attempt by hand.
    SettledPaid,
    SettledFailed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptTransition {
    To(AttemptStatus),
    /// The attempt already has this final result: a repeat, nothing changes.
    AlreadyFinal,
    Refused,
}

pub fn attempt_transition(from: AttemptStatus, event: AttemptEvent) -> AttemptTransition {
    use AttemptEvent as E;
    use AttemptStatus::*;
    use AttemptTransition::*;
    match (from, event) {
        (Created, E::Redirected) => To(Redirected),
        (Redirected | Succeeded | Failed | Unknown, E::Redirected) => Refused,
        (Created | Redirected | Unknown, E::Succeeded) => To(Succeeded),
        // A success that arrives after a failure report is money that moved: it wins.
        (Failed, E::Succeeded) => To(Succeeded),
        (Succeeded, E::Succeeded) => AlreadyFinal,
        (Created | Redirected | Unknown, E::Failed) => To(Failed),
        (Succeeded | Failed, E::Failed) => AlreadyFinal,
        (Redirected, E::GaveUp) => To(Unknown),
        (Created | Succeeded | Failed | Unknown, E::GaveUp) => Refused,
        (Unknown, E::SettledPaid) => To(Succeeded),
        (Unknown, E::SettledFailed) => To(Failed),
        (Created | Redirected | Succeeded | Failed, E::SettledPaid | E::SettledFailed) => Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttemptStatus as A;
    use OrderStatus::*;
    use OrderTransition::*;

    #[test]
    fn every_order_state_and_event_has_the_expected_outcome() {
        let pay = OrderEvent::PaymentSucceeded;
        let (full, part) = (
            OrderEvent::Refunded { full: true },
            OrderEvent::Refunded { full: false },
        );
        let table = [
            (Pending, pay, To(Paid)),
            (Paid, pay, DuplicatePayment),
            (Expired, pay, ToFlagged(Paid, ReviewReason::PaidAfterExpiry)),
            (
                Cancelled,
                pay,
                ToFlagged(Paid, ReviewReason::PaidAfterCancellation),
            ),
            (Refunded, pay, DuplicatePayment),
            (PartiallyRefunded, pay, DuplicatePayment),
            (Pending, OrderEvent::Expire, To(Expired)),
            (Paid, OrderEvent::Expire, Refused),
            (Expired, OrderEvent::Expire, Refused),
            (Cancelled, OrderEvent::Expire, Refused),
            (Refunded, OrderEvent::Expire, Refused),
            (PartiallyRefunded, OrderEvent::Expire, Refused),
            (Pending, OrderEvent::Cancel, To(Cancelled)),
            (Paid, OrderEvent::Cancel, Refused),
            (Expired, OrderEvent::Cancel, Refused),
            (Cancelled, OrderEvent::Cancel, Refused),
            (Refunded, OrderEvent::Cancel, Refused),
            (PartiallyRefunded, OrderEvent::Cancel, Refused),
            (Pending, full, Refused),
            (Paid, full, To(Refunded)),
            (Expired, full, Refused),
            (Cancelled, full, Refused),
            (Refunded, full, Refused),
            (PartiallyRefunded, full, To(Refunded)),
            (Pending, part, Refused),
            (Paid, part, To(PartiallyRefunded)),
            (Expired, part, Refused),
            (Cancelled, part, Refused),
            (Refunded, part, Refused),
            (PartiallyRefunded, part, To(PartiallyRefunded)),
        ];
        assert_eq!(
            table.len(),
            OrderStatus::ALL.len() * 5,
            "every (state, event) pair"
        );
        for (from, event, expected) in table {
            assert_eq!(
                order_transition(from, event),
                expected,
                "{from:?} + {event:?}"
            );
        }
    }

    #[test]
    fn every_attempt_state_and_event_has_the_expected_outcome() {
        use AttemptEvent as E;
        use AttemptTransition::{AlreadyFinal, Refused as No, To as Go};
        let table = [
            (A::Created, E::Redirected, Go(A::Redirected)),
            (A::Redirected, E::Redirected, No),
            (A::Succeeded, E::Redirected, No),
            (A::Failed, E::Redirected, No),
            (A::Unknown, E::Redirected, No),
            (A::Created, E::Succeeded, Go(A::Succeeded)),
            (A::Redirected, E::Succeeded, Go(A::Succeeded)),
            (A::Succeeded, E::Succeeded, AlreadyFinal),
            (A::Failed, E::Succeeded, Go(A::Succeeded)),
            (A::Unknown, E::Succeeded, Go(A::Succeeded)),
            (A::Created, E::Failed, Go(A::Failed)),
            (A::Redirected, E::Failed, Go(A::Failed)),
            (A::Succeeded, E::Failed, AlreadyFinal),
            (A::Failed, E::Failed, AlreadyFinal),
            (A::Unknown, E::Failed, Go(A::Failed)),
            (A::Created, E::GaveUp, No),
            (A::Redirected, E::GaveUp, Go(A::Unknown)),
            (A::Succeeded, E::GaveUp, No),
            (A::Failed, E::GaveUp, No),
            (A::Unknown, E::GaveUp, No),
            (A::Created, E::SettledPaid, No),
            (A::Redirected, E::SettledPaid, No),
            (A::Succeeded, E::SettledPaid, No),
            (A::Failed, E::SettledPaid, No),
            (A::Unknown, E::SettledPaid, Go(A::Succeeded)),
            (A::Created, E::SettledFailed, No),
            (A::Redirected, E::SettledFailed, No),
            (A::Succeeded, E::SettledFailed, No),
            (A::Failed, E::SettledFailed, No),
            (A::Unknown, E::SettledFailed, Go(A::Failed)),
        ];
        assert_eq!(
            table.len(),
            AttemptStatus::ALL.len() * 6,
            "every (state, event) pair"
        );
        for (from, event, expected) in table {
            assert_eq!(
                attempt_transition(from, event),
                expected,
                "{from:?} + {event:?}"
            );
        }
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        for s in AttemptStatus::ALL {
            assert_eq!(AttemptStatus::parse(s.as_str()), Some(s));
        }
    }
}
