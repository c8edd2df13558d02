//! Fish Mouth's section: Stripe, the map, Telnyx's webhook key, inbound mail and the
//! generated sample. Plain settings: the server hands them to the product at start-up.

use std::fmt;

use super::reader::{Reader, Secret};

/// Signs development top-ups; a real deployment sets its own from Stripe's dashboard.
pub(super) const DEVELOPMENT_STRIPE_WEBHOOK_SECRET: &str = "whsec_development_only_never_use_in_production";

/// Signs development inbound-mail webhooks; a real deployment sets INBOUND_EMAIL_SECRET.
pub(super) const DEVELOPMENT_INBOUND_EMAIL_SECRET: &str = "inbound_development_only_never_use_in_production";

/// The basic-auth credentials ("user:password") Postmark's inbound webhook URL carries in
/// development; a real deployment sets POSTMARK_INBOUND_AUTH and puts the same in the URL
/// (`https://user:password@host/webhooks/email/postmark`).
pub(super) const DEVELOPMENT_POSTMARK_INBOUND_AUTH: &str = "postmark:inbound_development_only_never_use_in_production";

#[derive(Clone)]
pub struct FishMouthSettings {
    /// Stripe's secret API key; without one, top-ups go through the development path only.
    pub stripe_secret_key: Option<String>,
    /// Signs the webhook events Stripe sends (`whsec_…`). None: the webhook answers 404
    /// and top-ups are off (production without `STRIPE_WEBHOOK_SECRET`).
    pub stripe_webhook_secret: Option<String>,
    /// Stripe's API base URL (tests point it at a fake Stripe on loopback).
    pub stripe_api_base: String,
    /// Sample homes generated on first start when the properties table is empty (0: none).
    pub sample_homes: usize,
    /// An optional map tile URL template (`https://…/{z}/{x}/{y}.png`) under the scan map.
    pub map_tiles_url: Option<String>,
    /// Telnyx's Ed25519 public key (base64, from the portal) for inbound SMS webhooks.
    pub telnyx_public_key: Option<[u8; 32]>,
    /// Signs the inbound mail webhook that carries replies to sequence email.
    pub inbound_email_secret: Option<String>,
    /// "user:password" of Postmark's inbound webhook (basic HTTP authentication).
    pub postmark_inbound_auth: Option<String>,
    /// The nameserver that verifies contractors' sending domains (None: the system's).
    pub dns_resolver: Option<std::net::SocketAddr>,
    /// The mail provider's SPF domain ("spf.mtasv.net"), for the SPF record contractors publish.
    pub spf_include: Option<String>,
    /// The US Census Bureau geocoder's base URL, for addresses the stored homes do not hold
    /// (`GEOCODER=census`). None: places are found in the stored homes only.
    pub census_geocoder_url: Option<String>,
    /// Aerial images by location: an https URL template with `{lat}`, `{lon}` and optionally
    /// `{key}` (IMAGERY_API_KEY). None: no roof is read from images.
    pub imagery_url_template: Option<String>,
    pub imagery_api_key: Option<String>,
    /// Anthropic's key and model, which read roofs from the images (None: off).
    pub anthropic_api_key: Option<String>,
    pub anthropic_model: String,
    pub anthropic_api_base: String,
    /// What a contractor pays for one roof read from an image, in cents.
    pub roof_image_price_cents: i64,
    /// The Telnyx Call Control Application the assistant's calls go through (None: no calls).
    pub telnyx_connection_id: Option<String>,
    /// Deepgram's streaming recogniser: key, `wss://` base and model (no key: no calls).
    pub deepgram_api_key: Option<String>,
    pub deepgram_url: String,
    pub deepgram_model: String,
    /// ElevenLabs' voices (no key: Telnyx's own voice speaks).
    pub elevenlabs_api_key: Option<String>,
    pub elevenlabs_api_base: String,
    pub elevenlabs_model: String,
    pub elevenlabs_voice: String,
    /// The call assistant's replies come from Claude (with ANTHROPIC_API_KEY) unless
    /// VOICE_AGENT=rules; its model is VOICE_AGENT_MODEL.
    pub voice_agent_claude: bool,
    pub voice_agent_model: String,
}

impl fmt::Debug for FishMouthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FishMouthSettings")
            .field("stripe", &self.stripe_secret_key.as_ref().map(|_| "[configured]"))
            .field("stripe_api_base", &self.stripe_api_base)
            .field("sample_homes", &self.sample_homes)
            .field("map_tiles_url", &self.map_tiles_url)
            .field("telnyx_webhooks", &self.telnyx_public_key.is_some())
            .field(
                "inbound_email",
                &self.inbound_email_secret.as_ref().map(|_| "[configured]"),
            )
            .field(
                "postmark_inbound",
                &self.postmark_inbound_auth.as_ref().map(|_| "[configured]"),
            )
            .field("dns_resolver", &self.dns_resolver)
            .field("spf_include", &self.spf_include)
            .field("census_geocoder_url", &self.census_geocoder_url)
            .field("imagery", &self.imagery_url_template.as_ref().map(|_| "[configured]"))
            .field("anthropic", &self.anthropic_api_key.as_ref().map(|_| "[configured]"))
            .field("anthropic_model", &self.anthropic_model)
            .field("roof_image_price_cents", &self.roof_image_price_cents)
            .field("telnyx_connection_id", &self.telnyx_connection_id)
            .field("deepgram", &self.deepgram_api_key.as_ref().map(|_| "[configured]"))
            .field("deepgram_url", &self.deepgram_url)
            .field("elevenlabs", &self.elevenlabs_api_key.as_ref().map(|_| "[configured]"))
            .field("elevenlabs_api_base", &self.elevenlabs_api_base)
            .field("voice_agent_claude", &self.voice_agent_claude)
            .field("voice_agent_model", &self.voice_agent_model)
            .finish()
    }
}

impl FishMouthSettings {
    /// `sms`: texts are set up, so their webhook key is needed in production.
    pub fn read(env: &mut Reader, sms: bool) -> Option<Self> {
        let production = env.production;
        let stripe_secret_key = env.get("STRIPE_SECRET_KEY");
        let stripe_webhook_secret = match env.secret("STRIPE_WEBHOOK_SECRET", DEVELOPMENT_STRIPE_WEBHOOK_SECRET) {
            Secret::Set(secret) => Some(secret),
            Secret::Unset if stripe_secret_key.is_some() => {
                env.fail(
                    "STRIPE_WEBHOOK_SECRET",
                    "missing: with STRIPE_SECRET_KEY set, top-ups are credited only from signed webhooks".into(),
                );
                None
            }
            // Production without Stripe: no webhook, no top-ups (start-up says so).
            Secret::Unset | Secret::Refused => None,
        };
        let stripe_api_base = env.api_base("STRIPE_API_BASE", "https://api.stripe.com");
        // The generated sample is for trying the product: production starts without it.
        let sample_homes = env.in_range("SAMPLE_HOMES", if production { 0 } else { 50_000usize }, 0..=1_000_000);
        let map_tiles_url = env.get("MAP_TILES_URL");
        if let Some(url) = &map_tiles_url
            && !(url.starts_with("https://") && url.contains("{z}") && url.contains("{x}") && url.contains("{y}"))
        {
            env.fail(
                "MAP_TILES_URL",
                "must be an https:// template with {z}, {x} and {y}".into(),
            );
        }
        let telnyx_public_key = env.get("TELNYX_PUBLIC_KEY").and_then(|raw| {
            use base64::Engine as _;
            let key = base64::engine::general_purpose::STANDARD
                .decode(raw.as_bytes())
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .filter(|bytes| ed25519_dalek::VerifyingKey::from_bytes(bytes).is_ok());
            if key.is_none() {
                env.fail(
                    "TELNYX_PUBLIC_KEY",
                    "the Ed25519 public key from the Telnyx portal, base64 (32 bytes)".into(),
                );
            }
            key
        });
        // Texts without their webhook would lose every STOP: production refuses that.
        if production && sms && telnyx_public_key.is_none() && env.get("TELNYX_PUBLIC_KEY").is_none() {
            env.fail(
                "TELNYX_PUBLIC_KEY",
                "missing: with TELNYX_API_KEY set, opt-outs (STOP) arrive only through the signed webhook".into(),
            );
        }
        let inbound_email_secret = match env.secret("INBOUND_EMAIL_SECRET", DEVELOPMENT_INBOUND_EMAIL_SECRET) {
            Secret::Set(secret) => Some(secret),
            Secret::Unset | Secret::Refused => None,
        };
        let postmark_inbound_auth = match env.secret("POSTMARK_INBOUND_AUTH", DEVELOPMENT_POSTMARK_INBOUND_AUTH) {
            Secret::Set(auth)
                if auth
                    .split_once(':')
                    .is_some_and(|(u, p)| !u.is_empty() && p.len() >= 16) =>
            {
                Some(auth)
            }
            Secret::Set(_) => {
                env.fail(
                    "POSTMARK_INBOUND_AUTH",
                    "user:password, with a password of at least 16 characters".into(),
                );
                None
            }
            Secret::Unset | Secret::Refused => None,
        };
        let dns_resolver = env.get("DNS_RESOLVER").and_then(|raw| {
            let parsed = raw.parse::<std::net::SocketAddr>().ok();
            if parsed.is_none() {
                env.fail(
                    "DNS_RESOLVER",
                    "a nameserver's address and port, like 1.1.1.1:53".into(),
                );
            }
            parsed
        });
        let spf_include = env.get("MAIL_SPF_INCLUDE");
        if let Some(include) = &spf_include
            && domain::sending::parse_domain(include).as_deref() != Ok(include.as_str())
        {
            env.fail(
                "MAIL_SPF_INCLUDE",
                "your mail provider's SPF domain, like spf.mtasv.net".into(),
            );
        }
        // Keyless but online: used only when asked for, so a fresh machine stays offline.
        let census_geocoder_url = match env.get("GEOCODER").as_deref() {
            None | Some("offline") => None,
            Some("census") => env.api_base("CENSUS_GEOCODER_URL", "https://geocoding.geo.census.gov"),
            Some(_) => {
                env.fail(
                    "GEOCODER",
                    "census (the US Census Bureau's geocoder) or offline (the stored homes only)".into(),
                );
                None
            }
        };
        let imagery_url_template = env.get("IMAGERY_URL_TEMPLATE");
        if let Some(template) = &imagery_url_template
            && !((template.starts_with("https://") || !production)
                && template.contains("{lat}")
                && template.contains("{lon}"))
        {
            env.fail(
                "IMAGERY_URL_TEMPLATE",
                "an https:// URL template with {lat} and {lon} (and {key} for IMAGERY_API_KEY)".into(),
            );
        }
        let imagery_api_key = env.get("IMAGERY_API_KEY");
        let anthropic_api_key = env.get("ANTHROPIC_API_KEY");
        let anthropic_model = env.or("ANTHROPIC_MODEL", "claude-sonnet-4-5".to_owned());
        let anthropic_api_base = env.api_base("ANTHROPIC_API_BASE", "https://api.anthropic.com");
        let roof_image_price_cents = env.in_range("ROOF_IMAGE_PRICE_CENTS", 5i64, 0..=500);
        let telnyx_connection_id = env.get("TELNYX_CONNECTION_ID");
        if telnyx_connection_id.is_some() && telnyx_public_key.is_none() && env.get("TELNYX_PUBLIC_KEY").is_none() {
            env.fail(
                "TELNYX_PUBLIC_KEY",
                "missing: with TELNYX_CONNECTION_ID set, call events arrive only through the signed webhook".into(),
            );
        }
        let deepgram_api_key = env.get("DEEPGRAM_API_KEY");
        let deepgram_url = env
            .or("DEEPGRAM_URL", "wss://api.deepgram.com".to_owned())
            .map(|url| url.trim_end_matches('/').to_owned());
        if let Some(url) = &deepgram_url
            && !(url.starts_with("wss://") || (!production && url.starts_with("ws://")))
        {
            env.fail("DEEPGRAM_URL", "must be wss:// (ws:// only in development)".into());
        }
        let deepgram_model = env.or("DEEPGRAM_MODEL", "nova-3".to_owned());
        let elevenlabs_api_key = env.get("ELEVENLABS_API_KEY");
        let elevenlabs_api_base = env.api_base("ELEVENLABS_API_BASE", "https://api.elevenlabs.io");
        let elevenlabs_model = env.or("ELEVENLABS_MODEL", "eleven_flash_v2_5".to_owned());
        // ElevenLabs' "Rachel", a premade voice every account has.
        let elevenlabs_voice = env.or("ELEVENLABS_VOICE", "21m00Tcm4TlvDq8ikWAM".to_owned());
        let voice_agent_claude = match env.get("VOICE_AGENT").as_deref() {
            None | Some("claude") => anthropic_api_key.is_some(),
            Some("rules") => false,
            Some(_) => {
                env.fail("VOICE_AGENT", "claude (with ANTHROPIC_API_KEY) or rules".into());
                false
            }
        };
        let voice_agent_model = env.or("VOICE_AGENT_MODEL", "claude-haiku-4-5".to_owned());
        Some(Self {
            stripe_secret_key,
            stripe_webhook_secret,
            stripe_api_base: stripe_api_base?,
            sample_homes: sample_homes?,
            map_tiles_url,
            telnyx_public_key,
            inbound_email_secret,
            postmark_inbound_auth,
            dns_resolver,
            spf_include,
            census_geocoder_url,
            imagery_url_template,
            imagery_api_key,
            anthropic_api_key,
            anthropic_model: anthropic_model?,
            anthropic_api_base: anthropic_api_base?,
            roof_image_price_cents: roof_image_price_cents?,
            telnyx_connection_id,
            deepgram_api_key,
            deepgram_url: deepgram_url?,
            deepgram_model: deepgram_model?,
            elevenlabs_api_key,
            elevenlabs_api_base: elevenlabs_api_base?,
            elevenlabs_model: elevenlabs_model?,
            elevenlabs_voice: elevenlabs_voice?,
            voice_agent_claude,
            voice_agent_model: voice_agent_model?,
        })
    }
}
