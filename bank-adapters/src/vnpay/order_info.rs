//! Making `vnp_OrderInfo` safe to send (vnpay.md §1: "ASCII without diacritics is safest", and
//! strip `* ~ ! ' ( )`, on which encoders disagree).

use super::pay::AMBIGUOUS;

/// The most characters `vnp_OrderInfo` may have (vnpay.md §1).
const MAX_CHARS: usize = 255;

/// Turns free text into a safe `vnp_OrderInfo`: Vietnamese letters lose their diacritics (`đ` →
/// `d`, `Đ` → `D`; composed or decomposed input alike), `* ~ ! ' ( )` and any other non-ASCII or
/// control character are removed, runs of whitespace become one space, and the result is cut to
/// 255 characters.
pub fn sanitize_order_info(text: &str) -> String {
    crate::text::plain_ascii(text, MAX_CHARS, &AMBIGUOUS)
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
