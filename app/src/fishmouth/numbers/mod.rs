//! A contractor's own phone number: she finds one in her area code and takes it; her texts
//! then go from it, and a text to it reaches her inbox and nobody else's. Without one her
//! texts go from the platform's shared number. The provider is `platform::numbers`.

#[cfg(feature = "ssr")]
pub(crate) mod store;

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::components::{FormError, Loaded, last_error, or_hint, retrying, saves};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub phone_number: String,
    pub place: Option<String>,
    pub monthly_cost: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YourNumber {
    /// Her number and whether it sends yet (`active`) or its order is still `pending`.
    pub held: Option<(String, String)>,
    /// This server can buy numbers (a provider, or development's made-up ones).
    pub available: bool,
    /// The numbers on offer in the area code she searched.
    pub offers: Vec<Offer>,
}

/// A US area code: three digits, the first 2-9.
pub fn parse_area_code(raw: &str) -> Result<String, AppError> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && !"()-".contains(*c))
        .collect();
    let valid = code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with(['0', '1']);
    if valid {
        Ok(code)
    } else {
        Err(AppError::field("area", "enter a three-digit US area code, like 512"))
    }
}

/// A US number in E.164: "+1" and ten digits.
pub fn parse_us_number(raw: &str) -> Result<String, AppError> {
    let number = raw.trim();
    let valid = number.len() == 12 && number.starts_with("+1") && number[2..].bytes().all(|b| b.is_ascii_digit());
    if valid {
        Ok(number.to_owned())
    } else {
        Err(AppError::field("phone_number", "choose one of the numbers offered"))
    }
}

/// "+15125550123" as "(512) 555-0123".
pub fn display_number(number: &str) -> String {
    match number.strip_prefix("+1") {
        Some(d) if d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()) => {
            format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..])
        }
        _ => number.to_owned(),
    }
}

/// Her number, and the numbers on offer in `area` when she searched one.
#[server(prefix = "/api/pro", endpoint = "number", input = GetUrl)]
pub async fn load_number(#[server(default)] area: String) -> Result<YourNumber, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = crate::platform::services()?.pool;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    let mut held = store::held(&pool, user.id).await?;
    // An order still pending is asked after again whenever she looks.
    if let (Some(number), Some(numbers)) = (held.as_mut(), fishmouth.numbers.as_ref())
        && number.status == "pending"
        && let Some(order) = number.order_id.clone()
    {
        use crate::platform::numbers::OrderStatus;
        match numbers.order_status(&order).await {
            Ok(OrderStatus::Active) => {
                store::ordered(&pool, user.id, &order, "active").await?;
                number.status = "active".into();
            }
            Ok(OrderStatus::Failed) => {
                store::release(&pool, user.id).await?;
                held = None;
            }
            Ok(OrderStatus::Pending) | Err(_) => {}
        }
    }
    let offers = match (&held, fishmouth.numbers.as_ref(), area.trim().is_empty()) {
        (None, Some(numbers), false) => {
            let area = parse_area_code(&area)?;
            crate::platform::rate_limit::hit(
                &pool,
                &format!("number-search:{}", user.id),
                crate::platform::rate_limit::Limit::per_hour(30),
            )
            .await?;
            numbers
                .search(&area)
                .await
                .map_err(|e| AppError::field("area", e.to_string()))?
                .into_iter()
                .map(|n| Offer {
                    phone_number: n.phone_number,
                    place: n.place,
                    monthly_cost: n.monthly_cost,
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(YourNumber {
        held: held.map(|h| (h.phone_number, h.status)),
        available: fishmouth.numbers.is_some(),
        offers,
    })
}

/// Takes `phone_number` as her own: reserved for her first, then ordered from the provider;
/// a refused order gives it back.
#[server(prefix = "/api/pro", endpoint = "number-take")]
pub async fn take_number(#[server(default)] phone_number: String) -> Result<(), AppError> {
    use crate::platform::numbers::{NumbersError, OrderStatus};
    let user = crate::auth::guards::Contractor::get().await?.user;
    let phone_number = parse_us_number(&phone_number)?;
    let services = crate::platform::services()?;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    let numbers = fishmouth.numbers.as_ref().ok_or_else(|| {
        AppError::field(
            "phone_number",
            "this server cannot buy numbers: your texts go from the shared number",
        )
    })?;
    match store::reserve(&services.pool, user.id, &phone_number).await? {
        Ok(()) => {}
        Err(store::Taken::Hers) => return Err(AppError::field("phone_number", "you have a number already")),
        Err(store::Taken::Theirs) => {
            return Err(AppError::field(
                "phone_number",
                "that number was just taken: search again",
            ));
        }
    }
    let order = match numbers.order(&phone_number, &user.id.to_string()).await {
        Ok(order) if order.status != OrderStatus::Failed => order,
        failed => {
            store::release(&services.pool, user.id).await?;
            let why = match failed {
                Err(NumbersError::Refused(why)) => format!("the provider refused it ({why}): search again"),
                Err(NumbersError::Unavailable(_)) => {
                    "the number provider is not answering: try again in a minute".into()
                }
                Ok(_) => "the provider could not give you that number: search again".into(),
            };
            return Err(AppError::field("phone_number", why));
        }
    };
    let status = if order.status == OrderStatus::Active {
        "active"
    } else {
        "pending"
    };
    let mut tx = services.pool.begin().await?;
    store::ordered(&mut *tx, user.id, &order.id, status).await?;
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "fishmouth.number_taken",
        serde_json::json!({ "phone_number": phone_number, "order": order.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `/pro/number`
#[component]
pub fn NumberPage() -> impl IntoView {
    let take = ServerAction::<TakeNumber>::new();
    let saved = saves![take];
    let query = use_query_map();
    let area = move || query.read().get("area").unwrap_or_default();
    let page = Resource::new(move || (area(), saved.get()), retrying(|(area, _)| load_number(area)));
    let error = last_error(take.value());
    view! {
        <Title text="Your number"/>
        <h1>"Your number"</h1>
        <p class="hint">"Homeowners see your own local number on every text, and their answers come back to your inbox only."</p>
        <FormError error/>
        <Loaded data=page render=move |page: YourNumber| match page.held {
            Some((number, status)) => view! {
                <section class="card">
                    <p class="big-number">{display_number(&number)}</p>
                    {if status == "active" {
                        view! { <p>"Your texts go from this number. Texts to it reach your "<a href="/pro/inbox">"inbox"</a>"."</p> }.into_any()
                    } else {
                        view! { <p>"Your number is being set up. Until it is ready, your texts go from the shared number."</p> }.into_any()
                    }}
                </section>
            }.into_any(),
            None if !page.available => view! {
                <p>"This server cannot buy numbers. Your texts go from the shared number, and replies still reach only your inbox."</p>
            }.into_any(),
            None => view! {
                <p>"You have no number of your own yet: your texts go from the shared number."</p>
                <form method="get" action="/pro/number" class="inline-form">
                    <div class="field">
                        <label for="area">"Area code"</label>
                        <input id="area" name="area" inputmode="numeric" maxlength="5" value=area() required/>
                    </div>
                    <button type="submit" class="button">"Find numbers"</button>
                </form>
                {(!area().is_empty()).then(|| or_hint(
                    page.offers.is_empty(),
                    "No numbers with texting in that area code right now: try a neighbouring one.",
                    move || view! {
                        <ul class="log-list offers">
                            {page.offers.into_iter().map(|o| view! {
                                <li class="card">
                                    <ActionForm action=take attr:class="inline-form">
                                        <input type="hidden" name="phone_number" value=o.phone_number.clone()/>
                                        <p><strong>{display_number(&o.phone_number)}</strong>
                                            {o.place.map(|p| format!(" · {p}"))}
                                            {o.monthly_cost.map(|c| format!(" · {c} a month"))}</p>
                                        <button type="submit" class="button button-small">"Take this number"</button>
                                    </ActionForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    },
                ))}
            }.into_any(),
        }/>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_codes_and_numbers_are_checked_and_shown_plainly() {
        assert_eq!(parse_area_code(" (512) ").ok().as_deref(), Some("512"));
        for bad in ["12", "1234", "012", "112", "5a2", ""] {
            assert!(parse_area_code(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_us_number(" +15125550123 ").ok().as_deref(), Some("+15125550123"));
        for bad in ["5125550123", "+4475550123", "+1512555012x", "+151255501234"] {
            assert!(parse_us_number(bad).is_err(), "{bad}");
        }
        assert_eq!(display_number("+15125550123"), "(512) 555-0123");
        assert_eq!(display_number("+254712345678"), "+254712345678");
    }
}
