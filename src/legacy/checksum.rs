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
