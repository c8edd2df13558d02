//! The contractor's dashboard and the operator's: server-rendered numbers and bar charts.

use crate::components::{Loaded, retrying};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::store;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub company: String,
    pub onboarding_done: bool,
    pub stages: Vec<(String, i64)>,
    pub leads: i64,
    pub conversion: String,
    pub spend: String,
    pub cost_per_won: String,
    pub balance: String,
    pub recent_scans: Vec<super::ScanSummary>,
    /// Leads in a sequence now, replies in the last 7 days, replies to answer, open tasks.
    pub outreach: [i64; 4],
}

#[server(prefix = "/api/pro", endpoint = "dashboard", input = GetUrl)]
pub async fn load_dashboard() -> Result<Dashboard, AppError> {
    use domain::fishmouth::pricing::format_cents;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let pool = &services.pool;
    let summary = store::contractor_summary(pool, user.id).await?;
    use domain::fishmouth::LeadStage;
    let count = |stage: LeadStage| {
        summary
            .stages
            .get(stage.as_str())
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
    };
    let stages: Vec<(String, i64)> = LeadStage::ALL
        .iter()
        .map(|&s| (s.as_str().to_owned(), count(s)))
        .collect();
    let (won, lost) = (count(LeadStage::Won), count(LeadStage::Lost));
    let leads: i64 = stages.iter().map(|(_, n)| n).sum();
    let spend = summary.spend;
    let rows = store::scans(pool, user.id, 5).await?;
    Ok(Dashboard {
        company: summary.company.unwrap_or_else(|| user.display_name.clone()),
        onboarding_done: summary.onboarding_done,
        stages,
        leads,
        conversion: if won + lost > 0 {
            format!("{}%", won * 100 / (won + lost))
        } else {
            "–".into()
        },
        spend: format_cents(spend),
        cost_per_won: if won > 0 {
            format_cents(spend / won)
        } else {
            "–".into()
        },
        balance: format_cents(summary.balance),
        recent_scans: rows.into_iter().map(super::scans::ssr::summary).collect(),
        outreach: [
            summary.in_sequences,
            summary.replies_week,
            summary.replies_open,
            summary.tasks_open,
        ],
    })
}

/// `/pro`
#[component]
pub fn ContractorDashboard() -> impl IntoView {
    let data = Resource::new(|| (), retrying(|_| load_dashboard()));
    view! {
        <Title text="Fish Mouth"/>
        <Loaded data=data render={move |d| {
            let max = d.stages.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
            view! {
                <section class="dashboard-hero">
                    <p class="eyebrow">"Fish Mouth"</p>
                    <h1>{d.company.clone()}</h1>
                </section>
                {(!d.onboarding_done).then(|| view! {
                    <p class="notice-inline"><a href="/pro/welcome">"Finish setting up your account"</a></p>
                })}
                <crate::components::ChipNav label="Fish Mouth" links=&[
                    ("/pro/scans", "Scan an area"),
                    ("/pro/leads", "Leads"),
                    ("/pro/imports", "Import a list"),
                    ("/pro/sequences", "Sequences"),
                    ("/pro/tasks", "Tasks"),
                    ("/pro/calls", "Calls"),
                    ("/pro/voice", "Voice settings"),
                    ("/pro/voice/try", "Try the call assistant"),
                    ("/pro/inbox", "Inbox"),
                    ("/pro/number", "Your number"),
                    ("/pro/sending", "Your email domain"),
                    ("/pro/wallet", "Wallet"),
                ]/>
                <dl class="stats">
                    <div><dt>"Wallet"</dt><dd>{d.balance.clone()}</dd></div>
                    <div><dt>"Leads"</dt><dd>{d.leads}</dd></div>
                    <div><dt>"Won of closed"</dt><dd>{d.conversion.clone()}</dd></div>
                    <div><dt>"Spent on leads"</dt><dd>{d.spend.clone()}</dd></div>
                    <div><dt>"Cost per won job"</dt><dd>{d.cost_per_won.clone()}</dd></div>
                </dl>
                <section class="card">
                    <h2>"Leads by stage"</h2>
                    <BarChart rows=d.stages.iter().map(|(s, n)| (s.clone(), *n, format!("/pro/leads?stage={s}"))).collect() max/>
                </section>
                <section class="card outreach-summary">
                    <h2>"Outreach"</h2>
                    {let [in_sequences, replies_week, replies_open, tasks_open] = d.outreach;
                    view! {
                        <BarChart rows=vec![
                            ("In a sequence now".to_owned(), in_sequences, "/pro/sequences".to_owned()),
                            ("Replies, last 7 days".to_owned(), replies_week, "/pro/inbox?show=all".to_owned()),
                            ("Replies to answer".to_owned(), replies_open, "/pro/inbox".to_owned()),
                            ("Calls and tasks to do".to_owned(), tasks_open, "/pro/tasks".to_owned()),
                        ] max=in_sequences.max(replies_week).max(replies_open).max(tasks_open)/>
                        {(in_sequences == 0 && replies_week == 0).then(|| view! {
                            <p class="hint"><a href="/pro/sequences">"Start a sequence"</a>" to write to your leads by email and text; their replies come here."</p>
                        })}
                    }}
                </section>
                <section class="card">
                    <h2>"Recent scans"</h2>
                    {crate::components::or_hint(d.recent_scans.is_empty(), "No scans yet: scan an area to find homes that need a roof.", move || view! {
                        <ul class="log-list">
                            {d.recent_scans.into_iter().map(|s| view! {
                                <li class="log-entry"><a href=format!("/pro/scans/{}", s.id)>{s.label}</a>
                                    <p class="hint">{format!("{} · {} · {} homes", s.created, s.status, s.total)}</p></li>
                            }).collect_view()}
                        </ul>
                    })}
                </section>
            }
        }}/>
    }
}

/// Horizontal bars: label, value, link. `<meter>` draws them: no chart library, and no
/// inline style for the CSP to refuse.
#[component]
pub fn BarChart(rows: Vec<(String, i64, String)>, max: i64) -> impl IntoView {
    view! {
        <ul class="bars">
            {rows.into_iter().map(|(label, value, href)| {
                let name = if href.is_empty() { view! { <span>{label}</span> }.into_any() } else { view! { <a href=href>{label}</a> }.into_any() };
                view! {
                    <li>
                        {name}
                        <meter class="bar" min="0" max=max.max(1) value=value></meter>
                        <strong>{value}</strong>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub signups: Vec<(String, i64)>,
    pub active_accounts: i64,
    pub revenue_days: Vec<(String, String, i64)>,
    pub revenue_months: Vec<(String, String, i64)>,
    pub leads_sold: i64,
    pub leads_revenue: String,
    pub refunds: i64,
    pub refunded: String,
    /// Product usage in the last 30 days, by event (first-party, from usage_events).
    pub usage: Vec<(String, i64)>,
}

#[server(prefix = "/api/pro", endpoint = "operator", input = GetUrl)]
pub async fn load_operator() -> Result<Operator, AppError> {
    use domain::fishmouth::pricing::format_cents;
    crate::auth::guards::Operator::get().await?;
    let pool = crate::platform::services()?.pool;
    let pool = &pool;
    let signups = store::signups_per_day(pool).await?;
    let active_accounts = store::active_accounts(pool).await?;
    let days = store::top_ups_per(pool, store::Period::Day).await?;
    let months = store::top_ups_per(pool, store::Period::Month).await?;
    let (leads_sold, leads_cents, refunds, refunded_cents) = store::lead_sales(pool).await?;
    let usage = store::usage_per_event(pool).await?;
    let money = |rows: Vec<(String, i64)>| rows.into_iter().map(|(d, c)| (d, format_cents(c), c)).collect();
    Ok(Operator {
        signups: signups.into_iter().map(|(d, n)| (d.to_string(), n)).collect(),
        active_accounts,
        revenue_days: money(days),
        revenue_months: money(months),
        leads_sold,
        leads_revenue: format_cents(leads_cents),
        refunds,
        refunded: format_cents(refunded_cents),
        usage,
    })
}

/// `/pro/admin`: for operators only (everyone else gets the 404 page).
#[component]
pub fn OperatorDashboard() -> impl IntoView {
    let data = Resource::new(|| (), retrying(|_| load_operator()));
    view! {
        <Title text="Operator"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(o) => {
                        let max_signups = o.signups.iter().map(|(_, n)| *n).max().unwrap_or(1);
                        let max_day = o.revenue_days.iter().map(|(_, _, c)| *c).max().unwrap_or(1);
                        let max_month = o.revenue_months.iter().map(|(_, _, c)| *c).max().unwrap_or(1);
                        let max_usage = o.usage.iter().map(|(_, n)| *n).max().unwrap_or(1);
                        view! {
                            <h1>"Operator dashboard"</h1>
                            <p><a href="/admin">"Users, support tickets and the audit log"</a></p>
                            <dl class="stats">
                                <div><dt>"Active accounts (30 days)"</dt><dd>{o.active_accounts}</dd></div>
                                <div><dt>"Leads sold"</dt><dd>{o.leads_sold} " · " {o.leads_revenue.clone()}</dd></div>
                                <div><dt>"Refunds"</dt><dd>{o.refunds} " · " {o.refunded.clone()}</dd></div>
                            </dl>
                            <section class="card"><h2>"Sign-ups per day"</h2>
                                <BarChart rows=o.signups.iter().map(|(d, n)| (d.clone(), *n, String::new())).collect() max=max_signups/>
                            </section>
                            <section class="card"><h2>"Top-up revenue per day (cents)"</h2>
                                <BarChart rows=o.revenue_days.iter().map(|(d, _, c)| (d.clone(), *c, String::new())).collect() max=max_day/>
                            </section>
                            <section class="card"><h2>"Product usage, last 30 days"</h2>
                                <BarChart rows=o.usage.iter().map(|(e, n)| (e.replace('_', " "), *n, String::new())).collect() max=max_usage/>
                            </section>
                            <section class="card"><h2>"Top-up revenue per month (cents)"</h2>
                                <BarChart rows=o.revenue_months.iter().map(|(d, _, c)| (d.clone(), *c, String::new())).collect() max=max_month/>
                            </section>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <crate::admin::Refused error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
