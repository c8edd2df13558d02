//! How Fish Mouth presents itself: its name, colours, icons and installed app. English only.

use domain::account::Language;

use crate::platform::brand::{Brand, Shortcut};

pub const BRAND: Brand = Brand {
    key: "fishmouth",
    name: "Fish Mouth",
    short_name: "Fish Mouth",
    description: "Lead generation for roofing contractors: scored leads, a prepaid wallet and outreach.",
    theme_color: "#1d3557",
    background_color: "#f6f8fb",
    icon_svg: "/icons/fishmouth.svg",
    icon_192: "/icons/fishmouth-192.png",
    icon_512: "/icons/fishmouth-512.png",
    icon_maskable: "/icons/fishmouth-maskable-512.png",
    prefix: "/pro",
    start_url: "/pro",
    landing: "/pro/about",
    shortcuts: &[
        Shortcut {
            name: "Leads",
            short_name: "Leads",
            description: "Your scored leads and pipeline",
            url: "/pro/leads",
        },
        Shortcut {
            name: "New area scan",
            short_name: "New scan",
            description: "Scan an area for roofs worth a visit",
            url: "/pro/scans",
        },
        Shortcut {
            name: "Today's tasks",
            short_name: "Tasks",
            description: "Calls and follow-ups due",
            url: "/pro/tasks",
        },
    ],
    mail_sender: "Fish Mouth",
    languages: &[Language::En],
    footer: "Fish Mouth: roofing leads with the reasons behind each score. No ads, no third-party trackers.",
    offline_warning: None,
};
