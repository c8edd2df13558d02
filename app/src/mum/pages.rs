use domain::pregnancy::outcome::Outcome;
use domain::{account::Language, pregnancy::danger::DangerSign};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    EndPregnancy, GiveConsent, HealthPage, MumScreen, NewPregnancy, ReportDanger, SetDates, SetReminders, TodayView,
    Unlock, emergency_phone, mum_state,
};
use crate::components::{Field, LinkRow, Submit, last_error, retrying, saves};
use crate::i18n::{t, tf, use_viewer};

/// `/mum`: onboarding until it is done (resuming at the saved step), then today.
#[component]
pub fn MumHome() -> impl IntoView {
    let consent = ServerAction::<GiveConsent>::new();
    let dates = ServerAction::<SetDates>::new();
    let reminders = ServerAction::<SetReminders>::new();
    let start_again = ServerAction::<NewPregnancy>::new();
    let unlock = ServerAction::<Unlock>::new();
    let saved = saves![consent, dates, reminders, start_again, unlock];
    let state = Resource::new(move || saved.get(), retrying(|_| mum_state()));
    view! {
        <Title text="SasaMum"/>
        <HealthPage data=state unlock render={move |screen, lang| match screen {
            MumScreen::Consent => view! { <ConsentStep action=consent lang/> }.into_any(),
            MumScreen::Dates => view! { <DatesStep action=dates lang/> }.into_any(),
            MumScreen::Reminders { sms } => view! { <RemindersStep action=reminders sms lang/> }.into_any(),
            MumScreen::Today(today) => view! { <Today today/> }.into_any(),
            MumScreen::Ended { loss } => view! { <Ended loss action=start_again lang/> }.into_any(),
            MumScreen::Baby(baby) => view! { <BabyToday baby action=start_again/> }.into_any(),
        }}/>
    }
}

#[component]
fn Steps(current: u8, lang: Language) -> impl IntoView {
    view! { <p class="eyebrow">{tf(lang, "Step {} of {}", &[&current, &3])}</p> }
}

#[component]
fn ConsentStep(action: ServerAction<GiveConsent>, lang: Language) -> impl IntoView {
    let error = last_error(action.value());
    view! {
        <section class="card form-card">
            <Steps current=1 lang/>
            <h1>{t(lang, "Your information, your choice")}</h1>
            <p>
                {t(lang, "SasaMum keeps your pregnancy dates, the signs you report and your clinic visits so it can show you your week and remind you of visits. Only you can see them. You can download or delete them at any time, and withdraw this consent in your account.")}
            </p>
            <ActionForm action=action>
                <label class="choice">
                    <input type="checkbox" name="agree" value="yes" required=true/>
                    " " {t(lang, "I agree that SasaMum keeps my pregnancy information")}
                </label>
                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("agree"))}</p>
                <Submit label=t(lang, "Continue") error/>
            </ActionForm>
            <p class="hint"><a href="/mum/shared">{t(lang, "Following someone else's pregnancy? See what she shares with you")}</a></p>
        </section>
    }
}

#[component]
fn DatesStep(action: ServerAction<SetDates>, lang: Language) -> impl IntoView {
    let error = last_error(action.value());
    let methods = [
        ("lmp", t(lang, "The first day of my last period")),
        ("clinician_due_date", t(lang, "A due date my clinician gave me")),
        ("conception", t(lang, "The day I conceived")),
        ("ivf_day5", t(lang, "IVF transfer of a day-5 embryo")),
        ("ivf_day3", t(lang, "IVF transfer of a day-3 embryo")),
    ];
    view! {
        <section class="card form-card">
            <Steps current=2 lang/>
            <h1>{t(lang, "Your dates")}</h1>
            <ActionForm action=action>
                <fieldset class="choices">
                    <legend>{t(lang, "What date do you know?")}</legend>
                    {methods.map(|(value, label)| view! {
                        <label class="choice">
                            <input type="radio" name="method" value=value checked=value == "lmp"/>
                            " " {label}
                        </label>
                    })}
                    <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("method"))}</p>
                </fieldset>
                <Field label=t(lang, "The date") name="date" kind="date" error/>
                <details class="resend">
                    <summary>{t(lang, "I had an ultrasound scan (optional)")}</summary>
                    <Field label=t(lang, "Day of the scan") name="scan_date" kind="date" required=false error/>
                    <Field label=t(lang, "Weeks it measured") name="scan_weeks" kind="number" required=false error/>
                    <Field label=t(lang, "and days") name="scan_days" kind="number" required=false error/>
                </details>
                <Submit label=t(lang, "Continue") error/>
            </ActionForm>
        </section>
    }
}

#[component]
fn RemindersStep(action: ServerAction<SetReminders>, sms: bool, lang: Language) -> impl IntoView {
    let error = last_error(action.value());
    view! {
        <section class="card form-card">
            <Steps current=3 lang/>
            <h1>{t(lang, "Reminders and help")}</h1>
            <ActionForm action=action>
                <Field label=t(lang, "Remind me of clinic visits at") name="reminder_time" kind="time" value="08:00".to_owned() error/>
                {sms.then(|| view! {
                    <fieldset class="choices">
                        <legend>{t(lang, "Send reminders by")}</legend>
                        <label class="choice"><input type="radio" name="reminder_channel" value="email" checked=true/>" " {t(lang, "Email")}</label>
                        <label class="choice"><input type="radio" name="reminder_channel" value="sms"/>" " {t(lang, "Text message (SMS)")}</label>
                        <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("reminder_channel"))}</p>
                    </fieldset>
                    <Field label=t(lang, "Mobile number for text messages") name="reminder_phone" kind="tel" autocomplete="tel" required=false error/>
                })}
                <Field label=t(lang, "A phone number to call in an emergency (optional)") name="emergency_phone" kind="tel" autocomplete="tel"
                    hint=t(lang, "Your clinic, midwife or someone who can take you. Without one, we show 999.") required=false error/>
                <super::lock::PinField
                    label=t(lang, "A PIN to lock these screens (optional)")
                    hint=t(lang, "For a shared phone: 4 to 6 digits. The danger-sign button always works without it.")
                    error
                />
                <label class="choice">
                    <input type="checkbox" name="weekly" value="yes"/>
                    " " {t(lang, "Also send me one short message a week, on Mondays")}
                </label>
                <Submit label=t(lang, "Show my week") error/>
            </ActionForm>
        </section>
    }
}

#[component]
fn Today(today: TodayView) -> impl IntoView {
    let lang = Language::parse(&today.language).unwrap_or(Language::En);
    view! {
        <section class="today">
            <p class="eyebrow">{match today.trimester {
                1 => t(lang, "First trimester"),
                2 => t(lang, "Second trimester"),
                _ => t(lang, "Third trimester"),
            }}</p>
            <h1 class="today-week">{format!("{} {}, {} {}", t(lang, "Week"), today.weeks, t(lang, "day"), today.days)}</h1>
            {today.needs_outcome.then(|| view! {
                <p class="notice-inline notice-inline-error">{t(lang, "Past 42 weeks: please tell us how your pregnancy ended.")}</p>
            })}
            <a class="button button-danger button-big" href="/mum/danger">{t(lang, "I have a danger sign")}</a>
            {today.week_content.clone().map(|c| view! {
                <section class="card week-content">
                    <h2>{t(lang, "Your baby this week")}</h2>
                    <p>{c.baby}</p>
                    <h2>{t(lang, "Your body")}</h2>
                    <p>{c.body}</p>
                    <h2>{t(lang, "To do this week")}</h2>
                    <p>{c.todo}</p>
                </section>
            })}
            <a class="button button-ghost button-big" href="/mum/visits">{t(lang, "My clinic visits")}</a>
            <a class="button button-ghost button-big" href="/mum/log">{t(lang, "Log a symptom or my weight")}</a>
            <a class="button button-ghost button-big" href="/mum/contractions">{t(lang, "Contraction timer")}</a>
            {today.has_baby.then(|| view! {
                <a class="button button-ghost button-big" href="/mum/baby">{t(lang, "Baby's checks and vaccines")}</a>
            })}
            <LinkRow links=vec![
                ("/mum/end".into(), t(lang, "My pregnancy has ended")),
                ("/mum/messages".into(), t(lang, "Weekly messages")),
                ("/mum/companion".into(), t(lang, "A companion")),
                ("/mum/pin".into(), t(lang, "PIN lock")),
                ("/account/privacy".into(), t(lang, "My data")),
            ]/>
            <dl class="milestones card">
                <dt>{t(lang, "Due date")}</dt>
                <dd>{today.due_date.clone()} " · " {crate::i18n::plural(lang, today.days_to_due, "{} day to go", "{} days to go")}</dd>
                {today.next_visit.clone().map(|v| view! {
                    <dt>{t(lang, "Next clinic visit")}</dt>
                    <dd>{v.date} " (" {t(lang, "week")} " " {v.week} ")"</dd>
                })}
            </dl>
        </section>
    }
}

/// `/mum/danger`: one tap on a sign records it and shows the urgent screen.
#[component]
pub fn DangerSignsPage() -> impl IntoView {
    view! { <DangerSigns groups=&[(None, DangerSign::PREGNANCY)]/> }
}

/// `/mum/danger/baby`: the danger signs after birth, the baby's first. One tap records the
/// sign and shows the urgent screen, as in pregnancy.
#[component]
pub fn BabyDangerSignsPage() -> impl IntoView {
    view! {
        <DangerSigns groups=&[
            (Some("Your baby"), DangerSign::NEWBORN),
            (Some("You"), DangerSign::AFTER_BIRTH),
        ]/>
    }
}

/// The danger-sign buttons, in groups under their headings (after birth: the baby's, hers).
#[component]
fn DangerSigns(groups: &'static [(Option<&'static str>, &'static [DangerSign])]) -> impl IntoView {
    let report = ServerAction::<ReportDanger>::new();
    let viewer = use_viewer();
    view! {
        <Title text="Danger signs"/>
        <section class="danger-list">
            <Transition fallback=|| view! { <crate::components::Loading/> }>
                {move || Suspend::new(async move {
                    let lang = viewer.language().await;
                    view! {
                        <h1>{t(lang, "Do you have any of these?")}</h1>
                        <p>{t(lang, "Tap the one you have. We will tell you what to do now.")}</p>
                        {groups.iter().map(|&(heading, signs)| view! {
                            {heading.map(|h| view! { <h2>{t(lang, h)}</h2> })}
                            {signs.iter().map(|&sign| view! {
                                <ActionForm action=report>
                                    <input type="hidden" name="sign" value=sign.code()/>
                                    <button type="submit" class="button button-danger button-block">{sign.label(lang)}</button>
                                </ActionForm>
                            }).collect_view()}
                        }).collect_view()}
                    }
                })}
            </Transition>
        </section>
    }
}

/// `/mum/danger/now`: the urgent, unmissable screen, in her language. It is drawn at once in
/// the language of her `sasa_lang` cookie (set when she signs in), then in her profile's.
#[component]
pub fn UrgentPage() -> impl IntoView {
    let viewer = use_viewer();
    let phone = Resource::new(|| (), retrying(|_| emergency_phone()));
    let query = use_query_map();
    let sign = move || query.read().get("sign").and_then(|s| DangerSign::parse(&s));
    let urgent = move |lang: Language| {
        view! {
            <Title text=t(lang, "Go to a health facility now")/>
            <section class="urgent" role="alert">
                <h1>{t(lang, "Go to a health facility now")}</h1>
                <p class="urgent-sign">{move || sign().map(|s| s.label(lang))}</p>
                <p>{t(lang, "Do not wait to see if it gets better. Ask someone to take you, and bring your clinic card.")}</p>
                <Transition fallback=move || view! { <CallButton number="999".to_owned() lang/> }>
                    {move || Suspend::new(async move {
                        view! { <CallButton number=phone.await.unwrap_or_else(|_| "999".to_owned()) lang/> }
                    })}
                </Transition>
            </section>
        }
    };
    view! {
        <Suspense fallback=move || urgent(viewer.visitor)>
            {move || Suspend::new(async move { urgent(viewer.language().await) })}
        </Suspense>
    }
}

/// The urgent screen's call button.
#[component]
fn CallButton(number: String, lang: Language) -> impl IntoView {
    let href = format!("tel:{}", number.replace(' ', ""));
    view! {
        <a class="button button-big urgent-call" href=href>
            {tf(lang, "Call {}", &[&number])}
        </a>
    }
}

/// After the pregnancy ended: gentle words after a loss, no baby content, and a fresh start when she wants one.
#[component]
fn Ended(loss: bool, action: ServerAction<NewPregnancy>, lang: Language) -> impl IntoView {
    view! {
        <section class="card form-card ended">
            {if loss {
                view! {
                    <h1>{t(lang, "We are so sorry")}</h1>
                    <p>{t(lang, "Losing a pregnancy is hard, and whatever you feel is normal. There is no rush here.")}</p>
                    <p>{t(lang, "Your health worker can check that your body is healing and can talk with you about what happened. If you bleed heavily, have a fever or strong pain, go to a health facility now.")}</p>
                    <p>{t(lang, "Talking to someone you trust, or to a support group, can help.")}</p>
                }
                .into_any()
            } else {
                view! {
                    <h1>{t(lang, "Your pregnancy record is closed")}</h1>
                    <p>{t(lang, "Remember your postnatal check in the first days after birth, and go at once if you bleed heavily, have a fever or feel very unwell.")}</p>
                }
                .into_any()
            }}
            <ActionForm action=action>
                <button type="submit" class="button button-ghost">{t(lang, "I am pregnant again")}</button>
            </ActionForm>
        </section>
    }
}

/// After a live birth: the baby's week, the next check and vaccines, and the danger signs.
#[component]
fn BabyToday(baby: super::baby::BabyView, action: ServerAction<NewPregnancy>) -> impl IntoView {
    let lang = Language::parse(&baby.language).unwrap_or(Language::En);
    let age = super::baby::age_words(lang, baby.weeks, baby.days);
    let heading = match &baby.baby_name {
        Some(name) => tf(lang, "{} is {} old", &[name, &age]),
        None => tf(lang, "Your baby is {} old", &[&age]),
    };
    view! {
        <section class="today">
            <p class="eyebrow">{t(lang, "After birth")}</p>
            <h1 class="today-week">{heading}</h1>
            <a class="button button-danger button-big" href="/mum/danger/baby">{t(lang, "My baby or I have a danger sign")}</a>
            <dl class="milestones card">
                {baby.next_check.map(|(label, when)| view! {
                    <dt>{t(lang, "Next postnatal check")}</dt>
                    <dd>{label} " · " {when}</dd>
                })}
                {baby.next_vaccines.map(|v| view! {
                    <dt>{t(lang, "Next vaccines")}</dt>
                    <dd class:late=v.late>{v.label} " (" {v.due} "): " {v.doses}</dd>
                })}
            </dl>
            <a class="button button-big" href="/mum/baby">{t(lang, "Baby's checks and vaccines")}</a>
            {baby.week_content.map(|c| view! {
                <section class="card week-content">
                    <h2>{t(lang, "Your baby this week")}</h2>
                    <p>{c.baby}</p>
                    <h2>{t(lang, "You")}</h2>
                    <p>{c.you}</p>
                    <h2>{t(lang, "To do this week")}</h2>
                    <p>{c.todo}</p>
                </section>
            })}
            <LinkRow links=vec![
                ("/mum/messages".into(), t(lang, "Weekly messages")),
                ("/mum/companion".into(), t(lang, "A companion")),
                ("/mum/pin".into(), t(lang, "PIN lock")),
                ("/account/privacy".into(), t(lang, "My data")),
            ]/>
            <ActionForm action=action>
                <button type="submit" class="button button-ghost">{t(lang, "I am pregnant again")}</button>
            </ActionForm>
        </section>
    }
}

/// `/mum/end`: record how the pregnancy ended.
#[component]
pub fn EndPregnancyPage() -> impl IntoView {
    let action = ServerAction::<EndPregnancy>::new();
    let error = last_error(action.value());
    let viewer = use_viewer();
    view! {
        <Title text="How did your pregnancy end?"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                let lang = viewer.language().await;
                view! {
                    <section class="card form-card">
                        <h1>{t(lang, "How did your pregnancy end?")}</h1>
                        <ActionForm action=action>
                            <fieldset class="choices">
                                <legend>{t(lang, "Choose what happened")}</legend>
                                {Outcome::ALL.map(|o| view! {
                                    <label class="choice">
                                        <input type="radio" name="outcome" value=o.code()/>
                                        " " {o.label(lang)}
                                    </label>
                                })}
                                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("outcome"))}</p>
                            </fieldset>
                            <Field label=t(lang, "When") name="date" kind="date" error/>
                            <fieldset class="choices">
                                <legend>{t(lang, "If your baby was born")}</legend>
                                <Field label=t(lang, "Baby's name (optional)") name="baby_name" required=false error/>
                                <Field label=t(lang, "Weight at birth in kg (optional)") name="baby_weight" inputmode="decimal"
                                    hint=t(lang, "As on the clinic card, e.g. 3.2") required=false error/>
                            </fieldset>
                            <Submit label=t(lang, "Save") error/>
                        </ActionForm>
                    </section>
                }
            })}
        </Transition>
    }
}
