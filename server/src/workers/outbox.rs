//! Delivers the outbox: email over SMTP, text messages through Telnyx, alerts by Web Push to
//! the browsers that asked for them. Any number of
//! workers on any number of instances may run: a message is claimed by one of them
//! (FOR UPDATE SKIP LOCKED) and marked `sending` before it leaves, so a crash never sends
//! it twice; failures the provider reports are retried with exponential backoff.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use app::platform::{
    crypto::HealthKey,
    outbox::{Addressed, DeliveryHook},
    push::{PushError, WebPush},
};
use domain::DeliveryStatus;
use lettre::{
    Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey, Mailbox,
        MultiPart,
        header::{HeaderName, HeaderValue},
    },
};
use sqlx::PgPool;

use super::store::{self, Claimed};
use crate::config::{MailSettings, SmsSettings};

const BATCH: i64 = 10;
const MAX_ATTEMPTS: i32 = 8;
/// A message left `sending` this long was interrupted mid-delivery (a crash).
const INTERRUPTED_AFTER_SECS: f64 = 600.0;

/// Where email goes: a real SMTP server, or the development mailbox.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    DevMailbox,
}

impl Mailer {
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings.from.parse().context("MAIL_FROM is not a valid mailbox")?;
        Ok(match &settings.smtp_url {
            Some(url) => Self::Smtp {
                transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("SMTP_URL")?
                    .timeout(Some(Duration::from_secs(15)))
                    .build(),
                from,
            },
            None => Self::DevMailbox,
        })
    }
}

/// Where text messages go: Telnyx's messaging API, the development mailbox, or nowhere
/// (production without a provider: such a message fails at once, and the UI offers no SMS).
#[derive(Clone)]
pub enum Texter {
    Telnyx {
        http: reqwest::Client,
        settings: SmsSettings,
    },
    DevMailbox,
    Unavailable,
}

impl Texter {
    pub fn from_settings(settings: Option<&SmsSettings>, development: bool) -> anyhow::Result<Self> {
        Ok(match settings {
            Some(settings) => Self::Telnyx {
                http: reqwest::Client::builder().timeout(Duration::from_secs(15)).build()?,
                settings: settings.clone(),
            },
            None if development => Self::DevMailbox,
            None => Self::Unavailable,
        })
    }

    /// Whether she can choose SMS reminders on this server.
    pub fn available(&self) -> bool {
        !matches!(self, Self::Unavailable)
    }
}

enum Failure {
    /// The message can never be delivered as it is (e.g. a malformed address).
    Permanent(String),
    /// The recipient's address or number was refused: a bounce, which ends a sequence.
    Rejected(String),
    /// The mail server or the network failed: try again later.
    Transient(String),
}

#[derive(Clone)]
pub struct OutboxWorker {
    pool: PgPool,
    mailer: Mailer,
    texter: Texter,
    /// Web Push; None: not set up, and such a message fails at once.
    pusher: Option<WebPush>,
    /// What the products add to delivery (suppression, bounces), registered at start-up.
    hooks: Vec<Arc<dyn DeliveryHook>>,
    /// Opens the DKIM keys of customers' own sending domains.
    keys: Arc<HealthKey>,
}

impl OutboxWorker {
    pub fn new(
        pool: PgPool,
        mailer: Mailer,
        texter: Texter,
        pusher: Option<WebPush>,
        hooks: Vec<Arc<dyn DeliveryHook>>,
        keys: Arc<HealthKey>,
    ) -> Self {
        Self {
            pool,
            mailer,
            texter,
            pusher,
            hooks,
            keys,
        }
    }

    /// Claims and delivers the messages that are due. Returns how many were sent.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        self.fail_interrupted().await?;
        self.cancel_expired().await?;
        let claimed = store::claim_due(&self.pool, BATCH)
            .await
            .context("claiming outbox messages")?;
        let claimed = self.drop_withheld(claimed).await?;

        // Every claimed message is attempted and its outcome recorded on its own: one
        // failing update never strands the rest of the batch in `sending`.
        let mut sent = 0;
        for message in claimed {
            let recorded = match self.deliver(&message).await {
                Ok(provider_id) => {
                    sent += 1;
                    self.record_sent(message.id, provider_id).await
                }
                Err(failure) => self.record_failure(&message, failure).await,
            };
            if let Err(error) = recorded {
                tracing::error!(
                    outbox_id = message.id,
                    error = format!("{error:#}"),
                    "outbox outcome not recorded"
                );
            }
        }
        Ok(sent)
    }

    /// Cancels the claimed messages a product withholds (say, to someone who opted out
    /// while the message waited) and returns the rest.
    async fn drop_withheld(&self, claimed: Vec<Claimed>) -> anyhow::Result<Vec<Claimed>> {
        if self.hooks.is_empty() || claimed.is_empty() {
            return Ok(claimed);
        }
        let addressed: Vec<Addressed> = claimed.iter().map(Claimed::addressed).collect();
        let mut withheld = Vec::new();
        for hook in &self.hooks {
            withheld.extend(hook.withheld(&self.pool, &addressed).await?);
        }
        if withheld.is_empty() {
            return Ok(claimed);
        }
        store::cancel_withheld(&self.pool, &withheld)
            .await
            .context("cancelling withheld messages")?;
        Ok(claimed.into_iter().filter(|m| !withheld.contains(&m.id)).collect())
    }

    /// A sent message keeps its envelope but not its body: links in it stop living in the database.
    async fn record_sent(&self, id: i64, provider_id: Option<String>) -> anyhow::Result<()> {
        Ok(store::record_sent(&self.pool, id, provider_id).await?)
    }

    /// Delivers one message; Ok carries the provider's id for it, when it gives one.
    async fn deliver(&self, message: &Claimed) -> Result<Option<String>, Failure> {
        match message.channel.as_str() {
            "sms" => return self.text(message).await,
            "push" => return self.push(message).await.map(|()| None),
            _ => {}
        }
        match &self.mailer {
            Mailer::DevMailbox => self.to_dev_mailbox(message, &message.subject).await.map(|()| None),
            Mailer::Smtp { transport, from } => {
                let to: Mailbox = message
                    .recipient
                    .parse()
                    .map_err(|e| Failure::Rejected(format!("recipient: {e}")))?;
                // The product's name before MAIL_FROM's address: "SasaMum <no-reply@…>"; or a
                // customer's own verified address, signed with her domain's DKIM key.
                let own = self.own_domain(message).await?;
                let address = own
                    .as_ref()
                    .map_or_else(|| from.email.clone(), |(address, _)| address.clone());
                let from = match message.sender_name.as_str() {
                    "" => Mailbox::new(from.name.clone(), address),
                    name => Mailbox::new(Some(name.to_owned()), address),
                };
                let mut builder = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(&message.subject)
                    // The same id on every attempt lets receivers drop a duplicate.
                    .message_id(Some(format!("<outbox-{}@{}>", message.id, from.email.domain())));
                if let Some(reply_to) = message.reply_to.as_deref().and_then(|r| r.parse::<Mailbox>().ok()) {
                    builder = builder.reply_to(reply_to);
                }
                // Postmark hands this back with a bounce or a spam complaint (and strips it
                // before delivery): the webhook finds the message by it.
                builder = builder.raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("X-PM-Metadata-outbox"),
                    message.id.to_string(),
                ));
                // RFC 8058 one-click unsubscribe: the mail client POSTs to the address.
                if let Some(url) = &message.list_unsubscribe {
                    builder = builder
                        .raw_header(HeaderValue::new(
                            HeaderName::new_from_ascii_str("List-Unsubscribe"),
                            format!("<{url}>"),
                        ))
                        .raw_header(HeaderValue::new(
                            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                            "List-Unsubscribe=One-Click".to_owned(),
                        ));
                }
                let mut email = builder
                    .multipart(MultiPart::alternative_plain_html(
                        message.body_text.clone(),
                        message.body_html.clone(),
                    ))
                    .map_err(|e| Failure::Permanent(e.to_string()))?;
                if let Some((_, dkim)) = own {
                    email.sign(&dkim);
                }
                match transport.send(email).await {
                    Ok(_) => Ok(None),
                    // A 5xx answer to our message is about the recipient (unknown user, mailbox full).
                    Err(e) if e.is_permanent() => Err(Failure::Rejected(e.to_string())),
                    Err(e) => Err(Failure::Transient(e.to_string())),
                }
            }
        }
    }

    /// The customer's own address for `message`, with the DKIM signature of its domain; None
    /// for MAIL_FROM's (or when the domain is no longer verified: never unsigned mail from it).
    async fn own_domain(&self, message: &Claimed) -> Result<Option<(Address, DkimConfig)>, Failure> {
        let Some(address) = message.from_address.as_deref().and_then(|a| a.parse::<Address>().ok()) else {
            return Ok(None);
        };
        let (Some(user_id), domain) = (message.user_id, address.domain().to_owned()) else {
            return Ok(None);
        };
        let Some((id, selector, sealed)) = store::dkim_key(&self.pool, user_id, &domain)
            .await
            .map_err(|e| Failure::Transient(e.to_string()))?
        else {
            return Ok(None);
        };
        let pem = self
            .keys
            .open(app::platform::crypto::Place::new("sending_domains", id), &sealed)
            .map_err(|_| Failure::Permanent(format!("the DKIM key of {domain} does not open")))?;
        let key = DkimSigningKey::new(&pem, DkimSigningAlgorithm::Rsa)
            .map_err(|e| Failure::Permanent(format!("the DKIM key of {domain}: {e}")))?;
        // Not Content-Type: lettre writes a multipart's with its body, after the signature, and
        // would sign it as absent.
        let headers = [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Reply-To",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "MIME-Version",
        ]
        .into_iter()
        .map(HeaderName::new_from_ascii_str)
        .collect();
        let relaxed = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        Ok(Some((
            address,
            DkimConfig::new(selector, domain, key, headers, relaxed),
        )))
    }

    async fn to_dev_mailbox(&self, message: &Claimed, subject: &str) -> Result<(), Failure> {
        store::to_dev_mailbox(&self.pool, message, subject)
            .await
            .map_err(|e| Failure::Transient(e.to_string()))
    }

    /// One text through Telnyx (`POST /v2/messages`); 4xx is permanent, the rest retried.
    /// Telnyx's message id comes back, to match the delivery reports it sends later.
    async fn text(&self, message: &Claimed) -> Result<Option<String>, Failure> {
        match &self.texter {
            Texter::DevMailbox => {
                let subject = match &message.from_number {
                    Some(number) => format!("SMS from {number}"),
                    None => "SMS".to_owned(),
                };
                self.to_dev_mailbox(message, &subject).await.map(|()| None)
            }
            Texter::Unavailable => Err(Failure::Permanent("no SMS provider is configured".into())),
            Texter::Telnyx { http, settings } => {
                let response = http
                    .post(format!("{}/v2/messages", settings.api_base))
                    .bearer_auth(&settings.api_key)
                    .json(&serde_json::json!({
                        "from": message.from_number.as_deref().unwrap_or(&settings.from),
                        "to": message.recipient,
                        "text": message.body_text,
                    }))
                    .send()
                    .await
                    .map_err(|e| Failure::Transient(e.to_string()))?;
                let status = response.status();
                if status.is_success() {
                    let body: serde_json::Value = response.json().await.unwrap_or_default();
                    Ok(body["data"]["id"].as_str().map(str::to_owned))
                } else if matches!(status.as_u16(), 400 | 422) {
                    // Telnyx refuses the number itself (invalid, landline, not reachable).
                    Err(Failure::Rejected(format!("Telnyx answered {status}")))
                } else if status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS {
                    // Our key or account (401, 403): not the recipient's fault.
                    Err(Failure::Permanent(format!("Telnyx answered {status}")))
                } else {
                    Err(Failure::Transient(format!("Telnyx answered {status}")))
                }
            }
        }
    }

    /// One alert to one browser (the recipient is its subscription's id). A subscription the
    /// push service says is gone is forgotten, so nothing is sent to it again.
    async fn push(&self, message: &Claimed) -> Result<(), Failure> {
        let Some(pusher) = &self.pusher else {
            return Err(Failure::Permanent("Web Push is not set up (VAPID_PRIVATE_KEY)".into()));
        };
        let id: i64 = message
            .recipient
            .parse()
            .map_err(|_| Failure::Permanent("not a subscription id".into()))?;
        let Some(subscription) = store::push_subscription(&self.pool, id)
            .await
            .map_err(|e| Failure::Transient(e.to_string()))?
        else {
            return Err(Failure::Permanent("the browser turned alerts off".into()));
        };
        // Kept a day while the phone is off: a reply older than that is in the inbox anyway.
        match pusher
            .send(&subscription, message.body_text.as_bytes(), Duration::from_secs(86_400))
            .await
        {
            Ok(()) => Ok(()),
            Err(PushError::Gone) => {
                store::forget_push_subscription(&self.pool, id)
                    .await
                    .map_err(|e| Failure::Transient(e.to_string()))?;
                Err(Failure::Permanent("the push service says this browser is gone".into()))
            }
            Err(PushError::Unavailable(why)) => Err(Failure::Transient(why)),
            Err(e) => Err(Failure::Permanent(e.to_string())),
        }
    }

    async fn record_failure(&self, message: &Claimed, failure: Failure) -> anyhow::Result<()> {
        let rejected = matches!(failure, Failure::Rejected(_));
        let (status, error, delay) = match failure {
            Failure::Permanent(e) | Failure::Rejected(e) => (DeliveryStatus::Failed, e, 0.0),
            Failure::Transient(e) if message.attempts >= MAX_ATTEMPTS => (DeliveryStatus::Failed, e, 0.0),
            Failure::Transient(e) => (DeliveryStatus::Pending, e, backoff(message.attempts).as_secs_f64()),
        };
        tracing::warn!(outbox_id = message.id, attempts = message.attempts, status = status.as_str(), error = %error, "message not delivered");
        if rejected {
            let addressed = message.addressed();
            for hook in &self.hooks {
                hook.rejected(&self.pool, &addressed, &error).await?;
            }
        }
        // Only a message still ours: an opt-out may have cancelled it meanwhile. A retry that
        // would land after the allowed hours end is cancelled rather than sent late.
        Ok(store::record_failure(&self.pool, message.id, status, &error, delay).await?)
    }

    /// A message whose allowed hours ended before it could go (a backlog, workers down)
    /// is cancelled: a text at 21:15 or 03:00 is worse than none.
    async fn cancel_expired(&self) -> anyhow::Result<()> {
        Ok(store::cancel_expired(&self.pool).await?)
    }

    /// A worker that died mid-delivery leaves `sending` behind. Whether the mail server
    /// got it is unknown; the message is marked failed rather than risk a second copy.
    async fn fail_interrupted(&self) -> anyhow::Result<()> {
        Ok(store::fail_interrupted(&self.pool, INTERRUPTED_AFTER_SECS).await?)
    }
}

/// 10 s, 20 s, 40 s ... capped at one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(0);
    Duration::from_secs(10u64.saturating_mul(2u64.saturating_pow(exponent)).min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(2), Duration::from_secs(20));
        assert_eq!(backoff(5), Duration::from_secs(160));
        assert_eq!(backoff(12), Duration::from_secs(3600));
    }
}
