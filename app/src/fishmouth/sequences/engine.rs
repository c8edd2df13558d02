//! The delivery engine: claims enrollments whose next step is due (FOR UPDATE SKIP LOCKED),
//! and in the same transaction writes each step's message to the outbox under the key
//! `seq:<enrollment>:<step>`, records the step in `fm_enrollment_steps` (primary key
//! (enrollment, step)) and schedules the next one. A crash before the commit leaves the
//! enrollment due for the next worker; after it, the step is done. Either way: one message.
//! Email keeps to each contractor's 24-hour allowance (`domain::sending::daily_email_limit`):
//! a step over it waits an hour.

use std::collections::HashMap;

use domain::sending::daily_email_limit;
use jiff::{Timestamp, tz::TimeZone};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use domain::fishmouth::{
    schedule::SendingWindow,
    schedule::{after_delay, allowed_until, next_send_at},
    sequence::{EnrollmentState, MergeData, Span, StepKind, Version, link_spans, render, sender_name, us_state},
};

use super::store::{self, Due, Pending};
pub use super::store::{stop_for_contact, stop_for_lead};
use crate::components::escape_html as escape;
use crate::platform::outbox::{Addressed, DeliveryHook, HookFuture};

/// The engine's time: the real clock, plus an offset that only development changes
/// (`/api/dev/sequences-advance`, so an end-to-end test can live through days of a
/// sequence in seconds). Production never moves it.
#[derive(Clone, Default)]
pub struct Clock(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl Clock {
    pub fn now(&self) -> Timestamp {
        let offset = self.0.load(std::sync::atomic::Ordering::Relaxed);
        after_delay_secs(Timestamp::now(), offset)
    }

    /// Moves the engine's time forward to `to` (never back).
    pub fn advance_to(&self, to: Timestamp) {
        let offset = to.as_second() - Timestamp::now().as_second();
        self.0.fetch_max(offset, std::sync::atomic::Ordering::Relaxed);
    }
}

fn after_delay_secs(t: Timestamp, secs: i64) -> Timestamp {
    t.checked_add(jiff::SignedDuration::from_secs(secs)).unwrap_or(t)
}

/// Where links and replies in sequence messages point.
#[derive(Clone)]
pub struct Engine {
    pub pool: PgPool,
    pub clock: Clock,
    /// Base of the unsubscribe links (never taken from a request).
    pub public_url: String,
    /// Replies go to `reply+<enrollment id>@<reply_domain>`, which the inbound mail webhook reads.
    pub reply_domain: Option<String>,
}

/// What a batch did: the lag (seconds between due and claimed) of every step it took.
#[derive(Debug, Default)]
pub struct Batch {
    pub lags: Vec<f64>,
}

/// Rows written at the end of a batch, as columns for one UNNEST each.
#[derive(Default)]
struct Writes {
    messages: store::Messages,
    calls: store::CallsQueued,
    links: store::Links,
    steps: store::StepsTaken,
    enrollments: store::EnrollmentUpdates,
}

impl Engine {
    /// Due steps the worker takes in one transaction.
    pub const BATCH: i64 = 500;

    /// `public_url` is the base of unsubscribe links (a trailing slash is dropped).
    pub fn new(pool: PgPool, clock: Clock, public_url: &str, reply_domain: Option<String>) -> Self {
        Self {
            pool,
            clock,
            public_url: public_url.trim_end_matches('/').to_owned(),
            reply_domain,
        }
    }

    /// Queues one batch of due steps; true when it was full, so more may be waiting.
    pub async fn run_batch(&self) -> Result<bool, sqlx::Error> {
        let batch = self.run_once(Self::BATCH).await?;
        Ok(batch.lags.len() as i64 == Self::BATCH)
    }

    /// Takes up to `limit` due steps and queues them, all in one transaction.
    pub async fn run_once(&self, limit: i64) -> Result<Batch, sqlx::Error> {
        let now = self.clock.now();
        let at = to_offset(now);
        let mut tx = self.pool.begin().await?;
        let claimed = store::claim_due(&mut tx, limit, at).await?;
        if claimed.is_empty() {
            return Ok(Batch::default());
        }
        let due = store::load_due(&mut tx, &claimed, at).await?;
        let mut users: Vec<Uuid> = due
            .iter()
            .filter(|row| row.kind.as_deref() == Some("email"))
            .map(|row| row.user_id)
            .collect();
        users.sort_unstable();
        users.dedup();
        // Each contractor's sequence email left for the last 24 hours: her cap, or her new
        // domain's warm-up. Counted under her lock, after any batch spending it has committed.
        store::lock_email_allowances(&mut tx, &users).await?;
        let mut email_left: HashMap<Uuid, i64> = store::email_allowances(&mut *tx, &users)
            .await?
            .into_iter()
            .map(|a| match a.paused {
                Some(_) => (a.user_id, 0),
                None => (a.user_id, daily_email_limit(a.days_verified) - a.sent),
            })
            .collect();
        let mut w = Writes::default();
        let mut batch = Batch {
            lags: Vec::with_capacity(due.len()),
        };
        for row in &due {
            batch.lags.push(row.lag_secs.max(0.0));
            self.plan(row, now, &mut email_left, &mut w);
        }
        write(&mut tx, &w, at).await?;
        tx.commit().await?;
        Ok(batch)
    }

    /// Decides what one due enrollment does now, adding its rows to `w`.
    fn plan(&self, row: &Due, now: Timestamp, email_left: &mut HashMap<Uuid, i64>, w: &mut Writes) {
        let (Some(step_id), Some(kind)) = (row.step_id, row.kind.as_deref().and_then(StepKind::parse)) else {
            w.enrollment(row.id, EnrollmentState::Finished, None, None);
            return;
        };
        if row.opted_out {
            // The opt-out itself stops the enrollment; this only covers one that raced it.
            w.enrollment(row.id, EnrollmentState::Stopped, Some("opted_out"), None);
            return;
        }
        // Due, but perhaps not allowed now (the sequence was paused, the workers were down,
        // or the lead's zone says it is night): wait for the next allowed moment instead.
        let window = window_of(row.window_days, row.window_start, row.window_end);
        let (zone, state) = zone_and_state(&row.timezone, &row.address);
        let Some(until) = allowed_until(now, &window, &zone, state) else {
            let next = next_send_at(now, &window, &zone, state).unwrap_or_else(|| after_delay(now, 7 * 24 * 60));
            w.waiting(row.id, to_offset(next));
            return;
        };
        let until = to_offset(until);
        if kind == StepKind::Email && row.email.is_some() {
            let left = email_left.entry(row.user_id).or_insert(0);
            if *left <= 0 {
                // Over her 24-hour allowance: the step waits, and is tried again in an hour.
                w.waiting(row.id, to_offset(after_delay(now, 60)));
                return;
            }
            *left -= 1;
        }
        let key = format!("seq:{}:{}", row.id, step_id);
        let data = MergeData {
            owner_name: row.owner_name.clone(),
            address: row.address.clone(),
            company: row.company.clone(),
            rep_name: row.rep_name.clone(),
        };
        // An A/B step: this lead's version, the same on every try.
        fn text(t: &Option<String>) -> &str {
            t.as_deref().unwrap_or_default()
        }
        let a = (text(&row.subject), text(&row.body));
        let b = (text(&row.variant_subject), text(&row.variant_body));
        let version = Version::of(kind, b, row.id.as_bytes());
        let (subject, body) = version.map_or(a, |v| v.pick(a, b));
        let body = render(body, &data);
        // Set when she counts opens: the email's pixel, recorded with the step.
        let mut open_token = None;
        let outcome: Result<(), &str> = match kind {
            StepKind::Email => match &row.email {
                None => Err("no email address for this lead"),
                Some(_) if row.company.trim().is_empty() || row.postal_address.trim().is_empty() => {
                    Err("no company name or postal address on your profile: the law requires them in marketing email")
                }
                Some(email) => {
                    let subject = render(subject, &data);
                    let unsubscribe = format!("{}/u/{}", self.public_url, row.unsubscribe_token);
                    let one_click = format!("{}/unsubscribe/{}", self.public_url, row.unsubscribe_token);
                    let footer = format!(
                        "{}\n{}\nTo stop these emails: {unsubscribe}",
                        row.company, row.postal_address
                    );
                    w.messages.keys.push(key.clone());
                    w.messages.user_ids.push(row.user_id);
                    w.messages.channels.push("email");
                    w.messages.recipients.push(email.clone());
                    w.messages.subjects.push(subject);
                    // Each web address in it goes through our redirect, to count its clicks.
                    let mut track = |url: &str| {
                        let token = Uuid::new_v4().simple().to_string();
                        w.links.tokens.push(token.clone());
                        w.links.user_ids.push(row.user_id);
                        w.links.enrollment_ids.push(row.id);
                        w.links.step_ids.push(step_id);
                        w.links.urls.push(url.chars().take(2000).collect());
                        format!("{}/c/{token}", self.public_url)
                    };
                    let pixel = row.track_opens.then(|| {
                        let token = Uuid::new_v4().simple().to_string();
                        let url = format!("{}/o/{token}", self.public_url);
                        open_token = Some(token);
                        url
                    });
                    let html = email_html(
                        &body,
                        &row.company,
                        &row.postal_address,
                        &unsubscribe,
                        pixel.as_deref(),
                        &mut track,
                    );
                    w.messages.htmls.push(html);
                    w.messages.texts.push(format!("{body}\n\n--\n{footer}\n"));
                    w.messages.list_unsubscribes.push(Some(one_click));
                    w.messages.reply_tos.push(
                        self.reply_domain
                            .as_ref()
                            .map(|d| format!("reply+{}@{d}", row.id.simple())),
                    );
                    w.messages.not_after.push(until);
                    w.messages.senders.push(sender_name(&row.rep_name, &row.company));
                    Ok(())
                }
            },
            StepKind::Sms => match (&row.phone, row.sms_consent) {
                (None, _) => Err("no mobile number for this lead"),
                (Some(_), false) => Err("no consent to text recorded for this lead"),
                (Some(phone), true) => {
                    w.messages.keys.push(key.clone());
                    w.messages.user_ids.push(row.user_id);
                    w.messages.channels.push("sms");
                    w.messages.recipients.push(phone.clone());
                    w.messages.subjects.push(String::new());
                    w.messages.texts.push(format!("{body}\nReply STOP to opt out."));
                    w.messages.htmls.push(String::new());
                    w.messages.list_unsubscribes.push(None);
                    w.messages.reply_tos.push(None);
                    w.messages.not_after.push(until);
                    w.messages.senders.push(String::new());
                    Ok(())
                }
            },
            // The call assistant's call: queued here, dialled by the calls worker once the law
            // allows (written consent, calling hours, no opt-out), which it checks again then.
            StepKind::AiCall => match &row.phone {
                None => Err("no phone number for this lead"),
                Some(phone) => {
                    let c = &mut w.calls;
                    c.ids.push(Uuid::new_v4());
                    c.user_ids.push(row.user_id);
                    c.lead_ids.push(row.lead_id);
                    c.enrollment_ids.push(row.id);
                    c.step_ids.push(step_id);
                    c.phones.push(phone.clone());
                    c.media_tokens
                        .push(format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple()));
                    c.goals.push(body.clone());
                    Ok(())
                }
            },
            StepKind::Call | StepKind::Task => {
                // The rep's task waits in their list; the enrollment waits for the rep.
                w.step(row, step_id, "task_open", None, Taken::default());
                w.enrollment(row.id, EnrollmentState::Active, None, None);
                return;
            }
        };
        match outcome {
            Ok(()) => {
                // An AI call is in fm_calls, not the outbox.
                let taken = Taken {
                    outbox_key: (kind != StepKind::AiCall).then_some(key),
                    version,
                    open_token,
                };
                w.step(row, step_id, "queued", None, taken);
            }
            Err(why) => {
                let taken = Taken {
                    version,
                    ..Taken::default()
                };
                w.step(row, step_id, "skipped", Some(why.to_owned()), taken);
            }
        }
        match row.next_delay {
            None => w.enrollment(row.id, EnrollmentState::Finished, None, None),
            Some(delay) => {
                let next = next_time(now, delay, &window, &row.timezone, &row.address);
                w.enrollment(row.id, EnrollmentState::Active, None, Some(next));
            }
        }
    }
}

/// What a step taken sent: its outbox message, the A/B version, the open pixel's token.
#[derive(Default)]
struct Taken {
    outbox_key: Option<String>,
    version: Option<Version>,
    open_token: Option<String>,
}

impl Writes {
    fn step(&mut self, row: &Due, step: Uuid, outcome: &'static str, detail: Option<String>, taken: Taken) {
        let Taken {
            outbox_key: key,
            version,
            open_token,
        } = taken;
        self.steps.enrollment_ids.push(row.id);
        self.steps.step_ids.push(step);
        self.steps.user_ids.push(row.user_id);
        self.steps.outcomes.push(outcome);
        self.steps.details.push(detail);
        self.steps.outbox_keys.push(key);
        self.steps.versions.push(version.map(Version::as_str));
        self.steps.open_tokens.push(open_token);
    }

    /// The enrollment took a step (or ended): its next step's delay counts from now.
    fn enrollment(
        &mut self,
        id: Uuid,
        state: EnrollmentState,
        reason: Option<&'static str>,
        next: Option<time::OffsetDateTime>,
    ) {
        self.enrollments.ids.push(id);
        self.enrollments.states.push(state.as_str());
        self.enrollments.stop_reasons.push(reason);
        self.enrollments.next_due.push(next);
        self.enrollments.stepped.push(true);
    }

    /// The step is due but not allowed yet: only its time moves.
    fn waiting(&mut self, id: Uuid, until: time::OffsetDateTime) {
        self.enrollments.ids.push(id);
        self.enrollments.states.push(EnrollmentState::Active.as_str());
        self.enrollments.stop_reasons.push(None);
        self.enrollments.next_due.push(Some(until));
        self.enrollments.stepped.push(false);
    }
}

async fn write(tx: &mut PgConnection, w: &Writes, now: time::OffsetDateTime) -> Result<(), sqlx::Error> {
    if !w.messages.keys.is_empty() {
        store::queue_messages(&mut *tx, &w.messages).await?;
    }
    if !w.links.tokens.is_empty() {
        store::insert_links(&mut *tx, &w.links).await?;
    }
    if !w.calls.ids.is_empty() {
        store::queue_calls(&mut *tx, &w.calls).await?;
    }
    if !w.steps.step_ids.is_empty() {
        store::record_steps(&mut *tx, &w.steps, now).await?;
    }
    store::update_enrollments(&mut *tx, &w.enrollments, now).await
}

/// The email's HTML: her words escaped, each web address a link to `href(address)`; the
/// footer says that links are counted, when there are any, and that opens are, with `pixel`.
fn email_html(
    body: &str,
    company: &str,
    postal_address: &str,
    unsubscribe: &str,
    pixel: Option<&str>,
    href: &mut dyn FnMut(&str) -> String,
) -> String {
    let mut linked = false;
    let paragraphs: String = body
        .split("\n\n")
        .map(|p| {
            let html: String = link_spans(p)
                .into_iter()
                .map(|span| match span {
                    Span::Text(text) => escape(text).replace('\n', "<br>"),
                    Span::Link(url) => {
                        linked = true;
                        format!("<a href=\"{}\">{}</a>", escape(&href(url)), escape(url))
                    }
                })
                .collect();
            format!("<p>{html}</p>")
        })
        .collect();
    let mut counted = String::new();
    if linked {
        counted += &format!(
            "<br>Links in this email pass through Fish Mouth, which tells {} how often they are opened (nothing about you).",
            escape(company)
        );
    }
    if let Some(pixel) = pixel {
        counted += &format!(
            "<br>This email holds a tiny image that tells {} when it is opened.<img src=\"{}\" width=\"1\" height=\"1\" alt=\"\">",
            escape(company),
            escape(pixel)
        );
    }
    format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">{paragraphs}\
         <hr><p style=\"color:#555;font-size:13px\">{}<br>{}<br><a href=\"{}\">Unsubscribe</a> from these emails.{counted}</p></body></html>",
        escape(company),
        escape(postal_address),
        escape(unsubscribe)
    )
}

pub fn window_of(days: i16, start: i16, end: i16) -> SendingWindow {
    SendingWindow {
        days: u8::try_from(days).unwrap_or(0),
        start_hour: u8::try_from(start).unwrap_or(0),
        end_hour: u8::try_from(end).unwrap_or(0),
    }
}

/// When the step after `previous` with `delay_minutes` may go, for a lead at `address` in
/// `timezone`. A zone we cannot read falls back to Eastern time with the strictest state
/// hours, so a bad record can only make us later, never earlier.
pub fn next_time(
    previous: Timestamp,
    delay_minutes: i32,
    window: &SendingWindow,
    timezone: &str,
    address: &str,
) -> time::OffsetDateTime {
    let (zone, state) = zone_and_state(timezone, address);
    let earliest = after_delay(previous, delay_minutes);
    // A saved window always has a legal hour; if not, a week later keeps the step out of quiet hours.
    let at = next_send_at(earliest, window, &zone, state).unwrap_or_else(|| after_delay(earliest, 7 * 24 * 60));
    to_offset(at)
}

/// The lead's zone and state; an unreadable state is None, which the rules read as the strictest.
pub fn zone_and_state<'a>(timezone: &str, address: &'a str) -> (TimeZone, Option<&'a str>) {
    match TimeZone::get(timezone) {
        Ok(zone) => (zone, us_state(address)),
        Err(_) => (TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC), None),
    }
}

pub fn to_offset(t: Timestamp) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(t.as_nanosecond()).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

pub fn to_timestamp(t: time::OffsetDateTime) -> Timestamp {
    Timestamp::from_nanosecond(t.unix_timestamp_nanos()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Recomputes when each given active enrollment's next step is due, from what it has
/// done and the sequence as it is now: after an edit, a resume or a finished task.
/// An enrollment with nothing left to do finishes; one with an open task waits for it.
pub async fn reschedule(conn: &mut PgConnection, ids: &[Uuid]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    // Lock first, then read with a fresh snapshot: a task the engine opened while we
    // waited for the lock must be seen, or the enrollment would skip past it.
    let locked = store::lock_active(conn, ids).await?;
    let rows: Vec<Pending> = store::pending(conn, &locked).await?;
    let mut w = Writes::default();
    for row in rows {
        match (row.waiting, row.delay) {
            (true, _) => w.enrollment(row.id, EnrollmentState::Active, None, None),
            (false, None) => w.enrollment(row.id, EnrollmentState::Finished, None, None),
            (false, Some(delay)) => {
                let window = window_of(row.window_days, row.window_start, row.window_end);
                let next = next_time(
                    to_timestamp(row.last_step_at),
                    delay,
                    &window,
                    &row.timezone,
                    &row.address,
                );
                w.enrollment(row.id, EnrollmentState::Active, None, Some(next));
            }
        }
    }
    // `last_step_at` must not move: keep it by writing through a narrower update.
    store::set_schedules(conn, &w.enrollments).await
}

/// A contact asked to hear nothing more from this contractor on `channel`: record it,
/// stop every open enrollment of theirs with this contractor, and cancel what still waits
/// in the outbox. Idempotent. Returns the enrollments stopped.
pub async fn opt_out(
    conn: &mut PgConnection,
    user_id: Uuid,
    channel: &str,
    address: &str,
    source: &str,
) -> Result<u64, sqlx::Error> {
    store::insert_opt_out(&mut *conn, user_id, channel, address, source).await?;
    let stopped = stop_for_contact(conn, user_id, channel, address, "opted_out").await?;
    store::cancel_waiting_messages(&mut *conn, user_id, address).await?;
    Ok(stopped)
}

/// Fish Mouth's part in delivering the outbox: a sequence message to an address that has
/// opted out is withheld (the opt-out cancels it too; this covers one that raced it), and a
/// message the recipient's server refused stops its enrollment.
pub struct SequenceDelivery;

impl DeliveryHook for SequenceDelivery {
    fn withheld<'a>(&'a self, pool: &'a PgPool, messages: &'a [Addressed]) -> HookFuture<'a, Vec<i64>> {
        Box::pin(async move {
            let (mut ids, mut users, mut addresses) = (Vec::new(), Vec::new(), Vec::new());
            for message in messages.iter().filter(|m| m.idempotency_key.starts_with("seq:")) {
                if let Some(user) = message.user_id {
                    ids.push(message.id);
                    users.push(user);
                    addresses.push(message.recipient.as_str());
                }
            }
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            crate::fishmouth::store::opted_out(pool, &ids, &users, &addresses).await
        })
    }

    fn rejected<'a>(&'a self, pool: &'a PgPool, message: &'a Addressed, why: &'a str) -> HookFuture<'a, ()> {
        Box::pin(async move {
            if message.idempotency_key.starts_with("seq:") {
                bounced(pool, &message.idempotency_key, why).await?;
                if let Some(user_id) = message.user_id {
                    let mut tx = pool.begin().await?;
                    guard_reputation(&mut tx, user_id).await?;
                    tx.commit().await?;
                }
            }
            Ok(())
        })
    }
}

/// Pauses her email when her last 30 days call for it (`domain::sending::reputation_pause`),
/// and tells her why, once.
pub async fn guard_reputation(conn: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    let (sent, bounces, complaints) = store::reputation(&mut *conn, user_id).await?;
    let Some(why) = domain::sending::reputation_pause(sent, bounces, complaints) else {
        return Ok(());
    };
    if !store::pause_email(&mut *conn, user_id, why).await? {
        return Ok(());
    }
    tracing::warn!(%user_id, sent, bounces, complaints, "a contractor's email paused");
    let Some(to) = store::reply_alert_to(&mut *conn, user_id).await? else {
        return Ok(());
    };
    let message = crate::platform::email::compose(
        &crate::fishmouth::BRAND,
        "Your sequence emails are paused",
        "Hello,",
        &[
            &format!("We paused your sequence emails: {why}."),
            "Your texts, calls and tasks go on. Clean your list of addresses that bounce and people who did not ask to hear from you, then write to support to resume.",
        ],
        None,
    );
    let email = crate::platform::outbox::Email {
        sender: crate::fishmouth::BRAND.mail_sender,
        idempotency_key: format!("email-paused:{user_id}:{}", time::OffsetDateTime::now_utc().date()),
        user_id: Some(user_id),
        to,
        message,
    };
    crate::platform::outbox::enqueue_email(&mut *conn, email).await
}

/// A sequence message the outbox gave up on: the address does not work, so that
/// enrollment stops as bounced rather than keep trying it.
pub async fn bounced(pool: &PgPool, outbox_key: &str, why: &str) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    store::stop_bounced(&mut *tx, outbox_key).await?;
    store::record_bounce(&mut *tx, outbox_key, why).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_html_escapes_what_the_contractor_wrote() {
        let mut tracked = Vec::new();
        let html = email_html(
            "Hi <b>there</b>\n\nSecond: https://roofco.com/?a=1&b=\"2\".",
            "A & B Roofing",
            "1 Main St",
            "https://x/u/t",
            Some("https://x/o/px"),
            &mut |url| {
                tracked.push(url.to_owned());
                "https://x/c/tok".to_owned()
            },
        );
        assert!(html.contains("<p>Hi &lt;b&gt;there&lt;/b&gt;</p>"));
        assert!(
            html.contains(
                "<p>Second: <a href=\"https://x/c/tok\">https://roofco.com/?a=1&amp;b=&quot;2</a>&quot;.</p>"
            ),
            "{html}"
        );
        assert_eq!(tracked, ["https://roofco.com/?a=1&b=\"2"]);
        assert!(html.contains("Links in this email pass through Fish Mouth, which tells A &amp; B Roofing"));
        let plain = email_html(
            "No links",
            "Roofco",
            "1 Main St",
            "https://x/u/t",
            None,
            &mut |_| unreachable!(),
        );
        assert!(!plain.contains("Links in this email"));
        assert!(html.contains("tells A &amp; B Roofing when it is opened.<img src=\"https://x/o/px\""));
        assert!(!plain.contains("<img") && !plain.contains("when it is opened"));
        assert!(html.contains("A &amp; B Roofing") && html.contains("href=\"https://x/u/t\""));
    }

    #[test]
    fn a_zone_we_cannot_read_is_treated_as_the_strictest() {
        let window = SendingWindow {
            days: 0b111_1111,
            start_hour: 8,
            end_hour: 21,
        };
        // 20:30 Eastern (01:30 UTC) is legal in Georgia, but not under the strictest rule
        // (09:00-20:00), which an unreadable zone gets, read as Eastern time.
        let t: Timestamp = "2026-01-16T01:30:00Z".parse().expect("instant");
        let ga = next_time(t, 0, &window, "America/New_York", "1 Peach St, Atlanta, GA 30301");
        assert_eq!(to_timestamp(ga), t);
        let unknown = next_time(t, 0, &window, "Mars/Olympus", "1 Peach St, Atlanta, GA 30301");
        assert_eq!(to_timestamp(unknown), "2026-01-16T14:00:00Z".parse().expect("instant"));
    }
}
