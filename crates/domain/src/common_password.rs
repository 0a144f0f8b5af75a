//! Passwords too common to accept: a list shipped in the crate (`common_passwords.txt`) and the
//! shapes people make from it: digits or symbols around a listed word, look-alike characters
//! (`p@ssw0rd`), a word or a short run said twice, keyboard walks and runs of the alphabet.
//!
//! Decided (NIST SP 800-63B asks for a check against "commonly-used, expected, or compromised"
//! values without naming one): the list is ours, a few hundred entries, so that the check runs
//! without I/O; an attacker's guess list starts with exactly these shapes.

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("common_passwords.txt");

/// Runs people type by moving along the keyboard or the alphabet; read both ways.
const WALKS: [&str; 13] = [
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertzuiop",
    "azertyuiop",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
    "1q2w3e4r5t6y7u8i9o0p",
    "zaq1xsw2cde3vfr4bgt5nhy6mju7ki8lo9",
    "qweasdzxc",
    "147258369",
];

/// Walks typed on the number pad, in the orders people use.
const PAD_WALKS: [&str; 4] = ["789456123", "963852741", "741852963", "159753"];

fn listed() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect())
}

/// Whether `password` is on the list or made from it in one of the usual ways.
pub fn is_too_common(password: &str) -> bool {
    let plain: String = password.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    !plain.is_empty() && common_shape(&plain, 0)
}

fn common_shape(s: &str, depth: u8) -> bool {
    if listed().contains(s) || is_walk(s) {
        return true;
    }
    if let Some(unit) = repeated_unit(s)
        && (unit.chars().count() <= 4 || (depth < 2 && common_shape(unit, depth + 1)))
    {
        return true;
    }
    // A word with digits or symbols before or after it: `Password2027!`, `!!dragon99`.
    let core = s.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if core.is_empty() {
        return false;
    }
    [core.to_owned(), plain_letters(core, 'i'), plain_letters(core, 'l')].iter().any(|word| {
        listed().contains(word.as_str())
            || is_walk(word)
            || repeated_unit(word).is_some_and(|unit| depth < 2 && common_shape(unit, depth + 1))
            || (word != s && depth < 2 && word.len() >= 3 && common_shape(word, depth + 1))
    })
}

/// `p@ssw0rd` → `password`; a `1` may stand for `i` or `l`, so the caller tries both.
fn plain_letters(s: &str, one: char) -> String {
    s.chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '3' => 'e',
            '1' => one,
            '!' | '|' => 'i',
            '0' => 'o',
            '$' | '5' => 's',
            '7' | '+' => 't',
            '8' => 'b',
            other => other,
        })
        .collect()
}

/// The shortest text that `s` is two or more copies of.
fn repeated_unit(s: &str) -> Option<&str> {
    let n = s.len();
    (1..=n / 2)
        .filter(|len| n.is_multiple_of(*len) && s.is_char_boundary(*len))
        .map(|len| &s[..len])
        .find(|unit| s.as_bytes().chunks(unit.len()).all(|chunk| chunk == unit.as_bytes()))
}

/// Whether `s` is made wholly of pieces of at least three characters, each a stretch of a
/// keyboard walk or of the alphabet (forwards or backwards): `qwerty`, `1q2w3e4r5t6y`, `abc123`.
fn is_walk(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() < 4 || !s.is_ascii() {
        return false;
    }
    let on_a_walk = |piece: &[u8]| {
        WALKS.iter().chain(PAD_WALKS.iter()).any(|walk| {
            let forward = walk.as_bytes();
            let backward: Vec<u8> = forward.iter().rev().copied().collect();
            forward.windows(piece.len()).any(|w| w == piece) || backward.windows(piece.len()).any(|w| w == piece)
        })
    };
    // covered[i]: the first i bytes split into walk pieces.
    let mut covered = vec![false; bytes.len() + 1];
    covered[0] = true;
    for end in 3..=bytes.len() {
        covered[end] = (0..=end - 3).any(|start| covered[start] && on_a_walk(&bytes[start..end]));
    }
    covered[bytes.len()]
}

#[cfg(test)]
mod tests {
    use super::is_too_common;

    #[test]
    fn listed_passwords_and_their_usual_dress_are_refused() {
        for common in [
            "password1234",
            "Password123!",
            "P@ssw0rd2027!",
            "qwertyuiop12",
            "iloveyou iloveyou",
            "1q2w3e4r5t6y",
            "abc123abc123",
            "123456789012",
            "Welcome2027!!",
            "letmein12345",
            "dragon123456",
            "Summer2027Summer2027",
            "asdfasdfasdf",
            "administrator",
            "Partnerhub2027",
            "!!Football2026",
            "zxcvbnm123456",
            "qwertyqwerty",
            "ABCDEFGHIJKL",
            "9876543210987",
        ] {
            assert!(is_too_common(common), "{common:?} should be refused");
        }
    }

    #[test]
    fn passphrases_and_random_passwords_pass() {
        for fine in [
            "correct horse battery staple",
            "a brand new passphrase",
            "a new long passphrase",
            "wrong password!!",
            "9$kL3!mQ2#pZ",
            "Tr0ub4dor&3 riverbank",
            "minha senha secreta do portal",
            "839271650493",
        ] {
            assert!(!is_too_common(fine), "{fine:?} should pass");
        }
    }

    #[test]
    fn the_list_is_lower_case_without_spaces() {
        for line in super::LIST.lines().filter(|l| !l.starts_with('#')) {
            assert_eq!(line, line.trim().to_lowercase().replace(' ', ""), "{line:?}");
        }
        assert!(super::listed().len() > 400);
    }
}
