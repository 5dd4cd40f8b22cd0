//! The one place the adapters compute and check MACs and digests, so each rule is written and
//! reviewed once. Every signature check goes through [`Mac::verify_slice`], which compares in
//! constant time (vnpay.md §2, vcb.md "Signing": "compare in constant time").

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

type HmacSha256 = Hmac<Sha256>;
type HmacSha512 = Hmac<Sha512>;

/// Which letter case a received hex signature may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HexCase {
    /// Lowercase only: VCB and BIDV define their signatures as lowercase hex.
    Lower,
    /// Either case: vnpay.md §2 says to accept both.
    Any,
}

/// Lowercase hex of HMAC-SHA256(`key`, `msg`): VCB's `X-VCB-Signature` and BIDV's `ChuKy`.
pub fn hmac_sha256_hex(key: impl AsRef<[u8]>, msg: impl AsRef<[u8]>) -> String {
    hex::encode(
        hmac_sha256(key.as_ref(), msg.as_ref())
            .finalize()
            .into_bytes(),
    )
}

/// Lowercase hex of HMAC-SHA512(`key`, `msg`), 128 digits: VNPAY's `vnp_SecureHash`.
pub fn hmac_sha512_hex(key: impl AsRef<[u8]>, msg: impl AsRef<[u8]>) -> String {
    hex::encode(
        hmac_sha512(key.as_ref(), msg.as_ref())
            .finalize()
            .into_bytes(),
    )
}

/// Lowercase hex of SHA-256(`msg`): the trailer of BIDV's statement (statements.md "BIDV").
pub fn sha256_hex(msg: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(msg.as_ref()))
}

/// Whether `signature_hex` is HMAC-SHA256(`key`, `msg`), compared in constant time.
pub fn verify_hmac_sha256_hex(
    key: impl AsRef<[u8]>,
    msg: impl AsRef<[u8]>,
    signature_hex: &str,
    case: HexCase,
) -> bool {
    decode_signature(signature_hex, case).is_some_and(|sig| {
        hmac_sha256(key.as_ref(), msg.as_ref())
            .verify_slice(&sig)
            .is_ok()
    })
}

/// Whether `signature_hex` is HMAC-SHA512(`key`, `msg`), compared in constant time.
pub fn verify_hmac_sha512_hex(
    key: impl AsRef<[u8]>,
    msg: impl AsRef<[u8]>,
    signature_hex: &str,
    case: HexCase,
) -> bool {
    decode_signature(signature_hex, case).is_some_and(|sig| {
        hmac_sha512(key.as_ref(), msg.as_ref())
            .verify_slice(&sig)
            .is_ok()
    })
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts a key of any length");
    mac.update(msg);
    mac
}

fn hmac_sha512(key: &[u8], msg: &[u8]) -> HmacSha512 {
    let mut mac = HmacSha512::new_from_slice(key).expect("HMAC accepts a key of any length");
    mac.update(msg);
    mac
}

/// Decoding the attacker's hex need not be constant time: it holds no secret. Only the comparison
/// with our MAC must be.
fn decode_signature(signature_hex: &str, case: HexCase) -> Option<Vec<u8>> {
    if case == HexCase::Lower && signature_hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    hex::decode(signature_hex).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2 ("Jefe"), an outside reference for both HMACs.
    const KEY: &str = "Jefe";
    const MSG: &str = "what do ya want for nothing?";
    const SHA256: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        assert_eq!(hmac_sha256_hex(KEY, MSG), SHA256);
    }

    #[test]
    fn hmac_sha512_matches_rfc_4231() {
        assert_eq!(
            hmac_sha512_hex(KEY, MSG),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    #[test]
    fn sha256_of_abc_is_the_fips_vector() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn uppercase_hex_is_accepted_only_when_allowed() {
        let upper = SHA256.to_uppercase();
        assert!(verify_hmac_sha256_hex(KEY, MSG, SHA256, HexCase::Lower));
        assert!(verify_hmac_sha256_hex(KEY, MSG, &upper, HexCase::Any));
        assert!(!verify_hmac_sha256_hex(KEY, MSG, &upper, HexCase::Lower));
    }

    #[test]
    fn a_wrong_short_or_non_hex_signature_is_refused() {
        let mut wrong = SHA256.to_owned();
        wrong.replace_range(0..1, "6");
        for sig in [wrong.as_str(), &SHA256[..62], "", "zz", "not hex at all"] {
            assert!(
                !verify_hmac_sha256_hex(KEY, MSG, sig, HexCase::Any),
                "{sig}"
            );
        }
    }
}
