//! SasaMum server functions. Every query is scoped to the signed-in mother.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use ssr::*;

/// What the SasaMum dashboard shows: the onboarding step, or today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MumScreen {
    Consent,
    Dates,
    /// `sms`: text-message reminders can be chosen on this server.
    Reminders {
        sms: bool,
    },
    Today(TodayView),
    /// Her last pregnancy has ended and no new one is recorded.
    Ended {
        loss: bool,
    },
    /// Her baby was born: the baby's week, the next check and vaccines.
    Baby(super::baby::BabyView),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodayView {
    pub name: String,
    pub language: String,
    pub weeks: u32,
    pub days: u32,
    pub trimester: u8,
    pub due_date: String,
    pub days_to_due: i64,
    pub next_visit: Option<Visit>,
    /// Past 42 weeks: ask for the outcome instead of counting on.
    pub needs_outcome: bool,
    /// This week's content, in her language.
    pub week_content: Option<WeekContent>,
    /// She follows a baby too (pregnant again within two years of a birth).
    pub has_baby: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekContent {
    pub baby: String,
    pub body: String,
    pub todo: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub week: u32,
    pub date: String,
}

#[server(prefix = "/api/mum", endpoint = "state", input = GetUrl)]
pub async fn mum_state() -> Result<MumScreen, AppError> {
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let services = services()?;
    let today = today_in(&user.timezone);
    let page = store::dashboard(&services.pool, user.id, today, user.language().as_str()).await?;
    Ok(match page.step.as_str() {
        "consent" => MumScreen::Consent,
        "dates" => MumScreen::Dates,
        "reminders" => MumScreen::Reminders {
            sms: services.sms_available,
        },
        "ended" => {
            let outcome = page
                .last_outcome
                .and_then(|o| domain::pregnancy::outcome::Outcome::parse(&o));
            match page.baby {
                Some(baby) if outcome == Some(PregnancyOutcome::LiveBirth) => {
                    MumScreen::Baby(super::baby::ssr::baby_view(user.language(), baby, today))
                }
                _ => MumScreen::Ended {
                    loss: outcome.is_some_and(PregnancyOutcome::is_loss),
                },
            }
        }
        _ => match page.pregnancy {
            Some(dating) => MumScreen::Today(TodayView {
                week_content: page.week,
                has_baby: page.baby.is_some(),
                ..today_view(&user, dating, today)
            }),
            None => MumScreen::Dates,
        },
    })
}

#[server(prefix = "/api/mum", endpoint = "consent")]
pub async fn give_consent(#[server(default)] agree: String) -> Result<(), AppError> {
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    if agree != "yes" {
        return Err(AppError::field(
            "agree",
            "tick the box to let SasaMum keep your pregnancy information",
        ));
    }
    let (services, request) = (services()?, request_info());
    let mut tx = services.pool.begin().await?;
    store::grant_consent(&mut tx, user.id).await?;
    store::set_step(&mut tx, user.id, "dates").await?;
    let detail = serde_json::json!({ "purpose": "health_data", "version": CONSENT_VERSION });
    audit::success(&mut *tx, &request, user.id, "mum.consent", detail).await?;
    tx.commit().await?;
    leptos_axum::redirect("/mum");
    Ok(())
}

#[server(prefix = "/api/mum", endpoint = "dates")]
pub async fn set_dates(
    method: String,
    date: String,
    #[server(default)] scan_date: String,
    #[server(default)] scan_weeks: String,
    #[server(default)] scan_days: String,
) -> Result<(), AppError> {
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let services = services()?;
    if !crate::auth::server::store::has_health_consent(&services.pool, user.id).await? {
        return Err(AppError::Forbidden);
    }
    let date = domain::parse_iso_date(&date).map_err(|e| AppError::field("date", e.to_string()))?;
    let method = match method.as_str() {
        "lmp" => DatingMethod::Lmp { date },
        "conception" => DatingMethod::Conception { date },
        "ivf_day3" => DatingMethod::IvfTransfer {
            date,
            embryo_day: EmbryoDay::Three,
        },
        "ivf_day5" => DatingMethod::IvfTransfer {
            date,
            embryo_day: EmbryoDay::Five,
        },
        "clinician_due_date" => DatingMethod::ClinicianDueDate { date },
        _ => return Err(AppError::field("method", "choose how you know your dates")),
    };
    let today = today_in(&user.timezone);
    let mut dating = method
        .dating(today)
        .map_err(|e| AppError::field("date", e.to_string()))?;
    let mut code = method_code(method);
    let scan = parse_scan(&scan_date, &scan_weeks, &scan_days, dating, today)?;
    // An early ultrasound replaces LMP-type dating beyond ACOG's thresholds; a clinician's
    // due date is authoritative and stays.
    if let Some((day, age)) = scan
        && !matches!(method, DatingMethod::ClinicianDueDate { .. })
        && let Some(redated) = ultrasound::redate(dating, day, age)
    {
        dating = redated;
        code = "ultrasound";
    }
    let mut tx = services.pool.begin().await?;
    store::replace_active_pregnancy(&mut tx, user.id, dating, code).await?;
    store::record_ultrasound(&mut tx, user.id, scan).await?;
    store::set_step(&mut tx, user.id, "reminders").await?;
    tx.commit().await?;
    leptos_axum::redirect("/mum");
    Ok(())
}

#[server(prefix = "/api/mum", endpoint = "reminders")]
pub async fn set_reminders(
    reminder_time: String,
    #[server(default)] reminder_channel: String,
    #[server(default)] reminder_phone: String,
    #[server(default)] emergency_phone: String,
    #[server(default)] pin: String,
    #[server(default)] weekly: String,
) -> Result<(), AppError> {
    let crate::auth::guards::SignedIn { session_id, user, .. } = crate::auth::guards::SignedIn::get_unlocked().await?;
    let time =
        parse_time(&reminder_time).ok_or_else(|| AppError::field("reminder_time", "choose a time like 08:00"))?;
    let (channel, mobile) =
        super::weekly::ssr::parse_channel(&reminder_channel, &reminder_phone, services()?.sms_available)?;
    let phone = emergency_phone.trim();
    let phone_ok = phone.is_empty()
        || (phone.len() <= 20 && phone.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '+') && phone.len() >= 3);
    if !phone_ok {
        return Err(AppError::field(
            "emergency_phone",
            "use digits only, e.g. +254 712 345678",
        ));
    }
    let pin = match pin.trim() {
        "" => None,
        raw => Some(domain::account::Pin::parse(raw)?),
    };
    let services = services()?;
    let pin_hash = match pin {
        Some(pin) => Some(services.passwords.hash(pin.as_str().to_owned()).await?),
        None => None,
    };
    let mut tx = services.pool.begin().await?;
    store::set_reminders(&mut tx, user.id, time, Some(phone).filter(|p| !p.is_empty())).await?;
    let phone = mobile.as_ref().map(domain::account::MobileNumber::as_str);
    store::set_reminder_channel(&mut tx, user.id, channel, phone).await?;
    if let Some(hash) = pin_hash {
        // She is the one holding the phone now: this session stays open.
        store::set_pin_hash(&mut *tx, user.id, Some(&hash)).await?;
        store::unlock_session(&mut *tx, user.id, session_id).await?;
    }
    if weekly == "yes" {
        // Mondays, at her reminder time: she can change both on /mum/messages.
        super::weekly::ssr::start(&mut tx, user.id, &user.timezone, 1, time).await?;
        super::weekly::ssr::confirm(&mut tx, &user, channel, phone, 1, time).await?;
    }
    store::set_step(&mut tx, user.id, "done").await?;
    tx.commit().await?;
    leptos_axum::redirect("/mum");
    Ok(())
}

/// Records how the pregnancy ended. Weekly content and reminders stop at once. A live birth
/// records the baby (name and weight optional) and plans the reminders of its checks and
/// vaccination days.
#[server(prefix = "/api/mum", endpoint = "end")]
pub async fn end_pregnancy(
    #[server(default)] outcome: String,
    date: String,
    #[server(default)] baby_name: String,
    #[server(default)] baby_weight: String,
) -> Result<(), AppError> {
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let outcome =
        PregnancyOutcome::parse(&outcome).ok_or_else(|| AppError::field("outcome", "choose what happened"))?;
    let date = domain::parse_iso_date(&date).map_err(|e| AppError::field("date", e.to_string()))?;
    let today = today_in(&user.timezone);
    if date > today {
        return Err(AppError::field("date", "this date is in the future"));
    }
    let baby = (outcome == PregnancyOutcome::LiveBirth)
        .then(|| super::baby::ssr::parse_baby(&baby_name, &baby_weight))
        .transpose()?;
    let (services, request) = (services()?, request_info());
    let mut tx = services.pool.begin().await?;
    let Some(pregnancy_id) = store::end_active_pregnancy(&mut tx, user.id, outcome, date).await? else {
        return Err(AppError::field(
            "date",
            "there is no pregnancy on or after this date to end",
        ));
    };
    store::set_step(&mut tx, user.id, "ended").await?;
    store::cancel_reminders(&mut tx, user.id).await?;
    if let Some((name, weight_grams)) = baby {
        let baby = store::NewBaby {
            user_id: user.id,
            pregnancy_id,
            born_on: date,
            name: name.as_deref(),
            weight_grams,
        };
        let baby_id = store::record_baby(&mut tx, baby).await?;
        super::baby::ssr::plan_reminders(&mut tx, &user, baby_id, date, today).await?;
    }
    audit::success(&mut *tx, &request, user.id, "mum.end_pregnancy", serde_json::json!({})).await?;
    tx.commit().await?;
    leptos_axum::redirect("/mum");
    Ok(())
}

/// Starts recording a new pregnancy; nothing about the last one is assumed.
#[server(prefix = "/api/mum", endpoint = "new-pregnancy")]
pub async fn new_pregnancy() -> Result<(), AppError> {
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let mut tx = services()?.pool.begin().await?;
    store::set_step(&mut tx, user.id, "dates").await?;
    tx.commit().await?;
    leptos_axum::redirect("/mum");
    Ok(())
}

/// One tap records the sign and shows the urgent screen at once.
#[server(prefix = "/api/mum", endpoint = "danger")]
pub async fn report_danger(sign: String) -> Result<(), AppError> {
    let user = crate::auth::guards::SignedIn::get().await?.user;
    let sign = DangerSign::parse(&sign).ok_or_else(|| AppError::field("sign", "choose one of the signs"))?;
    // The urgent screen comes first, always; the report is kept only with her consent.
    let mut tx = services()?.pool.begin().await?;
    record_danger_report(&mut tx, user.id, sign).await?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/mum/danger/now?sign={}", sign.code()));
    Ok(())
}

/// The number to call from the urgent screen: hers, or the emergency number.
#[server(prefix = "/api/mum", endpoint = "emergency-phone", input = GetUrl)]
pub async fn emergency_phone() -> Result<String, AppError> {
    let user = crate::auth::guards::SignedIn::get().await?.user;
    Ok(store::emergency_phone(&services()?.pool, user.id)
        .await?
        .unwrap_or_else(|| KENYA_EMERGENCY.to_owned()))
}

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::auth::server::store::UserRow;
    pub use crate::platform::{audit, request_info, services};
    pub use domain::pregnancy::{
        Dating, DatingMethod, EmbryoDay, GestationalAge, Trimester, anc, danger::DangerSign,
        outcome::Outcome as PregnancyOutcome, ultrasound,
    };

    use super::{TodayView, Visit};
    use crate::error::AppError;

    pub use crate::mum::danger::{KENYA_EMERGENCY, record_danger_report};
    pub use crate::mum::day::{parse_time, today_in};
    pub use crate::mum::store::{self, CONSENT_VERSION};

    pub fn method_code(method: DatingMethod) -> &'static str {
        match method {
            DatingMethod::Lmp { .. } => "lmp",
            DatingMethod::Conception { .. } => "conception",
            DatingMethod::IvfTransfer { .. } => "ivf_transfer",
            DatingMethod::ClinicianDueDate { .. } => "clinician_due_date",
        }
    }

    /// The optional first ultrasound: all three fields, or none. It must lie between
    /// the start of the pregnancy and today, and measure 4 to 42 weeks.
    pub fn parse_scan(
        date: &str,
        weeks: &str,
        days: &str,
        dating: Dating,
        today: time::Date,
    ) -> Result<Option<(time::Date, GestationalAge)>, AppError> {
        if date.trim().is_empty() && weeks.trim().is_empty() && days.trim().is_empty() {
            return Ok(None);
        }
        let day = domain::parse_iso_date(date).map_err(|e| AppError::field("scan_date", e.to_string()))?;
        if day > today || day < dating.lmp {
            return Err(AppError::field(
                "scan_date",
                "the scan must be between your last period and today",
            ));
        }
        let weeks: u32 = weeks
            .trim()
            .parse()
            .ok()
            .filter(|w| (4..=42).contains(w))
            .ok_or_else(|| AppError::field("scan_weeks", "weeks between 4 and 42"))?;
        let days: u32 = Some(days.trim())
            .filter(|d| !d.is_empty())
            .map_or(Some(0), |d| d.parse().ok())
            .filter(|d| *d <= 6)
            .ok_or_else(|| AppError::field("scan_days", "days between 0 and 6"))?;
        Ok(Some((day, GestationalAge::from_days(weeks * 7 + days))))
    }

    /// Her pregnancy on `today`, her own day (the same day the week's content was read for).
    pub fn today_view(user: &UserRow, dating: Dating, today: time::Date) -> TodayView {
        let lang = user.language();
        let age = dating
            .age_on(today)
            .unwrap_or(domain::pregnancy::GestationalAge::from_days(0));
        let next_visit = anc::upcoming_contacts(anc::AncSchedule::Who2016, dating, today)
            .into_iter()
            .find(|c| c.date >= today)
            .map(|c| Visit {
                week: c.week,
                date: domain::long_date(c.date, lang),
            });
        TodayView {
            name: user.display_name.clone(),
            language: user.language().as_str().to_owned(),
            weeks: age.weeks(),
            days: age.days_into_week(),
            trimester: match age.trimester() {
                Trimester::First => 1,
                Trimester::Second => 2,
                Trimester::Third => 3,
            },
            due_date: domain::long_date(dating.due_date, lang),
            days_to_due: dating.days_to_due(today),
            next_visit,
            needs_outcome: dating.needs_outcome(today),
            week_content: None,
            has_baby: false,
        }
    }
}
