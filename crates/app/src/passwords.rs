//! Password hashing with argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane). Hashing
//! takes tens of milliseconds of CPU, so it runs on the blocking pool, off the async workers,
//! and at most one hash per core runs at a time: more would only queue for the CPU while each
//! holds its 19 MiB.

use crate::error::AppError;
use crate::secrets::Entropy;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// One turn per core.
fn turns() -> &'static tokio::sync::Semaphore {
    static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    TURNS.get_or_init(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash(password: String, entropy: &dyn Entropy) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt);
    let _turn =
        turns().acquire().await.map_err(|e| AppError::internal_from("the queue of password hashes is closed", e))?;
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal_from("password hashing failed", e))
    })
    .await
    .map_err(|e| AppError::internal_from("password hashing task failed", e))?
}

/// Whether `password` matches `stored`. With no stored hash (an unknown e-mail), a dummy hash
/// is checked anyway so that both answers take the same time.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    let _turn =
        turns().acquire().await.map_err(|e| AppError::internal_from("the queue of password checks is closed", e))?;
    tokio::task::spawn_blocking(move || {
        let target = stored.as_deref().unwrap_or(DUMMY_HASH);
        let ok = hasher().verify_password(password.as_bytes(), target).is_ok();
        ok && stored.is_some()
    })
    .await
    .map_err(|e| AppError::internal_from("password check task failed", e))
}

/// The hash of a random string nobody knows, with the same parameters as real hashes.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Vq9Y7dkbYd9x3qCjG1Xo0xw8m0q7rQpF1rj8v7k1tHs";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::OsEntropy;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let h = hash("correct horse battery".into(), &OsEntropy).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery".into(), Some(h.clone())).await.unwrap());
        assert!(!verify("wrong horse battery".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }
}
