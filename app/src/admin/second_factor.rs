//! Operators' second factor: TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) with ten
//! single-use recovery codes, required by every /admin page and admin call. An operator
//! without one sets it up on the first admin page they open; each new session asks for a code.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};

use crate::components::{Submit, last_error, successes};
use crate::error::AppError;

/// What the gate shows: a setup (first time) or a request for a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorState {
    /// This session has passed: nothing to show.
    pub passed: bool,
    /// Not yet set up: the key to add to an authenticator app, and the recovery codes.
    pub setup: Option<Setup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    /// Base32, as authenticator apps take it.
    pub key: String,
    /// `otpauth://totp/…`, for apps that open links.
    pub uri: String,
    pub recovery_codes: Vec<String>,
}

#[server(prefix = "/api/admin", endpoint = "second-factor", input = GetUrl)]
pub async fn second_factor_status() -> Result<SecondFactorState, AppError> {
    let operator = crate::auth::guards::Operator::pending().await?;
    if operator.passed {
        return Ok(SecondFactorState {
            passed: true,
            setup: None,
        });
    }
    let services = crate::platform::services()?;
    let enrolment = ssr::enrolment(&services, operator.user_id).await?;
    Ok(SecondFactorState {
        passed: false,
        setup: (!enrolment.confirmed).then(|| Setup {
            key: ssr::base32(&enrolment.secret),
            uri: ssr::otpauth_uri(&operator.email, &enrolment.secret),
            recovery_codes: ssr::recovery_codes(&enrolment.secret),
        }),
    })
}

/// Checks a code from the authenticator app (or, once set up, a recovery code) and marks
/// this session as having passed. The first code confirms the setup.
#[server(prefix = "/api/admin", endpoint = "second-factor-check")]
pub async fn check_second_factor(code: String) -> Result<(), AppError> {
    use crate::platform::{
        audit::{self, Outcome},
        rate_limit::{self, Limit},
    };
    let operator = crate::auth::guards::Operator::pending().await?;
    let services = crate::platform::services()?;
    // Five wrong codes in five minutes, across all of the operator's sessions: a million
    // codes cannot be walked through. A right code takes its try back.
    let limit = Limit {
        max: 5,
        window: std::time::Duration::from_secs(300),
    };
    let tries = format!("second-factor:{}", operator.user_id);
    rate_limit::hit(&services.pool, &tries, limit).await?;
    let enrolment = ssr::enrolment(&services, operator.user_id).await?;
    let request = crate::platform::request_info();
    let mut tx = services.pool.begin().await?;
    let how = ssr::accept(&mut tx, operator.user_id, &enrolment, &code).await?;
    let Some(how) = how else {
        audit::record(
            &services.pool,
            &request,
            Some(operator.user_id),
            "admin.second_factor",
            Outcome::Denied,
            serde_json::json!({}),
        )
        .await?;
        return Err(AppError::field(
            "code",
            "that code is not right: enter the 6 digits your app shows now",
        ));
    };
    super::store::mark_second_factor(&mut tx, operator.session_id, operator.user_id).await?;
    let detail = serde_json::json!({ "with": how });
    audit::success(&mut *tx, &request, operator.user_id, "admin.second_factor", detail).await?;
    tx.commit().await?;
    rate_limit::undo(&services.pool, &tries, limit).await?;
    Ok(())
}

/// `/admin/verify`: the second factor (set up the first time), asked for by every admin page
/// until this session has passed it. Its data is loaded at the top of the page, so the
/// server's render and the browser's hydration always agree.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let check = ServerAction::<CheckSecondFactor>::new();
    let passed = successes(check.value());
    // Passed: on to the admin pages.
    Effect::new(move |_| {
        if passed.get() > 0 {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href("/admin");
        }
    });
    let status = Resource::new(move || passed.get(), |_| second_factor_status());
    let error = last_error(check.value());
    view! {
        <leptos_meta::Title text="Admin: confirm it is you"/>
        <h1>"Confirm it is you"</h1>
        <Suspense fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(SecondFactorState { setup: Some(setup), .. }) => view! {
                        <section class="card">
                            <h2>"Set up your authenticator app"</h2>
                            <p>"Admin pages need a second step at every sign-in. Add this key to an authenticator app (such as Aegis, Google Authenticator or 1Password), then enter the 6-digit code it shows."</p>
                            <p><code class="secret-key">{setup.key.clone()}</code></p>
                            <p><a href=setup.uri.clone()>"Open in an authenticator app on this device"</a></p>
                            <h2>"Recovery codes"</h2>
                            <p>"Each one works once, if you lose your phone. Keep them somewhere safe: they are not shown again."</p>
                            <ul class="recovery-codes">
                                {setup.recovery_codes.iter().map(|c| view! { <li><code>{c.clone()}</code></li> }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                    Ok(SecondFactorState { passed: true, .. }) => view! {
                        <p>"Done for this session." " " <a href="/admin">"Open the admin pages"</a></p>
                    }.into_any(),
                    Ok(_) => view! {
                        <p>"Enter the 6-digit code from your authenticator app, or one of your recovery codes."</p>
                    }.into_any(),
                    Err(_) => view! { <crate::not_found::NotFound/> }.into_any(),
                }
            })}
        </Suspense>
        <ActionForm action=check attr:class="card">
            <div class="field">
                <label for="second-factor-code">"Code"</label>
                <input id="second-factor-code" name="code" inputmode="numeric" autocomplete="one-time-code" required/>
            </div>
            <Submit label="Continue" error/>
        </ActionForm>
    }
}

#[cfg(feature = "ssr")]
pub use ssr::{code_at, recovery_codes_for};

#[cfg(feature = "ssr")]
pub(super) mod ssr {
    use hmac::{Hmac, Mac};
    use sha1::Sha1;
    use sha2::{Digest, Sha256};
    use sqlx::PgConnection;
    use uuid::Uuid;

    use super::super::store;
    use crate::error::AppError;
    use crate::platform::{Services, crypto::Place};

    const STEP_SECS: i64 = 30;
    const RECOVERY_CODES: usize = 10;

    pub struct Enrolment {
        pub secret: Vec<u8>,
        pub confirmed: bool,
        last_step: i64,
    }

    fn place(user_id: Uuid) -> Place<'static> {
        Place::new("operator_mfa", user_id)
    }

    /// The operator's secret, made on first use (kept, unconfirmed, until a code matches).
    pub async fn enrolment(services: &Services, user_id: Uuid) -> Result<Enrolment, AppError> {
        let fresh = {
            use aes_gcm::aead::rand_core::RngCore;
            let mut secret = [0u8; 20];
            argon2::password_hash::rand_core::OsRng.fill_bytes(&mut secret);
            services.health_key.seal(place(user_id), &base32(&secret))
        };
        let (sealed, confirmed, last_step) = store::enrolment(&services.pool, user_id, fresh).await?;
        let encoded = services
            .health_key
            .open(place(user_id), &sealed)
            .map_err(|e| anyhow::anyhow!(e))?;
        let secret = data_encoding::BASE32_NOPAD
            .decode(encoded.as_bytes())
            .map_err(|e| anyhow::anyhow!(e))?;
        Ok(Enrolment {
            secret,
            confirmed,
            last_step,
        })
    }

    /// How the code was accepted ("totp" or "recovery_code"), or None. A TOTP code is taken
    /// one step either side of now (clock drift) and never for a step already used.
    pub async fn accept(
        tx: &mut PgConnection,
        user_id: Uuid,
        enrolment: &Enrolment,
        code: &str,
    ) -> Result<Option<&'static str>, AppError> {
        let code: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if let Some(step) = matching_step(&enrolment.secret, &code, now, enrolment.last_step) {
            // The row lock makes two racing uses of one code count once.
            let taken = store::take_totp_step(&mut *tx, user_id, step).await?;
            if taken && !enrolment.confirmed {
                let hashes: Vec<Vec<u8>> = recovery_codes(&enrolment.secret)
                    .iter()
                    .map(|c| recovery_hash(c))
                    .collect();
                store::insert_recovery_codes(&mut *tx, user_id, &hashes).await?;
            }
            return Ok(taken.then_some("totp"));
        }
        if !enrolment.confirmed {
            return Ok(None);
        }
        let used = store::use_recovery_code(&mut *tx, user_id, &recovery_hash(&code)).await?;
        Ok(used.then_some("recovery_code"))
    }

    fn matching_step(secret: &[u8], code: &str, now: i64, last_step: i64) -> Option<i64> {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = now.div_euclid(STEP_SECS);
        (current - 1..=current + 1)
            .filter(|step| *step > last_step)
            .find(|step| format!("{:06}", hotp(secret, *step)) == code)
    }

    /// RFC 4226's HOTP value for one counter, 6 digits.
    fn hotp(secret: &[u8], counter: i64) -> u32 {
        let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes a key of any length");
        mac.update(&counter.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let binary = u32::from_be_bytes([
            digest[offset] & 0x7f,
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]);
        binary % 1_000_000
    }

    /// The code an authenticator app shows at `unix` seconds (for tests and tools).
    pub fn code_at(base32_secret: &str, unix: i64) -> Option<String> {
        let secret = data_encoding::BASE32_NOPAD.decode(base32_secret.as_bytes()).ok()?;
        Some(format!("{:06}", hotp(&secret, unix.div_euclid(STEP_SECS))))
    }

    /// The recovery codes of a base32 key (for tests and tools).
    pub fn recovery_codes_for(base32_secret: &str) -> Vec<String> {
        data_encoding::BASE32_NOPAD
            .decode(base32_secret.as_bytes())
            .map(|secret| recovery_codes(&secret))
            .unwrap_or_default()
    }

    pub fn base32(bytes: &[u8]) -> String {
        data_encoding::BASE32_NOPAD.encode(bytes)
    }

    pub fn otpauth_uri(email: &str, secret: &[u8]) -> String {
        let label: String = email
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!(
            "otpauth://totp/Sasa:{label}?secret={}&issuer=Sasa&algorithm=SHA1&digits=6&period=30",
            base32(secret)
        )
    }

    /// Derived from the secret, so they can be shown until the setup is confirmed without
    /// storing them; after it, only their hashes are kept. Anyone holding the secret can
    /// already make codes, so this gives nothing more away.
    pub fn recovery_codes(secret: &[u8]) -> Vec<String> {
        (0..RECOVERY_CODES)
            .map(|i| {
                let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
                mac.update(format!("recovery code {i}").as_bytes());
                let encoded = data_encoding::BASE32_NOPAD.encode(&mac.finalize().into_bytes()[..7]);
                let code = encoded[..10].to_lowercase();
                format!("{}-{}", &code[..5], &code[5..])
            })
            .collect()
    }

    fn recovery_hash(code: &str) -> Vec<u8> {
        let normal: String = code
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Sha256::digest(normal.as_bytes()).to_vec()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// RFC 6238 appendix B, SHA-1 (the 8-digit values' last six digits).
        #[test]
        fn codes_match_the_rfc_6238_test_vectors() {
            let secret = b"12345678901234567890";
            for (unix, code) in [
                (59, "287082"),
                (1_111_111_109, "081804"),
                (1_111_111_111, "050471"),
                (1_234_567_890, "005924"),
                (2_000_000_000, "279037"),
                (20_000_000_000, "353130"),
            ] {
                assert_eq!(code_at(&base32(secret), unix).as_deref(), Some(code), "at {unix}");
                assert_eq!(matching_step(secret, code, unix, 0), Some(unix / 30));
            }
        }

        #[test]
        fn a_code_is_taken_one_step_either_side_and_never_twice() {
            let secret = b"12345678901234567890";
            let now = 1_234_567_890;
            let code = code_at(&base32(secret), now).expect("code");
            assert_eq!(matching_step(secret, &code, now + 30, 0), Some(now / 30));
            assert_eq!(matching_step(secret, &code, now - 30, 0), Some(now / 30));
            assert_eq!(matching_step(secret, &code, now + 90, 0), None, "too old");
            assert_eq!(matching_step(secret, &code, now, now / 30), None, "already used");
            assert_eq!(matching_step(secret, "12345", now, 0), None);
            assert_eq!(matching_step(secret, "abcdef", now, 0), None);
        }

        #[test]
        fn recovery_codes_are_distinct_and_forgiving_to_type() {
            let codes = recovery_codes(b"12345678901234567890");
            assert_eq!(codes.len(), 10);
            let unique: std::collections::HashSet<_> = codes.iter().collect();
            assert_eq!(unique.len(), 10);
            assert_eq!(
                recovery_hash(&codes[0]),
                recovery_hash(&codes[0].to_uppercase().replace('-', " "))
            );
            assert!(
                otpauth_uri("ops+1@example.com", b"x").starts_with("otpauth://totp/Sasa:ops%2B1%40example.com?secret=")
            );
        }
    }
}
