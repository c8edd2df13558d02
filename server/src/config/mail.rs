//! The messaging section: email over SMTP and text messages through Telnyx.

use std::fmt;

use super::reader::Reader;

#[derive(Clone)]
pub struct MailSettings {
    /// `smtp://host:port` (STARTTLS with `?tls=required`) or `smtps://host:port`, with
    /// optional user:password. None: the development mailbox at /dev/mailbox.
    pub smtp_url: Option<String>,
    pub from: String,
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp", &self.smtp_url.as_ref().map(|_| "[configured]"))
            .field("from", &self.from)
            .finish()
    }
}

impl MailSettings {
    pub fn read(env: &mut Reader) -> Option<Self> {
        let smtp_url = env.get("SMTP_URL");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            env.fail("SMTP_URL", "must start with smtp:// or smtps://".into());
        }
        if let Some(url) = &smtp_url
            && super::clear_text_refused(
                env.production,
                url,
                url.starts_with("smtps://") || url.contains("tls=required"),
            )
        {
            env.fail(
                "SMTP_URL",
                "sends passwords and mail in clear text: use smtps:// or smtp://…?tls=required".into(),
            );
        }
        if env.production && smtp_url.is_none() {
            env.fail(
                "SMTP_URL",
                "missing: production sends real email (the dev mailbox exists only in development)".into(),
            );
        }
        let from = env.or("MAIL_FROM", "Sasa <no-reply@sasa.localhost>".to_owned())?;
        Some(Self { smtp_url, from })
    }
}

/// Telnyx's messaging API for SMS. Without it, development keeps texts in the dev
/// mailbox and production offers no SMS.
#[derive(Clone)]
pub struct SmsSettings {
    pub api_key: String,
    pub from: String,
    pub api_base: String,
    /// The messaging profile the numbers bought for contractors join (texts go from them).
    pub messaging_profile_id: Option<String>,
}

impl fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsSettings")
            .field("api_key", &"[redacted]")
            .field("from", &self.from)
            .field("api_base", &self.api_base)
            .field("messaging_profile_id", &self.messaging_profile_id)
            .finish()
    }
}

impl SmsSettings {
    /// None when SMS is not set up (or set up wrongly: the problem is recorded).
    pub fn read(env: &mut Reader) -> Option<Self> {
        match (env.get("TELNYX_API_KEY"), env.get("TELNYX_FROM_NUMBER")) {
            (Some(api_key), Some(from)) => {
                let ok = from.starts_with('+') && from.len() >= 9 && from[1..].bytes().all(|b| b.is_ascii_digit());
                if !ok {
                    env.fail("TELNYX_FROM_NUMBER", "an E.164 number like +12145550100".into());
                }
                let api_base = env
                    .api_base("TELNYX_API_BASE", "https://api.telnyx.com")
                    .unwrap_or_default();
                Some(Self {
                    api_key,
                    from,
                    api_base,
                    messaging_profile_id: env.get("TELNYX_MESSAGING_PROFILE_ID"),
                })
            }
            (Some(_), None) => {
                env.fail(
                    "TELNYX_FROM_NUMBER",
                    "missing: the number texts are sent from, with TELNYX_API_KEY".into(),
                );
                None
            }
            (None, Some(_)) => {
                env.fail(
                    "TELNYX_API_KEY",
                    "missing: TELNYX_FROM_NUMBER is set but there is no key to send with".into(),
                );
                None
            }
            (None, None) => None,
        }
    }
}
