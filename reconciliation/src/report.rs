//! What a run produces: one entry per statement line or unpaired record of the day, and totals.
//!
//! statements.md: "A run records its totals (count and sum per class, per agency) and every
//! discrepancy with both sides' data, so a report can be re-read later without the statement
//! file." Entries borrow from the run's input, so a run copies no ids; the hub stores what it
//! needs before dropping the input.

use payhub_money::Vnd;
use serde::Serialize;

use crate::class::Class;
use crate::day::BusinessDay;
use crate::hash::{id_map, IdMap};
use crate::input::{Record, StatementLine};

/// The expected and actual account of a `wrong_beneficiary` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountCheck<'a> {
    /// The accounts in force for the order's agency, kinds and procedure at the line's time
    /// (one per kind, sorted); empty when no setting was in force at all.
    pub expected: Vec<&'a str>,
    /// The account the statement says was credited.
    pub actual: &'a str,
}

/// One classified item: a statement line (with the record it matched, if any), or a PayHub
/// record of the day that no line matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry<'a> {
    /// The class.
    pub class: Class,
    /// The agency: the record's, else the one agency whose settings name the credited account.
    pub agency_code: Option<&'a str>,
    /// The bank's side, absent for `missing_at_bank` and the other record-only entries.
    pub line: Option<&'a StatementLine>,
    /// PayHub's side: the record this line (or this entry alone) stands for. Every record appears
    /// here in at most one entry.
    pub record: Option<&'a Record>,
    /// A record shown for context that is not this entry's own: the payment a refund line
    /// refunds, or the first payment of an order this line pays a second time.
    pub related: Option<&'a Record>,
    /// Expected and actual account; only on `wrong_beneficiary` entries.
    pub accounts: Option<Box<AccountCheck<'a>>>,
}

impl<'a> Entry<'a> {
    /// The amount the entry is about: the statement's when the bank has a line, else PayHub's.
    pub fn amount(&self) -> Vnd {
        match (self.line, self.record) {
            (Some(line), _) => line.amount,
            (None, Some(record)) => record.amount,
            (None, None) => Vnd::ZERO,
        }
    }

    /// PayHub's reference as the entry's own side gives it (the line's, else the record's).
    pub fn reference(&self) -> &'a str {
        match (self.line, self.record.or(self.related)) {
            (Some(line), _) => &line.reference,
            (None, Some(record)) => &record.reference,
            (None, None) => "",
        }
    }

    /// The order of entries in a report: class, agency, reference, then the line number and the
    /// ids, which are unique, so the order does not depend on the order of the input.
    #[allow(clippy::type_complexity)]
    fn sort_key(
        &self,
    ) -> (
        Class,
        Option<&'a str>,
        &'a str,
        Option<u32>,
        Option<&'a str>,
        Option<&'a str>,
    ) {
        (
            self.class,
            self.agency_code,
            self.reference(),
            self.line.map(|l| l.line_no),
            self.line.map(|l| l.bank_txn_id.as_str()),
            self.record.or(self.related).map(|r| r.payment_id.as_str()),
        )
    }
}

/// Count and sum of one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The class.
    pub class: Class,
    /// Number of entries.
    pub count: u64,
    /// Sum of [`Entry::amount`].
    pub sum: Vnd,
}

/// Count and sum of one class for one agency (`None`: entries whose agency is unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AgencyTally<'a> {
    /// The agency.
    pub agency_code: Option<&'a str>,
    /// The class.
    pub class: Class,
    /// Number of entries.
    pub count: u64,
    /// Sum of [`Entry::amount`].
    pub sum: Vnd,
}

/// The totals of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals<'a> {
    /// One tally per class, all eight in [`Class::ALL`] order, zeros included.
    pub by_class: Vec<Tally>,
    /// One tally per (agency, class) that has entries, sorted by agency then class.
    pub by_agency: Vec<AgencyTally<'a>>,
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report<'a> {
    /// The business day reconciled.
    pub day: BusinessDay,
    /// Every entry, sorted by class, agency, reference, line number, bank and PayHub ids.
    pub entries: Vec<Entry<'a>>,
    /// Counts and sums.
    pub totals: Totals<'a>,
}

impl<'a> Report<'a> {
    /// The tally of one class.
    pub fn tally(&self, class: Class) -> Tally {
        self.totals.by_class[class as usize]
    }

    /// The entries someone has to act on (all but `matched`).
    pub fn discrepancies(&self) -> impl Iterator<Item = &Entry<'a>> {
        self.entries.iter().filter(|e| e.class.is_discrepancy())
    }
}

/// Why a run could not produce a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconcileError {
    /// The cutoff window must be between 0 and 12 hours.
    CutoffWindowOutOfRange(i64),
    /// A total exceeds [`Vnd::MAX_DONG`], which no real bank-day reaches: the input is corrupt.
    SumOutOfRange(Class),
}

impl std::fmt::Display for ReconcileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReconcileError::CutoffWindowOutOfRange(secs) => {
                write!(f, "cutoff window of {secs} s is not between 0 and 12 hours")
            }
            ReconcileError::SumOutOfRange(class) => {
                write!(f, "the sum of {class} exceeds {} đồng", Vnd::MAX_DONG)
            }
        }
    }
}

impl std::error::Error for ReconcileError {}

/// An entry's place in the report: sorting moves 32 bytes and compares one integer, and reads
/// an entry only when two keys tie.
struct SortKey {
    /// From the high bits down: class, agency rank, and the reference's first eight bytes
    /// big-endian (so integer order is byte order).
    order: u128,
    amount: i64,
    entry: u32,
}

impl SortKey {
    fn class(&self) -> Class {
        Class::ALL[(self.order >> 96) as usize]
    }

    /// Class and agency rank: equal for the entries of one (agency, class) tally.
    fn tally(&self) -> u64 {
        (self.order >> 64) as u64
    }
}

/// Where a string's bytes are: (pointer, length).
type Address = (usize, usize);

/// Ranks of the agencies of the entries (0 for none), keyed by the address of the agency code:
/// entries borrow agency codes from a few interned strings, so this needs no string reads per
/// entry. Equal codes at different addresses get the same rank.
fn agency_ranks<'a>(entries: &[Entry<'a>]) -> (IdMap<Address, u32>, Vec<Option<&'a str>>) {
    let address = |a: &str| (a.as_ptr() as usize, a.len());
    let mut seen: IdMap<Address, &'a str> = id_map(256);
    for agency in entries.iter().filter_map(|e| e.agency_code) {
        seen.entry(address(agency)).or_insert(agency);
    }
    let mut names: Vec<&str> = seen.values().copied().collect();
    names.sort_unstable();
    names.dedup();
    let ranks = seen
        .iter()
        .map(|(&at, name)| {
            (
                at,
                names.binary_search(name).expect("collected above") as u32 + 1,
            )
        })
        .collect();
    (
        ranks,
        std::iter::once(None)
            .chain(names.into_iter().map(Some))
            .collect(),
    )
}

/// Sorts the entries into report order and adds them up.
///
/// Comparing entries directly chases pointers (entry, line, reference bytes), which at a
/// million entries costs seconds in cache misses. So each entry first gets a compact key; only
/// entries whose compact keys tie are compared in full.
pub(crate) fn assemble(
    day: BusinessDay,
    entries: Vec<Entry<'_>>,
) -> Result<Report<'_>, ReconcileError> {
    let (ranks, names) = agency_ranks(&entries);
    let mut keys: Vec<SortKey> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let agency = e
                .agency_code
                .map_or(0, |a| ranks[&(a.as_ptr() as usize, a.len())]);
            let mut prefix = [0u8; 8];
            let reference = e.reference().as_bytes();
            let n = reference.len().min(8);
            prefix[..n].copy_from_slice(&reference[..n]);
            let class_agency = (e.class as u64) << 32 | u64::from(agency);
            SortKey {
                order: u128::from(class_agency) << 64 | u128::from(u64::from_be_bytes(prefix)),
                amount: e.amount().dong(),
                entry: i as u32,
            }
        })
        .collect();
    keys.sort_unstable_by(|a, b| {
        a.order.cmp(&b.order).then_with(|| {
            entries[a.entry as usize]
                .sort_key()
                .cmp(&entries[b.entry as usize].sort_key())
        })
    });
    let totals = add_up(&keys, &names)?;
    // Gathering into a new vector reads each entry once at random; permuting in place with
    // swaps touches two at random per entry and measured twice as slow.
    let mut slots: Vec<Option<Entry<'_>>> = entries.into_iter().map(Some).collect();
    let entries = keys
        .iter()
        .map(|k| slots[k.entry as usize].take().expect("each entry once"))
        .collect();
    Ok(Report {
        day,
        entries,
        totals,
    })
}

/// Totals from the sorted keys: each (class, agency) is one run of keys.
fn add_up<'a>(keys: &[SortKey], names: &[Option<&'a str>]) -> Result<Totals<'a>, ReconcileError> {
    let vnd = |class: Class, sum: i128| {
        i64::try_from(sum)
            .ok()
            .and_then(|d| Vnd::from_dong(d).ok())
            .ok_or(ReconcileError::SumOutOfRange(class))
    };
    let mut by_class = [(0u64, 0i128); Class::ALL.len()];
    let mut by_agency = Vec::new();
    for run in keys.chunk_by(|a, b| a.tally() == b.tally()) {
        let class = run[0].class();
        let sum: i128 = run.iter().map(|k| i128::from(k.amount)).sum();
        let agency_code = names[(run[0].tally() & u64::from(u32::MAX)) as usize];
        by_agency.push(AgencyTally {
            agency_code,
            class,
            count: run.len() as u64,
            sum: vnd(class, sum)?,
        });
        let tally = &mut by_class[class as usize];
        tally.0 += run.len() as u64;
        tally.1 += sum;
    }
    by_agency.sort_unstable_by_key(|t| (t.agency_code, t.class));
    let by_class = Class::ALL
        .into_iter()
        .map(|class| {
            let (count, sum) = by_class[class as usize];
            Ok(Tally {
                class,
                count,
                sum: vnd(class, sum)?,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Totals {
        by_class,
        by_agency,
    })
}
