//! statements.md, duplicate_payment: "the same order was paid twice (two bank transactions)".
//!
//! Among the day's money-moving payment lines that took records of one order, the earliest (by
//! the bank's time, then by the line's other fields) is the payment and every other one a
//! duplicate. Lines whose record PayHub itself marked `Duplicate` are judged by that mark and
//! stay out. This runs after judging because a line's order is known only from its record; it
//! overrides every class but `wrong_beneficiary`, which keeps precedence (see
//! [`crate::reconcile`]).

use crate::class::Class;
use crate::digest::Digests;
use crate::input::{LineKind, RecordStatus, StatementLine};
use crate::matching::{full_key, Pair};
use crate::report::Entry;

/// The hash of the order a line pays, when it takes part in the grouping.
pub(crate) fn order_paid(line: &StatementLine, pair: Pair, digests: &Digests<'_>) -> Option<u64> {
    let Pair::Own(r) = pair else { return None };
    let digest = &digests.digests[r as usize];
    let counts = line.kind == LineKind::Payment
        && line.status.moved_money()
        && digest.status != RecordStatus::Duplicate;
    counts.then_some(digest.order_hash)
}

/// Reclassifies the later payments of each order. `payments` holds (order hash, entry index)
/// of the entries [`order_paid`] selected.
pub(crate) fn mark_later_payments(entries: &mut [Entry<'_>], mut payments: Vec<(u64, u32)>) {
    // Sorting by hash brings each order's payments together without a map over a million
    // orders; equal hashes are then checked against the order ids themselves.
    payments.sort_unstable();
    for same_hash in payments.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        let key = |e: u32| {
            let entry = &entries[e as usize];
            let line = entry.line.expect("grouped entries have lines");
            let record = entry.record.expect("grouped entries have records");
            (
                record.order_id.as_str(),
                line.at,
                full_key(line),
                record.payment_id.as_str(),
            )
        };
        let mut group: Vec<u32> = same_hash.iter().map(|&(_, e)| e).collect();
        group.sort_by(|&a, &b| key(a).cmp(&key(b)));
        let later: Vec<u32> = group
            .chunk_by(|&a, &b| key(a).0 == key(b).0)
            .flat_map(|order| order[1..].iter().copied())
            .collect();
        for e in later {
            let entry = &mut entries[e as usize];
            if entry.class != Class::WrongBeneficiary {
                entry.class = Class::DuplicatePayment;
            }
        }
    }
}
