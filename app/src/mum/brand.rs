//! How SasaMum presents itself: its name, colours, icons, installed app and languages.

use domain::account::Language;

use crate::platform::brand::{Brand, Shortcut};

pub const BRAND: Brand = Brand {
    key: "sasamum",
    name: "SasaMum",
    short_name: "SasaMum",
    description: "A pregnancy companion for expecting mothers, in English and Kiswahili.",
    theme_color: "#0f5c4d",
    background_color: "#fbfaf7",
    icon_svg: "/icons/sasamum.svg",
    icon_192: "/icons/sasamum-192.png",
    icon_512: "/icons/sasamum-512.png",
    icon_maskable: "/icons/sasamum-maskable-512.png",
    prefix: "/mum",
    start_url: "/mum",
    landing: "/mum/about",
    shortcuts: &[
        Shortcut {
            name: "I have a danger sign",
            short_name: "Danger sign",
            description: "What to do now, and the number to call",
            url: "/mum/danger/now",
        },
        Shortcut {
            name: "Contraction timer",
            short_name: "Contractions",
            description: "Time your contractions",
            url: "/mum/contractions",
        },
        Shortcut {
            name: "Log how I feel",
            short_name: "Log",
            description: "Symptoms, weight and baby's movements",
            url: "/mum/log",
        },
    ],
    mail_sender: "SasaMum",
    languages: &[Language::En, Language::Sw],
    footer: "SasaMum: your pregnancy, week by week. No ads, no third-party trackers.",
    offline_warning: Some("If you have a danger sign, do not wait: go to the nearest health facility now."),
};
