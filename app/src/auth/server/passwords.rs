//! argon2id hashing off the async runtime, behind a semaphore sized to the cores.
//! When too many hashes are already waiting, callers get `Busy` (503 + Retry-After)
//! instead of queueing without bound, so logins never stall the rest of the server.

use std::sync::{Arc, OnceLock};

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// OWASP Password Storage Cheat Sheet minimum for argon2id: m=19456 KiB, t=2, p=1.
fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19_456, 2, 1, None).expect("valid argon2 parameters"),
    )
}

#[derive(Clone)]
pub struct PasswordHasher {
    /// One permit per core: at most this many hashes run at once.
    running: Arc<Semaphore>,
    /// Permits for running plus waiting requests; when none is left, answer Busy.
    admitted: Arc<Semaphore>,
}

impl PasswordHasher {
    pub fn new(parallel: usize, max_waiting: usize) -> Self {
        Self {
            running: Arc::new(Semaphore::new(parallel.max(1))),
            admitted: Arc::new(Semaphore::new(parallel.max(1) + max_waiting)),
        }
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("argon2 hash: {e}"))
        })
        .await
    }

    /// Checks `password` against `phc`; with no stored hash, checks against a dummy one
    /// so that an unknown account takes the same time as a known one.
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool, AppError> {
        self.run(move || {
            let known = phc.is_some();
            let phc = phc.unwrap_or_else(|| dummy_hash().to_owned());
            let parsed = PasswordHash::new(&phc).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
            let matches = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
            Ok(known && matches)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, AppError> {
        let Ok(admitted) = self.admitted.clone().try_acquire_owned() else {
            return Err(AppError::Busy { retry_after_secs: 1 });
        };
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| anyhow::anyhow!("hasher closed: {e}"))?;
        // The permits travel with the hash: a cancelled request cannot free them while it still runs.
        let task = tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            work()
        });
        Ok(task.await.map_err(|e| anyhow::anyhow!("argon2 task: {e}"))??)
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"no such account: dummy password", &salt)
            .expect("hash the dummy password")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_owasp_parameters_and_verifies() {
        let hasher = PasswordHasher::new(1, 4);
        let phc = hasher.hash("correct horse battery".into()).await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            hasher
                .verify("correct horse battery".into(), Some(phc.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("wrong horse battery".into(), Some(phc))
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn long_passwords_are_never_truncated() {
        let hasher = PasswordHasher::new(1, 4);
        let long = "x1".repeat(64);
        let phc = hasher.hash(long.clone()).await.expect("hash");
        assert!(hasher.verify(long.clone(), Some(phc.clone())).await.expect("verify"));
        assert!(!hasher.verify(long[..127].to_owned(), Some(phc)).await.expect("verify"));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = PasswordHasher::new(1, 4);
        assert!(
            !hasher
                .verify("no such account: dummy password".into(), None)
                .await
                .expect("verify")
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_answers_busy_instead_of_waiting() {
        let hasher = PasswordHasher::new(1, 1);
        // All six start before any finishes: one runs, one waits, the rest are refused.
        let calls: Vec<_> = (0..6)
            .map(|_| {
                let h = hasher.clone();
                tokio::spawn(async move { h.hash("a long enough password".into()).await })
            })
            .collect();
        let mut results = Vec::new();
        for call in calls {
            results.push(call.await.expect("task"));
        }
        let busy = results
            .iter()
            .filter(|r| matches!(r, Err(AppError::Busy { .. })))
            .count();
        let done = results.iter().filter(|r| r.is_ok()).count();
        assert!(busy >= 1, "some calls are refused");
        assert!(done >= 1, "admitted calls complete");
        assert_eq!(busy + done, 6);
    }
}
