//! The business day a run covers.
//!
//! statements.md: "Each bank delivers one statement per business day (00:00:00–23:59:59 GMT+7)".
//! Vietnam has kept GMT+7 without daylight saving since 1975, so a day is always 86,400 seconds and
//! its bounds follow from the date alone. Instants are `i64` Unix seconds throughout the crate.

use serde::{Deserialize, Serialize};

/// Seconds east of UTC of Vietnam's time (GMT+7).
pub const VIETNAM_OFFSET_SECS: i64 = 7 * 3600;
const DAY_SECS: i64 = 86_400;

/// One business day: the half-open interval `[start, end)` of Unix seconds, where `start` is
/// 00:00:00 GMT+7 and `end - 1` is 23:59:59 GMT+7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BusinessDay {
    start: i64,
}

/// A (year, month, day) that is not a date of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidDate {
    /// The year given.
    pub year: i32,
    /// The month given.
    pub month: u32,
    /// The day of the month given.
    pub day: u32,
}

impl std::fmt::Display for InvalidDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} is not a date",
            self.year, self.month, self.day
        )
    }
}

impl std::error::Error for InvalidDate {}

impl BusinessDay {
    /// The business day of a calendar date, e.g. `from_date(2026, 5, 30)`.
    pub fn from_date(year: i32, month: u32, day: u32) -> Result<BusinessDay, InvalidDate> {
        let invalid = InvalidDate { year, month, day };
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(invalid);
        }
        let start = days_from_civil(year, month, day) * DAY_SECS - VIETNAM_OFFSET_SECS;
        Ok(BusinessDay { start })
    }

    /// The business day that contains the instant `at`.
    pub fn containing(at: i64) -> BusinessDay {
        let local_day = (at + VIETNAM_OFFSET_SECS).div_euclid(DAY_SECS);
        BusinessDay {
            start: local_day * DAY_SECS - VIETNAM_OFFSET_SECS,
        }
    }

    /// 00:00:00 GMT+7 of the day, inclusive.
    pub fn start(self) -> i64 {
        self.start
    }

    /// 00:00:00 GMT+7 of the next day, exclusive (so the day's last second is `end() - 1`).
    pub fn end(self) -> i64 {
        self.start + DAY_SECS
    }

    /// Whether `at` falls within the day.
    pub fn contains(self, at: i64) -> bool {
        self.start <= at && at < self.end()
    }

    /// The day before.
    pub fn previous(self) -> BusinessDay {
        BusinessDay {
            start: self.start - DAY_SECS,
        }
    }

    /// The day after.
    pub fn next(self) -> BusinessDay {
        BusinessDay { start: self.end() }
    }

    /// The calendar date `(year, month, day)` of this business day.
    pub fn date(self) -> (i32, u32, u32) {
        civil_from_days((self.start + VIETNAM_OFFSET_SECS).div_euclid(DAY_SECS))
    }
}

impl std::fmt::Display for BusinessDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = self.date();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's `days_from_civil`: days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// The inverse of `days_from_civil`.
fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_business_day_starts_at_midnight_in_vietnam() {
        let day = BusinessDay::from_date(2026, 5, 30).unwrap();
        // 2026-05-30T00:00:00+07:00 is 2026-05-29T17:00:00Z = 1780074000.
        assert_eq!(day.start(), 1_780_074_000);
        assert_eq!(day.end() - day.start(), 86_400);
        assert!(day.contains(day.end() - 1));
        assert!(!day.contains(day.end()));
        assert_eq!(day.to_string(), "2026-05-30");
    }

    #[test]
    fn containing_and_date_round_trip_across_years() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (2026, 12, 31),
            (2027, 1, 1),
            (1969, 12, 31),
        ] {
            let day = BusinessDay::from_date(y, m, d).unwrap();
            assert_eq!(day.date(), (y, m, d));
            assert_eq!(BusinessDay::containing(day.start()), day);
            assert_eq!(BusinessDay::containing(day.end() - 1), day);
            assert_eq!(day.next().previous(), day);
        }
    }

    #[test]
    fn impossible_dates_are_refused() {
        for (y, m, d) in [(2026, 2, 29), (2026, 13, 1), (2026, 4, 31), (2026, 1, 0)] {
            assert!(BusinessDay::from_date(y, m, d).is_err(), "{y}-{m}-{d}");
        }
        assert!(BusinessDay::from_date(2028, 2, 29).is_ok());
    }
}
