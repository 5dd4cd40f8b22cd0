//! Random days with random discrepancies of every class: the engine must find exactly what was
//! injected, account for every input once, and add up.

use std::collections::HashMap;

use proptest::prelude::*;
use reconciliation::gen::{generate, DaySpec, GeneratedDay, Injection};
use reconciliation::{reconcile, BusinessDay, Class, Report};

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

/// Fisher–Yates with SplitMix64, so the test needs no other crate.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let z = (seed ^ (seed >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        items.swap(i, (z % (i as u64 + 1)) as usize);
    }
}

fn coverage(day: &GeneratedDay, report: &Report<'_>) -> Result<(), TestCaseError> {
    let mut lines: HashMap<u32, usize> = HashMap::new();
    let mut records: HashMap<&str, usize> = HashMap::new();
    for entry in &report.entries {
        prop_assert!(
            entry.line.is_some() || entry.record.is_some(),
            "an empty entry"
        );
        if let Some(line) = entry.line {
            *lines.entry(line.line_no).or_default() += 1;
        }
        if let Some(record) = entry.record {
            *records.entry(record.payment_id.as_str()).or_default() += 1;
            prop_assert!(
                entry.line.is_some() || report.day.contains(record.paid_at),
                "a record of another day stands alone: {:?}",
                record
            );
        }
    }
    for line in &day.input.lines {
        prop_assert_eq!(lines.get(&line.line_no), Some(&1), "line {}", line.line_no);
    }
    for record in &day.input.records {
        let seen = records
            .get(record.payment_id.as_str())
            .copied()
            .unwrap_or(0);
        if report.day.contains(record.paid_at) {
            prop_assert_eq!(seen, 1, "record {} of the day", &record.payment_id);
        } else {
            prop_assert!(seen <= 1, "record {} of another day", &record.payment_id);
        }
    }
    Ok(())
}

fn totals_add_up(report: &Report<'_>) -> Result<(), TestCaseError> {
    let mut by_class: HashMap<Class, (u64, i64)> = HashMap::new();
    let mut by_agency: HashMap<(Option<&str>, Class), (u64, i64)> = HashMap::new();
    for entry in &report.entries {
        for tally in [
            by_class.entry(entry.class).or_default(),
            by_agency
                .entry((entry.agency_code, entry.class))
                .or_default(),
        ] {
            tally.0 += 1;
            tally.1 += entry.amount().dong();
        }
    }
    for tally in &report.totals.by_class {
        let want = by_class.get(&tally.class).copied().unwrap_or_default();
        prop_assert_eq!(
            (tally.count, tally.sum.dong()),
            want,
            "class {}",
            tally.class
        );
    }
    prop_assert_eq!(report.totals.by_agency.len(), by_agency.len());
    for tally in &report.totals.by_agency {
        let want = by_agency.get(&(tally.agency_code, tally.class)).copied();
        prop_assert_eq!(Some((tally.count, tally.sum.dong())), want);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_engine_finds_exactly_the_injected_discrepancies(spec in spec()) {
        let day = generate(&spec);
        let report = reconcile(&day.input).unwrap();
        prop_assert_eq!(day.check(&report), Ok(()));
    }

    #[test]
    fn every_line_and_every_record_of_the_day_is_in_exactly_one_entry(spec in spec()) {
        let day = generate(&spec);
        coverage(&day, &reconcile(&day.input).unwrap())?;
    }

    #[test]
    fn totals_are_the_sums_of_the_entries(spec in spec()) {
        let day = generate(&spec);
        totals_add_up(&reconcile(&day.input).unwrap())?;
    }

    #[test]
    fn shuffling_the_input_changes_nothing(spec in spec(), seed in any::<u64>()) {
        let day = generate(&spec);
        let mut shuffled = generate(&spec);
        shuffle(&mut shuffled.input.lines, seed);
        shuffle(&mut shuffled.input.records, seed ^ 0x5555);
        prop_assert_eq!(reconcile(&day.input).unwrap(), reconcile(&shuffled.input).unwrap());
    }
}

#[test]
fn a_typical_day_of_fifty_thousand_lines_holds_exactly_its_injected_discrepancies() {
    let day = generate(&DaySpec::typical(7, 50_000));
    let report = reconcile(&day.input).unwrap();
    assert_eq!(day.check(&report), Ok(()));
    let discrepancies = report.discrepancies().count();
    let injected = day
        .expected
        .iter()
        .filter(|e| e.class.is_some_and(Class::is_discrepancy))
        .count();
    assert_eq!(discrepancies, injected);
    assert!(injected > 300, "{injected}");
}
