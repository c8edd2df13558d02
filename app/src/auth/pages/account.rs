use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::{ChangePassword, RevokeSession, SignOutEverywhere, UpdateProfile, list_sessions, session_user};
use crate::components::{Field, FormError, LinkRow, Success, last_error, retrying};
use crate::i18n::{t, use_viewer};

#[component]
pub fn AccountPage() -> impl IntoView {
    let profile = ServerAction::<UpdateProfile>::new();
    let password = ServerAction::<ChangePassword>::new();
    let user = Resource::new(move || profile.version().get(), retrying(|_| session_user()));
    let profile_error = last_error(profile.value());
    let password_error = last_error(password.value());
    let profile_saved =
        Signal::derive(move || matches!(profile.value().get(), Some(Ok(_))).then(|| "Saved.".to_owned()));
    let password_saved = Signal::derive(move || password.value().get().and_then(Result::ok).map(|n| n.message));

    view! {
        <Title text="Your account"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                let u = user.await.ok().flatten()?;
                let lang = domain::account::Language::parse(&u.language).unwrap_or(domain::account::Language::En);
                Some(view! {
                    <h1>{t(lang, "Your account")}</h1>
                    <div class="stack">
                        <section class="card">
                            <h2>{t(lang, "Profile")}</h2>
                            <p class="hint">{t(lang, "Signed in as")} " " <strong>{u.email.clone()}</strong></p>
                            <ActionForm action=profile>
                                <Field label=t(lang, "Your name") name="display_name" value=u.display_name.clone() autocomplete="name" error=profile_error/>
                                <div class="field">
                                    <label for="language">"Language / Lugha"</label>
                                    <select id="language" name="language">
                                        <option value="en" selected=u.language == "en">"English"</option>
                                        <option value="sw" selected=u.language == "sw">"Kiswahili"</option>
                                    </select>
                                </div>
                                <Field label=t(lang, "Time zone") name="timezone" value=u.timezone.clone() error=profile_error/>
                                <FormError error=profile_error/>
                                <Success text=profile_saved/>
                                <button type="submit" class="button">{t(lang, "Save profile")}</button>
                            </ActionForm>
                        </section>
                        <section class="card">
                            <h2>{t(lang, "Change password")}</h2>
                            <ActionForm action=password>
                                <Field label=t(lang, "Current password") name="current_password" kind="password" autocomplete="current-password" error=password_error/>
                                <Field label=t(lang, "New password") name="new_password" kind="password" autocomplete="new-password"
                                    hint=t(lang, "At least 12 characters. Other devices will be signed out.") error=password_error/>
                                <FormError error=password_error/>
                                <Success text=password_saved/>
                                <button type="submit" class="button">{t(lang, "Change password")}</button>
                            </ActionForm>
                        </section>
                        <section class="card">
                            <h2>{t(lang, "Signed-in devices")}</h2>
                            <p>{t(lang, "See where you are signed in, and sign out any device.")}</p>
                            <a class="button button-ghost" href="/account/sessions">{t(lang, "Manage devices")}</a>
                        </section>
                        <section class="card">
                            <h2>{t(lang, "Privacy and my data")}</h2>
                            <LinkRow links=vec![
                                ("/account/privacy".into(), t(lang, "Download my data")),
                                ("/account/support".into(), t(lang, "Contact support")),
                            ]/>
                        </section>
                    </div>
                })
            })}
        </Transition>
    }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let sessions = Resource::new(move || revoke.version().get(), retrying(|_| list_sessions()));
    let revoke_error = last_error(revoke.value());

    let viewer = use_viewer();
    view! {
        <Title text="Signed-in devices"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                let lang = viewer.language().await;
                let list = match sessions.await {
                    Ok(list) => list,
                    Err(e) => return view! { <p class="notice-inline notice-inline-error">{crate::i18n::error_text(lang, &e)}</p> }.into_any(),
                };
                view! {
                    <h1>{t(lang, "Signed-in devices")}</h1>
                    <FormError error=revoke_error/>
                    <ul class="device-list">
                        {list.into_iter().map(|s| view! {
                            <li class="card device">
                                <p class="device-agent" title=s.user_agent.clone()>{crate::i18n::translate(lang, &s.device)}</p>
                                <p class="hint">{t(lang, "Signed in")} " " {s.created_at.clone()} " · " {t(lang, "last used")} " " {s.last_used_at.clone()}</p>
                                {s.current.then(|| view! { <p class="badge">{t(lang, "This device")}</p> })}
                                <ActionForm action=revoke>
                                    <input type="hidden" name="session_id" value=s.id.to_string()/>
                                    <button type="submit" class="button button-ghost">{t(lang, "Sign out this device")}</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                    <ActionForm action=everywhere>
                        <button type="submit" class="button button-danger">{t(lang, "Sign out everywhere")}</button>
                    </ActionForm>
                }
                .into_any()
            })}
        </Transition>
    }
}
