//! Reconciliation engine: one bank's statement of one business day against PayHub's records,
//! every line and every record of the day classified into the eight classes of
//! `shared/spec/statements.md`.
//!
//! Pure and synchronous: the hub fetches the statement, parses it with the bank's adapter,
//! loads its records and the agencies' account history, converts them into [`RunInput`], calls
//! [`reconcile`] and stores the [`Report`]. Instants are `i64` Unix seconds; a business day is
//! 00:00:00–23:59:59 GMT+7 ([`BusinessDay`]).
//!
//! ```
//! use reconciliation::{reconcile, AccountHistory, BusinessDay, RunInput};
//! let day = BusinessDay::from_date(2026, 5, 30).unwrap();
//! let input = RunInput::new(day, vec![], vec![], AccountHistory::new(vec![]));
//! let report = reconcile(&input).unwrap();
//! assert!(report.entries.is_empty());
//! ```

#![warn(missing_docs)]

mod accounts;
mod class;
mod day;
mod digest;
mod duplicates;
mod hash;
mod index;
mod input;
mod judge;
mod matching;
mod money;
mod report;

#[cfg(feature = "gen")]
pub mod gen;

pub use accounts::{AccountHistory, AccountSetting, SettingKind};
pub use class::Class;
pub use day::{BusinessDay, InvalidDate, VIETNAM_OFFSET_SECS};
pub use input::{
    FeeKind, FeeKinds, LineKind, LineStatus, Record, RecordKind, RecordStatus, StatementLine,
};
pub use money::Money;
pub use report::{AccountCheck, AgencyTally, Entry, ReconcileError, Report, Tally, Totals};

/// Everything one run reads. A run holds fewer than 2^32 − 1 lines and as many records.
pub struct RunInput {
    /// The business day reconciled.
    pub day: BusinessDay,
    /// The day's statement lines, in any order.
    pub lines: Vec<StatementLine>,
    /// PayHub's records with this bank from the day before, the day itself and the day after
    /// (so lines that crossed midnight still find their record), in any order. Refund records
    /// are included like payments. Records of the neighbouring days that no line takes are left
    /// out of the report.
    pub records: Vec<Record>,
    /// Every agency's beneficiary-account settings with this bank, history included.
    pub accounts: AccountHistory,
    /// How close to midnight (seconds, strictly less than) a PayHub success the statement lacks
    /// must be to count as `cutoff_shift` rather than `missing_at_bank`. Between 0 (off) and
    /// 12 hours; [`RunInput::DEFAULT_CUTOFF_WINDOW_SECS`] by default.
    pub cutoff_window_secs: i64,
}

impl RunInput {
    /// Ten minutes: banks close their day on their own clock, and callbacks to PayHub take
    /// seconds to minutes, so a payment made in the last or first minutes of a day can land on
    /// either side.
    pub const DEFAULT_CUTOFF_WINDOW_SECS: i64 = 600;

    /// A run input with the default cutoff window.
    pub fn new(
        day: BusinessDay,
        lines: Vec<StatementLine>,
        records: Vec<Record>,
        accounts: AccountHistory,
    ) -> RunInput {
        RunInput {
            day,
            lines,
            records,
            accounts,
            cutoff_window_secs: Self::DEFAULT_CUTOFF_WINDOW_SECS,
        }
    }
}

/// Classifies every statement line and every PayHub record of the day into exactly one
/// [`Class`] (statements.md: "Every statement line and every PayHub record ends in exactly one
/// class").
///
/// # Pairing
/// A line takes its record by bank transaction id, else by PayHub's reference; refund lines
/// look among refund records, else at the payment they refund (by `original_txn_id`, else by
/// reference). A record is taken by at most one line; money-moving lines choose first, then
/// lower line numbers. A payment line whose reference belongs to a record that another bank
/// transaction paid is a second payment of that order.
///
/// # Precedence
/// When several problems apply to one line, the first in this list wins:
/// 1. `wrong_beneficiary`: money sits in an account the agency does not control; it is urgent
///    (statements.md) and no other class's action would bring it back.
/// 2. `duplicate_payment`: the order was paid twice; its action is itself a money movement
///    (refund one), so it comes before disputes about the single payment's details.
/// 3. `missing_in_payhub` (PayHub's record is still pending: a lost callback) and
///    `status_mismatch`: which side is right about the outcome decides whether amounts matter.
/// 4. `amount_mismatch`.
/// 5. `cutoff_shift`: a timing difference only, which "nobody" acts on.
/// 6. `matched`.
///
/// # Lines and records with no counterpart
/// A money-moving line with no record is `missing_in_payhub`. A record of the day that moved
/// money and that no line took is `missing_at_bank`, or `cutoff_shift` when it lies within
/// `cutoff_window_secs` of midnight. Lines and records that moved no money (failed, abandoned)
/// and have no counterpart are `matched`: both sides agree that nothing moved.
///
/// # Cost
/// Linear in the input, and built around cache misses, which are nearly all of a large run's
/// time: one sequential pass digests the records, one open-addressed table of bank ids is probed
/// once per line, and the entries are sorted by compact integer keys. Entries borrow from
/// `input` instead of copying ids. About a microsecond per line at a million lines on one core
/// (see `benches/reconcile.rs`).
pub fn reconcile(input: &RunInput) -> Result<Report<'_>, ReconcileError> {
    if !(0..=12 * 3600).contains(&input.cutoff_window_secs) {
        return Err(ReconcileError::CutoffWindowOutOfRange(
            input.cutoff_window_secs,
        ));
    }
    let digests = digest::digest(&input.records, &input.accounts);
    let pairing = matching::pair(&input.lines, &input.records, &digests);
    let cx = judge::Context {
        day: input.day,
        cutoff_window_secs: input.cutoff_window_secs,
        records: &input.records,
        digests: &digests,
        accounts: &input.accounts,
    };
    let mut entries = Vec::with_capacity(input.lines.len() + input.records.len() / 16);
    let mut order_payments = Vec::with_capacity(input.lines.len());
    for (line, &pair) in input.lines.iter().zip(&pairing.pairs) {
        if let Some(order) = duplicates::order_paid(line, pair, &digests) {
            order_payments.push((order, entries.len() as u32));
        }
        entries.push(judge::line(&cx, line, pair));
    }
    duplicates::mark_later_payments(&mut entries, order_payments);
    let unclaimed = pairing
        .claimed
        .iter()
        .enumerate()
        .filter(|(_, taken)| !**taken);
    entries.extend(unclaimed.filter_map(|(r, _)| judge::unpaired_record(&cx, r as u32)));
    report::assemble(input.day, entries)
}
