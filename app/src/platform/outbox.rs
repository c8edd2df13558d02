//! Writing messages to the outbox, inside the caller's transaction. A worker
//! (server/src/workers/outbox.rs) delivers them.

#![cfg(feature = "ssr")]

use sqlx::PgConnection;
use uuid::Uuid;

pub struct Email {
    /// The display name it is sent under (the brand's `mail_sender`: "SasaMum"); the address
    /// is always MAIL_FROM's. Empty: MAIL_FROM's own name.
    pub sender: &'static str,
    /// The same key enqueued twice is one message.
    pub idempotency_key: String,
    pub user_id: Option<Uuid>,
    pub to: String,
    pub message: super::email::Message,
}

pub async fn enqueue_email(tx: &mut PgConnection, email: Email) -> Result<(), sqlx::Error> {
    let Email {
        sender,
        idempotency_key,
        user_id,
        to,
        message,
    } = email;
    let message = (message.subject.as_str(), message.text.as_str(), message.html.as_str());
    super::store::enqueue(tx, &idempotency_key, user_id, "email", sender, &to, message).await?;
    Ok(())
}

pub struct Sms {
    pub idempotency_key: String,
    pub user_id: Option<Uuid>,
    /// E.164, e.g. "+254712345678".
    pub to: String,
    pub text: String,
}

/// Queues a text; false when its key was queued before (nothing new is sent).
pub async fn enqueue_sms(tx: &mut PgConnection, sms: Sms) -> Result<bool, sqlx::Error> {
    let Sms {
        idempotency_key,
        user_id,
        to,
        text,
    } = sms;
    super::store::enqueue(tx, &idempotency_key, user_id, "sms", "", &to, ("", &text, "")).await
}

/// An alert for every browser where someone turned alerts on (Web Push).
pub struct Push {
    /// Each browser's message is this key and its subscription's id.
    pub idempotency_key: String,
    pub user_id: Uuid,
    pub title: String,
    pub body: String,
    /// The page the alert opens, a path on our site ("/pro/inbox").
    pub url: String,
}

/// Queues `push` to each of the person's browsers; how many it went to.
pub async fn enqueue_push(tx: &mut PgConnection, push: Push) -> Result<u64, sqlx::Error> {
    // What the service worker shows (public/sw.js); short, for a lock screen.
    let clip = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let payload = serde_json::json!({
        "title": clip(&push.title, 100),
        "body": clip(&push.body, 300),
        "url": push.url,
    })
    .to_string();
    super::store::enqueue_push(tx, &push.idempotency_key, push.user_id, &payload).await
}

/// A message the outbox worker has claimed, as a product's delivery hook sees it.
#[derive(Debug, Clone)]
pub struct Addressed {
    pub id: i64,
    pub user_id: Option<Uuid>,
    pub recipient: String,
    pub idempotency_key: String,
}

pub type HookFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, sqlx::Error>> + Send + 'a>>;

/// What a product adds to delivery without the outbox knowing the product: which claimed
/// messages must not go after all (an opt-out that raced the send), and what a recipient's
/// server refusing a message means to it.
pub trait DeliveryHook: Send + Sync {
    /// The ids, among `messages`, that must be cancelled instead of sent.
    fn withheld<'a>(&'a self, pool: &'a sqlx::PgPool, messages: &'a [Addressed]) -> HookFuture<'a, Vec<i64>>;
    /// The recipient's server refused `message` for good.
    fn rejected<'a>(&'a self, pool: &'a sqlx::PgPool, message: &'a Addressed, why: &'a str) -> HookFuture<'a, ()>;
}
