//! Refunds of bought leads. Within 48 hours of purchase a contractor may give a lead back:
//! refunded at once while her refunds stay within a tenth of her last 30 days' purchases and
//! the lead was never contacted (`domain::fishmouth::pricing::refund_route`); otherwise the
//! request waits for an operator at /admin/refunds, who sees her reason. A refunded lead is
//! gone from her list, its page, the CSV and every API: the homeowner's contact data is no
//! longer hers. Every step is audited.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::store;
use crate::admin::AdminPage;
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
    let lead = store::lead_for_refund(&mut tx, user.id, id)
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
            store::mark_refund_pending(&mut tx, user.id, id, reason.code(), note).await?;
            let detail = serde_json::json!({ "lead": id, "reason": reason.code(), "contacted": lead.contacted });
            crate::platform::audit::success(&mut *tx, &request, user.id, "lead.refund_requested", detail).await?;
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
    let (contractor, price, reason) = store::pending_refund(&mut tx, id).await?.ok_or(AppError::NotFound)?;
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
        store::decline_refund(&mut tx, id, operator, note).await?;
    }
    let action = if approve {
        "admin.refund_approved"
    } else {
        "admin.refund_declined"
    };
    let detail = serde_json::json!({ "lead": id, "contractor": contractor, "cents": price });
    crate::admin::commit_audited(tx, operator, action, detail).await
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
        <AdminPage heading="Refund requests" data=waiting render={move |rows: Vec<PendingRefund>| view! {
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
        }}/>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::{PgConnection, PgPool};
    use uuid::Uuid;

    use super::PendingRefund;
    use crate::fishmouth::store;
    use crate::platform::RequestInfo;

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
        store::mark_refunded(&mut *tx, user_id, id, reason, decided).await?;
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
        let detail =
            serde_json::json!({ "lead": id, "reason": reason, "cents": price_cents, "by_operator": decided.is_some() });
        crate::platform::audit::success(&mut *tx, request, user_id, "lead.refunded", detail).await?;
        Ok(())
    }

    pub async fn pending(pool: &PgPool) -> Result<Vec<PendingRefund>, sqlx::Error> {
        let rows = store::pending_refunds(pool).await?;
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
