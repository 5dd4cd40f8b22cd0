//! Deciding the class of a paired line, or of a record no line took.
//!
//! The precedence among several problems of one line is documented on [`crate::reconcile`];
//! the functions below test the classes in that order and return the first that applies
//! (`duplicate_payment` between orders is added afterwards by [`crate::duplicates`]).

use crate::accounts::AccountHistory;
use crate::class::Class;
use crate::day::BusinessDay;
use crate::digest::{Digest, Digests};
use crate::input::{LineKind, LineStatus, Record, RecordStatus, StatementLine};
use crate::matching::Pair;
use crate::report::{AccountCheck, Entry};

/// What every judgement needs from the run.
pub(crate) struct Context<'a, 'd> {
    pub day: BusinessDay,
    pub cutoff_window_secs: i64,
    pub records: &'a [Record],
    pub digests: &'d Digests<'a>,
    pub accounts: &'a AccountHistory,
}

impl<'a, 'd> Context<'a, 'd> {
    fn record(&self, r: u32) -> (&'a Record, &'d Digest<'a>) {
        (&self.records[r as usize], &self.digests.digests[r as usize])
    }

    fn agency(&self, digest: &Digest<'_>) -> &'a str {
        self.digests.agencies[digest.agency as usize]
    }
}

/// The class of a line, given what it was paired with.
pub(crate) fn line<'a>(cx: &Context<'a, '_>, line: &'a StatementLine, pair: Pair) -> Entry<'a> {
    let (own, related) = match pair {
        Pair::Alone => (None, None),
        Pair::Own(r) => (Some(cx.record(r)), None),
        Pair::SecondOf(r) | Pair::RefundOf(r) => (None, Some(cx.record(r))),
    };
    let digest = own.or(related).map(|(_, d)| d);
    let agency_code = match digest {
        Some(d) => Some(cx.agency(d)),
        None => line
            .credited_to
            .as_deref()
            .and_then(|a| cx.accounts.agency_of_account(a)),
    };
    let mut entry = Entry {
        class: Class::Matched,
        agency_code,
        line: Some(line),
        record: own.map(|(r, _)| r),
        related: related.map(|(r, _)| r),
        accounts: None,
    };
    entry.class = match line.kind {
        LineKind::Payment => match wrong_credit(cx, line, digest) {
            Some(check) => {
                entry.accounts = Some(Box::new(check));
                Class::WrongBeneficiary
            }
            None => payment_class(cx, line, pair, digest),
        },
        LineKind::Refund => refund_class(cx, line, pair, digest),
    };
    entry
}

/// statements.md, wrong_beneficiary: "money went to an account other than the one configured
/// for the agency at that time". Judged at the bank's time of the line (api.md: "by the setting
/// in force at its payment time"), for money-moving payment lines whose order is known and
/// whose statement names the credited account. No setting in force at all is also wrong: money
/// reached an agency that had no account configured, which the staff must see.
fn wrong_credit<'a>(
    cx: &Context<'a, '_>,
    line: &'a StatementLine,
    digest: Option<&Digest<'a>>,
) -> Option<AccountCheck<'a>> {
    let (digest, actual) = (digest?, line.credited_to.as_deref()?);
    let accounts = cx.accounts;
    if !line.status.moved_money()
        || accounts.credit_is_expected(digest.route, digest.fee_kinds, line.at, actual)
    {
        return None;
    }
    let expected = digest.route.map_or_else(Vec::new, |route| {
        accounts.expected(route, digest.fee_kinds, line.at)
    });
    Some(AccountCheck { expected, actual })
}

/// A payment line after the account check: duplicate, status, amount, cutoff, matched.
fn payment_class(
    cx: &Context<'_, '_>,
    line: &StatementLine,
    pair: Pair,
    digest: Option<&Digest<'_>>,
) -> Class {
    let moved = line.status.moved_money();
    let record = match (pair, digest) {
        (Pair::Own(_), Some(record)) => record,
        (Pair::SecondOf(_), _) if moved => return Class::DuplicatePayment,
        // A credit that names no order (a transfer's content without a reference of PayHub's,
        // vietqr.md §2) and whose transaction PayHub never saw as a payment: money for finance
        // staff to trace, never guessed from its amount.
        _ if moved && line.reference.is_empty() => return Class::UnidentifiedCredit,
        _ if moved => return Class::MissingInPayhub,
        // A line that moved no money and that PayHub cannot tie to anything needs no one.
        _ => return Class::Matched,
    };
    if moved && record.status == RecordStatus::Duplicate {
        return Class::DuplicatePayment;
    }
    if let Some(class) = payment_status(line.status, record.status) {
        return class;
    }
    same_money(cx, line, record)
}

/// Compares a payment line's status with its record's; `None` when they agree.
fn payment_status(line: LineStatus, record: RecordStatus) -> Option<Class> {
    use RecordStatus as R;
    match (line, record) {
        // A lost callback: the bank has the success, PayHub still waits (statements.md's
        // missing_in_payhub: "PayHub confirms with the bank's query API and applies it").
        (LineStatus::Paid | LineStatus::Refunded, R::Pending) => Some(Class::MissingInPayhub),
        // The payment line stays `Paid` when a later refund has its own line; PayHub's record
        // already shows that refund.
        (LineStatus::Paid, R::Paid | R::Duplicate | R::Refunded | R::PartiallyRefunded) => None,
        (LineStatus::Refunded, R::Refunded | R::PartiallyRefunded) => None,
        (LineStatus::Refunded, R::Paid | R::Duplicate) => Some(Class::StatusMismatch),
        (LineStatus::Paid | LineStatus::Refunded, R::Failed) => Some(Class::StatusMismatch),
        (LineStatus::Failed | LineStatus::Other, R::Pending | R::Failed) => None,
        (
            LineStatus::Failed | LineStatus::Other,
            R::Paid | R::Duplicate | R::Refunded | R::PartiallyRefunded,
        ) => Some(Class::StatusMismatch),
    }
}

/// The last two tests of a pair whose statuses agree: amount, then the day of PayHub's time.
/// Both only matter when money moved; two failures of different amounts need no one.
fn same_money(cx: &Context<'_, '_>, line: &StatementLine, record: &Digest<'_>) -> Class {
    if !line.status.moved_money() {
        Class::Matched
    } else if line.amount != record.amount {
        Class::AmountMismatch
    } else if !cx.day.contains(record.paid_at) {
        // statements.md, cutoff_shift: "a transaction near midnight sits in the neighbouring
        // day's statement". PayHub placed it in another day than the bank did.
        Class::CutoffShift
    } else {
        Class::Matched
    }
}

/// A refund line: against its refund record when PayHub has one, else against the refunded
/// payment's status (`Refunded` or `PartiallyRefunded` means PayHub knows of the refund).
fn refund_class(
    cx: &Context<'_, '_>,
    line: &StatementLine,
    pair: Pair,
    digest: Option<&Digest<'_>>,
) -> Class {
    let moved = line.status.moved_money();
    match (pair, digest) {
        (Pair::Own(_), Some(refund)) => match refund.status {
            RecordStatus::Pending if moved => Class::MissingInPayhub,
            s if s.moved_money() != moved => Class::StatusMismatch,
            _ => same_money(cx, line, refund),
        },
        (Pair::RefundOf(_), Some(payment)) if moved => match payment.status {
            // A full refund may come as several partial lines, so each may be up to the payment.
            RecordStatus::Refunded if line.amount <= payment.amount => Class::Matched,
            RecordStatus::PartiallyRefunded if line.amount < payment.amount => Class::Matched,
            RecordStatus::Refunded | RecordStatus::PartiallyRefunded => Class::AmountMismatch,
            _ => Class::StatusMismatch,
        },
        _ if moved => Class::MissingInPayhub,
        _ => Class::Matched,
    }
}

/// The class of record `r` when no line took it, or `None` when it is not of the day
/// (statements.md: the neighbouring days' records are there only to recognise cutoff shifts).
pub(crate) fn unpaired_record<'a>(cx: &Context<'a, '_>, r: u32) -> Option<Entry<'a>> {
    let (record, digest) = cx.record(r);
    if !cx.day.contains(digest.paid_at) {
        return None;
    }
    let class = if !digest.status.moved_money() {
        // An abandoned or failed attempt: the bank rightly has nothing.
        Class::Matched
    } else if near_midnight(cx, digest.paid_at) {
        // The bank probably booked it on the other side of midnight; the neighbouring day's run
        // will find its line (statements.md: cutoff_shift, "nobody, once the neighbour day
        // matches it").
        Class::CutoffShift
    } else {
        Class::MissingAtBank
    };
    Some(Entry {
        class,
        agency_code: Some(cx.agency(digest)),
        line: None,
        record: Some(record),
        related: None,
        accounts: None,
    })
}

/// Strictly less than the window from either end of the day, so a window of 0 turns it off.
fn near_midnight(cx: &Context<'_, '_>, at: i64) -> bool {
    let from_boundary = (at - cx.day.start()).min(cx.day.end() - at);
    from_boundary < cx.cutoff_window_secs
}
