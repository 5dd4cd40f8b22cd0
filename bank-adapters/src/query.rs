//! Form-encoded query strings as browsers and banks send them: `+` is a space, `%XX` a byte.
//! Bank-specific canonical *encodings* live in each bank's `wire.rs`; decoding is the same for all.

/// Splits `query` (with or without a leading `?`) into decoded pairs, in order.
pub(crate) fn decode_pairs(query: &str) -> Result<Vec<(String, String)>, String> {
    let query = query.strip_prefix('?').unwrap_or(query);
    query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (key, value) = segment.split_once('=').unwrap_or((segment, ""));
            Ok((decode(key)?, decode(value)?))
        })
        .collect()
}

fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // Two hex digits, nothing else: `from_str_radix` alone would take `%+1` as 0x01.
                let byte = bytes
                    .get(i + 1..i + 3)
                    .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .ok_or_else(|| format!("bad percent-escape in {:?}", excerpt(text)))?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("{:?} does not decode to UTF-8", excerpt(text)))
}

/// RFC 3986 percent-encoding of one path segment or query value: unreserved bytes stay.
pub(crate) fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn excerpt(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_is_a_space_and_escapes_are_bytes() {
        let pairs = decode_pairs("?a=Thanh+to%C3%A1n&b=%2B1&&flag&c=").unwrap();
        let expect = [("a", "Thanh toán"), ("b", "+1"), ("flag", ""), ("c", "")];
        assert_eq!(pairs.len(), expect.len());
        for ((k, v), (ek, ev)) in pairs.iter().zip(expect) {
            assert_eq!((k.as_str(), v.as_str()), (ek, ev));
        }
    }

    #[test]
    fn broken_escapes_and_invalid_utf8_are_refused() {
        for bad in ["a=%", "a=%4", "a=%zz", "a=%FF", "a=%+1", "a=%-1"] {
            assert!(decode_pairs(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn components_keep_only_unreserved_bytes() {
        assert_eq!(encode_component("A7K2 M9/Q4~"), "A7K2%20M9%2FQ4~");
    }
}
