//! legacy-platform.md §"Transport and checksum": `MaXacThuc` is the lowercase hex SHA-256 (a
//! plain hash, not an HMAC) of the listed fields' values joined by `|`, with the partner's
//! secret appended as the last field; times are `yyyyMMddHHmmss` in GMT+7.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::clock::vietnam;

/// `sha256_hex(v1|v2|…|secret)`.
pub fn checksum(values: &[&str], secret: &str) -> String {
    let mut hasher = Sha256::new();
    for value in values {
        hasher.update(value.as_bytes());
        hasher.update(b"|");
    }
    hasher.update(secret.as_bytes());
    hex::encode(hasher.finalize())
}

/// Compares in constant time; an uppercase hex checksum is accepted (the hash is the same). A
/// value holding the separator `|` never verifies: the join would not fix where one field ends,
/// so text could move from one field into the next under the same checksum.
pub fn verify(values: &[&str], secret: &str, given: &str) -> bool {
    if values.iter().any(|v| v.contains('|')) {
        return false;
    }
    let expected = checksum(values, secret);
    let given = given.to_ascii_lowercase();
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// How far a message's `ThoiGianGD` may be from PayHub's clock: a signed message replayed later
/// is refused, as BIDV's are (bidv.md: 15 minutes), while clocks a few minutes apart still meet.
pub const MAX_SKEW_MINUTES: i64 = 15;

/// Why a message's `ThoiGianGD` is refused, if it is: not `yyyyMMddHHmmss`, or not within
/// [`MAX_SKEW_MINUTES`] of `now`.
pub fn time_problem(text: &str, now: DateTime<Utc>) -> Option<String> {
    let Some(sent) = parse_legacy_time(text) else {
        return Some("ThoiGianGD: must be yyyyMMddHHmmss (GMT+7)".into());
    };
    let skew = (now - sent).num_minutes();
    (skew.abs() > MAX_SKEW_MINUTES).then(|| {
        format!(
            "ThoiGianGD: {skew} minutes from PayHub's clock; at most {MAX_SKEW_MINUTES} allowed"
        )
    })
}

/// `yyyyMMddHHmmss` in GMT+7, read back.
pub fn parse_legacy_time(text: &str) -> Option<DateTime<Utc>> {
    use chrono::{NaiveDateTime, TimeZone};
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S").ok()?;
    let local = vietnam().from_local_datetime(&naive).single()?;
    Some(local.with_timezone(&Utc))
}

/// `yyyyMMddHHmmss` in GMT+7, 24-hour clock.
pub fn legacy_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam())
        .format("%Y%m%d%H%M%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_message_time_must_be_within_fifteen_minutes_of_the_clock() {
        let now = Utc.with_ymd_and_hms(2026, 5, 30, 7, 30, 5).unwrap(); // 14:30:05 GMT+7
        assert_eq!(time_problem("20260530143005", now), None);
        assert_eq!(time_problem("20260530141505", now), None);
        assert!(time_problem("20260530141404", now)
            .unwrap()
            .contains("minutes"));
        assert!(
            time_problem("20260530144606", now).is_some(),
            "from the future"
        );
        assert!(time_problem("2026-05-30 14:30", now)
            .unwrap()
            .contains("yyyyMMddHHmmss"));
        assert!(time_problem("20261330143005", now).is_some());
    }

    #[test]
    fn a_separator_moved_into_another_field_does_not_verify() {
        let sum = checksum(&["A|B", "C"], "s");
        assert_eq!(
            sum,
            checksum(&["A", "B|C"], "s"),
            "the join alone cannot tell them apart"
        );
        assert!(!verify(&["A|B", "C"], "s", &sum));
        assert!(!verify(&["A", "B|C"], "s", &sum));
        assert!(verify(&["A", "BC"], "s", &checksum(&["A", "BC"], "s")));
    }

    #[test]
    fn the_checksum_matches_a_vector_computed_independently() {
        // python3: hashlib.sha256(b"QUERY|1.0.6|STP_HANOI|REF-1|20260530143000|s3cret").hexdigest()
        let values = ["QUERY", "1.0.6", "STP_HANOI", "REF-1", "20260530143000"];
        assert_eq!(
            checksum(&values, "s3cret"),
            "17883016238440d165046b9e98d9ce5418de23ccbf33a4b300cfeaca98c09005"
        );
    }

    #[test]
    fn a_checksum_verifies_only_with_the_same_values_and_secret() {
        let values = ["00", "STP_HANOI", "REF-1", "20260530143000"];
        let good = checksum(&values, "s3cret");
        assert!(verify(&values, "s3cret", &good));
        assert!(verify(&values, "s3cret", &good.to_uppercase()));
        assert!(!verify(&values, "other", &good));
        assert!(!verify(
            &["01", "STP_HANOI", "REF-1", "20260530143000"],
            "s3cret",
            &good
        ));
        assert!(!verify(&values, "s3cret", ""));
    }

    #[test]
    fn times_are_written_in_gmt_plus_7_on_a_24_hour_clock() {
        let at = Utc.with_ymd_and_hms(2026, 5, 30, 7, 30, 5).unwrap();
        assert_eq!(legacy_time(at), "20260530143005");
    }
}
