//! The money each entry moved on each side, so that a run's totals tie out (statements.md:
//! "what the bank credited minus what PayHub recorded as paid equals the money of the run's
//! discrepancies").
//!
//! Only money that moved counts: a line the bank did not complete and a record PayHub never saw
//! paid add nothing ("an attempt declined or cancelled on both sides is counted apart and adds to
//! no sum"). Payments count in, refunds out. PayHub's side counts only records of the run's day
//! (by PayHub's time): a record of the neighbouring day belongs to that day's run, which is how a
//! `cutoff_shift` shows on both days and the two days together tie out.

use crate::class::Class;
use crate::input::{LineKind, RecordKind};
use crate::report::{Entry, Report};

/// What one entry moved, in whole đồng, signed: payments positive, refunds negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Money {
    /// What the bank's line moved (0 when the line is absent or moved nothing).
    pub bank: i64,
    /// What PayHub recorded as moved on the run's day (0 when it recorded nothing that day).
    pub payhub: i64,
    /// Whether either side moved money at all: entries that did not are counted apart.
    pub moved: bool,
}

impl Money {
    /// Bank minus PayHub.
    pub fn difference(&self) -> i64 {
        self.bank - self.payhub
    }
}

impl<'a> Report<'a> {
    /// The money `entry` (one of this report's) moved on each side.
    pub fn money(&self, entry: &Entry<'a>) -> Money {
        let line_moved = entry.line.is_some_and(|l| l.status.moved_money());
        let bank = match entry.line {
            Some(line) if line_moved => signed(line.kind == LineKind::Refund, line.amount.dong()),
            _ => 0,
        };
        let record_moved = entry.record.is_some_and(|r| r.status.moved_money());
        let payhub = match (entry.record, entry.line) {
            (Some(record), _) if record_moved && self.day.contains(record.paid_at) => {
                signed(record.kind == RecordKind::Refund, record.amount.dong())
            }
            // A refund line matched against the payment it refunds, PayHub having no refund
            // record of its own: PayHub recorded the refund on the payment (its status says
            // refunded), for the line's amount.
            (None, Some(line))
                if line.kind == LineKind::Refund
                    && entry.related.is_some()
                    && entry.class == Class::Matched =>
            {
                bank
            }
            _ => 0,
        };
        Money {
            bank,
            payhub,
            moved: line_moved || record_moved,
        }
    }
}

fn signed(refund: bool, dong: i64) -> i64 {
    if refund {
        -dong
    } else {
        dong
    }
}
