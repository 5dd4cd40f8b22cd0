//! A run's money ties out on random days with every class injected: what the bank's lines
//! moved, minus what PayHub recorded as paid on the day, is the money of the discrepancies, and
//! entries where nothing moved add to no sum.

use proptest::prelude::*;
use reconciliation::gen::{generate, DaySpec, Injection};
use reconciliation::{reconcile, BusinessDay, Class, LineKind, RecordKind};

fn spec() -> impl Strategy<Value = DaySpec> {
    let injections = prop::collection::vec(prop::sample::select(Injection::ALL.to_vec()), 0..60);
    let day = (2024i32..2028, 1u32..13, 1u32..29)
        .prop_map(|(y, m, d)| BusinessDay::from_date(y, m, d).unwrap());
    (any::<u64>(), day, 0usize..40, injections).prop_map(|(seed, day, payments, injections)| {
        DaySpec {
            seed,
            day,
            payments,
            injections,
        }
    })
}

fn sign(refund: bool, dong: i64) -> i64 {
    if refund {
        -dong
    } else {
        dong
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_difference_is_the_money_of_the_discrepancies(spec in spec()) {
        let day = generate(&spec);
        let report = reconcile(&day.input).unwrap();
        let (mut bank, mut payhub, mut of_discrepancies) = (0i64, 0i64, 0i64);
        for entry in &report.entries {
            let money = report.money(entry);
            bank += money.bank;
            payhub += money.payhub;
            if entry.class == Class::Matched {
                prop_assert_eq!(money.bank, money.payhub, "a matched entry: {:?}", entry);
            } else {
                of_discrepancies += money.difference();
            }
            if !money.moved {
                prop_assert_eq!((money.bank, money.payhub), (0, 0));
                prop_assert_eq!(entry.class, Class::Matched, "nothing moved: {:?}", entry);
            }
        }
        prop_assert_eq!(bank - payhub, of_discrepancies);
        // The bank's side is the statement's own: every line that moved money, refunds out.
        let statement: i64 = day.input.lines.iter()
            .filter(|l| l.status.moved_money())
            .map(|l| sign(l.kind == LineKind::Refund, l.amount.dong()))
            .sum();
        prop_assert_eq!(bank, statement);
        // PayHub's side is at most its own records of the day that moved money.
        let recorded: i64 = day.input.records.iter()
            .filter(|r| r.status.moved_money() && report.day.contains(r.paid_at))
            .map(|r| sign(r.kind == RecordKind::Refund, r.amount.dong()))
            .sum();
        let refunds_on_payments: i64 = report.entries.iter()
            .filter(|e| e.record.is_none() && e.related.is_some())
            .map(|e| report.money(e).payhub)
            .sum();
        prop_assert_eq!(payhub - refunds_on_payments, recorded);
    }
}
