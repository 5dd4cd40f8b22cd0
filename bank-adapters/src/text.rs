//! Free text made safe for a bank: the specs' examples are ASCII without diacritics ("Le phi ho
//! so …", "NGUYEN VAN A"), and VNPAY says so outright (vnpay.md §1). Each bank module wraps this
//! with its own limits, so the hub never applies one bank's rule to another's text.

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

/// Vietnamese letters lose their diacritics (`đ` → `d`, `Đ` → `D`; composed or decomposed input
/// alike); characters in `drop`, and any other non-ASCII or control character, are removed; runs
/// of whitespace become one space; the result is cut to `max_chars`.
pub fn plain_ascii(text: &str, max_chars: usize, drop: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = fold(c);
        let c = if c.is_whitespace() { ' ' } else { c };
        let keep = c.is_ascii() && !c.is_ascii_control() && !drop.contains(&c);
        if keep && !(c == ' ' && (out.is_empty() || out.ends_with(' '))) {
            out.push(c);
        }
    }
    let trimmed = out.trim_end();
    // Every character left is ASCII, so `max_chars` bytes are `max_chars` characters.
    trimmed[..trimmed.len().min(max_chars)]
        .trim_end()
        .to_owned()
}

/// A precomposed Vietnamese letter to its base letter; anything else unchanged. Decomposed input
/// (base letter + combining marks U+0300–U+036F) needs no table: its marks are non-ASCII and
/// dropped.
pub(crate) fn fold(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    FOLDS
        .iter()
        .find(|(_, variants)| variants.contains(c))
        .map_or(c, |&(base, _)| base)
}
