//! The products on the platform, and the one file of the server that names them. Each brings
//! its own context, routes, workers, delivery hook and start-up data; the rest of the server
//! is platform and knows none of them.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use app::{
    csp::ImageOrigins,
    fishmouth::{
        self,
        calls::{
            agent::{Agent, Claude, Rules},
            providers::{CallControl, Deepgram, ElevenLabs, SpeechToText, TelnyxCalls, TextToSpeech},
            ssr::Voice,
        },
        places::ssr::{CensusGeocoder, Geocoder},
        roofs::ssr::{AnthropicReader, Imagery, RoofReader, Roofs, TemplateImagery},
        sequences::{
            engine::{Clock, Engine, SequenceDelivery},
            inbound::SequenceInbox,
        },
        ssr::{FishMouth, FishMouthState},
    },
    mum::{self, WeeklyWorker, reminders::ReminderWorker},
    platform::{
        Services,
        brand::BrandHosts,
        numbers::{DevelopmentNumbers, PhoneNumbers, TelnyxNumbers},
        outbox::DeliveryHook,
        sending::{NoResolver, Resolver},
        telnyx::{self, SmsInbox, TelnyxState},
    },
};
use axum::Router;
use domain::fishmouth::import::{RowError, assessor_rows, storm_event_rows};
use leptos::prelude::provide_context;
use sqlx::PgPool;

use crate::{
    config::{Environment, Settings},
    workers::Worker,
};

/// How often waiting area scans are looked for.
const SCAN_POLL: Duration = Duration::from_millis(300);
/// How often due sequence steps are looked for (a full batch is followed at once).
const SEQUENCE_POLL: Duration = Duration::from_millis(500);
/// How often due appointment reminders are looked for.
const REMINDER_POLL: Duration = Duration::from_secs(5);
/// How often due assistant calls are looked for.
const CALL_POLL: Duration = Duration::from_secs(1);
/// How often transcripts past their retention are removed.
const RETENTION_POLL: Duration = Duration::from_secs(3600);

#[derive(Clone)]
pub struct Products {
    pub fishmouth: Arc<FishMouth>,
    /// Where page images may come from besides this site (the map tiles).
    image_origins: ImageOrigins,
    engine: Engine,
    reminders: ReminderWorker,
    weekly: WeeklyWorker,
    /// Production: generated sample homes are never sold for money.
    samples_are_free: bool,
    /// Each product's brand, with the host it answers as itself, if it has one.
    brands: BrandHosts,
    /// Checks Telnyx's webhook signatures; None: the webhook answers 404.
    telnyx_public_key: Option<ed25519_dalek::VerifyingKey>,
    /// TELNYX_FROM_NUMBER: texts to any other number are a contractor's own.
    shared_number: Option<String>,
}

/// An operator's suppression entry (`server suppress`), read as scans match it: its kind and
/// whether it is new (false: it already was).
pub async fn suppress(pool: &PgPool, kind: &str, value: &str) -> anyhow::Result<(&'static str, bool)> {
    let (kind, value) =
        domain::fishmouth::property::suppression(kind, value).map_err(|why| anyhow::anyhow!("{why}"))?;
    Ok((
        kind,
        fishmouth::properties::suppress(pool, kind, &value, "operator").await?,
    ))
}

/// An operator resumes a contractor's email, paused for complaints or bounces.
pub async fn resume_email(pool: &PgPool, email: &str) -> Result<bool, sqlx::Error> {
    fishmouth::sequences::ssr::resume_email(pool, email).await
}

/// The call assistant's services: Telnyx Call Control with a Call Control Application, Deepgram
/// to hear, ElevenLabs to speak (else Telnyx's own voice), and the rules to reply.
fn voice(settings: &Settings, http: &reqwest::Client) -> Option<Arc<Voice>> {
    let fm = &settings.fishmouth;
    let public_url = settings.auth.public_url.trim_end_matches('/').to_owned();
    let stream_base = public_url
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    let control = match (&settings.sms, &fm.telnyx_connection_id) {
        (Some(sms), Some(connection_id)) => Some(Arc::new(TelnyxCalls {
            http: http.clone(),
            api_base: sms.api_base.clone(),
            api_key: sms.api_key.clone(),
            connection_id: connection_id.clone(),
        }) as Arc<dyn CallControl>),
        _ => None,
    };
    let stt = fm.deepgram_api_key.clone().map(|api_key| {
        Arc::new(Deepgram {
            base: fm.deepgram_url.clone(),
            api_key,
            model: fm.deepgram_model.clone(),
        }) as Arc<dyn SpeechToText>
    });
    let tts = fm.elevenlabs_api_key.clone().map(|api_key| {
        Arc::new(ElevenLabs {
            http: http.clone(),
            base: fm.elevenlabs_api_base.clone(),
            api_key,
            model: fm.elevenlabs_model.clone(),
            default_voice: fm.elevenlabs_voice.clone(),
        }) as Arc<dyn TextToSpeech>
    });
    Some(Arc::new(Voice {
        control,
        stt,
        tts,
        agent: match (&fm.anthropic_api_key, fm.voice_agent_claude) {
            (Some(api_key), true) => Arc::new(Claude {
                http: http.clone(),
                base: fm.anthropic_api_base.clone(),
                api_key: api_key.clone(),
                model: fm.voice_agent_model.clone(),
                timeout: Duration::from_secs(8),
            }) as Arc<dyn Agent>,
            _ => Arc::new(Rules),
        },
        webhook_key: fm
            .telnyx_public_key
            .and_then(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok()),
        from_number: settings.sms.as_ref().map(|sms| sms.from.clone()),
        public_url,
        stream_base,
        turns: Default::default(),
    }))
}

/// Where contractors' own numbers come from: Telnyx when texts are set up, made-up 555-01xx
/// numbers in development without it, nowhere in production without it.
fn phone_numbers(settings: &Settings) -> anyhow::Result<Option<Arc<dyn PhoneNumbers>>> {
    Ok(match &settings.sms {
        Some(sms) => Some(Arc::new(TelnyxNumbers {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .context("building the HTTP client")?,
            api_base: sms.api_base.clone(),
            api_key: sms.api_key.clone(),
            messaging_profile_id: sms.messaging_profile_id.clone(),
        })),
        None if settings.environment == Environment::Development => Some(Arc::new(DevelopmentNumbers)),
        None => None,
    })
}

impl Products {
    pub fn new(settings: &Settings, pool: &PgPool) -> anyhow::Result<Self> {
        let fm = &settings.fishmouth;
        // Replies to sequence email go to reply+<id>@ the sender's domain, read by the inbound
        // mail webhook; without its secret no Reply-To is set.
        let reply_domain = fm
            .inbound_email_secret
            .as_ref()
            .and_then(|_| settings.mail.from.rsplit_once('@'))
            .map(|(_, domain)| domain.trim_end_matches('>').to_owned());
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .context("building the HTTP client")?;
        let fishmouth = Arc::new(FishMouth {
            stripe_secret_key: fm.stripe_secret_key.clone(),
            stripe_webhook_secret: fm.stripe_webhook_secret.clone(),
            stripe_api_base: fm.stripe_api_base.clone(),
            map_tiles_url: fm.map_tiles_url.clone(),
            http: http.clone(),
            inbound_email_secret: fm.inbound_email_secret.clone(),
            reply_domain: reply_domain.clone(),
            postmark_inbound_auth: fm.postmark_inbound_auth.clone(),
            numbers: phone_numbers(settings)?,
            dns: match Resolver::new(fm.dns_resolver) {
                Ok(resolver) => Arc::new(resolver),
                Err(why) => {
                    tracing::warn!(why, "no DNS resolver: contractors' sending domains cannot be verified");
                    Arc::new(NoResolver(why))
                }
            },
            spf_include: fm.spf_include.clone(),
            geocoder: fm.census_geocoder_url.clone().map(|base| {
                Arc::new(CensusGeocoder {
                    http: http.clone(),
                    base,
                    timeout: Duration::from_secs(5),
                }) as Arc<dyn Geocoder>
            }),
            roofs: Roofs {
                imagery: fm.imagery_url_template.clone().map(|template| {
                    Arc::new(TemplateImagery {
                        http: http.clone(),
                        template,
                        key: fm.imagery_api_key.clone().unwrap_or_default(),
                        timeout: Duration::from_secs(10),
                    }) as Arc<dyn Imagery>
                }),
                reader: fm.anthropic_api_key.clone().map(|api_key| {
                    Arc::new(AnthropicReader {
                        http: http.clone(),
                        base: fm.anthropic_api_base.clone(),
                        api_key,
                        model: fm.anthropic_model.clone(),
                        timeout: Duration::from_secs(30),
                    }) as Arc<dyn RoofReader>
                }),
                price_cents: fm.roof_image_price_cents,
            },
            clock: Clock::default(),
            voice: voice(settings, &http),
        });
        if fm.stripe_webhook_secret.is_none() {
            tracing::warn!("STRIPE_WEBHOOK_SECRET is not set: /webhooks/stripe answers 404 and wallet top-ups are off");
        }
        let brands = BrandHosts::new(vec![
            (&mum::BRAND, settings.brands.sasamum_host.clone()),
            (&fishmouth::BRAND, settings.brands.fishmouth_host.clone()),
        ]);
        // Unsubscribe links open on Fish Mouth's own host when it has one.
        let unsubscribe_base = brands.link(&settings.auth.public_url, &fishmouth::BRAND, "");
        let engine = Engine::new(pool.clone(), fishmouth.clock.clone(), &unsubscribe_base, reply_domain);
        Ok(Self {
            image_origins: ImageOrigins::of(fm.map_tiles_url.as_deref().into_iter()),
            fishmouth,
            engine,
            reminders: ReminderWorker::new(pool.clone()),
            weekly: WeeklyWorker::new(pool.clone()),
            samples_are_free: settings.environment == Environment::Production,
            brands,
            telnyx_public_key: fm
                .telnyx_public_key
                .and_then(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok()),
            shared_number: settings.sms.as_ref().map(|sms| sms.from.clone()),
        })
    }

    /// Loads what each product keeps in data files: SasaMum's week-by-week content, and
    /// Fish Mouth's generated sample homes when the database has none.
    pub async fn load(&self, pool: &PgPool, settings: &Settings) -> anyhow::Result<()> {
        let weeks = mum::weeks::sync(pool)
            .await
            .context("loading content/pregnancy-weeks.tsv")?;
        if weeks > 0 {
            tracing::info!(rows = weeks, "loaded the week-by-week content");
        }
        let today = time::OffsetDateTime::now_utc().date();
        let loaded = fishmouth::properties::load_sample_if_empty(pool, settings.fishmouth.sample_homes, today)
            .await
            .context("loading the sample property data")?;
        if loaded > 0 {
            tracing::info!(homes = loaded, "loaded the generated sample property data");
        }
        Ok(())
    }

    /// What the products put in the Leptos context of every request.
    pub fn provide_context(&self) {
        provide_context(self.fishmouth.clone());
        provide_context(self.image_origins.clone());
        provide_context(self.brands.clone());
    }

    /// The products' brands and their hosts: pages, manifests and the host check follow them.
    pub fn brands(&self) -> &BrandHosts {
        &self.brands
    }

    /// The products' own axum routes (webhooks, unsubscribe links, downloads), and the Telnyx
    /// webhook with each product's inbox.
    pub fn routes<S: Clone + Send + Sync + 'static>(&self, services: &Services) -> Router<S> {
        let inboxes: Vec<Arc<dyn SmsInbox>> = vec![Arc::new(mum::sms::MumInbox), Arc::new(SequenceInbox)];
        let telnyx = TelnyxState {
            services: services.clone(),
            key: self.telnyx_public_key,
            shared_number: self.shared_number.clone(),
            inboxes: Arc::new(inboxes),
        };
        fishmouth::routes()
            .with_state(FishMouthState {
                services: services.clone(),
                fishmouth: self.fishmouth.clone(),
            })
            .merge(telnyx::routes(telnyx))
    }

    /// What the products add to delivering the outbox.
    pub fn delivery_hooks(&self) -> Vec<Arc<dyn DeliveryHook>> {
        vec![Arc::new(SequenceDelivery)]
    }

    /// The products' background workers.
    pub fn workers(&self, pool: &PgPool) -> Vec<Worker> {
        let (reminders, weekly, engine) = (self.reminders.clone(), self.weekly.clone(), self.engine.clone());
        let (pool, samples_are_free) = (pool.clone(), self.samples_are_free);
        vec![
            Worker::new("reminders", REMINDER_POLL, move || {
                let reminders = reminders.clone();
                async move { reminders.run_once().await.map(|queued| queued > 0) }
            }),
            Worker::new("weekly", REMINDER_POLL, move || {
                let weekly = weekly.clone();
                async move { weekly.run_once().await.map(|queued| queued > 0) }
            }),
            Worker::new("imports", SCAN_POLL, {
                let pool = pool.clone();
                move || {
                    let pool = pool.clone();
                    async move { fishmouth::imports::ssr::run_next(&pool).await }
                }
            }),
            Worker::new("scans", SCAN_POLL, {
                let pool = pool.clone();
                move || {
                    let pool = pool.clone();
                    async move { fishmouth::scans::ssr::run_next(&pool, samples_are_free).await }
                }
            }),
            Worker::new("sequences", SEQUENCE_POLL, move || {
                let engine = engine.clone();
                async move { Ok(engine.run_batch().await?) }
            }),
            Worker::new("calls", CALL_POLL, {
                let (pool, voice) = (pool.clone(), self.fishmouth.voice.clone());
                move || {
                    let (pool, voice) = (pool.clone(), voice.clone());
                    async move {
                        match voice {
                            Some(voice) => fishmouth::calls::dialer::run_next(&pool, &voice).await,
                            None => Ok(false),
                        }
                    }
                }
            }),
            Worker::new("call-transcripts", RETENTION_POLL, {
                move || {
                    let pool = pool.clone();
                    async move {
                        fishmouth::calls::store::forget_old_transcripts(&pool).await?;
                        Ok(false)
                    }
                }
            }),
        ]
    }

    /// The products' numbers on the metrics page.
    pub fn gauges(&self) -> crate::metrics::ProductGauges {
        std::sync::Arc::new(|pool| Box::pin(async move { fishmouth::ssr::gauges(&pool).await }))
    }

    /// SasaMum's appointment-reminder worker (tests run it one step at a time).
    pub fn reminders(&self) -> ReminderWorker {
        self.reminders.clone()
    }

    /// SasaMum's weekly-message worker (tests run it one step at a time).
    pub fn weekly(&self) -> WeeklyWorker {
        self.weekly.clone()
    }
}

/// What `server import-…` reads.
pub enum Import {
    Properties,
    Storms,
}

/// Imports a county assessor file or a NOAA Storm Events file into Fish Mouth's data; bad
/// rows are reported with their line number and skipped, the good rows kept.
pub async fn import(pool: &PgPool, text: &str, kind: Import) -> anyhow::Result<(usize, usize, &'static str)> {
    let report = |errors: &[RowError]| {
        for error in errors {
            eprintln!("skipped {error}");
        }
    };
    let mut tx = pool.begin().await?;
    let counts = match kind {
        Import::Properties => {
            let this_year = time::OffsetDateTime::now_utc().year();
            let (homes, errors) = assessor_rows(text, this_year);
            report(&errors);
            for chunk in homes.chunks(2_000) {
                fishmouth::properties::insert_properties(&mut tx, chunk, "import", None).await?;
            }
            (homes.len(), errors.len(), "homes")
        }
        Import::Storms => {
            let (reports, errors) = storm_event_rows(text);
            report(&errors);
            for chunk in reports.chunks(2_000) {
                fishmouth::properties::insert_hail(&mut tx, chunk, "import").await?;
            }
            (reports.len(), errors.len(), "hail reports")
        }
    };
    tx.commit().await?;
    Ok(counts)
}
