//! Duplicate keys in a JSON object: `{"amount":"1","amount":"1000000"}` means one thing to a
//! parser that keeps the first and another to one that keeps the last, so PayHub refuses it
//! rather than pick. A serde visitor walks the document once, keeping nothing but the keys of the
//! object it is in.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The first key that appears twice in one object of `bytes`, if any (`bytes` must be JSON).
pub fn duplicate_key(bytes: &[u8]) -> Option<String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match Walk.deserialize(&mut de) {
        Ok(()) => None,
        Err(e) => e
            .to_string()
            .strip_prefix(PREFIX)
            .map(|rest| rest.split(" at line ").next().unwrap_or(rest).to_owned()),
    }
}

const PREFIX: &str = "duplicate key ";

struct Walk;

impl<'de> DeserializeSeed<'de> for Walk {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("{PREFIX}{key:?}")));
            }
            map.next_value_seed(Walk)?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Walk)?.is_some() {}
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_twice_in_one_object_is_found_at_any_depth() {
        assert_eq!(duplicate_key(br#"{"a":1,"b":{"c":[{"d":1,"e":2}]}}"#), None);
        assert_eq!(duplicate_key(br#"{"a":1,"a":2}"#).as_deref(), Some("\"a\""));
        assert_eq!(
            duplicate_key(br#"{"items":[{"amount":"1","amount":"9"}]}"#).as_deref(),
            Some("\"amount\"")
        );
        assert_eq!(
            duplicate_key(br#"[{"a":1},{"a":1}]"#),
            None,
            "the same key in two objects"
        );
    }
}
