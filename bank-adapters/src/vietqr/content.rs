//! vietqr.md §2: the transfer content, and PayHub's reference found again in whatever the banks
//! pass on.
//!
//! Banking apps let the citizen edit the content, and banks pass it on altered: case changed,
//! spaces removed or added (inside the reference too), Vietnamese text with diacritics before or
//! after, punctuation, the bank's own prefix (`MBVCB.123456.`, `IBFT `). So the content is
//! reduced to its upper-case ASCII letters and digits, and every place `PH` is followed by 10 to
//! 12 of them gives a candidate. A candidate is only a question: the hub asks its database
//! whether a VietQR attempt has exactly that reference (all candidates in one indexed lookup),
//! so a false candidate matches nothing, and nothing is ever guessed from the amount.

/// What PayHub writes before the reference (`PH A7K2M9Q4ZT`).
pub const CONTENT_PREFIX: &str = "PH";

/// The shortest and longest reference of PayHub's (vietqr.md §2: 10–12 letters and digits).
const REFERENCE_LENGTHS: std::ops::RangeInclusive<usize> = 10..=12;

/// Candidates are bounded, so a hostile content costs a bounded lookup.
const MAX_CANDIDATES: usize = 48;

/// The content PayHub puts in the code for an attempt: `PH` + a space + the reference.
pub fn transfer_content(reference: &str) -> String {
    format!("{CONTENT_PREFIX} {reference}")
}

/// The references `content` may name, in the order they appear (longest first at each place);
/// empty when no `PH` is followed by enough letters and digits.
pub fn reference_candidates(content: &str) -> Vec<String> {
    let compact: Vec<u8> = content
        .chars()
        .map(crate::text::fold)
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase() as u8)
        .collect();
    let mut out: Vec<String> = Vec::new();
    let starts = compact
        .windows(CONTENT_PREFIX.len())
        .enumerate()
        .filter(|(_, w)| *w == CONTENT_PREFIX.as_bytes())
        .map(|(i, _)| i + CONTENT_PREFIX.len());
    for start in starts {
        for len in REFERENCE_LENGTHS.rev() {
            let Some(candidate) = compact.get(start..start + len) else {
                continue;
            };
            let candidate = String::from_utf8_lossy(candidate).into_owned();
            if !out.contains(&candidate) && out.len() < MAX_CANDIDATES {
                out.push(candidate);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const REF: &str = "A7K2M9Q4ZT";

    fn finds(content: &str, reference: &str) {
        let candidates = reference_candidates(content);
        assert!(
            candidates.iter().any(|c| c == reference),
            "{reference} not among {candidates:?} of {content:?}"
        );
    }

    #[test]
    fn the_content_is_ph_a_space_and_the_reference() {
        assert_eq!(transfer_content(REF), "PH A7K2M9Q4ZT");
        assert_eq!(reference_candidates("PH A7K2M9Q4ZT"), vec![REF.to_owned()]);
    }

    #[test]
    fn the_reference_is_found_in_lower_case() {
        finds("ph a7k2m9q4zt", REF);
        finds("Ph A7k2M9q4Zt", REF);
    }

    #[test]
    fn the_reference_is_found_with_spaces_removed_or_added() {
        finds("PHA7K2M9Q4ZT", REF);
        finds("PH  A7K2 M9Q4 ZT", REF);
        finds("P H A 7 K 2 M 9 Q 4 Z T", REF);
    }

    #[test]
    fn the_reference_is_found_with_vietnamese_text_before_or_after() {
        finds("Nguyễn Văn A chuyển tiền PH A7K2M9Q4ZT", REF);
        finds("PH A7K2M9Q4ZT Nguyễn Văn A nộp lệ phí hồ sơ", REF);
        finds("Phạm Thị Đào nộp phí PH A7K2M9Q4ZT đợt 1", REF);
        // The twelve letters after PH are offered first, then eleven, then ten.
        assert_eq!(
            reference_candidates("PH A7K2M9Q4ZT NGUYEN")[..3],
            ["A7K2M9Q4ZTNG", "A7K2M9Q4ZTN", "A7K2M9Q4ZT"]
        );
    }

    #[test]
    fn the_reference_is_found_with_diacritics_on_its_letters() {
        // A keyboard's Telex or VNI input turns letters into Vietnamese ones.
        finds("PH Ă7K2M9Q4ZT", REF);
        finds("ph Â7K2M9Q4ZT", REF);
        // Decomposed: A + combining breve.
        finds("PH A\u{306}7K2M9Q4ZT", REF);
    }

    #[test]
    fn the_reference_is_found_with_punctuation() {
        finds("PH-A7K2M9Q4ZT", REF);
        finds("PH:A7K2.M9Q4/ZT;", REF);
        finds("\"PH_A7K2M9Q4ZT\"", REF);
    }

    #[test]
    fn the_reference_is_found_after_a_bank_prefix() {
        finds("MBVCB.8812345.PH A7K2M9Q4ZT.Nguyen Van A chuyen tien", REF);
        finds("IBFT PH A7K2M9Q4ZT", REF);
        finds("MBVCB.123456.PHA7K2M9Q4ZT", REF);
    }

    #[test]
    fn a_twelve_letter_reference_is_found_too() {
        finds("IBFT ph a7k2 m9q4 xyz1 chuyen khoan", "A7K2M9Q4XYZ1");
    }

    #[test]
    fn a_content_without_a_reference_gives_no_candidate() {
        assert!(reference_candidates("").is_empty());
        assert!(reference_candidates("Nguyen Van A chuyen tien").is_empty());
        assert!(reference_candidates("PH 123").is_empty());
        assert!(reference_candidates("nộp tiền hồ sơ 000.00.12.H29").is_empty());
    }

    #[test]
    fn candidates_are_bounded_whatever_the_content() {
        let hostile = "PH".repeat(10_000);
        assert!(reference_candidates(&hostile).len() <= MAX_CANDIDATES);
    }
}
