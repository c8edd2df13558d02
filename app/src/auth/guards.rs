//! Who may do what, asked the same way everywhere: server functions call `get()`, plain
//! axum handlers take the same types as extractors. The guards of one request share one read
//! of its session and account ([`RequestAccount`]); every request reads it afresh, so a revoked
//! session stops at once.
//!
//! - [`SignedIn`]: a live session.
//! - [`SignedIn::unlocked`]: and SasaMum's PIN (if she set one) opened this session
//!   ([`Unlocked`] as an extractor).
//! - [`Mother`]: unlocked, and she consented to keeping health data.
//! - [`Contractor`]: a Fish Mouth account.
//! - [`HealthWorker`]: unlocked, and an operator let it register mothers who have texts only.
//! - [`Operator`]: an operator whose session passed the second factor.
//! - [`reauthenticate`]: her password again, before something that cannot be undone.
//! - [`parse_id`]: a row id from a request, 404 when it is not one.

use uuid::Uuid;

use crate::error::AppError;

/// A row id from a request. Anything that is not an id is a row that does not exist: 404,
/// the same answer as someone else's row, so ids cannot be probed.
pub fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw.trim()).map_err(|_| AppError::NotFound)
}

#[cfg(feature = "ssr")]
pub use checks::*;

#[cfg(feature = "ssr")]
mod checks {
    use axum::extract::{FromRef, FromRequestParts};
    use http::request::Parts;
    use uuid::Uuid;

    use crate::{
        auth::server::{
            session::RequestAccount,
            store::{self, Account, UserRow},
        },
        error::AppError,
        platform::{Services, audit, rate_limit, request_info},
    };

    /// An account with a live session.
    pub struct SignedIn {
        pub session_id: Uuid,
        pub user: UserRow,
        account: Account,
    }

    impl SignedIn {
        /// The account behind the request a server function is answering.
        pub async fn get() -> Result<Self, AppError> {
            Self::of(RequestAccount::current().await?)
        }

        /// The account, once its PIN (if any) has opened this session (see [`Self::unlocked`]).
        pub async fn get_unlocked() -> Result<Self, AppError> {
            Self::get().await?.unlocked()
        }

        fn of(account: Option<Account>) -> Result<Self, AppError> {
            let account = account.ok_or(AppError::Unauthorized)?;
            Ok(Self {
                session_id: account.session_id,
                user: account.user.clone(),
                account,
            })
        }

        /// Refuses with `Locked` while SasaMum's PIN (if she set one) has not opened this
        /// session lately: her health screens, exports and deletions wait for it.
        pub fn unlocked(self) -> Result<Self, AppError> {
            if self.account.unlocked {
                Ok(self)
            } else {
                Err(AppError::Locked)
            }
        }
    }

    /// A mother whose PIN (if any) opened this session and who consented to keeping her
    /// health data: what every health record needs. Without consent: 403.
    pub struct Mother {
        pub session_id: Uuid,
        pub user: UserRow,
    }

    impl Mother {
        pub async fn get() -> Result<Self, AppError> {
            let signed_in = SignedIn::get().await?.unlocked()?;
            if !signed_in.account.health_consent {
                return Err(AppError::Forbidden);
            }
            Ok(Self {
                session_id: signed_in.session_id,
                user: signed_in.user,
            })
        }
    }

    /// A Fish Mouth account. Any other account: 404, as if Fish Mouth were not there.
    pub struct Contractor {
        pub user: UserRow,
        /// Also an operator whose session passed the second factor: may import shared data.
        pub operator: bool,
    }

    impl Contractor {
        pub async fn get() -> Result<Self, AppError> {
            Self::of(SignedIn::get().await?)
        }

        fn of(signed_in: SignedIn) -> Result<Self, AppError> {
            if signed_in.user.product != "fishmouth" {
                return Err(AppError::NotFound);
            }
            Ok(Self {
                operator: signed_in.account.is_admin && signed_in.account.second_factor,
                user: signed_in.user,
            })
        }
    }

    /// A health worker: an account an operator let register mothers who have texts only,
    /// its PIN (if any) open. Anyone else: 403.
    pub struct HealthWorker {
        pub user: UserRow,
    }

    impl HealthWorker {
        pub async fn get() -> Result<Self, AppError> {
            let signed_in = SignedIn::get_unlocked().await?;
            if !signed_in.account.is_health_worker {
                return Err(AppError::Forbidden);
            }
            Ok(Self { user: signed_in.user })
        }
    }

    /// An operator (a platform admin) whose session passed the second factor. One who has
    /// not: `SecondFactor` (the pages link to the code form). Anyone else: 404, as if the
    /// admin pages did not exist.
    pub struct Operator {
        pub user_id: Uuid,
        pub session_id: Uuid,
        pub email: String,
        /// This session passed the second factor.
        pub passed: bool,
    }

    impl Operator {
        pub async fn get() -> Result<Self, AppError> {
            let operator = Self::pending().await?;
            if !operator.passed {
                return Err(AppError::SecondFactor);
            }
            Ok(operator)
        }

        /// The operator before the second factor: for the code form itself.
        pub async fn pending() -> Result<Self, AppError> {
            let account = RequestAccount::current()
                .await?
                .filter(|account| account.is_admin)
                .ok_or(AppError::NotFound)?;
            Ok(Self {
                user_id: account.user.id,
                session_id: account.session_id,
                email: account.user.email,
                passed: account.second_factor,
            })
        }
    }

    /// Her password again before something that cannot be undone (`action`, also the audit
    /// action): ten tries an hour per account, each wrong one audited and named on `field`.
    pub async fn reauthenticate(
        services: &Services,
        user: &UserRow,
        password: String,
        field: &'static str,
        action: &'static str,
    ) -> Result<(), AppError> {
        rate_limit::hit(
            &services.pool,
            &format!("reauthenticate:{action}:{}", user.id),
            rate_limit::Limit::per_hour(10),
        )
        .await?;
        let hash = store::password_hash(&services.pool, user.id).await?;
        if services.passwords.verify(password, hash).await? {
            return Ok(());
        }
        audit::record(
            &services.pool,
            &request_info(),
            Some(user.id),
            action,
            audit::Outcome::Failure,
            serde_json::json!({}),
        )
        .await?;
        Err(AppError::field(field, "that password is not right"))
    }

    impl<S: Send + Sync> FromRequestParts<S> for SignedIn
    where
        Services: FromRef<S>,
    {
        type Rejection = AppError;

        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
            let Some(request) = parts.extensions.get::<RequestAccount>() else {
                return Err(AppError::Unauthorized);
            };
            Self::of(request.get(&Services::from_ref(state).pool).await?)
        }
    }

    /// [`SignedIn::get_unlocked`] as an axum extractor: her files go only to a session her
    /// PIN (if she set one) opened.
    pub struct Unlocked(pub SignedIn);

    impl<S: Send + Sync> FromRequestParts<S> for Unlocked
    where
        Services: FromRef<S>,
    {
        type Rejection = AppError;

        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
            Ok(Self(SignedIn::from_request_parts(parts, state).await?.unlocked()?))
        }
    }

    impl<S: Send + Sync> FromRequestParts<S> for Contractor
    where
        Services: FromRef<S>,
    {
        type Rejection = AppError;

        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
            Self::of(SignedIn::from_request_parts(parts, state).await?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_anything_else_is_not_found() {
        let id = Uuid::new_v4();
        assert_eq!(parse_id(&format!(" {id} ")), Ok(id));
        for raw in ["", "42", "' OR 1=1 --", "00000000-0000-0000-0000-00000000000g"] {
            assert_eq!(parse_id(raw), Err(AppError::NotFound), "{raw:?}");
        }
    }
}
