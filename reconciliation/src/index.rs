//! Records by id: the one hash table a run probes once per statement line.
//!
//! At a million lines the run is bound by cache misses, and a general-purpose map costs three
//! per probe: its control bytes, its bucket, and the bytes of a borrowed `&str` key to confirm
//! the match. Bank transaction ids and PayHub references are short (VNPAY 8 digits, VCB 16
//! characters, BIDV 18), so [`IdIndex`] stores ids of up to 24 bytes inline in open-addressed
//! slots: one probe reads one slot and compares the id itself. Longer ids, which no bank in
//! statements.md uses, go to a plain map keyed by the id.

use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use crate::hash::{id_map, IdHasher, IdMap};
use crate::input::Record;

/// An id of at most 24 bytes, packed with its length, so equal keys are equal ids.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ShortId {
    words: [u64; 3],
    len: u64,
}

impl ShortId {
    fn new(id: &str) -> Option<ShortId> {
        let bytes = id.as_bytes();
        if bytes.len() > 24 {
            return None;
        }
        let mut padded = [0u8; 24];
        padded[..bytes.len()].copy_from_slice(bytes);
        let word =
            |i: usize| u64::from_le_bytes(padded[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        Some(ShortId {
            words: [word(0), word(1), word(2)],
            len: bytes.len() as u64,
        })
    }

    fn hash(&self) -> u64 {
        let mut h = BuildHasherDefault::<IdHasher>::default().build_hasher();
        self.words.iter().for_each(|w| h.write_u64(*w));
        h.write_u64(self.len);
        h.finish()
    }
}

/// One slot: the id's three words, then its length (high half) and the record index plus one
/// (low half; 0 marks an empty slot). All zeros is empty, so a new table is a zeroed
/// allocation the system provides lazily instead of a million slots written up front.
type Slot = [u64; 4];

/// Record indices by id. Ids should be unique; when two records share one, the smaller payment
/// id keeps it, so the choice does not depend on input order.
pub(crate) struct IdIndex<'a> {
    /// Linear probing over a table at most two-thirds full.
    slots: Vec<Slot>,
    len: usize,
    long: IdMap<&'a str, u32>,
}

impl<'a> IdIndex<'a> {
    /// An index with room for `n` ids before it grows.
    pub fn with_capacity(n: usize) -> IdIndex<'a> {
        IdIndex {
            slots: vec![[0; 4]; (n * 3 / 2).max(16)],
            len: 0,
            long: id_map(0),
        }
    }

    /// Adds record `r` under `id`.
    pub fn insert(&mut self, id: &'a str, r: u32, records: &[Record]) {
        match ShortId::new(id) {
            Some(short) => self.insert_short(&short, r, records),
            None => self.insert_long(id, r, records),
        }
    }

    /// The record under `id`.
    pub fn get(&self, id: &str) -> Option<u32> {
        match ShortId::new(id) {
            Some(short) => record_of(&self.slots[self.find(&short)]),
            None => self.long.get(id).copied(),
        }
    }

    fn insert_long(&mut self, id: &'a str, r: u32, records: &[Record]) {
        let held = self.long.entry(id).or_insert(r);
        if smaller(records, r, *held) {
            *held = r;
        }
    }

    fn insert_short(&mut self, short: &ShortId, r: u32, records: &[Record]) {
        assert!(r < u32::MAX, "a run holds fewer than 2^32 - 1 records");
        if 3 * (self.len + 1) > 2 * self.slots.len() {
            self.grow();
        }
        let i = self.find(short);
        match record_of(&self.slots[i]) {
            None => {
                self.slots[i] = slot(short, r);
                self.len += 1;
            }
            Some(held) if smaller(records, r, held) => self.slots[i] = slot(short, r),
            Some(_) => {}
        }
    }

    /// Where `id`'s probe starts. Lemire's multiply-shift maps the hash onto any table size
    /// without a division.
    fn home(&self, id: &ShortId) -> usize {
        ((u128::from(id.hash()) * self.slots.len() as u128) >> 64) as usize
    }

    /// The slot holding `id`, or the empty slot where it belongs.
    fn find(&self, id: &ShortId) -> usize {
        let size = self.slots.len();
        let mut i = self.home(id);
        loop {
            let slot = &self.slots[i];
            if slot[3] == 0 || (slot[..3] == id.words && slot[3] >> 32 == id.len) {
                return i;
            }
            i = if i + 1 == size { 0 } else { i + 1 };
        }
    }

    fn grow(&mut self) {
        let bigger = vec![[0; 4]; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        for held in old.iter().filter(|s| s[3] != 0) {
            let id = ShortId {
                words: [held[0], held[1], held[2]],
                len: held[3] >> 32,
            };
            let i = self.find(&id);
            self.slots[i] = *held;
        }
    }
}

fn slot(id: &ShortId, r: u32) -> Slot {
    [
        id.words[0],
        id.words[1],
        id.words[2],
        id.len << 32 | (u64::from(r) + 1),
    ]
}

fn record_of(slot: &Slot) -> Option<u32> {
    let stored = (slot[3] & u64::from(u32::MAX)) as u32;
    stored.checked_sub(1)
}

fn smaller(records: &[Record], a: u32, b: u32) -> bool {
    records[a as usize].payment_id < records[b as usize].payment_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{FeeKinds, RecordKind, RecordStatus};
    use payhub_money::Vnd;

    fn record(payment_id: &str) -> Record {
        Record {
            payment_id: payment_id.into(),
            order_id: String::new(),
            agency_code: String::new(),
            procedure_code: None,
            fee_kinds: FeeKinds::NONE,
            reference: String::new(),
            bank_txn_id: None,
            amount: Vnd::ZERO,
            kind: RecordKind::Payment,
            status: RecordStatus::Paid,
            paid_at: 0,
        }
    }

    #[test]
    fn ids_of_every_length_are_found_exactly() {
        let ids: Vec<String> = (0..40)
            .map(|n| "7".repeat(n))
            .chain(["A\0".into(), "A".into()])
            .collect();
        let records: Vec<Record> = (0..ids.len())
            .map(|i| record(&format!("P{i:03}")))
            .collect();
        let mut index = IdIndex::with_capacity(2);
        for (r, id) in ids.iter().enumerate() {
            index.insert(id, r as u32, &records);
        }
        for (r, id) in ids.iter().enumerate() {
            assert_eq!(index.get(id), Some(r as u32), "{id:?}");
        }
        assert_eq!(index.get("8"), None);
        assert_eq!(index.get(&"8".repeat(30)), None);
    }

    #[test]
    fn a_shared_id_belongs_to_the_smaller_payment_id_whatever_the_order() {
        let records = [record("P2"), record("P1"), record("P3")];
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
            let mut index = IdIndex::with_capacity(4);
            let long = "L".repeat(30);
            for r in order {
                index.insert("FT1", r, &records);
                index.insert(&long, r, &records);
            }
            assert_eq!((index.get("FT1"), index.get(&long)), (Some(1), Some(1)));
        }
    }
}
