//! Making `vnp_OrderInfo` safe to send (vnpay.md §1: "ASCII without diacritics is safest", and
//! strip `* ~ ! ' ( )`, on which encoders disagree).

use super::pay::AMBIGUOUS;

/// The most characters `vnp_OrderInfo` may have (vnpay.md §1).
const MAX_CHARS: usize = 255;

/// Each base letter and every Vietnamese letter that reduces to it, in both cases.
const FOLDS: [(char, &str); 14] = [
    ('a', "àáảãạăằắẳẵặâầấẩẫậ"),
    ('A', "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"),
    ('e', "èéẻẽẹêềếểễệ"),
    ('E', "ÈÉẺẼẸÊỀẾỂỄỆ"),
    ('i', "ìíỉĩị"),
    ('I', "ÌÍỈĨỊ"),
    ('o', "òóỏõọôồốổỗộơờớởỡợ"),
    ('O', "ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"),
    ('u', "ùúủũụưừứửữự"),
    ('U', "ÙÚỦŨỤƯỪỨỬỮỰ"),
    ('y', "ỳýỷỹỵ"),
    ('Y', "ỲÝỶỸỴ"),
    ('d', "đ"),
    ('D', "Đ"),
];

/// Turns free text into a safe `vnp_OrderInfo`: Vietnamese letters lose their diacritics (`đ` →
/// `d`, `Đ` → `D`; composed or decomposed input alike), `* ~ ! ' ( )` and any other non-ASCII or
/// control character are removed, runs of whitespace become one space, and the result is cut to
/// 255 characters.
pub fn sanitize_order_info(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = fold(c);
        let c = if c.is_whitespace() { ' ' } else { c };
        let keep = c.is_ascii() && !c.is_ascii_control() && !AMBIGUOUS.contains(&c);
        if keep && !(c == ' ' && (out.is_empty() || out.ends_with(' '))) {
            out.push(c);
        }
    }
    let trimmed = out.trim_end();
    // Every character left is ASCII, so 255 bytes are 255 characters.
    trimmed[..trimmed.len().min(MAX_CHARS)]
        .trim_end()
        .to_owned()
}

/// A precomposed Vietnamese letter to its base letter; anything else unchanged. Decomposed input
/// (base letter + combining marks U+0300–U+036F) needs no table: its marks are non-ASCII and
/// dropped.
fn fold(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    FOLDS
        .iter()
        .find(|(_, variants)| variants.contains(c))
        .map_or(c, |&(base, _)| base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_letters_lose_their_diacritics() {
        assert_eq!(
            sanitize_order_info("Thanh toán lệ phí hồ sơ #123"),
            "Thanh toan le phi ho so #123"
        );
        assert_eq!(
            sanitize_order_info("Đăng ký đất đai Ưu tiên"),
            "Dang ky dat dai Uu tien"
        );
        // The same words decomposed (NFD): base letters and combining marks.
        assert_eq!(
            sanitize_order_info("Le\u{0302}\u{0323} phi\u{0301}"),
            "Le phi"
        );
    }

    #[test]
    fn ambiguous_and_control_characters_are_removed() {
        assert_eq!(
            sanitize_order_info("Phi (tham dinh)! * ~ 'x'"),
            "Phi tham dinh x"
        );
        assert_eq!(sanitize_order_info("  a\t\nb  €  "), "a b");
    }

    #[test]
    fn the_result_is_cut_to_255_characters() {
        let long = "ồ".repeat(300);
        assert_eq!(sanitize_order_info(&long), "o".repeat(255));
    }
}
