use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Catches errors thrown while rendering a route and offers a way back.
#[component]
pub fn AppErrorBoundary(children: Children) -> impl IntoView {
    let location = use_location();
    view! {
        <ErrorBoundary fallback=move |errors| {
            view! {
                <section class="card notice notice-error" role="alert">
                    <h1>"Something went wrong"</h1>
                    <p>"This page could not be shown. Nothing you saved is lost."</p>
                    <ul class="error-list">
                        {move || {
                            errors
                                .get()
                                .into_iter()
                                .map(|(_, error)| view! { <li>{error.to_string()}</li> })
                                .collect_view()
                        }}
                    </ul>
                    <a class="button" href=move || location.pathname.get()>"Try again"</a>
                </section>
            }
        }>{children()}</ErrorBoundary>
    }
}
