//! A compact digest of each record, made in one sequential pass.
//!
//! At a million records, a run's time goes almost entirely to cache misses: a `Record` and its
//! six strings sit scattered over the heap, and every random visit costs a few of them. Reading
//! each record once, in order, into a small struct holding what matching and judging need
//! (hashes, amount, time, status, the account settings that apply) lets the per-line work touch
//! one digest instead of a record and its strings.

use std::hash::BuildHasher;

use payhub_money::Vnd;

use crate::accounts::{AccountHistory, Route};
use crate::hash::{id_map, IdHasher, IdMap};
use crate::input::{FeeKinds, Record, RecordStatus};

/// What the hot loops need of one record.
pub(crate) struct Digest<'a> {
    pub order_hash: u64,
    pub amount: Vnd,
    pub paid_at: i64,
    /// The settings that apply to the order, `None` when its agency has none.
    pub route: Option<Route<'a>>,
    /// Index into [`Digests::agencies`].
    pub agency: u32,
    pub fee_kinds: FeeKinds,
    pub status: RecordStatus,
}

/// The digests of a run's records, in the records' order.
pub(crate) struct Digests<'a> {
    pub digests: Vec<Digest<'a>>,
    /// Hash of each record's reference, for the fallback match.
    pub reference_hashes: Vec<u64>,
    /// The distinct agency codes, each borrowed from one record. Entries borrow agency codes
    /// from here, so equal agencies share one pointer (see `report::agency_ranks`).
    pub agencies: Vec<&'a str>,
}

/// Hashes an id the way the maps of the run do.
pub(crate) fn hash_id(id: &str) -> u64 {
    std::hash::BuildHasherDefault::<IdHasher>::default().hash_one(id)
}

/// Digests every record, in order.
pub(crate) fn digest<'a>(records: &'a [Record], accounts: &'a AccountHistory) -> Digests<'a> {
    let mut agency_ids: IdMap<&str, u32> = id_map(256);
    let mut agencies = Vec::new();
    let mut out = Digests {
        digests: Vec::with_capacity(records.len()),
        reference_hashes: Vec::with_capacity(records.len()),
        agencies: Vec::new(),
    };
    for record in records {
        let agency = *agency_ids
            .entry(record.agency_code.as_str())
            .or_insert_with(|| {
                agencies.push(record.agency_code.as_str());
                agencies.len() as u32 - 1
            });
        let route = accounts.route(&record.agency_code, record.procedure_code.as_deref());
        out.digests.push(Digest {
            order_hash: hash_id(&record.order_id),
            amount: record.amount,
            paid_at: record.paid_at,
            route,
            agency,
            fee_kinds: record.fee_kinds,
            status: record.status,
        });
        out.reference_hashes.push(hash_id(&record.reference));
    }
    out.agencies = agencies;
    out
}
