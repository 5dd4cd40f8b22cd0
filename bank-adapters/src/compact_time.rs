//! `yyyyMMddHHmmss` wall-clock time in GMT+7, the time format of VNPAY and BIDV (vnpay.md §1,
//! bidv.md "Checksum"). Vietnam has no daylight saving time, so a fixed +07:00 offset is exact.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};

const FORMAT: &str = "%Y%m%d%H%M%S";

/// Vietnam's offset, +07:00.
pub(crate) fn gmt7() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset")
}

/// Formats `at` as GMT+7 wall-clock time, whatever offset `at` carries.
pub(crate) fn format(at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&gmt7()).format(FORMAT).to_string()
}

/// Formats a Unix time as GMT+7 wall-clock time.
pub(crate) fn format_unix(unix: i64) -> String {
    format(&from_unix(unix))
}

/// Parses exactly 14 digits as GMT+7 wall-clock time.
pub(crate) fn parse(text: &str) -> Option<DateTime<FixedOffset>> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDateTime::parse_from_str(text, FORMAT)
        .ok()?
        .and_local_timezone(gmt7())
        .single()
}

/// Parses `yyyyMMdd` (BIDV's statement header date).
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y%m%d").ok()
}

fn from_unix(unix: i64) -> DateTime<FixedOffset> {
    DateTime::from_timestamp(unix, 0)
        .expect("a Unix time from the clock is in chrono's range")
        .with_timezone(&gmt7())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_offset_is_written_as_gmt7_wall_clock() {
        let utc = DateTime::parse_from_rfc3339("2024-12-31T17:00:00Z").unwrap();
        assert_eq!(format(&utc), "20250101000000");
        // 2026-05-30T21:00:00+07:00
        assert_eq!(format_unix(1_780_149_600), "20260530210000");
    }

    #[test]
    fn parse_reads_gmt7_and_refuses_anything_but_14_digits() {
        let at = parse("20260530210455").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-05-30T21:04:55+07:00");
        for bad in [
            "2026053021045",
            "202605302104550",
            "2026-05-30T21",
            "20261330210455",
            "+2026053021045",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        assert!(parse_date("20260530").is_some());
        assert!(parse_date("20260532").is_none());
    }
}
