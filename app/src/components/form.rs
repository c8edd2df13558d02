use leptos::prelude::*;

use crate::error::AppError;

/// The error of the last submission of a form, as a signal pages can read.
pub type LastError = Signal<Option<AppError>>;

/// Turns an action's value into its error, if the last submission failed.
pub fn last_error<T, S>(value: S) -> LastError
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(Result::err))
}

/// Counts the successful submissions of an action. Key a page's data on this, not on the
/// action's version: after a failed save (offline, a field error) the page is not
/// re-read, so it and what she typed stay on screen with the message.
pub fn successes<T, S>(value: S) -> Signal<usize>
where
    T: 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let count = RwSignal::new(0);
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            count.update(|c| *c += 1);
        }
    });
    count.into()
}

/// A page that is one form (log in, sign up, a new password): its title, and a card under
/// the same heading.
#[component]
pub fn FormPage(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <leptos_meta::Title text=title/>
        <section class="card form-card">
            <h1>{title}</h1>
            {children()}
        </section>
    }
}

/// How many times any of these actions has succeeded, summed: a page reads its data again
/// after each. `saves![consent, dates, unlock]`.
macro_rules! saves {
    ($($action:expr),+ $(,)?) => {{
        let counts = [$($crate::components::successes($action.value())),+];
        leptos::prelude::Signal::derive(move || counts.iter().map(|c| leptos::prelude::Get::get(c)).sum::<usize>())
    }};
}
pub(crate) use saves;

/// A labelled input with its own error line. The name is the server function's argument.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    error: LastError,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] list: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(default = true)] required: bool,
    /// For a page that fills the field in itself (the scan form's place search).
    #[prop(optional)]
    node_ref: NodeRef<leptos::html::Input>,
) -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let message = move || {
        error
            .get()
            .and_then(|e| e.message_for(name))
            .map(|m| crate::i18n::translate(lang, &m))
    };
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described_by = match hint {
        Some(_) => format!("{hint_id} {error_id}"),
        None => error_id.clone(),
    };
    view! {
        <div class="field">
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                node_ref=node_ref
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                list=list
                inputmode=inputmode
                required=required
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id role="alert">{message}</p>
        </div>
    }
}

/// Errors that belong to no single field (wrong password, rate limit, network...).
#[component]
pub fn FormError(error: LastError) -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let text = move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
            .map(|e| crate::i18n::error_text(lang, &e))
    };
    view! {
        <Show when=move || text().is_some()>
            <p class="notice-inline notice-inline-error" role="alert">{text}</p>
        </Show>
    }
}

/// A success message after a submission that stays on the page.
#[component]
pub fn Success(#[prop(into)] text: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || text.get().is_some()>
            <p class="notice-inline notice-inline-ok" role="status">{move || text.get()}</p>
        </Show>
    }
}

/// A page's data: "Loading…" until it arrives, then `render(data)`. An error goes to the
/// error boundary, which shows it in words.
#[component]
pub fn Loaded<T, V, F>(data: Resource<Result<T, AppError>>, render: F) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move { data.await.map(render) })
            }}
        </Transition>
    }
}

/// What a page shows while its data loads, in the reader's language.
#[component]
pub fn Loading() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    view! { <p class="loading">{crate::i18n::t(lang, "Loading…")}</p> }
}

/// A line of links under a form or a card: "Forgot your password? · Create an account".
#[component]
pub fn LinkRow(links: Vec<(String, &'static str)>) -> impl IntoView {
    let last = links.len().saturating_sub(1);
    let links = links
        .into_iter()
        .enumerate()
        .map(|(i, (href, label))| view! { <a href=href>{label}</a> {(i < last).then_some(" · ")} })
        .collect_view();
    view! { <p class="form-footer">{links}</p> }
}

/// The end of a form: its error line, then its submit button.
#[component]
pub fn Submit(label: &'static str, error: LastError, #[prop(default = "button")] class: &'static str) -> impl IntoView {
    view! {
        <FormError error/>
        <button type="submit" class=class>{label}</button>
    }
}
