//! The generated world: agencies, their beneficiary accounts, and a model of which account each
//! payment should reach. The model is written out by hand, apart from [`AccountHistory`], so the
//! tests compare the engine against an independent oracle.

use crate::accounts::{AccountSetting, SettingKind};
use crate::day::BusinessDay;
use crate::input::FeeKind;

/// SplitMix64: tiny, seedable and good enough for test data.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo) as u64) as i64
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next_u64() % items.len() as u64) as usize]
    }
}

pub(crate) const AGENCIES: usize = 40;
/// Procedures orders name; agencies with an override route the first one elsewhere.
pub(crate) const PROCEDURES: [&str; 4] =
    ["1.001234", "2.002189", "1.012805", "1.011442.000.00.00.H38"];
pub(crate) const OVERRIDDEN: &str = PROCEDURES[0];

/// Agency number `a`'s electronic identifier (reference-data.md: `000.00.NN.Hxx`).
pub(crate) fn agency_code(a: usize) -> String {
    format!("000.00.{:02}.H{:02}", a % 100, 29 + a / 100)
}

/// Agencies whose lệ phí go to an account of their own.
pub(crate) fn has_charge_account(a: usize) -> bool {
    a.is_multiple_of(4)
}

/// Agencies that route `OVERRIDDEN` to a State Treasury account.
pub(crate) fn has_procedure_override(a: usize) -> bool {
    a.is_multiple_of(5)
}

/// Agencies that switch their `any` account at noon of the generated day.
pub(crate) fn changes_at_noon(a: usize) -> bool {
    a.is_multiple_of(7)
}

fn any_account(a: usize) -> String {
    format!("00110{a:04}0001")
}

fn any_account_after_noon(a: usize) -> String {
    format!("00110{a:04}0009")
}

fn charge_account(a: usize) -> String {
    format!("00110{a:04}0002")
}

fn treasury_account(a: usize) -> String {
    format!("3511.0.{:07}", 1_000_000 + a)
}

/// The account the money of an item of `kind` should reach at `at`.
pub(crate) fn account_for(
    day: BusinessDay,
    a: usize,
    kind: FeeKind,
    procedure: Option<&str>,
    at: i64,
) -> String {
    if has_procedure_override(a) && procedure == Some(OVERRIDDEN) {
        treasury_account(a)
    } else if has_charge_account(a) && kind == FeeKind::Charge {
        charge_account(a)
    } else if changes_at_noon(a) && at >= noon(day) {
        any_account_after_noon(a)
    } else {
        any_account(a)
    }
}

/// The account before the noon switch, for payments credited to it too late.
pub(crate) fn account_before_noon(a: usize) -> String {
    any_account(a)
}

pub(crate) fn noon(day: BusinessDay) -> i64 {
    day.start() + 12 * 3600
}

/// The settings that produce [`account_for`], plus some that must not matter: a change that
/// starts tomorrow, and settings of the past superseded long ago.
pub(crate) fn settings(day: BusinessDay) -> Vec<AccountSetting> {
    let long_ago = day.start() - 400 * 86_400;
    let mut out = Vec::new();
    let mut add = |a: usize, fee_kind, procedure: Option<&str>, account: String, from| {
        out.push(AccountSetting {
            agency_code: agency_code(a),
            fee_kind,
            procedure_code: procedure.map(str::to_owned),
            account,
            effective_from: from,
        });
    };
    for a in 0..AGENCIES {
        add(
            a,
            SettingKind::Any,
            None,
            format!("OLD{a:04}"),
            long_ago - 86_400,
        );
        add(a, SettingKind::Any, None, any_account(a), long_ago);
        if has_charge_account(a) {
            add(a, SettingKind::Charge, None, charge_account(a), long_ago);
        }
        if has_procedure_override(a) {
            add(
                a,
                SettingKind::Any,
                Some(OVERRIDDEN),
                treasury_account(a),
                long_ago,
            );
        }
        if changes_at_noon(a) {
            add(
                a,
                SettingKind::Any,
                None,
                any_account_after_noon(a),
                noon(day),
            );
        }
        if a.is_multiple_of(3) {
            add(
                a,
                SettingKind::Any,
                None,
                format!("NEXT{a:04}"),
                day.end() + 3600,
            );
        }
    }
    out
}
