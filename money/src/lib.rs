//! `Vnd`: an amount of Vietnamese đồng. The đồng has no subunit in use, so an amount is a whole,
//! non-negative number; PayHub never rounds (reference-data.md: "amounts arrive final").
//!
//! The only ways to get a `Vnd` are [`Vnd::parse`], [`Vnd::from_dong`] and arithmetic that checks
//! its bounds, so code that holds one never re-checks it.

use std::fmt;
use std::iter::Sum;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole, non-negative amount of đồng, at most [`Vnd::MAX`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Vnd(Decimal);

/// Why a value is not a `Vnd`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount is empty")]
    Empty,
    #[error("amount must be whole đồng written in digits only, got {0:?}")]
    NotWholeDigits(String),
    #[error("amount must not be negative")]
    Negative,
    #[error("amount exceeds {} đồng", Vnd::MAX_DONG)]
    TooLarge,
}

impl Vnd {
    /// One quadrillion đồng (10^15): far above any fee, far below `i64::MAX`, so every `Vnd` fits
    /// the `bigint` columns and sums of a million of them do not overflow.
    pub const MAX_DONG: i64 = 1_000_000_000_000_000;
    pub const ZERO: Vnd = Vnd(Decimal::ZERO);

    /// Parses digits only: no sign, no point, no exponent, no spaces, no separators.
    pub fn parse(text: &str) -> Result<Vnd, MoneyError> {
        if text.is_empty() {
            return Err(MoneyError::Empty);
        }
        if let Some(rest) = text.strip_prefix('-') {
            if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
                return Err(MoneyError::Negative);
            }
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotWholeDigits(text.chars().take(40).collect()));
        }
        // More than 16 digits is over MAX whatever they are; checking first keeps parse() total.
        if text.trim_start_matches('0').len() > 16 {
            return Err(MoneyError::TooLarge);
        }
        let dong: i64 = text.parse().map_err(|_| MoneyError::TooLarge)?;
        Vnd::from_dong(dong)
    }

    /// From a count of đồng as stored in the database (`bigint`).
    pub fn from_dong(dong: i64) -> Result<Vnd, MoneyError> {
        if dong < 0 {
            return Err(MoneyError::Negative);
        }
        if dong > Self::MAX_DONG {
            return Err(MoneyError::TooLarge);
        }
        Ok(Vnd(Decimal::from(dong)))
    }

    /// The count of đồng, for storage and for wire formats that carry integers.
    pub fn dong(self) -> i64 {
        // Invariant: scale 0 and within MAX_DONG, so this cannot fail.
        self.0.to_i64().expect("Vnd is always within i64")
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn checked_add(self, other: Vnd) -> Option<Vnd> {
        Vnd::from_dong(self.dong().checked_add(other.dong())?).ok()
    }

    pub fn checked_sub(self, other: Vnd) -> Option<Vnd> {
        Vnd::from_dong(self.dong().checked_sub(other.dong())?).ok()
    }

    /// Sums amounts, `None` when the total leaves the valid range.
    pub fn checked_sum<I: IntoIterator<Item = Vnd>>(amounts: I) -> Option<Vnd> {
        amounts.into_iter().try_fold(Vnd::ZERO, Vnd::checked_add)
    }

    /// Vietnamese display: `650.000 ₫` (dot as thousands separator, the đồng sign after a space).
    pub fn to_vietnamese(self) -> String {
        let digits = self.dong().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out.push_str(" ₫");
        out
    }
}

impl fmt::Display for Vnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.dong())
    }
}

impl fmt::Debug for Vnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Vnd({})", self.dong())
    }
}

impl std::str::FromStr for Vnd {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vnd::parse(s)
    }
}

impl Sum for Vnd {
    /// Panics on overflow past `Vnd::MAX_DONG`; use [`Vnd::checked_sum`] on untrusted input.
    fn sum<I: Iterator<Item = Vnd>>(iter: I) -> Vnd {
        Vnd::checked_sum(iter).expect("sum of Vnd overflowed")
    }
}

/// api.md: money is written as a JSON string of digits in responses.
impl Serialize for Vnd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// api.md: money is accepted as a string of digits or a JSON integer; floats, exponents and
/// negatives are refused.
impl<'de> Deserialize<'de> for Vnd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Vnd, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Vnd;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number of đồng, as a string of digits or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Vnd, E> {
                Vnd::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Vnd, E> {
                let dong = i64::try_from(v).map_err(|_| E::custom(MoneyError::TooLarge))?;
                Vnd::from_dong(dong).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Vnd, E> {
                Vnd::from_dong(v).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Vnd, E> {
                Err(E::custom(MoneyError::NotWholeDigits(v.to_string())))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_whole_dong_only() {
        assert_eq!(Vnd::parse("150000").unwrap().dong(), 150_000);
        assert_eq!(Vnd::parse("0").unwrap(), Vnd::ZERO);
        for bad in [
            "150000.5", "1e3", "", " 1", "1 ", "+1", "1.000", "1,000", "0x10", "١٢",
        ] {
            assert!(Vnd::parse(bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(Vnd::parse("-1"), Err(MoneyError::Negative));
        assert_eq!(Vnd::parse(""), Err(MoneyError::Empty));
    }

    #[test]
    fn absurd_sizes_are_refused() {
        assert!(Vnd::parse("1000000000000000").is_ok());
        assert_eq!(Vnd::parse("1000000000000001"), Err(MoneyError::TooLarge));
        assert_eq!(
            Vnd::parse("99999999999999999999999"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(Vnd::from_dong(i64::MAX), Err(MoneyError::TooLarge));
        let max = Vnd::from_dong(Vnd::MAX_DONG).unwrap();
        assert_eq!(max.checked_add(Vnd::parse("1").unwrap()), None);
    }

    #[test]
    fn subtraction_never_goes_negative() {
        let a = Vnd::parse("100").unwrap();
        let b = Vnd::parse("101").unwrap();
        assert_eq!(a.checked_sub(b), None);
        assert_eq!(b.checked_sub(a), Some(Vnd::parse("1").unwrap()));
    }

    #[test]
    fn json_is_a_string_and_accepts_integers_but_not_floats() {
        let v: Vnd = serde_json::from_str("150000").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"150000\"");
        let v: Vnd = serde_json::from_str("\"500000\"").unwrap();
        assert_eq!(v.dong(), 500_000);
        for bad in ["1.5", "1e3", "-1", "\"\"", "\"-1\"", "null", "true"] {
            assert!(
                serde_json::from_str::<Vnd>(bad).is_err(),
                "{bad} must be refused"
            );
        }
    }

    #[test]
    fn vietnamese_format_groups_thousands_with_dots() {
        let f = |d| Vnd::from_dong(d).unwrap().to_vietnamese();
        assert_eq!(f(650_000), "650.000 ₫");
        assert_eq!(f(0), "0 ₫");
        assert_eq!(f(999), "999 ₫");
        assert_eq!(f(1_000), "1.000 ₫");
        assert_eq!(f(1_351_000), "1.351.000 ₫");
    }
}
