//! The Web Push section: our VAPID key, who push services may contact, and which push
//! services subscriptions may name.

use app::platform::push::{PUSH_SERVICES, Vapid, WebPush};

use super::reader::{Reader, Secret};

/// Signs development push messages; published here, so production refuses it.
pub(super) const DEVELOPMENT_VAPID_PRIVATE_KEY: &str = "uclicY3xAWkhoM_Mm20O8lfI6MMXKsgumqUE6_H4A6A";

/// None: alerts on devices are off (production without `VAPID_PRIVATE_KEY`).
pub fn read(env: &mut Reader) -> Option<Option<WebPush>> {
    let subject = match env.get("VAPID_SUBJECT") {
        Some(subject) => subject,
        None if env.production => "".to_owned(),
        None => "mailto:development@localhost".to_owned(),
    };
    let services: Vec<String> = env
        .or("PUSH_SERVICES", PUSH_SERVICES.to_owned())?
        .split(',')
        .map(|s| s.trim().trim_end_matches('/').to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    // Never clear text or this machine in production: we POST wherever a subscription says.
    if let Some(clear) = services.iter().find(|s| env.production && !s.starts_with("https://")) {
        env.fail("PUSH_SERVICES", format!("{clear} must be https:// in production"));
    }
    match env.secret("VAPID_PRIVATE_KEY", DEVELOPMENT_VAPID_PRIVATE_KEY) {
        Secret::Set(key) => {
            if subject.is_empty() {
                env.fail(
                    "VAPID_SUBJECT",
                    "missing: a mailto: or https:// address where push services can reach you".into(),
                );
                return None;
            }
            match Vapid::from_base64(&key, &subject) {
                Ok(vapid) => Some(Some(WebPush::new(vapid, services))),
                Err(why) if why.contains("subject") => {
                    env.fail("VAPID_SUBJECT", why);
                    None
                }
                Err(why) => {
                    env.fail("VAPID_PRIVATE_KEY", why);
                    None
                }
            }
        }
        Secret::Unset => Some(None),
        Secret::Refused => None,
    }
}
