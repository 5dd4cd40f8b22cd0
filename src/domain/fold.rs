//! Names as finance staff type them into a search box: without accents, in lower case, spaces
//! collapsed. "Nguyễn Văn Ánh", "nguyen van anh" and "NGUYEN  VAN ANH" fold to the same text.

/// Vietnamese letters with diacritics, grouped by the plain letter they fold to (lower case;
/// upper case is lowered first).
const GROUPS: [(char, &str); 6] = [
    ('a', "àáảãạăằắẳẵặâầấẩẫậ"),
    ('e', "èéẻẽẹêềếểễệ"),
    ('i', "ìíỉĩị"),
    ('o', "òóỏõọôồốổỗộơờớởỡợ"),
    ('u', "ùúủũụưừứửữự"),
    ('y', "ỳýỷỹỵ"),
];

fn plain(c: char) -> char {
    if c == 'đ' {
        return 'd';
    }
    GROUPS
        .iter()
        .find(|(_, marked)| marked.contains(c))
        .map_or(c, |(base, _)| *base)
}

/// The folded form stored beside a payer's name and compared with a folded query.
pub fn fold_name(name: &str) -> String {
    let lowered: String = name
        .chars()
        .flat_map(char::to_lowercase)
        .map(plain)
        .collect();
    lowered.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::fold_name;

    #[test]
    fn accents_case_and_spacing_fold_away() {
        assert_eq!(fold_name("Nguyễn Văn Ánh"), "nguyen van anh");
        assert_eq!(fold_name("  ĐẶNG   Quốc Huy "), "dang quoc huy");
        assert_eq!(fold_name("Bùi Thị Lan"), fold_name("bui thi lan"));
        assert_eq!(fold_name("Trương Ưởng Ỷ"), "truong uong y");
    }
}
