//! The account emails, with a plain-text and an HTML part, in the user's language: written
//! in English here, their Kiswahili in sw.tsv.

use crate::i18n::{t, tf};
use crate::platform::{
    brand::Brand,
    email::{Message, compose},
};
use domain::account::Language;

/// An account email to her (`name`, in `language`) from `brand`, whose name fills the
/// subject's `{}`: a greeting, two paragraphs and a button with its link.
fn account_email(
    (brand, language, name): (&Brand, Language, &str),
    subject: &'static str,
    paragraphs: [&'static str; 2],
    (button, link): (&'static str, &str),
) -> Message {
    compose(
        brand,
        &tf(language, subject, &[&brand.name]),
        &tf(language, "Hello {},", &[&name]),
        &paragraphs.map(|p| t(language, p)),
        Some((t(language, button), link)),
    )
}

pub fn verify_email(brand: &Brand, language: Language, name: &str, link: &str) -> Message {
    account_email(
        (brand, language, name),
        "Confirm your email for {}",
        [
            "Please confirm your email address to finish creating your account.",
            "The link works for 48 hours. If you did not sign up, ignore this email.",
        ],
        ("Confirm my email", link),
    )
}

pub fn reset_password(brand: &Brand, language: Language, name: &str, link: &str) -> Message {
    account_email(
        (brand, language, name),
        "Reset your {} password",
        [
            "Someone asked to reset the password of your account. If it was you, choose a new password with the link below.",
            "The link works for one hour and only once. If it was not you, ignore this email: your password stays as it is.",
        ],
        ("Choose a new password", link),
    )
}

pub fn password_changed(brand: &Brand, language: Language, name: &str, forgot_link: &str) -> Message {
    account_email(
        (brand, language, name),
        "Your {} password was changed",
        [
            "The password of your account was just changed, and every other device was signed out.",
            "If you did not do this, reset your password now and contact us.",
        ],
        ("Reset my password", forgot_link),
    )
}

/// Sent once when many wrong passwords are tried on her account: sign-ins from new places
/// are slowed, hers go on.
pub fn sign_ins_slowed(brand: &Brand, language: Language, name: &str, forgot_link: &str) -> Message {
    account_email(
        (brand, language, name),
        "Many wrong passwords were tried on your {} account",
        [
            "Someone has tried many wrong passwords on your account in the last hour. To protect it, we are slowing sign-ins from places you have not used before.",
            "You can still sign in as usual with your password. If you think someone knows it, choose a new one.",
        ],
        ("Choose a new password", forgot_link),
    )
}

/// Sent instead of a second account, so sign-up never reveals who is registered.
pub fn already_registered(brand: &Brand, language: Language, name: &str, forgot_link: &str) -> Message {
    account_email(
        (brand, language, name),
        "You already have a {} account",
        [
            "Someone tried to sign up with this email address, which already has an account. If it was you, log in, or reset your password if you forgot it.",
            "If it was not you, ignore this email.",
        ],
        ("Reset my password", forgot_link),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_carry_the_link_and_the_name_is_escaped() {
        let m = verify_email(
            &Brand::PLATFORM,
            Language::En,
            "<Amina>",
            "https://sasa.example/verify?token=abc",
        );
        assert!(m.text.contains("https://sasa.example/verify?token=abc"));
        assert!(m.html.contains("href=\"https://sasa.example/verify?token=abc\""));
        assert!(m.html.contains("&lt;Amina&gt;") && !m.html.contains("<Amina>"));
    }

    #[test]
    fn swahili_users_get_swahili() {
        let m = reset_password(&crate::mum::BRAND, Language::Sw, "Amina", "https://x/reset");
        assert!(m.subject.starts_with("Badilisha nenosiri"));
        assert!(m.text.contains("Habari Amina"));
    }

    #[test]
    fn the_email_names_and_signs_with_her_product() {
        let m = verify_email(&crate::fishmouth::BRAND, Language::En, "Joe", "https://x/verify");
        assert_eq!(m.subject, "Confirm your email for Fish Mouth");
        assert!(m.text.ends_with("Fish Mouth") && m.html.contains("<p>Fish Mouth</p>"));
        assert!(!m.text.contains("Sasa"));
    }
}
