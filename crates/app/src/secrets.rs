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

/// A secret sealed (ChaCha20-Poly1305) with a key derived from the server's key, for a secret
/// that must be read back later but never lie in the database in clear: an e-mail's link until
/// the e-mail is sent. `bound_to` (the e-mail's id) must be given again to open it, so a sealed
/// value copied onto another row does not open. The text is the nonce and the sealed bytes,
/// URL-safe base64.
pub fn seal(server_key: &[u8; 32], entropy: &dyn Entropy, bound_to: &str, secret: &str) -> String {
    use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
    let mut nonce = [0u8; NONCE_LEN];
    entropy.fill(&mut nonce);
    let key = sealing_key(server_key);
    // The key is 32 bytes, as the algorithm wants, so building it cannot fail.
    let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &key).expect("a 32-byte key"));
    let mut bytes = secret.as_bytes().to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(bound_to.as_bytes()), &mut bytes)
        .expect("a short secret fits the algorithm's limits");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&bytes);
    URL_SAFE_NO_PAD.encode(out)
}

/// The secret inside `sealed`, if it was sealed with this server's key for `bound_to`.
pub fn open(server_key: &[u8; 32], bound_to: &str, sealed: &str) -> Option<String> {
    use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, rest) = bytes.split_at(NONCE_LEN);
    let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &sealing_key(server_key)).ok()?);
    let mut rest = rest.to_vec();
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let plain = key.open_in_place(nonce, Aad::from(bound_to.as_bytes()), &mut rest).ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

/// A keyed hash (HMAC-SHA256 with a key derived from the server's key), in hex, for short
/// secrets that must be checked but never read back (recovery codes): unlike a plain hash, a
/// copy of the database alone cannot be searched for them.
pub fn keyed_hash(server_key: &[u8; 32], value: &str) -> String {
    let key: [u8; 32] =
        Sha256::new().chain_update(b"partnerhub keyed hash\n").chain_update(server_key).finalize().into();
    let tag = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key), value.as_bytes());
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The server's key is also the root of webhook secrets; sealing uses a key of its own made
/// from it, so that the two uses never share a key.
fn sealing_key(server_key: &[u8; 32]) -> [u8; 32] {
    Sha256::new().chain_update(b"partnerhub outbox seal\n").chain_update(server_key).finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_its_row() {
        let key = [9u8; 32];
        let sealed = seal(&key, &OsEntropy, "eml_1", "the-token");
        assert!(!sealed.contains("the-token"));
        assert_eq!(open(&key, "eml_1", &sealed).as_deref(), Some("the-token"));
        assert_eq!(open(&key, "eml_2", &sealed), None, "bound to its e-mail");
        assert_eq!(open(&[8u8; 32], "eml_1", &sealed), None, "another server's key");
        assert_ne!(sealed, seal(&key, &OsEntropy, "eml_1", "the-token"), "a fresh nonce each time");
        assert_eq!(open(&key, "eml_1", "not base64!"), None);
    }

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
