//! Short success messages ("Saved") that appear for a few seconds at the bottom of the
//! screen, announced politely to screen readers. Errors stay inline beside their form.

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::{Viewer, t};

#[derive(Clone, Copy)]
pub struct Toasts(RwSignal<Vec<(u64, &'static str)>>);

pub fn provide_toasts() {
    provide_context(Toasts(RwSignal::new(Vec::new())));
}

/// Shows `english` (in her language) each time the action behind `value` succeeds.
pub fn toast_on_success<T, S>(value: S, english: &'static str)
where
    T: 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let (Some(Toasts(list)), viewer) = (use_context::<Toasts>(), use_context::<Viewer>()) else {
        return;
    };
    Effect::new(move |_| {
        if !matches!(value.get(), Some(Ok(_))) {
            return;
        }
        let language = viewer
            .and_then(|v| v.user.get_untracked())
            .and_then(Result::ok)
            .flatten()
            .and_then(|u| domain::account::Language::parse(&u.language).ok())
            .unwrap_or(domain::account::Language::En);
        let id = list.with_untracked(|l| l.iter().map(|(id, _)| *id).max().unwrap_or(0) + 1);
        list.update(|l| l.push((id, t(language, english))));
        set_timeout(
            move || list.update(|l| l.retain(|(i, _)| *i != id)),
            std::time::Duration::from_secs(4),
        );
    });
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let list = use_context::<Toasts>().map(|Toasts(list)| list);
    view! {
        <div class="toasts" aria-live="polite">
            {move || list.map(|l| l.get().into_iter().map(|(_, text)| view! { <p class="toast">{text}</p> }).collect_view())}
        </div>
    }
}
