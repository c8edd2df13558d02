//! Weekly messages: with her consent, one short message a week (and at key moments: a danger
//! sign to know, the birth plan at 36 weeks, a visit she has booked) in her language, by text
//! message or email, at the day and time she chose in her zone. The texts are data
//! (`content/weekly-messages.tsv`, read by `domain::weekly`). Replying STOP stops the texts.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use domain::account::Language;

use crate::components::{Field, Submit, last_error, retrying, saves, toast_on_success};
use crate::error::AppError;
use crate::i18n::{t, tf};

pub(super) const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Her weekly-message settings, as her page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyView {
    /// 1 Monday .. 7 Sunday, while she gets them.
    pub day: Option<u8>,
    pub time: String,
    pub channel: String,
    pub phone: Option<String>,
    /// She replied STOP: texts wait for START; messages go by email meanwhile.
    pub stopped: bool,
    pub sms: bool,
    /// This week's message, as it would read now.
    pub this_week: Option<String>,
}

#[server(prefix = "/api/mum", endpoint = "weekly", input = GetUrl)]
pub async fn weekly_messages() -> Result<WeeklyView, AppError> {
    let user = crate::auth::guards::Mother::get().await?.user;
    let services = crate::platform::services()?;
    let settings = super::store::weekly_settings(&services.pool, user.id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let mut conn = services.pool.acquire().await?;
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(super::day::zone(&user.timezone))
        .date();
    let this_week = ssr::message_for(&mut conn, user.id, user.language(), today)
        .await?
        .map(|m| m.text);
    Ok(WeeklyView {
        day: settings.day.and_then(|d| u8::try_from(d).ok()),
        time: format!("{:02}:{:02}", settings.time.hour(), settings.time.minute()),
        channel: settings.channel,
        phone: settings.phone,
        stopped: settings.stopped,
        sms: services.sms_available,
        this_week,
    })
}

/// Turns her weekly messages on (`weekly` = "yes", with a day, a time and where they go) or
/// off. Turning them on records her consent and sends a confirmation that says how to stop.
#[server(prefix = "/api/mum", endpoint = "weekly-settings")]
pub async fn set_weekly(
    #[server(default)] weekly: String,
    #[server(default)] day: String,
    #[server(default)] time: String,
    #[server(default)] reminder_channel: String,
    #[server(default)] reminder_phone: String,
) -> Result<(), AppError> {
    let user = crate::auth::guards::Mother::get().await?.user;
    let services = crate::platform::services()?;
    let request = crate::platform::request_info();
    let mut tx = services.pool.begin().await?;
    let was_on = super::store::weekly_settings(&mut *tx, user.id)
        .await?
        .ok_or(AppError::Forbidden)?
        .day
        .is_some();
    if weekly != "yes" {
        super::store::set_weekly(&mut tx, user.id, None).await?;
        let detail = serde_json::json!({});
        crate::platform::audit::success(&mut *tx, &request, user.id, "mum.weekly_off", detail).await?;
        tx.commit().await?;
        return Ok(());
    }
    let day = ssr::parse_day(&day)?;
    let at = super::day::parse_time(&time).ok_or_else(|| AppError::field("time", "choose a time like 08:00"))?;
    let (channel, phone) = ssr::parse_channel(&reminder_channel, &reminder_phone, services.sms_available)?;
    let phone = phone.as_ref().map(domain::account::MobileNumber::as_str);
    super::store::set_reminder_channel(&mut tx, user.id, channel, phone).await?;
    ssr::start(&mut tx, user.id, &user.timezone, day, at).await?;
    if !was_on {
        ssr::confirm(&mut tx, &user, channel, phone, day, at).await?;
    }
    let detail = serde_json::json!({ "day": day, "by": channel });
    crate::platform::audit::success(&mut *tx, &request, user.id, "mum.weekly_on", detail).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use domain::{
        account::Language,
        weekly::{self, Phase},
    };
    use jiff::{Timestamp, civil};
    use sqlx::PgConnection;
    use uuid::Uuid;

    use super::super::{day, store};
    use crate::auth::server::store::UserRow;
    use crate::error::AppError;
    use crate::platform::outbox;

    pub struct Message {
        pub pregnancy_id: Uuid,
        pub phase: Phase,
        pub week: u32,
        pub text: String,
    }

    /// Where her reminders and weekly messages go: email, or text messages to a mobile number
    /// (where this server can send them).
    pub fn parse_channel(
        channel: &str,
        phone: &str,
        sms_available: bool,
    ) -> Result<(&'static str, Option<domain::account::MobileNumber>), AppError> {
        let channel = match channel {
            "" | "email" => "email",
            "sms" if sms_available => "sms",
            "sms" => {
                return Err(AppError::field(
                    "reminder_channel",
                    "text messages are not available yet: choose email",
                ));
            }
            _ => return Err(AppError::field("reminder_channel", "choose email or text message")),
        };
        let mobile = match (channel, phone.trim()) {
            ("sms", raw) => Some(domain::account::MobileNumber::parse(raw)?),
            (_, "") => None,
            (_, raw) => Some(domain::account::MobileNumber::parse(raw)?),
        };
        Ok((channel, mobile))
    }

    /// Her message for the week `today` falls in (her calendar), if that week has one.
    pub async fn message_for(
        tx: &mut PgConnection,
        user_id: Uuid,
        language: Language,
        today: civil::Date,
    ) -> Result<Option<Message>, sqlx::Error> {
        let Some(subject) = store::weekly_subject(&mut *tx, user_id).await? else {
            return Ok(None);
        };
        let civil_of = |d: time::Date| day::civil(d, time::Time::MIDNIGHT).date();
        let (phase, week) = match subject.born {
            Some(born) => (Phase::Baby, weekly::baby_week(civil_of(born), today)),
            None => (Phase::Pregnancy, weekly::pregnancy_week(civil_of(subject.lmp), today)),
        };
        let Some(week) = week else { return Ok(None) };
        let visit = match phase {
            Phase::Pregnancy => {
                let from = time::PrimitiveDateTime::new(day::date(today), time::Time::MIDNIGHT);
                let to = from.saturating_add(time::Duration::days(7));
                store::visit_between(&mut *tx, subject.pregnancy_id, from, to)
                    .await?
                    .map(|at| {
                        format!(
                            "{}, {}",
                            domain::long_date(at.date(), language),
                            domain::clock_time(at.time(), language)
                        )
                    })
            }
            Phase::Baby => None,
        };
        Ok(
            weekly::text(phase, week, language, visit.as_deref()).map(|text| Message {
                pregnancy_id: subject.pregnancy_id,
                phase,
                week,
                text,
            }),
        )
    }

    /// A day of the week as the forms send it: 1 (Monday) to 7.
    pub fn parse_day(raw: &str) -> Result<i16, AppError> {
        raw.trim()
            .parse()
            .ok()
            .filter(|d| (1..=7).contains(d))
            .ok_or_else(|| AppError::field("day", "choose a day of the week"))
    }

    fn weekday(day: i16) -> civil::Weekday {
        civil::Weekday::from_monday_one_offset(i8::try_from(day).unwrap_or(1)).unwrap_or(civil::Weekday::Monday)
    }

    /// The next time her message goes: her day and time, in her zone, after now.
    pub fn next_at(timezone: &str, day_of_week: i16, at: time::Time) -> Option<time::OffsetDateTime> {
        let at = day::civil(time::Date::MIN, at).time();
        let next = weekly::next_send(Timestamp::now(), weekday(day_of_week), at, &day::zone(timezone))?;
        day::offset(next)
    }

    /// Starts (or moves) her weekly messages and records her consent to them.
    pub async fn start(
        tx: &mut PgConnection,
        user_id: Uuid,
        timezone: &str,
        day_of_week: i16,
        at: time::Time,
    ) -> Result<(), AppError> {
        let next = next_at(timezone, day_of_week, at).ok_or_else(|| AppError::field("time", "choose another time"))?;
        store::set_weekly(tx, user_id, Some((day_of_week, at, next))).await?;
        Ok(())
    }

    /// "You will get one message a week…", with how to stop them, where they will go.
    pub async fn confirm(
        tx: &mut PgConnection,
        user: &UserRow,
        channel: &str,
        phone: Option<&str>,
        day_of_week: i16,
        at: time::Time,
    ) -> Result<(), AppError> {
        let lang = user.language();
        let day_name = crate::i18n::t(lang, super::DAYS[usize::try_from(day_of_week - 1).unwrap_or(0) % 7]);
        let clock = domain::clock_time(at, lang);
        let key = format!("weekly-on:{}", Uuid::new_v4());
        match (channel, phone) {
            ("sms", Some(phone)) => {
                let text = match lang {
                    Language::Sw => {
                        format!("SasaMum: utapokea ujumbe mmoja kila wiki, {day_name}, {clock}. Jibu ACHA kusimamisha.")
                    }
                    Language::En => format!(
                        "SasaMum: you will get one message a week, on {day_name} at {clock}. Reply STOP to stop."
                    ),
                };
                let sms = outbox::Sms {
                    idempotency_key: key,
                    user_id: Some(user.id),
                    to: phone.to_owned(),
                    text,
                };
                outbox::enqueue_sms(tx, sms).await?;
            }
            _ => {
                let (subject, greeting, line) = match lang {
                    Language::Sw => (
                        "Ujumbe wa kila wiki wa SasaMum",
                        "Habari,",
                        format!(
                            "Utapokea ujumbe mmoja kila wiki, {day_name}, {clock}. Unaweza kuusimamisha wakati wowote kwenye SasaMum."
                        ),
                    ),
                    Language::En => (
                        "Your weekly SasaMum messages",
                        "Hello,",
                        format!(
                            "You will get one message a week, on {day_name} at {clock}. You can stop them at any time in SasaMum."
                        ),
                    ),
                };
                let message = crate::platform::email::compose(&super::super::BRAND, subject, greeting, &[&line], None);
                let email = outbox::Email {
                    sender: super::super::BRAND.mail_sender,
                    idempotency_key: key,
                    user_id: Some(user.id),
                    to: user.email.clone(),
                    message,
                };
                outbox::enqueue_email(tx, email).await?;
            }
        }
        Ok(())
    }

    /// The email of a weekly message.
    fn email(lang: Language, message: &Message) -> crate::platform::email::Message {
        let subject = match (lang, message.phase) {
            (Language::Sw, Phase::Pregnancy) => format!("Wiki {} na SasaMum", message.week),
            (Language::En, Phase::Pregnancy) => format!("Week {} with SasaMum", message.week),
            (Language::Sw, Phase::Baby) => "Ujumbe wa wiki hii kutoka SasaMum".to_owned(),
            (Language::En, Phase::Baby) => "This week's message from SasaMum".to_owned(),
        };
        let greeting = if lang == Language::Sw { "Habari," } else { "Hello," };
        let body = message.text.split_once(": ").map_or(message.text.as_str(), |(_, b)| b);
        crate::platform::email::compose(&super::super::BRAND, &subject, greeting, &[body], None)
    }

    /// Sends the weekly messages that are due. Any number of these may run at once on any
    /// number of instances: a mother is claimed with SKIP LOCKED, her week is recorded under
    /// its (pregnancy, phase, week) key and the message written to the outbox keyed by the
    /// same, all in one transaction: a week's message goes out once.
    #[derive(Clone)]
    pub struct WeeklyWorker {
        pool: sqlx::PgPool,
    }

    impl WeeklyWorker {
        pub fn new(pool: sqlx::PgPool) -> Self {
            Self { pool }
        }

        /// Returns how many messages were queued.
        pub async fn run_once(&self) -> anyhow::Result<usize> {
            let mut tx = self.pool.begin().await?;
            let due = store::claim_due_weekly(&mut tx).await?;
            let mut sent = 0;
            for mother in due {
                let zone = day::zone(&mother.timezone);
                let now = Timestamp::now();
                let today = now.to_zoned_datetime(zone.clone()).date();
                let lang = Language::parse(&mother.language).unwrap_or(Language::En);
                // Texts only and she replied STOP: nothing goes, and the week stays unsent.
                let reachable = (mother.channel == "sms" && mother.phone.is_some()) || mother.email.is_some();
                let message = match reachable {
                    true => message_for(&mut tx, mother.user_id, lang, today).await?,
                    false => None,
                };
                if let Some(message) = message {
                    let week = i16::try_from(message.week).unwrap_or(i16::MAX);
                    let phase = message.phase.as_str();
                    if store::record_weekly(&mut tx, mother.user_id, message.pregnancy_id, phase, week).await? {
                        let key = format!("weekly:{}:{phase}:{week}", message.pregnancy_id);
                        match (mother.channel.as_str(), &mother.phone, &mother.email) {
                            ("sms", Some(phone), _) => {
                                let sms = outbox::Sms {
                                    idempotency_key: key,
                                    user_id: Some(mother.user_id),
                                    to: phone.clone(),
                                    text: message.text.clone(),
                                };
                                outbox::enqueue_sms(&mut tx, sms).await?;
                            }
                            (_, _, Some(to)) => {
                                let email = outbox::Email {
                                    sender: super::super::BRAND.mail_sender,
                                    idempotency_key: key,
                                    user_id: Some(mother.user_id),
                                    to: to.clone(),
                                    message: email(lang, &message),
                                };
                                outbox::enqueue_email(&mut tx, email).await?;
                            }
                            _ => {}
                        }
                        sent += 1;
                    }
                }
                let at = day::civil(time::Date::MIN, mother.time).time();
                let next = weekly::next_send(now, weekday(mother.day), at, &zone).and_then(day::offset);
                match next {
                    Some(next) => store::schedule_weekly(&mut tx, mother.user_id, next).await?,
                    None => store::set_weekly(&mut tx, mother.user_id, None).await?,
                }
            }
            tx.commit().await?;
            Ok(sent)
        }
    }
}

/// `/mum/messages`: her weekly messages, on or off, their day and time, and where they go.
#[component]
pub fn WeeklyPage() -> impl IntoView {
    let save = ServerAction::<SetWeekly>::new();
    let unlock = ServerAction::<super::Unlock>::new();
    let saved = saves![save, unlock];
    let data = Resource::new(move || saved.get(), retrying(|_| weekly_messages()));
    let error = last_error(save.value());
    toast_on_success(save.value(), "Saved");
    view! {
        <Title text="Weekly messages"/>
        <super::HealthPage data unlock render={move |data: WeeklyView, lang: Language| {
            let on = data.day.is_some();
            let chosen = data.day.unwrap_or(1);
            let status = match data.day {
                Some(d) => tf(lang, "On: every {} at {}.", &[&t(lang, DAYS[usize::from(d.clamp(1, 7) - 1)]), &data.time]),
                None => t(lang, "Off: you get no weekly messages.").to_owned(),
            };
            let sms_now = data.channel == "sms";
            view! {
                <section class="card form-card">
                    <h1>{t(lang, "Weekly messages")}</h1>
                    <p>{t(lang, "One short message a week about your pregnancy, and then your baby: what to do, a danger sign to know, a visit coming up. By text message to any phone, or by email.")}</p>
                    <p class="weekly-status">{status}</p>
                    {data.stopped.then(|| view! {
                        <p class="notice-inline">{t(lang, "You replied STOP: texts are paused and your messages go by email. Reply START to get texts again.")}</p>
                    })}
                    {data.this_week.clone().map(|text| view! {
                        <figure class="weekly-sample">
                            <figcaption>{t(lang, "This week's message")}</figcaption>
                            <blockquote>{text}</blockquote>
                        </figure>
                    })}
                    <ActionForm action=save>
                        <label class="choice">
                            <input type="checkbox" name="weekly" value="yes" checked=on/>
                            " " {t(lang, "Send me one message a week")}
                        </label>
                        <div class="field">
                            <label for="weekly-day">{t(lang, "Day")}</label>
                            <select id="weekly-day" name="day">
                                {DAYS.iter().zip(1u8..).map(|(name, n)| view! {
                                    <option value=n.to_string() selected=n == chosen>{t(lang, name)}</option>
                                }).collect_view()}
                            </select>
                            <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("day"))}</p>
                        </div>
                        <Field label=t(lang, "Time") name="time" kind="time" value=data.time.clone() error/>
                        {data.sms.then(|| view! {
                            <fieldset class="choices">
                                <legend>{t(lang, "Send reminders by")}</legend>
                                <label class="choice"><input type="radio" name="reminder_channel" value="email" checked=!sms_now/>" " {t(lang, "Email")}</label>
                                <label class="choice"><input type="radio" name="reminder_channel" value="sms" checked=sms_now/>" " {t(lang, "Text message (SMS)")}</label>
                                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("reminder_channel"))}</p>
                            </fieldset>
                            <Field label=t(lang, "Mobile number for text messages") name="reminder_phone" kind="tel" autocomplete="tel"
                                value=data.phone.clone().unwrap_or_default() required=false error/>
                        })}
                        <p class="field-hint">{t(lang, "Your visit reminders go the same way. Reply STOP to any text to stop them.")}</p>
                        <Submit label=t(lang, "Save") error/>
                    </ActionForm>
                </section>
            }
            .into_any()
        }}/>
    }
}
