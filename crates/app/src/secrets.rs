//! Randomness, and the secrets made from it: ids, session and API tokens, invitation links,
//! generated passwords. Only hashes of secrets are ever stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The one source of randomness; tests may supply their own.
pub trait Entropy: Send + Sync {
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's cryptographic generator.
#[derive(Debug, Default)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) {
        rand::fill(buf);
    }
}

/// A secret the user holds: 32 random bytes, URL-safe, with a prefix saying what it is for.
pub fn new_secret(entropy: &dyn Entropy, prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    entropy.fill(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// How a secret is kept: its SHA-256, in hex. A fast hash is right here because the secrets
/// are long and random; passwords, which people choose, use argon2id instead.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 32-byte key from a key text (`PARTNERHUB_SECRET_KEY`, a key file): its SHA-256, so that
/// any long random text will do.
/// The token of a signed-in browser's forms (CSRF): derived from its session secret, so that a
/// token planted by another site, or taken from another session's page, does not pass. The
/// label keeps it apart from the session's stored hash (see [`hash_secret`]); it reveals nothing
/// of the session secret itself.
pub fn form_token(session_secret: &str) -> String {
    let digest =
        Sha256::new().chain_update(b"partnerhub form token\n").chain_update(session_secret.as_bytes()).finalize();
    URL_SAFE_NO_PAD.encode(digest)
}

pub fn key_from_text(text: &str) -> [u8; 32] {
    Sha256::digest(text.trim().as_bytes()).into()
}

pub fn random_bytes16(entropy: &dyn Entropy) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    entropy.fill(&mut bytes);
    bytes
}

pub fn random_u32(entropy: &dyn Entropy) -> u32 {
    let mut bytes = [0u8; 4];
    entropy.fill(&mut bytes);
    u32::from_le_bytes(bytes)
}

/// A password for a new staff account, printed once: 20 characters from an unambiguous
/// alphabet (about 110 bits).
pub fn generated_password(entropy: &dyn Entropy) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    entropy.fill(&mut bytes);
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_differ_and_hashes_are_stable() {
        let a = new_secret(&OsEntropy, "ph_");
        let b = new_secret(&OsEntropy, "ph_");
        assert_ne!(a, b);
        assert!(a.starts_with("ph_"));
        assert_eq!(hash_secret(&a), hash_secret(&a));
        assert_eq!(hash_secret(&a).len(), 64);
        assert!(!hash_secret(&a).contains(&a[3..]));
    }
}
