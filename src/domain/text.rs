//! The one rule for text from outside (API fields, path and query parameters, forms, the previous
//! platform's messages): bounded in length, and no control characters. NUL above all: PostgreSQL
//! refuses it in text, SQLite stores it, and neither is what a person typed.

use super::agency::FieldError;

/// The longest text any field or parameter may hold; fields with a rule of their own are
/// shorter (a dossier code, a name).
pub const MAX_CHARS: usize = 4000;

/// Line breaks and tabs may stand in free text (a note, a reason); every other control character
/// (C0, DEL, C1) may not.
pub fn is_refused_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// Why `value` is refused, if it is.
pub fn text_problem(value: &str, max_chars: usize) -> Option<String> {
    if let Some(c) = value.chars().find(|c| is_refused_char(*c)) {
        return Some(format!("contains the control character U+{:04X}", c as u32));
    }
    (value.chars().count() > max_chars).then(|| format!("is longer than {max_chars} characters"))
}

/// [`text_problem`] as a field error.
pub fn check_text(field: &str, value: &str, max_chars: usize) -> Result<(), FieldError> {
    match text_problem(value, max_chars) {
        Some(reason) => Err(FieldError::new(field, reason)),
        None => Ok(()),
    }
}

/// Every string of a JSON document (keys too) that breaks the rule, named by its path
/// (`payer.name`, `items[1].code`).
pub fn json_problems(value: &serde_json::Value) -> Vec<FieldError> {
    let mut problems = Vec::new();
    walk(value, "", &mut problems);
    problems
}

fn walk(value: &serde_json::Value, path: &str, problems: &mut Vec<FieldError>) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            let field = if path.is_empty() { "body" } else { path };
            problems.extend(check_text(field, s, MAX_CHARS).err());
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), problems);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let field = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                problems.extend(check_text(&field, key, 200).err());
                walk(item, &field, problems);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_and_other_control_characters_are_refused_and_line_breaks_are_not() {
        assert!(text_problem("a\u{0}b", 10).unwrap().contains("U+0000"));
        assert!(text_problem("a\u{1b}[31m", 10).is_some());
        assert!(text_problem("a\u{7f}", 10).is_some());
        assert!(text_problem("a\u{85}", 10).is_some());
        assert_eq!(text_problem("Nguyễn Văn A\r\nphường 2\t", 100), None);
        assert!(text_problem(&"đ".repeat(11), 10)
            .unwrap()
            .contains("longer than 10"));
        assert_eq!(text_problem(&"đ".repeat(10), 10), None);
    }

    #[test]
    fn a_json_document_names_each_bad_string_by_its_path() {
        let doc = json!({"payer": {"name": "A\u{0}"}, "items": [{"code": "ok"}, {"code": "\u{7}"}],
                         "k\u{0}": 1});
        let fields: Vec<String> = json_problems(&doc).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["items[1].code", "k\u{0}", "payer.name"]);
    }
}
