//! The scenarios a generated day can contain, each with the class the engine must give it.

use payhub_money::Vnd;

use super::builder::Builder;
use super::world;
use crate::class::Class;
use crate::input::{FeeKind, FeeKinds, LineStatus, RecordStatus};

/// A scenario injected into a generated day. Each builds its own order(s), so scenarios never
/// interact; the comment on each variant gives the class of its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Injection {
    /// PayHub's record is still pending, the bank has the success: `missing_in_payhub`.
    LostCallback,
    /// A success with no PayHub record at all: `missing_in_payhub`.
    UnknownToPayhub,
    /// A success PayHub recorded at midday that the statement lacks: `missing_at_bank`.
    MissingAtBank,
    /// The line's amount is 1,000 đ more than the record's: `amount_mismatch`.
    AmountDiffers,
    /// Two successes under the reference of one pending record: `missing_in_payhub` for the
    /// first line (by line number), `duplicate_payment` for the second.
    LostCallbackPaidTwice,
    /// The bank says refunded, PayHub says paid: `status_mismatch`.
    BankSaysRefunded,
    /// The bank says failed, PayHub says paid: `status_mismatch`.
    BankSaysFailed,
    /// The bank says paid, PayHub recorded a failure: `status_mismatch`.
    PayhubSaysFailed,
    /// A refund line of a payment PayHub still has as paid: `status_mismatch` (the payment
    /// itself is matched).
    RefundUnknownToPayhub,
    /// A refund PayHub recorded that the statement lacks: `missing_at_bank`.
    RefundMissingAtBank,
    /// A second bank transaction under the reference of a paid record: `duplicate_payment`.
    PaidTwiceSameReference,
    /// Two attempts of one order, the second recorded by PayHub as `Duplicate`:
    /// `duplicate_payment` for the second line.
    MarkedDuplicate,
    /// Two attempts of one order, both recorded as paid: `duplicate_payment` for the later line.
    TwoAttemptsBothPaid,
    /// Credited to an account of no agency: `wrong_beneficiary`.
    WrongAccount,
    /// Paid after the agency's noon switch but credited to the old account: `wrong_beneficiary`.
    OldAccountAfterChange,
    /// The procedure's own account was ignored: `wrong_beneficiary`.
    ProcedureOverrideIgnored,
    /// A line just after midnight whose record PayHub put before it: `cutoff_shift`.
    LineAfterMidnight,
    /// A line just before midnight whose record PayHub put after it: `cutoff_shift`.
    LineBeforeMidnight,
    /// A PayHub success within the cutoff window that the statement lacks: `cutoff_shift`.
    RecordNearMidnight,
    /// PayHub's record has no bank id, the line matches by reference: `matched`.
    RecordWithoutTxnId,
    /// Both sides have a failure: `matched`.
    FailedBoth,
    /// A pending record with no line: `matched`.
    AbandonedCheckout,
    /// Neighbouring days' records with no line: absent from the report.
    NeighbourDayRecordOnly,
    /// Paid to the old account before the agency's noon switch: `matched`.
    PaidBeforeAccountChange,
    /// Paid to the procedure's own account: `matched`.
    ProcedureOverrideRespected,
    /// An order of phí and lệ phí credited to the lệ phí account: `matched`.
    MultiKindOrder,
    /// A partial refund PayHub recorded, and its line: `matched`.
    RefundMatchedByRecord,
    /// A full refund PayHub knows only as the payment's status: `matched`.
    RefundKnownByStatus,
}

impl Injection {
    /// Every scenario.
    pub const ALL: [Injection; 28] = [
        Injection::LostCallback,
        Injection::UnknownToPayhub,
        Injection::MissingAtBank,
        Injection::AmountDiffers,
        Injection::LostCallbackPaidTwice,
        Injection::BankSaysRefunded,
        Injection::BankSaysFailed,
        Injection::PayhubSaysFailed,
        Injection::RefundUnknownToPayhub,
        Injection::RefundMissingAtBank,
        Injection::PaidTwiceSameReference,
        Injection::MarkedDuplicate,
        Injection::TwoAttemptsBothPaid,
        Injection::WrongAccount,
        Injection::OldAccountAfterChange,
        Injection::ProcedureOverrideIgnored,
        Injection::LineAfterMidnight,
        Injection::LineBeforeMidnight,
        Injection::RecordNearMidnight,
        Injection::RecordWithoutTxnId,
        Injection::FailedBoth,
        Injection::AbandonedCheckout,
        Injection::NeighbourDayRecordOnly,
        Injection::PaidBeforeAccountChange,
        Injection::ProcedureOverrideRespected,
        Injection::MultiKindOrder,
        Injection::RefundMatchedByRecord,
        Injection::RefundKnownByStatus,
    ];

    pub(crate) fn inject(self, b: &mut Builder) {
        use Injection as I;
        let day = b.day;
        let order = b.order();
        let first = b.attempt();
        let at = b.midday();
        match self {
            I::LostCallback => {
                b.record(&order, &first, RecordStatus::Pending, at, false);
                let account = b.right_account(&order, at);
                let line = b
                    .line(&order, &first, LineStatus::Paid, at, account)
                    .line_no;
                b.expect_line(line, Class::MissingInPayhub, self);
            }
            I::LostCallbackPaidTwice => {
                b.record(&order, &first, RecordStatus::Pending, at, false);
                let mut again = b.attempt();
                again.reference = first.reference.clone();
                // The second success is booked earlier but listed later: line numbers decide.
                let (account, account_before) = (
                    b.right_account(&order, at),
                    b.right_account(&order, at - 60),
                );
                let earlier = b
                    .line(&order, &first, LineStatus::Paid, at, account)
                    .line_no;
                let later = b
                    .line(&order, &again, LineStatus::Paid, at - 60, account_before)
                    .line_no;
                b.expect_line(earlier, Class::MissingInPayhub, self);
                b.expect_line(later, Class::DuplicatePayment, self);
            }
            I::UnknownToPayhub => {
                let account = b.right_account(&order, at);
                let line = b
                    .line(&order, &first, LineStatus::Paid, at, account)
                    .line_no;
                b.expect_line(line, Class::MissingInPayhub, self);
            }
            I::MissingAtBank => {
                b.record(&order, &first, RecordStatus::Paid, at, true);
                b.expect_record(&first, Some(Class::MissingAtBank), self);
            }
            I::AmountDiffers => {
                let line = b.paid(&order, &first, at);
                let extra = Vnd::from_dong(order.amount.dong() + 1_000).expect("in range");
                b.last_line().amount = extra;
                b.expect_line(line, Class::AmountMismatch, self);
            }
            I::BankSaysRefunded | I::BankSaysFailed => {
                let line = b.paid(&order, &first, at);
                let status = if self == I::BankSaysRefunded {
                    LineStatus::Refunded
                } else {
                    LineStatus::Failed
                };
                b.last_line().status = status;
                b.expect_line(line, Class::StatusMismatch, self);
            }
            I::PayhubSaysFailed => {
                let line = b.paid(&order, &first, at);
                b.last_record().status = RecordStatus::Failed;
                b.expect_line(line, Class::StatusMismatch, self);
            }
            I::RefundUnknownToPayhub => {
                b.paid(&order, &first, at);
                let refund = b.attempt();
                let line = b.refund_line(&refund, &first, order.amount, at + 3000);
                b.expect_line(line, Class::StatusMismatch, self);
            }
            I::RefundMissingAtBank => {
                let yesterday = day.start() - 5 * 3600;
                b.record(&order, &first, RecordStatus::Refunded, yesterday, true);
                b.expect_record(&first, None, self);
                let refund = b.attempt();
                b.refund_record(&order, &refund, order.amount, at);
                b.expect_record(&refund, Some(Class::MissingAtBank), self);
            }
            I::PaidTwiceSameReference => {
                b.paid(&order, &first, at);
                let mut again = b.attempt();
                again.reference = first.reference.clone();
                let account = b.right_account(&order, at + 60);
                let line = b
                    .line(&order, &again, LineStatus::Paid, at + 60, account)
                    .line_no;
                b.expect_line(line, Class::DuplicatePayment, self);
            }
            I::MarkedDuplicate | I::TwoAttemptsBothPaid => {
                b.paid(&order, &first, at);
                let second = b.attempt();
                let line = b.paid(&order, &second, at + 120);
                if self == I::MarkedDuplicate {
                    b.last_record().status = RecordStatus::Duplicate;
                }
                b.expect_line(line, Class::DuplicatePayment, self);
            }
            I::WrongAccount => {
                let line = b.paid(&order, &first, at);
                let stranger = format!("9704{:09}", b.rng.range(0, 1_000_000_000));
                b.last_line().credited_to = Some(stranger);
                b.expect_line(line, Class::WrongBeneficiary, self);
            }
            I::OldAccountAfterChange | I::PaidBeforeAccountChange => {
                let agency = 7 * b.rng.range(0, (world::AGENCIES / 7) as i64 + 1) as usize;
                let order = b.order_of(agency, None, FeeKind::Fee.into());
                let noon = world::noon(day);
                let after = self == I::OldAccountAfterChange;
                let at = if after {
                    b.rng.range(noon, noon + 3 * 3600)
                } else {
                    b.rng.range(noon - 3 * 3600, noon)
                };
                let line = b.paid(&order, &first, at);
                b.last_line().credited_to = Some(world::account_before_noon(agency));
                let class = if after {
                    Class::WrongBeneficiary
                } else {
                    Class::Matched
                };
                b.expect_line(line, class, self);
            }
            I::ProcedureOverrideIgnored | I::ProcedureOverrideRespected => {
                let agency = 5 * b.rng.range(0, (world::AGENCIES / 5) as i64) as usize;
                let order = b.order_of(agency, Some(world::OVERRIDDEN), FeeKind::Charge.into());
                let line = b.paid(&order, &first, at);
                let (class, agency_wide) = if self == I::ProcedureOverrideIgnored {
                    (
                        Class::WrongBeneficiary,
                        world::account_for(day, agency, FeeKind::Charge, None, at),
                    )
                } else {
                    (Class::Matched, b.right_account(&order, at))
                };
                b.last_line().credited_to = Some(agency_wide);
                b.expect_line(line, class, self);
            }
            I::LineAfterMidnight | I::LineBeforeMidnight => {
                let (line_at, record_at) = if self == I::LineAfterMidnight {
                    (
                        day.start() + b.rng.range(0, 300),
                        day.start() - b.rng.range(1, 300),
                    )
                } else {
                    (
                        day.end() - b.rng.range(1, 300),
                        day.end() + b.rng.range(0, 300),
                    )
                };
                let line = b.paid(&order, &first, line_at);
                b.last_record().paid_at = record_at;
                b.expect_line(line, Class::CutoffShift, self);
            }
            I::RecordNearMidnight => {
                let window = crate::RunInput::DEFAULT_CUTOFF_WINDOW_SECS;
                let at = match b.rng.range(0, 2) {
                    0 => day.start() + b.rng.range(0, window),
                    _ => day.end() - b.rng.range(1, window),
                };
                b.record(&order, &first, RecordStatus::Paid, at, true);
                b.expect_record(&first, Some(Class::CutoffShift), self);
            }
            I::RecordWithoutTxnId => {
                let line = b.paid(&order, &first, at);
                b.last_record().bank_txn_id = None;
                b.expect_line(line, Class::Matched, self);
            }
            I::FailedBoth => {
                let line = b.paid(&order, &first, at);
                b.last_record().status = RecordStatus::Failed;
                b.last_line().status = LineStatus::Failed;
                b.expect_line(line, Class::Matched, self);
            }
            I::AbandonedCheckout => {
                b.record(&order, &first, RecordStatus::Pending, at, false);
                b.expect_record(&first, Some(Class::Matched), self);
            }
            I::NeighbourDayRecordOnly => {
                let near = b.rng.range(1, 300);
                b.record(&order, &first, RecordStatus::Paid, day.start() - near, true);
                b.expect_record(&first, None, self);
                let next = b.attempt();
                b.record(&order, &next, RecordStatus::Paid, day.end() + near, true);
                b.expect_record(&next, None, self);
            }
            I::MultiKindOrder => {
                let agency = 4 * b.rng.range(0, (world::AGENCIES / 4) as i64) as usize;
                let order =
                    b.order_of(agency, None, FeeKinds::of(&[FeeKind::Fee, FeeKind::Charge]));
                let line = b.paid(&order, &first, at);
                b.last_line().credited_to =
                    Some(world::account_for(day, agency, FeeKind::Charge, None, at));
                b.expect_line(line, Class::Matched, self);
            }
            I::RefundMatchedByRecord | I::RefundKnownByStatus => {
                let paid = b.paid(&order, &first, at);
                let refund = b.attempt();
                let refund_at = at + 1800;
                let amount = if self == I::RefundMatchedByRecord {
                    b.last_record().status = RecordStatus::PartiallyRefunded;
                    let half = Vnd::from_dong(order.amount.dong() / 2).expect("in range");
                    b.refund_record(&order, &refund, half, refund_at + 5);
                    half
                } else {
                    b.last_record().status = RecordStatus::Refunded;
                    order.amount
                };
                let line = b.refund_line(&refund, &first, amount, refund_at);
                b.expect_line(paid, Class::Matched, self);
                b.expect_line(line, Class::Matched, self);
            }
        }
    }
}
