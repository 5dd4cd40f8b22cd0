//! The fault knobs: what a simulated bank gets wrong on purpose, so PayHub's tests can show it
//! copes (duplicates, delays, reordering, losses, wrong amounts and accounts, double payments).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::Vnd;

/// What goes wrong with one payment and its callback. `Faults::default()` is a well-behaved
/// bank; each builder method turns on one fault:
///
/// ```
/// # use bank_adapters::simulator::Faults;
/// # use std::time::Duration;
/// let faults = Faults::default().copies(3).concurrent().delay(Duration::from_millis(50));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Faults {
    /// Send the same callback this many times (each copy retried on its own). 1 by default.
    pub copies: u32,
    /// Send the copies at the same time rather than one after another.
    pub concurrent: bool,
    /// Wait this long before the first attempt.
    pub delay: Duration,
    /// Keep the callback until [`super::Controls::flush`], to deliver a batch out of order.
    pub hold: bool,
    /// Never send the callback; the bank still booked the payment, so queries and the statement
    /// show it (the lost callback PayHub's pending sync must recover).
    pub drop_callback: bool,
    /// Debit and report this amount instead of the one PayHub asked for (callback, query,
    /// statement).
    pub wrong_amount: Option<Vnd>,
    /// Credit this account instead of the agency's (VCB and BIDV callbacks and statements; the
    /// `tmn_code` column of VNPAY's statement).
    pub wrong_account: Option<String>,
    /// Debit the citizen twice: a second transaction, with a new bank id, for the same
    /// reference, notified after the first.
    pub paid_twice: bool,
    /// Which day's statement lists the transaction (see [`Posting`]).
    pub posting: Posting,
    /// The bank reverses the payment on its own right after booking it (a chargeback PayHub
    /// never asked for): a full refund in its ledger and on its statement, and no word to
    /// PayHub, whose callback still said paid.
    pub reversed: bool,
}

/// Which day's statement a bank lists a transaction on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Posting {
    /// The day of its booking time (GMT+7).
    #[default]
    SameDay,
    /// The next day: the bank posted it after its cut-off (statements.md, cutoff_shift).
    NextDay,
    /// No day: the statement lacks it though the bank booked and notified it.
    Omitted,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            copies: 1,
            concurrent: false,
            delay: Duration::ZERO,
            hold: false,
            drop_callback: false,
            wrong_amount: None,
            wrong_account: None,
            paid_twice: false,
            posting: Posting::SameDay,
            reversed: false,
        }
    }
}

impl Faults {
    /// Send each callback `n` times (at least once).
    pub fn copies(mut self, n: u32) -> Faults {
        self.copies = n.max(1);
        self
    }

    /// Send the copies concurrently.
    pub fn concurrent(mut self) -> Faults {
        self.concurrent = true;
        self
    }

    /// Wait `delay` before the first attempt.
    pub fn delay(mut self, delay: Duration) -> Faults {
        self.delay = delay;
        self
    }

    /// Hold the callback until a flush.
    pub fn hold(mut self) -> Faults {
        self.hold = true;
        self
    }

    /// Never send the callback.
    pub fn drop_callback(mut self) -> Faults {
        self.drop_callback = true;
        self
    }

    /// Debit `amount` instead.
    pub fn wrong_amount(mut self, amount: Vnd) -> Faults {
        self.wrong_amount = Some(amount);
        self
    }

    /// Credit `account` instead.
    pub fn wrong_account(mut self, account: impl Into<String>) -> Faults {
        self.wrong_account = Some(account.into());
        self
    }

    /// Debit twice.
    pub fn paid_twice(mut self) -> Faults {
        self.paid_twice = true;
        self
    }

    /// List it on the next day's statement (posted after the bank's cut-off).
    pub fn posted_next_day(mut self) -> Faults {
        self.posting = Posting::NextDay;
        self
    }

    /// Leave it off every statement.
    pub fn left_off_statement(mut self) -> Faults {
        self.posting = Posting::Omitted;
        self
    }

    /// Reverse the payment at the bank right after booking it.
    pub fn reversed(mut self) -> Faults {
        self.reversed = true;
        self
    }
}

/// The order in which [`super::Controls::flush`] delivers held callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushOrder {
    /// The order the payments were made.
    Fifo,
    /// Newest first: deterministic out-of-order delivery.
    Reversed,
    /// A random order.
    Shuffled,
}

/// Which faults apply to a payment: its reference's, else the next queued, else the default.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    pub(crate) default: Option<Faults>,
    pub(crate) next: VecDeque<Faults>,
    pub(crate) by_reference: HashMap<String, Faults>,
}

impl FaultBook {
    pub(crate) fn take_for(&mut self, reference: &str) -> Faults {
        if let Some(faults) = self.by_reference.get(reference) {
            return faults.clone();
        }
        self.next
            .pop_front()
            .or_else(|| self.default.clone())
            .unwrap_or_default()
    }
}
