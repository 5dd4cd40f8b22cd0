//! Seeded generator of statement days with known discrepancies (feature `gen`), for the
//! property tests, the benchmark and demos.
//!
//! A day holds `payments` ordinary payments (each a record and a line that agree) plus the
//! scenarios of [`Injection`], each built on its own order, reference and bank ids so that
//! scenarios never touch each other. [`GeneratedDay::expected`] says what the engine must report
//! for every injected item; everything else must be `matched`.

mod builder;
mod scenarios;
mod world;

use std::collections::HashMap;

use crate::accounts::AccountHistory;
use crate::class::Class;
use crate::day::BusinessDay;
use crate::report::Report;
use crate::RunInput;

pub use scenarios::Injection;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DaySpec {
    /// Seed of every random choice; the same spec gives the same day.
    pub seed: u64,
    /// The day.
    pub day: BusinessDay,
    /// Ordinary payments that match.
    pub payments: usize,
    /// Scenarios to add, in any order and with repeats.
    pub injections: Vec<Injection>,
}

impl DaySpec {
    /// About `lines` statement lines, 1% of them in scenarios cycling through every
    /// [`Injection`], on 2026-05-30.
    pub fn typical(seed: u64, lines: usize) -> DaySpec {
        let scenarios = lines / 100;
        DaySpec {
            seed,
            day: BusinessDay::from_date(2026, 5, 30).expect("a real date"),
            payments: lines - scenarios,
            injections: Injection::ALL
                .iter()
                .copied()
                .cycle()
                .take(scenarios)
                .collect(),
        }
    }
}

/// A statement line or a record, as the test identifies it in a report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
    /// The statement line with this number.
    Line(u32),
    /// The record with this payment id (in an entry without a line).
    Record(String),
}

/// What the engine must report for one injected item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The item.
    pub item: Item,
    /// Its class; `None` for a neighbouring day's record that must not appear at all.
    pub class: Option<Class>,
    /// The scenario that made it.
    pub because: Injection,
}

/// A generated day and what the engine must find in it.
pub struct GeneratedDay {
    /// The run input.
    pub input: RunInput,
    /// Every injected item; items not listed must be `matched`.
    pub expected: Vec<Expected>,
}

/// Generates a day.
pub fn generate(spec: &DaySpec) -> GeneratedDay {
    let mut b = builder::Builder::new(spec.seed, spec.day);
    for _ in 0..spec.payments {
        b.ordinary_payment();
    }
    for injection in &spec.injections {
        injection.inject(&mut b);
    }
    let (lines, records, expected) = b.finish();
    let accounts = AccountHistory::new(world::settings(spec.day));
    GeneratedDay {
        input: RunInput::new(spec.day, lines, records, accounts),
        expected,
    }
}

impl GeneratedDay {
    /// Compares a report with the expectations: each injected item in its class (or absent),
    /// every other entry `matched`. Returns every difference found.
    pub fn check(&self, report: &Report<'_>) -> Result<(), Vec<String>> {
        let expected: HashMap<&Item, &Expected> =
            self.expected.iter().map(|e| (&e.item, e)).collect();
        let mut seen = HashMap::new();
        let mut problems = Vec::new();
        for entry in &report.entries {
            let item = match (entry.line, entry.record) {
                (Some(line), _) => Item::Line(line.line_no),
                (None, Some(record)) => Item::Record(record.payment_id.clone()),
                (None, None) => {
                    problems.push(format!("an entry with neither side: {entry:?}"));
                    continue;
                }
            };
            let want = expected
                .get(&item)
                .map_or(Some(Class::Matched), |e| e.class);
            if want != Some(entry.class) {
                let why = expected.get(&item).map(|e| e.because);
                problems.push(format!(
                    "{item:?} ({why:?}): want {want:?}, got {}",
                    entry.class
                ));
            }
            seen.insert(item, entry.class);
        }
        for e in &self.expected {
            if e.class.is_some() && !seen.contains_key(&e.item) {
                problems.push(format!(
                    "{:?} ({:?}) is missing from the report",
                    e.item, e.because
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}
