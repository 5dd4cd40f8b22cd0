//! Pairing statement lines with PayHub's records.
//!
//! statements.md: a run "matches the statement against PayHub's own records of that bank's
//! attempts (by the bank's transaction id, falling back to PayHub's reference)". Each record is
//! the own record of at most one line. Conflicts (two lines wanting one record) are settled by a
//! canonical line order, so the result does not depend on the order of the input.

use crate::digest::{hash_id, Digests};
use crate::hash::{id_map, IdMap};
use crate::index::IdIndex;
use crate::input::{LineKind, Record, RecordKind, StatementLine};

/// What a line was paired with (record indices into the run's records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pair {
    /// No PayHub record.
    Alone,
    /// Its own record, found by bank transaction id or by reference.
    Own(u32),
    /// A payment line whose reference belongs to a record of another bank transaction (or one
    /// another line already took): a second payment of that record's order.
    SecondOf(u32),
    /// A refund line with no refund record, and the payment it refunds.
    RefundOf(u32),
}

/// The pairing of a whole run.
pub(crate) struct Pairing {
    /// Per line.
    pub pairs: Vec<Pair>,
    /// Per record: whether a line took it as its own.
    pub claimed: Vec<bool>,
}

fn slot(kind: RecordKind) -> usize {
    match kind {
        RecordKind::Payment => 0,
        RecordKind::Refund => 1,
    }
}

fn line_slot(kind: LineKind) -> usize {
    match kind {
        LineKind::Payment => 0,
        LineKind::Refund => 1,
    }
}

/// Line indices in the order conflicts are settled in: money-moving lines first (a failed line
/// must not take the record a success needs), then by line number. Equal line numbers, which a
/// well-formed statement lacks, fall back to comparing every field.
fn canonical_order(lines: &[StatementLine]) -> Vec<u32> {
    // Sorting (rank, index) pairs keeps the comparisons on contiguous integers.
    let mut keyed: Vec<(u64, u32)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                (u64::from(!l.status.moved_money()) << 32) | u64::from(l.line_no),
                i as u32,
            )
        })
        .collect();
    keyed.sort_unstable();
    let repeats = keyed.windows(2).any(|w| w[0].0 == w[1].0);
    let mut order: Vec<u32> = keyed.into_iter().map(|(_, i)| i).collect();
    if repeats {
        order.sort_by(|&a, &b| full_key(&lines[a as usize]).cmp(&full_key(&lines[b as usize])));
    }
    order
}

/// Every field of a line, as an ordering that does not depend on input order.
#[allow(clippy::type_complexity)]
pub(crate) fn full_key(
    l: &StatementLine,
) -> (bool, u32, i64, payhub_money::Vnd, u8, u8, [Option<&str>; 4]) {
    let ids = [
        Some(l.bank_txn_id.as_str()),
        Some(l.reference.as_str()),
        l.credited_to.as_deref(),
        l.original_txn_id.as_deref(),
    ];
    (
        !l.status.moved_money(),
        l.line_no,
        l.at,
        l.amount,
        l.kind as u8,
        l.status as u8,
        ids,
    )
}

/// Pairs every line with its record, or with a related one, or with none.
pub(crate) fn pair(lines: &[StatementLine], records: &[Record], digests: &Digests<'_>) -> Pairing {
    let order = canonical_order(lines);
    let mut pairs = vec![Pair::Alone; lines.len()];
    let mut claimed = vec![false; records.len()];

    // Pass 1: the bank's transaction id, which identifies one money movement.
    let mut by_txn = [
        IdIndex::with_capacity(records.len()),
        IdIndex::with_capacity(16),
    ];
    for (r, record) in records.iter().enumerate() {
        if let Some(txn) = &record.bank_txn_id {
            by_txn[slot(record.kind)].insert(txn, r as u32, records);
        }
    }
    let mut leftovers = Vec::new();
    for &i in &order {
        let line = &lines[i as usize];
        match by_txn[line_slot(line.kind)].get(&line.bank_txn_id) {
            Some(r) if !claimed[r as usize] => {
                claimed[r as usize] = true;
                pairs[i as usize] = Pair::Own(r);
            }
            _ => leftovers.push(i),
        }
    }

    // Pass 2: PayHub's reference, for records whose callback never told PayHub the bank's id.
    // Only references some leftover line carries are indexed. A refund line without a refund
    // record is paired with the payment it refunds: by the original transaction id the bank
    // gives, else by reference (VNPAY repeats the payment's `txn_ref` on its refund lines).
    let by_reference = reference_index(lines, &leftovers, records, digests);
    for &i in &leftovers {
        let line = &lines[i as usize];
        let found = by_reference[line_slot(line.kind)].get(&line.reference);
        pairs[i as usize] = match found {
            Some(r) if can_take(&records[r as usize], line, claimed[r as usize]) => {
                claimed[r as usize] = true;
                Pair::Own(r)
            }
            Some(r) if line.kind == LineKind::Payment => Pair::SecondOf(r),
            _ if line.kind == LineKind::Refund => {
                let payments = slot(RecordKind::Payment);
                let by_original = line
                    .original_txn_id
                    .as_deref()
                    .and_then(|original| by_txn[payments].get(original));
                by_original
                    .or_else(|| by_reference[payments].get(&line.reference))
                    .map_or(Pair::Alone, Pair::RefundOf)
            }
            _ => Pair::Alone,
        };
    }
    Pairing { pairs, claimed }
}

fn reference_index<'a>(
    lines: &[StatementLine],
    leftovers: &[u32],
    records: &'a [Record],
    digests: &Digests<'_>,
) -> [IdIndex<'a>; 2] {
    let mut wanted: IdMap<u64, ()> = id_map(leftovers.len());
    for &i in leftovers {
        wanted.insert(hash_id(&lines[i as usize].reference), ());
    }
    let mut index = [
        IdIndex::with_capacity(leftovers.len()),
        IdIndex::with_capacity(16),
    ];
    let candidates = digests
        .reference_hashes
        .iter()
        .enumerate()
        .filter(|(_, h)| wanted.contains_key(*h));
    for (r, _) in candidates {
        let record = &records[r];
        index[slot(record.kind)].insert(&record.reference, r as u32, records);
    }
    index
}

/// A line may take a record found by reference unless another line has it, or the record names
/// another bank transaction that moved money (then this line is a second transaction).
fn can_take(record: &Record, line: &StatementLine, claimed: bool) -> bool {
    !claimed
        && (!record.status.moved_money()
            || record
                .bank_txn_id
                .as_deref()
                .is_none_or(|t| t == line.bank_txn_id))
}
