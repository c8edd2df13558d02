//! After a live birth: her baby's care page (the WHO postnatal checks and Kenya's vaccines,
//! with "given" marks), the danger signs of mother and newborn, and the reminders of each
//! check and vaccination day through the visit reminders' worker.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use domain::account::Language;

use crate::components::{Field, FormError, Submit, last_error, retrying, saves, toast_on_success};
use crate::error::AppError;
use crate::i18n::{plural, t, tf};

/// A baby's age in words: "less than a day", "5 days", "1 week", "2 weeks and 3 days".
pub(super) fn age_words(lang: Language, weeks: u32, days: u32) -> String {
    let (weeks, days) = (i64::from(weeks), i64::from(days));
    let weeks_words = plural(lang, weeks, "{} week", "{} weeks");
    let days_words = plural(lang, days, "{} day", "{} days");
    match (weeks, days) {
        (0, 0) => t(lang, "less than a day").to_owned(),
        (0, _) => days_words,
        (_, 0) => weeks_words,
        _ => tf(lang, "{} and {}", &[&weeks_words, &days_words]),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BabyView {
    pub language: String,
    pub baby_name: Option<String>,
    pub weeks: u32,
    pub days: u32,
    /// The first year's content for the baby's week.
    pub week_content: Option<BabyWeek>,
    /// The next postnatal check: its name and days.
    pub next_check: Option<(String, String)>,
    pub next_vaccines: Option<NextVaccines>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextVaccines {
    pub label: String,
    pub due: String,
    /// The doses not yet given, as the clinic card writes them.
    pub doses: String,
    pub late: bool,
}

/// The first year's texts for one week: the baby's, hers, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BabyWeek {
    pub baby: String,
    pub you: String,
    pub todo: String,
}

/// Everything her baby's care page shows, one card per baby (twins get two).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarePage {
    pub babies: Vec<BabyCard>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BabyCard {
    pub id: Uuid,
    pub name: Option<String>,
    /// In words, in her language.
    pub born: String,
    pub weight_grams: Option<i32>,
    pub weeks: u32,
    pub days: u32,
    pub checks: Vec<Check>,
    pub vaccination_days: Vec<VaccinationDay>,
}

/// A postnatal check and when it falls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub label: String,
    pub when: String,
    pub past: bool,
}

/// The doses due at one age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaccinationDay {
    pub label: String,
    pub due: String,
    /// Every dose of the day is marked given.
    pub done: bool,
    /// Due before today and not all given.
    pub late: bool,
    pub doses: Vec<DoseRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoseRow {
    pub code: String,
    pub name: String,
    /// When it was given, in words.
    pub given: Option<String>,
}

#[server(prefix = "/api/mum", endpoint = "baby", input = GetUrl)]
pub async fn baby_care() -> Result<CarePage, AppError> {
    let user = crate::auth::guards::Mother::get().await?.user;
    let pool = crate::platform::services()?.pool;
    let today = super::day::today_in(&user.timezone);
    let (babies, given) = super::store::babies(&pool, user.id, today).await?;
    super::tracking::ssr::audit_read(
        &pool,
        user.id,
        &[("babies", babies.len()), ("vaccinations", given.len())],
    )
    .await?;
    let lang = user.language();
    let babies = babies
        .into_iter()
        .map(|baby| ssr::card(baby, &given, today, lang))
        .collect();
    Ok(CarePage { babies })
}

/// Marks the ticked doses of one vaccination day given on `date` (today when empty). Once a
/// day's doses are all given, its reminder is not sent.
#[server(prefix = "/api/mum", endpoint = "doses-given")]
pub async fn mark_doses(
    baby: String,
    #[server(default)] doses: Vec<String>,
    #[server(default)] date: String,
) -> Result<(), AppError> {
    use domain::postnatal::immunisation;
    let user = crate::auth::guards::Mother::get().await?.user;
    let pool = crate::platform::services()?.pool;
    let baby = crate::auth::guards::parse_id(&baby)?;
    let doses = doses
        .iter()
        .map(|code| immunisation::dose(code).ok_or_else(|| AppError::field("doses", "choose vaccines of the schedule")))
        .collect::<Result<Vec<_>, _>>()?;
    if doses.is_empty() {
        return Err(AppError::field("doses", "tick the vaccines your baby was given"));
    }
    let today = super::day::today_in(&user.timezone);
    let given_on = match date.trim() {
        "" => today,
        raw => domain::parse_iso_date(raw).map_err(|e| AppError::field("date", e.to_string()))?,
    };
    if given_on > today {
        return Err(AppError::field("date", "this date is in the future"));
    }
    let mut tx = pool.begin().await?;
    let born = super::store::baby_born(&mut *tx, user.id, baby)
        .await?
        .ok_or(AppError::NotFound)?;
    if given_on < born {
        return Err(AppError::field("date", "this date is before the baby was born"));
    }
    for dose in &doses {
        super::store::mark_dose(&mut tx, user.id, baby, dose.code, given_on).await?;
    }
    let given = super::store::given_doses(&mut tx, baby).await?;
    let mut ages: Vec<_> = doses.iter().map(|d| d.age).collect();
    ages.dedup();
    for age in ages {
        if immunisation::at(age).all(|d| given.iter().any(|g| g == d.code)) {
            super::store::cancel_care_reminder(&mut tx, baby, &age.key()).await?;
        }
    }
    let codes: Vec<&str> = doses.iter().map(|d| d.code).collect();
    let detail = serde_json::json!({ "doses": codes });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "mum.dose_given",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes back a "given" mark made by mistake.
#[server(prefix = "/api/mum", endpoint = "dose-not-given")]
pub async fn unmark_dose(baby: String, dose: String) -> Result<(), AppError> {
    let user = crate::auth::guards::Mother::get().await?.user;
    let pool = crate::platform::services()?.pool;
    let baby = crate::auth::guards::parse_id(&baby)?;
    let dose = domain::postnatal::immunisation::dose(&dose)
        .ok_or_else(|| AppError::field("dose", "choose a vaccine of the schedule"))?;
    let mut tx = pool.begin().await?;
    if super::store::unmark_dose(&mut tx, user.id, baby, dose.code).await? == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Twins or more: another baby of her latest birth, born the same day, with its own
/// schedule and reminders.
#[server(prefix = "/api/mum", endpoint = "add-baby")]
pub async fn add_baby(
    #[server(default)] baby_name: String,
    #[server(default)] baby_weight: String,
) -> Result<(), AppError> {
    let user = crate::auth::guards::Mother::get().await?.user;
    let (name, weight_grams) = ssr::parse_baby(&baby_name, &baby_weight)?;
    let pool = crate::platform::services()?.pool;
    let today = super::day::today_in(&user.timezone);
    let (pregnancy_id, born_on) = super::store::latest_birth(&pool, user.id, today)
        .await?
        .ok_or(AppError::Forbidden)?;
    let mut tx = pool.begin().await?;
    let baby = super::store::NewBaby {
        user_id: user.id,
        pregnancy_id,
        born_on,
        name: name.as_deref(),
        weight_grams,
    };
    let baby_id = super::store::record_baby(&mut tx, baby).await?;
    ssr::plan_reminders(&mut tx, &user, baby_id, born_on, today).await?;
    tx.commit().await?;
    Ok(())
}

/// `/mum/baby`: the postnatal checks and the vaccines, with "given" marks.
#[component]
pub fn BabyCarePage() -> impl IntoView {
    let mark = ServerAction::<MarkDoses>::new();
    let unmark = ServerAction::<UnmarkDose>::new();
    let add = ServerAction::<AddBaby>::new();
    let unlock = ServerAction::<super::Unlock>::new();
    let saved = saves![mark, unmark, add, unlock];
    let care = Resource::new(move || saved.get(), retrying(|_| baby_care()));
    let error = last_error(mark.value());
    let add_error = last_error(add.value());
    toast_on_success(mark.value(), "Saved");
    view! {
        <Title text="Baby's care"/>
        <super::HealthPage data=care unlock render={move |care, lang| {
            if care.babies.is_empty() {
                return view! {
                    <section class="card">
                        <h1>{t(lang, "Baby's care")}</h1>
                        <p>{t(lang, "When your baby is born, tell us on your SasaMum page and the checks and vaccines appear here.")}</p>
                    </section>
                }
                .into_any();
            }
            view! {
                <FormError error/>
                {care.babies.into_iter().map(|baby| view! { <BabyCareCard baby mark unmark lang/> }).collect_view()}
                <a class="button button-danger button-big" href="/mum/danger/baby">{t(lang, "My baby or I have a danger sign")}</a>
                <details class="card">
                    <summary>{t(lang, "Twins or more? Add another baby")}</summary>
                    <ActionForm action=add>
                        <Field label=t(lang, "Baby's name (optional)") name="baby_name" required=false error=add_error/>
                        <Field label=t(lang, "Weight at birth in kg (optional)") name="baby_weight" inputmode="decimal"
                            hint=t(lang, "As on the clinic card, e.g. 3.2") required=false error=add_error/>
                        <Submit label=t(lang, "Add the baby") error=add_error/>
                    </ActionForm>
                </details>
            }
            .into_any()
        }}/>
    }
}

#[component]
fn BabyCareCard(
    baby: BabyCard,
    mark: ServerAction<MarkDoses>,
    unmark: ServerAction<UnmarkDose>,
    lang: Language,
) -> impl IntoView {
    let heading = match &baby.name {
        Some(name) => tf(lang, "{}'s care", &[name]),
        None => t(lang, "Baby's care").to_owned(),
    };
    let age = tf(lang, "{} old", &[&age_words(lang, baby.weeks, baby.days)]);
    let born = match baby.weight_grams {
        Some(grams) => tf(
            lang,
            "Born {}, {} kg",
            &[&baby.born, &format!("{:.1}", f64::from(grams) / 1000.0)],
        ),
        None => tf(lang, "Born {}", &[&baby.born]),
    };
    let id = baby.id.to_string();
    view! {
        <section class="baby-care">
            <h1>{heading}</h1>
            <p class="eyebrow">{age} " · " {born}</p>
            <section class="card">
                <h2>{t(lang, "Postnatal checks")}</h2>
                <p>{t(lang, "For you and your baby, at the clinic or at home by a health worker.")}</p>
                <ul class="care-list">
                    {baby.checks.into_iter().map(|c| view! {
                        <li class:past=c.past><strong>{c.label}</strong> " · " {c.when}</li>
                    }).collect_view()}
                </ul>
            </section>
            <h2>{t(lang, "Vaccines")}</h2>
            {baby.vaccination_days.into_iter().map(|day| {
                let status = if day.done {
                    Some(t(lang, "All given"))
                } else if day.late {
                    Some(t(lang, "Overdue: take your baby to the clinic as soon as you can"))
                } else {
                    None
                };
                let (given, due): (Vec<DoseRow>, Vec<DoseRow>) = day.doses.into_iter().partition(|d| d.given.is_some());
                let id = id.clone();
                view! {
                    <section class="card vaccination-day" class:late=day.late class:done=day.done>
                        <h3>{day.label} " · " {day.due}</h3>
                        {status.map(|s| view! { <p class="badge">{s}</p> })}
                        <ul class="care-list">
                            {given.into_iter().map(|dose| view! { <GivenDose baby=id.clone() dose unmark lang/> }).collect_view()}
                        </ul>
                        {(!due.is_empty()).then(|| view! {
                            <ActionForm action=mark attr:class="doses-form">
                                <input type="hidden" name="baby" value=id.clone()/>
                                <fieldset class="choices">
                                    <legend class="visually-hidden">{t(lang, "Vaccines given")}</legend>
                                    {due.into_iter().map(|dose| view! {
                                        <label class="choice">
                                            <input type="checkbox" name="doses[]" value=dose.code checked=true/>
                                            " " {dose.name}
                                        </label>
                                    }).collect_view()}
                                </fieldset>
                                <div class="field">
                                    <label>{t(lang, "Date given (empty: today)")} <input type="date" name="date"/></label>
                                </div>
                                <button type="submit" class="button button-small">{t(lang, "Mark given")}</button>
                            </ActionForm>
                        })}
                    </section>
                }
            }).collect_view()}
            <p class="hint">{t(lang, "Kenya's schedule (KEPI). Your clinic may add vitamin A, yellow fever or malaria vaccines where they are given.")}</p>
        </section>
    }
}

/// A dose marked given, with "Not given" to take a mistaken mark back.
#[component]
fn GivenDose(baby: String, dose: DoseRow, unmark: ServerAction<UnmarkDose>, lang: Language) -> impl IntoView {
    let on = dose.given.unwrap_or_default();
    view! {
        <li class="dose dose-given">
            <span>{dose.name} " · " {tf(lang, "given {}", &[&on])}</span>
            <ActionForm action=unmark attr:class="inline-form">
                <input type="hidden" name="baby" value=baby/>
                <input type="hidden" name="dose" value=dose.code/>
                <button type="submit" class="link-button">{t(lang, "Not given")}</button>
            </ActionForm>
        </li>
    }
}

#[cfg(feature = "ssr")]
pub(super) mod ssr {
    use domain::{
        account::Language,
        postnatal::{self, contacts::PostnatalContact, immunisation, plan::CareItem},
    };
    use sqlx::PgConnection;
    use time::Date;
    use uuid::Uuid;

    use super::{BabyCard, BabyView, BabyWeek, Check, DoseRow, NextVaccines, VaccinationDay};
    use crate::{auth::server::store::UserRow, error::AppError, mum::store};

    pub fn card(baby: store::BabyRow, given: &[(Uuid, String, Date)], today: Date, lang: Language) -> BabyCard {
        let born = baby.born_on;
        let (weeks, days) = postnatal::age(born, today).unwrap_or((0, 0));
        let given_on = |code: &str| {
            given
                .iter()
                .find(|(id, dose, _)| *id == baby.id && dose == code)
                .map(|(_, _, on)| *on)
        };
        let checks = PostnatalContact::ALL
            .iter()
            .map(|&contact| {
                let (from, to) = contact.window(born);
                Check {
                    label: contact.label(lang).to_owned(),
                    when: span(from, to, lang),
                    past: to < today,
                }
            })
            .collect();
        let vaccination_days = immunisation::ages()
            .into_iter()
            .map(|age| {
                let doses: Vec<DoseRow> = immunisation::at(age)
                    .map(|dose| DoseRow {
                        code: dose.code.to_owned(),
                        name: dose.name(lang).to_owned(),
                        given: given_on(dose.code).map(|on| domain::long_date(on, lang)),
                    })
                    .collect();
                let done = doses.iter().all(|d| d.given.is_some());
                VaccinationDay {
                    label: age.label(lang),
                    due: domain::long_date(age.due(born), lang),
                    done,
                    late: !done && age.overdue(born, today),
                    doses,
                }
            })
            .collect();
        BabyCard {
            id: baby.id,
            name: baby.name,
            born: domain::long_date(born, lang),
            weight_grams: baby.weight_grams,
            weeks,
            days,
            checks,
            vaccination_days,
        }
    }

    /// The baby's optional name (at most 60 characters) and weight in kilograms ("3.2" or
    /// "3,2", 0.3 to 7), as grams.
    pub fn parse_baby(name: &str, weight: &str) -> Result<(Option<String>, Option<i32>), AppError> {
        let name = name.trim();
        if name.chars().count() > 60 {
            return Err(AppError::field("baby_name", "use at most 60 characters"));
        }
        let weight = match weight.trim() {
            "" => None,
            raw => Some(
                raw.replace(',', ".")
                    .parse::<f64>()
                    .ok()
                    .filter(|kg| (0.3..=7.0).contains(kg))
                    .map(|kg| (kg * 1000.0).round() as i32)
                    .ok_or_else(|| {
                        AppError::field("baby_weight", "the weight in kilograms, between 0.3 and 7, e.g. 3.2")
                    })?,
            ),
        };
        Ok((Some(name.to_owned()).filter(|n| !n.is_empty()), weight))
    }

    /// Her baby on `today`: the week's content, the next check and the next vaccines.
    pub fn baby_view(lang: Language, baby: store::DashboardBaby, today: time::Date) -> BabyView {
        use domain::postnatal::{self, immunisation, plan};
        let born = baby.born_on;
        let (weeks, days) = postnatal::age(born, today).unwrap_or((0, 0));
        let given: Vec<&str> = baby.given.iter().map(String::as_str).collect();
        BabyView {
            language: lang.as_str().to_owned(),
            baby_name: baby.name.clone(),
            weeks,
            days,
            week_content: postnatal::weeks::week(weeks + 1, lang).map(|w| BabyWeek {
                baby: w.baby.to_owned(),
                you: w.you.to_owned(),
                todo: w.todo.to_owned(),
            }),
            next_check: plan::next_contact(born, today).map(|c| {
                let (from, to) = c.window(born);
                (c.label(lang).to_owned(), span(from, to, lang))
            }),
            next_vaccines: plan::next_doses(&given).map(|age| NextVaccines {
                label: age.label(lang),
                due: domain::long_date(age.due(born), lang),
                doses: immunisation::at(age)
                    .filter(|d| !given.contains(&d.code))
                    .map(|d| d.short)
                    .collect::<Vec<_>>()
                    .join(", "),
                late: age.overdue(born, today),
            }),
        }
    }

    /// "3 March 2027", "7–14 March 2027", or "30 March – 5 April 2027" (the day comes first
    /// in both languages).
    pub fn span(from: Date, to: Date, lang: Language) -> String {
        let last = domain::long_date(to, lang);
        if from == to {
            last
        } else if (from.year(), from.month()) == (to.year(), to.month()) {
            format!("{}–{last}", from.day())
        } else {
            let first = domain::long_date(from, lang);
            let first = first
                .strip_suffix(&format!(" {}", from.year()))
                .filter(|_| from.year() == to.year());
            format!(
                "{} – {last}",
                first.map_or_else(|| domain::long_date(from, lang), str::to_owned)
            )
        }
    }

    /// Plans a reminder, at her reminder time in her zone, for each check and vaccination day
    /// still ahead.
    pub async fn plan_reminders(
        tx: &mut PgConnection,
        user: &UserRow,
        baby_id: Uuid,
        born: Date,
        today: Date,
    ) -> Result<(), AppError> {
        let remind_at = store::reminder_time(&mut *tx, user.id)
            .await?
            .unwrap_or(time::Time::from_hms(8, 0, 0).unwrap_or(time::Time::MIDNIGHT));
        for (item, day) in postnatal::plan::reminders(born, today) {
            if let Some(due) = super::super::day::at_her_time(day, remind_at, &user.timezone) {
                store::plan_care_reminder(&mut *tx, baby_id, user.id, &item.key(), due).await?;
            }
        }
        Ok(())
    }

    /// What a care reminder says: the check or the vaccines due, naming the baby.
    fn care_words(language: &str, care: &str, baby: Option<&str>) -> Option<(Language, String, String)> {
        let lang = Language::parse(language).unwrap_or(Language::En);
        let baby = baby.map_or_else(
            || {
                if lang == Language::Sw {
                    "mtoto wako"
                } else {
                    "your baby"
                }
                .to_owned()
            },
            str::to_owned,
        );
        let (subject, line) = match (CareItem::parse(care)?, lang) {
            (CareItem::Contact(contact), Language::En) => (
                format!("Postnatal check for you and {baby}"),
                format!("{}: for you and {baby}.", contact.label(lang)),
            ),
            (CareItem::Contact(contact), Language::Sw) => (
                format!("Uchunguzi wako na wa {baby} baada ya kujifungua"),
                format!("{}: kwako na kwa {baby}.", contact.label(lang)),
            ),
            (CareItem::Doses(age), lang) => {
                let shorts: Vec<&str> = immunisation::at(age).map(|d| d.short).collect();
                let shorts = shorts.join(", ");
                match lang {
                    Language::En => (
                        format!("{baby}'s vaccines are due"),
                        format!("{baby}'s vaccines are due today: {shorts}."),
                    ),
                    Language::Sw => (
                        format!("Chanjo za {baby} zinatakiwa"),
                        format!("Chanjo za {baby} zinatakiwa leo: {shorts}."),
                    ),
                }
            }
        };
        Some((lang, capitalised(&subject), capitalised(&line)))
    }

    fn capitalised(text: &str) -> String {
        let mut chars = text.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }

    /// The text message of a care reminder: one SMS.
    pub fn care_sms(language: &str, care: &str, baby: Option<&str>) -> Option<String> {
        let (lang, _, line) = care_words(language, care, baby)?;
        let card = if lang == Language::Sw {
            "Beba kadi ya kliniki."
        } else {
            "Bring the clinic card."
        };
        Some(format!("SasaMum: {line} {card}").chars().take(160).collect())
    }

    /// The email of a care reminder.
    pub fn care_email(language: &str, care: &str, baby: Option<&str>) -> Option<crate::platform::email::Message> {
        let (lang, subject, line) = care_words(language, care, baby)?;
        let (greeting, card) = if lang == Language::Sw {
            ("Habari,", "Beba kadi ya kliniki ya mtoto.")
        } else {
            ("Hello,", "Bring the baby's clinic card.")
        };
        let subject = if lang == Language::Sw {
            format!("Kikumbusho: {subject}")
        } else {
            format!("Reminder: {subject}")
        };
        Some(crate::platform::email::compose(
            &super::super::BRAND,
            &subject,
            greeting,
            &[&line, card],
            None,
        ))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn spans_of_days_read_short() {
            let d = |s: &str| domain::parse_iso_date(s).expect("date");
            assert_eq!(span(d("2027-03-07"), d("2027-03-07"), Language::En), "7 March 2027");
            assert_eq!(span(d("2027-03-07"), d("2027-03-14"), Language::En), "7–14 March 2027");
            assert_eq!(
                span(d("2027-03-30"), d("2027-04-05"), Language::En),
                "30 March – 5 April 2027"
            );
            assert_eq!(
                span(d("2026-12-30"), d("2027-01-05"), Language::En),
                "30 December 2026 – 5 January 2027"
            );
            assert_eq!(span(d("2027-03-07"), d("2027-03-14"), Language::Sw), "7–14 Machi 2027");
        }

        #[test]
        fn care_reminders_name_the_baby_and_fit_one_text_message() {
            let sms = care_sms("en", "kepi_6w", Some("Amani")).expect("known item");
            assert_eq!(
                sms,
                "SasaMum: Amani's vaccines are due today: OPV 1, Penta 1, PCV 1, Rota 1. Bring the clinic card."
            );
            let sms = care_sms("sw", "pnc_day3", None).expect("known item");
            assert_eq!(
                sms,
                "SasaMum: Uchunguzi siku ya 3: kwako na kwa mtoto wako. Beba kadi ya kliniki."
            );
            for item in [
                "pnc_day3", "pnc_7_14", "pnc_6w", "kepi_6w", "kepi_10w", "kepi_14w", "kepi_9m", "kepi_18m",
            ] {
                for language in ["en", "sw"] {
                    let sms = care_sms(language, item, Some("Wanjiku Achieng")).expect("known item");
                    assert!(sms.chars().count() <= 160 && sms.ends_with('.'), "{sms}");
                }
            }
            let email = care_email("en", "pnc_6w", None).expect("known item");
            assert_eq!(email.subject, "Reminder: Postnatal check for you and your baby");
            assert!(care_sms("en", "kepi_7w", None).is_none());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_words_in_both_languages() {
        assert_eq!(age_words(Language::En, 0, 0), "less than a day");
        assert_eq!(age_words(Language::En, 0, 1), "1 day");
        assert_eq!(age_words(Language::En, 1, 0), "1 week");
        assert_eq!(age_words(Language::En, 2, 3), "2 weeks and 3 days");
        assert_eq!(age_words(Language::Sw, 2, 3), "wiki 2 na siku 3");
    }
}
