//! Hand-written days, one per class of statements.md and per rule of accounts and precedence.

use payhub_money::Vnd;
use reconciliation::{
    reconcile, AccountHistory, AccountSetting, BusinessDay, Class, FeeKind, FeeKinds, LineKind,
    LineStatus, ReconcileError, Record, RecordKind, RecordStatus, RunInput, SettingKind,
    StatementLine,
};

const AGENCY: &str = "000.00.12.H29";
const ACCOUNT: &str = "0011001234567";

fn day() -> BusinessDay {
    BusinessDay::from_date(2026, 5, 30).unwrap()
}

/// 2026-05-30 at hh:mm:ss GMT+7 (hours past 24 run into the next day).
fn at(h: i64, m: i64, s: i64) -> i64 {
    day().start() + h * 3600 + m * 60 + s
}

fn vnd(dong: i64) -> Vnd {
    Vnd::from_dong(dong).unwrap()
}

fn record(n: u32) -> Record {
    Record {
        payment_id: format!("PAY{n}"),
        order_id: format!("ORD{n}"),
        agency_code: AGENCY.into(),
        procedure_code: Some("2.002189".into()),
        fee_kinds: FeeKind::Charge.into(),
        reference: format!("REF{n}"),
        bank_txn_id: Some(format!("FT{n}")),
        amount: vnd(150_000),
        kind: RecordKind::Payment,
        status: RecordStatus::Paid,
        paid_at: at(10, 0, n.into()),
    }
}

fn line(n: u32) -> StatementLine {
    StatementLine {
        line_no: n,
        bank_txn_id: format!("FT{n}"),
        reference: format!("REF{n}"),
        amount: vnd(150_000),
        kind: LineKind::Payment,
        status: LineStatus::Paid,
        at: at(10, 0, n.into()),
        credited_to: Some(ACCOUNT.into()),
        original_txn_id: None,
    }
}

fn setting(kind: SettingKind, procedure: Option<&str>, account: &str, from: i64) -> AccountSetting {
    AccountSetting {
        agency_code: AGENCY.into(),
        fee_kind: kind,
        procedure_code: procedure.map(Into::into),
        account: account.into(),
        effective_from: from,
    }
}

fn accounts() -> AccountHistory {
    AccountHistory::new(vec![setting(SettingKind::Any, None, ACCOUNT, 0)])
}

fn run(lines: Vec<StatementLine>, records: Vec<Record>) -> RunInput {
    RunInput::new(day(), lines, records, accounts())
}

/// The classes of the report as (class, line number or payment id), in report order.
fn classes(input: &RunInput) -> Vec<(Class, String)> {
    let report = reconcile(input).unwrap();
    let id = |e: &reconciliation::Entry| match (e.line, e.record) {
        (Some(l), _) => format!("line {}", l.line_no),
        (None, Some(r)) => r.payment_id.clone(),
        (None, None) => unreachable!(),
    };
    report.entries.iter().map(|e| (e.class, id(e))).collect()
}

fn c(class: Class, id: &str) -> (Class, String) {
    (class, id.to_owned())
}

#[test]
fn a_line_and_its_record_that_agree_are_matched() {
    let input = run(vec![line(1)], vec![record(1)]);
    assert_eq!(classes(&input), [c(Class::Matched, "line 1")]);
}

#[test]
fn a_record_without_the_banks_id_is_matched_by_reference() {
    let mut r = record(1);
    r.bank_txn_id = None;
    let input = run(vec![line(1)], vec![r]);
    assert_eq!(classes(&input), [c(Class::Matched, "line 1")]);
}

#[test]
fn a_success_payhub_never_recorded_is_missing_in_payhub() {
    let mut pending = record(2);
    pending.status = RecordStatus::Pending;
    pending.bank_txn_id = None;
    let input = run(vec![line(1), line(2)], vec![pending]);
    assert_eq!(
        classes(&input),
        [
            c(Class::MissingInPayhub, "line 1"),
            c(Class::MissingInPayhub, "line 2")
        ]
    );
    let report = reconcile(&input).unwrap();
    // The line with no record is still labelled with the agency that owns the credited account.
    assert!(report.entries.iter().all(|e| e.agency_code == Some(AGENCY)));
}

#[test]
fn a_credit_that_names_no_order_and_that_payhub_never_recorded_is_an_unidentified_credit() {
    // A transfer whose content names no PayHub order: the hub leaves its reference empty.
    let unnamed = StatementLine {
        reference: String::new(),
        ..line(1)
    };
    let input = run(vec![unnamed.clone()], vec![]);
    assert_eq!(classes(&input), [c(Class::UnidentifiedCredit, "line 1")]);
    let report = reconcile(&input).unwrap();
    assert_eq!(report.tally(Class::UnidentifiedCredit).sum, vnd(150_000));
    // PayHub recorded that very transaction (its notification came): matched by its id.
    let input = run(vec![unnamed], vec![record(1)]);
    assert_eq!(classes(&input), [c(Class::Matched, "line 1")]);
}

#[test]
fn a_success_the_statement_lacks_is_missing_at_bank() {
    let input = run(vec![], vec![record(1)]);
    assert_eq!(classes(&input), [c(Class::MissingAtBank, "PAY1")]);
}

#[test]
fn different_amounts_are_an_amount_mismatch() {
    let mut l = line(1);
    l.amount = vnd(15_000);
    let input = run(vec![l], vec![record(1)]);
    assert_eq!(classes(&input), [c(Class::AmountMismatch, "line 1")]);
}

#[test]
fn the_bank_saying_refunded_or_failed_while_payhub_says_paid_is_a_status_mismatch() {
    let mut refunded = line(1);
    refunded.status = LineStatus::Refunded;
    let mut failed = line(2);
    failed.status = LineStatus::Failed;
    let mut payhub_failed = record(3);
    payhub_failed.status = RecordStatus::Failed;
    let input = run(
        vec![refunded, failed, line(3)],
        vec![record(1), record(2), payhub_failed],
    );
    let want = [1, 2, 3].map(|n| c(Class::StatusMismatch, &format!("line {n}")));
    assert_eq!(classes(&input), want);
}

#[test]
fn failures_on_both_sides_and_abandoned_checkouts_are_matched() {
    let mut failed_line = line(1);
    failed_line.status = LineStatus::Failed;
    let mut failed_record = record(1);
    failed_record.status = RecordStatus::Failed;
    let mut abandoned = record(2);
    abandoned.status = RecordStatus::Pending;
    let input = run(vec![failed_line], vec![failed_record, abandoned]);
    assert_eq!(
        classes(&input),
        [c(Class::Matched, "line 1"), c(Class::Matched, "PAY2")]
    );
}

#[test]
fn a_second_bank_transaction_under_one_reference_is_a_duplicate_payment() {
    let mut again = line(2);
    again.reference = "REF1".into();
    let input = run(vec![again, line(1)], vec![record(1)]);
    assert_eq!(
        classes(&input),
        [
            c(Class::Matched, "line 1"),
            c(Class::DuplicatePayment, "line 2")
        ]
    );
    let report = reconcile(&input).unwrap();
    let duplicate = &report.entries[1];
    assert_eq!(
        (
            duplicate.record,
            duplicate.related.map(|r| r.payment_id.as_str())
        ),
        (None, Some("PAY1"))
    );
}

#[test]
fn two_paid_attempts_of_one_order_make_the_later_line_a_duplicate_payment() {
    let mut second = record(2);
    second.order_id = "ORD1".into();
    let input = run(vec![line(2), line(1)], vec![second, record(1)]);
    assert_eq!(
        classes(&input),
        [
            c(Class::Matched, "line 1"),
            c(Class::DuplicatePayment, "line 2")
        ]
    );
}

#[test]
fn a_line_of_a_record_payhub_marked_duplicate_is_a_duplicate_payment() {
    let mut marked = record(2);
    marked.order_id = "ORD1".into();
    marked.status = RecordStatus::Duplicate;
    let input = run(vec![line(1), line(2)], vec![record(1), marked]);
    assert_eq!(
        classes(&input),
        [
            c(Class::Matched, "line 1"),
            c(Class::DuplicatePayment, "line 2")
        ]
    );
}

#[test]
fn a_credit_to_another_account_is_wrong_beneficiary_with_expected_and_actual() {
    let mut l = line(1);
    l.credited_to = Some("0011009999999".into());
    let input = run(vec![l], vec![record(1)]);
    let report = reconcile(&input).unwrap();
    let entry = &report.entries[0];
    assert_eq!(entry.class, Class::WrongBeneficiary);
    let check = entry.accounts.as_deref().unwrap();
    assert_eq!(
        (check.expected.as_slice(), check.actual),
        (&[ACCOUNT][..], "0011009999999")
    );
}

#[test]
fn wrong_beneficiary_wins_over_an_amount_mismatch_and_a_cutoff_shift() {
    let mut l = line(1);
    l.credited_to = Some("0011009999999".into());
    l.amount = vnd(1_000);
    let mut r = record(1);
    r.paid_at = day().start() - 30;
    let input = run(vec![l], vec![r]);
    assert_eq!(classes(&input), [c(Class::WrongBeneficiary, "line 1")]);
}

#[test]
fn a_status_mismatch_wins_over_an_amount_mismatch() {
    let mut l = line(1);
    l.status = LineStatus::Refunded;
    l.amount = vnd(1_000);
    let input = run(vec![l], vec![record(1)]);
    assert_eq!(classes(&input), [c(Class::StatusMismatch, "line 1")]);
}

#[test]
fn a_procedure_setting_overrides_the_agency_account() {
    let history = AccountHistory::new(vec![
        setting(SettingKind::Any, None, ACCOUNT, 0),
        setting(SettingKind::Charge, Some("1.001234"), "3511.0.1104195", 0),
    ]);
    let mut to_treasury = line(1);
    to_treasury.credited_to = Some("3511.0.1104195".into());
    let mut overridden = record(1);
    overridden.procedure_code = Some("1.001234".into());
    let mut agency_wide = record(2);
    agency_wide.procedure_code = Some("1.001234".into());
    let input = RunInput::new(
        day(),
        vec![to_treasury, line(2)],
        vec![overridden, agency_wide],
        history,
    );
    assert_eq!(
        classes(&input),
        [
            c(Class::Matched, "line 1"),
            c(Class::WrongBeneficiary, "line 2")
        ]
    );
}

#[test]
fn a_payment_is_judged_by_the_account_in_force_at_its_own_time() {
    let history = AccountHistory::new(vec![
        setting(SettingKind::Any, None, ACCOUNT, 0),
        setting(SettingKind::Any, None, "0011007654321", at(12, 0, 0)),
    ]);
    let mut morning_old = line(1);
    morning_old.at = at(11, 59, 59);
    let mut afternoon_old = line(2);
    afternoon_old.at = at(12, 0, 0);
    let mut afternoon_new = line(3);
    afternoon_new.at = at(12, 0, 1);
    afternoon_new.credited_to = Some("0011007654321".into());
    let input = RunInput::new(
        day(),
        vec![morning_old, afternoon_old, afternoon_new],
        vec![record(1), record(2), record(3)],
        history,
    );
    assert_eq!(
        classes(&input),
        [
            c(Class::Matched, "line 1"),
            c(Class::Matched, "line 3"),
            c(Class::WrongBeneficiary, "line 2")
        ]
    );
}

#[test]
fn an_order_of_several_kinds_may_be_credited_to_any_of_its_kinds_accounts() {
    let history = AccountHistory::new(vec![
        setting(SettingKind::Any, None, ACCOUNT, 0),
        setting(SettingKind::Fee, None, "0011000000002", 0),
    ]);
    let mut both = record(1);
    both.fee_kinds = FeeKinds::of(&[FeeKind::Fee, FeeKind::Charge]);
    let mut to_fee_account = line(1);
    to_fee_account.credited_to = Some("0011000000002".into());
    let input = RunInput::new(day(), vec![to_fee_account], vec![both], history);
    assert_eq!(classes(&input), [c(Class::Matched, "line 1")]);
}

#[test]
fn a_line_whose_record_sits_in_the_neighbouring_day_is_a_cutoff_shift() {
    let mut after = line(1);
    after.at = at(0, 0, 20);
    let mut yesterday = record(1);
    yesterday.paid_at = day().start() - 15;
    let mut before = line(2);
    before.at = at(23, 59, 58);
    let mut tomorrow = record(2);
    tomorrow.paid_at = day().end() + 3;
    let input = run(vec![after, before], vec![yesterday, tomorrow]);
    assert_eq!(
        classes(&input),
        [
            c(Class::CutoffShift, "line 1"),
            c(Class::CutoffShift, "line 2")
        ]
    );
}

#[test]
fn a_success_near_midnight_the_statement_lacks_is_a_cutoff_shift_within_the_window_only() {
    let mut late = record(1);
    late.paid_at = at(23, 55, 0);
    let mut early = record(2);
    early.paid_at = at(0, 9, 59);
    let mut outside = record(3);
    outside.paid_at = at(0, 10, 0);
    let mut input = run(vec![], vec![late, early, outside]);
    assert_eq!(
        classes(&input),
        [
            c(Class::MissingAtBank, "PAY3"),
            c(Class::CutoffShift, "PAY1"),
            c(Class::CutoffShift, "PAY2")
        ]
    );
    input.cutoff_window_secs = 0;
    let all_missing = ["PAY1", "PAY2", "PAY3"].map(|p| c(Class::MissingAtBank, p));
    assert_eq!(classes(&input), all_missing);
    input.cutoff_window_secs = -1;
    assert_eq!(
        reconcile(&input).unwrap_err(),
        ReconcileError::CutoffWindowOutOfRange(-1)
    );
}

#[test]
fn records_of_neighbouring_days_without_a_line_are_left_out() {
    let mut yesterday = record(1);
    yesterday.paid_at = day().start() - 60;
    let mut tomorrow = record(2);
    tomorrow.paid_at = day().end();
    let input = run(vec![], vec![yesterday, tomorrow]);
    assert_eq!(classes(&input), []);
}

fn refund_line(n: u32, original: u32, amount: i64) -> StatementLine {
    StatementLine {
        kind: LineKind::Refund,
        bank_txn_id: format!("RF{n}"),
        reference: format!("REF{original}"),
        amount: vnd(amount),
        original_txn_id: Some(format!("FT{original}")),
        credited_to: None,
        ..line(n)
    }
}

#[test]
fn a_refund_line_matches_its_refund_record() {
    let mut payment = record(1);
    payment.status = RecordStatus::PartiallyRefunded;
    let refund = Record {
        payment_id: "RFD1".into(),
        kind: RecordKind::Refund,
        status: RecordStatus::Refunded,
        bank_txn_id: Some("RF2".into()),
        amount: vnd(50_000),
        ..record(1)
    };
    let input = run(
        vec![line(1), refund_line(2, 1, 50_000)],
        vec![payment, refund],
    );
    assert_eq!(
        classes(&input),
        [c(Class::Matched, "line 1"), c(Class::Matched, "line 2")]
    );
}

#[test]
fn a_refund_payhub_knows_only_as_the_payments_status_is_matched() {
    let mut payment = record(1);
    payment.status = RecordStatus::Refunded;
    let input = run(vec![line(1), refund_line(2, 1, 150_000)], vec![payment]);
    assert_eq!(
        classes(&input),
        [c(Class::Matched, "line 1"), c(Class::Matched, "line 2")]
    );
    let report = reconcile(&input).unwrap();
    let refund = &report.entries[1];
    assert_eq!(
        (refund.record, refund.related.map(|r| r.payment_id.as_str())),
        (None, Some("PAY1"))
    );
}

#[test]
fn a_refund_of_a_payment_payhub_still_has_as_paid_is_a_status_mismatch() {
    let input = run(vec![line(1), refund_line(2, 1, 150_000)], vec![record(1)]);
    assert_eq!(
        classes(&input),
        [
            c(Class::Matched, "line 1"),
            c(Class::StatusMismatch, "line 2")
        ]
    );
}

#[test]
fn entries_are_ordered_by_class_agency_and_reference() {
    let mut other_agency = record(1);
    other_agency.agency_code = "000.00.00.H41".into();
    let mut wrong = line(3);
    wrong.credited_to = Some("X".into());
    let input = run(
        vec![line(2), wrong],
        vec![record(2), other_agency, record(4), record(3)],
    );
    let report = reconcile(&input).unwrap();
    let order: Vec<_> = report
        .entries
        .iter()
        .map(|e| (e.class, e.agency_code.unwrap(), e.reference()))
        .collect();
    assert_eq!(
        order,
        [
            (Class::Matched, AGENCY, "REF2"),
            (Class::MissingAtBank, "000.00.00.H41", "REF1"),
            (Class::MissingAtBank, AGENCY, "REF4"),
            (Class::WrongBeneficiary, AGENCY, "REF3"),
        ]
    );
}

#[test]
fn totals_count_and_sum_each_class_and_each_agency() {
    let mut other_agency = record(3);
    other_agency.agency_code = "000.00.00.H41".into();
    other_agency.amount = vnd(20_000);
    let input = run(vec![line(1)], vec![record(1), record(2), other_agency]);
    let report = reconcile(&input).unwrap();
    assert_eq!(report.tally(Class::Matched).count, 1);
    assert_eq!(report.tally(Class::MissingAtBank).count, 2);
    assert_eq!(report.tally(Class::MissingAtBank).sum, vnd(170_000));
    assert_eq!(report.totals.by_class.len(), Class::ALL.len());
    let by_agency: Vec<_> = report
        .totals
        .by_agency
        .iter()
        .map(|t| (t.agency_code.unwrap(), t.class, t.count, t.sum.dong()))
        .collect();
    assert_eq!(
        by_agency,
        [
            ("000.00.00.H41", Class::MissingAtBank, 1, 20_000),
            (AGENCY, Class::Matched, 1, 150_000),
            (AGENCY, Class::MissingAtBank, 1, 150_000),
        ]
    );
}

#[test]
fn the_report_does_not_depend_on_the_order_of_the_input() {
    let mut again = line(5);
    again.reference = "REF1".into();
    let mut pending = record(3);
    pending.status = RecordStatus::Pending;
    pending.bank_txn_id = None;
    let mut same_ref = line(4);
    same_ref.reference = "REF3".into();
    let lines = vec![line(1), line(2), line(3), same_ref, again];
    let records = vec![record(1), record(2), pending, record(6)];
    let forward = run(lines.clone(), records.clone());
    let backward = run(
        lines.into_iter().rev().collect(),
        records.into_iter().rev().collect(),
    );
    assert_eq!(reconcile(&forward).unwrap(), reconcile(&backward).unwrap());
}

#[test]
fn a_failed_line_does_not_take_the_record_a_success_needs() {
    let mut failed = line(1);
    failed.status = LineStatus::Failed;
    failed.reference = "REF2".into();
    let mut pending = record(2);
    pending.status = RecordStatus::Pending;
    pending.bank_txn_id = None;
    let input = run(vec![failed, line(2)], vec![pending]);
    assert_eq!(
        classes(&input),
        [
            c(Class::Matched, "line 1"),
            c(Class::MissingInPayhub, "line 2")
        ]
    );
}

#[test]
fn a_statement_repeating_line_numbers_still_gives_one_answer() {
    let mut twin = line(2);
    twin.line_no = 1;
    twin.reference = "REF1".into();
    let lines = vec![line(1), twin];
    let forward = run(lines.clone(), vec![record(1)]);
    let backward = run(lines.into_iter().rev().collect(), vec![record(1)]);
    assert_eq!(reconcile(&forward).unwrap(), reconcile(&backward).unwrap());
    assert_eq!(
        classes(&forward),
        [
            c(Class::Matched, "line 1"),
            c(Class::DuplicatePayment, "line 1")
        ]
    );
}
