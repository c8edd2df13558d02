//! The sequence builder and its neighbours: the list of sequences, the reps' task list,
//! the outreach panel of a lead, and the public unsubscribe page.
//!
//! The builder is one form. Before the app has loaded, every button posts it and the
//! server applies the change (add, move, duplicate, remove); once loaded, the same
//! buttons change the steps in place and the preview follows every keystroke.

use domain::fishmouth::sequence::{
    AB_MIN_SENDS, Arm, DelayUnit, Edit, MERGE_FIELDS, MergeData, SequenceStatus, StepInput, StepKind, Verdict, Version,
    blank_step, check_template, render,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::*;
use crate::components::{
    FormError, LastError, Loaded, last_error, or_hint, retrying, saves, successes, toast_on_success,
};
use crate::error::AppError;

/// `/pro/sequences`
#[component]
pub fn SequencesPage() -> impl IntoView {
    let create = ServerAction::<CreateSequence>::new();
    let list = Resource::new(|| (), retrying(|()| load_sequences()));
    let error = last_error(create.value());
    view! {
        <Title text="Sequences"/>
        <h1>"Sequences"</h1>
        <p class="hint">"Emails, text messages and call tasks that go out on a schedule, in each homeowner's own time zone, and stop when they reply."</p>
        <FormError error/>
        <section class="card">
            <h2>"New sequence"</h2>
            <ActionForm action=create>
                <div class="field">
                    <label for="new-name">"Name"</label>
                    <input id="new-name" name="name" maxlength="100" required=true/>
                    <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("name"))}</p>
                </div>
                <button type="submit" class="button">"Create"</button>
            </ActionForm>
        </section>
        <Loaded data=list render={move |data| view! {
            <section class="card">
                <h2>"Your sequences"</h2>
                {or_hint(data.sequences.is_empty(), "None yet: create one, or start from a ready sequence below.", move || view! {
                    <table class="leads">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Status"</th><th scope="col">"Steps"</th><th scope="col">"Active / enrolled"</th></tr></thead>
                        <tbody>
                            {data.sequences.into_iter().map(|s| view! {
                                <tr>
                                    <td><a href=format!("/pro/sequences/{}", s.id)>{s.name}</a></td>
                                    <td><span class="badge">{s.status.as_str()}</span></td>
                                    <td>{s.steps}</td>
                                    <td>{format!("{} / {}", s.active, s.enrolled)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
            </section>
            <section class="card">
                <h2>"Ready sequences"</h2>
                <p class="hint">"Copy one and make it yours: every word can be changed."</p>
                <ul class="log-list">
                    {data.templates.into_iter().map(|t| view! {
                        <li class="log-entry">
                            <h3>{t.name}</h3>
                            <p>{t.description}</p>
                            <ActionForm action=create>
                                <input type="hidden" name="template" value=t.key/>
                                <button type="submit" class="button button-ghost">{format!("Use this ({} steps)", t.steps)}</button>
                            </ActionForm>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }}/>
    }
}

/// `/pro/sequences/:id`
#[component]
pub fn SequencePage() -> impl IntoView {
    let params = use_params_map();
    let save = ServerAction::<SaveSequence>::new();
    let status = ServerAction::<SetSequenceStatus>::new();
    let enroll = ServerAction::<EnrollLeads>::new();
    let change = ServerAction::<ChangeEnrollment>::new();
    let saved = saves![save, status, enroll, change];
    let sequence = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), saved.get()),
        retrying(|(id, _)| load_sequence(id)),
    );
    toast_on_success(save.value(), "Saved");
    toast_on_success(status.value(), "Status changed");
    toast_on_success(change.value(), "Enrollment changed");
    let enrolled = Signal::derive(move || match enroll.value().get() {
        Some(Ok(n)) => Some(format!("{n} leads enrolled")),
        _ => None,
    });
    let save_error = last_error(save.value());
    let other_error = Signal::derive(move || {
        last_error(status.value())
            .get()
            .or_else(|| last_error(enroll.value()).get())
            .or_else(|| last_error(change.value()).get())
    });
    view! {
        <Title text="Sequence"/>
        <Loaded data=sequence render={move |s| {
            let id = s.id.to_string();
            view! {
                <h1>{s.name.clone()} " " <span class="badge" data-status=s.status.as_str()>{s.status.as_str()}</span></h1>
                <FormError error=other_error/>
                <p class="field-error" role="alert">{move || other_error.get().and_then(|e| e.message_for("status").or_else(|| e.message_for("leads")).or_else(|| e.message_for("action")))}</p>
                {s.postal_address_missing.then(|| view! {
                    <p class="notice-inline notice-inline-error">"Email steps need your company's postal address: the law requires it in every marketing email. " <a href="/pro/welcome">"Add it"</a></p>
                })}
                <StatusButtons action=status id=id.clone() status=s.status/>
                <Editor data=s.clone() action=save error=save_error/>
                <EnrollForm action=enroll id=id.clone() data=s.clone() done=enrolled/>
                <ReportView report=s.report.clone()/>
                <Enrollments action=change rows=s.enrollments.clone()/>
                <p class="form-footer"><a href="/pro/sequences">"All sequences"</a></p>
            }
        }}/>
    }
}

#[component]
fn StatusButtons(action: ServerAction<SetSequenceStatus>, id: String, status: SequenceStatus) -> impl IntoView {
    let buttons = status.next();
    view! {
        <ActionForm action>
            <input type="hidden" name="id" value=id/>
            <div class="stage-buttons">
                {buttons.iter().map(|(value, label)| view! {
                    <button type="submit" name="status" value=value.as_str() class="button button-ghost">{*label}</button>
                }).collect_view()}
            </div>
        </ActionForm>
    }
}

/// One step of the editor: its fields as signals, so typing never re-renders the list.
#[derive(Clone, Copy)]
struct StepRow {
    key: usize,
    id: RwSignal<String>,
    kind: RwSignal<String>,
    delay_amount: RwSignal<String>,
    delay_unit: RwSignal<String>,
    subject: RwSignal<String>,
    body: RwSignal<String>,
    variant_subject: RwSignal<String>,
    variant_body: RwSignal<String>,
}

impl StepRow {
    fn new(key: usize, s: StepInput) -> Self {
        Self {
            key,
            id: RwSignal::new(s.id),
            kind: RwSignal::new(s.kind),
            delay_amount: RwSignal::new(s.delay_amount),
            delay_unit: RwSignal::new(s.delay_unit),
            subject: RwSignal::new(s.subject),
            body: RwSignal::new(s.body),
            variant_subject: RwSignal::new(s.variant_subject),
            variant_body: RwSignal::new(s.variant_body),
        }
    }

    fn input(&self) -> StepInput {
        StepInput {
            id: self.id.get_untracked(),
            kind: self.kind.get_untracked(),
            delay_amount: self.delay_amount.get_untracked(),
            delay_unit: self.delay_unit.get_untracked(),
            subject: self.subject.get_untracked(),
            body: self.body.get_untracked(),
            variant_subject: self.variant_subject.get_untracked(),
            variant_body: self.variant_body.get_untracked(),
        }
    }
}

#[component]
fn Editor(data: SequenceData, action: ServerAction<SaveSequence>, error: LastError) -> impl IntoView {
    let next_key = StoredValue::new(data.steps.len());
    let rows = RwSignal::new(
        data.steps
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, s)| StepRow::new(i, s))
            .collect::<Vec<_>>(),
    );
    let local_error = RwSignal::new(None::<String>);
    // In the browser a button changes the rows here; before it loads, it posts the form.
    // New rows are made under the editor's owner: made under the clicked row's, they
    // would be disposed with it when the list re-renders.
    let owner = StoredValue::new(Owner::current());
    let new_row = move |input: StepInput| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        match owner.get_value() {
            Some(owner) => owner.with(|| StepRow::new(key, input)),
            None => StepRow::new(key, input),
        }
    };
    let apply = move |edit: Edit| {
        let mut list = rows.get_untracked();
        let result = edit.apply_with(
            &mut list,
            |kind| new_row(blank_step(kind)),
            |row| {
                new_row(StepInput {
                    id: String::new(),
                    ..row.input()
                })
            },
        );
        match result {
            Ok(()) => {
                local_error.set(None);
                rows.set(list);
            }
            Err(e) => local_error.set(Some(e.message)),
        }
    };
    let preview = StoredValue::new(data.preview.clone());
    let chosen = RwSignal::new(0usize);
    let merge = move || {
        preview
            .with_value(|p| p.get(chosen.get()).map(|l| l.data.clone()))
            .unwrap_or_else(|| MergeData {
                owner_name: Some("Maria Garcia".into()),
                address: "412 Oak Hollow Dr, Plano, TX 75023".into(),
                company: "Your company".into(),
                rep_name: "You".into(),
            })
    };
    let message = move |field: String| move || error.get().and_then(|e| e.message_for(&field));
    let window = data.window;
    view! {
        <ActionForm action attr:class="card sequence-editor" attr:id="steps">
            <h2>"Steps"</h2>
            <input type="hidden" name="id" value=data.id.to_string()/>
            <div class="field">
                <label for="seq-name">"Name"</label>
                <input id="seq-name" name="name" maxlength="100" required=true value=data.name.clone()/>
                <p class="field-error" role="alert">{message("name".into())}</p>
            </div>
            <fieldset class="field">
                <legend>"Send on (in each homeowner's time zone)"</legend>
                <div class="weekdays">
                    {(0u8..7).map(|d| view! {
                        <label class="check">
                            <input type="checkbox" name=format!("window[days][{d}]") value=d.to_string() checked=window.allows_day(d)/>
                            {domain::fishmouth::schedule::WEEKDAYS[usize::from(d)]}
                        </label>
                    }).collect_view()}
                </div>
                <p class="field-error" role="alert">{message("window_days".into())}</p>
                <div class="field-row">
                    <label>"From " <HourSelect name="window[start]" value=window.start_hour/></label>
                    <label>"until " <HourSelect name="window[end]" value=window.end_hour/></label>
                </div>
                <p class="hint">"Nothing goes before 08:00 or after 21:00 in the homeowner's time, or outside stricter state hours (Texas from 09:00, and noon on Sundays; Florida, Oklahoma, Maryland and Washington until 20:00; Connecticut 09:00 to 20:00), whatever the window says."</p>
                <p class="field-error" role="alert">{message("window_start".into())} {message("window_end".into())}</p>
            </fieldset>
            <div class="field">
                <label for="auto-enroll">"Enroll new leads automatically when they score at least"</label>
                <input id="auto-enroll" name="auto_enroll" inputmode="numeric" placeholder="off" value=data.auto_enroll.map(|v| v.to_string()).unwrap_or_default()/>
                <p class="field-error" role="alert">{message("auto_enroll".into())}</p>
            </div>
            <p class="field-error" role="alert">{move || local_error.get().or_else(|| error.get().and_then(|e| e.message_for("steps")))}</p>
            <ol class="steps">
                <For each=move || rows.get().into_iter().enumerate() key=|(i, row)| (row.key, *i) let:item>
                    <StepEditor index=item.0 row=item.1 count=Signal::derive(move || rows.with(Vec::len)) apply error/>
                </For>
            </ol>
            <div class="stage-buttons">
                {StepKind::ALL.map(|kind| view! {
                    <button type="submit" name="edit" value=Edit::Add(kind).value() class="button button-ghost"
                        on:click=move |ev| { ev.prevent_default(); apply(Edit::Add(kind)); }>
                        {format!("+ {}", kind.label())}
                    </button>
                })}
            </div>
            <p class="hint">"Merge fields: " {MERGE_FIELDS.map(|(f, what)| view! { <code title=what>{format!("{{{{{f}}}}}")}</code> " " })}</p>
            <button type="submit" class="button">"Save"</button>
        </ActionForm>
        <section class="card preview" aria-live="polite">
            <h2>"Preview"</h2>
            {or_hint(data.preview.is_empty(), "With an example homeowner: buy leads to preview with your own.", move || view! {
                <label>"As sent to "
                    <select on:change=move |ev| chosen.set(event_target_value(&ev).parse().unwrap_or(0))>
                        {data.preview.iter().enumerate().map(|(i, l)| view! { <option value=i.to_string()>{l.label.clone()}</option> }).collect_view()}
                    </select>
                </label>
            })}
            <ol class="steps">
                {move || rows.get().into_iter().map(|row| {
                    let data = merge();
                    let kind = StepKind::parse(&row.kind.get()).unwrap_or(StepKind::Email);
                    view! {
                        <li class="log-entry">
                            <p class="hint">{kind.label()} " · after " {row.delay_amount.get()} " " {row.delay_unit.get()}</p>
                            {(kind == StepKind::Email).then(|| view! { <p><strong>{render(&row.subject.get(), &data)}</strong></p> })}
                            <p class="preview-body">{render(&row.body.get(), &data)}</p>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn HourSelect(name: &'static str, value: u8) -> impl IntoView {
    view! {
        <select name=name>
            {(0u8..=24).map(|h| view! { <option value=h.to_string() selected=h == value>{format!("{h:02}:00")}</option> }).collect_view()}
        </select>
    }
}

#[component]
fn StepEditor(
    index: usize,
    row: StepRow,
    count: Signal<usize>,
    apply: impl Fn(Edit) + Copy + Send + Sync + 'static,
    error: LastError,
) -> impl IntoView {
    let name = move |field: &str| format!("steps[{index}][{field}]");
    let message = move |field: &'static str| {
        move || {
            error
                .get()
                .and_then(|e| e.message_for(&format!("steps[{index}].{field}")))
        }
    };
    // Live check of merge fields while typing; saving checks again.
    let live = move |text: RwSignal<String>| move || check_template(&text.get()).err();
    let is_email = move || row.kind.get() == "email";
    let button = move |edit: Edit, label: &'static str, hidden: Signal<bool>| {
        view! {
            <button type="submit" name="edit" value=edit.value() class="button button-ghost button-small" hidden=hidden
                on:click=move |ev| { ev.prevent_default(); apply(edit); }>{label}</button>
        }
    };
    view! {
        <li class="step card">
            <input type="hidden" name=name("id") value=move || row.id.get()/>
            <div class="field-row">
                <label for=format!("step-{index}-kind")>{format!("Step {}", index + 1)}</label>
                <select id=format!("step-{index}-kind") name=name("kind") on:change=move |ev| row.kind.set(event_target_value(&ev))>
                    {StepKind::ALL.map(|k| view! { <option value=k.as_str() selected=move || row.kind.get() == k.as_str()>{k.label()}</option> })}
                </select>
                <label>"after "
                    <input name=name("delay_amount") inputmode="numeric" size="4" prop:value=move || row.delay_amount.get()
                        on:input=move |ev| row.delay_amount.set(event_target_value(&ev))/>
                </label>
                <select name=name("delay_unit") aria-label="Delay unit" on:change=move |ev| row.delay_unit.set(event_target_value(&ev))>
                    {DelayUnit::ALL.map(|u| view! { <option value=u.as_str() selected=move || row.delay_unit.get() == u.as_str()>{u.as_str()}</option> })}
                </select>
            </div>
            <p class="field-error" role="alert">{message("kind")} {message("delay_amount")}</p>
            <div class="field" hidden=move || !is_email()>
                <label>"Subject"
                    <input name=name("subject") maxlength="150" prop:value=move || row.subject.get()
                        on:input=move |ev| row.subject.set(event_target_value(&ev))/>
                </label>
                <p class="field-error" role="alert">{message("subject")} {live(row.subject)}</p>
            </div>
            <div class="field">
                <label>{move || match row.kind.get().as_str() { "call" => "Call script", "task" => "What to do", "ai_call" => "What the assistant aims for", "sms" => "Text message", _ => "Email text" }}
                    <textarea name=name("body") rows="5" prop:value=move || row.body.get()
                        on:input=move |ev| row.body.set(event_target_value(&ev))>{row.body.get_untracked()}</textarea>
                </label>
                {move || (row.kind.get() == "sms").then(|| view! {
                    <p class="hint">{format!("{} characters; \"Reply STOP to opt out.\" is added.", row.body.get().chars().count())}</p>
                })}
                <p class="field-error" role="alert">{message("body")} {live(row.body)}</p>
            </div>
            // Version B, on half the leads: what is left empty is the same as above.
            <details class="ab-test" hidden=move || !matches!(row.kind.get().as_str(), "email" | "sms")
                open=!(row.variant_subject.get_untracked().is_empty() && row.variant_body.get_untracked().is_empty())>
                <summary>"A/B test: try a version B on half the leads"</summary>
                <div class="field" hidden=move || !is_email()>
                    <label>"Version B subject"
                        <input name=name("variant_subject") maxlength="150" prop:value=move || row.variant_subject.get()
                            on:input=move |ev| row.variant_subject.set(event_target_value(&ev))/>
                    </label>
                    <p class="field-error" role="alert">{message("variant_subject")} {live(row.variant_subject)}</p>
                </div>
                <div class="field">
                    <label>"Version B text"
                        <textarea name=name("variant_body") rows="4" prop:value=move || row.variant_body.get()
                            on:input=move |ev| row.variant_body.set(event_target_value(&ev))>{row.variant_body.get_untracked()}</textarea>
                    </label>
                    <p class="field-error" role="alert">{message("variant_body")} {live(row.variant_body)}</p>
                </div>
                <p class="hint">"Leave a field empty to keep version A's. The report names the version with more replies once each has gone to 50 leads and the difference is not chance."</p>
            </details>
            <div class="stage-buttons">
                {button(Edit::Up(index), "Move up", Signal::derive(move || index == 0))}
                {button(Edit::Down(index), "Move down", Signal::derive(move || index + 1 >= count.get()))}
                {button(Edit::Duplicate(index), "Duplicate", Signal::derive(|| false))}
                {button(Edit::Remove(index), "Remove", Signal::derive(move || count.get() <= 1))}
            </div>
        </li>
    }
}

#[component]
fn EnrollForm(
    action: ServerAction<EnrollLeads>,
    id: String,
    data: SequenceData,
    done: Signal<Option<String>>,
) -> impl IntoView {
    let error = last_error(action.value());
    view! {
        <section class="card">
            <h2>"Enroll leads"</h2>
            <p role="status" class="notice-inline notice-inline-ok" hidden=move || done.get().is_none()>{move || done.get()}</p>
            <ActionForm action>
                <input type="hidden" name="id" value=id/>
                <div class="field-row">
                    <label>"Every lead of a scan "
                        <select name="scan">
                            <option value="">"(none)"</option>
                            {data.scans.into_iter().map(|(id, label)| view! { <option value=id.to_string()>{label}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"or every lead scoring at least " <input name="min_score" inputmode="numeric" size="4"/></label>
                </div>
                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("min_score").or_else(|| e.message_for("scan")))}</p>
                <details>
                    <summary>"or choose leads"</summary>
                    <ul class="choose-leads">
                        {data.preview.into_iter().enumerate().map(|(i, l)| view! {
                            <li><label class="check"><input type="checkbox" name=format!("leads[{i}]") value=l.id.to_string()/>{l.label}</label></li>
                        }).collect_view()}
                    </ul>
                </details>
                <button type="submit" class="button">"Enroll"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ReportView(report: Report) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Report"</h2>
            <dl class="milestones report">
                <dt>"Enrolled"</dt><dd>{report.enrolled}</dd>
                <dt>"Active"</dt><dd>{report.active}</dd>
                <dt>"Paused"</dt><dd>{report.paused}</dd>
                <dt>"Finished"</dt><dd>{report.finished}</dd>
                <dt>"Replied"</dt><dd>{report.replied}</dd>
                <dt>"Opted out"</dt><dd>{report.opted_out}</dd>
                <dt>"Bounced"</dt><dd>{report.bounced}</dd>
                <dt>"Stopped otherwise"</dt><dd>{report.stopped_other}</dd>
            </dl>
            <table class="leads">
                <thead><tr><th scope="col">"Step"</th><th scope="col">"Sent"</th><th scope="col">"Waiting"</th><th scope="col">"Failed"</th><th scope="col">"Skipped"</th><th scope="col">"Opened"</th><th scope="col">"Clicked"</th><th scope="col">"Tasks open / done"</th></tr></thead>
                <tbody>
                    {report.steps.into_iter().enumerate().map(|(i, s)| { let ab = s.verdict(); view! {
                        <tr>
                            <td>{format!("{}. {}", i + 1, s.kind)} {s.removed.then_some(" (removed)")} <span class="hint">{s.summary}</span></td>
                            <td>{s.sent}</td><td>{s.queued}</td><td>{s.failed}</td><td>{s.skipped}</td><td>{s.opened}</td><td>{s.clicked}</td>
                            <td>{format!("{} / {}", s.tasks_open, s.tasks_done)}</td>
                        </tr>
                        {ab.map(|(a, b, verdict)| view! {
                            <tr class="ab-result"><td colspan="8">{ab_summary(a, b, verdict)}</td></tr>
                        })}
                    }}).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// "A/B: A 6 of 120 replied (5.0%), B 12 of 118 (10.2%). B gets more replies."
fn ab_summary(a: Arm, b: Arm, verdict: Verdict) -> String {
    let rate = |arm: Arm| match arm.sent {
        0 => "-".to_owned(),
        sent => format!("{:.1}%", arm.replied as f64 * 100.0 / sent as f64),
    };
    let outcome = match verdict {
        Verdict::Collecting { more } => {
            format!("A winner is named once each version has gone to {AB_MIN_SENDS} leads: {more} to go.")
        }
        Verdict::Winner(Version::A) => "A gets more replies.".to_owned(),
        Verdict::Winner(Version::B) => "B gets more replies.".to_owned(),
        Verdict::NoClearWinner => "No clear winner: the difference could be chance.".to_owned(),
    };
    format!(
        "A/B: A {} of {} replied ({}), B {} of {} ({}). {outcome}",
        a.replied,
        a.sent,
        rate(a),
        b.replied,
        b.sent,
        rate(b)
    )
}

#[component]
fn Enrollments(action: ServerAction<ChangeEnrollment>, rows: Vec<EnrollmentRow>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Enrolled leads"</h2>
            {or_hint(rows.is_empty(), "No one yet.", move || view! {
                <ul class="log-list enrollments">
                    {rows.into_iter().map(|e| {
                        let actions = e.state.actions();
                        let state = e.state.as_str();
                        view! {
                            <li class="log-entry" data-state=state>
                                <a href=format!("/pro/leads/{}", e.lead_id)>{e.address}</a>
                                " · " <span class="badge">{state}</span>
                                {e.reason.map(|r| format!(" ({})", r.replace('_', " ")))}
                                {e.next.map(|n| view! { <span class="hint">" next step " {n}</span> })}
                                <ActionForm action>
                                    <input type="hidden" name="id" value=e.id.to_string()/>
                                    {actions.iter().map(|(value, label)| view! {
                                        <button type="submit" name="action" value=*value class="button button-ghost button-small">{*label}</button>
                                    }).collect_view()}
                                </ActionForm>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

/// `/pro/tasks`: calls and manual steps waiting for a rep.
#[component]
pub fn TasksPage() -> impl IntoView {
    let done = ServerAction::<CompleteTask>::new();
    let count = successes(done.value());
    let tasks = Resource::new(move || count.get(), retrying(|_| load_tasks()));
    let error = last_error(done.value());
    toast_on_success(done.value(), "Logged");
    view! {
        <Title text="Tasks"/>
        <h1>"Tasks"</h1>
        <FormError error/>
        <Loaded data=tasks render={move |tasks| {
            or_hint(tasks.is_empty(), "Nothing waiting. Call and manual steps of your sequences appear here when they are due.", move || view! {
                <ul class="log-list tasks">
                    {tasks.into_iter().map(|t| {
                        let is_call = t.kind == "call";
                        let outcomes: Vec<(&str, &str)> = if is_call { CALL_OUTCOMES.to_vec() } else { vec![("done", "Done")] };
                        view! {
                            <li class="card task">
                                <h2><a href=format!("/pro/leads/{}", t.lead_id)>{t.address.clone()}</a></h2>
                                <p class="hint">{t.sequence.clone()} " · " {if is_call { "Call" } else { "Task" }} " · since " {t.opened.clone()}</p>
                                {t.owner.clone().map(|o| view! { <p>{o}</p> })}
                                {is_call.then(|| match t.phone.clone() {
                                    Some(phone) => view! {
                                        <p>
                                            <a class="button" href=format!("tel:{phone}")>{format!("Call {phone}")}</a>
                                            " " <span class="hint">{format!("their time now: {}", t.local_time)}</span>
                                        </p>
                                        {(!t.callable_now).then(|| view! { <p class="notice-inline notice-inline-error">"Outside calling hours where they live: wait until 08:00 their time."</p> })}
                                    }.into_any(),
                                    None => view! { <p class="hint">"No phone number on record."</p> }.into_any(),
                                })}
                                <p class="preview-body">{t.script.clone()}</p>
                                <ActionForm action=done>
                                    <input type="hidden" name="enrollment" value=t.enrollment_id.to_string()/>
                                    <input type="hidden" name="step" value=t.step_id.to_string()/>
                                    <div class="field"><label>"Note (optional)" <input name="note" maxlength="1000"/></label></div>
                                    <div class="stage-buttons">
                                        {outcomes.into_iter().map(|(value, label)| view! {
                                            <button type="submit" name="outcome" value=value class="button button-ghost button-small">{label}</button>
                                        }).collect_view()}
                                    </div>
                                </ActionForm>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })
        }}/>
    }
}

/// The outreach panel's data and actions. Made where the lead page starts, outside its
/// Suspend: a resource first created inside one does not hydrate.
#[derive(Clone, Copy)]
pub struct OutreachState {
    data: Resource<Result<LeadOutreachData, AppError>>,
    consent: ServerAction<SetSmsConsent>,
    enroll: ServerAction<EnrollLeads>,
}

pub fn use_lead_outreach(lead: impl Fn() -> String + Send + Sync + 'static) -> OutreachState {
    let consent = ServerAction::<SetSmsConsent>::new();
    let enroll = ServerAction::<EnrollLeads>::new();
    let saved = saves![consent, enroll];
    let data = Resource::new(
        move || (lead(), saved.get()),
        retrying(|(id, _)| load_lead_outreach(id)),
    );
    toast_on_success(consent.value(), "Saved");
    toast_on_success(enroll.value(), "Enrolled");
    OutreachState { data, consent, enroll }
}

/// The outreach part of a lead's page: consent to text, sequences, and the timeline.
#[component]
pub fn LeadOutreach(lead: Uuid, state: OutreachState) -> impl IntoView {
    let OutreachState { data, consent, enroll } = state;
    let error = Signal::derive(move || {
        last_error(consent.value())
            .get()
            .or_else(|| last_error(enroll.value()).get())
    });
    view! {
        <Loaded data=data render={move |d| view! {
            <section class="card outreach">
                <h2>"Outreach"</h2>
                <FormError error/>
                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("leads"))}</p>
                {(!d.opted_out.is_empty()).then(|| view! {
                    <p class="notice-inline notice-inline-error">{format!("Opted out of: {}. Nothing more will be sent there.", d.opted_out.join(", "))}</p>
                })}
                <ActionForm action=consent>
                    <input type="hidden" name="id" value=lead.to_string()/>
                    <p>{if d.sms_consent { "They agreed to receive text messages." } else { "No consent to text recorded: text steps are skipped for this lead." }}</p>
                    <button type="submit" name="consent" value=if d.sms_consent { "no" } else { "yes" } class="button button-ghost button-small">
                        {if d.sms_consent { "Withdraw consent to text" } else { "They agreed to texts" }}
                    </button>
                </ActionForm>
                {(!d.sequences.is_empty()).then(|| view! {
                    <ActionForm action=enroll>
                        <input type="hidden" name="leads[0]" value=lead.to_string()/>
                        <label>"Enroll in "
                            <select name="id">
                                {d.sequences.iter().map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        " " <button type="submit" class="button button-small">"Enroll"</button>
                    </ActionForm>
                })}
                <ul>
                    {d.enrollments.iter().map(|(_, name, state)| view! { <li>{name.clone()} ": " {state.clone()}</li> }).collect_view()}
                </ul>
                <h3>"Timeline"</h3>
                {or_hint(d.timeline.is_empty(), "Nothing sent or received yet.", move || view! {
                    <ol class="timeline">
                        {d.timeline.into_iter().map(|e| view! {
                            <li><span class="hint">{e.at}</span> " " <strong>{e.what}</strong> " " {e.detail}</li>
                        }).collect_view()}
                    </ol>
                })}
            </section>
        }}/>
    }
}

/// `/u/:token`: the unsubscribe page a sequence email links to. A GET only asks; the
/// button posts to `/unsubscribe/:token` (which also takes RFC 8058 one-click posts).
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let status = Resource::new(token, retrying(load_unsubscribe));
    view! {
        <Title text="Unsubscribe"/>
        <Loaded data=status render={move |s| {
            if s.done {
                view! {
                    <h1>"You are unsubscribed"</h1>
                    <p>{format!("{} will not email you again.", s.company)}</p>
                }.into_any()
            } else {
                view! {
                    <h1>"Unsubscribe"</h1>
                    <p>{format!("Stop all emails from {}?", s.company)}</p>
                    <form method="post" action=format!("/unsubscribe/{}", token())>
                        <input type="hidden" name="List-Unsubscribe" value="One-Click"/>
                        <button type="submit" class="button">"Unsubscribe"</button>
                    </form>
                }.into_any()
            }
        }}/>
    }
}
