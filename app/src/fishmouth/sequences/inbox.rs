//! The reply inbox: every homeowner's reply, by email or text message, across her leads,
//! newest first; what she has not read, and what still waits for her answer, until she marks
//! it done. A new reply also reaches her by email at once (`inbound::record`).

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::store;
use crate::components::{FormError, Loaded, last_error, or_hint, retrying, saves};
use crate::error::AppError;

/// What the inbox shows: as the `show` query names it, and its chip. `booked`: replies of
/// leads she has booked an appointment with (or quoted, or won).
const FILTERS: [(&str, &str); 4] = [
    ("open", "Needs reply"),
    ("unread", "Unread"),
    ("booked", "Booked"),
    ("all", "All"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub id: i64,
    pub lead_id: Option<Uuid>,
    /// `email` or `sms`.
    pub channel: String,
    pub from: String,
    pub body: String,
    pub received: String,
    pub read: bool,
    pub done: bool,
    /// The lead's street and owner, when the reply is tied to a lead.
    pub street: Option<String>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub replies: Vec<Reply>,
    pub unread: i64,
}

#[server(prefix = "/api/pro", endpoint = "inbox", input = GetUrl)]
pub async fn load_inbox(#[server(default)] show: String) -> Result<Inbox, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = crate::platform::services()?.pool;
    let show = FILTERS
        .iter()
        .map(|(code, _)| *code)
        .find(|c| *c == show)
        .unwrap_or("open");
    let rows = store::inbox(&pool, user.id, show).await?;
    let unread = store::unread_replies(&pool, user.id).await?;
    Ok(Inbox {
        replies: rows
            .into_iter()
            .map(|r| Reply {
                id: r.id,
                lead_id: r.lead_id,
                channel: r.channel,
                from: r.address,
                body: r.body,
                received: format!(
                    "{} {:02}:{:02} UTC",
                    r.received_at.date(),
                    r.received_at.hour(),
                    r.received_at.minute()
                ),
                read: r.read,
                done: r.done,
                street: r.street,
                owner: r.owner,
            })
            .collect(),
        unread,
    })
}

/// How many of her replies she has not read (the header's badge asks every 15 seconds).
#[server(prefix = "/api/pro", endpoint = "inbox-unread", input = GetUrl)]
pub async fn unread_count() -> Result<i64, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = crate::platform::services()?.pool;
    Ok(store::unread_replies(&pool, user.id).await?)
}

/// The header's link to her inbox, with the number of unread replies. The count is asked
/// for once the page is live, again every 15 seconds and whenever she comes back to the tab,
/// so a new reply shows without a reload; the server renders the plain link, so hydration
/// finds the same markup.
#[component]
pub fn InboxBadge() -> impl IntoView {
    let unread = RwSignal::new(0i64);
    #[cfg(feature = "hydrate")]
    {
        let fetch = move || {
            leptos::task::spawn_local(async move {
                if let Ok(n) = unread_count().await {
                    unread.set(n);
                }
            })
        };
        Effect::new(move |_| fetch());
        if let Ok(handle) = set_interval_with_handle(fetch, std::time::Duration::from_secs(15)) {
            on_cleanup(move || handle.clear());
        }
        // Coming back to the tab asks at once.
        let focus = window_event_listener(leptos::ev::focus, move |_| fetch());
        on_cleanup(move || focus.remove());
    }
    view! {
        <a href="/pro/inbox" class="inbox-nav">
            "Inbox"
            {move || {
                let n = unread.get();
                (n > 0).then(|| view! { " " <span class="badge" aria-label=format!("{n} unread")>{n}</span> })
            }}
        </a>
    }
}

/// Marks one of her replies `read`, `done` (and read) or `open` again.
#[server(prefix = "/api/pro", endpoint = "inbox-mark")]
pub async fn mark_reply(id: String, state: String) -> Result<(), AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound)?;
    if !["read", "done", "open"].contains(&state.as_str()) {
        return Err(AppError::field("state", "choose read, done or open"));
    }
    let pool = crate::platform::services()?.pool;
    if !store::mark_reply(&pool, user.id, id, &state).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Answers one of her replies where it came from, by email or text message: never to someone
/// who opted out, and a text only in the hours the law allows where they live (outside them it
/// waits, and the answer says until when, their time). The reply is then done.
#[server(prefix = "/api/pro", endpoint = "inbox-answer")]
pub async fn answer_reply(id: String, #[server(default)] body: String) -> Result<Option<String>, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound)?;
    let body = body.trim().replace('\0', "");
    if body.is_empty() {
        return Err(AppError::field("body", "write your answer"));
    }
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    let reply = store::reply_context(&mut *tx, user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (message, later) = ssr::answer(&reply, &body, id, user.id, jiff::Timestamp::now())?;
    store::queue_messages(&mut *tx, &message).await?;
    if let Some((at, _)) = &later {
        store::send_not_before(&mut *tx, &message.keys[0], *at).await?;
    }
    store::mark_reply(&mut *tx, user.id, id, "done").await?;
    tx.commit().await?;
    Ok(later.map(|(_, local)| local))
}

#[server(prefix = "/api/pro", endpoint = "inbox-read-all")]
pub async fn mark_all_read() -> Result<u64, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = crate::platform::services()?.pool;
    Ok(store::mark_all_read(&pool, user.id).await?)
}

#[cfg(feature = "ssr")]
mod ssr {
    use domain::fishmouth::schedule::{ANY_TIME, allowed_until, next_send_at};
    use domain::fishmouth::sequence::{sender_name, us_state};
    use jiff::Timestamp;

    use super::super::store::{Messages, ReplyContext};
    use crate::error::AppError;

    /// A text outside the hours the law allows waits: from when it may go, and that moment
    /// in the lead's own time ("Mon 09:00").
    pub type Later = Option<(time::OffsetDateTime, String)>;

    /// The outbox message that answers `reply` (and when it goes, if not now), or why it may not.
    pub fn answer(
        reply: &ReplyContext,
        body: &str,
        id: i64,
        user_id: uuid::Uuid,
        now: Timestamp,
    ) -> Result<(Messages, Later), AppError> {
        if reply.opted_out {
            return Err(AppError::field(
                "body",
                "they opted out: you may not write to them again this way",
            ));
        }
        let key = format!("inbox-answer:{id}:{}", uuid::Uuid::new_v4().simple());
        let far = time::OffsetDateTime::now_utc() + time::Duration::days(1);
        let mut m = Messages::default();
        let mut later = None;
        match reply.channel.as_str() {
            "sms" => {
                if body.chars().count() > 1000 {
                    return Err(AppError::field("body", "use at most 1,000 characters in a text"));
                }
                // Texts keep to the hours the law allows in the lead's state and zone.
                let zone = reply
                    .timezone
                    .as_deref()
                    .and_then(|z| jiff::tz::db().get(z).ok())
                    .ok_or_else(|| {
                        AppError::field("body", "this number is not one of your leads: call them instead")
                    })?;
                // Outside those hours it waits for them to open.
                let state = reply.street.as_deref().and_then(us_state);
                let opens = next_send_at(now, &ANY_TIME, &zone, state)
                    .ok_or_else(|| AppError::field("body", "texting is not allowed where they live this week"))?;
                let until = allowed_until(opens, &ANY_TIME, &zone, state).unwrap_or(opens);
                if opens > now {
                    later = Some((
                        time::OffsetDateTime::from_unix_timestamp(opens.as_second()).unwrap_or(far),
                        zone.to_datetime(opens).strftime("%a %H:%M").to_string(),
                    ));
                }
                m.channels.push("sms");
                m.subjects.push(String::new());
                m.texts.push(body.to_owned());
                m.htmls.push(String::new());
                m.reply_tos.push(None);
                m.senders.push(String::new());
                m.not_after
                    .push(time::OffsetDateTime::from_unix_timestamp(until.as_second()).unwrap_or(far));
            }
            _ => {
                if body.chars().count() > 10_000 {
                    return Err(AppError::field("body", "use at most 10,000 characters"));
                }
                let subject = reply.body.lines().next().unwrap_or_default().trim();
                let subject = subject.trim_start_matches("Re:").trim_start_matches("RE:").trim();
                let footer = [reply.company.as_str(), reply.postal_address.as_str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n");
                let services = crate::fishmouth::ssr::fishmouth()?;
                m.channels.push("email");
                m.subjects.push(format!(
                    "Re: {}",
                    if subject.is_empty() { "your reply" } else { subject }
                ));
                m.texts.push(format!("{body}\n\n--\n{footer}\n"));
                m.htmls.push(format!(
                    "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">{}<hr><p style=\"color:#555;font-size:13px\">{}</p></body></html>",
                    body.split("\n\n")
                        .map(|p| format!("<p>{}</p>", crate::components::escape_html(p).replace('\n', "<br>")))
                        .collect::<String>(),
                    crate::components::escape_html(&footer).replace('\n', "<br>")
                ));
                m.reply_tos.push(
                    reply
                        .enrollment_id
                        .zip(services.reply_domain.as_ref())
                        .map(|(e, d)| format!("reply+{}@{d}", e.simple())),
                );
                m.senders.push(sender_name(&reply.rep_name, &reply.company));
                m.not_after.push(far);
            }
        }
        m.keys.push(key);
        m.user_ids.push(user_id);
        m.recipients.push(reply.address.clone());
        m.list_unsubscribes.push(None);
        Ok((m, later))
    }
}

/// `/pro/inbox`
#[component]
pub fn InboxPage() -> impl IntoView {
    let mark = ServerAction::<MarkReply>::new();
    let all_read = ServerAction::<MarkAllRead>::new();
    let answer = ServerAction::<AnswerReply>::new();
    let saved = saves![mark, all_read, answer];
    // A text answered outside the hours it may go in waits; the page says until when.
    let sent_now = Signal::derive(move || answer.value().get().filter(|r| matches!(r, Ok(None))));
    crate::components::toast_on_success(sent_now, "Answer sent");
    let waits = move || answer.value().get().and_then(Result::ok).flatten();
    let query = use_query_map();
    let show = move || query.read().get("show").unwrap_or_default();
    let inbox = Resource::new(move || (show(), saved.get()), retrying(|(show, _)| load_inbox(show)));
    let error = Signal::derive(move || {
        last_error(mark.value())
            .get()
            .or_else(|| last_error(all_read.value()).get())
            .or_else(|| last_error(answer.value()).get())
    });
    // Which reply was last answered: its form shows why an answer was refused.
    let answering = RwSignal::new(None::<String>);
    Effect::new(move || {
        if let Some(input) = answer.input().get() {
            answering.set(Some(input.id));
        }
    });
    view! {
        <Title text="Inbox"/>
        <h1>"Inbox"</h1>
        <nav class="chips" aria-label="Show">
            {FILTERS.map(|(code, label)| view! {
                <a href=format!("/pro/inbox?show={code}")
                    aria-current=move || (show() == code || (show().is_empty() && code == "open")).then_some("page")>{label}</a>
            })}
        </nav>
        <FormError error/>
        <crate::alerts::DeviceAlerts about="Get an alert on this phone or computer the moment a homeowner replies."/>
        {move || waits().map(|at| view! {
            <p class="notice-inline" role="status">{format!("Your text goes {at} their time, when the law allows texting where they live.")}</p>
        })}
        <Loaded data=inbox render={move |inbox: Inbox| view! {
            {(inbox.unread > 0).then(|| view! {
                <ActionForm action=all_read attr:class="inline-form">
                    <p class="hint">{format!("{} unread ", inbox.unread)}
                        <button type="submit" class="link-button">"Mark all read"</button></p>
                </ActionForm>
            })}
            {or_hint(inbox.replies.is_empty(), "No replies here. When a homeowner answers an email or a text of your sequences, it appears here and you get an email.", move || view! {
                <ul class="log-list inbox">
                    {inbox.replies.into_iter().map(|r| view! { <ReplyItem reply=r mark answer answering/> }).collect_view()}
                </ul>
            })}
        }}/>
    }
}

#[component]
fn ReplyItem(
    reply: Reply,
    mark: ServerAction<MarkReply>,
    answer: ServerAction<AnswerReply>,
    answering: RwSignal<Option<String>>,
) -> impl IntoView {
    let r = reply;
    let id = r.id.to_string();
    let lang = crate::i18n::visitor_language();
    let refused = Signal::derive(move || {
        (answering.get().as_deref() == Some(id.as_str()))
            .then(|| answer.value().get()?.err()?.message_for("body"))
            .flatten()
            .map(|m| crate::i18n::translate(lang, &m))
    });
    let title = r.street.clone().unwrap_or_else(|| r.from.clone());
    let by = if r.channel == "sms" { "Text" } else { "Email" };
    let action = |state: &'static str, label: &'static str, id: i64| {
        view! {
            <ActionForm action=mark attr:class="inline-form">
                <input type="hidden" name="id" value=id.to_string()/>
                <input type="hidden" name="state" value=state/>
                <button type="submit" class="button button-ghost button-small">{label}</button>
            </ActionForm>
        }
    };
    view! {
        <li class="card reply" data-read=r.read.to_string() data-done=r.done.to_string()>
            <h2>
                {(!r.read).then(|| view! { <span class="badge">"New"</span> " " })}
                {match r.lead_id {
                    Some(lead) => view! { <a href=format!("/pro/leads/{lead}")>{title}</a> }.into_any(),
                    None => view! { <span>{title}</span> }.into_any(),
                }}
            </h2>
            <p class="hint">{by} " · " {r.owner.clone().unwrap_or_default()} " " {r.from.clone()} " · " {r.received.clone()}</p>
            <p class="preview-body">{r.body.clone()}</p>
            {(!r.done).then(|| view! {
                <details class="answer">
                    <summary>{if r.channel == "sms" { "Answer by text" } else { "Answer by email" }}</summary>
                    <ActionForm action=answer>
                        <input type="hidden" name="id" value=r.id.to_string()/>
                        <div class="field">
                            <label for=format!("answer-{}", r.id)>"Your answer"</label>
                            <textarea id=format!("answer-{}", r.id) name="body" rows="4" maxlength="10000" required
                                aria-invalid=move || refused.get().is_some().then_some("true")
                                aria-describedby=format!("answer-{}-error", r.id)></textarea>
                            <p class="field-error" id=format!("answer-{}-error", r.id) role="alert">{refused}</p>
                        </div>
                        <button type="submit" class="button">"Send"</button>
                    </ActionForm>
                </details>
            })}
            <div class="stage-buttons">
                {(!r.read).then(|| action("read", "Mark read", r.id))}
                {if r.done { action("open", "Reopen", r.id) } else { action("done", "Done", r.id) }}
            </div>
        </li>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::super::store::ReplyContext;
    use super::ssr::answer;

    fn text_from(street: &str) -> ReplyContext {
        ReplyContext {
            channel: "sms".into(),
            address: "+15125550100".into(),
            body: "Yes please".into(),
            enrollment_id: None,
            street: Some(street.into()),
            timezone: Some("America/Chicago".into()),
            company: "Lone Star Roofing".into(),
            postal_address: "1 Main St".into(),
            rep_name: "Sam".into(),
            opted_out: false,
        }
    }

    #[test]
    fn a_text_answer_keeps_to_the_hours_the_law_allows_where_they_live() {
        let user = uuid::Uuid::nil();
        // Sunday 2026-12-06, 10:00 in Texas: Texas allows Sunday texts from noon, so it waits.
        let sunday_morning = "2026-12-06T16:00:00Z".parse().expect("time");
        let (waiting, later) =
            answer(&text_from("9 Elm St, Austin, TX 78701"), "Hi", 1, user, sunday_morning).expect("queued");
        let (at, local) = later.expect("later");
        assert_eq!((at.unix_timestamp(), local.as_str()), (1_796_580_000, "Sun 12:00"));
        assert_eq!(
            waiting.not_after[0].unix_timestamp(),
            1_796_612_400,
            "and must go before 21:00 that day"
        );
        // The same moment in a state on the federal rule (08:00-21:00) goes now.
        let (_, now) = answer(&text_from("9 Elm St, Tulsa, KS 74103"), "Hi", 1, user, sunday_morning).expect("now");
        assert_eq!(now, None);
        // 13:00 in Texas: allowed, and it must go before 21:00 there.
        let afternoon = "2026-12-06T19:00:00Z".parse().expect("time");
        let (queued, later) =
            answer(&text_from("9 Elm St, Austin, TX 78701"), "Hi", 1, user, afternoon).expect("allowed");
        assert_eq!(later, None);
        assert_eq!(queued.channels, ["sms"]);
        assert_eq!(
            queued.not_after[0].unix_timestamp(),
            1_796_612_400,
            "21:00 CST is 03:00 UTC"
        );
    }

    #[test]
    fn nobody_who_opted_out_gets_an_answer_and_a_stranger_is_called_not_texted() {
        let user = uuid::Uuid::nil();
        let now = "2026-12-07T19:00:00Z".parse().expect("time");
        let mut out = text_from("9 Elm St, Austin, TX 78701");
        out.opted_out = true;
        assert!(format!("{:?}", answer(&out, "Hi", 1, user, now).err()).contains("opted out"));
        let mut stranger = text_from("");
        stranger.timezone = None;
        assert!(format!("{:?}", answer(&stranger, "Hi", 1, user, now).err()).contains("call them"));
    }
}
