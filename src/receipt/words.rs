//! Amounts in Vietnamese words, as a receipt writes them ("Bằng chữ"): "Một triệu hai trăm năm
//! mươi nghìn đồng". The reading rules: "lẻ" for a zero tens digit after hundreds ("một trăm lẻ
//! năm"), "mốt" for 1 after a tens digit of 2-9, "tư" for 4 after 2-9, "lăm" for 5 after any tens
//! digit, and "không trăm" when a group after the first has no hundreds.

use payhub_money::Vnd;

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];
/// Units of the groups of three digits below a billion; billions repeat the scale ("nghìn tỷ").
const SCALES: [&str; 3] = ["", "nghìn", "triệu"];
const BILLION: i64 = 1_000_000_000;

/// The amount in words, capitalised, ending in "đồng".
pub fn vnd_in_words(amount: Vnd) -> String {
    let dong = amount.dong();
    let words = if dong == 0 {
        "không".to_owned()
    } else {
        number_words(dong, true)
    };
    let mut chars = words.chars();
    let first = chars.next().map(|c| c.to_uppercase().to_string());
    format!("{}{} đồng", first.unwrap_or_default(), chars.as_str())
}

/// `n > 0` in words; `leading` when nothing is read before it (so no "không trăm" in front).
fn number_words(n: i64, leading: bool) -> String {
    if n >= BILLION {
        let mut words = format!("{} tỷ", number_words(n / BILLION, leading));
        let rest = n % BILLION;
        if rest > 0 {
            words.push(' ');
            words.push_str(&number_words(rest, false));
        }
        return words;
    }
    let groups = [n / 1_000_000, n / 1000 % 1000, n % 1000];
    let mut parts: Vec<String> = Vec::new();
    let mut first = leading;
    for (i, group) in groups.iter().enumerate() {
        if *group == 0 {
            continue;
        }
        let mut words = group_words(*group, first);
        let scale = SCALES[2 - i];
        if !scale.is_empty() {
            words.push(' ');
            words.push_str(scale);
        }
        parts.push(words);
        first = false;
    }
    parts.join(" ")
}

/// One group of three digits (1..=999).
fn group_words(n: i64, leading: bool) -> String {
    let (hundreds, tens, units) = (
        (n / 100) as usize,
        (n / 10 % 10) as usize,
        (n % 10) as usize,
    );
    let mut words: Vec<&str> = Vec::new();
    let has_hundreds = hundreds > 0 || !leading;
    if has_hundreds {
        words.extend([DIGITS[hundreds], "trăm"]);
    }
    match tens {
        0 if units > 0 && has_hundreds => words.extend(["lẻ", DIGITS[units]]),
        0 if units > 0 => words.push(DIGITS[units]),
        0 => {}
        1 => {
            words.push("mười");
            match units {
                0 => {}
                5 => words.push("lăm"),
                u => words.push(DIGITS[u]),
            }
        }
        t => {
            words.extend([DIGITS[t], "mươi"]);
            match units {
                0 => {}
                1 => words.push("mốt"),
                4 => words.push("tư"),
                5 => words.push("lăm"),
                u => words.push(DIGITS[u]),
            }
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(dong: i64) -> String {
        vnd_in_words(Vnd::from_dong(dong).unwrap())
    }

    #[test]
    fn fees_from_the_reference_data_read_as_a_receipt_writes_them() {
        for (dong, text) in [
            (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
            (8_000, "Tám nghìn đồng"),
            (2_000, "Hai nghìn đồng"),
            (200_000, "Hai trăm nghìn đồng"),
            (205_000, "Hai trăm lẻ năm nghìn đồng"),
            (650_000, "Sáu trăm năm mươi nghìn đồng"),
            (923_000, "Chín trăm hai mươi ba nghìn đồng"),
            (1_351_000, "Một triệu ba trăm năm mươi mốt nghìn đồng"),
            (400_000, "Bốn trăm nghìn đồng"),
            (10_000_000, "Mười triệu đồng"),
        ] {
            assert_eq!(words(dong), text, "{dong}");
        }
    }

    #[test]
    fn le_mot_tu_and_lam_follow_the_spoken_rules() {
        for (dong, text) in [
            (5, "Năm đồng"),
            (15, "Mười lăm đồng"),
            (14, "Mười bốn đồng"),
            (11, "Mười một đồng"),
            (21, "Hai mươi mốt đồng"),
            (24, "Hai mươi tư đồng"),
            (25, "Hai mươi lăm đồng"),
            (105, "Một trăm lẻ năm đồng"),
            (110, "Một trăm mười đồng"),
            (1_004, "Một nghìn không trăm lẻ bốn đồng"),
            (1_000_500, "Một triệu năm trăm đồng"),
            (1_005_000, "Một triệu không trăm lẻ năm nghìn đồng"),
            (3_054_000, "Ba triệu không trăm năm mươi tư nghìn đồng"),
        ] {
            assert_eq!(words(dong), text, "{dong}");
        }
    }

    #[test]
    fn billions_and_the_largest_order_total_read_with_ty() {
        assert_eq!(words(1_000_000_000), "Một tỷ đồng");
        assert_eq!(
            words(2_500_000_015),
            "Hai tỷ năm trăm triệu không trăm mười lăm đồng"
        );
        assert_eq!(words(1_000_000_000_000), "Một nghìn tỷ đồng");
        assert_eq!(words(0), "Không đồng");
    }
}
