//! Refunds of bought leads. Within 48 hours of purchase a contractor may give a lead back:
//! refunded at once while her refunds stay within a tenth of her last 30 days' purchases and
//! the lead was never contacted (`domain::fishmouth::pricing::refund_route`); otherwise the
//! request waits for an operator at /admin/refunds, who sees her reason. A refunded lead is
//! gone from her list, its page, the CSV and every API: the homeowner's contact data is no
//! longer hers. Every step is audited.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::{FormError, last_error, retrying, successes, toast_on_success};
use crate::error::AppError;

/// What became of a refund request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundOutcome {
    Refunded,
    /// Waiting for an operator.
    Pending,
}

/// A request waiting for an operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRefund {
    pub lead_id: Uuid,
    pub contractor: String,
    pub address: String,
    pub price: String,
    pub reason: String,
    pub note: String,
    pub requested: String,
    pub contacted: bool,
    /// Her refunds and purchases in the last 30 days, for the operator's judgement.
    pub refunded_recently: i64,
    pub bought_recently: i64,
}

/// Asks for a lead's price back: refunded at once, or sent to an operator.
#[server(prefix = "/api/pro", endpoint = "lead-refund")]
pub async fn request_refund(
    id: String,
    #[server(default)] reason: String,
    #[server(default)] note: String,
) -> Result<RefundOutcome, AppError> {
    use domain::fishmouth::pricing::{REFUND_WINDOW_HOURS, RefundReason, RefundRoute, refund_route};
    let id = crate::auth::guards::parse_id(&id)?;
    let reason =
        RefundReason::parse(&reason).ok_or_else(|| AppError::field("reason", "choose why this lead is not usable"))?;
    let note = note.trim();
    if note.chars().count() > 1000 {
        return Err(AppError::field("note", "at most 1,000 characters"));
    }
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    let lead = ssr::lead_for_refund(&mut tx, user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if lead.status.is_some() {
        return Err(AppError::field("reason", "a refund was already asked for this lead"));
    }
    if lead.hours_since_bought >= REFUND_WINDOW_HOURS {
        return Err(AppError::field(
            "reason",
            "refunds are possible within 48 hours of buying a lead",
        ));
    }
    if lead.price_cents == 0 {
        return Err(AppError::field("reason", "this lead was free"));
    }
    let request = crate::platform::request_info();
    let outcome = match refund_route(lead.bought_recently, lead.refunded_recently, lead.contacted) {
        RefundRoute::Automatic => {
            ssr::refund(&mut tx, &request, user.id, id, lead.price_cents, reason.code(), None).await?;
            RefundOutcome::Refunded
        }
        RefundRoute::Review => {
            ssr::mark_pending(&mut tx, user.id, id, reason.code(), note).await?;
            crate::platform::audit::record(
                &mut *tx,
                &request,
                Some(user.id),
                "lead.refund_requested",
                crate::platform::audit::Outcome::Success,
                serde_json::json!({ "lead": id, "reason": reason.code(), "contacted": lead.contacted }),
            )
            .await?;
            RefundOutcome::Pending
        }
    };
    tx.commit().await?;
    if outcome == RefundOutcome::Refunded {
        // The lead is no longer hers to open.
        leptos_axum::redirect("/pro/leads");
    }
    Ok(outcome)
}

#[server(prefix = "/api/admin", endpoint = "refunds", input = GetUrl)]
pub async fn pending_refunds() -> Result<Vec<PendingRefund>, AppError> {
    crate::auth::guards::Operator::get().await?;
    let pool = crate::platform::services()?.pool;
    Ok(ssr::pending(&pool).await?)
}

/// An operator approves (money back, contact data hidden) or declines a waiting request.
#[server(prefix = "/api/admin", endpoint = "refund-decision")]
pub async fn decide_refund(id: String, decision: String, #[server(default)] note: String) -> Result<(), AppError> {
    let operator = crate::auth::guards::Operator::get().await?.user_id;
    let pool = crate::platform::services()?.pool;
    let id = crate::auth::guards::parse_id(&id)?;
    let approve = match decision.trim() {
        "approve" => true,
        "decline" => false,
        _ => return Err(AppError::field("decision", "approve or decline")),
    };
    let note = note.trim();
    if note.chars().count() > 1000 {
        return Err(AppError::field("note", "at most 1,000 characters"));
    }
    if !approve && note.is_empty() {
        return Err(AppError::field("note", "say why, for the contractor"));
    }
    let mut tx = pool.begin().await?;
    let (contractor, price, reason) = ssr::pending_one(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let request = crate::platform::request_info();
    if approve {
        ssr::refund(
            &mut tx,
            &request,
            contractor,
            id,
            price,
            &reason,
            Some((operator, note)),
        )
        .await?;
    } else {
        ssr::decline(&mut tx, id, operator, note).await?;
    }
    crate::admin::audit(
        &mut tx,
        operator,
        if approve {
            "admin.refund_approved"
        } else {
            "admin.refund_declined"
        },
        serde_json::json!({ "lead": id, "contractor": contractor, "cents": price }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `/admin/refunds`: requests waiting for an operator.
#[component]
pub fn RefundReviewPage() -> impl IntoView {
    let decide = ServerAction::<DecideRefund>::new();
    let saved = successes(decide.value());
    let waiting = Resource::new(move || saved.get(), retrying(|_| pending_refunds()));
    let error = last_error(decide.value());
    toast_on_success(decide.value(), "Decision saved");
    view! {
        <Title text="Admin: refunds"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                match waiting.await {
                    Err(error) => view! { <crate::admin::Refused error/> }.into_any(),
                    Ok(rows) => view! {
                        <h1>"Refund requests"</h1>
                        <crate::admin::AdminNav/>
                        <FormError error/>
                        {rows.is_empty().then(|| view! { <p>"Nothing is waiting."</p> })}
                        <ul class="log-list">
                            {rows.into_iter().map(|r| view! {
                                <li class="log-entry card" data-lead=r.lead_id.to_string()>
                                    <p><strong>{r.address.clone()}</strong> " · " {r.price.clone()}</p>
                                    <p class="hint">{format!("{} · asked {} · {}", r.contractor, r.requested,
                                        if r.contacted { "already contacted" } else { "not contacted" })}</p>
                                    <p class="hint">{format!("{} refunds of {} leads in 30 days", r.refunded_recently, r.bought_recently)}</p>
                                    <p>"Reason: " {r.reason.clone()}</p>
                                    {(!r.note.is_empty()).then(|| view! { <p>"Their words: " {r.note.clone()}</p> })}
                                    <ActionForm action=decide>
                                        <input type="hidden" name="id" value=r.lead_id.to_string()/>
                                        <div class="field"><label>"Note for the contractor (needed to decline)"
                                            <textarea name="note" rows="2" maxlength="1000"></textarea></label></div>
                                        <button type="submit" name="decision" value="approve" class="button">"Approve the refund"</button>
                                        " "
                                        <button type="submit" name="decision" value="decline" class="button button-ghost">"Decline"</button>
                                    </ActionForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::{PgConnection, PgPool};
    use uuid::Uuid;

    use super::PendingRefund;
    use crate::platform::RequestInfo;

    /// A lead that has been used: a sequence sent it something, a rep did its call task, or
    /// she moved it past "new".
    const CONTACTED: &str = "(l.stage <> 'new' OR EXISTS (
            SELECT 1 FROM fm_enrollments e JOIN fm_enrollment_steps es ON es.enrollment_id = e.id
            WHERE e.lead_id = l.id AND es.outcome IN ('queued', 'task_done')))";

    /// Her purchases and refunds (done or asked) in the last 30 days.
    const RECENT: &str = "(SELECT count(*) FROM leads b WHERE b.user_id = l.user_id AND b.price_cents > 0
               AND b.bought_at > now() - make_interval(days => 30)),
            (SELECT count(*) FROM leads r WHERE r.user_id = l.user_id AND r.refund_status = 'refunded'
               AND r.refund_requested_at > now() - make_interval(days => 30))";

    pub struct LeadForRefund {
        pub price_cents: i32,
        pub status: Option<String>,
        pub hours_since_bought: i64,
        pub contacted: bool,
        pub bought_recently: i64,
        pub refunded_recently: i64,
    }

    pub async fn lead_for_refund(
        tx: &mut PgConnection,
        user_id: Uuid,
        id: Uuid,
    ) -> Result<Option<LeadForRefund>, sqlx::Error> {
        // Her other refunds are counted under the lock of her wallet row, so two requests
        // at once cannot both slip under the limit.
        sqlx::query("SELECT 1 FROM wallets WHERE user_id = $1 FOR UPDATE")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let row: Option<(i32, Option<String>, i64, bool, i64, i64)> = sqlx::query_as(&format!(
            "SELECT l.price_cents, l.refund_status, (extract(epoch FROM now() - l.bought_at) / 3600)::int8,
                    {CONTACTED}, {RECENT}
             FROM leads l WHERE l.id = $1 AND l.user_id = $2 AND l.refunded_at IS NULL FOR UPDATE OF l"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        Ok(row.map(
            |(price_cents, status, hours_since_bought, contacted, bought_recently, refunded_recently)| LeadForRefund {
                price_cents,
                status,
                hours_since_bought,
                contacted,
                bought_recently,
                refunded_recently,
            },
        ))
    }

    /// Gives the lead back: money to her wallet, its sequences stopped, its contact data
    /// hidden from her from now on. `decided` is the operator and note, when one approved it.
    pub async fn refund(
        tx: &mut PgConnection,
        request: &RequestInfo,
        user_id: Uuid,
        id: Uuid,
        price_cents: i32,
        reason: &str,
        decided: Option<(Uuid, &str)>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE leads SET refunded_at = now(), refund_status = 'refunded', refund_reason = $3,
                    refund_requested_at = coalesce(refund_requested_at, now()),
                    refund_decided_by = $4, refund_decision = nullif($5, '')
             WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .bind(reason)
        .bind(decided.map(|(by, _)| by))
        .bind(decided.map_or("", |(_, note)| note))
        .execute(&mut *tx)
        .await?;
        crate::fishmouth::sequences::engine::stop_for_lead(&mut *tx, user_id, id, "manual").await?;
        crate::fishmouth::wallet::credit(
            &mut *tx,
            request,
            user_id,
            i64::from(price_cents),
            "refund",
            &format!("lead {id}: {reason}"),
        )
        .await?;
        crate::platform::audit::record(
            &mut *tx,
            request,
            Some(user_id),
            "lead.refunded",
            crate::platform::audit::Outcome::Success,
            serde_json::json!({ "lead": id, "reason": reason, "cents": price_cents, "by_operator": decided.is_some() }),
        )
        .await?;
        Ok(())
    }

    pub async fn mark_pending(
        tx: &mut PgConnection,
        user_id: Uuid,
        id: Uuid,
        reason: &str,
        note: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE leads SET refund_status = 'pending', refund_reason = $3, refund_note = nullif($4, ''),
                    refund_requested_at = now()
             WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .bind(reason)
        .bind(note)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// A waiting request, locked: (contractor, price, reason).
    pub async fn pending_one(tx: &mut PgConnection, id: Uuid) -> Result<Option<(Uuid, i32, String)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT user_id, price_cents, refund_reason FROM leads
             WHERE id = $1 AND refund_status = 'pending' FOR UPDATE",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
    }

    pub async fn decline(tx: &mut PgConnection, id: Uuid, operator: Uuid, note: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE leads SET refund_status = 'denied', refund_decided_by = $2, refund_decision = $3
             WHERE id = $1 AND refund_status = 'pending'",
        )
        .bind(id)
        .bind(operator)
        .bind(note)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    pub async fn pending(pool: &PgPool) -> Result<Vec<PendingRefund>, sqlx::Error> {
        type Row = (
            Uuid,
            String,
            String,
            i32,
            String,
            Option<String>,
            time::OffsetDateTime,
            bool,
            i64,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT l.id, u.email, p.address, l.price_cents, l.refund_reason, l.refund_note, l.refund_requested_at,
                    {CONTACTED}, {RECENT}
             FROM leads l JOIN users u ON u.id = l.user_id JOIN properties p ON p.id = l.property_id
             WHERE l.refund_status = 'pending' ORDER BY l.refund_requested_at LIMIT 200"
        ))
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(lead_id, contractor, address, price, reason, note, requested, contacted, bought, refunded)| {
                    PendingRefund {
                        lead_id,
                        contractor,
                        address,
                        price: domain::fishmouth::pricing::format_cents(i64::from(price)),
                        reason: domain::fishmouth::pricing::RefundReason::parse(&reason)
                            .map_or(reason, |r| r.label().to_owned()),
                        note: note.unwrap_or_default(),
                        requested: crate::platform::format_time(requested),
                        contacted,
                        refunded_recently: refunded,
                        bought_recently: bought,
                    }
                },
            )
            .collect())
    }
}
