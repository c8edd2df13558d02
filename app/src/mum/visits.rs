//! Antenatal visits: the WHO schedule's contacts, booked with a real date, time and place,
//! plus her own appointments; each planned visit has two reminders through the outbox.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use domain::{account::Language, pregnancy::anc::VisitStatus};

use crate::components::{Field, FormError, last_error, retrying, saves, toast_on_success};
use crate::error::AppError;
use crate::i18n::{t, tf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitRow {
    /// None for a contact of the schedule she has not booked yet.
    pub id: Option<Uuid>,
    pub week: Option<u32>,
    pub title: String,
    /// `YYYY-MM-DD`, and `HH:MM` once booked.
    pub date: String,
    pub time: Option<String>,
    pub place: Option<String>,
    pub status: VisitStatus,
}

#[server(prefix = "/api/mum", endpoint = "visits", input = GetUrl)]
pub async fn list_visits() -> Result<Vec<VisitRow>, AppError> {
    let (user, pregnancy_id, dating, pool) = ssr::context().await?;
    let booked = super::store::visits(&pool, user.id, pregnancy_id).await?;
    super::tracking::ssr::audit_read(&pool, user.id, &[("appointments", booked.len())]).await?;
    let today = super::day::today_in(&user.timezone);
    let mut rows: Vec<VisitRow> =
        domain::pregnancy::anc::upcoming_contacts(domain::pregnancy::anc::AncSchedule::Who2016, dating, today)
            .into_iter()
            .filter(|c| !booked.iter().any(|b| b.1 == i32::try_from(c.week).ok()))
            .map(|c| VisitRow {
                id: None,
                week: Some(c.week),
                title: format!("Clinic visit (week {})", c.week),
                date: c.date.to_string(),
                time: None,
                place: None,
                status: VisitStatus::Suggested,
            })
            .collect();
    rows.extend(
        booked
            .into_iter()
            .map(|(id, week, title, start, place, status)| VisitRow {
                id: Some(id),
                week: week.and_then(|w| u32::try_from(w).ok()),
                title,
                date: start.date().to_string(),
                time: Some(format!("{:02}:{:02}", start.hour(), start.minute())),
                place,
                status,
            }),
    );
    rows.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(rows)
}

/// Books a schedule contact (`week`) or adds her own appointment (`title`), and plans its reminders.
#[server(prefix = "/api/mum", endpoint = "save-visit")]
pub async fn save_visit(
    #[server(default)] week: String,
    #[server(default)] title: String,
    date: String,
    time: String,
    #[server(default)] place: String,
) -> Result<(), AppError> {
    let (user, pregnancy_id, _, pool) = ssr::context().await?;
    let day = domain::parse_iso_date(&date).map_err(|e| AppError::field("date", e.to_string()))?;
    let at = super::day::parse_time(&time).ok_or_else(|| AppError::field("time", "choose a time like 10:30"))?;
    let week: Option<i32> = match week.trim() {
        "" => None,
        w => Some(
            w.parse()
                .ok()
                .filter(|w| (1..=42).contains(w))
                .ok_or_else(|| AppError::field("week", "not a pregnancy week"))?,
        ),
    };
    let title = match (week, title.trim()) {
        (Some(w), _) => format!("Clinic visit (week {w})"),
        (None, "") => return Err(AppError::field("title", "what is this appointment?")),
        (None, t) if t.chars().count() > 100 => return Err(AppError::field("title", "use at most 100 characters")),
        (None, t) => t.to_owned(),
    };
    let place = Some(place.trim().to_owned()).filter(|p| !p.is_empty());
    if place.as_ref().is_some_and(|p| p.chars().count() > 200) {
        return Err(AppError::field("place", "use at most 200 characters"));
    }
    if day < super::day::today_in(&user.timezone) {
        return Err(AppError::field("date", "this date has passed"));
    }
    let local_start = time::PrimitiveDateTime::new(day, at);
    let mut tx = pool.begin().await?;
    let visit = super::store::NewVisit {
        user_id: user.id,
        pregnancy_id,
        week,
        title: &title,
        local_start,
        place: place.as_deref(),
    };
    let id = super::store::save_visit(&mut tx, visit).await?;
    ssr::plan_reminders(&mut tx, user.id, id, &user.timezone, local_start).await?;
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api/mum", endpoint = "mark-visit")]
pub async fn mark_visit(id: String, status: String) -> Result<(), AppError> {
    let (user, _, _, pool) = ssr::context().await?;
    let id = crate::auth::guards::parse_id(&id)?;
    let Some(status) = VisitStatus::parse(&status).filter(|s| s.is_outcome()) else {
        return Err(AppError::field("status", "choose attended or missed"));
    };
    let mut tx = pool.begin().await?;
    if !super::store::mark_visit(&mut tx, id, user.id, status).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// A schedule contact's title in her language ("Clinic visit (week 12)" is stored in English).
#[cfg(feature = "ssr")]
fn title_in(language: &str, title: &str) -> String {
    match title
        .strip_prefix("Clinic visit (week ")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        Some(week) if language == "sw" => format!("Ziara ya kliniki (wiki {week})"),
        _ => title.to_owned(),
    }
}

/// The reminder text message for a visit: short enough for one SMS, in her language.
#[cfg(feature = "ssr")]
pub fn reminder_sms(
    language: &str,
    kind: &str,
    title: &str,
    place: Option<&str>,
    start: time::PrimitiveDateTime,
) -> String {
    let lang = Language::parse(language).unwrap_or(Language::En);
    let at = domain::clock_time(start.time(), lang);
    let place = place.map(|p| format!(", {p}")).unwrap_or_default();
    let title = title_in(language, title);
    let text = if lang == Language::Sw {
        let day = if kind == "day_before" { "kesho" } else { "leo" };
        format!("SasaMum: {title} {day} {at}{place}. Beba kadi ya kliniki.")
    } else {
        let day = if kind == "day_before" { "tomorrow" } else { "today" };
        format!("SasaMum: {title} {day} at {at}{place}. Bring your clinic card.")
    };
    text.chars().take(160).collect()
}

/// The reminder email for a visit, in her language (used by the reminder worker).
#[cfg(feature = "ssr")]
pub fn reminder_email(
    language: &str,
    kind: &str,
    title: &str,
    place: Option<&str>,
    start: time::PrimitiveDateTime,
) -> crate::platform::email::Message {
    use crate::platform::email::compose;
    let lang = Language::parse(language).unwrap_or(Language::En);
    let when = format!(
        "{}, {}",
        domain::long_date(start.date(), lang),
        domain::clock_time(start.time(), lang)
    );
    let place = place.map(|p| format!(" {p}.")).unwrap_or_default();
    let subject = title_in(language, title);
    if lang == Language::Sw {
        let day = if kind == "day_before" { "kesho" } else { "leo" };
        compose(
            &super::BRAND,
            &format!("Kikumbusho: {subject} {day}"),
            "Habari,",
            &[
                &format!("Una {} {day}, {when}.{place}", title_mid_sentence(language, title)),
                "Beba kadi yako ya kliniki.",
            ],
            None,
        )
    } else {
        let day = if kind == "day_before" { "tomorrow" } else { "today" };
        compose(
            &super::BRAND,
            &format!("Reminder: {subject} {day}"),
            "Hello,",
            &[
                &format!(
                    "You have your {} {day}, {when}.{place}",
                    title_mid_sentence(language, title)
                ),
                "Bring your clinic card.",
            ],
            None,
        )
    }
}

/// A schedule contact's title as it reads mid-sentence ("ziara ya kliniki (wiki 12)"); a
/// title she wrote herself stays as she wrote it.
#[cfg(feature = "ssr")]
fn title_mid_sentence(language: &str, title: &str) -> String {
    let in_language = title_in(language, title);
    if title.starts_with("Clinic visit (week ") {
        let mut chars = in_language.chars();
        chars
            .next()
            .map(|first| first.to_lowercase().chain(chars).collect())
            .unwrap_or_default()
    } else {
        in_language
    }
}

#[cfg(feature = "ssr")]
pub(super) mod ssr {
    use domain::pregnancy::Dating;
    use sqlx::{PgConnection, PgPool};

    use super::super::store;
    use uuid::Uuid;

    use crate::{auth::server::store::UserRow, error::AppError};

    /// Her, her active pregnancy and its dating; visits need consent and a pregnancy.
    pub async fn context() -> Result<(UserRow, Uuid, Dating, PgPool), AppError> {
        let user = crate::auth::guards::Mother::get().await?.user;
        let pool = crate::platform::services()?.pool;
        let (id, dating) = store::active_pregnancy(&pool, user.id)
            .await?
            .ok_or(AppError::Forbidden)?;
        Ok((user, id, dating, pool))
    }

    /// Replaces the visit's pending reminders with fresh ones at her reminder time (future ones only).
    pub async fn plan_reminders(
        tx: &mut PgConnection,
        user_id: Uuid,
        appointment_id: Uuid,
        timezone: &str,
        start: time::PrimitiveDateTime,
    ) -> Result<(), AppError> {
        let remind_at = store::reminder_time(&mut *tx, user_id)
            .await?
            .unwrap_or(time::Time::from_hms(8, 0, 0).unwrap_or(time::Time::MIDNIGHT));
        let zone = super::super::day::zone(timezone);
        let visit = super::super::day::civil(start.date(), start.time());
        let remind = super::super::day::civil(start.date(), remind_at).time();
        let Some(times) = domain::pregnancy::reminders::reminder_times(visit, remind, &zone) else {
            return Ok(());
        };
        store::clear_pending_reminders(&mut *tx, appointment_id).await?;
        for (kind, due) in [("day_before", times.day_before), ("morning", times.morning)] {
            if due <= jiff::Timestamp::now() {
                continue;
            }
            let Some(due) = super::super::day::offset(due) else {
                continue;
            };
            store::plan_reminder(&mut *tx, appointment_id, user_id, kind, due).await?;
        }
        Ok(())
    }
}

/// `/mum/visits`: upcoming clinic visits; book one, add your own, mark attended or missed.
#[component]
pub fn VisitsPage() -> impl IntoView {
    let save = ServerAction::<SaveVisit>::new();
    let mark = ServerAction::<MarkVisit>::new();
    let unlock = ServerAction::<super::Unlock>::new();
    let saved = saves![save, mark, unlock];
    let visits = Resource::new(move || saved.get(), retrying(|_| list_visits()));
    let error = last_error(save.value());
    toast_on_success(save.value(), "Visit saved");
    toast_on_success(mark.value(), "Saved");
    view! {
        <Title text="Clinic visits"/>
        <super::HealthPage data=visits unlock render={move |rows, lang| {
            view! {
                <h1>{t(lang, "Clinic visits")}</h1>
                <FormError error/>
                <ul class="visit-list">
                    {rows.into_iter().map(|v| view! { <VisitCard v save mark lang/> }).collect_view()}
                </ul>
                <section class="card">
                    <h2>{t(lang, "Add your own appointment")}</h2>
                    <ActionForm action=save>
                        <Field label=t(lang, "What is it?") name="title" error/>
                        <Field label=t(lang, "Date") name="date" kind="date" error/>
                        <Field label=t(lang, "Time") name="time" kind="time" error/>
                        <Field label=t(lang, "Place (optional)") name="place" required=false error/>
                        <button type="submit" class="button">{t(lang, "Add appointment")}</button>
                    </ActionForm>
                </section>
            }
            .into_any()
        }}/>
    }
}

fn status_label(lang: Language, status: VisitStatus) -> &'static str {
    match status {
        VisitStatus::Attended => t(lang, "Attended"),
        VisitStatus::Missed => t(lang, "Missed"),
        VisitStatus::Planned | VisitStatus::Suggested => t(lang, "Planned"),
    }
}

#[component]
fn VisitCard(
    v: VisitRow,
    save: ServerAction<SaveVisit>,
    mark: ServerAction<MarkVisit>,
    lang: Language,
) -> impl IntoView {
    let title = match v.week {
        Some(week) => tf(lang, "Clinic visit, week {}", &[&week]),
        None => v.title.clone(),
    };
    // The date in words and, in Kiswahili, the hour in Swahili time: "saa 09:30" alone would
    // read as 3:30 pm.
    let date = domain::parse_iso_date(&v.date).map_or_else(|_| v.date.clone(), |d| domain::long_date(d, lang));
    let at = v.time.as_deref().and_then(|hhmm| {
        let (h, m) = hhmm.split_once(':')?;
        time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
    });
    let heading = match at {
        Some(at) => format!("{title} · {date}, {}", domain::clock_time(at, lang)),
        None => format!("{title} · {} {date}", t(lang, "around")),
    };
    let booked = v.id.map(|id| id.to_string());
    view! {
        <li class="card visit" data-status=v.status.as_str()>
            <h2>{heading}</h2>
            {v.place.clone().map(|p| view! { <p>{p}</p> })}
            {v.status.is_outcome().then(|| view! { <p class="badge">{status_label(lang, v.status)}</p> })}
            {v.week.map(|week| view! {
                <details>
                    <summary>{if v.time.is_some() { t(lang, "Change the date") } else { t(lang, "Set the date and time") }}</summary>
                    <ActionForm action=save>
                        <input type="hidden" name="week" value=week.to_string()/>
                        <div class="field"><label>{t(lang, "Date")} <input type="date" name="date" required=true value=v.date.clone()/></label></div>
                        <div class="field"><label>{t(lang, "Time")} <input type="time" name="time" required=true value=v.time.clone()/></label></div>
                        <div class="field"><label>{t(lang, "Place")} <input name="place" value=v.place.clone()/></label></div>
                        <button type="submit" class="button">{t(lang, "Save visit")}</button>
                    </ActionForm>
                </details>
            })}
            {booked.filter(|_| v.status == VisitStatus::Planned).map(|id| (id.clone(), id)).map(|(attended_id, missed_id)| view! {
                <div class="visit-actions">
                    <ActionForm action=mark attr:class="inline-form">
                        <input type="hidden" name="id" value=attended_id/>
                        <input type="hidden" name="status" value="attended"/>
                        <button type="submit" class="link-button">{t(lang, "I went")}</button>
                    </ActionForm>
                    " · "
                    <ActionForm action=mark attr:class="inline-form">
                        <input type="hidden" name="id" value=missed_id/>
                        <input type="hidden" name="status" value="missed"/>
                        <button type="submit" class="link-button">{t(lang, "I missed it")}</button>
                    </ActionForm>
                </div>
            })}
        </li>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::{reminder_email, reminder_sms};

    fn ten_thirty() -> time::PrimitiveDateTime {
        let day = time::Date::from_calendar_date(2026, time::Month::December, 3).expect("date");
        time::PrimitiveDateTime::new(day, time::Time::from_hms(10, 30, 0).expect("time"))
    }

    /// "saa 10:30" is 4:30 pm in Swahili time: the reminder says the morning hour in words.
    #[test]
    fn kiswahili_reminders_give_the_visit_time_in_swahili_time_and_the_date_in_words() {
        let sms = reminder_sms(
            "sw",
            "day_before",
            "Clinic visit (week 20)",
            Some("Kibera"),
            ten_thirty(),
        );
        assert_eq!(
            sms,
            "SasaMum: Ziara ya kliniki (wiki 20) kesho saa nne na nusu asubuhi (10:30), Kibera. Beba kadi ya kliniki."
        );
        assert!(!sms.contains("saa 10:30"));
        let email = reminder_email("sw", "day_before", "Clinic visit (week 20)", None, ten_thirty());
        assert_eq!(email.subject, "Kikumbusho: Ziara ya kliniki (wiki 20) kesho");
        assert!(
            email
                .text
                .contains("Una ziara ya kliniki (wiki 20) kesho, 3 Desemba 2026, saa nne na nusu asubuhi (10:30)."),
            "{}",
            email.text
        );
        assert!(!email.text.contains("2026-12-03"), "no ISO date");
    }

    #[test]
    fn english_reminders_keep_the_24_hour_figure() {
        let sms = reminder_sms("en", "same_day", "Scan with Dr Otieno", None, ten_thirty());
        assert_eq!(
            sms,
            "SasaMum: Scan with Dr Otieno today at 10:30. Bring your clinic card."
        );
        let email = reminder_email("en", "same_day", "Scan with Dr Otieno", None, ten_thirty());
        assert!(
            email
                .text
                .contains("You have your Scan with Dr Otieno today, 3 December 2026, 10:30."),
            "{}",
            email.text
        );
    }
}
