//! Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA1, 30-second steps, six
//! digits, a step either side of now accepted for clocks that drift, and no step accepted
//! twice. Also the Base32 text of a secret (RFC 4648) and the `otpauth://` link that
//! authenticator apps read from a QR code, and the recovery codes' shape.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one.
pub const DRIFT_STEPS: i64 = 1;
/// A secret's length: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;

/// The step that the Unix time `unix_seconds` falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code for `step` (RFC 4226's dynamic truncation of the HMAC).
pub fn code_at(secret: &[u8], step: i64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    bin % 10u32.pow(DIGITS)
}

/// The code as it is shown and typed: six digits, with leading zeros.
pub fn format_code(code: u32) -> String {
    format!("{code:0width$}", width = DIGITS as usize)
}

/// The step `typed` is the code of, among the steps around `now_step`, if it is newer than
/// `last_used_step` (a code used once is refused after). Spaces in what was typed are ignored.
pub fn accepted_step(secret: &[u8], typed: &str, now_step: i64, last_used_step: i64) -> Option<i64> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = digits.parse().ok()?;
    (now_step - DRIFT_STEPS..=now_step + DRIFT_STEPS)
        .filter(|step| *step > last_used_step)
        .find(|step| constant_time_eq(code_at(secret, *step), typed))
}

fn constant_time_eq(a: u32, b: u32) -> bool {
    (a ^ b) == 0
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 Base32 without padding, as authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The bytes of an unpadded Base32 text; `None` if it is not one.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let value = BASE32.iter().position(|b| *b == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The secret shown for typing by hand: Base32 in groups of four.
pub fn grouped(base32: &str) -> String {
    base32.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// The link a QR code carries for an authenticator app: the program's name as issuer and the
/// person's e-mail as the account.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(account),
        base32(secret)
    )
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// How many recovery codes a person gets at a time.
pub const RECOVERY_CODES: usize = 10;

/// Crockford's Base32 alphabet: no I, L, O or U, so nothing reads as something else.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A recovery code: ten characters, five random bits each (50 bits), shown as two groups of
/// five.
pub fn recovery_code(random: &[u8; 10]) -> String {
    let chars: String = random.iter().map(|b| char::from(RECOVERY_ALPHABET[usize::from(b % 32)])).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// What was typed, read as a recovery code (case, spaces and the dash do not matter; an O is
/// read as a zero and an I or L as a one), or `None` if it has not the shape of one.
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let chars: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            c => c,
        })
        .collect();
    (chars.len() == 10 && chars.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
        .then(|| format!("{}-{}", &chars[..5], &chars[5..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // RFC 6238, appendix B: the SHA-1 secret is the ASCII of "12345678901234567890"; the
    // appendix gives eight digits, of which a six-digit code is the last six.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfcs_test_vectors() {
        for (time, eight_digits) in [
            (59, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(code_at(RFC_SECRET, step_at(time)), eight_digits % 1_000_000, "at {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_never_twice() {
        let now = step_at(1_234_567_890);
        for step in [now - 1, now, now + 1] {
            let typed = format_code(code_at(RFC_SECRET, step));
            assert_eq!(accepted_step(RFC_SECRET, &typed, now, 0), Some(step));
            assert_eq!(accepted_step(RFC_SECRET, &typed, now, step), None, "used once already");
        }
        let too_old = format_code(code_at(RFC_SECRET, now - 2));
        assert_eq!(accepted_step(RFC_SECRET, &too_old, now, 0), None);
    }

    #[test]
    fn only_six_digits_are_a_code() {
        let now = step_at(59);
        let code = format_code(code_at(RFC_SECRET, now));
        assert_eq!(accepted_step(RFC_SECRET, &format!(" {} {} ", &code[..3], &code[3..]), now, 0), Some(now));
        for typed in ["", "12345", "1234567", "abcdef", "-12345"] {
            assert_eq!(accepted_step(RFC_SECRET, typed, now, 0), None, "{typed:?}");
        }
    }

    #[test]
    fn base32_matches_rfc_4648() {
        for (bytes, text) in [
            (&b""[..], ""),
            (b"f", "MY"),
            (b"fo", "MZXQ"),
            (b"foo", "MZXW6"),
            (b"foob", "MZXW6YQ"),
            (b"fooba", "MZXW6YTB"),
            (b"foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(bytes), text);
        }
        assert_eq!(grouped("MZXW6YTBOI"), "MZXW 6YTB OI");
        assert_eq!(base32_decode("MZXW6YTBOI").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(base32_decode("MZ1"), None);
    }

    #[test]
    fn the_otpauth_link_names_issuer_and_account() {
        let uri = otpauth_uri("Contoso Partners", "ada@contoso.example", b"foobar");
        assert_eq!(
            uri,
            "otpauth://totp/Contoso%20Partners:ada@contoso.example?secret=MZXW6YTBOI&issuer=Contoso%20Partners&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn recovery_codes_read_back_however_they_are_typed() {
        let code = recovery_code(&[10, 11, 12, 13, 14, 15, 16, 17, 0, 31]);
        assert_eq!(code, "abcde-fgh0z");
        assert_eq!(normalize_recovery_code(" ABCDE FGHOZ ").as_deref(), Some("abcde-fgh0z"));
        assert_eq!(normalize_recovery_code("abcde-fghj"), None);
        assert_eq!(normalize_recovery_code("abcde-fghju"), None, "no U in the alphabet");
        assert_eq!(normalize_recovery_code("123456"), None);
    }

    proptest! {
        #[test]
        fn every_code_has_six_digits(secret in proptest::collection::vec(any::<u8>(), 1..64), step in 0i64..i64::MAX / 2) {
            prop_assert_eq!(format_code(code_at(&secret, step)).len(), 6);
        }

        #[test]
        fn base32_reads_back(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(base32_decode(&base32(&bytes)), Some(bytes));
        }

        #[test]
        fn recovery_codes_are_normalised_to_themselves(random in any::<[u8; 10]>()) {
            let code = recovery_code(&random);
            prop_assert_eq!(normalize_recovery_code(&code), Some(code.clone()));
        }
    }
}
