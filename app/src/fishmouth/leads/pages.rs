//! The leads pages: the filtered, paged list and one lead with its stage, notes and refund.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::pipeline::{AddNote, SetStage, list_leads, load_lead};
use crate::components::{FormError, Loaded, last_error, retrying, saves, toast_on_success};
use domain::fishmouth::LeadStage;

use crate::fishmouth::LeadFilter;

/// `/pro/leads`: filters that work as a plain GET form, sorting, paging and CSV export.
#[component]
pub fn LeadsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        LeadFilter {
            min_score: get("min_score"),
            tier: get("tier"),
            stage: get("stage"),
            scan: get("scan"),
            since: get("since"),
            q: get("q"),
            sort: get("sort"),
            page: get("page"),
        }
    };
    let leads = Resource::new(filter, retrying(list_leads));
    view! {
        <Title text="Leads"/>
        <h1>"Leads"</h1>
        <form method="get" action="/pro/leads" class="card filters">
            <div class="field-row">
                <div class="field"><label>"Search address or owner" <input name="q" value=move || filter().q/></label></div>
                <div class="field"><label>"Minimum score" <input name="min_score" inputmode="numeric" value=move || filter().min_score/></label></div>
                <div class="field"><label>"Tier"
                    <select name="tier">
                        {[("", "Any"), ("premium", "Premium (80+)"), ("standard", "Standard (60–79)")].map(|(v, l)| view! {
                            <option value=v selected=move || filter().tier == v>{l}</option>
                        })}
                    </select>
                </label></div>
                <div class="field"><label>"Stage"
                    <select name="stage">
                        <option value="">"Any"</option>
                        {LeadStage::ALL.iter().map(|s| s.as_str()).map(|s| view! { <option value=s selected=move || filter().stage == s>{s}</option> }).collect_view()}
                    </select>
                </label></div>
                <div class="field"><label>"Bought since" <input type="date" name="since" value=move || filter().since/></label></div>
                <div class="field"><label>"Sort"
                    <select name="sort">
                        {[("score", "Score"), ("newest", "Newest"), ("address", "Address")].map(|(v, l)| view! {
                            <option value=v selected=move || filter().sort == v>{l}</option>
                        })}
                    </select>
                </label></div>
            </div>
            <input type="hidden" name="scan" value=move || filter().scan/>
            <button type="submit" class="button">"Filter"</button>
            " "
            <a class="button button-ghost" href=move || format!("/pro/leads.csv?{}", query_string(&filter())) download>"Export CSV"</a>
        </form>
        <Loaded data=leads render={move |data| {
            let current = filter();
            let on_map = LeadFilter { page: String::new(), sort: String::new(), ..current.clone() };
            let link = move |page: i64| {
                let mut f = current.clone();
                f.page = page.to_string();
                format!("/pro/leads?{}", query_string(&f))
            };
            view! {
                <p class="hint">{format!("{} leads", data.total)}</p>
                {(data.total > 0).then(|| view! {
                    <figure class="area-map">
                        <crate::fishmouth::map::LiveMap layer="leads" label="Map of these leads" query=query_string(&on_map)/>
                        <figcaption class="hint map-legend">
                            <span class="band-premium">"Premium (80+)"</span>" "<span class="band-standard">"Standard (60–79)"</span>" "
                            <span class="band-low">"Below 60"</span>". A number is leads close together: tap to zoom in; tap a lead to open it."
                        </figcaption>
                    </figure>
                })}
                <table class="leads">
                    <thead><tr><th scope="col">"Score"</th><th scope="col">"Address"</th><th scope="col">"Stage"</th><th scope="col">"Bought"</th></tr></thead>
                    <tbody>
                        {data.rows.into_iter().map(|l| view! {
                            <tr>
                                <td><strong>{l.score}</strong> <span class="hint">{l.tier}</span></td>
                                <td><a href=format!("/pro/leads/{}", l.id)>{l.address}</a> <span class="hint">{l.owner}</span></td>
                                <td><span class="badge" data-stage=l.stage.as_str()>{l.stage.as_str()}</span></td>
                                <td>{l.bought}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <nav class="pager" aria-label="Pages">
                    {(data.page > 1).then(|| view! { <a href=link(data.page - 1)>"Previous"</a> })}
                    <span>{format!("Page {} of {}", data.page, data.pages.max(1))}</span>
                    {(data.page < data.pages).then(|| view! { <a href=link(data.page + 1)>"Next"</a> })}
                </nav>
            }
        }}/>
    }
}

fn query_string(f: &LeadFilter) -> String {
    [
        ("q", &f.q),
        ("min_score", &f.min_score),
        ("tier", &f.tier),
        ("stage", &f.stage),
        ("scan", &f.scan),
        ("since", &f.since),
        ("sort", &f.sort),
        ("page", &f.page),
    ]
    .iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={}", encode(v)))
    .collect::<Vec<_>>()
    .join("&")
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `/pro/leads/:id`
#[component]
pub fn LeadPage() -> impl IntoView {
    let params = use_params_map();
    let stage = ServerAction::<SetStage>::new();
    let note = ServerAction::<AddNote>::new();
    let refund = ServerAction::<crate::fishmouth::refunds::RequestRefund>::new();
    let roof = ServerAction::<crate::fishmouth::roofs::ReadRoof>::new();
    let roof_error = last_error(roof.value());
    let saved = saves![stage, note, refund, roof];
    let lead = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), saved.get()),
        retrying(|(id, _)| load_lead(id)),
    );
    let error = Signal::derive(move || {
        last_error(stage.value())
            .get()
            .or_else(|| last_error(note.value()).get())
            .or_else(|| last_error(refund.value()).get())
    });
    toast_on_success(stage.value(), "Stage changed");
    toast_on_success(note.value(), "Note added");
    toast_on_success(refund.value(), "Refund asked for");
    toast_on_success(roof.value(), "Roof read from the aerial image");
    // Refunded at once, the server sends her to her leads: this one is no longer hers.
    let outreach = crate::fishmouth::sequences::use_lead_outreach(move || params.read().get("id").unwrap_or_default());
    let calls = crate::fishmouth::calls::use_lead_calls(move || params.read().get("id").unwrap_or_default());
    view! {
        <Title text="Lead"/>
        <Loaded data=lead render={move |l| {
            let (stage_id, note_id, refund_id) = (l.id.to_string(), l.id.to_string(), l.id.to_string());
            let roof_id = l.id.to_string();
            view! {
                <h1>{l.address.clone()}</h1>
                {l.sample.then(|| view! { <p class="badge">"Sample data: a generated home, not a real person"</p> })}
                <FormError error/>
                <section class="card">
                    <p class="score-big"><strong>{l.score}</strong> " / 100 · " {l.tier.clone()} " · confidence " {l.confidence} "%"</p>
                    <ul class="factors">
                        <Factor label="Roof condition (42%)" value=l.factors.condition/>
                        <Factor label="Roof age (25%)" value=l.factors.age/>
                        <Factor label="Home value (15%)" value=l.factors.value/>
                        <Factor label="Storm damage (10%)" value=l.factors.damage/>
                        <Factor label="Contact details (8%)" value=l.factors.contact/>
                    </ul>
                    <ul>{l.reasons.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
                </section>
                <section class="card">
                    <h2>"Stage"</h2>
                    <ActionForm action=stage>
                        <input type="hidden" name="id" value=stage_id/>
                        <div class="stage-buttons">
                            {LeadStage::ALL.iter().map(|&s| view! {
                                <button type="submit" name="stage" value=s.as_str() class="button button-ghost" aria-pressed=(l.stage == s).to_string()>{s.as_str()}</button>
                            }).collect_view()}
                        </div>
                    </ActionForm>
                </section>
                <section class="card">
                    <h2>"Contact"</h2>
                    {match l.phone.clone() {
                        Some(phone) => view! { <p><a href=format!("tel:{phone}")>{phone.clone()}</a></p> }.into_any(),
                        None => view! { <p class="hint">"No phone on record"</p> }.into_any(),
                    }}
                    {l.email.clone().map(|e| view! { <p><a href=format!("mailto:{e}")>{e.clone()}</a></p> })}
                    <p class="hint">"Skip-traced numbers carry no consent to call or text: follow the calling rules in your sequences."</p>
                </section>
                <section class="card">
                    <h2>"Property"</h2>
                    <dl class="milestones">
                        {l.facts.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                    </dl>
                    <h3>"Hail within 3 miles, last 3 years"</h3>
                    {if l.storms.is_empty() {
                        view! { <p class="hint">"None reported."</p> }.into_any()
                    } else {
                        view! { <ul>{l.storms.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ul> }.into_any()
                    }}
                </section>
                <section class="card roof">
                    <h2>"Roof"</h2>
                    {match l.roof.clone() {
                        Some(r) => view! {
                            <img src=r.image_url alt="Aerial image of this home's roof" width="320" height="320" loading="lazy"/>
                            <p><strong>{format!("Condition {} / 100", r.condition)}</strong>" (100 is like new) · confidence "{r.confidence}"%"</p>
                            {if r.findings.is_empty() {
                                view! { <p>"No visible issues."</p> }.into_any()
                            } else {
                                view! { <ul class="findings">{r.findings.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul> }.into_any()
                            }}
                            <p class="hint">{format!("The roof condition factor comes from this aerial image, read by {} (fetched {}).", r.model, r.fetched_on)}</p>
                        }.into_any(),
                        None => view! {
                            <p class="hint">"The roof condition factor comes from the property records: no aerial image has been read."</p>
                        }.into_any(),
                    }}
                    {l.roof_price_cents.filter(|_| l.roof.is_none()).map(|cents| view! {
                        <ActionForm action=roof>
                            <input type="hidden" name="lead_id" value=roof_id.clone()/>
                            <input type="hidden" name="price" value=cents.to_string()/>
                            <FormError error=roof_error/>
                            <p class="field-error" role="alert">{move || roof_error.get().and_then(|e| e.message_for("roof"))}</p>
                            <button type="submit" class="button">
                                {format!("Read the roof from an aerial image ({})", domain::fishmouth::pricing::format_cents(cents))}
                            </button>
                            <p class="hint">"Charged to your wallet only when the image is read."</p>
                        </ActionForm>
                    })}
                </section>
                <crate::fishmouth::sequences::LeadOutreach lead=l.id state=outreach/>
                <crate::fishmouth::calls::LeadCalls lead=l.id state=calls/>
                <section class="card">
                    <h2>"Notes"</h2>
                    <ActionForm action=note>
                        <input type="hidden" name="id" value=note_id/>
                        <div class="field"><label>"New note" <textarea name="body" rows="3" maxlength="2000" required=true></textarea></label></div>
                        <button type="submit" class="button">"Add note"</button>
                    </ActionForm>
                    <ul class="log-list">
                        {l.notes.iter().map(|(at, body)| view! { <li class="log-entry"><p class="hint">{at.clone()}</p><p>{body.clone()}</p></li> }).collect_view()}
                    </ul>
                </section>
                <section class="card">
                    <h2>"Refund"</h2>
                    <p class="hint">{format!("Bought {} for {}.", l.bought, l.price)}</p>
                    {match (l.refund_status.clone(), l.refundable) {
                        (Some(status), _) => view! { <p>{status}</p> }.into_any(),
                        (None, true) => view! {
                            <ActionForm action=refund>
                                <input type="hidden" name="id" value=refund_id/>
                                <div class="field"><label>"Why is this lead not usable?"
                                    <select name="reason">
                                        <option value="invalid_contact">"The contact details are wrong"</option>
                                        <option value="duplicate">"I already had this lead"</option>
                                        <option value="out_of_area">"It is outside my service area"</option>
                                    </select>
                                </label></div>
                                <div class="field"><label>"Anything the reviewer should know (optional)"
                                    <textarea name="note" rows="2" maxlength="1000"></textarea></label></div>
                                <p class="hint">"Refunded at once within your monthly allowance (a tenth of the leads you bought in 30 days) if you have not contacted the homeowner; otherwise an operator decides."</p>
                                <button type="submit" class="button button-ghost">"Ask for a refund"</button>
                            </ActionForm>
                        }.into_any(),
                        (None, false) => view! { <p class="hint">"Refunds are possible within 48 hours of buying a paid lead."</p> }.into_any(),
                    }}
                </section>
                <p class="form-footer"><a href="/pro/leads">"All leads"</a></p>
            }
        }}/>
    }
}

#[component]
fn Factor(label: &'static str, value: u8) -> impl IntoView {
    view! {
        <li class="factor">
            <span>{label}</span>
            <meter min="0" max="100" value=value>{value}</meter>
            <strong>{value}</strong>
        </li>
    }
}
