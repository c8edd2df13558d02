//! The account emails, with a plain-text and an HTML part, in the user's language.

use crate::platform::{
    brand::Brand,
    email::{Message, compose},
};
use domain::account::Language;

pub fn verify_email(brand: &Brand, language: Language, name: &str, link: &str) -> Message {
    match language {
        Language::En => compose(
            brand,
            &format!("Confirm your email for {}", brand.name),
            &format!("Hello {name},"),
            &[
                "Please confirm your email address to finish creating your account.",
                "The link works for 48 hours. If you did not sign up, ignore this email.",
            ],
            Some(("Confirm my email", link)),
        ),
        Language::Sw => compose(
            brand,
            &format!("Thibitisha barua pepe yako kwa {}", brand.name),
            &format!("Habari {name},"),
            &[
                "Tafadhali thibitisha barua pepe yako ili kumaliza kufungua akaunti yako.",
                "Kiungo hiki kinafanya kazi kwa saa 48. Kama hukujisajili, puuza barua hii.",
            ],
            Some(("Thibitisha barua pepe", link)),
        ),
    }
}

pub fn reset_password(brand: &Brand, language: Language, name: &str, link: &str) -> Message {
    match language {
        Language::En => compose(
            brand,
            &format!("Reset your {} password", brand.name),
            &format!("Hello {name},"),
            &[
                "Someone asked to reset the password of your account. If it was you, choose a new password with the link below.",
                "The link works for one hour and only once. If it was not you, ignore this email: your password stays as it is.",
            ],
            Some(("Choose a new password", link)),
        ),
        Language::Sw => compose(
            brand,
            &format!("Badilisha nenosiri lako la {}", brand.name),
            &format!("Habari {name},"),
            &[
                "Mtu ameomba kubadilisha nenosiri la akaunti yako. Kama ni wewe, chagua nenosiri jipya kupitia kiungo hiki.",
                "Kiungo kinafanya kazi kwa saa moja na mara moja tu. Kama si wewe, puuza barua hii: nenosiri lako halitabadilika.",
            ],
            Some(("Chagua nenosiri jipya", link)),
        ),
    }
}

pub fn password_changed(brand: &Brand, language: Language, name: &str, forgot_link: &str) -> Message {
    match language {
        Language::En => compose(
            brand,
            &format!("Your {} password was changed", brand.name),
            &format!("Hello {name},"),
            &[
                "The password of your account was just changed, and every other device was signed out.",
                "If you did not do this, reset your password now and contact us.",
            ],
            Some(("Reset my password", forgot_link)),
        ),
        Language::Sw => compose(
            brand,
            &format!("Nenosiri lako la {} limebadilishwa", brand.name),
            &format!("Habari {name},"),
            &[
                "Nenosiri la akaunti yako limebadilishwa sasa hivi, na vifaa vingine vyote vimetolewa.",
                "Kama si wewe uliyefanya hivi, badilisha nenosiri lako sasa na uwasiliane nasi.",
            ],
            Some(("Badilisha nenosiri", forgot_link)),
        ),
    }
}

/// Sent once when many wrong passwords are tried on her account: sign-ins from new places
/// are slowed, hers go on.
pub fn sign_ins_slowed(brand: &Brand, language: Language, name: &str, forgot_link: &str) -> Message {
    match language {
        Language::En => compose(
            brand,
            &format!("Many wrong passwords were tried on your {} account", brand.name),
            &format!("Hello {name},"),
            &[
                "Someone has tried many wrong passwords on your account in the last hour. To protect it, we are slowing sign-ins from places you have not used before.",
                "You can still sign in as usual with your password. If you think someone knows it, choose a new one.",
            ],
            Some(("Choose a new password", forgot_link)),
        ),
        Language::Sw => compose(
            brand,
            &format!(
                "Manenosiri mengi yasiyo sahihi yamejaribiwa kwenye akaunti yako ya {}",
                brand.name
            ),
            &format!("Habari {name},"),
            &[
                "Mtu amejaribu manenosiri mengi yasiyo sahihi kwenye akaunti yako katika saa moja iliyopita. Ili kuilinda, tunapunguza kasi ya kuingia kutoka mahali ambapo hujawahi kutumia.",
                "Bado unaweza kuingia kama kawaida kwa nenosiri lako. Ukidhani mtu analijua, chagua jipya.",
            ],
            Some(("Chagua nenosiri jipya", forgot_link)),
        ),
    }
}

/// Sent instead of a second account, so sign-up never reveals who is registered.
pub fn already_registered(brand: &Brand, language: Language, name: &str, forgot_link: &str) -> Message {
    match language {
        Language::En => compose(
            brand,
            &format!("You already have a {} account", brand.name),
            &format!("Hello {name},"),
            &[
                "Someone tried to sign up with this email address, which already has an account. If it was you, log in, or reset your password if you forgot it.",
                "If it was not you, ignore this email.",
            ],
            Some(("Reset my password", forgot_link)),
        ),
        Language::Sw => compose(
            brand,
            &format!("Tayari una akaunti ya {}", brand.name),
            &format!("Habari {name},"),
            &[
                "Mtu amejaribu kujisajili kwa barua pepe hii, ambayo tayari ina akaunti. Kama ni wewe, ingia, au badilisha nenosiri kama umelisahau.",
                "Kama si wewe, puuza barua hii.",
            ],
            Some(("Badilisha nenosiri", forgot_link)),
        ),
    }
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
